// SettleInsurance: the engine's InsuranceService over settlementd (hc::settle::TerminalClient,
// ZeroMQ + CURVE). A kiosk bill becomes one visit (id = the journal session) with one fee batch;
// pre_settle gives the split, settle commits it, strike cancels it (2208). The client's errors
// map to ServiceError: NotSentError -> NotSent, OutcomeUnknownError -> Unknown, RefusedError ->
// Refused. settled(requestId) asks by repeating settle with the same request id, which
// settlementd answers from its stored reply (never redone). One thread at a time.
#pragma once

#include "hc/kiosk/core/devices.hpp"
#include "hc/settle/terminal_client.hpp"

namespace hc::kiosk::kioskd {

/** InsuranceService through settlementd. */
class SettleInsurance final : public core::InsuranceService {
public:
    /** A client for `config`; `visit` carries the rule-table keys of this hospital (insutype,
     * hospLv, medType, year, region); its visitId and psnNo are set per bill. */
    SettleInsurance(hc::settle::TerminalClientConfig config, hc::settle::VisitRegistration visit);
    core::InsuranceQuote preSettle(const core::CardIdentity& who,
        const std::vector<std::string>& itemIds, std::int64_t totalFen,
        const std::string& requestId) override;
    std::string settle(const core::InsuranceQuote& quote, const std::string& requestId) override;
    void strike(const std::string& settlementRequestId, const std::string& requestId) override;
    std::optional<bool> settled(const std::string& requestId) override;
    /** shift_totals of this terminal for today (settlementd's date). */
    std::optional<core::InsuranceShift> shiftTotals(const std::string& requestId) override;

private:
    hc::settle::TerminalClient m_client;
    hc::settle::VisitRegistration m_visit;
};

} // namespace hc::kiosk::kioskd
