#include "recovery_steps.hpp"

#include "hc/kiosk/core/purse_journal.hpp"
#include "hc/kiosk/his/his_adapter.hpp"

namespace hc::kiosk::core {

std::map<std::string, std::string> detailFields(const std::string& detail) {
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
        return keys.matches(detailFields(step.detail)["card"], card->identity().cardNumber);
    } catch (const std::exception&) {
        return false;
    }
}

namespace {

using Answer = std::optional<QueryAnswer>;

Answer wait(RecoveryContext& c, const StepRecord& s, const std::string& why) {
    c.report.notes.push_back(
        "wait: " + std::string(stepTypeName(s.type)) + " #" + std::to_string(s.id) + ": " + why);
    return std::nullopt;
}

Answer hisConfirm(RecoveryContext& c, const StepRecord& s) {
    if (c.his == nullptr) {
        return std::nullopt;
    }
    const auto inv = c.his->findInvoice(s.requestId);
    return QueryAnswer { inv ? StepStatus::Ok : StepStatus::Failed,
        inv ? "invoice " + inv->id : "no invoice for the request" };
}

Answer hisRegister(RecoveryContext& c, const StepRecord& s) {
    if (c.his == nullptr) {
        return std::nullopt;
    }
    auto f = detailFields(s.detail);
    try {
        // Replayed with its request id: answers the first result, or books what was paid for.
        const auto a = c.his->book(f["slot"], f["patient"], f["session"], s.requestId);
        return QueryAnswer { StepStatus::Ok, "booking " + a.id + " (replayed by request id)" };
    } catch (const his::HisRefused& e) {
        return QueryAnswer { StepStatus::Failed, std::string("replay refused: ") + e.what() };
    }
}

Answer hisRefund(RecoveryContext& c, const StepRecord& s) {
    if (c.his == nullptr) {
        return std::nullopt;
    }
    const auto inv = c.his->findRefund(s.requestId);
    return QueryAnswer { inv ? StepStatus::Ok : StepStatus::Failed,
        inv ? "refunded invoice " + inv->id : "no refund for the request" };
}

Answer hisCancelAppointment(RecoveryContext& c, const StepRecord& s) {
    if (c.his == nullptr) {
        return std::nullopt;
    }
    const auto a = c.his->findCancellation(s.requestId);
    return QueryAnswer { a ? StepStatus::Ok : StepStatus::Failed,
        a ? "cancelled appointment " + a->id : "no cancellation for the request" };
}

/** A card step whose transaction the journal has: the card's proof decides (verified only). */
Answer byProof(RecoveryContext& c, const StepRecord& s) {
    const auto r = c.card->settle(pendingOf(s.reason));
    if (const auto found = settledStatus(r)) {
        return QueryAnswer { *found,
            *found == StepStatus::Ok ? "transaction proof " + r.tac
                                     : "card: not done (" + r.reason + ")" };
    }
    return wait(c, s, "no verified proof (" + r.reason + "), staff check the card");
}

/** A card step killed around its commit, no transaction journaled: the balance before (in the
 * detail) decides; moved otherwise -> it waits, staff check the card's log. */
Answer byBalance(RecoveryContext& c, const StepRecord& s, std::int64_t sign) {
    auto f = detailFields(s.detail);
    const auto before = f.count("before") != 0 ? std::stoll(f["before"]) : -1;
    const auto now = c.card->balance();
    if (before >= 0 && now == before + sign * s.amountFen) {
        return QueryAnswer { StepStatus::Ok,
            "balance " + std::to_string(now) + " = before " + (sign < 0 ? "-" : "+")
                + " amount: done" };
    }
    if (before >= 0 && now == before) {
        return QueryAnswer { StepStatus::Failed, "balance unchanged: not done" };
    }
    return wait(c, s, "the balance moved otherwise, staff check the card's log");
}

Answer cardStep(RecoveryContext& c, const StepRecord& s) {
    if (!cardMatches(c.keys, s, c.card)) {
        return std::nullopt; // waits for that card
    }
    if (s.type == StepType::CardRefundLoad) {
        // A lost answer: the proof; killed mid-call (no transaction): the balance before.
        if (s.status == StepStatus::Unknown && !pendingOf(s.reason).empty()) {
            return byProof(c, s);
        }
        return byBalance(c, s, 1);
    }
    const auto sign = s.type == StepType::CardDebit ? -1 : 1; // load, give-back
    if (s.status == StepStatus::Pending) {
        if (detailFields(s.detail).count("before") != 0) {
            return byBalance(c, s, sign);
        }
        // A journal written before the balance was journaled: the commit was never sent.
        return QueryAnswer { StepStatus::Failed,
            "no pending transaction journaled: commit never sent" };
    }
    return byProof(c, s);
}

Answer gateway(RecoveryContext& c, const StepRecord& s) {
    if (s.detail.rfind("cash", 0) == 0) {
        // Cash taken at a cashier window: the money is in the drawer once journaled.
        return QueryAnswer { StepStatus::Ok, "cash: taken at the window" };
    }
    if (c.gateway == nullptr) {
        return std::nullopt;
    }
    std::string rid = s.requestId;
    if (s.type != StepType::Payment) {
        const auto t = c.journal.step(s.compensates);
        rid = t ? t->requestId : s.requestId;
    }
    auto state = c.gateway->query(rid);
    if (s.type == StepType::Payment && state == OrderState::Pending) {
        c.gateway->close(rid);
        state = c.gateway->query(rid);
    }
    bool ok = false;
    if (s.type == StepType::Payment) {
        ok = state == OrderState::Paid || state == OrderState::Refunded;
    } else if (s.type == StepType::PaymentRefund) {
        ok = state == OrderState::Refunded;
    } else {
        ok = state != OrderState::Paid; // the order was closed
    }
    return QueryAnswer { ok ? StepStatus::Ok : StepStatus::Failed,
        std::string("gateway: ") + describe(state) };
}

Answer insurance(RecoveryContext& c, const StepRecord& s) {
    if (c.insurance == nullptr) {
        return std::nullopt;
    }
    if (s.type == StepType::InsurancePreSettle) {
        return QueryAnswer { StepStatus::Ok, "taken as pre-settled; rolled back next" };
    }
    const auto settled = c.insurance->settled(s.requestId);
    if (!settled) {
        return std::nullopt;
    }
    return QueryAnswer { *settled ? StepStatus::Ok : StepStatus::Failed,
        *settled ? "settled" : "not settled" };
}

Answer fixed(StepStatus status, const char* note) {
    return QueryAnswer { status, note };
}

} // namespace

const std::map<StepType, StepQuery>& stepQueries() {
    static const std::map<StepType, StepQuery> table {
        { StepType::HisConfirm, hisConfirm },
        { StepType::HisRegister, hisRegister },
        { StepType::HisLockSlot,
            [](RecoveryContext&, const StepRecord&) {
                return fixed(StepStatus::Ok, "taken as held; released next");
            } },
        { StepType::HisRefund, hisRefund },
        { StepType::HisCancelAppointment, hisCancelAppointment },
        { StepType::CardDebit, cardStep },
        { StepType::CardLoad, cardStep },
        { StepType::CardDebitReverse, cardStep },
        { StepType::CardRefundLoad, cardStep },
        { StepType::Payment, gateway },
        { StepType::PaymentRefund, gateway },
        { StepType::PaymentCancelOrder, gateway },
        { StepType::InsuranceSettle, insurance },
        { StepType::InsurancePreSettle, insurance },
        // No money moved; the issuance register is the record of the card itself (its resume
        // rule marks a card claimed but not read back as spoiled).
        { StepType::CardIssue,
            [](RecoveryContext&, const StepRecord&) {
                return fixed(StepStatus::Failed,
                    "issuance outcome unknown at the kiosk: card retained, see the issuance "
                    "register");
            } },
        // No money moved; kioskd's issuer captures a card left in the transport at boot.
        { StepType::DispenserMove,
            [](RecoveryContext&, const StepRecord&) {
                return fixed(StepStatus::Failed,
                    "dispenser move interrupted: the card in the transport is captured at boot");
            } },
        { StepType::Print,
            [](RecoveryContext&, const StepRecord&) {
                return fixed(StepStatus::Failed, "print outcome unknown; reprint offered");
            } },
        { StepType::Reprint,
            [](RecoveryContext&, const StepRecord&) {
                return fixed(StepStatus::Failed, "print outcome unknown; reprint offered");
            } },
    };
    return table;
}

namespace {

bool alwaysReady(RecoveryContext&, const StepRecord&) {
    return true;
}

StepCompensation insuranceNothing() {
    // A pre-settlement or registration never committed holds nothing at settlementd.
    return { [](RecoveryContext& c, const StepRecord&) { return c.insurance != nullptr; }, nullptr,
        [](RecoveryContext&, const StepRecord&, JournalStep& step, const std::string&) {
            step.ok("nothing committed");
            return true;
        } };
}

} // namespace

const std::map<StepType, StepCompensation>& stepCompensations() {
    static const std::map<StepType, StepCompensation> table {
        { StepType::HisReleaseSlot,
            { [](RecoveryContext& c, const StepRecord&) { return c.his != nullptr; }, nullptr,
                [](RecoveryContext& c, const StepRecord& t, JournalStep& step, const std::string&) {
                    auto f = detailFields(t.detail);
                    c.his->releaseSlot(f["slot"], f["session"]);
                    step.ok("released");
                    return true;
                } } },
        { StepType::PaymentRefund,
            { [](RecoveryContext& c, const StepRecord& t) {
                 return c.gateway != nullptr || t.detail.rfind("cash", 0) == 0;
             },
                nullptr,
                [](RecoveryContext& c, const StepRecord& t, JournalStep& step,
                    const std::string& rid) {
                    if (t.detail.rfind("cash", 0) == 0) {
                        step.ok("cash refund due at the cashier window (staff pays it back)");
                        return true;
                    }
                    c.gateway->refund(t.requestId, t.amountFen, rid);
                    step.ok("refunded");
                    return true;
                } } },
        { StepType::PaymentCancelOrder,
            { [](RecoveryContext& c, const StepRecord& t) {
                 return c.gateway != nullptr || t.detail.rfind("cash", 0) == 0;
             },
                nullptr,
                [](RecoveryContext& c, const StepRecord& t, JournalStep& step, const std::string&) {
                    c.gateway->close(t.requestId);
                    step.ok("closed");
                    return true;
                } } },
        { StepType::InsuranceStrike,
            { [](RecoveryContext& c, const StepRecord&) { return c.insurance != nullptr; }, nullptr,
                [](RecoveryContext& c, const StepRecord& t, JournalStep& step,
                    const std::string& rid) {
                    c.insurance->strike(t.requestId, rid);
                    step.ok("struck");
                    return true;
                } } },
        { StepType::InsuranceRollbackPreSettle, insuranceNothing() },
        { StepType::InsuranceUndoRegister, insuranceNothing() },
        { StepType::InsuranceUndoPreRegister, insuranceNothing() },
        { StepType::CardDebitReverse,
            { [](RecoveryContext& c, const StepRecord& t) {
                 if (!cardMatches(c.keys, t, c.card)) {
                     c.report.notes.push_back("wait: card_debit_reverse needs the card back");
                     return false;
                 }
                 return true;
             },
                // The balance before the give-back load: a kill after the card answered it and
                // before the outcome is written leaves it PENDING; the query compares then.
                [](RecoveryContext& c, const StepRecord& t) {
                    return "card=" + detailFields(t.detail)["card"]
                        + ";before=" + std::to_string(c.card->balance());
                },
                [](RecoveryContext& c, const StepRecord& t, JournalStep& step, const std::string&) {
                    return journalPurse(step, c.card->load(t.amountFen)) == PurseVerdict::Moved;
                } } },
        { StepType::Reprint,
            { alwaysReady, nullptr,
                [](RecoveryContext&, const StepRecord&, JournalStep& step, const std::string&) {
                    step.ok("reprint offered at the staff desk");
                    return true;
                } } },
    };
    return table;
}

} // namespace hc::kiosk::core
