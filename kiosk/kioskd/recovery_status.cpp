#include "recovery_status.hpp"

#include "hc/kiosk/recovery_planner.hpp"
#include "hc/kiosk/step_type.hpp"

#include <boost/json/array.hpp>

namespace hc::kiosk::kioskd {

boost::json::object recoveryStatus(Journal& journal) {
    boost::json::array sessions;
    for (const auto& id : journal.sessionsToRecover()) {
        const auto steps = journal.steps(id);
        const auto plan = RecoveryPlanner::plan(steps);
        boost::json::object s;
        s["session"] = id;
        if (const auto rec = journal.session(id)) {
            s["business"] = rec->business;
            s["started"] = rec->startedAt;
        }
        std::int64_t atStake = 0;
        boost::json::array actions;
        for (const auto& a : plan.actions) {
            boost::json::object o;
            o["kind"] = a.kind == ActionKind::Query ? "query" : "compensate";
            o["type"] = stepTypeName(a.type);
            o["step"] = a.stepId;
            o["amount_fen"] = a.amountFen;
            o["reason"] = a.reason;
            atStake += a.amountFen;
            actions.push_back(std::move(o));
        }
        s["at_stake_fen"] = atStake;
        s["actions"] = std::move(actions);
        sessions.push_back(std::move(s));
    }
    boost::json::object out;
    out["pending"] = static_cast<std::int64_t>(sessions.size());
    out["sessions"] = std::move(sessions);
    return out;
}

} // namespace hc::kiosk::kioskd
