#include "hc/base/error.hpp"

namespace hc {

std::string_view describe(NextStep step) {
    switch (step) {
    case NextStep::FixInput:
        return "fix the input";
    case NextStep::Retry:
        return "retry";
    case NextStep::ReinsertCard:
        return "reinsert the card";
    case NextStep::ReselectApplication:
        return "select the application again";
    case NextStep::CheckConfiguration:
        return "check the configuration";
    case NextStep::CallStaff:
        return "call staff";
    }
    return "call staff";
}

} // namespace hc
