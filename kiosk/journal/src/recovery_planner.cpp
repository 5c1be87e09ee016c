#include "hc/kiosk/recovery_planner.hpp"

#include <initializer_list>
#include <map>

namespace hc::kiosk {

bool RecoveryPlan::needsQuery() const {
    for (const auto& a : actions) {
        if (a.kind == ActionKind::Query) {
            return true;
        }
    }
    return false;
}

std::string describe(const RecoveryAction& action) {
    std::string out = action.kind == ActionKind::Query ? "query " : "compensate ";
    out += stepTypeName(action.type);
    out += action.kind == ActionKind::Query ? " #" : " for #";
    out += std::to_string(action.stepId);
    if (action.amountFen != 0) {
        out += " (" + std::to_string(action.amountFen) + " fen)";
    }
    out += ": " + action.reason;
    return out;
}

namespace {

/** A step's effective outcome for recovery: PENDING in an ended session is UNKNOWN. */
enum class Outcome { Absent, Ok, Failed, Unknown };

Outcome outcomeOf(const StepRecord* s) {
    if (s == nullptr) {
        return Outcome::Absent;
    }
    switch (s->status) {
    case StepStatus::Ok:
        return Outcome::Ok;
    case StepStatus::Failed:
        return Outcome::Failed;
    case StepStatus::Pending:
    case StepStatus::Unknown:
        return Outcome::Unknown;
    }
    return Outcome::Unknown;
}

class Planner {
public:
    explicit Planner(const std::vector<StepRecord>& steps)
        : m_steps(steps) { }

    RecoveryPlan run() {
        // 1. Every forward step without a known outcome is queried first.
        for (const auto& s : m_steps) {
            if (!isCompensation(s.type) && s.type != StepType::Print
                && outcomeOf(&s) == Outcome::Unknown) {
                query(s,
                    s.status == StepStatus::Pending
                        ? "written before the call, no outcome: the process stopped mid-call"
                        : "outcome unknown (" + s.reason + "): query before any compensation");
            }
        }
        // 2. Each step that took effect but whose follow-up failed or never happened is undone.
        pair(StepType::InsurancePreRegister, { StepType::InsuranceRegister },
            StepType::InsuranceUndoPreRegister, "insurance pre-registration without registration");
        pair(StepType::InsuranceRegister, { StepType::HisRegister },
            StepType::InsuranceUndoRegister,
            "insurance registration but HIS registration failed or never called");
        pair(StepType::InsurancePreSettle, { StepType::InsuranceSettle },
            StepType::InsuranceRollbackPreSettle, "insurance pre-settlement not committed");
        pair(StepType::InsuranceSettle, { StepType::HisConfirm, StepType::HisRegister },
            StepType::InsuranceStrike, "insurance settled but HIS confirm failed or never called");
        pair(StepType::HisPreSettle, { StepType::HisConfirm }, StepType::HisCancelPreSettle,
            "HIS pre-settlement without confirm");
        pair(StepType::HisLockSlot, { StepType::HisRegister }, StepType::HisReleaseSlot,
            "slot held but not booked");
        pair(StepType::Payment, { StepType::HisConfirm, StepType::HisRegister, StepType::CardLoad },
            StepType::PaymentRefund, "paid, and the service failed or was never called");
        pair(StepType::CardDebit, { StepType::HisConfirm, StepType::HisRegister },
            StepType::CardDebitReverse, "card debited, and HIS failed or was never called");
        // 2b. A refund session (退费 / 退号): the HIS side is done, the money goes back the way it
        // came, once.
        refundMoney();
        // 3. A payment that failed leaves an order open at the gateway: close it.
        for (const auto& s : m_steps) {
            if (s.type == StepType::Payment && outcomeOf(&s) == Outcome::Failed) {
                compensate(s, StepType::PaymentCancelOrder,
                    "payment failed: close the order so it cannot be paid later");
            }
        }
        // 4. Printing: a reprint is safe, money is not involved.
        const auto* print = latest(StepType::Print, 0);
        if (print != nullptr && outcomeOf(print) != Outcome::Ok) {
            compensate(*print, StepType::Reprint, "receipt not printed: offer a reprint");
        }
        RecoveryPlan plan;
        plan.actions = std::move(m_queries);
        for (auto& a : m_compensations) {
            plan.actions.push_back(std::move(a));
        }
        return plan;
    }

private:
    /** For each HIS refund / appointment cancellation journaled OK with a plan in its detail
     * (`means=purse|qr|cash|cash_for_purse`, `payStep=<id of the original payment step>`,
     * `own=<fen>`): the money step (payment_refund or card_refund_load with `compensates` = that
     * payment step) OK -> nothing; PENDING/UNKNOWN -> query it; FAILED or absent -> plan it. */
    void refundMoney() {
        for (const auto& h : m_steps) {
            if ((h.type != StepType::HisRefund && h.type != StepType::HisCancelAppointment)
                || h.status != StepStatus::Ok) {
                continue;
            }
            const auto f = refundPlan(h.detail);
            insuranceCancel(h, f);
            const auto means = f.count("means") ? f.at("means") : std::string();
            std::int64_t own = 0;
            std::int64_t payStep = 0;
            try {
                own = f.count("own") ? std::stoll(f.at("own")) : 0;
                payStep = f.count("payStep") ? std::stoll(f.at("payStep")) : 0;
            } catch (const std::exception&) {
                continue; // not a plan we wrote: nothing to do automatically
            }
            if (own <= 0 || payStep <= 0
                || (means != "purse" && means != "qr" && means != "cash"
                    && means != "cash_for_purse")) {
                continue;
            }
            const StepType money
                = means == "purse" ? StepType::CardRefundLoad : StepType::PaymentRefund;
            const StepRecord* last = nullptr;
            for (const auto& s : m_steps) {
                if ((s.type == StepType::CardRefundLoad || s.type == StepType::PaymentRefund)
                    && s.compensates == payStep) {
                    last = &s;
                }
            }
            switch (outcomeOf(last)) {
            case Outcome::Ok:
                continue; // refunded: never twice
            case Outcome::Unknown:
                if (isCompensation(last->type)) { // forward steps were queried in rule 1
                    query(*last,
                        "refund " + std::string(stepTypeName(last->type))
                            + " has no known outcome: query it, do not repeat it blind");
                }
                continue;
            case Outcome::Failed:
            case Outcome::Absent:
                break;
            }
            RecoveryAction a;
            a.kind = ActionKind::Compensate;
            a.type = money;
            a.stepId = h.id;
            a.requestId = f.count("pay") ? f.at("pay") : std::string();
            a.amountFen = own;
            a.reason = std::string(stepTypeName(h.type)) + " done, the money (" + means
                + ") not yet back"
                + (last != nullptr ? "; the previous attempt failed: " + last->reason : "");
            m_compensations.push_back(std::move(a));
        }
    }

    /** The insurance part of a refund plan (`insStep=<settle step id>`, `insRid`, `insFen`):
     * struck once (退号 cancels at the HIS first, then the insurance). */
    void insuranceCancel(const StepRecord& h, const std::map<std::string, std::string>& f) {
        std::int64_t insStep = 0;
        try {
            insStep = f.count("insStep") ? std::stoll(f.at("insStep")) : 0;
        } catch (const std::exception&) {
            return;
        }
        if (insStep <= 0 || !f.count("insRid")) {
            return;
        }
        const StepRecord* last = nullptr;
        for (const auto& s : m_steps) {
            if (s.type == StepType::InsuranceStrike && s.compensates == insStep) {
                last = &s;
            }
        }
        switch (outcomeOf(last)) {
        case Outcome::Ok:
            return;
        case Outcome::Unknown:
            query(*last, "insurance cancel of a refund has no known outcome: query it");
            return;
        case Outcome::Failed:
        case Outcome::Absent:
            break;
        }
        RecoveryAction a;
        a.kind = ActionKind::Compensate;
        a.type = StepType::InsuranceStrike;
        a.stepId = h.id;
        a.requestId = f.at("insRid");
        a.reason = std::string(stepTypeName(h.type)) + " done, the insurance part not yet struck";
        m_compensations.push_back(std::move(a));
    }

    /** The refund session's plan carried by the HIS step: `key=value` pairs split by ';'. */
    static std::map<std::string, std::string> refundPlan(const std::string& detail) {
        std::map<std::string, std::string> out;
        std::size_t pos = 0;
        while (pos < detail.size()) {
            auto end = detail.find(';', pos);
            end = end == std::string::npos ? detail.size() : end;
            const auto part = detail.substr(pos, end - pos);
            const auto eq = part.find('=');
            if (eq != std::string::npos) {
                auto key = part.substr(0, eq);
                const auto sp = key.rfind(' ');
                if (sp != std::string::npos) {
                    key = key.substr(sp + 1); // "his refund invoice=..." -> "invoice"
                }
                out[key] = part.substr(eq + 1);
            }
            pos = end + 1;
        }
        return out;
    }

    /** The last step of `type` with seq > after. */
    const StepRecord* latest(StepType type, int after) const {
        const StepRecord* found = nullptr;
        for (const auto& s : m_steps) {
            if (s.type == type && s.seq > after) {
                found = &s;
            }
        }
        return found;
    }

    /** The last step of any of `types` after `after`. */
    const StepRecord* latestOf(std::initializer_list<StepType> types, int after) const {
        const StepRecord* found = nullptr;
        for (const auto t : types) {
            const auto* s = latest(t, after);
            if (s != nullptr && (found == nullptr || s->seq > found->seq)) {
                found = s;
            }
        }
        return found;
    }

    void pair(StepType first, std::initializer_list<StepType> followUps, StepType compensation,
        const char* rule) {
        const auto* pre = latest(first, 0);
        if (outcomeOf(pre) != Outcome::Ok) {
            return; // not done (nothing to undo) or unknown (queried above)
        }
        const auto* follow = latestOf(followUps, pre->seq);
        switch (outcomeOf(follow)) {
        case Outcome::Ok:
            return;
        case Outcome::Unknown:
            return; // called and returned nothing: query it (above), never compensate blind
        case Outcome::Failed:
            compensate(*pre, compensation,
                std::string(rule) + " (" + std::string(stepTypeName(follow->type))
                    + " failed: " + follow->reason + ")");
            return;
        case Outcome::Absent:
            compensate(*pre, compensation, std::string(rule) + " (never called)");
            return;
        }
    }

    void query(const StepRecord& s, std::string reason) {
        RecoveryAction a;
        a.kind = ActionKind::Query;
        a.type = s.type;
        a.stepId = s.id;
        a.requestId = s.requestId;
        a.amountFen = s.amountFen;
        a.reason = std::move(reason);
        m_queries.push_back(std::move(a));
    }

    /** Plans `type` for `target` unless a journaled compensation already did it. */
    void compensate(const StepRecord& target, StepType type, std::string reason) {
        const StepRecord* done = nullptr;
        for (const auto& s : m_steps) {
            if (s.type == type && s.compensates == target.id) {
                done = &s;
            }
        }
        switch (outcomeOf(done)) {
        case Outcome::Ok:
            return; // already compensated: never twice
        case Outcome::Unknown:
            query(*done,
                "compensation " + std::string(stepTypeName(type))
                    + " has no known outcome: query it, do not repeat it blind");
            return;
        case Outcome::Failed:
            reason += "; the previous attempt failed: " + done->reason;
            break;
        case Outcome::Absent:
            break;
        }
        RecoveryAction a;
        a.kind = ActionKind::Compensate;
        a.type = type;
        a.stepId = target.id;
        a.requestId = target.requestId;
        a.amountFen = target.amountFen;
        a.reason = std::move(reason);
        m_compensations.push_back(std::move(a));
    }

    const std::vector<StepRecord>& m_steps;
    std::vector<RecoveryAction> m_queries;
    std::vector<RecoveryAction> m_compensations;
};

} // namespace

RecoveryPlan RecoveryPlanner::plan(const std::vector<StepRecord>& steps) {
    return Planner(steps).run();
}

} // namespace hc::kiosk
