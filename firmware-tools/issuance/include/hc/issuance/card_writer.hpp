// The card side as the issuer's register and batch runner see it: probe a reader, personalize a
// blank card with one register entry, read it back, block/unblock the application, reset the
// PIN. The production implementation runs the personalization engine (hc_perso) over PC/SC
// (perso_card_writer.hpp); unit tests use a scripted one. Threading: one CardWriter per thread
// (each worker of a batch run makes its own through a CardWriterFactory).
#pragma once

#include "hc/issuance/resident.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace hc::issuance {

/** Everything written on one card. */
struct CardJob {
    std::string cardNo; ///< the register's card number
    ResidentRecord resident; ///< the holder
    IssuerProfile issuer; ///< issuer constants
    std::string issueDate; ///< YYYYMMDD
    std::string expiryDate; ///< YYYYMMDD
    std::string batch; ///< the batch the card belongs to (printed on its PIN letter)
};

/** What personalization reports. */
struct WriteResult {
    std::string chipSerial; ///< the chip's serial (as written in element 0A)
    std::uint64_t apdus = 0; ///< APDUs exchanged
};

/** A field read back that differs from the job. */
struct FieldMismatch {
    std::string field; ///< element key ("holder.name")
    std::string expected; ///< what the job says (identifiers masked)
    std::string actual; ///< what the card says (identifiers masked)
};

/** What is in a reader. */
enum class CardPresence {
    None, ///< no card
    Blank, ///< a blank card, ready for personalization
    Personalized, ///< a card with an application (or anything that is not blank)
};

/** The card side. Every method throws hc::Error subclasses (CardSideError, the engine's typed
 * errors) on failure. */
class CardWriter {
public:
    virtual ~CardWriter() = default;
    /** What is in `reader` now (never throws for "no card"). */
    virtual CardPresence probe(const std::string& reader) = 0;
    /** Why the last probe() did not answer Blank ("no card", "card state issued", the PC/SC
     * error), for the message when no blank card arrives. */
    virtual std::string probeDetail() const { return {}; }
    /** Personalizes the blank card in `reader` (keys, files, data, PIN, issued state). */
    virtual WriteResult personalize(const std::string& reader, const CardJob& job) = 0;
    /** Why the last personalize() could not deliver the card's PIN letter although the writer
     * has a PinMailer ("" when it did, or has none). The card is written; it needs an issuer
     * PIN reset. */
    virtual std::string pinProblem() const { return {}; }
    /** Reads the card back and compares it with `job`; empty when equal. */
    virtual std::vector<FieldMismatch> verify(const std::string& reader, const CardJob& job) = 0;
    /** The chip serial of the card in `reader` (works in every state, blocked included); the
     * lifecycle operations compare it with the register's before touching the card. */
    virtual std::string chipSerial(const std::string& reader) = 0;
    /** Blocks the application on the card in `reader`. */
    virtual void blockApplication(const std::string& reader, const std::string& cardNo) = 0;
    /** Unblocks it. */
    virtual void unblockApplication(const std::string& reader, const std::string& cardNo) = 0;
    /** Sets a new PIN (issuer's PIN reset, with the issuer's keys; the old PIN is not needed). */
    virtual void resetPin(
        const std::string& reader, const std::string& cardNo, const std::string& newPin)
        = 0;
};

/** Makes one CardWriter per worker thread. */
using CardWriterFactory = std::function<std::unique_ptr<CardWriter>()>;

} // namespace hc::issuance
