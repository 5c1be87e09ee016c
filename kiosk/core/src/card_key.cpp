#include "hc/kiosk/core/card_key.hpp"

#include "hc/base/bytes.hpp"
#include "hc/base/crypto/digest.hpp"
#include "hc/base/error.hpp"
#include "hc/kiosk/core/secret_file.hpp"

#include <cstdio>
#include <openssl/crypto.h>
#include <openssl/rand.h>

namespace hc::kiosk::core {

namespace {

bool isHex(const std::string& s) {
    return s.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos;
}

} // namespace

std::string legacyCardKey(const std::string& cardNumber) {
    std::uint64_t h = 14695981039346656037ULL;
    for (const char c : cardNumber) {
        h ^= static_cast<unsigned char>(c);
        h *= 1099511628211ULL;
    }
    char buf[20];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

CardKeys::CardKeys(std::vector<std::uint8_t> siteKey)
    : m_key(std::move(siteKey)) {
    if (m_key.size() < 16) {
        throw hc::Error(
            "card keys: the site key must have at least 16 bytes", NextStep::CheckConfiguration);
    }
}

CardKeys CardKeys::loadOrCreate(const std::filesystem::path& file) {
    if (!std::filesystem::exists(file)) {
        hc::Bytes key(32);
        if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1) {
            throw hc::Error("card keys: no random site key from OpenSSL", NextStep::CallStaff);
        }
        writeSecretFile(file, hc::toHex(key) + "\n");
        return CardKeys(key);
    }
    auto text = readSecretFile(file, "site card key");
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
        text.pop_back();
    }
    if (text.size() < 32 || text.size() > 128 || !isHex(text)) {
        throw hc::Error("site card key " + file.string()
                + ": expected 32 to 64 bytes in hex on one line (delete it only if the journal "
                  "has no open purse step: a new key cannot match the old journal's cards)",
            NextStep::CheckConfiguration);
    }
    return CardKeys(hc::fromHex(text));
}

const CardKeys& CardKeys::processDefault() {
    static const CardKeys keys = [] {
        hc::Bytes key(32);
        RAND_bytes(key.data(), static_cast<int>(key.size()));
        return CardKeys(key);
    }();
    return keys;
}

std::string CardKeys::mac(const std::string& text) const {
    hc::Bytes out;
    try {
        out = hc::crypto::hmacSha256(
            m_key, hc::ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
    } catch (const hc::Error&) {
        throw hc::Error("card keys: HMAC-SHA256 failed", NextStep::CallStaff);
    }
    return hc::crypto::toLowerHex(hc::ByteView(out).first(16));
}

std::string CardKeys::key(const std::string& cardNumber) const {
    return "h" + mac("card:" + cardNumber);
}

bool CardKeys::matches(const std::string& stored, const std::string& cardNumber) const {
    if (stored.empty()) {
        return false;
    }
    std::string expected;
    if (stored.front() == 'h') {
        expected = key(cardNumber);
    } else if (stored.front() == 'm') {
        expected = "m" + mac("fnv:" + legacyCardKey(cardNumber));
    } else {
        expected = legacyCardKey(cardNumber);
    }
    return stored.size() == expected.size()
        && CRYPTO_memcmp(stored.data(), expected.data(), stored.size()) == 0;
}

int CardKeys::migrateJournal(Journal& journal) const {
    return journal.rewriteDetails(
        "card=", [this](const std::string& detail) -> std::optional<std::string> {
            std::string out;
            bool changed = false;
            std::size_t pos = 0;
            while (pos <= detail.size()) {
                auto end = detail.find(';', pos);
                if (end == std::string::npos) {
                    end = detail.size();
                }
                auto part = detail.substr(pos, end - pos);
                if (part.rfind("card=", 0) == 0) {
                    const auto k = part.substr(5);
                    if (k.size() == 16 && isHex(k)) {
                        part = "card=m" + mac("fnv:" + k);
                        changed = true;
                    }
                }
                out += (pos == 0 ? "" : ";") + part;
                pos = end + 1;
            }
            return changed ? std::optional(out) : std::nullopt;
        });
}

} // namespace hc::kiosk::core
