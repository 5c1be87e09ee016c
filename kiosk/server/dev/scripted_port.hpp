// ScriptedPort: a fake kiosk engine for UI development and the browser tests. It walks through
// realistic screens (idle, menu, departments, slots, confirm with the fee, PIN, success with
// receipt lines, errors, a cashier screen) without devices, HIS or settlement, and keeps the
// protocol's rules: a countdown on every screen but idle (doubled in elderly mode, back to idle
// at 0), specific error text with error.next, call_staff after three errors in elderly mode.
//
// The right PIN is 123456; any other is refused ("密码错误，还可尝试 N 次"). The demo patient's
// purse holds 12.50 元, so the payment business ends in the "余额不足" error screen.
//
// Threading: thread-safe (one mutex); the listener is called on the caller's thread or on the
// countdown thread, never with the mutex held.
#pragma once

#include "hc/kiosk/ui_port.hpp"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace hc::kiosk::dev {

/** The scripted fake engine behind kiosk-ui-dev. */
class ScriptedPort final : public UiPort {
public:
    /** `secondsPerScreen` is the patient-mode countdown (elderly: doubled). */
    explicit ScriptedPort(int secondsPerScreen = 60);
    ~ScriptedPort() override;

    boost::json::object currentView() override;
    void handleInput(const boost::json::object& message) override;
    void setListener(Listener listener) override;

private:
    boost::json::object viewLocked() const;
    /** Moves to `screen`, resets its countdown. */
    void go(std::string screen);
    void fail(std::string text, std::string next, std::string code);
    void push();
    void timerLoop();

    mutable std::mutex m_mutex;
    std::condition_variable m_cv;
    Listener m_listener;
    int m_secondsPerScreen;
    std::string m_screen = "idle";
    std::string m_business;
    std::string m_session;
    bool m_elderly = false;
    bool m_cardIn = false;
    int m_errors = 0;
    int m_pinTries = 3;
    int m_sessionCounter = 0;
    std::string m_department;
    std::string m_slot;
    boost::json::object m_error; // empty = none
    std::chrono::steady_clock::time_point m_deadline;
    bool m_stop = false;
    std::thread m_timer;
};

} // namespace hc::kiosk::dev
