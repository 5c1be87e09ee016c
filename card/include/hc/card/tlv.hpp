// Tag-length-value codecs: BER-TLV (ISO 7816-4 section 6.3 / X.690) and the health card's simple
// TLV (1-byte tag, 1-byte length).
//
// Both parsers are strictly bounds-checked: a length that runs past the buffer, an indefinite
// length (80), a length field of more than 3 bytes, a tag that runs off the end or is longer than 3
// bytes all throw hc::InputError naming the offset (from the start of the buffer given to the
// parser) and what was wrong. Pure functions, no I/O, safe from any thread.
#pragma once

#include "hc/card/bytes.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace hc::card {

/** Deepest nesting of constructed BER-TLV objects the parser accepts. */
inline constexpr std::size_t kBerMaxDepth = 32;
/** Largest BER-TLV length the codec handles (3 length bytes: 83 FF FF FF). */
inline constexpr std::size_t kBerMaxLength = 0xFFFFFF;

/** A BER-TLV tag of 1 to 3 bytes, held as its big-endian value: 5A, 9F36, BF0C, 5F2D. */
using BerTag = std::uint32_t;

/** Number of bytes tag `tag` encodes to (1..3). */
std::size_t berTagSize(BerTag tag);
/** True when the tag's first byte has the constructed bit (b6, 0x20) set. */
bool berTagConstructed(BerTag tag);
/** Appends the tag bytes. Throws InputError for a tag that is not a valid 1..3 byte tag. */
void appendBerTag(Bytes& out, BerTag tag);
/** Appends a definite length in its shortest form (1..4 bytes). Throws InputError above
 * kBerMaxLength. */
void appendBerLength(Bytes& out, std::size_t length);

/** One BER-TLV data object. Constructed objects carry their parsed children as well as the raw
 * value bytes. */
struct BerTlv {
    /** The tag, as its big-endian value (e.g. 0x9F36). */
    BerTag tag = 0;
    /** The value field as it appeared (for constructed objects: the encoded children). */
    Bytes value;
    /** Parsed children when the tag is constructed; empty for primitive objects. */
    std::vector<BerTlv> children;
    /** Offset of the tag's first byte in the buffer given to the parser (0 for built objects). */
    std::size_t offset = 0;

    /** A primitive object. Throws InputError when `tag` is constructed or invalid. */
    static BerTlv primitive(BerTag tag, Bytes value);
    /** A constructed object from children (the value is their encoding). Throws InputError when
     * `tag` is not constructed. */
    static BerTlv constructed(BerTag tag, std::vector<BerTlv> children);

    /** True when the tag's constructed bit is set. */
    bool isConstructed() const { return berTagConstructed(tag); }
    /** Tag, minimal definite length and value. */
    Bytes encode() const;
    /** First direct child with `tag`, or nullptr. */
    const BerTlv* find(BerTag childTag) const;
    /** First object with `tag` in a depth-first walk of the children (not this object). */
    const BerTlv* findRecursive(BerTag descendantTag) const;

    friend bool operator==(const BerTlv& a, const BerTlv& b) {
        return a.tag == b.tag && a.value == b.value && a.children == b.children;
    }
};

/** How parseBerTlv treats 00 and FF bytes where a tag could start. */
enum class BerPadding {
    Reject, ///< 00 and FF are read as tags (FF then fails as an unterminated multi-byte tag).
    Skip, ///< ISO 7816-4: 00 or FF before, between or after objects are padding and skipped.
};

/** Parses a sequence of BER-TLV objects that fills `bytes` exactly; constructed objects are
 * parsed recursively (children may not be padded). Throws InputError naming the offset. */
std::vector<BerTlv> parseBerTlv(ByteView bytes, BerPadding padding = BerPadding::Reject);
/** Parses exactly one BER-TLV object that fills `bytes` (no trailing bytes). */
BerTlv parseBerTlvSingle(ByteView bytes);
/** Encodes tag, length and value. */
Bytes encodeBerTlv(BerTag tag, ByteView value);
/** Encodes a sequence of objects back to back. */
Bytes encodeBerTlv(const std::vector<BerTlv>& objects);
/** First object with `tag` in `objects` (top level only), or nullptr. */
const BerTlv* findBerTlv(const std::vector<BerTlv>& objects, BerTag tag);
/** First object with `tag` anywhere in `objects`, depth first, or nullptr. */
const BerTlv* findBerTlvRecursive(const std::vector<BerTlv>& objects, BerTag tag);

/** One simple TLV element of the health card: 1-byte tag, 1-byte length (0..255), value. */
struct SimpleTlv {
    /** Tag byte. */
    std::uint8_t tag = 0;
    /** Value bytes (at most 255). */
    Bytes value;
    /** Offset of the tag byte in the buffer given to the parser (0 for built elements). */
    std::size_t offset = 0;

    /** Tag, length, value. Throws InputError when the value exceeds 255 bytes. */
    Bytes encode() const;

    friend bool operator==(const SimpleTlv& a, const SimpleTlv& b) {
        return a.tag == b.tag && a.value == b.value;
    }
};

/** How parseSimpleTlv treats a fill at the end of a fixed-size record. */
enum class SimplePadding {
    Reject, ///< Every byte must belong to an element.
    AllowTrailing ///< A tag byte of 00 or FF starts padding: the rest must all be that byte.
};

/** Parses a buffer holding several simple TLV elements back to back. Throws InputError naming the
 * offset when a length runs past the buffer or a tag has no length byte. */
std::vector<SimpleTlv> parseSimpleTlv(
    ByteView bytes, SimplePadding padding = SimplePadding::Reject);
/** Encodes one element. Throws InputError when `value` exceeds 255 bytes. */
Bytes encodeSimpleTlv(std::uint8_t tag, ByteView value);
/** Encodes several elements back to back. */
Bytes encodeSimpleTlv(const std::vector<SimpleTlv>& elements);
/** First element with `tag`, or nullptr. */
const SimpleTlv* findSimpleTlv(const std::vector<SimpleTlv>& elements, std::uint8_t tag);

} // namespace hc::card
