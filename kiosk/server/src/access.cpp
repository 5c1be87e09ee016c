#include "access.hpp"

#include <openssl/crypto.h>

namespace hc::kiosk::detail {

bool tokenMatches(std::string_view token, std::string_view given) {
    if (token.empty() || given.size() != token.size()) {
        return false;
    }
    return CRYPTO_memcmp(token.data(), given.data(), token.size()) == 0;
}

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    return s;
}

} // namespace

Client classify(
    std::string_view token, std::string_view cookieHeader, std::string_view authorizationHeader) {
    if (token.empty()) {
        return Client::Screen;
    }
    std::string_view rest = cookieHeader;
    while (!rest.empty()) {
        const auto semi = rest.find(';');
        const auto part = trim(rest.substr(0, semi));
        rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
        const auto eq = part.find('=');
        if (eq != std::string_view::npos && part.substr(0, eq) == kCookieName
            && tokenMatches(token, part.substr(eq + 1))) {
            return Client::Screen;
        }
    }
    constexpr std::string_view bearer = "Bearer ";
    if (authorizationHeader.substr(0, bearer.size()) == bearer
        && tokenMatches(token, trim(authorizationHeader.substr(bearer.size())))) {
        return Client::Tool;
    }
    return Client::None;
}

std::string queryParam(std::string_view target, std::string_view name) {
    const auto q = target.find('?');
    if (q == std::string_view::npos) {
        return {};
    }
    auto rest = target.substr(q + 1);
    while (!rest.empty()) {
        const auto amp = rest.find('&');
        const auto part = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
        const auto eq = part.find('=');
        if (eq != std::string_view::npos && part.substr(0, eq) == name) {
            return std::string(part.substr(eq + 1));
        }
    }
    return {};
}

boost::json::object redacted(boost::json::object message) {
    const auto* list = message.if_contains("confidential");
    if (list == nullptr) {
        return message;
    }
    if (list->is_array()) {
        if (auto* data = message.if_contains("data"); data != nullptr && data->is_object()) {
            for (const auto& f : list->as_array()) {
                if (f.is_string()) {
                    data->as_object().erase(f.as_string());
                }
            }
        }
    }
    message.erase("confidential");
    return message;
}

} // namespace hc::kiosk::detail
