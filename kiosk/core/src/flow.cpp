#include "hc/kiosk/core/flow.hpp"

#include "hc/base/json_in.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace hc::kiosk::core {

const FlowStep* Flow::step(std::string_view id) const {
    for (const auto& s : steps) {
        if (s.id == id) {
            return &s;
        }
    }
    return nullptr;
}

namespace {

constexpr std::size_t kMaxString = 200;
constexpr std::size_t kMaxSteps = 32;

bool isIdent(const std::string& s) {
    return !s.empty() && s.size() <= 40 && std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    });
}

void checkHandler(
    const std::string& name, const std::set<std::string>& handlers, const std::string& where) {
    if (!name.empty() && handlers.count(name) == 0) {
        throw FlowError(where + ": unknown handler \"" + name + "\"");
    }
}

FlowStep parseStep(const hc::JsonIn& o, const std::set<std::string>& handlers) {
    FlowStep s;
    s.id = o.str("id", kMaxString);
    if (!isIdent(s.id)) {
        throw FlowError(o.at("id") + ": expected [a-z0-9_]{1,40}");
    }
    s.title = o.str("title", kMaxString);
    s.message = o.strOr("message", "", kMaxString);
    s.countdown = static_cast<int>(o.integerOr("countdown", 60, 5, 600));
    s.load = o.strOr("load", "", kMaxString);
    s.on = o.strOr("on", "", kMaxString);
    s.next = o.strOr("next", "", kMaxString);
    checkHandler(s.load, handlers, o.at("load"));
    checkHandler(s.on, handlers, o.at("on"));
    const auto actions = o.strings("actions", 8, 40);
    for (std::size_t i = 0; i < actions.size(); ++i) {
        if (!isIdent(actions[i])) {
            throw FlowError(o.at("actions") + "[" + std::to_string(i) + "]: expected an id");
        }
    }
    s.actions = actions;
    if (const auto in = o.objectOpt("input")) {
        FlowInput fi;
        fi.kind = in->str("kind", kMaxString);
        if (fi.kind != "pin" && fi.kind != "amount" && fi.kind != "text" && fi.kind != "password") {
            throw FlowError(in->at("kind") + ": expected pin, amount, text or password");
        }
        fi.label = in->str("label", kMaxString);
        fi.min = static_cast<int>(in->integerOr("min", 0, 0, 1000000));
        fi.max = static_cast<int>(in->integerOr("max", 0, 0, 1000000));
        s.input = fi;
    }
    return s;
}

Flow readFlow(const hc::JsonIn& o, const std::set<std::string>& handlers) {
    Flow f;
    f.business = o.str("business", kMaxString);
    if (!isIdent(f.business)) {
        throw FlowError("flow.business: expected [a-z0-9_]{1,40}");
    }
    f.code = o.str("code", kMaxString);
    if (f.code.size() < 2 || f.code.size() > 8
        || !std::all_of(
            f.code.begin(), f.code.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
        throw FlowError("flow.code: expected 2..8 upper-case letters");
    }
    f.label = o.str("label", kMaxString);
    f.detail = o.strOr("detail", "", kMaxString);
    f.available = o.booleanOr("available", f.available);
    f.mode = o.strOr("mode", "patient", kMaxString);
    if (f.mode != "patient" && f.mode != "cashier") {
        throw FlowError("flow.mode: expected patient or cashier");
    }
    f.complete = o.strOr("complete", "", kMaxString);
    checkHandler(f.complete, handlers, "flow.complete");
    const auto steps = o.objects("steps", kMaxSteps);
    if (steps.empty() && f.available) {
        throw FlowError("flow.steps: expected 1..32 steps");
    }
    for (std::size_t i = 0; i < steps.size(); ++i) {
        auto s = parseStep(steps[i], handlers);
        if (f.step(s.id) != nullptr) {
            throw FlowError(steps[i].at("id") + ": duplicate \"" + s.id + "\"");
        }
        f.steps.push_back(std::move(s));
    }
    for (std::size_t i = 0; i < f.steps.size(); ++i) {
        const auto& n = f.steps[i].next;
        if (!n.empty() && f.step(n) == nullptr) {
            throw FlowError(steps[i].at("next") + ": no step \"" + n + "\"");
        }
    }
    return f;
}

} // namespace

Flow parseFlow(std::string_view text, const std::set<std::string>& handlers) {
    try {
        const auto root = hc::parseJson(text, "flow", { 256 * 1024, 8 });
        return readFlow(hc::JsonIn(root, "flow"), handlers);
    } catch (const hc::JsonFieldError& e) {
        throw FlowError(e.what());
    }
}

std::vector<Flow> loadFlows(
    const std::filesystem::path& dir, const std::set<std::string>& handlers) {
    std::vector<std::filesystem::path> files;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        if (e.is_regular_file() && e.path().extension() == ".json") {
            files.push_back(e.path());
        }
    }
    std::sort(files.begin(), files.end());
    std::vector<Flow> flows;
    for (const auto& p : files) {
        std::ifstream in(p, std::ios::binary);
        std::ostringstream ss;
        ss << in.rdbuf();
        try {
            flows.push_back(parseFlow(ss.str(), handlers));
        } catch (const FlowError& e) {
            throw FlowError(p.filename().string() + ": " + e.what());
        }
    }
    return flows;
}

} // namespace hc::kiosk::core
