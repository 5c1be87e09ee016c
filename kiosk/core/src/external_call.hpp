// ExternalCall: one external call of a business as a participant (style-anchors §3.7): the
// journal step written PENDING before the call, the call, and the outcome mapping in one place —
// OK with what it returned; FAILED when it surely did not take effect; UNKNOWN when it may have
// (recovery queries it, never repeats it blind) — and the KioskError the screen shows.
//
//   ExternalCall call(m, { StepType::HisRegister, rid, fee, detail });
//   auto a = call.his([&] { return his.book(...); }, [](const auto& a) { return a.id; },
//       { .refused = KioskError("book_failed", "...", NextStep::CallStaff) });
//
// The HIS mapping: HisConflict, HisRefused, HisUnavailable -> FAILED; any other HisError (lost
// reply, 5xx after sending, malformed reply) -> UNKNOWN. A ServiceError (settlement, gateway)
// carries its own outcome. A purse answer goes through journalPurse (purse_journal.hpp): OK only
// on a verified proof.
//
// Threading: under the engine's mutex.
#pragma once

#include "engine_impl.hpp"
#include "hc/kiosk/core/purse_journal.hpp"
#include "hc/kiosk/his/his_error.hpp"

#include <functional>
#include <optional>

namespace hc::kiosk::core {

/** What the screen says when a HIS call fails, by kind (nullopt: hisError()'s default text). */
struct HisFailureText {
    std::optional<KioskError> conflict; ///< HisConflict (409)
    std::optional<KioskError> refused; ///< HisRefused (4xx)
    std::optional<KioskError> unavailable; ///< HisUnavailable (not sent)
    std::optional<KioskError> unknown; ///< the outcome is unknown
};

KioskError hisError(const std::exception& e);

/** One journaled external call. */
class ExternalCall {
public:
    /** Writes the step PENDING in the engine's current session. */
    ExternalCall(Engine::Impl& m, const StepRequest& request)
        : m_step(*m.parts.journal, m.journalSession, request) { }

    /** Runs a HIS call; OK with `resultText(value)`, or journals the failure and throws. */
    template <class Call, class ResultText>
    auto his(Call&& call, ResultText&& resultText, const HisFailureText& text = {}) {
        try {
            auto value = call();
            m_step.ok(resultText(value));
            return value;
        } catch (const his::HisConflict& e) {
            m_step.failed(e.what());
            throw text.conflict.value_or(hisError(e));
        } catch (const his::HisRefused& e) {
            m_step.failed(e.what());
            throw text.refused.value_or(hisError(e));
        } catch (const his::HisUnavailable& e) {
            m_step.failed(e.what());
            throw text.unavailable.value_or(hisError(e));
        } catch (const his::HisError& e) {
            m_step.unknown(e.what());
            throw text.unknown.value_or(hisError(e));
        }
    }

    /** Runs a settlement / gateway call; OK with `resultText(value)`, or journals the failure by
     * the ServiceError's outcome and throws `onFailure`. */
    template <class Call, class ResultText>
    auto service(Call&& call, ResultText&& resultText, const KioskError& onFailure) {
        try {
            auto value = call();
            m_step.ok(resultText(value));
            return value;
        } catch (const ServiceError& e) {
            journalOutcome(m_step, e);
            throw onFailure;
        }
    }

    /** Journals a purse answer (OK only on a verified proof). */
    PurseVerdict purse(const PurseResult& r) { return journalPurse(m_step, r); }

    /** The journal step (its id for resolveStep, or to record an outcome by hand). */
    JournalStep& step() { return m_step; }

private:
    JournalStep m_step;
};

} // namespace hc::kiosk::core
