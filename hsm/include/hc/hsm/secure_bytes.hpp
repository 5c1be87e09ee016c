// Memory for clear key bytes: hc::SecureBytes (hc/base/secure_bytes.hpp: locked into RAM, best
// effort, and wiped when freed). Clear keys in hc::hsm only ever live in SecureBytes.
#pragma once

#include "hc/base/secure_bytes.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace hc::hsm {

using hc::cleanse;
using hc::SecureAllocator;
using hc::SecureBytes;
using hc::toSecure;

/** Parses hex (spaces ignored) straight into SecureBytes; throws InvalidArgumentError without
 *  echoing the text. */
SecureBytes secureFromHex(std::span<const char> text);

} // namespace hc::hsm
