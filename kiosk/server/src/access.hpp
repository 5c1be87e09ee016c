// Access control of the kiosk's web server: the per-boot token (cookie or bearer) and the
// redaction of a view's confidential data for clients that are not the kiosk's own screen.
// Pure functions; thread-safe.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <string_view>

namespace hc::kiosk::detail {

/** Who a request comes from. */
enum class Client {
    None, ///< no (or a wrong) token: refused on /api and /ws
    Screen, ///< the cookie /launch set: the kiosk's own screen
    Tool, ///< Authorization: Bearer: a local tool, served redacted views
};

/** The name of the screen's cookie. */
inline constexpr std::string_view kCookieName = "hc_kiosk";

/** Who sent a request with these Cookie and Authorization headers, for `token` ("" = no
 * access control: every client is the screen). Constant-time comparisons. */
Client classify(
    std::string_view token, std::string_view cookieHeader, std::string_view authorizationHeader);

/** True when `given` equals `token` (constant time; false when either is empty). */
bool tokenMatches(std::string_view token, std::string_view given);

/** The value of query parameter `name` in a target ("/launch?token=abc" -> "abc"). */
std::string queryParam(std::string_view target, std::string_view name);

/** `message` as a tool may see it: for a view with "confidential": [field, ...], those fields of
 * "data" are removed (and the list itself). Other messages unchanged. */
boost::json::object redacted(boost::json::object message);

} // namespace hc::kiosk::detail
