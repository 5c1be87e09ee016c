// Progress of a batch run: a bar with rate and ETA on a terminal, JSON lines otherwise.
// Threading: called from the runner's (serialized) event callback only.
#pragma once

#include "hc/issuance/batch_runner.hpp"

#include <cstddef>
#include <ostream>

namespace hcperso {

/** Renders run events to `out`. */
class Progress {
public:
    /** `tty`: draw a bar (carriage returns) instead of JSON lines; `total`: cards to do. */
    Progress(std::ostream& out, bool tty, std::size_t total);
    /** One event. */
    void onEvent(const hc::issuance::RunEvent& e);
    /** The final line. */
    void finish(const hc::issuance::RunSummary& s, const std::string& batch);

private:
    std::ostream& m_out;
    bool m_tty;
    std::size_t m_total;
};

} // namespace hcperso
