// The personalization engine: blank card -> issued health card, read back and compared; block,
// unblock and issuer PIN reset. The card commands are those of docs/issuance-card-os.md.
#include "hc/perso/personalizer.hpp"

#include "card_data.hpp"
#include "hc/card/atr.hpp"
#include "hc/card/health/crypto.hpp"
#include "hc/card/health/health_card.hpp"
#include "hc/card_hsm/hsm_sam.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <openssl/rand.h>

namespace hc::perso {

namespace h = hc::card::health;
using hc::Bytes;
using hc::ByteView;
using hc::card::CardChannel;
using hc::card::CommandApdu;
using hc::card::ResponseApdu;
using hc::card::StatusWord;
using hc::hsm::KeySpec;

std::string_view describe(CardState state) {
    switch (state) {
    case CardState::Blank:
        return "blank";
    case CardState::Partial:
        return "partial";
    case CardState::Issued:
        return "issued";
    case CardState::Blocked:
        return "blocked";
    case CardState::Foreign:
        return "foreign";
    }
    return "unknown";
}

namespace {

constexpr std::uint8_t kAlgSm4 = 0x04;
constexpr std::uint8_t kAlgPin = 0x10;
constexpr std::uint16_t kSwDeactivated = 0x6283;

std::string randomDigits(std::size_t n) {
    std::string out;
    while (out.size() < n) {
        std::uint8_t b[16];
        if (RAND_bytes(b, sizeof b) != 1) {
            throw hc::Error("no random bytes for a PIN", hc::NextStep::Retry);
        }
        for (std::uint8_t x : b) {
            if (x < 250 && out.size() < n) { // rejection sampling: no bias towards low digits
                out.push_back(static_cast<char>('0' + x % 10));
            }
        }
        hc::hsm::cleanse(std::span<std::uint8_t>(b, sizeof b));
    }
    return out;
}

bool allDigits(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool isDate(std::string_view s) {
    if (s.size() != 8 || !allDigits(s)) {
        return false;
    }
    const int m = std::stoi(std::string(s.substr(4, 2)));
    const int d = std::stoi(std::string(s.substr(6, 2)));
    return m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

/** The first `digits` digits of the city code as ASCII, then '0' to 8 bytes. */
Bytes city8Of(const std::string& cityCode, std::size_t digits) {
    Bytes out;
    for (std::size_t i = 0; i < 8; ++i) {
        out.push_back(i < digits && i < cityCode.size() ? static_cast<std::uint8_t>(cityCode[i])
                                                        : static_cast<std::uint8_t>('0'));
    }
    return out;
}

/** One card session: counts APDUs, times stages, maps refusals to PersoError. */
class Session {
public:
    explicit Session(CardChannel& channel)
        : m_channel(channel)
        , m_start(std::chrono::steady_clock::now())
        , m_stageStart(m_start) { }

    void enter(PersoStage stage) {
        close();
        m_stage = stage;
    }
    PersoStage stage() const { return m_stage; }

    ResponseApdu send(const CommandApdu& c) {
        ++m_apdus;
        return m_channel.transmit(c);
    }

    ResponseApdu sendOk(const CommandApdu& c, const std::string& step) {
        ResponseApdu r = send(c);
        if (!r.sw().ok()) {
            throw PersoError(m_stage,
                step + " refused with SW " + r.sw().hex() + " (" + r.sw().meaning() + ")",
                hc::NextStep::CallStaff, r.sw(), m_touched);
        }
        return r;
    }

    void touched() { m_touched = true; }
    void addApdus(std::size_t n) { m_apdus += n; }
    bool isTouched() const { return m_touched; }
    std::size_t apdus() const { return m_apdus; }

    std::vector<StageTiming> finish(std::chrono::microseconds& total) {
        close();
        total = std::chrono::duration_cast<std::chrono::microseconds>(
            std::chrono::steady_clock::now() - m_start);
        return m_timings;
    }

private:
    void close() {
        const auto now = std::chrono::steady_clock::now();
        const auto spent
            = std::chrono::duration_cast<std::chrono::microseconds>(now - m_stageStart);
        const std::size_t n = m_apdus - m_stageApdus;
        auto it = std::find_if(m_timings.begin(), m_timings.end(),
            [&](const StageTiming& t) { return t.stage == m_stage; });
        if (it == m_timings.end()) {
            m_timings.push_back({ m_stage, spent, n });
        } else {
            it->elapsed += spent;
            it->apdus += n;
        }
        m_stageStart = now;
        m_stageApdus = m_apdus;
    }

    CardChannel& m_channel;
    std::chrono::steady_clock::time_point m_start;
    std::chrono::steady_clock::time_point m_stageStart;
    PersoStage m_stage = PersoStage::Open;
    std::size_t m_apdus = 0;
    std::size_t m_stageApdus = 0;
    bool m_touched = false;
    std::vector<StageTiming> m_timings;
};

CommandApdu selectFid(std::uint16_t fid) {
    return CommandApdu(0x00, 0xA4, 0x00, 0x00,
        Bytes { static_cast<std::uint8_t>(fid >> 8), static_cast<std::uint8_t>(fid & 0xFF) }, 0);
}

Bytes getChallenge(Session& s) {
    ResponseApdu r = s.sendOk(CommandApdu(0x00, 0x84, 0x00, 0x00, {}, 8), "GET CHALLENGE");
    if (r.data().size() != 8) {
        throw PersoError(s.stage(),
            "GET CHALLENGE answered " + std::to_string(r.data().size()) + " bytes, 8 expected",
            hc::NextStep::CallStaff, std::nullopt, s.isTouched());
    }
    return r.data();
}

/** GET DATA 80 CA 01 00: serial8 || lifecycle || blocked || created; nullopt when refused. */
std::optional<Bytes> getCardInfo(Session& s) {
    ResponseApdu r = s.send(CommandApdu(0x80, 0xCA, 0x01, 0x00, {}, 256));
    if (!r.sw().ok() || r.data().size() != 11) {
        return std::nullopt;
    }
    return r.data();
}

Bytes header5(
    std::uint8_t cla, std::uint8_t ins, std::uint8_t p1, std::uint8_t p2, std::size_t lc) {
    Bytes b { cla, ins, p1, p2, static_cast<std::uint8_t>(lc) };
    return b;
}

Bytes first4(const Bytes& b) {
    return Bytes(b.begin(), b.begin() + 4);
}

/** The FCP of CREATE FILE for an EF of the profile. */
Bytes efFcp(const h::FileSpec& f) {
    Bytes body;
    auto tlv = [&body](std::uint8_t tag, std::initializer_list<std::uint8_t> v) {
        body.push_back(tag);
        body.push_back(static_cast<std::uint8_t>(v.size()));
        for (std::uint8_t b : v) {
            body.push_back(b);
        }
    };
    const auto hi = [](std::size_t v) { return static_cast<std::uint8_t>((v >> 8) & 0xFF); };
    const auto lo = [](std::size_t v) { return static_cast<std::uint8_t>(v & 0xFF); };
    switch (f.kind) {
    case h::FileKind::TlvRecords:
        tlv(0x82, { 0x04, 0x21, 0x00, 0xFF, lo(f.records) });
        break;
    case h::FileKind::CyclicRecords:
        tlv(0x82, { 0x06, 0x21, hi(f.size), lo(f.size), lo(f.records) });
        break;
    case h::FileKind::IndexRecords:
        tlv(0x82, { 0x02, 0x21, hi(f.size), lo(f.size), lo(f.records) });
        break;
    case h::FileKind::Binary:
    case h::FileKind::VisitRecord:
        tlv(0x82, { 0x01 });
        break;
    }
    tlv(0x83, { hi(f.fid), lo(f.fid) });
    if (f.sfi != 0) {
        tlv(0x88, { f.sfi });
    }
    if (f.kind == h::FileKind::Binary || f.kind == h::FileKind::VisitRecord) {
        tlv(0x80, { hi(f.size), lo(f.size) });
    }
    tlv(0xC1,
        { f.readKey ? f.readKey->cardP2 : std::uint8_t { 0x00 },
            f.updateKey ? f.updateKey->cardP2 : std::uint8_t { 0xFF } });
    if (f.secureMessaging) {
        tlv(0xC2, { 0x01 });
    }
    Bytes fcp { 0x62, static_cast<std::uint8_t>(body.size()) };
    fcp.insert(fcp.end(), body.begin(), body.end());
    return fcp;
}

Bytes dfFcp(std::uint16_t fid) {
    return Bytes { 0x62, 0x07, 0x82, 0x01, 0x38, 0x83, 0x02, static_cast<std::uint8_t>(fid >> 8),
        static_cast<std::uint8_t>(fid & 0xFF) };
}

} // namespace

Personalizer::Personalizer(hc::hsm::Hsm& hsm, PersoProfile profile)
    : m_hsm(hsm)
    , m_profile(std::move(profile)) {
    m_profile.validate();
}

void Personalizer::checkInput(const PersoInput& in) const {
    if (in.cardNumber.empty() || in.cardNumber.size() > 18) {
        throw hc::InputError("card number: 1 to 18 characters expected");
    }
    if (!isDate(in.issueDate)) {
        throw hc::InputError("issue date: YYYYMMDD expected");
    }
    if (!isDate(in.expiryDate) || in.expiryDate <= in.issueDate) {
        throw hc::InputError("expiry date: YYYYMMDD after the issue date expected");
    }
    if (in.issuer.code.size() != 11 || !allDigits(in.issuer.code)) {
        throw hc::InputError("issuer code: 11 digits expected");
    }
    if (in.issuer.cityCode.size() != 6 || !allDigits(in.issuer.cityCode)) {
        throw hc::InputError("issuer city code: 6 digits expected");
    }
    if (!in.issuer.certificate.empty() && in.issuer.certificate.size() != 180) {
        throw hc::InputError("issuer certificate: 180 bytes expected");
    }
    const auto& policy = m_profile.pin;
    if (policy.source == PinSource::Given) {
        if (!in.pin || in.pin->size() != policy.length || !allDigits(*in.pin)) {
            throw hc::InputError("PIN: the issuer policy asks for a given PIN of "
                + std::to_string(policy.length) + " digits");
        }
    } else if (in.pin) {
        throw hc::InputError("PIN: the issuer policy generates PINs; none may be given");
    }
    if (in.puk && (in.puk->size() != policy.pukLength || !allDigits(*in.puk))) {
        throw hc::InputError("PUK: " + std::to_string(policy.pukLength) + " digits expected");
    }
    if (in.securityCode.size() > 3) {
        throw hc::InputError("security code: at most 3 characters");
    }
    h::validateHolder(in.resident.identity.holder);
    // Encodes every record once: throws ValidationError naming the element that does not fit.
    (void)planCardData(m_profile, in, "0000000000", "000");
}

PersoResult Personalizer::personalize(CardChannel& channel, const PersoInput& input) {
    checkInput(input);
    PersoInput in = input;
    PersoResult result;
    result.pin = in.pin ? *in.pin : randomDigits(m_profile.pin.length);
    result.puk = in.puk ? *in.puk : randomDigits(m_profile.pin.pukLength);
    const std::string securityCode = in.securityCode.empty() ? randomDigits(3) : in.securityCode;

    Session s(channel);
    try {
        // ---- open: the card must be blank; authenticate with its transport key ----
        s.enter(PersoStage::Open);
        s.sendOk(selectFid(0x3F00), "SELECT MF");
        const auto info = getCardInfo(s);
        if (!info) {
            throw PersoError(PersoStage::Open,
                "the card does not answer GET DATA 80 CA 01 00: not a blank card of this card OS",
                hc::NextStep::CallStaff, std::nullopt, false);
        }
        const Bytes serial(info->begin(), info->begin() + 8);
        if ((*info)[8] != 0x01) {
            throw PersoError(PersoStage::Open, "the card is already issued",
                hc::NextStep::CallStaff, std::nullopt, false);
        }
        if ((*info)[10] != 0x00) {
            throw PersoError(PersoStage::Open,
                "the card was partly personalized before (torn or failed): it is spoiled",
                hc::NextStep::CallStaff);
        }
        h::HealthCard probeCard(channel, m_profile.card);
        const Bytes cardNo8 = probeCard.diversifier();
        if (cardNo8 != serial) {
            throw PersoError(PersoStage::Open,
                "the ATR's diversifier differs from the chip serial (GET DATA)",
                hc::NextStep::CallStaff, std::nullopt, false);
        }
        result.chipSerial = hc::toHex(serial);
        const Bytes city8 = city8Of(in.issuer.cityCode, m_profile.card.cityDigits);
        const KeySpec transport = KeySpec(m_profile.transportMaster).diversified(serial);
        const Bytes r = getChallenge(s);
        const KeySpec session = transport.diversified(r);
        {
            Bytes block = m_profile.card.readKeyPlain;
            block.resize(16, 0x00);
            const Bytes c = m_hsm.encrypt(session, hc::hsm::CipherMode::Ecb, block);
            Bytes data;
            for (std::size_t i = 0; i < 8; ++i) {
                data.push_back(static_cast<std::uint8_t>(c[i] ^ c[i + 8]));
            }
            data.insert(
                data.end(), m_profile.card.readKeyPlain.begin(), m_profile.card.readKeyPlain.end());
            data.push_back(m_profile.card.extAuthTrailer);
            s.sendOk(CommandApdu(0x00, 0x82, 0x00, 0x00, data, 0),
                "EXTERNAL AUTHENTICATE (transport key)");
        }
        std::uint32_t counter = 0;
        auto counterMac = [&](const Bytes& headerAndData) {
            Bytes iv(16, 0x00);
            ++counter;
            iv[12] = static_cast<std::uint8_t>(counter >> 24);
            iv[13] = static_cast<std::uint8_t>(counter >> 16);
            iv[14] = static_cast<std::uint8_t>(counter >> 8);
            iv[15] = static_cast<std::uint8_t>(counter);
            return first4(m_hsm.mac(session, hc::hsm::MacAlgorithm::Sm4Cbc, headerAndData, iv));
        };
        auto writeKey
            = [&](std::uint8_t p1, std::uint8_t p2, const Bytes& enc, const std::string& what) {
                  const std::size_t lc = enc.size() + 4;
                  Bytes macData = header5(0x84, 0xD4, p1, p2, lc);
                  macData.insert(macData.end(), enc.begin(), enc.end());
                  Bytes data = enc;
                  const Bytes mac = counterMac(macData);
                  data.insert(data.end(), mac.begin(), mac.end());
                  s.touched();
                  s.sendOk(CommandApdu(0x84, 0xD4, p1, p2, data, 0), "WRITE KEY " + what);
              };

        // ---- files, keys and data, DF by DF ----
        result.written = planWrittenData(m_profile, in, serial, securityCode);
        const CardDataPlan plan
            = planCardData(m_profile, in, hc::toHex(serial).substr(6), securityCode);
        std::uint16_t current = 0; // 0 = MF
        auto parentOf = [&](std::uint16_t fid) -> std::uint16_t {
            const auto* d = m_profile.card.df(fid);
            return d ? d->parent : 0;
        };
        auto select = [&](std::uint16_t fid) {
            s.sendOk(selectFid(fid == 0 ? 0x3F00 : fid),
                "SELECT " + (fid == 0 ? std::string("MF") : m_profile.card.df(fid)->name));
            current = fid;
        };
        // SELECT by FID reaches the MF, a child, the parent or a sibling of the current DF.
        std::function<void(std::uint16_t)> navigate = [&](std::uint16_t target) {
            if (current == target) {
                return;
            }
            if (target == 0 || parentOf(target) == current || parentOf(current) == target
                || (current != 0 && parentOf(current) == parentOf(target))) {
                select(target);
                return;
            }
            navigate(parentOf(target));
            select(target);
        };
        for (const auto& df : m_profile.card.dfs) {
            s.enter(PersoStage::Files);
            navigate(df.parent);
            s.touched();
            s.sendOk(
                CommandApdu(0x00, 0xE0, 0x00, 0x00, dfFcp(df.fid), 0), "CREATE FILE " + df.name);
            select(df.fid);
            s.enter(PersoStage::Keys);
            const DfKeys* keys = m_profile.keysOf(df.name);
            for (const auto& k : keys->keys) {
                KeySpec cardKey(m_profile.masterRef(k.masterSlot));
                cardKey = k.twoLevels() ? cardKey.diversified(std::vector<Bytes> { city8, serial })
                                        : cardKey.diversified(serial);
                const Bytes header { 0x12, kAlgSm4, static_cast<std::uint8_t>(k.maxTries) };
                const Bytes enc = m_hsm.wrapForCard(cardKey, session, header);
                if (k.role == KeyRole::Transmission) {
                    writeKey(0x02, 0x00, enc, df.name + " transmission key");
                } else {
                    writeKey(0x01, k.cardKeyId, enc, df.name + " key");
                }
            }
            for (const auto& f : m_profile.card.files) {
                if (f.df != df.fid) {
                    continue;
                }
                s.enter(PersoStage::Files);
                s.sendOk(CommandApdu(0x00, 0xE0, 0x00, 0x00, efFcp(f), 0), "CREATE FILE " + f.name);
                s.enter(PersoStage::Data);
                const auto it = plan.find(f.name);
                if (it == plan.end()) {
                    continue;
                }
                for (const auto& cmd : it->second) {
                    s.sendOk(cmd, "write " + f.name);
                }
            }
        }

        // ---- PIN and PUK ----
        s.enter(PersoStage::Pin);
        for (const auto& [p1, value, tries] :
            { std::tuple { std::uint8_t { 0x03 }, result.pin, m_profile.pin.maxTries },
                std::tuple { std::uint8_t { 0x04 }, result.puk, m_profile.pin.pukMaxTries } }) {
            Bytes plain { static_cast<std::uint8_t>(2 + value.size()), kAlgPin,
                static_cast<std::uint8_t>(tries) };
            plain.insert(plain.end(), value.begin(), value.end());
            const Bytes enc = m_hsm.encrypt(session, hc::hsm::CipherMode::Ecb, h::pad80(plain));
            hc::hsm::cleanse(std::span<std::uint8_t>(plain.data(), plain.size()));
            writeKey(p1, 0x00, enc, p1 == 0x03 ? "PIN" : "PUK");
        }

        // ---- issued state ----
        s.enter(PersoStage::Lifecycle);
        {
            const Bytes mac = counterMac(header5(0x84, 0x44, 0x00, 0x00, 4));
            s.sendOk(CommandApdu(0x84, 0x44, 0x00, 0x00, mac, 0),
                "ACTIVATE FILE (end of personalization)");
        }

        // ---- read back through the health-card library ----
        s.enter(PersoStage::Verify);
        channel.reset();
        const auto [mismatches, apdus] = readBack(channel, result.written);
        s.addApdus(apdus);
        if (!mismatches.empty()) {
            std::string fields;
            for (const auto& m : mismatches) {
                fields += (fields.empty() ? "" : ", ") + m.field;
            }
            throw PersoError(PersoStage::Verify,
                std::to_string(mismatches.size()) + " field(s) read back differently: " + fields);
        }
    } catch (const PersoError&) {
        throw;
    } catch (const hc::hsm::Error& e) {
        // hsm errors derive from hc::Error: their handler comes first to keep the "HSM: " text
        // and the CheckConfiguration step.
        throw PersoError(s.stage(), std::string("HSM: ") + e.what(),
            hc::NextStep::CheckConfiguration, std::nullopt, s.isTouched());
    } catch (const hc::Error& e) {
        throw PersoError(s.stage(), e.what(), e.nextStep(), std::nullopt, s.isTouched());
    }
    result.stages = s.finish(result.elapsed);
    result.apdus = s.apdus();
    return result;
}

std::pair<std::vector<FieldMismatch>, std::size_t> Personalizer::readBack(
    CardChannel& channel, const h::HealthCardData& expected) {
    std::map<std::uint16_t, hc::hsm::KeyRef> masters;
    for (const auto& d : m_profile.dfKeys) {
        for (const auto& k : d.keys) {
            masters[k.masterSlot] = m_profile.masterRef(k.masterSlot);
        }
    }
    hc::card_hsm::HsmSam sam(m_hsm, masters);
    h::HealthCard card(channel, m_profile.card, &sam);
    const auto all = card.readAll();
    return { compare(expected, all.value), card.apduCount() };
}

std::vector<FieldMismatch> Personalizer::verify(
    CardChannel& channel, const h::HealthCardData& expected) {
    try {
        return readBack(channel, expected).first;
    } catch (const PersoError&) {
        throw;
    } catch (const hc::hsm::Error& e) {
        // hsm errors derive from hc::Error: their handler comes first to keep the "HSM: " text
        // and the CheckConfiguration step.
        throw PersoError(
            PersoStage::Verify, std::string("HSM: ") + e.what(), hc::NextStep::CheckConfiguration);
    } catch (const hc::Error& e) {
        throw PersoError(PersoStage::Verify, e.what(), e.nextStep());
    }
}

std::vector<FieldMismatch> Personalizer::compare(
    const h::HealthCardData& expected, const h::HealthCardData& actual) {
    const auto profile = h::CardProfile::ws543_2017();
    const auto a = fieldsOf(expected, profile);
    const auto b = fieldsOf(actual, profile);
    std::map<std::string, std::string> got(b.begin(), b.end());
    std::vector<FieldMismatch> out;
    for (const auto& [key, value] : a) {
        const auto it = got.find(key);
        const std::string other = it == got.end() ? std::string("(missing)") : it->second;
        if (other != value) {
            out.push_back({ key, value, other });
        }
        if (it != got.end()) {
            got.erase(it);
        }
    }
    for (const auto& [key, value] : got) {
        out.push_back({ key, "(missing)", value });
    }
    return out;
}

ChipInfo Personalizer::probe(CardChannel& channel) {
    ChipInfo info;
    info.atr = channel.atr();
    Session s(channel);
    try {
        s.send(selectFid(0x3F00));
        if (const auto data = getCardInfo(s)) {
            info.chipSerial = hc::toHex(ByteView(*data).subspan(0, 8));
            if ((*data)[8] == 0x01) {
                info.state = (*data)[10] == 0x00 ? CardState::Blank : CardState::Partial;
            } else {
                info.state = (*data)[9] == 0x00 ? CardState::Issued : CardState::Blocked;
            }
            return info;
        }
        info.state = CardState::Foreign;
        try {
            info.chipSerial = hc::toHex(h::HealthCard(channel, m_profile.card).diversifier());
        } catch (const hc::InputError&) { }
    } catch (const hc::Error& e) {
        throw PersoError(PersoStage::Open, e.what(), e.nextStep(), std::nullopt, false);
    }
    return info;
}

std::size_t Personalizer::appCommand(CardChannel& channel, PersoStage stage, std::uint8_t ins,
    std::uint8_t p2, const Bytes& plain, const std::string& what) {
    Session s(channel);
    s.enter(stage);
    s.touched();
    try {
        const h::DfSpec& root = m_profile.card.dfs.front();
        const ResponseApdu sel = s.send(selectFid(root.fid));
        if (!sel.sw().ok() && sel.sw().value() != kSwDeactivated) {
            throw PersoError(stage, "SELECT " + root.name + " refused with SW " + sel.sw().hex(),
                hc::NextStep::CallStaff, sel.sw());
        }
        const DfKeys* keys = m_profile.keysOf(root.name);
        const KeyLoadSpec* stk = nullptr;
        for (const auto& k : keys->keys) {
            if (k.role == KeyRole::Transmission) {
                stk = &k;
            }
        }
        const Bytes cardNo8 = h::HealthCard(channel, m_profile.card).diversifier();
        std::vector<Bytes> factors;
        if (stk->twoLevels()) {
            if (sel.sw().value() == kSwDeactivated) {
                throw PersoError(stage,
                    "the application is blocked and its transmission key needs "
                    "the city code, which cannot be read now");
            }
            h::HealthCard card(channel, m_profile.card);
            const auto id = card.readCardIdentification();
            s.addApdus(id.apdus);
            factors.push_back(city8Of(id.value.cityCode, m_profile.card.cityDigits));
        }
        factors.push_back(cardNo8);
        factors.push_back(getChallenge(s));
        const KeySpec ks = KeySpec(m_profile.masterRef(stk->masterSlot)).diversified(factors);
        Bytes enc;
        if (!plain.empty()) {
            enc = m_hsm.encrypt(ks, hc::hsm::CipherMode::Ecb, h::pad80(plain));
        }
        Bytes macData = header5(0x84, ins, 0x00, p2, enc.size() + 4);
        macData.insert(macData.end(), enc.begin(), enc.end());
        const Bytes mac = first4(m_hsm.mac(ks, hc::hsm::MacAlgorithm::Sm4Cbc, macData));
        Bytes data = enc;
        data.insert(data.end(), mac.begin(), mac.end());
        s.sendOk(CommandApdu(0x84, ins, 0x00, p2, data, 0), what);
    } catch (const PersoError&) {
        throw;
    } catch (const hc::hsm::Error& e) {
        // hsm errors derive from hc::Error: their handler comes first to keep the "HSM: " text
        // and the CheckConfiguration step.
        throw PersoError(stage, std::string("HSM: ") + e.what(), hc::NextStep::CheckConfiguration);
    } catch (const hc::Error& e) {
        throw PersoError(stage, e.what(), e.nextStep());
    }
    return s.apdus();
}

std::size_t Personalizer::blockApplication(CardChannel& channel) {
    return appCommand(
        channel, PersoStage::Lifecycle, 0x04, 0x00, {}, "APPLICATION BLOCK (DEACTIVATE FILE)");
}

std::size_t Personalizer::unblockApplication(CardChannel& channel) {
    return appCommand(
        channel, PersoStage::Lifecycle, 0x44, 0x00, {}, "APPLICATION UNBLOCK (ACTIVATE FILE)");
}

std::string Personalizer::resetPin(CardChannel& channel, std::optional<std::string> newPin) {
    if (newPin && (newPin->size() != m_profile.pin.length || !allDigits(*newPin))) {
        throw hc::InputError("PIN: " + std::to_string(m_profile.pin.length) + " digits expected");
    }
    std::string pin = newPin ? *newPin : randomDigits(m_profile.pin.length);
    Bytes plain;
    plain.push_back(static_cast<std::uint8_t>(pin.size()));
    for (char c : pin) {
        plain.push_back(static_cast<std::uint8_t>(c));
    }
    appCommand(channel, PersoStage::Pin, 0x24, 0x01, plain, "PIN RESET");
    hc::hsm::cleanse(std::span<std::uint8_t>(plain.data(), plain.size()));
    return pin;
}

} // namespace hc::perso
