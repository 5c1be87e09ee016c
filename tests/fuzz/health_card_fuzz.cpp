// HealthCard against a card that answers with fuzz data: every command gets the next chunk of the
// input (1 length byte, that many data bytes, then 90 00 unless the chunk says otherwise), so the
// record splitting, simple-TLV parsing and decoding of every data set see arbitrary answers.
// Invariant: only hc::Error escapes (CardRefused, ValidationError, InputError, ...).
#include "hc/card/card_channel.hpp"
#include "hc/card/error.hpp"
#include "hc/card/health/health_card.hpp"

#include <cstdint>
#include <cstdlib>

namespace {
class FuzzCard final : public hc::card::CardChannel {
public:
    FuzzCard(const std::uint8_t* d, std::size_t n)
        : m_data(d)
        , m_size(n) { }
    hc::card::ResponseApdu transmit(const hc::card::CommandApdu&) override {
        if (m_pos >= m_size || ++m_count > 200) {
            return { {}, hc::card::sw::RecordNotFound };
        }
        const std::size_t len = m_data[m_pos++];
        const std::size_t n = std::min(len, m_size - m_pos);
        hc::Bytes body(m_data + m_pos, m_data + m_pos + n);
        m_pos += n;
        hc::card::StatusWord s = hc::card::sw::Ok;
        if (len == 0xFF && m_pos + 2 <= m_size) { // a chosen status word
            s = hc::card::StatusWord(m_data[m_pos], m_data[m_pos + 1]);
            m_pos += 2;
            body.clear();
        }
        return { std::move(body), s };
    }
    hc::Bytes atr() const override {
        return hc::fromHex("3B8D8131FE4580318065B0110105000000000374");
    }
    void reset() override { }
    std::string readerName() const override { return "fuzz"; }

private:
    const std::uint8_t* m_data;
    std::size_t m_size;
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
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace hc::card::health;
    NullSam sam;
    for (bool bulk : { true, false }) {
        FuzzCard card(data, size);
        auto profile = CardProfile::ws543_2017();
        profile.bulkRead = bulk;
        StrategyCache cache; // a fresh card kind each run: what one input taught stays there
        HealthCard hc(card, profile, &sam, &cache);
        try {
            (void)hc.readAll();
        } catch (const hc::Error&) { }
    }
    return 0;
}
