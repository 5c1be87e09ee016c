// Private: maps a PC/SC return code to the typed error for it. Every call site is one line, so
// no return code goes unchecked.
#pragma once

#include "hc/pcsc/error.hpp"

#include <PCSC/winscard.h>
#include <PCSC/wintypes.h>
#include <string>

namespace hc::pcsc::detail {

[[noreturn]] void throwPcscError(const char* function, LONG code, const std::string& reader);

inline void check(const char* function, LONG code, const std::string& reader = {})
{
    if (code != SCARD_S_SUCCESS) {
        throwPcscError(function, code, reader);
    }
}

} // namespace hc::pcsc::detail

#define HC_SCARD(fn, reader, ...) ::hc::pcsc::detail::check(#fn, ::fn(__VA_ARGS__), reader)
