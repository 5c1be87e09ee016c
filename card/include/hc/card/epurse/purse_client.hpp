// PurseClient: the terminal side of the PBOC ED/EP electronic purse over a CardChannel.
//
//   open()      SELECT the purse application by AID, READ BINARY EF 0015 (serial)   2 APDUs
//   balance()   GET BALANCE                                                           1 APDU
//   purchase()  INITIALIZE FOR PURCHASE, PSAM MAC1, DEBIT FOR PURCHASE, PSAM MAC2     4 APDUs
//   compositePurchase()  INITIALIZE FOR CAPP PURCHASE, n x UPDATE CAPP DATA CACHE, then as
//               purchase() with type 09                                        4 + n APDUs
//   load()      INITIALIZE FOR LOAD, issuer MAC1 check/MAC2, CREDIT FOR LOAD          2 APDUs
//   readLog()   READ RECORD SFI 18, newest first, until 6A83                      1 per record
//
// A card that refuses short file identifiers (6986, 6A82, 6A86 ... to READ BINARY 95 / READ
// RECORD P2=C4) gets EF 0015 / EF 0018 selected by FID and read as the current EF; the card kind
// (ATR historical bytes) remembers it in the StrategyCache, so the next such card costs no
// failed probe. 61xx and 6Cxx are handled on every command whatever the channel (transmitT0).
//   settle()    GET TRANSACTION PROOF (80 5A) for a transaction left Unknown        1-2 APDUs
//
// Exactly once: purchase() and load() never resend a commit command. When the commit's answer
// is lost they return Unknown with a PendingTransaction; settle() on the next contact asks the
// card whether that counter's transaction completed (proof: MAC2 || TAC) or not (6985), and the
// caller only then decides. See outcome.hpp.
// Threading: one thread at a time (it uses the channel).
#pragma once

#include "hc/card/card_channel.hpp"
#include "hc/card/epurse/commands.hpp"
#include "hc/card/epurse/issuer.hpp"
#include "hc/card/epurse/log_record.hpp"
#include "hc/card/epurse/outcome.hpp"
#include "hc/card/epurse/psam.hpp"
#include "hc/card/health/strategy_cache.hpp"

#include <functional>
#include <optional>
#include <vector>

namespace hc::card::epurse {

/** Choices of a PurseClient. */
struct PurseClientOptions {
    /** AID of the purse application. */
    Bytes aid = kPurseAid;
    /** The purse addressed: EP (default) or ED (verifyPin() first; the card refuses ED
     * transactions without the cardholder PIN, 6982). */
    PurseKind kind = PurseKind::Ep;
    /** Key index sent in INITIALIZE FOR PURCHASE. */
    std::uint8_t purchaseKeyIndex = 0x01;
    /** Key index sent in INITIALIZE FOR LOAD. */
    std::uint8_t loadKeyIndex = 0x01;
    /** Date and time put into transactions; default TransactionTime::nowChina(). */
    std::function<TransactionTime()> clock;
    /** Called with the transaction just before the commit command (DEBIT / CREDIT) is sent, so
     * the caller can journal it; if it throws, nothing is sent and the exception propagates. */
    std::function<void(const PendingTransaction&)> beforeCommit;
    /** Where what a card taught about SFI addressing is kept; null = the process-wide
     * health::StrategyCache::shared(). */
    health::StrategyCache* strategies = nullptr;
};

/** The terminal side of the purse. */
class PurseClient {
public:
    /** Uses `card` (the caller keeps it alive). */
    explicit PurseClient(CardChannel& card, PurseClientOptions options = {});

    /** Selects the application and reads its public data. Throws PurseError when the card has
     * no purse (6A82) or refuses. */
    PublicData open();
    /** The public data read by open() (open() is called when needed). */
    const PublicData& publicData();
    /** VERIFY with the cardholder PIN (for the ED). Returns the card's status word: 9000 ok,
     * 63Cx wrong with x tries left, 6983 blocked. The PIN is never logged. */
    StatusWord verifyPin(ByteView pin);
    /** Current balance of the purse `options.kind`, fen (for an ED: what may be spent, the
     * overdraft limit included; see docs/epurse.md). Throws PurseError. */
    std::int64_t balance();
    /** A purchase of `amount` fen with `psam`. InputError for an amount outside 1..2^32-1. */
    Outcome purchase(std::int64_t amount, Psam& psam);
    /** An ED cash withdrawal (取款, type 04) of `amount` fen: like a purchase (PSAM MAC1/MAC2,
     * DEBIT), INITIALIZE P1 = 02; needs `kind = Ed` and verifyPin() first. */
    Outcome withdraw(std::int64_t amount, Psam& psam);
    /** A composite (复合消费, CAPP) purchase of `amount` fen on the EP: the card caches `updates`
     * (records of its composite-application file) and writes them together with the debit, or
     * not at all. A refused update is Declined (no money moved, nothing written). */
    Outcome compositePurchase(
        std::int64_t amount, Psam& psam, const std::vector<CappUpdate>& updates);
    /** A load of `amount` fen at `terminal`, authorised by `issuer`. */
    Outcome load(std::int64_t amount, const TerminalId& terminal, PurseIssuer& issuer);
    /** Sets the ED's overdraft limit (透支限额) to `newLimit` fen (at most 3 bytes), authorised by
     * `issuer` (INITIALIZE FOR UPDATE 80 50 04 01, issuer MAC1/MAC2, UPDATE OVERDRAFT LIMIT 80 58,
     * type 07). Needs `kind = Ed` and the PIN. The card's balance changes by the difference of
     * the limits; the PendingTransaction carries own money as balanceBefore and the new limit as
     * amount, so Done::balanceAfter is the new reported balance. */
    Outcome updateOverdraftLimit(
        std::uint32_t newLimit, const TerminalId& terminal, PurseIssuer& issuer);
    /** Settles a transaction left Unknown: Done (with the proof's TAC, and `verified` when a
     * PSAM/issuer given here confirms it), Declined(6985: it did not happen, the money did not
     * move) or Unknown again (the card did not answer, or this is another card). */
    Outcome settle(const PendingTransaction& pending, PurseIssuer* issuer = nullptr);
    /** Up to `max` log records, newest first. */
    std::vector<LogRecord> readLog(std::size_t max = 10);

private:
    ResponseApdu send(const CommandApdu& c);
    /** True while EFs are addressed by SFI (the card kind has not refused it). */
    bool bySfi();
    /** Records that the card refused SFI addressing (`why`) and selects `fid`. */
    void noSfi(std::uint16_t fid, const std::string& why);
    Outcome purchaseImpl(std::int64_t amount, Psam& psam, const std::vector<CappUpdate>* updates,
        bool withdrawal = false);
    TransactionTime now() const;
    /** The commit (DEBIT, CREDIT, UPDATE OVERDRAFT LIMIT) of `tx`: runs the beforeCommit hook,
     * sends `c` and parses its answer into `answer`. nullopt when that worked; otherwise what
     * the operation returns: Declined (`refused`) when the card refused `c`, Unknown when the
     * answer was lost or does not parse (the card may have committed: settle() finds out). */
    template <class Answer>
    std::optional<Outcome> commit(const CommandApdu& c, const PendingTransaction& tx,
        const char* refused, Answer (*parse)(ByteView), Answer& answer);

    CardChannel& m_card;
    PurseClientOptions m_options;
    std::optional<PublicData> m_public;
    std::optional<std::string> m_kind;
    health::CardStrategy m_strategy;
};

} // namespace hc::card::epurse
