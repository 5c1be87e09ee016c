#include "hc/base/crypto/digest.hpp"

#include "hc/base/error.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string>

namespace hc::crypto {

namespace {

const EVP_MD* fetch(const char* name) {
    const EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);
    if (md == nullptr) {
        throw Error(std::string("OpenSSL has no digest ") + name
                + ": install OpenSSL 3 with its default provider",
            NextStep::CheckConfiguration);
    }
    return md; // kept for the life of the process by the statics below
}

Bytes digest(const EVP_MD* md, const char* name, const void* data, std::size_t size) {
    Bytes out(EVP_MAX_MD_SIZE);
    unsigned int n = 0;
    if (EVP_Digest(data, size, out.data(), &n, md, nullptr) != 1) {
        throw Error(std::string(name) + " failed in OpenSSL: retry; if it persists, call staff",
            NextStep::CallStaff);
    }
    out.resize(n);
    return out;
}

const EVP_MD* sm3Md() {
    static const EVP_MD* md = fetch("SM3");
    return md;
}

const EVP_MD* sha256Md() {
    static const EVP_MD* md = fetch("SHA256");
    return md;
}

} // namespace

Bytes sm3(ByteView data) {
    return digest(sm3Md(), "SM3", data.data(), data.size());
}

Bytes sm3(std::string_view text) {
    return digest(sm3Md(), "SM3", text.data(), text.size());
}

Bytes sha256(ByteView data) {
    return digest(sha256Md(), "SHA-256", data.data(), data.size());
}

Bytes sha256(std::string_view text) {
    return digest(sha256Md(), "SHA-256", text.data(), text.size());
}

Bytes hmacSha256(ByteView key, ByteView data) {
    Bytes out(EVP_MAX_MD_SIZE);
    unsigned int n = 0;
    static const std::uint8_t kEmpty = 0;
    if (HMAC(sha256Md(), key.empty() ? &kEmpty : key.data(), static_cast<int>(key.size()),
            data.empty() ? &kEmpty : data.data(), data.size(), out.data(), &n)
        == nullptr) {
        throw Error("HMAC-SHA256 failed in OpenSSL: retry; if it persists, call staff",
            NextStep::CallStaff);
    }
    out.resize(n);
    return out;
}

std::string toLowerHex(ByteView digest) {
    std::string out = toHex(digest);
    for (char& c : out) {
        if (c >= 'A' && c <= 'F') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return out;
}

} // namespace hc::crypto
