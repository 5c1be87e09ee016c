#include "hc/card/health/codec.hpp"

#include <algorithm>
#include <cerrno>
#include <iconv.h>
#include <memory>

namespace hc::card::health {

std::string_view codingName(Coding coding) {
    switch (coding) {
    case Coding::AN:
        return "AN";
    case Coding::CN:
        return "CN";
    case Coding::B:
        return "B";
    }
    return "?";
}

ValidationError::ValidationError(std::string field, std::string rule, std::string detail)
    : hc::InputError(field + ": " + rule + ": " + detail)
    , m_field(std::move(field))
    , m_rule(std::move(rule)) {
}

namespace {

struct IconvCloser {
    void operator()(void* cd) const { ::iconv_close(static_cast<iconv_t>(cd)); }
};

Bytes convert(const char* to, const char* from, ByteView in, std::string_view field) {
    iconv_t raw = ::iconv_open(to, from);
    if (raw == reinterpret_cast<iconv_t>(-1)) {
        throw hc::Error(std::string("iconv cannot convert ") + from + " to " + to,
            hc::NextStep::CheckConfiguration);
    }
    std::unique_ptr<void, IconvCloser> cd(raw);
    Bytes out(in.size() * 2 + 16);
    std::string src(in.begin(), in.end());
    char* inPtr = src.data();
    std::size_t inLeft = src.size();
    char* outPtr = reinterpret_cast<char*>(out.data());
    std::size_t outLeft = out.size();
    while (inLeft > 0) {
        const std::size_t r = ::iconv(raw, &inPtr, &inLeft, &outPtr, &outLeft);
        if (r == static_cast<std::size_t>(-1)) {
            if (errno == E2BIG) {
                const auto used = out.size() - outLeft;
                out.resize(out.size() * 2);
                outPtr = reinterpret_cast<char*>(out.data()) + used;
                outLeft = out.size() - used;
                continue;
            }
            const auto at = src.size() - inLeft;
            throw ValidationError(std::string(field), "AN GBK",
                (std::string_view(to) == "GBK" ? "a character GBK cannot hold at byte "
                                               : "bytes that are not GBK at offset ")
                    + std::to_string(at));
        }
        // Non-reversible conversions (r > 0) would alter the text: refuse them.
        if (r > 0) {
            throw ValidationError(
                std::string(field), "AN GBK", "a character GBK cannot hold exactly");
        }
    }
    out.resize(out.size() - outLeft);
    return out;
}

} // namespace

Bytes utf8ToGbk(std::string_view utf8, std::string_view field) {
    return convert("GBK", "UTF-8",
        ByteView(reinterpret_cast<const std::uint8_t*>(utf8.data()), utf8.size()), field);
}

std::string gbkToUtf8(ByteView gbk, std::string_view field) {
    const Bytes b = convert("UTF-8", "GBK", gbk, field);
    return std::string(b.begin(), b.end());
}

Bytes encodeAn(std::string_view utf8, std::size_t length, std::string_view field) {
    Bytes out = utf8ToGbk(utf8, field);
    if (std::find(out.begin(), out.end(), 0x00) != out.end()) {
        throw ValidationError(std::string(field), "AN text", "contains a NUL character");
    }
    if (out.size() > length) {
        throw ValidationError(std::string(field), "AN length",
            std::to_string(out.size()) + " GBK bytes do not fit " + std::to_string(length));
    }
    out.resize(length, 0x00);
    return out;
}

std::string decodeAn(ByteView bytes, std::string_view field) {
    auto end = std::find(bytes.begin(), bytes.end(), 0x00);
    // A never-written field reads FF..FF: treat it as empty.
    if (std::all_of(bytes.begin(), end, [](std::uint8_t b) { return b == 0xFF; })) {
        return {};
    }
    return gbkToUtf8(ByteView(bytes.data(), static_cast<std::size_t>(end - bytes.begin())), field);
}

Bytes encodeCn(std::string_view digits, std::size_t length, std::string_view field) {
    if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        throw ValidationError(std::string(field), "CN digits", "a character other than 0-9");
    }
    if (digits.size() > length * 2) {
        throw ValidationError(std::string(field), "CN length",
            std::to_string(digits.size()) + " digits do not fit " + std::to_string(length)
                + " bytes");
    }
    Bytes out(length, 0xFF);
    for (std::size_t i = 0; i < digits.size(); ++i) {
        const auto d = static_cast<std::uint8_t>(digits[i] - '0');
        auto& b = out[i / 2];
        b = (i % 2 == 0) ? static_cast<std::uint8_t>((d << 4) | 0x0F)
                         : static_cast<std::uint8_t>((b & 0xF0) | d);
    }
    return out;
}

std::string decodeCn(ByteView bytes, std::string_view field) {
    std::string out;
    bool padding = false;
    for (std::size_t i = 0; i < bytes.size() * 2; ++i) {
        const std::uint8_t n = (i % 2 == 0) ? static_cast<std::uint8_t>(bytes[i / 2] >> 4)
                                            : static_cast<std::uint8_t>(bytes[i / 2] & 0x0F);
        if (n == 0x0F) {
            padding = true;
            continue;
        }
        if (n > 9) {
            throw ValidationError(std::string(field), "CN digits",
                "nibble " + std::string(1, "0123456789ABCDEF"[n]) + " at byte "
                    + std::to_string(i / 2));
        }
        if (padding) {
            throw ValidationError(std::string(field), "CN digits",
                "a digit after the F padding at byte " + std::to_string(i / 2));
        }
        out.push_back(static_cast<char>('0' + n));
    }
    return out;
}

bool isBlank(ByteView bytes) {
    return std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t b) { return b == 0xFF; })
        || std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t b) { return b == 0x00; });
}

} // namespace hc::card::health
