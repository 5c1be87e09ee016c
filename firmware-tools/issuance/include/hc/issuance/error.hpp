// Errors of the issuance side (register, batches, lifecycle). Each carries the hc::NextStep the
// caller acts on. Plain values, any thread.
#pragma once

#include "hc/card/error.hpp"

#include <string>

namespace hc::issuance {

/** The register cannot be opened or a statement failed (disk, server, schema). */
class StoreError : public hc::Error {
public:
    /** A store error; the message names the statement or the connection. */
    explicit StoreError(std::string message, NextStep next = NextStep::CheckConfiguration)
        : Error("issuance register: " + std::move(message), next) { }
};

/** An operation the card's status does not allow (block a lost card, replace an issued one), or
 * a card number / batch the register does not know. */
class LifecycleError : public hc::Error {
public:
    /** A refused operation; the message names the card and its status. */
    explicit LifecycleError(std::string message)
        : Error(std::move(message), NextStep::FixInput) { }
};

/** The card side failed or disagreed (personalization, verification, block on the card). The
 * card in the reader is spoiled for this attempt; the record stays queued. */
class CardSideError : public hc::Error {
public:
    /** A card-side failure; `stage` names the step ("personalize", "verify", "feed", ...). */
    CardSideError(std::string stage, std::string message, NextStep next = NextStep::ReinsertCard)
        : Error(stage + ": " + std::move(message), next)
        , m_stage(std::move(stage)) { }
    /** The step that failed. */
    const std::string& stage() const { return m_stage; }

private:
    std::string m_stage;
};

} // namespace hc::issuance
