// JournalStep: RAII record of one external step (after SQLiteCpp's Transaction). The constructor
// writes the step PENDING and fsyncs it before the call is made; ok(), failed() or unknown()
// record the outcome; a JournalStep destroyed without an outcome (an exception, a card pulled
// mid-call) records UNKNOWN. The destructor never throws. Not copyable; one thread.
//
//   hc::kiosk::JournalStep step(journal, session, {StepType::HisConfirm, requestId, 1250});
//   try { auto invoice = his.pay(...); step.ok(invoice.id); }
//   catch (const HisRefused& e) { step.failed(e.what()); throw; }
//   // a timeout propagates: the destructor records UNKNOWN
#pragma once

#include "hc/kiosk/journal.hpp"

namespace hc::kiosk {

/** One external step in the journal, begun on construction. */
class JournalStep {
public:
    /** Writes the step PENDING; throws JournalError when it cannot (then do not make the call). */
    JournalStep(Journal& journal, const std::string& session, const StepRequest& request);
    /** Records UNKNOWN ("no outcome recorded") if no outcome was; never throws. */
    ~JournalStep();
    JournalStep(const JournalStep&) = delete;
    JournalStep& operator=(const JournalStep&) = delete;

    /** The call succeeded; `result` is what it returned (invoice or transaction number). */
    void ok(const std::string& result = {});
    /** The call definitely did not take effect. */
    void failed(const std::string& reason);
    /** The call may have taken effect (timeout, connection lost after sending). */
    void unknown(const std::string& reason);

    /** The step's id in the journal. */
    std::int64_t id() const { return m_id; }
    /** True once an outcome was recorded. */
    bool finished() const { return m_finished; }

private:
    void finish(StepStatus status, const std::string& text);
    Journal& m_journal;
    std::int64_t m_id;
    bool m_finished = false;
};

} // namespace hc::kiosk
