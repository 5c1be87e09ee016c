// Cardholder PIN flows. The PIN format is a profile gap (healthcard-reference §5.5): ASCII digits,
// 4..16 of them, ISO 7816-4 VERIFY / CHANGE REFERENCE DATA / RESET RETRY COUNTER. The reference
// is the global PIN (P2=00); a card that answers "referenced data not found" to it is asked for
// the DF-specific PIN of DDF1 (P2=80 after selecting DDF1), and the card kind remembers that.
#include "hc/card/health/codec.hpp"
#include "hc/card/health/health_card.hpp"

#include <algorithm>
#include <openssl/crypto.h>

namespace hc::card::health {

namespace {
Bytes pinBytes(std::string_view pin, const char* field) {
    if (pin.size() < 4 || pin.size() > 16
        || !std::all_of(pin.begin(), pin.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        throw ValidationError(field, "PIN format", "4 to 16 digits expected");
    }
    return Bytes(pin.begin(), pin.end());
}

/** Clears the command data (the PIN) when it goes out of scope. */
struct Wipe {
    Bytes& b;
    ~Wipe() { OPENSSL_cleanse(b.data(), b.size()); }
};

bool pinAnswer(StatusWord s) {
    return s.ok() || s.blocked() || s.triesLeft().has_value();
}
bool referenceUnknown(StatusWord s) {
    return s == sw::ReferencedDataNotFound || s == sw::IncorrectP1P2 || s == sw::WrongP1P2;
}
} // namespace

PinResult HealthCard::pinCommand(std::uint8_t ins, const Bytes& data, const char* what) {
    loadStrategy();
    const DfSpec& root = m_profile.dfs.front();
    if (m_strategy.pinLocal.yes()) {
        selectDf(root.fid);
        return pinResultFrom(send(CommandApdu(0x00, ins, 0x00, 0x80, data)).sw(), what);
    }
    const auto r = send(CommandApdu(0x00, ins, 0x00, 0x00, data));
    if (pinAnswer(r.sw()) && m_strategy.pinLocal.value == Known::Unknown) {
        learn(&CardStrategy::pinLocal, Known::No,
            std::string(what) + " P2=00 answered " + r.sw().hex(), false);
    }
    if (!referenceUnknown(r.sw()) || m_strategy.pinLocal.no()) {
        return pinResultFrom(r.sw(), what);
    }
    selectDf(root.fid);
    const auto local = send(CommandApdu(0x00, ins, 0x00, 0x80, data));
    if (!pinAnswer(local.sw())) {
        ++m_failedProbes;
        throw CardRefused(std::string(what) + " (global P2=00: " + r.sw().hex()
                + "; DF-specific P2=80 in " + root.name + ")",
            local.sw());
    }
    learn(&CardStrategy::pinLocal, Known::Yes,
        std::string(what) + " P2=00 answered " + r.sw().hex() + ", P2=80 in " + root.name
            + " answered " + local.sw().hex(),
        true);
    return pinResultFrom(local.sw(), what);
}

PinResult HealthCard::verifyPin(std::string_view pin) {
    Bytes data = pinBytes(pin, "pin");
    Wipe w { data };
    return pinCommand(0x20, data, "VERIFY");
}

PinResult HealthCard::changePin(std::string_view oldPin, std::string_view newPin) {
    Bytes data = concat(pinBytes(oldPin, "old_pin"), pinBytes(newPin, "new_pin"));
    Wipe w { data };
    return pinCommand(0x24, data, "CHANGE REFERENCE DATA");
}

PinResult HealthCard::unblockPin(std::string_view puk, std::string_view newPin) {
    Bytes data = concat(pinBytes(puk, "puk"), pinBytes(newPin, "new_pin"));
    Wipe w { data };
    return pinCommand(0x2C, data, "RESET RETRY COUNTER");
}

} // namespace hc::card::health
