// Fakes of the kiosk engine's parts for unit tests of the flows: an in-memory HIS, a card with an
// e-purse, printers, a QR gateway, insurance and a manual clock. Each has switches for the
// failures the tests need. One thread.
#pragma once

#include "hc/kiosk/core/devices.hpp"
#include "hc/kiosk/his/his_adapter.hpp"

#include <map>
#include <set>
#include <stdexcept>

namespace hc::kiosk::testing {

using namespace hc::kiosk::core;
namespace his = hc::kiosk::his;

struct FakeHis final : his::HisAdapter {
    std::map<std::string, his::Patient> patients { { "110101199003077777",
        { "P0001", "110101199003077777", "李娜", "female", "1990-03-07", "" } } };
    std::vector<his::ChargeItem> items { { "CI1", "P0001", "血常规", 1, 2500, "billable" },
        { "CI2", "P0001", "阿莫西林胶囊", 2, 3750, "billable" } };
    std::map<std::string, std::string> holds; // slot -> session
    std::map<std::string, his::Appointment> bookings; // requestId -> booking
    std::map<std::string, his::Invoice> invoices; // requestId -> invoice
    std::set<std::string> printedReportIds;
    int releases = 0;
    bool down = false; ///< every call: HisUnavailable
    bool bookRefused = false; ///< book: HisConflict
    bool payUnknownAfterCommit = false; ///< pay commits then throws HisOutcomeUnknown
    int createCalls = 0;

    void check() {
        if (down) {
            throw his::HisUnavailable("his down");
        }
    }
    std::optional<his::Patient> findPatient(const std::string& id) override {
        check();
        const auto it = patients.find(id);
        return it == patients.end() ? std::nullopt : std::optional(it->second);
    }
    his::Patient createPatient(const his::Patient& p) override {
        check();
        ++createCalls;
        auto n = p;
        n.id = "P" + std::to_string(100 + patients.size());
        patients[p.idNumber] = n;
        return n;
    }
    std::vector<his::Department> departments() override {
        check();
        return { { "D01", "内科", "" }, { "D0101", "心血管内科", "D01" },
            { "D0102", "消化内科", "D01" } };
    }
    std::vector<his::Doctor> doctors(const std::string& dept) override {
        check();
        return { { "DR001", "王医生", "主任医师", dept }, { "DR002", "赵医生", "住院医师", dept } };
    }
    std::vector<his::Slot> slots(const std::string& doctor, const std::string& date) override {
        check();
        std::vector<his::Slot> out;
        for (const auto* t : { "08:00", "08:30" }) {
            const auto id = "SL-" + doctor + "-" + t;
            std::string status = "free";
            for (const auto& [r, b] : bookings) {
                if (b.slotId == id) {
                    status = "busy";
                }
            }
            out.push_back({ id, doctor, date + "T" + t + ":00+08:00", date + "T" + t + ":30+08:00",
                status, doctor == "DR001" ? 5000 : 1000 });
        }
        return out;
    }
    his::SlotHold holdSlot(
        const std::string& slot, const std::string& session, const std::string&) override {
        check();
        if (holds.count(slot) && holds[slot] != session) {
            throw his::HisConflict(409, "held");
        }
        holds[slot] = session;
        return { slot, session, "2026-11-24T00:00:00Z" };
    }
    void releaseSlot(const std::string& slot, const std::string& session) override {
        check();
        if (holds.count(slot) && holds[slot] == session) {
            holds.erase(slot);
        }
        ++releases;
    }
    his::Appointment book(const std::string& slot, const std::string& patient,
        const std::string& session, const std::string& rid) override {
        check();
        if (bookings.count(rid)) {
            return bookings[rid];
        }
        if (bookRefused) {
            throw his::HisConflict(409, "booked elsewhere");
        }
        his::Appointment a { "AP" + std::to_string(bookings.size() + 1), slot, patient, "booked",
            "", 5000, rid, "", true, "" };
        bookings[rid] = a;
        holds.erase(slot);
        (void)session;
        return a;
    }
    std::vector<his::ChargeItem> unpaidItems(const std::string& patient) override {
        check();
        std::vector<his::ChargeItem> out;
        for (const auto& i : items) {
            if (i.patientId == patient && i.status == "billable") {
                out.push_back(i);
            }
        }
        return out;
    }
    his::Invoice pay(const std::string& patient, const std::vector<std::string>& ids,
        std::int64_t total, const std::string& rid) override {
        check();
        if (!invoices.count(rid)) {
            for (auto& i : items) {
                for (const auto& id : ids) {
                    if (i.id == id) {
                        i.status = "billed";
                    }
                }
            }
            invoices[rid] = { "INV" + std::to_string(invoices.size() + 1), patient, ids, total,
                "balanced", rid };
        }
        if (payUnknownAfterCommit) {
            throw his::HisOutcomeUnknown("reply lost");
        }
        return invoices[rid];
    }
    std::optional<his::Invoice> findInvoice(const std::string& rid) override {
        check();
        return invoices.count(rid) ? std::optional(invoices[rid]) : std::nullopt;
    }
    std::map<std::string, std::string> refunds; // refund request id -> invoice id
    bool refundUnknownAfterCommit = false; ///< refund commits then throws HisOutcomeUnknown
    std::optional<his::Invoice> invoiceById(const std::string& id) override {
        check();
        for (const auto& [rid, inv] : invoices) {
            if (inv.id == id) {
                return inv;
            }
        }
        return std::nullopt;
    }
    his::Invoice refund(
        const std::string& id, const std::string&, const std::string& rid) override {
        check();
        for (auto& [payRid, inv] : invoices) {
            if (inv.id != id) {
                continue;
            }
            if (!refunds.count(rid)) {
                if (inv.status == "cancelled") {
                    throw his::HisConflict(409, "already refunded");
                }
                inv.status = "cancelled";
                refunds[rid] = id;
            }
            if (refundUnknownAfterCommit) {
                throw his::HisOutcomeUnknown("reply lost");
            }
            return inv;
        }
        throw his::HisRefused(404, "no invoice " + id);
    }
    std::optional<his::Invoice> findRefund(const std::string& rid) override {
        check();
        return refunds.count(rid) ? invoiceById(refunds[rid]) : std::nullopt;
    }
    // 退号 (additive, for the refund tests): bookings can be cancelled until `cancelRefused`.
    std::map<std::string, std::string> cancels; // cancel request id -> appointment id
    bool cancelRefused = false; ///< cancelAppointment: HisRefused (after the HIS's cut-off)
    bool cancelUnknownAfterCommit = false; ///< cancel commits then throws HisOutcomeUnknown
    std::set<std::string> notCancellable; ///< appointments listed with cancellable = false
    his::Appointment cancelAppointment(const std::string& id, const std::string& rid) override {
        check();
        for (auto& [bookRid, a] : bookings) {
            if (a.id != id) {
                continue;
            }
            if (!cancels.count(rid)) {
                if (a.status == "cancelled") {
                    throw his::HisConflict(409, "already cancelled");
                }
                if (cancelRefused) {
                    throw his::HisRefused(422, "cancellations closed");
                }
                a.status = "cancelled";
                cancels[rid] = id;
            }
            if (cancelUnknownAfterCommit) {
                throw his::HisOutcomeUnknown("reply lost");
            }
            return a;
        }
        throw his::HisRefused(404, "no appointment " + id);
    }
    std::optional<his::Appointment> findCancellation(const std::string& rid) override {
        check();
        if (!cancels.count(rid)) {
            return std::nullopt;
        }
        for (const auto& [bookRid, a] : bookings) {
            if (a.id == cancels[rid]) {
                return a;
            }
        }
        return std::nullopt;
    }
    std::vector<his::Appointment> appointments(const std::string& patient) override {
        check();
        std::vector<his::Appointment> out;
        for (const auto& [rid, a] : bookings) {
            if (a.patientId == patient) {
                out.push_back(a);
                out.back().start = "2026-11-23T08:00:00+08:00";
                out.back().cancelUntil = "2026-11-23T07:30";
                out.back().cancellable = notCancellable.count(a.id) == 0;
            }
        }
        return out;
    }
    std::vector<his::LabReport> labReports(const std::string& patient) override {
        check();
        return { { "DR1", patient, "血常规", "2026-11-23T09:00:00+08:00", "final",
            { { "WBC", "白细胞计数", 6.1, "10^9/L", 3.5, 9.5, "N" } } } };
    }
};

struct FakeCard final : PatientCard {
    CardIdentity id { "110101199003077777", "110101199003077777", "李娜" };
    bool purse = true;
    std::int64_t bal = 10000;
    std::vector<PurseLogEntry> entries;
    bool nextUnknown = false; ///< the next purchase commits but its answer is lost
    bool nextUnknownNotDone = false; ///< the next purchase's answer is lost and it did not commit
    /** The next purchase is a counterfeit's: "9000" with a MAC2 the PSAM refuses (Done, not
     * verified), nothing moved and no proof kept (settle answers "no such transaction"). */
    bool forgeNextMac2 = false;
    /** The next load credits the purse but its TAC does not verify (Done, not verified); its
     * proof does not verify either. */
    bool forgeNextLoadTac = false;
    std::set<std::string> forgedProofs; // pending json whose proof does not verify
    int purchases = 0;
    int loads = 0;
    std::set<std::string> committed; // pending json of transactions that committed

    CardIdentity identity() override { return id; }
    bool hasPurse() override { return purse; }
    std::int64_t balance() override { return bal; }
    PurseResult purchase(std::int64_t fen) override {
        ++purchases;
        const auto pending = "{\"atc\":" + std::to_string(purchases) + "}";
        if (fen > bal) {
            return { PurseStatus::Declined, bal, "", "9401", "", true };
        }
        if (nextUnknownNotDone) {
            nextUnknownNotDone = false;
            return { PurseStatus::Unknown, 0, "", "lost", pending, false };
        }
        if (forgeNextMac2) {
            forgeNextMac2 = false;
            return { PurseStatus::Done, bal - fen, "00000000", "MAC2 refused by the PSAM", pending,
                false, false };
        }
        bal -= fen;
        entries.insert(entries.begin(), { "2026-11-23 10:00:00", fen, false, "000000000001" });
        committed.insert(pending);
        if (nextUnknown) {
            nextUnknown = false;
            return { PurseStatus::Unknown, 0, "", "lost", pending, false };
        }
        return { PurseStatus::Done, bal, "AABBCCDD", "", pending, false, true };
    }
    bool nextLoadUnknown = false; ///< the next load commits but its answer is lost
    bool nextLoadThrows = false; ///< the next load throws before anything reached the card
    PurseResult load(std::int64_t fen) override {
        if (nextLoadThrows) {
            nextLoadThrows = false;
            throw std::runtime_error("card removed");
        }
        ++loads;
        bal += fen;
        if (nextLoadUnknown) {
            nextLoadUnknown = false;
            const auto pending = "{\"load\":" + std::to_string(loads) + "}";
            committed.insert(pending);
            return { PurseStatus::Unknown, 0, "", "lost", pending, false };
        }
        entries.insert(entries.begin(), { "2026-11-23 10:00:00", fen, true, "000000000001" });
        if (forgeNextLoadTac) {
            forgeNextLoadTac = false;
            const auto pending = "{\"load\":" + std::to_string(loads) + "}";
            committed.insert(pending);
            forgedProofs.insert(pending);
            return { PurseStatus::Done, bal, "00000000", "TAC does not verify", pending, false,
                false };
        }
        return { PurseStatus::Done, bal, "11223344", "", "", false, true };
    }
    PurseResult settle(const std::string& pending) override {
        if (committed.count(pending)) {
            return { PurseStatus::Done, bal, "AABBCCDD", "", pending, false,
                forgedProofs.count(pending) == 0 };
        }
        return { PurseStatus::Declined, bal, "", "6985", pending, false };
    }
    std::vector<PurseLogEntry> log(std::size_t) override { return entries; }
};

struct FakeReceipt final : ReceiptPrinter {
    std::optional<std::string> trouble;
    std::vector<std::string> printed; // titles
    std::optional<std::string> problem() override { return trouble; }
    void print(
        const std::string& title, const std::vector<std::string>&, const std::string&) override {
        printed.push_back(title);
    }
};

struct FakeReport final : ReportPrinter {
    std::optional<std::string> trouble;
    std::vector<std::string> printed; // report ids
    std::optional<std::string> problem() override { return trouble; }
    void print(const ReportDocument& d) override { printed.push_back(d.reportId); }
};

struct FakeGateway final : PaymentGateway {
    struct Order {
        std::int64_t fen = 0;
        OrderState state = OrderState::Pending;
    };
    std::map<std::string, Order> orders;
    std::map<std::string, int> refunds; // order -> refund count
    bool down = false;
    PayOrder createOrder(const std::string& rid, std::int64_t fen, const std::string&) override {
        if (down) {
            throw ServiceError(CallOutcome::NotSent, "gateway down");
        }
        if (!orders.count(rid)) {
            orders[rid] = { fen, OrderState::Pending };
        }
        return { "GW-" + rid, "https://pay.example/qr/" + rid };
    }
    OrderState query(const std::string& rid) override {
        if (down) {
            throw ServiceError(CallOutcome::NotSent, "gateway down");
        }
        return orders.count(rid) ? orders[rid].state : OrderState::Closed;
    }
    void refund(const std::string& rid, std::int64_t, const std::string&) override {
        if (orders[rid].state == OrderState::Paid) {
            orders[rid].state = OrderState::Refunded;
            ++refunds[rid];
        }
    }
    void close(const std::string& rid) override {
        if (orders.count(rid) && orders[rid].state == OrderState::Pending) {
            orders[rid].state = OrderState::Closed;
        }
    }
    /** The patient scans and pays every pending order. */
    void payAll() {
        for (auto& [k, o] : orders) {
            if (o.state == OrderState::Pending) {
                o.state = OrderState::Paid;
            }
        }
    }
};

struct FakeInsurance final : InsuranceService {
    std::set<std::string> settledIds;
    std::set<std::string> struck;
    InsuranceQuote preSettle(const CardIdentity&, const std::vector<std::string>&,
        std::int64_t total, const std::string& rid) override {
        const auto fund = total * 6 / 10;
        return { "Q-" + rid, total, fund, total - fund };
    }
    std::string settle(const InsuranceQuote&, const std::string& rid) override {
        settledIds.insert(rid);
        return "S-" + rid;
    }
    void strike(const std::string& settleRid, const std::string&) override {
        struck.insert(settleRid);
    }
    std::optional<bool> settled(const std::string& rid) override {
        return settledIds.count(rid) != 0;
    }
    std::optional<InsuranceShift> shift; ///< what shiftTotals answers
    std::optional<InsuranceShift> shiftTotals(const std::string&) override { return shift; }
};

struct FakeClock final : Clock {
    std::chrono::steady_clock::time_point t { std::chrono::hours(1000) };
    std::chrono::steady_clock::time_point now() override { return t; }
    std::string today() override { return "2026-11-23"; }
    void advance(int seconds) { t += std::chrono::seconds(seconds); }
};

} // namespace hc::kiosk::testing
