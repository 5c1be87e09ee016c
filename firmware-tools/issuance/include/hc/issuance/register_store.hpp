// The issuance register: every card number the issuer ever allocated, the resident it belongs to,
// the chip it went onto and its status, with an append-only event trail. One interface
// (IssuanceRegister), two stores behind it: SQLite (default, WAL, synchronous=FULL) and
// PostgreSQL (libpq). Each public call is one database transaction (RAII: rolled back when it
// throws). Threading: one IssuanceRegister may be shared by the worker threads of a batch run;
// calls are serialized on its connection.
//
// Card status machine (docs/issuance.md):
//   prepared ──► personalized ──► verified ──► issued ──► blocked ──► issued (unblock)
//      │              │               │          │  └──────────► lost ──► replaced
//      └──────────────┴───────────────┴─► failed (spoiled; the record is queued again
//                                                 under a new card number)
#pragma once

#include "hc/issuance/card_number.hpp"
#include "hc/issuance/resident.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hc::issuance {

/** The status of one card number. */
enum class CardStatus {
    Prepared, ///< allocated to a resident, waiting for (or on) a blank card
    Personalized, ///< written to the chip, not yet read back
    Verified, ///< read back and equal to the record
    Issued, ///< counted good, in the holder's hands
    Failed, ///< spoiled: the chip is scrapped, the number is never reused
    Lost, ///< reported lost by the holder
    Blocked, ///< application blocked (card side and blocklist)
    Replaced, ///< lost card for which a replacement number was allocated
};

/** "prepared", "personalized", ... */
std::string_view describe(CardStatus s);
/** The inverse of describe(); nullopt for an unknown name. */
std::optional<CardStatus> parseCardStatus(std::string_view text);
/** True for the statuses under which a resident "holds an active card": prepared,
 * personalized, verified, issued, blocked. */
bool isActive(CardStatus s);
/** True for the statuses terminals must refuse: lost, blocked, replaced. */
bool isBlocklisted(CardStatus s);

/** One row of the register. */
struct CardEntry {
    std::string cardNo; ///< 18 digits (card_number.hpp)
    std::uint64_t seq = 0; ///< the card number's sequence
    std::string batch; ///< batch id
    std::size_t inputRow = 0; ///< row in the batch input (0 for replacements)
    ResidentRecord resident; ///< the record written on the card
    CardStatus status = CardStatus::Prepared; ///< current status
    std::string chipSerial; ///< chip serial once personalized ("" before)
    std::string reader; ///< reader of the current/last attempt ("" when not claimed)
    int attempt = 1; ///< 1 for the first card of a record, +1 for each spoiled one before
    std::string replaces; ///< for a replacement: the lost card's number
    std::uint64_t apdus = 0; ///< APDUs the personalization took
    std::string detail; ///< last failure or note
    std::string createdAt; ///< ISO 8601 UTC
    std::string updatedAt; ///< ISO 8601 UTC
    std::string operatorId; ///< who made the last change
};

/** One event of the audit trail. */
struct RegisterEvent {
    std::uint64_t id = 0; ///< increasing
    std::string at; ///< ISO 8601 UTC
    std::string cardNo; ///< the card ("" for batch events)
    std::string batch; ///< the batch
    std::string event; ///< "allocated", "claimed", "personalized", "verified", "issued",
                       ///< "failed", "requeued", "blocked", "unblocked", "lost", "replaced",
                       ///< "pin-reset", "recovered"
    std::string fromStatus; ///< status before ("" when none)
    std::string toStatus; ///< status after
    std::string operatorId; ///< who
    std::string detail; ///< free text, identifiers masked
};

/** Counts of a batch by status. */
struct BatchStatus {
    std::string batch; ///< id
    std::size_t prepared = 0, claimed = 0, personalized = 0, verified = 0, issued = 0, failed = 0,
                lost = 0, blocked = 0, replaced = 0; ///< per status (claimed ⊂ prepared)
    std::size_t residents = 0; ///< distinct residents
};

/** The register. Each call is one transaction. */
class IssuanceRegister {
public:
    virtual ~IssuanceRegister() = default;

    /**
     * Creates a batch and allocates one card number (status prepared) per record, in order, in
     * one transaction: either every record is in the register or none. Throws LifecycleError when
     * the batch exists or a resident already holds an active card (validateBatch checks that
     * first, through activeCardOf). Returns the entries.
     */
    virtual std::vector<CardEntry> createBatch(const std::string& batch,
        const std::vector<std::pair<std::size_t, ResidentRecord>>& records,
        const std::string& operatorId, const std::string& source)
        = 0;

    /** "card <no>, <status>" of the resident's active card, or nullopt. */
    virtual std::optional<std::string> activeCardOf(const std::string& idNumber) = 0;

    /** Takes the batch's next prepared, unclaimed card (lowest sequence) for `reader`; nullopt
     * when none is left. */
    virtual std::optional<CardEntry> claimNext(
        const std::string& batch, const std::string& reader, const std::string& operatorId)
        = 0;
    /** prepared (claimed) -> personalized, recording the chip serial and APDU count. */
    virtual void markPersonalized(const std::string& cardNo, const std::string& chipSerial,
        std::uint64_t apdus, const std::string& operatorId)
        = 0;
    /** personalized -> verified. */
    virtual void markVerified(const std::string& cardNo, const std::string& operatorId) = 0;
    /** verified -> issued. */
    virtual void markIssued(const std::string& cardNo, const std::string& operatorId) = 0;
    /**
     * prepared/personalized/verified -> failed (the chip is spoiled), and, unless `requeue` is
     * false, a new card number (status prepared, attempt + 1) for the same resident at the end of
     * the batch's queue. Returns the new entry when one was allocated.
     */
    virtual std::optional<CardEntry> markFailed(const std::string& cardNo,
        const std::string& chipSerial, const std::string& reason, const std::string& operatorId,
        bool requeue = true)
        = 0;
    /** Returns claimed-but-unfinished cards of a batch (claimed prepared, personalized) to a
     * known state after a crash: each is marked failed ("outcome unknown after an interrupted
     * run") and requeued; a verified card (read back equal before the crash) is issued. Returns
     * how many cards it touched. */
    virtual std::size_t recoverInterrupted(const std::string& batch, const std::string& operatorId)
        = 0;

    /** issued -> blocked. */
    virtual void block(
        const std::string& cardNo, const std::string& reason, const std::string& operatorId)
        = 0;
    /** blocked -> issued. */
    virtual void unblock(const std::string& cardNo, const std::string& operatorId) = 0;
    /** issued/blocked -> lost. */
    virtual void reportLost(const std::string& cardNo, const std::string& operatorId) = 0;
    /** lost -> replaced, and a new card number (status prepared) for the same resident in
     * `batch` (created when missing). Returns the new entry. */
    virtual CardEntry replace(
        const std::string& cardNo, const std::string& batch, const std::string& operatorId)
        = 0;
    /** Records an event on a card without changing its status (pin-reset). */
    virtual void note(const std::string& cardNo, const std::string& event,
        const std::string& detail, const std::string& operatorId)
        = 0;

    /** The entry of a card number, or nullopt. */
    virtual std::optional<CardEntry> find(const std::string& cardNo) = 0;
    /** Every entry of a batch (all batches when empty), by sequence. */
    virtual std::vector<CardEntry> list(const std::string& batch = {}) = 0;
    /** Counts of a batch. */
    virtual BatchStatus batchStatus(const std::string& batch) = 0;
    /** Batch ids, oldest first. */
    virtual std::vector<std::string> batches() = 0;
    /** Events of a card (all when empty), oldest first. */
    virtual std::vector<RegisterEvent> events(const std::string& cardNo = {}) = 0;
    /** The lost, blocked and replaced cards, by card number. */
    virtual std::vector<CardEntry> blocklisted() = 0;
    /** True when the card's status is lost, blocked or replaced. */
    virtual bool isBlocked(const std::string& cardNo) = 0;
    /** The highest event id (the blocklist's version). */
    virtual std::uint64_t lastEventId() = 0;
    /** The card number format this register allocates with. */
    virtual const CardNumberFormat& numbers() const = 0;
};

/**
 * Opens a register: "sqlite:PATH" (created when missing), or "postgresql://..." /
 * "postgres://..." (a libpq URI; the schema is created when missing). `cardNumberPrefix` is
 * stored on first use; opening the register later with another prefix throws StoreError (the
 * numbers of one register never change format).
 */
std::unique_ptr<IssuanceRegister> openRegister(
    const std::string& url, const std::string& cardNumberPrefix = "110100");

} // namespace hc::issuance
