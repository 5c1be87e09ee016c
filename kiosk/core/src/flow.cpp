#include "hc/kiosk/core/flow.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <fstream>
#include <sstream>

namespace hc::kiosk::core {

namespace json = boost::json;

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

const json::value* field(const json::object& o, std::string_view name) {
    const auto it = o.find(name);
    return it == o.end() ? nullptr : &it->value();
}

std::string str(const json::object& o, std::string_view name, const std::string& where,
    bool required, const std::string& fallback = {}) {
    const auto* v = field(o, name);
    if (v == nullptr || v->is_null()) {
        if (required) {
            throw FlowError(where + "." + std::string(name) + ": missing");
        }
        return fallback;
    }
    if (!v->is_string()) {
        throw FlowError(where + "." + std::string(name) + ": expected a string");
    }
    const auto& s = v->get_string();
    if (s.size() > kMaxString) {
        throw FlowError(where + "." + std::string(name) + ": longer than 200 bytes");
    }
    return std::string(s);
}

int integer(const json::object& o, std::string_view name, const std::string& where, int fallback,
    int lo, int hi) {
    const auto* v = field(o, name);
    if (v == nullptr) {
        return fallback;
    }
    if (!v->is_int64()) {
        throw FlowError(where + "." + std::string(name) + ": expected an integer");
    }
    const auto n = v->get_int64();
    if (n < lo || n > hi) {
        throw FlowError(where + "." + std::string(name) + ": " + std::to_string(n) + " outside "
            + std::to_string(lo) + ".." + std::to_string(hi));
    }
    return static_cast<int>(n);
}

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

FlowStep parseStep(
    const json::value& v, const std::string& where, const std::set<std::string>& handlers) {
    if (!v.is_object()) {
        throw FlowError(where + ": expected an object");
    }
    const auto& o = v.get_object();
    FlowStep s;
    s.id = str(o, "id", where, true);
    if (!isIdent(s.id)) {
        throw FlowError(where + ".id: expected [a-z0-9_]{1,40}");
    }
    s.title = str(o, "title", where, true);
    s.message = str(o, "message", where, false);
    s.countdown = integer(o, "countdown", where, 60, 5, 600);
    s.load = str(o, "load", where, false);
    s.on = str(o, "on", where, false);
    s.next = str(o, "next", where, false);
    checkHandler(s.load, handlers, where + ".load");
    checkHandler(s.on, handlers, where + ".on");
    if (const auto* a = field(o, "actions"); a != nullptr) {
        if (!a->is_array() || a->get_array().size() > 8) {
            throw FlowError(where + ".actions: expected an array of at most 8 strings");
        }
        for (std::size_t i = 0; i < a->get_array().size(); ++i) {
            const auto& e = a->get_array()[i];
            if (!e.is_string() || !isIdent(std::string(e.get_string()))) {
                throw FlowError(where + ".actions[" + std::to_string(i) + "]: expected an id");
            }
            s.actions.emplace_back(e.get_string());
        }
    }
    if (const auto* in = field(o, "input"); in != nullptr && !in->is_null()) {
        if (!in->is_object()) {
            throw FlowError(where + ".input: expected an object");
        }
        const auto& io = in->get_object();
        FlowInput fi;
        const auto w = where + ".input";
        fi.kind = str(io, "kind", w, true);
        if (fi.kind != "pin" && fi.kind != "amount" && fi.kind != "text" && fi.kind != "password") {
            throw FlowError(w + ".kind: expected pin, amount, text or password");
        }
        fi.label = str(io, "label", w, true);
        fi.min = integer(io, "min", w, 0, 0, 1000000);
        fi.max = integer(io, "max", w, 0, 0, 1000000);
        s.input = fi;
    }
    return s;
}

} // namespace

Flow parseFlow(std::string_view text, const std::set<std::string>& handlers) {
    json::parse_options opts;
    opts.max_depth = 8;
    boost::system::error_code ec;
    json::value root = json::parse(text, ec, {}, opts);
    if (ec) {
        throw FlowError("flow: not JSON (" + ec.message() + ")");
    }
    if (!root.is_object()) {
        throw FlowError("flow: expected an object");
    }
    const auto& o = root.get_object();
    Flow f;
    f.business = str(o, "business", "flow", true);
    if (!isIdent(f.business)) {
        throw FlowError("flow.business: expected [a-z0-9_]{1,40}");
    }
    f.code = str(o, "code", "flow", true);
    if (f.code.size() < 2 || f.code.size() > 8
        || !std::all_of(
            f.code.begin(), f.code.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
        throw FlowError("flow.code: expected 2..8 upper-case letters");
    }
    f.label = str(o, "label", "flow", true);
    f.detail = str(o, "detail", "flow", false);
    if (const auto* a = field(o, "available"); a != nullptr) {
        if (!a->is_bool()) {
            throw FlowError("flow.available: expected true or false");
        }
        f.available = a->get_bool();
    }
    f.mode = str(o, "mode", "flow", false, "patient");
    if (f.mode != "patient" && f.mode != "cashier") {
        throw FlowError("flow.mode: expected patient or cashier");
    }
    f.complete = str(o, "complete", "flow", false);
    checkHandler(f.complete, handlers, "flow.complete");
    const auto* steps = field(o, "steps");
    if (steps == nullptr || !steps->is_array()) {
        throw FlowError("flow.steps: expected an array");
    }
    const auto& arr = steps->get_array();
    if (arr.size() > kMaxSteps || (arr.empty() && f.available)) {
        throw FlowError("flow.steps: expected 1..32 steps");
    }
    for (std::size_t i = 0; i < arr.size(); ++i) {
        auto s = parseStep(arr[i], "flow.steps[" + std::to_string(i) + "]", handlers);
        if (f.step(s.id) != nullptr) {
            throw FlowError("flow.steps[" + std::to_string(i) + "].id: duplicate \"" + s.id + "\"");
        }
        f.steps.push_back(std::move(s));
    }
    for (std::size_t i = 0; i < f.steps.size(); ++i) {
        const auto& n = f.steps[i].next;
        if (!n.empty() && f.step(n) == nullptr) {
            throw FlowError("flow.steps[" + std::to_string(i) + "].next: no step \"" + n + "\"");
        }
    }
    return f;
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
