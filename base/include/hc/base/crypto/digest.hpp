// Hash functions over OpenSSL 3: SM3 (GB/T 32905), SHA-256 (FIPS 180-4) and HMAC-SHA256
// (RFC 2104). Each takes one buffer; the digest is returned as 32 bytes. Pure functions, any
// thread. Throws hc::Error (call staff) only if OpenSSL itself fails.
#pragma once

#include "hc/base/bytes.hpp"

#include <string>
#include <string_view>

namespace hc::crypto {

/** SM3 digest (32 bytes). */
Bytes sm3(ByteView data);
/** SM3 digest of text (its bytes as they are). */
Bytes sm3(std::string_view text);
/** SHA-256 digest (32 bytes). */
Bytes sha256(ByteView data);
/** SHA-256 digest of text. */
Bytes sha256(std::string_view text);
/** HMAC-SHA256 of `data` under `key` (32 bytes). */
Bytes hmacSha256(ByteView key, ByteView data);

/** A digest as text formats write it: lower-case hex without separators ("66c7f0f4..."). */
std::string toLowerHex(ByteView digest);

} // namespace hc::crypto
