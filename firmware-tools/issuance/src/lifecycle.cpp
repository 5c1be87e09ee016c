// Block/unblock, lost and replacement, PIN reset: register and card side in a fixed order.
#include "hc/issuance/lifecycle.hpp"

#include "hc/card/health/model.hpp"
#include "hc/issuance/error.hpp"

namespace hc::issuance {

namespace {
CardEntry issuedCard(IssuanceRegister& reg, const std::string& cardNo) {
    auto e = reg.find(cardNo);
    if (!e) {
        throw LifecycleError(
            "card " + hc::card::health::maskIdentifier(cardNo) + " is not in the register");
    }
    return *e;
}

// The card in the reader must be the chip the register recorded for `cardNo`.
void checkSameCard(IssuanceRegister& reg, const CardAccess& card, const std::string& cardNo) {
    const std::string onCard = card.writer->chipSerial(card.reader);
    const auto e = issuedCard(reg, cardNo);
    if (e.chipSerial.empty() || onCard != e.chipSerial) {
        throw CardSideError("identify",
            "the card in " + card.reader + " (chip " + onCard + ") is not card "
                + hc::card::health::maskIdentifier(cardNo) + " (chip " + e.chipSerial + ")",
            NextStep::ReinsertCard);
    }
}
} // namespace

void blockCard(IssuanceRegister& reg, const std::string& cardNo, const std::string& reason,
    const std::string& op, const CardAccess& card) {
    if (card.writer) {
        checkSameCard(reg, card, cardNo);
    }
    reg.block(cardNo, reason, op);
    if (card.writer) {
        card.writer->blockApplication(card.reader, cardNo);
        reg.note(cardNo, "card-blocked", "application blocked on the card", op);
    }
}

void unblockCard(IssuanceRegister& reg, const std::string& cardNo, const std::string& op,
    const CardAccess& card) {
    const auto e = issuedCard(reg, cardNo);
    if (e.status != CardStatus::Blocked) {
        throw LifecycleError("cannot unblock card " + hc::card::health::maskIdentifier(cardNo)
            + ": it is " + std::string(describe(e.status)));
    }
    if (card.writer) {
        checkSameCard(reg, card, cardNo);
        card.writer->unblockApplication(card.reader, cardNo);
    }
    reg.unblock(cardNo, op);
}

void reportLost(IssuanceRegister& reg, const std::string& cardNo, const std::string& op) {
    reg.reportLost(cardNo, op);
}

CardEntry replaceCard(IssuanceRegister& reg, const std::string& cardNo, const std::string& batch,
    const std::string& op) {
    return reg.replace(cardNo, batch, op);
}

void resetPin(IssuanceRegister& reg, const std::string& cardNo, const std::string& newPin,
    const std::string& op, const CardAccess& card) {
    const auto e = issuedCard(reg, cardNo);
    if (e.status != CardStatus::Issued) {
        throw LifecycleError("cannot reset the PIN of card "
            + hc::card::health::maskIdentifier(cardNo) + ": it is "
            + std::string(describe(e.status)));
    }
    if (!card.writer) {
        throw LifecycleError("a PIN reset needs the card in a reader (--reader)");
    }
    checkSameCard(reg, card, cardNo);
    card.writer->resetPin(card.reader, cardNo, newPin);
    reg.note(cardNo, "pin-reset", "PIN reset by the issuer", op);
}

} // namespace hc::issuance
