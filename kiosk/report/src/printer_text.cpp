#include "hc/kiosk/report.hpp"

namespace hc::kiosk::report {

using hc::printer::IppPrinterState;

std::string printerProblemText(const hc::printer::IppPrinterStatus& status) {
    switch (status.state) {
    case IppPrinterState::Ready:
        return "";
    case IppPrinterState::MediaEmpty:
        return "报告打印机缺纸，请联系工作人员";
    case IppPrinterState::MediaJam:
        return "报告打印机卡纸，请联系工作人员";
    case IppPrinterState::DoorOpen:
        return "报告打印机舱门未关好，请联系工作人员";
    case IppPrinterState::Offline:
        return "报告打印机未连接，请稍后再试或联系工作人员";
    case IppPrinterState::Other:
        return "报告打印机故障，请联系工作人员";
    }
    return "报告打印机故障，请联系工作人员";
}

std::string jobOutcomeText(const hc::printer::IppJobResult& job) {
    using hc::printer::IppJobState;
    switch (job.state) {
    case IppJobState::Completed:
        return "";
    case IppJobState::Aborted:
    case IppJobState::Canceled: {
        const std::string problem = job.printer ? printerProblemText(*job.printer) : "";
        return problem.empty() ? "报告未打印成功，请联系工作人员" : "报告未打印成功：" + problem;
    }
    default:
        return "报告可能已打印，请查看出纸口；如未取到报告，请联系工作人员核实后补打";
    }
}

} // namespace hc::kiosk::report
