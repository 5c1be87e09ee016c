// Shift close at the cashier window (结班, 90-shift-close.json): the open shift's sessions from the
// journal, totals per staff and means, settlementd's totals, printed, the ledger appended.
#include "business.hpp"

#include <fstream>

namespace hc::kiosk::core {

namespace {

std::string countFen(std::int64_t c, std::int64_t fen) {
    return std::to_string(c) + " 笔 " + yuan(fen) + " 元";
}

/** One staff member's (or the self-service kiosk's, "-") totals of the shift by means. */
struct Totals {
    std::int64_t cashN = 0, cashFen = 0, qrN = 0, qrFen = 0, purseN = 0, purseFen = 0;
    std::int64_t insN = 0, insFen = 0, refundN = 0, refundFen = 0, insRefundN = 0, insRefundFen = 0,
                 loadN = 0, loadFen = 0, cashRefundFen = 0;

    /** Counts one step journaled OK. */
    void add(const StepRecord& s) {
        switch (s.type) {
        case StepType::Payment:
            (s.detail.rfind("cash", 0) == 0 ? cashN : qrN) += 1;
            (s.detail.rfind("cash", 0) == 0 ? cashFen : qrFen) += s.amountFen;
            break;
        case StepType::CardDebit:
            ++purseN;
            purseFen += s.amountFen;
            break;
        case StepType::CardLoad:
            ++loadN;
            loadFen += s.amountFen;
            break;
        case StepType::InsuranceSettle:
            ++insN;
            insFen += s.amountFen;
            break;
        case StepType::PaymentRefund:
        case StepType::CardDebitReverse:
        case StepType::CardRefundLoad:
            ++refundN;
            refundFen += s.amountFen;
            if (s.type == StepType::PaymentRefund && s.detail.rfind("cash", 0) == 0) {
                cashRefundFen += s.amountFen; // paid out of the drawer
            }
            break;
        case StepType::InsuranceStrike:
            ++insRefundN;
            insRefundFen += s.amountFen;
            break;
        default:
            break;
        }
    }
    json::object row(const std::string& staff) const {
        return json::object { { "staff", staff }, { "cashCount", cashN }, { "cashFen", cashFen },
            { "qrCount", qrN }, { "qrFen", qrFen }, { "purseCount", purseN },
            { "purseFen", purseFen }, { "insuranceCount", insN }, { "insuranceFundFen", insFen },
            { "refundCount", refundN }, { "refundFen", refundFen },
            { "insuranceRefundCount", insRefundN }, { "insuranceRefundFundFen", insRefundFen },
            { "loadCount", loadN }, { "loadFen", loadFen },
            { "netCashFen", cashFen - (staff == "-" ? 0 : cashRefundFen) } };
    }
    std::string summary() const {
        return "现金 " + countFen(cashN, cashFen) + "；扫码 " + countFen(qrN, qrFen) + "；电子钱包 "
            + countFen(purseN, purseFen) + "；医保统筹 " + countFen(insN, insFen) + "；退费 "
            + countFen(refundN, refundFen) + "（医保撤销 " + countFen(insRefundN, insRefundFen)
            + "）";
    }
    std::vector<std::string> lines() const {
        return { "现金 " + countFen(cashN, cashFen), "扫码 " + countFen(qrN, qrFen),
            "电子钱包 " + countFen(purseN, purseFen), "医保统筹 " + countFen(insN, insFen),
            "圈存 " + countFen(loadN, loadFen), "退费 " + countFen(refundN, refundFen),
            "医保撤销 " + countFen(insRefundN, insRefundFen) };
    }
};

} // namespace

class Shift final : public Business {
public:
    const char* name() const override { return "shift_close"; }
    void registerHandlers(HandlerTable& t) override {
        t.loader("shift_report", &Shift::shiftReport);
        t.handler("shift_close", &Shift::shiftClose);
    }

private:
    static void shiftReport(Impl& m);
    static std::optional<std::string> shiftClose(Impl& m, const UserEvent& e);
    static json::value insuranceTotals(Impl& m, std::vector<std::string>& lines);
};

void Shift::shiftReport(Impl& m) {
    std::map<std::string, Totals> byStaff;
    for (const auto& [session, staff] : m.shiftSessions) {
        if (session == m.journalSession) {
            continue;
        }
        auto& t = byStaff[staff];
        for (const auto& s : m.parts.journal->steps(session)) {
            if (s.status == StepStatus::Ok) {
                t.add(s);
            }
        }
    }
    json::array staffRows;
    std::vector<std::string> lines;
    for (const auto& [staff, t] : byStaff) {
        staffRows.push_back(t.row(staff));
        const std::string label = staff == "-" ? "自助" : "收费员 " + staff;
        m.items.push_back(item(staff, label, t.summary(), true));
        lines.push_back(label + ":");
        for (const auto& l : t.lines()) {
            lines.push_back("  " + l);
        }
    }
    json::value insurance = insuranceTotals(m, lines);
    if (byStaff.empty()) {
        lines.push_back("本班无交易");
    }
    m.data = json::object { { "shift", m.shiftNo }, { "terminal", m.config.terminalId },
        { "sessions", static_cast<std::int64_t>(m.shiftSessions.size()) - 1 },
        { "staff", std::move(staffRows) }, { "insurance", std::move(insurance) } };
    m.biz.result = m.data;
    m.biz.v["shiftLines"].clear();
    for (const auto& l : lines) {
        m.biz.v["shiftLines"] += l + "\n";
    }
    m.message = "第 " + std::to_string(m.shiftNo) + " 班，终端 " + m.config.terminalId + "，业务 "
        + std::to_string(m.shiftSessions.size() - 1) + " 笔。确认后打印并结班";
}

json::value Shift::insuranceTotals(Impl& m, std::vector<std::string>& lines) {
    if (m.parts.insurance == nullptr) {
        return nullptr;
    }
    try {
        const auto ins = m.parts.insurance->shiftTotals(m.requestId("SHIFT"));
        if (!ins) {
            return nullptr;
        }
        json::array rows;
        for (const auto& l : ins->lines) {
            rows.push_back(json::object { { "status", l.status }, { "count", l.count },
                { "medfeeFen", l.medfeeFen }, { "fundFen", l.fundFen }, { "acctFen", l.acctFen },
                { "cashFen", l.cashFen } });
            lines.push_back("医保中心 " + l.status + " " + countFen(l.count, l.medfeeFen) + " 统筹 "
                + yuan(l.fundFen) + " 元");
        }
        lines.push_back("医保待调整 " + yuan(ins->openAdjustmentsFen) + " 元");
        return json::object { { "date", ins->date }, { "lines", std::move(rows) },
            { "openAdjustmentsFen", ins->openAdjustmentsFen } };
    } catch (const std::exception& e) {
        lines.push_back("医保中心汇总暂不可用");
        return json::object { { "error", e.what() } };
    }
}

std::optional<std::string> Shift::shiftClose(Impl& m, const UserEvent&) {
    m.checkReceiptPrinter();
    std::vector<std::string> lines { "终端: " + m.config.terminalId,
        "班次: 第 " + std::to_string(m.shiftNo) + " 班",
        "结班人: " + (m.staffUser ? m.staffUser->id : std::string("-")) };
    std::string block = m.biz.v["shiftLines"];
    std::size_t pos = 0;
    while (pos < block.size()) {
        const auto nl = block.find('\n', pos);
        lines.push_back(block.substr(pos, nl - pos));
        pos = nl == std::string::npos ? block.size() : nl + 1;
    }
    const auto report = m.biz.result;
    if (!m.config.shiftFile.empty()) {
        std::ofstream(m.config.shiftFile, std::ios::app)
            << "C\t" << (m.staffUser ? m.staffUser->id : std::string("-")) << "\t"
            << json::serialize(report) << "\n";
    }
    m.biz.resultMessage = "第 " + std::to_string(m.shiftNo) + " 班已结班，新班次开始";
    m.biz.result = report;
    ++m.shiftNo;
    m.shiftSessions.clear();
    m.biz.completed = true;
    m.printReceipt("结班报表", lines);
    return std::nullopt;
}

void Engine::Impl::loadShift() {
    if (config.shiftFile.empty()) {
        return;
    }
    std::ifstream in(config.shiftFile);
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("C\t", 0) == 0) {
            ++shiftNo;
            shiftSessions.clear();
        } else if (line.rfind("S\t", 0) == 0) {
            const auto tab = line.find('\t', 2);
            if (tab != std::string::npos) {
                shiftSessions.emplace_back(line.substr(2, tab - 2), line.substr(tab + 1));
            }
        }
    }
}

void Engine::Impl::recordShiftSession() {
    const std::string staff = staffUser ? staffUser->id : std::string("-");
    shiftSessions.emplace_back(journalSession, staff);
    if (!config.shiftFile.empty()) {
        std::ofstream(config.shiftFile, std::ios::app)
            << "S\t" << journalSession << "\t" << staff << "\n";
    }
}

std::unique_ptr<Business> makeShift() {
    return std::make_unique<Shift>();
}

} // namespace hc::kiosk::core
