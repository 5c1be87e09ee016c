#include "hc/kiosk/core/staff_auth.hpp"

#include "hc/base/bytes.hpp"
#include "hc/base/crypto/digest.hpp"
#include "hc/base/error.hpp"
#include "hc/base/json_in.hpp"

#include <memory>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

namespace hc::kiosk::core {

namespace {

constexpr const char* kScheme = "pbkdf2-sha256";
constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kKeyBytes = 32;

hc::Bytes pbkdf2(const std::string& pin, const hc::Bytes& salt, std::uint32_t iterations) {
    std::unique_ptr<EVP_KDF, decltype(&EVP_KDF_free)> kdf(
        EVP_KDF_fetch(nullptr, "PBKDF2", nullptr), &EVP_KDF_free);
    if (!kdf) {
        throw hc::Error("staff PIN hash: OpenSSL has no PBKDF2", NextStep::CheckConfiguration);
    }
    std::unique_ptr<EVP_KDF_CTX, decltype(&EVP_KDF_CTX_free)> ctx(
        EVP_KDF_CTX_new(kdf.get()), &EVP_KDF_CTX_free);
    std::string pass = pin;
    auto saltCopy = salt;
    unsigned int iter = iterations;
    char digest[] = "SHA256";
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, pass.data(), pass.size()),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, saltCopy.data(), saltCopy.size()),
        OSSL_PARAM_construct_uint(OSSL_KDF_PARAM_ITER, &iter),
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
        OSSL_PARAM_construct_end(),
    };
    hc::Bytes out(kKeyBytes);
    const bool ok = ctx && EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) == 1;
    OPENSSL_cleanse(pass.data(), pass.size());
    if (!ok) {
        throw hc::Error("staff PIN hash: PBKDF2 failed", NextStep::CallStaff);
    }
    return out;
}

struct Parsed {
    std::uint32_t iterations = 0;
    hc::Bytes salt;
    hc::Bytes key;
};

std::optional<Parsed> parse(const std::string& h) {
    const auto p1 = h.find('$');
    const auto p2 = p1 == std::string::npos ? p1 : h.find('$', p1 + 1);
    const auto p3 = p2 == std::string::npos ? p2 : h.find('$', p2 + 1);
    if (p3 == std::string::npos || h.substr(0, p1) != kScheme) {
        return std::nullopt;
    }
    Parsed out;
    try {
        const auto it = h.substr(p1 + 1, p2 - p1 - 1);
        if (it.empty() || it.size() > 9
            || it.find_first_not_of("0123456789") != std::string::npos) {
            return std::nullopt;
        }
        out.iterations = static_cast<std::uint32_t>(std::stoul(it));
        out.salt = hc::fromHex(h.substr(p2 + 1, p3 - p2 - 1));
        out.key = hc::fromHex(h.substr(p3 + 1));
    } catch (const std::exception&) {
        return std::nullopt;
    }
    if (out.iterations < 1000 || out.salt.size() < 8 || out.key.size() != kKeyBytes) {
        return std::nullopt;
    }
    return out;
}

} // namespace

std::string hashStaffPin(const std::string& pin, std::uint32_t iterations) {
    if (pin.size() < 4 || pin.size() > 32) {
        throw hc::InputError("staff PIN: expected 4 to 32 characters");
    }
    hc::Bytes salt(kSaltBytes);
    if (RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1) {
        throw hc::Error("staff PIN hash: no random salt from OpenSSL", NextStep::CallStaff);
    }
    const auto key = pbkdf2(pin, salt, iterations);
    return std::string(kScheme) + "$" + std::to_string(iterations) + "$" + hc::toHex(salt) + "$"
        + hc::toHex(key);
}

bool isStaffPinHash(const std::string& pinHash) {
    return parse(pinHash).has_value();
}

std::map<std::string, std::string> parseStaffPinFile(
    std::string_view text, const std::string& file) {
    std::map<std::string, std::string> out;
    try {
        const auto v = hc::parseJson(text, "staff PIN file " + file);
        const hc::JsonIn pins(v, "staff PIN file " + file);
        for (const auto& member : pins.raw()) {
            const auto* hash = member.value().if_string();
            if (hash != nullptr && isStaffPinHash(std::string(*hash))) {
                out.emplace(std::string(member.key()), std::string(*hash));
            }
        }
    } catch (const hc::JsonFieldError& e) {
        throw hc::Error(e.what(), hc::NextStep::CheckConfiguration);
    }
    return out;
}

bool checkStaffPin(const std::string& pinHash, const std::string& pin) {
    const auto p = parse(pinHash);
    if (!p || pin.empty() || pin.size() > 64) {
        return false;
    }
    const auto key = pbkdf2(pin, p->salt, p->iterations);
    return CRYPTO_memcmp(key.data(), p->key.data(), key.size()) == 0;
}

std::string staffPinHash(const std::string& salt, const std::string& pin) {
    const auto text = salt + pin;
    return hc::toHex(hc::crypto::sm3(std::string_view(text)));
}

std::optional<std::int64_t> StaffGuard::waitFor(
    const std::string& account, Clock::time_point now) const {
    const auto it = m_entries.find(account);
    if (it == m_entries.end() || now >= it->second.notBefore) {
        return std::nullopt;
    }
    const auto left
        = std::chrono::duration_cast<std::chrono::milliseconds>(it->second.notBefore - now).count();
    return (left + 999) / 1000;
}

int StaffGuard::failed(const std::string& account, Clock::time_point now) {
    if (m_entries.size() > 1000 && m_entries.count(account) == 0) {
        // Bound the memory an attacker typing made-up staff numbers can take: forget the
        // accounts that are not waiting.
        for (auto it = m_entries.begin(); it != m_entries.end();) {
            it = now >= it->second.notBefore ? m_entries.erase(it) : std::next(it);
        }
    }
    auto& e = m_entries[account];
    ++e.failures;
    e.refusalNoted = false;
    if (e.failures >= kLockAfter) {
        e.notBefore = now + kLockFor;
    } else if (e.failures >= kFreeTries) {
        const auto wait = std::chrono::seconds(1LL << std::min(e.failures - kFreeTries, 6));
        e.notBefore = now + std::min<std::chrono::seconds>(wait, kMaxWait);
    }
    return e.failures;
}

bool StaffGuard::refused(const std::string& account) {
    auto& e = m_entries[account];
    const bool first = !e.refusalNoted;
    e.refusalNoted = true;
    return first;
}

void StaffGuard::succeeded(const std::string& account) {
    m_entries.erase(account);
}

int StaffGuard::failures(const std::string& account) const {
    const auto it = m_entries.find(account);
    return it == m_entries.end() ? 0 : it->second.failures;
}

bool StaffGuard::locked(const std::string& account, Clock::time_point now) const {
    const auto it = m_entries.find(account);
    return it != m_entries.end() && it->second.failures >= kLockAfter && now < it->second.notBefore;
}

void StaffGuard::restore(const std::string& account, int failures, Clock::time_point now) {
    if (failures <= 0) {
        return;
    }
    auto& e = m_entries[account];
    e.failures = failures;
    if (failures >= kLockAfter) {
        e.notBefore = now + kLockFor;
    }
}

} // namespace hc::kiosk::core
