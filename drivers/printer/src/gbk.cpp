#include "hc/printer/gbk.hpp"

#include "hc/card/error.hpp"
#include "hc/printer/error.hpp"

#include <cerrno>
#include <cstdio>
#include <iconv.h>

namespace hc::printer {

namespace {

/** An iconv descriptor closed on scope exit. */
class Iconv {
public:
    Iconv(const char* to, const char* from)
        : m_cd(::iconv_open(to, from)) {
        if (m_cd == reinterpret_cast<iconv_t>(-1)) {
            throw hc::Error(std::string("iconv cannot convert ") + from + " to " + to
                    + " (glibc gconv modules missing?)",
                hc::NextStep::CheckConfiguration);
        }
    }
    ~Iconv() { ::iconv_close(m_cd); }
    Iconv(const Iconv&) = delete;
    Iconv& operator=(const Iconv&) = delete;

    /** Converts `in` completely; false when iconv rejects it. */
    bool convert(std::string_view in, std::string& out) {
        ::iconv(m_cd, nullptr, nullptr, nullptr, nullptr);
        std::string src(in);
        char buffer[16];
        char* inPtr = src.data();
        std::size_t inLeft = src.size();
        while (inLeft > 0) {
            char* outPtr = buffer;
            std::size_t outLeft = sizeof buffer;
            const auto r = ::iconv(m_cd, &inPtr, &inLeft, &outPtr, &outLeft);
            out.append(buffer, static_cast<std::size_t>(outPtr - buffer));
            if (r == static_cast<std::size_t>(-1) && errno != E2BIG) {
                return false;
            }
        }
        return true;
    }

private:
    iconv_t m_cd;
};

std::string codePointName(char32_t cp) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(cp));
    return buf;
}

/** Decodes one UTF-8 sequence at `i`; returns its length, 0 when invalid. */
std::size_t decodeUtf8(std::string_view s, std::size_t i, char32_t& cp) {
    const auto b0 = static_cast<std::uint8_t>(s[i]);
    std::size_t len = 0;
    if (b0 < 0x80) {
        cp = b0;
        return 1;
    }
    if ((b0 & 0xE0) == 0xC0) {
        len = 2;
        cp = b0 & 0x1FU;
    } else if ((b0 & 0xF0) == 0xE0) {
        len = 3;
        cp = b0 & 0x0FU;
    } else if ((b0 & 0xF8) == 0xF0) {
        len = 4;
        cp = b0 & 0x07U;
    } else {
        return 0;
    }
    if (i + len > s.size()) {
        return 0;
    }
    for (std::size_t k = 1; k < len; ++k) {
        const auto b = static_cast<std::uint8_t>(s[i + k]);
        if ((b & 0xC0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (b & 0x3FU);
    }
    // Overlong forms, surrogates and values beyond U+10FFFF are not UTF-8.
    static constexpr char32_t minimum[5] = { 0, 0, 0x80, 0x800, 0x10000 };
    if (cp < minimum[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        return 0;
    }
    return len;
}

} // namespace

std::string utf8ToGbk(std::string_view utf8) {
    Iconv cd("GBK", "UTF-8");
    std::string out;
    out.reserve(utf8.size());
    std::size_t index = 0;
    for (std::size_t i = 0; i < utf8.size(); ++index) {
        char32_t cp = 0;
        const auto len = decodeUtf8(utf8, i, cp);
        if (len == 0) {
            throw EncodingError(
                "invalid UTF-8 at byte " + std::to_string(i) + " of the text", "", index);
        }
        const auto ch = std::string(utf8.substr(i, len));
        if (cp < 0x20 && cp != '\n') {
            throw EncodingError("control character " + codePointName(cp) + " at character "
                    + std::to_string(index) + " cannot be printed as text",
                ch, index);
        }
        if (cp == 0x7F) {
            throw EncodingError("control character U+007F at character " + std::to_string(index)
                    + " cannot be printed as text",
                ch, index);
        }
        if (cp < 0x80) {
            out.push_back(static_cast<char>(cp));
        } else if (!cd.convert(ch, out)) {
            throw EncodingError("character '" + ch + "' (" + codePointName(cp) + ") at character "
                    + std::to_string(index) + " cannot be encoded in GBK",
                ch, index);
        }
        i += len;
    }
    return out;
}

std::string gbkPairToUtf8(std::uint8_t lead, std::uint8_t trail) {
    if (lead < 0x81 || lead > 0xFE || trail < 0x40 || trail > 0xFE || trail == 0x7F) {
        return {};
    }
    Iconv cd("UTF-8", "GBK");
    const char pair[2] = { static_cast<char>(lead), static_cast<char>(trail) };
    std::string out;
    if (!cd.convert(std::string_view(pair, 2), out)) {
        return {};
    }
    return out;
}

std::string gbkToUtf8(std::span<const std::uint8_t> gbk) {
    std::string out;
    for (std::size_t i = 0; i < gbk.size();) {
        const auto b = gbk[i];
        if (b < 0x80) {
            out.push_back(static_cast<char>(b));
            ++i;
            continue;
        }
        if (i + 1 >= gbk.size()) {
            throw hc::InputError(
                "GBK text ends inside a double-byte character at offset " + std::to_string(i));
        }
        auto ch = gbkPairToUtf8(b, gbk[i + 1]);
        if (ch.empty()) {
            char buf[96];
            std::snprintf(buf, sizeof buf, "bytes %02X %02X at offset %zu are not a GBK character",
                b, gbk[i + 1], i);
            throw hc::InputError(buf);
        }
        out += ch;
        i += 2;
    }
    return out;
}

std::size_t displayWidth(std::string_view utf8) {
    std::size_t width = 0;
    for (const char c : utf8) {
        const auto b = static_cast<std::uint8_t>(c);
        if (b < 0x80) {
            ++width;
        } else if ((b & 0xC0) != 0x80) {
            width += 2;
        }
    }
    return width;
}

} // namespace hc::printer
