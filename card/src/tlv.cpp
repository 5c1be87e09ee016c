#include "hc/card/tlv.hpp"

#include "hc/card/error.hpp"

#include <string>

namespace hc::card {

namespace {

std::string n(std::size_t v) {
    return std::to_string(v);
}

std::string hex8(std::uint8_t b) {
    const std::uint8_t one[1] = { b };
    return toHex(one);
}

std::string tagHex(BerTag tag) {
    Bytes b;
    appendBigEndian(b, tag, berTagSize(tag));
    return toHex(b);
}

std::ptrdiff_t off(std::size_t v) {
    return static_cast<std::ptrdiff_t>(v);
}

class BerParser {
public:
    BerParser(ByteView bytes, std::size_t base)
        : m_bytes(bytes)
        , m_base(base) { }

    std::vector<BerTlv> parseAll(BerPadding padding, std::size_t depth) {
        std::vector<BerTlv> out;
        while (m_pos < m_bytes.size()) {
            if (padding == BerPadding::Skip && (m_bytes[m_pos] == 0x00 || m_bytes[m_pos] == 0xFF)) {
                ++m_pos;
                continue;
            }
            out.push_back(parseOne(depth));
        }
        return out;
    }

    BerTlv parseOne(std::size_t depth) {
        BerTlv tlv;
        const std::size_t start = m_pos;
        tlv.offset = m_base + start;
        tlv.tag = readTag();
        const std::size_t length = readLength(tlv.tag, start);
        if (length > m_bytes.size() - m_pos) {
            throw InputError("BER-TLV at offset " + n(m_base + start) + ": tag " + tagHex(tlv.tag)
                + " has length " + n(length) + " but only " + n(m_bytes.size() - m_pos)
                + " bytes follow");
        }
        const ByteView value = m_bytes.subspan(m_pos, length);
        tlv.value.assign(value.begin(), value.end());
        if (berTagConstructed(tlv.tag)) {
            if (depth + 1 > kBerMaxDepth) {
                throw InputError("BER-TLV at offset " + n(m_base + start)
                    + ": constructed objects nested deeper than " + n(kBerMaxDepth));
            }
            BerParser inner(value, m_base + m_pos);
            tlv.children = inner.parseAll(BerPadding::Reject, depth + 1);
        }
        m_pos += length;
        return tlv;
    }

private:
    BerTag readTag() {
        const std::size_t start = m_pos;
        BerTag tag = m_bytes[m_pos++];
        if ((tag & 0x1F) != 0x1F) {
            return tag;
        }
        for (std::size_t count = 1;; ++count) {
            if (m_pos >= m_bytes.size()) {
                throw InputError("BER-TLV at offset " + n(m_base + start)
                    + ": multi-byte tag runs off the end of the buffer");
            }
            if (count == 3) {
                throw InputError(
                    "BER-TLV at offset " + n(m_base + start) + ": tag longer than 3 bytes");
            }
            const std::uint8_t b = m_bytes[m_pos++];
            tag = (tag << 8) | b;
            if ((b & 0x80) == 0) {
                return tag;
            }
        }
    }

    std::size_t readLength(BerTag tag, std::size_t start) {
        const std::string where
            = "BER-TLV at offset " + n(m_base + start) + " (tag " + tagHex(tag) + ")";
        if (m_pos >= m_bytes.size()) {
            throw InputError(where + ": length byte missing at offset " + n(m_base + m_pos));
        }
        const std::uint8_t first = m_bytes[m_pos++];
        if (first < 0x80) {
            return first;
        }
        if (first == 0x80) {
            throw InputError(where + ": indefinite length (80) at offset " + n(m_base + m_pos - 1)
                + " is not allowed");
        }
        const std::size_t count = first & 0x7Fu;
        if (count > 3) {
            throw InputError(where + ": length field " + hex8(first) + " at offset "
                + n(m_base + m_pos - 1) + " announces " + n(count)
                + " length bytes, at most 3 are supported");
        }
        if (count > m_bytes.size() - m_pos) {
            throw InputError(where + ": length field " + hex8(first) + " needs " + n(count)
                + " length bytes but only " + n(m_bytes.size() - m_pos) + " follow");
        }
        std::size_t length = 0;
        for (std::size_t i = 0; i < count; ++i) {
            length = (length << 8) | m_bytes[m_pos++];
        }
        return length;
    }

    ByteView m_bytes;
    std::size_t m_base;
    std::size_t m_pos = 0;
};

} // namespace

std::size_t berTagSize(BerTag tag) {
    if (tag > 0xFFFF) {
        return 3;
    }
    return tag > 0xFF ? 2 : 1;
}

bool berTagConstructed(BerTag tag) {
    const auto first = static_cast<std::uint8_t>(tag >> (8 * (berTagSize(tag) - 1)));
    return (first & 0x20) != 0;
}

void appendBerTag(Bytes& out, BerTag tag) {
    const std::size_t size = berTagSize(tag);
    if (tag > 0xFFFFFF) {
        throw InputError("BER tag " + std::to_string(tag) + " is longer than 3 bytes");
    }
    Bytes b;
    appendBigEndian(b, tag, size);
    // The byte sequence must itself parse as exactly this tag.
    const bool multi = (b[0] & 0x1F) == 0x1F;
    bool valid = multi ? size > 1 : size == 1;
    for (std::size_t i = 1; valid && i < size; ++i) {
        const bool last = i + 1 == size;
        valid = ((b[i] & 0x80) != 0) != last;
    }
    if (!valid) {
        throw InputError("BER tag " + toHex(b) + " is not a valid tag encoding");
    }
    out.insert(out.end(), b.begin(), b.end());
}

void appendBerLength(Bytes& out, std::size_t length) {
    if (length > kBerMaxLength) {
        throw InputError("BER length " + n(length) + " exceeds 3 length bytes");
    }
    if (length < 0x80) {
        out.push_back(static_cast<std::uint8_t>(length));
    } else if (length <= 0xFF) {
        out.push_back(0x81);
        appendBigEndian(out, length, 1);
    } else if (length <= 0xFFFF) {
        out.push_back(0x82);
        appendBigEndian(out, length, 2);
    } else {
        out.push_back(0x83);
        appendBigEndian(out, length, 3);
    }
}

BerTlv BerTlv::primitive(BerTag tag, Bytes value) {
    Bytes probe;
    appendBerTag(probe, tag);
    if (berTagConstructed(tag)) {
        throw InputError("BER tag " + tagHex(tag) + " is constructed; use BerTlv::constructed");
    }
    BerTlv tlv;
    tlv.tag = tag;
    tlv.value = std::move(value);
    return tlv;
}

BerTlv BerTlv::constructed(BerTag tag, std::vector<BerTlv> children) {
    Bytes probe;
    appendBerTag(probe, tag);
    if (!berTagConstructed(tag)) {
        throw InputError("BER tag " + tagHex(tag) + " is primitive; use BerTlv::primitive");
    }
    BerTlv tlv;
    tlv.tag = tag;
    tlv.value = encodeBerTlv(children);
    tlv.children = std::move(children);
    return tlv;
}

Bytes BerTlv::encode() const {
    return encodeBerTlv(tag, value);
}

const BerTlv* BerTlv::find(BerTag childTag) const {
    return findBerTlv(children, childTag);
}

const BerTlv* BerTlv::findRecursive(BerTag descendantTag) const {
    return findBerTlvRecursive(children, descendantTag);
}

std::vector<BerTlv> parseBerTlv(ByteView bytes, BerPadding padding) {
    BerParser parser(bytes, 0);
    return parser.parseAll(padding, 0);
}

BerTlv parseBerTlvSingle(ByteView bytes) {
    if (bytes.empty()) {
        throw InputError("BER-TLV: empty buffer, expected one object");
    }
    auto all = parseBerTlv(bytes);
    if (all.size() != 1) {
        throw InputError("BER-TLV: expected one object, found " + n(all.size())
            + " (the second starts at offset " + n(all[1].offset) + ")");
    }
    return std::move(all.front());
}

Bytes encodeBerTlv(BerTag tag, ByteView value) {
    Bytes out;
    appendBerTag(out, tag);
    appendBerLength(out, value.size());
    out.insert(out.end(), value.begin(), value.end());
    return out;
}

Bytes encodeBerTlv(const std::vector<BerTlv>& objects) {
    Bytes out;
    for (const auto& o : objects) {
        const Bytes e = o.encode();
        out.insert(out.end(), e.begin(), e.end());
    }
    return out;
}

const BerTlv* findBerTlv(const std::vector<BerTlv>& objects, BerTag tag) {
    for (const auto& o : objects) {
        if (o.tag == tag) {
            return &o;
        }
    }
    return nullptr;
}

const BerTlv* findBerTlvRecursive(const std::vector<BerTlv>& objects, BerTag tag) {
    for (const auto& o : objects) {
        if (o.tag == tag) {
            return &o;
        }
        if (const BerTlv* found = findBerTlvRecursive(o.children, tag)) {
            return found;
        }
    }
    return nullptr;
}

Bytes SimpleTlv::encode() const {
    return encodeSimpleTlv(tag, value);
}

std::vector<SimpleTlv> parseSimpleTlv(ByteView bytes, SimplePadding padding) {
    std::vector<SimpleTlv> out;
    std::size_t pos = 0;
    while (pos < bytes.size()) {
        const std::uint8_t tag = bytes[pos];
        if (padding == SimplePadding::AllowTrailing && (tag == 0x00 || tag == 0xFF)) {
            for (std::size_t i = pos; i < bytes.size(); ++i) {
                if (bytes[i] != tag) {
                    throw InputError("simple TLV: padding " + hex8(tag) + " from offset " + n(pos)
                        + " is followed by " + hex8(bytes[i]) + " at offset " + n(i));
                }
            }
            break;
        }
        if (pos + 1 >= bytes.size()) {
            throw InputError("simple TLV at offset " + n(pos) + ": tag " + hex8(tag)
                + " has no length byte (buffer ends)");
        }
        const std::size_t length = bytes[pos + 1];
        const std::size_t left = bytes.size() - pos - 2;
        if (length > left) {
            throw InputError("simple TLV at offset " + n(pos) + ": tag " + hex8(tag)
                + " has length " + n(length) + " but only " + n(left) + " bytes follow");
        }
        SimpleTlv e;
        e.tag = tag;
        e.offset = pos;
        e.value.assign(bytes.begin() + off(pos + 2), bytes.begin() + off(pos + 2 + length));
        out.push_back(std::move(e));
        pos += 2 + length;
    }
    return out;
}

Bytes encodeSimpleTlv(std::uint8_t tag, ByteView value) {
    if (value.size() > 0xFF) {
        throw InputError("simple TLV: tag " + hex8(tag) + " value of " + n(value.size())
            + " bytes exceeds the 1-byte length (255)");
    }
    Bytes out { tag, static_cast<std::uint8_t>(value.size()) };
    out.insert(out.end(), value.begin(), value.end());
    return out;
}

Bytes encodeSimpleTlv(const std::vector<SimpleTlv>& elements) {
    Bytes out;
    for (const auto& e : elements) {
        const Bytes b = e.encode();
        out.insert(out.end(), b.begin(), b.end());
    }
    return out;
}

const SimpleTlv* findSimpleTlv(const std::vector<SimpleTlv>& elements, std::uint8_t tag) {
    for (const auto& e : elements) {
        if (e.tag == tag) {
            return &e;
        }
    }
    return nullptr;
}

} // namespace hc::card
