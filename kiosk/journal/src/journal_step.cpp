#include "hc/kiosk/journal_step.hpp"

#include "hc/kiosk/journal_error.hpp"

#include <cstdio>

namespace hc::kiosk {

JournalStep::JournalStep(Journal& journal, const std::string& session, const StepRequest& request)
    : m_journal(journal)
    , m_id(journal.beginStep(session, request)) {
}

JournalStep::~JournalStep() {
    if (m_finished) {
        return;
    }
    try {
        m_journal.finishStep(m_id, StepStatus::Unknown, "no outcome recorded");
    } catch (const std::exception& e) {
        // The step stays PENDING, which recovery treats as UNKNOWN: the same meaning.
        std::fprintf(stderr, "journal: step %lld left PENDING: %s\n", static_cast<long long>(m_id),
            e.what());
    } catch (...) {
        std::fprintf(stderr, "journal: step %lld left PENDING\n", static_cast<long long>(m_id));
    }
}

void JournalStep::finish(StepStatus status, const std::string& text) {
    if (m_finished) {
        throw JournalError("journal: step " + std::to_string(m_id) + " already has an outcome");
    }
    m_journal.finishStep(m_id, status, text);
    m_finished = true;
}

void JournalStep::ok(const std::string& result) {
    finish(StepStatus::Ok, result);
}

void JournalStep::failed(const std::string& reason) {
    finish(StepStatus::Failed, reason);
}

void JournalStep::unknown(const std::string& reason) {
    finish(StepStatus::Unknown, reason);
}

} // namespace hc::kiosk
