// Test helper: drives a kiosk Engine the way the web UI does (choose / action / input messages)
// and reads its views. Shared by the engine's unit tests; one thread.
#pragma once

#include "hc/kiosk/core/engine.hpp"

#include <boost/json.hpp>
#include <memory>
#include <string>
#include <vector>

namespace hc::kiosk::testing {

/** Base of a test rig. The derived rig builds the engine over its fakes with attach(), and must
 * call detach() in its destructor: the engine has to go before the fakes it points to. */
struct EngineDriver {
    std::unique_ptr<core::Engine> engine;
    std::vector<boost::json::object> seen; ///< every message the engine pushed

    void attach(std::unique_ptr<core::Engine> e) {
        engine = std::move(e);
        engine->setListener([this](const boost::json::object& m) { seen.push_back(m); });
    }
    void detach() { engine.reset(); }

    boost::json::object view() { return engine->currentView(); }
    std::string screen() { return std::string(view().at("screen").as_string()); }
    std::string errorCode() { return errorField("code"); }
    std::string errorText() { return errorField("text"); }
    void choose(const std::string& id) {
        engine->handleInput({ { "type", "choose" }, { "item", id } });
    }
    void action(const std::string& id) {
        engine->handleInput({ { "type", "action" }, { "action", id } });
    }
    void type(const std::string& v) {
        engine->handleInput({ { "type", "input" }, { "value", v } });
    }
    bool hasAction(const std::string& id) {
        const auto v = view(); // keep the view alive while iterating into it
        for (const auto& a : v.at("actions").as_array()) {
            if (a.at("id").as_string() == id) {
                return true;
            }
        }
        return false;
    }
    /** The journal session of the latest view that had one. */
    std::string lastSession() const {
        std::string s;
        for (const auto& m : seen) {
            if (m.at("type").as_string() == "view" && !m.at("session").as_string().empty()) {
                s = std::string(m.at("session").as_string());
            }
        }
        return s;
    }

private:
    std::string errorField(const char* field) {
        const auto v = view();
        return v.at("error").is_null() ? "" : std::string(v.at("error").at(field).as_string());
    }
};

} // namespace hc::kiosk::testing
