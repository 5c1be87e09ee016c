#include "hc/settle/error.hpp"

namespace hc::settle {

const char* nextStepName(NextStep step) noexcept {
    switch (step) {
    case NextStep::FixInput:
        return "fix_input";
    case NextStep::Retry:
        return "retry";
    case NextStep::CallStaff:
    case NextStep::ReinsertCard:
    case NextStep::ReselectApplication:
    case NextStep::CheckConfiguration:
        return "call_staff";
    }
    return "call_staff";
}

Error::Error(std::string code, const std::string& message, NextStep next)
    : hc::Error(message, next)
    , m_code(std::move(code)) {
}

InputError::InputError(const std::string& field, const std::string& problem)
    : Error("input.bad_field", field + ": " + problem, NextStep::FixInput)
    , m_field(field) {
}

StoreError::StoreError(const std::string& message)
    : Error("store.failed", message, NextStep::Retry) {
}

NotImplemented::NotImplemented(const std::string& what)
    : Error("not_implemented", "not implemented yet: " + what + " (see docs/settlement.md)",
        NextStep::CallStaff) {
}

} // namespace hc::settle
