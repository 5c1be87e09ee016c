// Lab report printing (报告打印, 50-report.json): the patient's reports; the report printer checked
// before the fee (if any) is debited, then printed (print); a report is printed once (reprint
// with staff), kept across restarts in EngineConfig::printedReportsFile.
#include "business.hpp"
#include "hc/kiosk/core/purse_journal.hpp"

#include <fstream>

namespace hc::kiosk::core {

class Report final : public Business {
public:
    const char* name() const override { return "report"; }
    void registerHandlers(HandlerTable& t) override {
        t.loader("reports", &Report::reports);
        t.handler("print_report", &Report::printReport);
    }

private:
    static void reports(Impl& m);
    static std::optional<std::string> printReport(Impl& m, const UserEvent& e);
};

void Report::reports(Impl& m) {
    auto& p = m.ensurePatient();
    std::vector<his::LabReport> list;
    try {
        list = m.parts.his->labReports(p.id);
    } catch (const his::HisError& e) {
        throw hisError(e);
    }
    for (const auto& r : list) {
        const bool done = m.printed.count(r.id) != 0;
        m.items.push_back(
            item(r.id, r.name, done ? "已打印，补打请找工作人员" : r.issued.substr(0, 10), done));
    }
    m.data["feeFen"] = m.config.reportFeeFen;
    m.message = list.empty() ? "暂无可打印的报告" : "请选择要打印的报告";
}

std::optional<std::string> Report::printReport(Impl& m, const UserEvent& e) {
    if (m.parts.report == nullptr) {
        throw KioskError("report_unavailable", "本机未配置报告打印机，请到报告打印机或人工窗口",
            NextStep::CheckConfiguration);
    }
    if (m.printed.count(e.value) != 0) {
        throw KioskError("already_printed", "该报告已打印，补打请找工作人员", NextStep::CallStaff);
    }
    // The printer is checked before the patient is charged.
    if (const auto p = m.parts.report->problem()) {
        throw KioskError("report_printer", *p + "，暂时无法打印，未收取任何费用，请联系工作人员",
            NextStep::CallStaff);
    }
    auto& p = m.ensurePatient();
    std::optional<his::LabReport> rep;
    for (auto& r : m.parts.his->labReports(p.id)) {
        if (r.id == e.value) {
            rep = r;
        }
    }
    if (!rep) {
        throw KioskError("report_missing", "未找到该报告，请联系工作人员", NextStep::CallStaff);
    }
    if (m.config.reportFeeFen > 0 && !m.biz.paid) {
        const auto rid = m.requestId("DEBIT");
        JournalStep step(*m.parts.journal, m.journalSession,
            { StepType::CardDebit, rid, m.config.reportFeeFen,
                m.cardField() + balanceBefore(*m.card) });
        const auto r = m.card->purchase(m.config.reportFeeFen);
        m.failpoint("report_fee_answered"); // the card answered; the journal does not know
        const auto verdict = journalPurse(step, r);
        if (verdict == PurseVerdict::NotMoved) {
            throw KioskError(r.insufficientFunds ? "insufficient_funds" : "card_debit_failed",
                r.insufficientFunds ? "余额不足，请充值后再打印" : "卡片扣款未成功，请重试",
                NextStep::FixInput);
        }
        if (verdict == PurseVerdict::Unknown) {
            throw KioskError(
                r.status == PurseStatus::Done ? "card_debit_unverified" : "card_debit_unknown",
                "扣款结果待核实，未打印，请联系工作人员", NextStep::CallStaff);
        }
        m.biz.balanceAfter = r.balanceAfter;
        m.biz.paid = true;
    }
    ReportDocument doc { rep->id, rep->name, m.who.name, rep->issued, {}, *rep };
    for (const auto& o : rep->observations) {
        char v[32];
        std::snprintf(v, sizeof v, "%g", o.value);
        doc.lines.push_back(o.name + " " + v + " " + o.unit + " " + o.flag);
    }
    JournalStep step(*m.parts.journal, m.journalSession,
        { StepType::Print, m.requestId("RPT-" + rep->id), 0, "report=" + rep->id });
    try {
        m.parts.report->print(doc);
        step.ok(rep->id);
    } catch (const std::exception& ex) {
        step.failed(ex.what());
        throw KioskError("print_failed", "报告打印失败，请联系工作人员补打", NextStep::CallStaff);
    }
    m.printed.insert(rep->id);
    if (!m.config.printedReportsFile.empty()) {
        std::ofstream(m.config.printedReportsFile, std::ios::app) << rep->id << "\n";
    }
    m.biz.completed = true;
    m.biz.resultMessage = "报告已打印，请从报告打印机出纸口取走";
    m.biz.result = json::object { { "report", rep->id }, { "name", rep->name },
        { "feeFen", m.config.reportFeeFen } };
    m.resultLine("报告", rep->name);
    m.resultLine("报告单", "已打印，请从报告打印机（A4）出纸口取走");
    if (m.config.reportFeeFen > 0) {
        m.biz.ownFen = m.config.reportFeeFen;
        m.biz.method = "purse";
    }
    return std::nullopt;
}

std::unique_ptr<Business> makeReport() {
    return std::make_unique<Report>();
}

} // namespace hc::kiosk::core
