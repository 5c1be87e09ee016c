// Flows as data: one JSON file per business under kiosk/flows/ (registration.json, payment.json,
// ...), each an ordered table of steps. A step is one screen: its id (the view's `screen`), title,
// countdown, the footer actions it offers, an optional input, the handler that fills it (`load`)
// and the handler that acts on the patient's choice (`on`), and the step that follows (`next`).
// Handlers are the C++ business services, looked up by name when the flow is loaded, so a flow
// file can reorder or retitle screens and change countdowns without a rebuild, but cannot invent
// business logic. Format: docs/kiosk.md "Flows".
//
// Threading: Flow values are immutable after parsing; share freely.
#pragma once

#include "hc/base/error.hpp"

#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace hc::kiosk::core {

/** The input a step asks for (view.input). */
struct FlowInput {
    std::string kind; ///< "pin" | "amount" | "text" | "password"
    std::string label; ///< prompt
    int min = 0; ///< shortest / smallest
    int max = 0; ///< longest / largest
};

/** One screen of a flow. */
struct FlowStep {
    std::string id; ///< screen id, unique in the flow ([a-z0-9_], ≤ 40)
    std::string title; ///< screen title
    std::string message; ///< guidance line (may be replaced by the load handler)
    int countdown = 60; ///< seconds, 5..600 (doubled in elderly mode)
    std::string load; ///< handler filling items/data ("" = none)
    std::string on; ///< handler acting on choose/confirm/input ("" = none)
    std::string next; ///< the step after `on` succeeds ("" = back to the menu)
    std::vector<std::string> actions; ///< footer actions besides back/home ("confirm", "print")
    std::optional<FlowInput> input; ///< what the step asks to type
};

/** One business. */
struct Flow {
    std::string business; ///< "registration", "payment", "topup", "balance", "report", ...
    std::string code; ///< journal business code, 2..8 upper-case letters ("REG")
    std::string label; ///< menu label ("挂号")
    std::string detail; ///< menu detail line
    bool available = true; ///< false: listed, answers "not available at this kiosk"
    std::string mode = "patient"; ///< "patient" (kiosk menu) or "cashier" (cashier menu)
    std::string complete; ///< handler run once the patient's own share is paid ("" = none)
    std::vector<FlowStep> steps; ///< first step first

    /** The step with this id, nullptr when none. */
    const FlowStep* step(std::string_view id) const;
};

/** A flow file that does not parse or does not fit the rules; names the field. */
class FlowError : public hc::InputError {
public:
    using hc::InputError::InputError;
};

/** Parses one flow file's text. `handlers` are the names the engine knows; a `load`, `on` or
 * `complete` naming another, a `next` naming no step, a duplicate id, a countdown outside 5..600,
 * strings over 200 bytes, more than 32 steps or nesting deeper than 8 throw FlowError. */
Flow parseFlow(std::string_view json, const std::set<std::string>& handlers);

/** Loads every *.json of `dir` in name order (FlowError names the file). */
std::vector<Flow> loadFlows(
    const std::filesystem::path& dir, const std::set<std::string>& handlers);

} // namespace hc::kiosk::core
