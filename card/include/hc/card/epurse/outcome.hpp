// The outcome of a purse transaction, shaped so that "money moves exactly once" is structural:
//
//   Done      the card committed (balance changed); carries the TAC.
//   Declined  the money did not move: refused by the card, the PSAM or the issuer, or the card
//             was lost before the commit command (DEBIT / CREDIT) was sent.
//   Unknown   the commit command was sent and its answer was lost (card pulled, reader error,
//             garbled answer). Carries the PendingTransaction; the only correct next step is
//             PurseClient::settle() on the next contact, which asks the card for its
//             transaction proof. Never retry the transaction, never refund on Unknown.
//
// PendingTransaction has a JSON form so a caller can journal it before the commit and clear it
// after. Values; safe to share.
#pragma once

#include "hc/card/epurse/types.hpp"
#include "hc/card/error.hpp"
#include "hc/card/status_word.hpp"

#include <cstdint>
#include <string>
#include <variant>

namespace hc::card::epurse {

/** Purchase or load. */
enum class TxKind { Purchase, Load };

/** Everything needed to settle a transaction whose answer was lost. */
struct PendingTransaction {
    /** Purchase or load. */
    TxKind kind = TxKind::Purchase;
    /** Transaction type byte (06 EP purchase, 02 EP load). */
    std::uint8_t type = txtype::EpPurchase;
    /** The counter INITIALIZE returned (offline ATC for purchases, online ATC for loads): the
     * key of GET TRANSACTION PROOF. */
    std::uint16_t atc = 0;
    /** Amount, fen. */
    std::int64_t amount = 0;
    /** Balance before, fen. */
    std::int64_t balanceBefore = 0;
    /** Terminal id used. */
    TerminalId terminal {};
    /** Terminal transaction serial (purchases; 0 for loads). */
    std::uint32_t ttsn = 0;
    /** Date and time sent to the card. */
    TransactionTime when {};
    /** The card's diversification data (right 8 bytes of its serial). */
    CardSerial card {};
    /** Key version the card reported. */
    std::uint8_t keyVersion = 0;

    /** One-line JSON for a journal. */
    std::string toJson() const;
    /** Parses toJson() output. Throws InputError naming the field. */
    static PendingTransaction fromJson(const std::string& text);
};

/** The card committed. */
struct Done {
    /** The transaction. */
    PendingTransaction tx;
    /** Balance after, fen. */
    std::int64_t balanceAfter = 0;
    /** TAC from the card. */
    Mac4 tac {};
    /** Purchase: the PSAM accepted the card's MAC2 (false: the card debited but its MAC2 did
     * not verify; keep the TAC and report it). Load: the issuer verified the TAC. */
    bool verified = false;
    /** True when settle() established it from GET TRANSACTION PROOF. */
    bool byProof = false;
};

/** The money did not move. */
struct Declined {
    /** The refusing status word (9302 bad MAC, 9401 funds, 9403 key, 6985 ...); 0000 when the
     * card was lost before the commit or the issuer refused. */
    StatusWord sw;
    /** Who refused and why, in English. */
    std::string reason;
};

/** The commit's answer was lost: settle() on the next contact. */
struct Unknown {
    /** What to settle. */
    PendingTransaction tx;
    /** What happened (the transport error's message). */
    std::string cause;
};

/** The outcome of purchase(), load() and settle(). */
using Outcome = std::variant<Done, Declined, Unknown>;

/** "done", "declined" or "unknown". */
std::string outcomeName(const Outcome& o);

/** A purse command was answered with an unexpected status word outside a money flow (SELECT,
 * GET BALANCE, READ RECORD, the PSAM's terminal id). */
class PurseError : public Error {
public:
    /** `what` names the command. */
    PurseError(const std::string& what, StatusWord sw)
        : Error(
            what + ": card answered " + sw.hex() + " (" + sw.meaning() + ")", NextStep::CallStaff)
        , m_sw(sw) { }
    /** The status word. */
    StatusWord sw() const { return m_sw; }

private:
    StatusWord m_sw;
};

} // namespace hc::card::epurse
