// Recovery, per step type: how to ask whether a step left PENDING / UNKNOWN happened (its query),
// and how to undo a forward step (its compensation). RecoveryExecutor runs RecoveryPlanner's plan
// by looking each action up in these tables instead of one switch over every step type; adding a
// step type is adding its row. A query answers OK / FAILED with a note, or nullopt when it cannot
// say now (the part is missing, the card is not in the reader, the proof does not verify: the
// session waits, with a "wait: ..." note in the report).
//
// Threading: one thread at a time (the executor's).
#pragma once

#include "hc/kiosk/core/recovery_executor.hpp"
#include "hc/kiosk/journal_step.hpp"

#include <functional>
#include <map>
#include <optional>
#include <string>

namespace hc::kiosk::core {

/** What a query or a compensation works with. */
struct RecoveryContext {
    Journal& journal;
    his::HisAdapter* his;
    InsuranceService* insurance;
    PaymentGateway* gateway;
    const CardKeys& keys;
    PatientCard* card; ///< the card in the reader, if any
    RecoveryReport& report;
};

/** What a query found. */
struct QueryAnswer {
    StepStatus status; ///< Ok or Failed
    std::string note; ///< for the journal and the log (no patient data)
};

/** Asks whether `step` happened; nullopt = cannot say now (a "wait:" note was added). */
using StepQuery = std::function<std::optional<QueryAnswer>(RecoveryContext&, const StepRecord&)>;

/** A compensation of a forward step. */
struct StepCompensation {
    /** Whether it can run now for `target` (its part fitted, the card there). */
    std::function<bool(RecoveryContext&, const StepRecord& target)> ready;
    /** The journal detail of the compensation step (default: the target's, cut to 200). */
    std::function<std::string(RecoveryContext&, const StepRecord& target)> detail;
    /** Runs it; records the outcome on `step` (ok / failed / unknown); true when it is done. */
    std::function<bool(RecoveryContext&, const StepRecord& target, JournalStep& step,
        const std::string& requestId)>
        run;
};

/** The queries, by step type (a type without a row is never queried: it waits). */
const std::map<StepType, StepQuery>& stepQueries();
/** The compensations, by compensation step type. */
const std::map<StepType, StepCompensation>& stepCompensations();

/** key=value fields of a step detail ("slot=SL1;session=K01-REG-..."). */
std::map<std::string, std::string> detailFields(const std::string& detail);
/** True when the card in the reader is the one `step` journaled (card=<key>). */
bool cardMatches(const CardKeys& keys, const StepRecord& step, PatientCard* card);

} // namespace hc::kiosk::core
