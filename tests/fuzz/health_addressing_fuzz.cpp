// HealthCard in both addressing modes against a card that answers with fuzz data: the session
// starts with a strategy taken from the input (SFI or the current EF, bulk or one record per
// command, record identifiers or numbers, short or extended Le from the ATR), and every command
// gets the next chunk of the input as its answer (1 length byte, that many data bytes, then 90 00;
// length FE: a 2-byte length follows; length FF: a chosen status word, 61xx and 6Cxx included).
// Invariants: only hc::Error escapes (RecordError, CardRefused, ValidationError, CardProtocolError
// ...); an identity that comes back has every element of DDF1/EF05 and EF06 (never half a file);
// the session never sends more than a bounded number of commands (no endless probing).
#include "hc/card/card_channel.hpp"
#include "hc/card/error.hpp"
#include "hc/card/health/health_card.hpp"

#include <cstdint>
#include <cstdlib>

namespace {
class FuzzCard final : public hc::card::CardChannel {
public:
    FuzzCard(const std::uint8_t* d, std::size_t n, bool extended)
        : m_data(d)
        , m_size(n)
        , m_extended(extended) { }
    hc::card::ResponseApdu transmit(const hc::card::CommandApdu&) override {
        if (++m_count > 2000) {
            std::abort(); // the session loops
        }
        if (m_pos >= m_size) {
            return { {}, hc::card::sw::RecordNotFound };
        }
        std::size_t len = m_data[m_pos++];
        if (len == 0xFE && m_pos + 2 <= m_size) { // a long answer: 2-byte length
            len = (std::size_t { m_data[m_pos] } << 8) | m_data[m_pos + 1];
            m_pos += 2;
        }
        hc::card::StatusWord s = hc::card::sw::Ok;
        if (len == 0xFF && m_pos + 2 <= m_size) {
            s = hc::card::StatusWord(m_data[m_pos], m_data[m_pos + 1]);
            m_pos += 2;
            return { {}, s };
        }
        const std::size_t n = std::min(len, m_size - m_pos);
        hc::Bytes body(m_data + m_pos, m_data + m_pos + n);
        m_pos += n;
        return { std::move(body), s };
    }
    hc::Bytes atr() const override {
        return hc::fromHex(m_extended ? "3B8F8131FE45807300004069B011010500000000039A"
                                      : "3B8D8131FE4580318065B0110105000000000374");
    }
    void reset() override { }
    std::string readerName() const override { return "fuzz"; }

private:
    const std::uint8_t* m_data;
    std::size_t m_size;
    bool m_extended;
    std::size_t m_pos = 0;
    std::size_t m_count = 0;
};

class NullSam final : public hc::card::health::SecureAccessModule {
public:
    void deliverKey(std::uint8_t, std::uint8_t, hc::ByteView) override { }
    hc::Bytes encrypt(hc::ByteView b) override { return hc::Bytes(b.begin(), b.end()); }
    hc::Bytes mac(hc::ByteView, hc::ByteView) override { return hc::Bytes(4, 0); }
    std::string name() const override { return "null"; }
};

hc::card::health::Fact fact(bool known, bool yes) {
    using hc::card::health::Known;
    return { known ? (yes ? Known::Yes : Known::No) : Known::Unknown, known ? "fuzz" : "" };
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace hc::card::health;
    if (size < 1) {
        return 0;
    }
    const std::uint8_t mode = data[0];
    NullSam sam;
    FuzzCard card(data + 1, size - 1, (mode & 0x40) != 0);
    auto profile = CardProfile::ws543_2017();
    StrategyCache cache;
    CardStrategy s;
    s.sfi = fact(mode & 0x01, mode & 0x02);
    s.bulk = fact(mode & 0x04, mode & 0x08);
    s.recordIds = fact(mode & 0x10, mode & 0x20);
    cache.store(cardKind(card.atr(), profile.diversifier), s);
    HealthCard hc(card, profile, &sam, &cache);
    try {
        if (mode & 0x80) {
            (void)hc.readAll();
        } else {
            const auto ef05 = hc.readElements("DDF1/EF05");
            if (ef05.value.size() != 10) {
                std::abort(); // half a file
            }
            const auto ef06 = hc.readElements("DDF1/EF06");
            if (ef06.value.size() != 5) {
                std::abort();
            }
        }
    } catch (const hc::Error&) { }
    return 0;
}
