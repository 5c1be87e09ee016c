// KioskError: what the patient is told when a step fails: specific Chinese text that names the
// problem and what to do ("余额不足，请充值或扫码支付"), a stable code for tests and CSS, and the
// hc::NextStep. The engine shows it as view.error and counts it (three in elderly mode -> "call
// staff"). Plain value; thread-safe to copy.
#pragma once

#include "hc/base/error.hpp"

#include <string>

namespace hc::kiosk::core {

/** A failure shown to the patient. what() is the Chinese text. */
class KioskError : public hc::Error {
public:
    /** `code` e.g. "insufficient_funds"; `text` the Chinese sentence shown. */
    KioskError(std::string code, std::string text, NextStep next)
        : hc::Error(std::move(text), next)
        , m_code(std::move(code)) { }
    /** Stable code ("paper_out", "his_unavailable", ...). */
    const std::string& code() const { return m_code; }

private:
    std::string m_code;
};

} // namespace hc::kiosk::core
