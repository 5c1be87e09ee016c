#include "hc/kiosk/core/recovery_executor.hpp"

#include "hc/kiosk/core/purse_journal.hpp"
#include "hc/kiosk/his/his_adapter.hpp"
#include "hc/kiosk/journal_step.hpp"
#include "hc/kiosk/recovery_planner.hpp"
#include "recovery_steps.hpp"

namespace hc::kiosk::core {

RecoveryExecutor::RecoveryExecutor(Journal& journal, his::HisAdapter* his,
    InsuranceService* insurance, PaymentGateway* gateway, const CardKeys* keys)
    : m_journal(journal)
    , m_his(his)
    , m_insurance(insurance)
    , m_gateway(gateway)
    , m_keys(keys != nullptr ? *keys : CardKeys::processDefault()) {
}

bool RecoveryExecutor::query(const StepRecord& step, PatientCard* card, RecoveryReport& report) {
    RecoveryContext c { m_journal, m_his, m_insurance, m_gateway, m_keys, card, report };
    const auto& table = stepQueries();
    const auto it = table.find(step.type);
    const auto found = it == table.end() ? std::nullopt : it->second(c, step);
    if (!found) {
        report.notes.push_back(
            "wait: query " + std::string(stepTypeName(step.type)) + " #" + std::to_string(step.id));
        return false;
    }
    m_journal.resolveStep(step.id, found->status, found->note);
    ++report.queries;
    report.notes.push_back("query " + std::string(stepTypeName(step.type)) + " #"
        + std::to_string(step.id) + ": " + found->note);
    return true;
}

bool RecoveryExecutor::compensate(const std::string& session, StepType type,
    const StepRecord& target, PatientCard* card, RecoveryReport& report) {
    if (target.type == StepType::HisRefund || target.type == StepType::HisCancelAppointment) {
        return refundMoney(session, type, target, card, report);
    }
    RecoveryContext c { m_journal, m_his, m_insurance, m_gateway, m_keys, card, report };
    const auto& table = stepCompensations();
    const auto it = table.find(type);
    if (it == table.end() || !it->second.ready(c, target)) {
        return false; // the part is not there (yet): checked before anything is journaled
    }
    const auto rid = target.requestId + "-" + std::string(stepTypeName(type));
    const auto detail
        = it->second.detail ? it->second.detail(c, target) : target.detail.substr(0, 200);
    JournalStep step(m_journal, session, { type, rid, target.amountFen, detail, target.id });
    try {
        if (!it->second.run(c, target, step, rid)) {
            return false;
        }
    } catch (const ServiceError& e) {
        journalOutcome(step, e);
        return false;
    } catch (const his::HisOutcomeUnknown& e) {
        step.unknown(e.what());
        return false;
    } catch (const std::exception& e) {
        step.failed(e.what());
        return false;
    }
    ++report.compensations;
    report.notes.push_back(
        "compensate " + std::string(stepTypeName(type)) + " for #" + std::to_string(target.id));
    return true;
}

bool RecoveryExecutor::refundMoney(const std::string& session, StepType type,
    const StepRecord& hisStep, PatientCard* card, RecoveryReport& report) {
    auto f = detailFields(hisStep.detail);
    if (type == StepType::InsuranceStrike) {
        if (m_insurance == nullptr) {
            report.notes.push_back("wait: insurance_strike needs the insurance service");
            return false;
        }
        const auto rid = hisStep.session + "-INS-CANCEL";
        JournalStep step(m_journal, session,
            { StepType::InsuranceStrike, rid, f.count("insFen") ? std::stoll(f["insFen"]) : 0,
                "refund;completed by recovery", std::stoll(f["insStep"]) });
        try {
            m_insurance->strike(f["insRid"], rid);
            step.ok("struck");
        } catch (const ServiceError& e) {
            journalOutcome(step, e);
            return false;
        }
        ++report.compensations;
        report.notes.push_back("refund insurance_strike for #" + std::to_string(hisStep.id));
        return true;
    }
    const auto own = std::stoll(f["own"]);
    const auto payStep = std::stoll(f["payStep"]);
    const auto means = f["means"];
    const auto note = "refund of " + f["pay"] + ";staff=" + f["staff"]
        + ";supervisor=" + f["supervisor"] + ";completed by recovery";
    if (type == StepType::CardRefundLoad) {
        if (!cardMatches(m_keys, hisStep, card)) {
            report.notes.push_back("wait: card_refund_load needs the patient's card");
            return false;
        }
        const auto before = card->balance();
        JournalStep step(m_journal, session,
            { StepType::CardRefundLoad, hisStep.requestId + "-LOAD", own,
                "card=" + f["card"] + ";before=" + std::to_string(before) + ";" + note, payStep });
        if (journalPurse(step, card->load(own)) != PurseVerdict::Moved) {
            return false;
        }
    } else if (means == "cash" || means == "cash_for_purse") {
        JournalStep step(m_journal, session,
            { StepType::PaymentRefund, session + "-CASH-REFUND", own,
                "cash;means=" + means + ";" + note, payStep });
        step.ok("cash refund due at the cashier window (staff pays it back)");
    } else {
        if (m_gateway == nullptr) {
            report.notes.push_back("wait: payment_refund needs the payment gateway");
            return false;
        }
        JournalStep step(m_journal, session,
            { StepType::PaymentRefund, session + "-QR-REFUND", own, "qr;" + note, payStep });
        try {
            m_gateway->refund(f["pay"], own, session + "-QR-REFUND");
            step.ok("refunded");
        } catch (const ServiceError& e) {
            journalOutcome(step, e);
            return false;
        }
    }
    ++report.compensations;
    report.notes.push_back("refund " + std::string(stepTypeName(type)) + " (" + means + ") for #"
        + std::to_string(hisStep.id));
    return true;
}

RecoveryReport RecoveryExecutor::recoverSession(const std::string& session, PatientCard* card) {
    RecoveryReport report;
    report.session = session;
    for (int pass = 0; pass < 6; ++pass) {
        const auto steps = m_journal.steps(session);
        const auto plan = RecoveryPlanner::plan(steps);
        if (plan.done()) {
            m_journal.markRecovered(session);
            report.recovered = true;
            return report;
        }
        bool progress = false;
        for (const auto& a : plan.actions) {
            const auto target = m_journal.step(a.stepId);
            if (!target) {
                continue;
            }
            try {
                if (a.kind == ActionKind::Query) {
                    progress = query(*target, card, report) || progress;
                } else if (!plan.needsQuery()) {
                    progress = compensate(session, a.type, *target, card, report) || progress;
                }
            } catch (const std::exception& e) {
                report.notes.push_back(std::string("wait: ") + e.what());
            }
        }
        if (!progress) {
            break;
        }
    }
    return report;
}

std::vector<RecoveryReport> RecoveryExecutor::recoverAll(PatientCard* card) {
    std::vector<RecoveryReport> out;
    for (const auto& s : m_journal.sessionsToRecover()) {
        out.push_back(recoverSession(s, card));
    }
    return out;
}

std::vector<RecoveryReport> RecoveryExecutor::recoverCard(
    PatientCard& card, const CardIdentity& who) {
    std::vector<RecoveryReport> out;
    for (const auto& s : m_journal.sessionsToRecover()) {
        bool mine = false;
        for (const auto& st : m_journal.steps(s)) {
            mine = mine || m_keys.matches(detailFields(st.detail)["card"], who.cardNumber);
        }
        if (mine) {
            out.push_back(recoverSession(s, &card));
        }
    }
    return out;
}

} // namespace hc::kiosk::core
