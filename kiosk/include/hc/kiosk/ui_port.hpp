// hc::kiosk::UiPort: what a front end (the web UI served by kioskd, a test) talks to.
//
// The kiosk UI is driven by the server: the engine owns the flow and describes the current screen
// as a JSON "view"; the browser renders any view generically and sends back what the user chose.
// The message shapes are specified in docs/kiosk-ui-protocol.md.
//
// Threading: implementations are thread-safe; the listener may be called on any thread and must
// not call back into the port synchronously.
#pragma once

#include <boost/json.hpp>

#include <functional>

namespace hc::kiosk {

class UiPort {
public:
    virtual ~UiPort() = default;

    /** The current view ({"type":"view", ...}, docs/kiosk-ui-protocol.md). */
    virtual boost::json::object currentView() = 0;

    /** One message from the front end ({"type":"choose"|"action"|"input"|...}). Throws
     * hc::InputError naming the field when the message is malformed; a message that does not fit
     * the current screen (a stale click) is ignored and the current view is pushed again. */
    virtual void handleInput(const boost::json::object& message) = 0;

    /** Receives every new view and every device event ({"type":"view"|"event", ...}). */
    using Listener = std::function<void(const boost::json::object&)>;

    /** Replaces the listener (one front end at a time; nullptr to detach). */
    virtual void setListener(Listener listener) = 0;
};

} // namespace hc::kiosk
