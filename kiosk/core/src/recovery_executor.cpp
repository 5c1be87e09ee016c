#include "hc/kiosk/core/recovery_executor.hpp"

#include "hc/kiosk/core/purse_journal.hpp"
#include "hc/kiosk/his/his_adapter.hpp"
#include "hc/kiosk/journal_step.hpp"
#include "hc/kiosk/recovery_planner.hpp"

#include <map>

namespace hc::kiosk::core {

namespace {

std::map<std::string, std::string> fields(const std::string& detail) {
    std::map<std::string, std::string> out;
    std::size_t pos = 0;
    while (pos < detail.size()) {
        auto end = detail.find(';', pos);
        if (end == std::string::npos) {
            end = detail.size();
        }
        const auto part = detail.substr(pos, end - pos);
        const auto eq = part.find('=');
        if (eq != std::string::npos) {
            out[part.substr(0, eq)] = part.substr(eq + 1);
        }
        pos = end + 1;
    }
    return out;
}

bool cardMatches(const CardKeys& keys, const StepRecord& step, PatientCard* card) {
    if (card == nullptr) {
        return false;
    }
    try {
        return keys.matches(fields(step.detail)["card"], card->identity().cardNumber);
    } catch (const std::exception&) {
        return false;
    }
}

} // namespace

RecoveryExecutor::RecoveryExecutor(Journal& journal, his::HisAdapter* his,
    InsuranceService* insurance, PaymentGateway* gateway, const CardKeys* keys)
    : m_journal(journal)
    , m_his(his)
    , m_insurance(insurance)
    , m_gateway(gateway)
    , m_keys(keys != nullptr ? *keys : CardKeys::processDefault()) {
}

bool RecoveryExecutor::query(const StepRecord& step, PatientCard* card, RecoveryReport& report) {
    std::optional<StepStatus> found;
    std::string note;
    switch (step.type) {
    case StepType::HisConfirm:
        if (m_his != nullptr) {
            const auto inv = m_his->findInvoice(step.requestId);
            found = inv ? StepStatus::Ok : StepStatus::Failed;
            note = inv ? "invoice " + inv->id : "no invoice for the request";
        }
        break;
    case StepType::HisRegister:
        if (m_his != nullptr) {
            auto f = fields(step.detail);
            try {
                const auto a = m_his->book(f["slot"], f["patient"], f["session"], step.requestId);
                found = StepStatus::Ok;
                note = "booking " + a.id + " (replayed by request id)";
            } catch (const his::HisRefused& e) {
                found = StepStatus::Failed;
                note = std::string("replay refused: ") + e.what();
            }
        }
        break;
    case StepType::HisLockSlot:
        found = StepStatus::Ok;
        note = "taken as held; released next";
        break;
    case StepType::HisRefund:
        // The HIS refund of an invoice (older journals: his_cancel_pre_settle "his refund ...",
        // read as HisRefund by the journal): did it happen?
        if (m_his != nullptr) {
            const auto inv = m_his->findRefund(step.requestId);
            found = inv ? StepStatus::Ok : StepStatus::Failed;
            note = inv ? "refunded invoice " + inv->id : "no refund for the request";
        }
        break;
    case StepType::HisCancelAppointment:
        if (m_his != nullptr) {
            const auto a = m_his->findCancellation(step.requestId);
            found = a ? StepStatus::Ok : StepStatus::Failed;
            note = a ? "cancelled appointment " + a->id : "no cancellation for the request";
        }
        break;
    case StepType::CardRefundLoad:
        if (cardMatches(m_keys, step, card)) {
            if (step.status == StepStatus::Unknown && !step.reason.empty()
                && step.reason.front() == '{') {
                // The load's answer was lost: the card's transaction proof decides.
                const auto r = card->settle(pendingOf(step.reason));
                found = settledStatus(r); // Ok only on a verified proof
                note = found == StepStatus::Ok ? "transaction proof " + r.tac
                                               : "card: not loaded (" + r.reason + ")";
                if (!found) {
                    report.notes.push_back("wait: card_refund_load #" + std::to_string(step.id)
                        + ": no verified proof (" + r.reason + "), staff check the card");
                }
            } else {
                // Killed mid-call, no transaction journaled: the balance before the load (in
                // the detail) decides; anything else moved it -> staff check the card's log.
                auto f = fields(step.detail);
                const auto before = f.count("before") ? std::stoll(f["before"]) : -1;
                const auto now = card->balance();
                if (before >= 0 && now == before + step.amountFen) {
                    found = StepStatus::Ok;
                    note = "balance " + std::to_string(now) + " = before + refund: loaded";
                } else if (before >= 0 && now == before) {
                    found = StepStatus::Failed;
                    note = "balance unchanged: not loaded";
                } else {
                    report.notes.push_back("wait: card_refund_load #" + std::to_string(step.id)
                        + ": the balance moved otherwise, staff check the card's log");
                }
            }
        }
        break;
    case StepType::Payment:
    case StepType::PaymentRefund:
    case StepType::PaymentCancelOrder:
        if (step.detail.rfind("cash", 0) == 0) {
            // Cash taken at a cashier window: the money is in the drawer once journaled.
            found = StepStatus::Ok;
            note = "cash: taken at the window";
        } else if (m_gateway != nullptr) {
            const auto& rid
                = step.type == StepType::Payment ? step.requestId : [&]() -> const std::string& {
                static thread_local std::string r;
                const auto t = m_journal.step(step.compensates);
                r = t ? t->requestId : step.requestId;
                return r;
            }();
            auto state = m_gateway->query(rid);
            if (step.type == StepType::Payment && state == OrderState::Pending) {
                m_gateway->close(rid);
                state = m_gateway->query(rid);
            }
            if (step.type == StepType::Payment) {
                found = (state == OrderState::Paid || state == OrderState::Refunded)
                    ? StepStatus::Ok
                    : StepStatus::Failed;
            } else if (step.type == StepType::PaymentRefund) {
                found = state == OrderState::Refunded ? StepStatus::Ok : StepStatus::Failed;
            } else {
                found = state == OrderState::Paid ? StepStatus::Failed : StepStatus::Ok;
            }
            note = std::string("gateway: ") + describe(state);
        }
        break;
    case StepType::InsuranceSettle:
    case StepType::InsurancePreSettle:
        if (m_insurance != nullptr) {
            if (step.type == StepType::InsurancePreSettle) {
                found = StepStatus::Ok; // harmless: rolled back next if not settled
                note = "taken as pre-settled; rolled back next";
            } else if (const auto s = m_insurance->settled(step.requestId)) {
                found = *s ? StepStatus::Ok : StepStatus::Failed;
                note = *s ? "settled" : "not settled";
            }
        }
        break;
    case StepType::CardDebit:
    case StepType::CardLoad:
    case StepType::CardDebitReverse:
        if (cardMatches(m_keys, step, card)) {
            auto f = fields(step.detail);
            const auto sign = step.type == StepType::CardDebit ? -1 : 1; // load, give-back
            if (step.status == StepStatus::Pending && f.count("before") != 0) {
                // Killed around the commit, no transaction journaled: the balance before (in the
                // detail) decides; moved otherwise -> it waits, staff check the card's log.
                const auto before = std::stoll(f["before"]);
                const auto now = card->balance();
                if (now == before + sign * step.amountFen) {
                    found = StepStatus::Ok;
                    note = "balance " + std::to_string(now) + " = before " + (sign < 0 ? "-" : "+")
                        + " amount: done";
                } else if (now == before) {
                    found = StepStatus::Failed;
                    note = "balance unchanged: not done";
                } else {
                    report.notes.push_back("wait: " + std::string(stepTypeName(step.type)) + " #"
                        + std::to_string(step.id) + ": the balance moved otherwise, staff check "
                        + "the card's log");
                }
            } else if (step.status == StepStatus::Pending) {
                // Killed before the commit was even sent or its pending written (a journal
                // without the balance before): the card is asked through its log-free proof
                // below only when we have the transaction.
                found = StepStatus::Failed;
                note = "no pending transaction journaled: commit never sent";
            } else {
                const auto r = card->settle(pendingOf(step.reason));
                found = settledStatus(r); // Ok only on a verified proof
                note = found == StepStatus::Ok ? "transaction proof " + r.tac
                                               : "card: not done (" + r.reason + ")";
                if (!found) {
                    report.notes.push_back("wait: " + std::string(stepTypeName(step.type)) + " #"
                        + std::to_string(step.id) + ": no verified proof (" + r.reason
                        + "), staff check the card");
                }
            }
        }
        break;
    case StepType::CardIssue:
        // No money moved, nothing to compensate. The issuance register is the record of the
        // card itself: its resume rule marks a card claimed but not read back as spoiled, so a
        // kiosk that died mid-personalization keeps the card and staff look it up there.
        found = StepStatus::Failed;
        note = "issuance outcome unknown at the kiosk: card retained, see the issuance register";
        break;
    case StepType::DispenserMove:
        // No money moved. Where the card is now is the dispenser's answer, not the journal's:
        // kioskd's issuer captures a card left in the transport at boot (docs/dispenser.md).
        found = StepStatus::Failed;
        note = "dispenser move interrupted: the card in the transport is captured at boot";
        break;
    case StepType::Print:
    case StepType::Reprint:
        found = StepStatus::Failed;
        note = "print outcome unknown; reprint offered";
        break;
    default:
        break;
    }
    if (!found) {
        report.notes.push_back(
            "wait: query " + std::string(stepTypeName(step.type)) + " #" + std::to_string(step.id));
        return false;
    }
    m_journal.resolveStep(step.id, *found, note);
    ++report.queries;
    report.notes.push_back("query " + std::string(stepTypeName(step.type)) + " #"
        + std::to_string(step.id) + ": " + note);
    return true;
}

bool RecoveryExecutor::compensate(const std::string& session, StepType type,
    const StepRecord& target, PatientCard* card, RecoveryReport& report) {
    if (target.type == StepType::HisRefund || target.type == StepType::HisCancelAppointment) {
        return refundMoney(session, type, target, card, report);
    }
    // Check the part is there before journaling the compensation.
    switch (type) {
    case StepType::HisReleaseSlot:
        if (m_his == nullptr) {
            return false;
        }
        break;
    case StepType::PaymentRefund:
    case StepType::PaymentCancelOrder:
        if (m_gateway == nullptr && target.detail.rfind("cash", 0) != 0) {
            return false;
        }
        break;
    case StepType::InsuranceStrike:
    case StepType::InsuranceRollbackPreSettle:
    case StepType::InsuranceUndoRegister:
    case StepType::InsuranceUndoPreRegister:
        if (m_insurance == nullptr) {
            return false;
        }
        break;
    case StepType::CardDebitReverse:
        if (!cardMatches(m_keys, target, card)) {
            report.notes.push_back("wait: card_debit_reverse needs the card back");
            return false;
        }
        break;
    case StepType::Reprint:
        break;
    default:
        return false;
    }
    const auto rid = target.requestId + "-" + std::string(stepTypeName(type));
    auto detail = target.detail.substr(0, 200);
    if (type == StepType::CardDebitReverse) {
        // The balance before the give-back load: a kill after the card answered it and before
        // the outcome is written leaves the step PENDING; the query compares the balance then.
        detail = "card=" + fields(target.detail)["card"]
            + ";before=" + std::to_string(card->balance());
    }
    JournalStep step(m_journal, session, { type, rid, target.amountFen, detail, target.id });
    try {
        switch (type) {
        case StepType::HisReleaseSlot: {
            auto f = fields(target.detail);
            m_his->releaseSlot(f["slot"], f["session"]);
            step.ok("released");
            break;
        }
        case StepType::PaymentRefund:
            if (target.detail.rfind("cash", 0) == 0) {
                step.ok("cash refund due at the cashier window (staff pays it back)");
                break;
            }
            m_gateway->refund(target.requestId, target.amountFen, rid);
            step.ok("refunded");
            break;
        case StepType::PaymentCancelOrder:
            m_gateway->close(target.requestId);
            step.ok("closed");
            break;
        case StepType::InsuranceStrike:
            m_insurance->strike(target.requestId, rid);
            step.ok("struck");
            break;
        case StepType::InsuranceRollbackPreSettle:
        case StepType::InsuranceUndoRegister:
        case StepType::InsuranceUndoPreRegister:
            // A pre-settlement that was never committed holds nothing at settlementd.
            step.ok("nothing committed");
            break;
        case StepType::CardDebitReverse: {
            if (journalPurse(step, card->load(target.amountFen)) != PurseVerdict::Moved) {
                return false;
            }
            break;
        }
        case StepType::Reprint:
            step.ok("reprint offered at the staff desk");
            break;
        default:
            break;
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
    auto f = fields(hisStep.detail);
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
            mine = mine || m_keys.matches(fields(st.detail)["card"], who.cardNumber);
        }
        if (mine) {
            out.push_back(recoverSession(s, &card));
        }
    }
    return out;
}

} // namespace hc::kiosk::core
