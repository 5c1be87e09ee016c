#include "settle_insurance.hpp"

namespace hc::kiosk::kioskd {

using core::CallOutcome;
using core::ServiceError;

namespace {

/** The session part of a request id ("<session>-INS" -> "<session>"). */
std::string sessionOf(const std::string& requestId) {
    const auto dash = requestId.rfind('-');
    return dash == std::string::npos ? requestId : requestId.substr(0, dash);
}

template <typename F> auto mapped(F&& f) -> decltype(f()) {
    try {
        return f();
    } catch (const hc::settle::NotSentError& e) {
        throw ServiceError(CallOutcome::NotSent, e.what());
    } catch (const hc::settle::OutcomeUnknownError& e) {
        throw ServiceError(CallOutcome::Unknown, e.what());
    } catch (const hc::settle::RefusedError& e) {
        throw ServiceError(CallOutcome::Refused, e.what());
    }
}

} // namespace

SettleInsurance::SettleInsurance(
    hc::settle::TerminalClientConfig config, hc::settle::VisitRegistration visit)
    : m_client(std::move(config))
    , m_visit(std::move(visit)) {
}

core::InsuranceQuote SettleInsurance::preSettle(const core::CardIdentity& who,
    const std::vector<std::string>& itemIds, std::int64_t totalFen, const std::string& requestId) {
    const auto visit = sessionOf(requestId);
    return mapped([&] {
        auto v = m_visit;
        v.visitId = visit;
        v.psnNo = who.idNumber;
        m_client.registerVisit(visit + "-V", v);
        // One line for the bill (class A). Built in one go: GCC 12 reports a false -Wrestrict
        // on assigning a short literal to the member here.
        const hc::settle::FeeLine line { itemIds.empty() ? std::string("kiosk") : itemIds.front(),
            std::string(1, 'A'), totalFen, 1000, {}, {} };
        m_client.uploadFees(visit + "-F", visit, visit, { line });
        const auto est = m_client.preSettle(requestId, visit, visit);
        return core::InsuranceQuote { visit, est.medfee, est.fund + est.acct, est.cash };
    });
}

std::string SettleInsurance::settle(
    const core::InsuranceQuote& quote, const std::string& requestId) {
    return mapped(
        [&] { return m_client.settle(requestId, quote.reference, quote.reference).msgid; });
}

void SettleInsurance::strike(const std::string& settlementRequestId, const std::string& requestId) {
    mapped([&] {
        const auto visit = sessionOf(settlementRequestId);
        const auto s = m_client.settle(settlementRequestId, visit, visit);
        m_client.cancel(requestId, s.msgid);
        return 0;
    });
}

std::optional<bool> SettleInsurance::settled(const std::string& requestId) {
    try {
        const auto visit = sessionOf(requestId);
        const auto s = m_client.settle(requestId, visit, visit);
        return s.status == "SETTLED" || s.status == "PROVISIONAL" || s.status == "SELF_PAY";
    } catch (const hc::settle::RefusedError&) {
        return false;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

std::optional<core::InsuranceShift> SettleInsurance::shiftTotals(const std::string& requestId) {
    return mapped([&] {
        const auto t = m_client.shiftTotals(requestId);
        core::InsuranceShift out;
        out.date = t.date;
        for (const auto& [status, v] : t.byStatus) {
            out.lines.push_back(
                core::InsuranceShiftLine { status, v.count, v.medfee, v.fund, v.acct, v.cash });
        }
        out.openAdjustmentsFen = t.openAdjustmentsTotal;
        return std::optional<core::InsuranceShift>(std::move(out));
    });
}

} // namespace hc::kiosk::kioskd
