// Cardholder PIN flows. The PIN format is a profile gap (healthcard-reference §5.5): ASCII digits,
// 4..16 of them, ISO 7816-4 VERIFY / CHANGE REFERENCE DATA / RESET RETRY COUNTER.
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
} // namespace

PinResult HealthCard::verifyPin(std::string_view pin) {
    Bytes data = pinBytes(pin, "pin");
    Wipe w { data };
    return pinResultFrom(send(CommandApdu(0x00, 0x20, 0x00, 0x00, data)).sw(), "VERIFY");
}

PinResult HealthCard::changePin(std::string_view oldPin, std::string_view newPin) {
    Bytes data = concat(pinBytes(oldPin, "old_pin"), pinBytes(newPin, "new_pin"));
    Wipe w { data };
    return pinResultFrom(
        send(CommandApdu(0x00, 0x24, 0x00, 0x00, data)).sw(), "CHANGE REFERENCE DATA");
}

PinResult HealthCard::unblockPin(std::string_view puk, std::string_view newPin) {
    Bytes data = concat(pinBytes(puk, "puk"), pinBytes(newPin, "new_pin"));
    Wipe w { data };
    return pinResultFrom(
        send(CommandApdu(0x00, 0x2C, 0x00, 0x00, data)).sw(), "RESET RETRY COUNTER");
}

} // namespace hc::card::health
