#include "hc/kiosk/core/device_adapters.hpp"
#include "hc/printer.hpp"

#include <fstream>

namespace hc::kiosk::core {

EscPosReceiptPrinter::EscPosReceiptPrinter(const std::string& target)
    // tcp:HOST:PORT, serial:DEVICE[:BAUD] or file:PATH; a bad one is an hc::InputError naming it.
    : m_printer(std::make_unique<hc::printer::EscPosPrinter>(hc::printer::makeTransport(target))) {
}

EscPosReceiptPrinter::~EscPosReceiptPrinter() = default;

std::optional<std::string> EscPosReceiptPrinter::problem() {
    const auto s = m_printer->status();
    if (s.canPrint()) {
        return std::nullopt;
    }
    if (!s.online) {
        return "凭条打印机未连接";
    }
    if (s.paperOut) {
        return "凭条纸已用完";
    }
    if (s.coverOpen) {
        return "凭条打印机盖未关好";
    }
    if (s.cutterError) {
        return "凭条打印机切纸故障";
    }
    return "凭条打印机故障";
}

void EscPosReceiptPrinter::print(
    const std::string& title, const std::vector<std::string>& lines, const std::string& qr) {
    hc::printer::EscPosJob job;
    job.align(hc::printer::Align::Center).bold(true).size(2, 2).line(title).size(1, 1).bold(false);
    job.align(hc::printer::Align::Left);
    for (const auto& l : lines) {
        job.line(l);
    }
    if (!qr.empty()) {
        job.align(hc::printer::Align::Center).qrCode(qr).line(qr);
    }
    job.feed(3).cut();
    const auto s = m_printer->printChecked(job);
    if (!s.canPrint()) {
        throw hc::Error("receipt printer: " + s.message, NextStep::CallStaff);
    }
}

DirReportPrinter::DirReportPrinter(std::filesystem::path dir)
    : m_dir(std::move(dir)) {
    std::filesystem::create_directories(m_dir);
}

std::optional<std::string> DirReportPrinter::problem() {
    if (std::filesystem::exists(m_dir / "paper-out")) {
        return "报告打印机缺纸";
    }
    if (std::filesystem::exists(m_dir / "jam")) {
        return "报告打印机卡纸";
    }
    return std::nullopt;
}

void DirReportPrinter::print(const ReportDocument& r) {
    const auto tmp = m_dir / (r.reportId + ".txt.tmp");
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out << r.title << "\n" << r.patientName << "\n" << r.issued << "\n";
        for (const auto& l : r.lines) {
            out << l << "\n";
        }
        if (!out) {
            throw hc::Error("report printer: cannot write " + tmp.string(), NextStep::CallStaff);
        }
    }
    std::filesystem::rename(tmp, m_dir / (r.reportId + ".txt"));
}

} // namespace hc::kiosk::core
