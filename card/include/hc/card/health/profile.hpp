// The card profile: everything about the health card that the reference marks [guess] or leaves
// open, as data instead of constants in code. CardProfile::ws543_2017() is the default, taken
// from healthcard-reference.md (the 2012 V1.0 layout the vendor code implements); each choice is
// written down in docs/healthcard.md. A deployment with other cards copies the default and
// changes fields. Plain value type, any thread.
#pragma once

#include "hc/card/bytes.hpp"
#include "hc/card/health/codec.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hc::card::health {

/** A key as both ends name it: the card's EXTERNAL AUTHENTICATE P2 and the SAM's 80 DE P1 P2. */
struct KeySlot {
    /** Key reference on the card (EXTERNAL AUTHENTICATE P2). */
    std::uint8_t cardP2 = 0;
    /** SAM DELIVER KEY P1 (high nibble 2: one level, cardNo; 4: two levels, cardNo and city). */
    std::uint8_t samP1 = 0;
    /** SAM DELIVER KEY P2 (key index). */
    std::uint8_t samP2 = 0;
    /** True when the SAM derives with city8 as well (P1 high nibble 4). */
    bool twoLevels() const { return (samP1 & 0xF0) == 0x40; }
};

/** A dedicated file of the application. */
struct DfSpec {
    /** "DDF1", "DF01", ... */
    std::string name;
    /** File identifier. */
    std::uint16_t fid = 0;
    /** Parent DF FID (0 = the MF). */
    std::uint16_t parent = 0;
    /** The read key (RK). */
    KeySlot readKey;
    /** The transmission key (STK) for SM encryption and MACs; cardP2 unused. */
    KeySlot transportKey;
    /** DF name (AID) for SELECT by name, tried only when the card refuses SELECT by FID for this
     * DF. Empty in the default profile: the public layout names no AID (reference gap 1). */
    Bytes aid {};
};

/** How a file's content is organised. */
enum class FileKind {
    TlvRecords, ///< one simple-TLV element per record
    Binary, ///< transparent, 2-byte big-endian length then data (photo)
    CyclicRecords, ///< fixed-length raw records, newest first (allergies, immunisations)
    IndexRecords, ///< 1-byte records: 00 in use, FF free (visit indexes)
    VisitRecord, ///< transparent visit record (data, 64-byte signature, certificate)
};

/** An elementary file. */
struct FileSpec {
    /** "DDF1/EF05" */
    std::string name;
    /** FID of the DF that holds it. */
    std::uint16_t df = 0;
    /** FID of the EF. */
    std::uint16_t fid = 0;
    /** Short file identifier (READ RECORD P2 bits 8-4), 0 = none. */
    std::uint8_t sfi = 0;
    /** Content organisation. */
    FileKind kind = FileKind::TlvRecords;
    /** Key that must be authenticated before reading; none = free read. */
    std::optional<KeySlot> readKey;
    /** Key that must be authenticated before writing. */
    std::optional<KeySlot> updateKey;
    /** Writes use CLA 04 secure messaging (encrypted + MAC). */
    bool secureMessaging = false;
    /** Record count (record files). */
    std::size_t records = 0;
    /** Record size (cyclic and index files) or file size (binary files). */
    std::size_t size = 0;
    /** Read one record at a time by record identifier (READ RECORD P2 b3-b1 = 000, P1 = the
     * element's tag), as the vendor terminal code reads DDF1/EF05; by number (P2 = 04) when the
     * card refuses that. */
    bool readByIdentifier = false;
};

/** One of the 57 data elements: where it lives and how it is coded. */
struct ElementSpec {
    /** Tag = data-item number. */
    std::uint8_t tag = 0;
    /** Stable key used in JSON ("holder.name"). */
    std::string key;
    /** Chinese name from WS 537. */
    std::string label;
    /** Storage coding. */
    Coding coding = Coding::B;
    /** Fixed value length in bytes. */
    std::size_t length = 0;
    /** File name (FileSpec::name). */
    std::string file;
    /** Record number in that file (1-based). */
    std::uint8_t record = 0;
};

/** Where the 8-byte key diversifier (cardNo8) is in the ATR. */
struct DiversifierSpec {
    /** Bytes counted from the end of the historical bytes (the SSSE convention: the last 8).
     * The historical bytes are the contact ATR's, or for a PC/SC part 3 pseudo-ATR the ATS
     * historical bytes it carries, so both presentations give the same diversifier. */
    std::size_t offsetFromEnd = 8;
    /** Length (8). */
    std::size_t length = 8;
};

/** The whole card profile. */
struct CardProfile {
    /** Profile name ("ws543-2017"). */
    std::string name;
    /** DFs, DDF1 first. */
    std::vector<DfSpec> dfs;
    /** EFs. */
    std::vector<FileSpec> files;
    /** The 57 elements. */
    std::vector<ElementSpec> elements;
    /** Diversifier location in the ATR. */
    DiversifierSpec diversifier;
    /** Read a record file with one READ RECORD P2=05 (all records from P1) when true; one READ
     * RECORD per record otherwise. A card that refuses P2=05 is read per record. */
    bool bulkRead = true;
    /** Address EFs by SFI in READ RECORD / READ BINARY instead of a SELECT per EF. */
    bool addressBySfi = true;
    /** Allow extended Le for reads longer than 256 bytes (bulk reads of long files). */
    bool extendedLength = true;
    /** Largest READ BINARY chunk (reference: 0x80). */
    std::size_t binaryChunk = 0x80;
    /** The plain value of read-key authentication (reference: 1122334455667788). */
    Bytes readKeyPlain { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88 };
    /** The trailing byte of EXTERNAL AUTHENTICATE data (reference: 01). */
    std::uint8_t extAuthTrailer = 0x01;
    /** city8 = the first `cityDigits` digits of the city code as ASCII, then ASCII '0' to 8. */
    std::size_t cityDigits = 2;
    /** Visit-record certificate format: "sam-190" (the 190-byte SAM certificate, reference
     * §5.1) or "x509-der" (DER, zero-padded to the slot). */
    std::string certificateFormat = "sam-190";
    /** SM2 signer ID used in the SM3 Z value ("1234567812345678", GM/T 0009 default). */
    std::string signerId = "1234567812345678";

    /** The default from healthcard-reference.md. */
    static CardProfile ws543_2017();
    /** Parses the JSON form ("format": "hc-health-profile/1", see card/profiles/ws543-2017.json).
     * Every field is required; throws hc::InputError naming the JSON path that is wrong. */
    static CardProfile fromJson(std::string_view json);
    /** The JSON form (pretty, stable key order), the inverse of fromJson. */
    std::string toJson() const;

    /** The DF with that FID, or nullptr. */
    const DfSpec* df(std::uint16_t fid) const;
    /** The DF with that name ("DF02"), or nullptr. */
    const DfSpec* dfByName(const std::string& dfName) const;
    /** The file with that name ("DF02/EF07"), or nullptr. */
    const FileSpec* file(const std::string& fileName) const;
    /** The element with that tag, or nullptr. */
    const ElementSpec* element(std::uint8_t tag) const;
    /** The element with that key, or nullptr. */
    const ElementSpec* element(const std::string& key) const;
    /** The elements of one file, by record number. */
    std::vector<const ElementSpec*> elementsOf(const std::string& fileName) const;
};

} // namespace hc::card::health
