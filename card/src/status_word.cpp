#include "hc/card/status_word.hpp"

#include "hc/card/bytes.hpp"

#include <array>

namespace hc::card {

std::optional<int> StatusWord::triesLeft() const {
    if (sw1() == 0x63 && (sw2() & 0xF0) == 0xC0) {
        return sw2() & 0x0F;
    }
    return std::nullopt;
}

namespace {
struct Entry {
    std::uint16_t value;
    SwCategory category;
    const char* meaning;
};

// ISO 7816-4 section 5.1.3 plus the codes PBOC/health-card SAMs and purses use.
constexpr std::array kCatalogue {
    Entry { 0x9000, SwCategory::Success, "success" },
    Entry { 0x6200, SwCategory::Warning, "warning: state of non-volatile memory unchanged" },
    Entry { 0x6281, SwCategory::Warning, "warning: part of returned data may be corrupted" },
    Entry { 0x6282, SwCategory::Warning, "warning: end of file or record reached before Ne bytes" },
    Entry { 0x6283, SwCategory::Warning, "warning: selected file deactivated" },
    Entry { 0x6284, SwCategory::Warning, "warning: file control information not formatted" },
    Entry { 0x6300, SwCategory::Warning, "warning: verification failed" },
    Entry { 0x6381, SwCategory::Warning, "warning: file filled up by the last write" },
    Entry { 0x6400, SwCategory::ExecutionError,
        "execution error: state of non-volatile memory unchanged" },
    Entry { 0x6500, SwCategory::ExecutionError,
        "execution error: state of non-volatile memory changed" },
    Entry { 0x6581, SwCategory::ExecutionError, "memory failure" },
    Entry { 0x6700, SwCategory::WrongLength, "wrong length (Lc or Le)" },
    Entry { 0x6881, SwCategory::NotSupported, "logical channel not supported" },
    Entry { 0x6882, SwCategory::NotSupported, "secure messaging not supported" },
    Entry { 0x6981, SwCategory::SecurityError, "command incompatible with file structure" },
    Entry { 0x6982, SwCategory::SecurityError, "security status not satisfied" },
    Entry { 0x6983, SwCategory::SecurityError, "authentication method blocked" },
    Entry { 0x6984, SwCategory::SecurityError,
        "reference data not usable (e.g. no challenge requested)" },
    Entry { 0x6985, SwCategory::SecurityError, "conditions of use not satisfied" },
    Entry { 0x6986, SwCategory::SecurityError, "command not allowed (no current EF)" },
    Entry { 0x6987, SwCategory::SecurityError, "expected secure messaging data objects missing" },
    Entry {
        0x6988, SwCategory::SecurityError, "secure messaging data objects incorrect (bad MAC)" },
    Entry { 0x6A80, SwCategory::ParameterError, "incorrect parameters in the data field" },
    Entry { 0x6A81, SwCategory::ParameterError, "function not supported" },
    Entry { 0x6A82, SwCategory::NotFound, "file or application not found" },
    Entry { 0x6A83, SwCategory::NotFound, "record not found" },
    Entry { 0x6A84, SwCategory::ParameterError, "not enough memory space in the file" },
    Entry { 0x6A85, SwCategory::ParameterError, "Nc inconsistent with TLV structure" },
    Entry { 0x6A86, SwCategory::ParameterError, "incorrect parameters P1-P2" },
    Entry { 0x6A87, SwCategory::ParameterError, "Nc inconsistent with P1-P2" },
    Entry { 0x6A88, SwCategory::NotFound, "referenced data or key not found" },
    Entry { 0x6B00, SwCategory::ParameterError, "wrong parameters P1-P2 (offset outside the EF)" },
    Entry { 0x6D00, SwCategory::NotSupported, "instruction not supported" },
    Entry { 0x6E00, SwCategory::NotSupported, "class not supported" },
    Entry { 0x6F00, SwCategory::ExecutionError, "no precise diagnosis" },
    Entry { 0x9302, SwCategory::SecurityError, "MAC invalid" },
    Entry { 0x9303, SwCategory::SecurityError, "application permanently locked" },
    Entry { 0x9401, SwCategory::FundsError, "insufficient balance" },
    Entry { 0x9402, SwCategory::FundsError, "transaction counter at its limit" },
    Entry { 0x9403, SwCategory::NotFound, "key index not supported (key not found)" },
    Entry { 0x9406, SwCategory::ExecutionError, "required MAC not available" },
};
} // namespace

SwCategory StatusWord::category() const {
    for (const auto& e : kCatalogue) {
        if (e.value == m_value) {
            return e.category;
        }
    }
    if (moreData()) {
        return SwCategory::MoreData;
    }
    if (wrongLe()) {
        return SwCategory::WrongLength;
    }
    if (sw1() == 0x62 || sw1() == 0x63) {
        return SwCategory::Warning;
    }
    return SwCategory::ExecutionError;
}

std::string StatusWord::meaning() const {
    for (const auto& e : kCatalogue) {
        if (e.value == m_value) {
            return e.meaning;
        }
    }
    if (moreData()) {
        return std::to_string(sw2() == 0 ? 256 : sw2()) + " more bytes available (GET RESPONSE)";
    }
    if (wrongLe()) {
        return "wrong Le; the card offers " + std::to_string(sw2() == 0 ? 256 : sw2()) + " bytes";
    }
    if (auto tries = triesLeft()) {
        if (*tries == 0) {
            return "verification failed, no tries left";
        }
        return "verification failed, " + std::to_string(*tries) + (*tries == 1 ? " try" : " tries")
            + " left";
    }
    switch (sw1()) {
    case 0x62:
        return "warning (state of non-volatile memory unchanged)";
    case 0x63:
        return "warning (state of non-volatile memory changed)";
    case 0x64:
        return "execution error (state of non-volatile memory unchanged)";
    case 0x65:
        return "execution error (state of non-volatile memory changed)";
    case 0x67:
        return "wrong length";
    case 0x68:
        return "functions in CLA not supported";
    case 0x69:
        return "command not allowed";
    case 0x6A:
        return "wrong parameters P1-P2";
    default:
        return "unknown status word";
    }
}

std::string StatusWord::hex() const {
    const std::uint8_t b[2] = { sw1(), sw2() };
    return toHex(b);
}

} // namespace hc::card
