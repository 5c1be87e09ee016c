#include "hc/kiosk/core/device_adapters.hpp"
#include "hc/printer.hpp"

#include <fstream>

namespace hc::kiosk::core {

EscPosReceiptPrinter::EscPosReceiptPrinter(const std::string& target) {
    hc::printer::TransportPtr t;
    if (target.rfind("tcp:", 0) == 0) {
        const auto rest = target.substr(4);
        const auto colon = rest.rfind(':');
        if (colon == std::string::npos) {
            throw hc::InputError("receipt printer: expected tcp:HOST:PORT, got " + target);
        }
        const auto port = std::stoi(rest.substr(colon + 1));
        if (port <= 0 || port > 65535) {
            throw hc::InputError("receipt printer: port out of range in " + target);
        }
        t = std::make_unique<hc::printer::TcpTransport>(
            rest.substr(0, colon), static_cast<unsigned short>(port));
    } else if (target.rfind("file:", 0) == 0) {
        t = std::make_unique<hc::printer::FileTransport>(target.substr(5));
    } else {
        throw hc::InputError("receipt printer: expected tcp:HOST:PORT or file:PATH, got " + target);
    }
    m_printer = std::make_unique<hc::printer::EscPosPrinter>(std::move(t));
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
