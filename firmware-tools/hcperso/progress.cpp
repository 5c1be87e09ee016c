// Progress rendering for `hcperso run`.
#include "progress.hpp"

#include "hc/card/health/model.hpp"

#include <boost/json.hpp>
#include <cstdio>

namespace hcperso {

Progress::Progress(std::ostream& out, bool tty, std::size_t total)
    : m_out(out)
    , m_tty(tty)
    , m_total(total) {
}

void Progress::onEvent(const hc::issuance::RunEvent& e) {
    const double rate
        = e.elapsedSeconds > 0 ? static_cast<double>(e.issued) * 60.0 / e.elapsedSeconds : 0;
    if (!m_tty) {
        boost::json::object o;
        o["event"] = e.kind;
        if (!e.reader.empty()) {
            o["reader"] = e.reader;
        }
        if (!e.cardNo.empty()) {
            o["card_no"] = hc::card::health::maskIdentifier(e.cardNo);
        }
        if (!e.detail.empty()) {
            o["detail"] = e.detail;
        }
        if (e.apdus) {
            o["apdus"] = e.apdus;
        }
        o["issued"] = e.issued;
        o["failed"] = e.failed;
        o["remaining"] = e.remaining;
        o["elapsed_s"] = e.elapsedSeconds;
        o["cards_per_min"] = rate;
        m_out << boost::json::serialize(o) << std::endl;
        return;
    }
    if (e.kind == "failed" || e.kind == "reader-error" || e.kind == "recovered"
        || e.kind == "pin-undelivered") {
        m_out << "\r\033[K" << e.kind << " " << e.reader << " "
              << hc::card::health::maskIdentifier(e.cardNo) << ": " << e.detail << "\n";
    }
    const std::size_t done = e.issued;
    const std::size_t total = done + e.remaining;
    const std::size_t width = 30;
    const std::size_t filled = total ? width * done / total : width;
    std::string bar(filled, '#');
    bar.resize(width, '.');
    const double eta = rate > 0 ? static_cast<double>(e.remaining) * 60.0 / rate : 0;
    char line[160];
    std::snprintf(line, sizeof line, "[%s] %zu/%zu issued, %zu spoiled, %.1f cards/min, ETA %.0f s",
        bar.c_str(), done, total, e.failed, rate, eta);
    m_out << "\r\033[K" << line << std::flush;
}

void Progress::finish(const hc::issuance::RunSummary& s, const std::string& batch) {
    const double rate
        = s.elapsedSeconds > 0 ? static_cast<double>(s.issued) * 60.0 / s.elapsedSeconds : 0;
    if (m_tty) {
        m_out << "\n";
    }
    boost::json::object o;
    o["event"] = "done";
    o["batch"] = batch;
    o["issued"] = s.issued;
    o["failed"] = s.failed;
    o["recovered"] = s.recovered;
    o["remaining"] = s.remaining;
    o["apdus"] = s.apdus;
    o["apdus_per_card"]
        = s.issued ? static_cast<double>(s.apdus) / static_cast<double>(s.issued) : 0.0;
    o["elapsed_s"] = s.elapsedSeconds;
    o["cards_per_min"] = rate;
    boost::json::array errs;
    for (const auto& e : s.readerErrors) {
        errs.push_back(boost::json::string(e));
    }
    o["reader_errors"] = std::move(errs);
    m_out << boost::json::serialize(o) << std::endl;
    (void)m_total;
}

} // namespace hcperso
