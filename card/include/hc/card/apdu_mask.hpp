// Redaction of secrets and patient data in APDU traces and transcripts.
//
// A MaskPolicy is a table of rules "commands with INS x (and CLA in {..}) have their command data
// (or their response data) hidden". The default table hides PINs, key material and the data that
// READ BINARY / READ RECORD return (patient identifiers); a developer may opt in to seeing read
// data with MaskPolicy::withReadDataShown(). ExchangeMasker applies a policy to a stream of
// exchanges and carries a masked response over to the GET RESPONSE commands that fetch the rest
// of it (61xx), so a T=0 chain leaks nothing either.
//
// Masked bytes keep their count: a trace shows "<6 bytes masked>", a transcript shows "**" per
// byte ("0020008106************"), and a transcript pattern with "**" matches any byte.
#pragma once

#include "hc/card/apdu.hpp"
#include "hc/card/bytes.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hc::card {

/** A byte string in which some positions are hidden. Masked positions hold 00 in bytes(). */
class MaskedBytes {
public:
    MaskedBytes() = default;
    /** Nothing masked. */
    explicit MaskedBytes(Bytes bytes);
    /** Parses hex in which "**" stands for one masked byte ("00200081 06 ************").
     * Separators as in hc::fromHex. Throws InputError naming the position of a bad character. */
    static MaskedBytes parseHex(std::string_view text);

    /** Hides `count` bytes from `offset` (clamped to the size). */
    void mask(std::size_t offset, std::size_t count);

    /** The bytes, with 00 at masked positions. */
    const Bytes& bytes() const { return m_bytes; }
    /** Number of bytes, masked or not. */
    std::size_t size() const { return m_bytes.size(); }
    /** True when byte `i` is masked. */
    bool isMasked(std::size_t i) const { return i < m_masked.size() && m_masked[i]; }
    /** Number of masked bytes. */
    std::size_t maskedCount() const;

    /** Hex with "**" per masked byte, no separators (the transcript form). */
    std::string toHex() const;
    /** Hex runs and "<n bytes masked>" runs separated by spaces (the trace form). */
    std::string toTraceText() const;
    /** True when `actual` has the same size and equals every unmasked byte. */
    bool matches(ByteView actual) const;

    friend bool operator==(const MaskedBytes&, const MaskedBytes&) = default;

private:
    Bytes m_bytes;
    std::vector<bool> m_masked;
};

/** Which part of an exchange a rule hides. */
enum class MaskPart {
    CommandData, ///< the command's data field (PINs, keys); header and lengths stay visible
    ResponseData ///< the response's data field (read data); the status word stays visible
};

/** One row of the mask table. */
struct MaskRule {
    /** INS byte the rule applies to. */
    std::uint8_t ins = 0;
    /** CLA bytes the rule applies to; empty means any CLA. */
    std::vector<std::uint8_t> classes;
    /** What is hidden. */
    MaskPart part = MaskPart::CommandData;
    /** Why, for documentation and for the trace reader ("VERIFY: PIN"). */
    std::string reason;

    /** True when the rule covers a command with this CLA and INS. */
    bool appliesTo(std::uint8_t cla, std::uint8_t ins) const;
};

/**
 * The mask table. defaults() holds:
 *
 * | INS | CLA   | hidden        | why                                   |
 * |-----|-------|---------------|---------------------------------------|
 * | 20  | any   | command data  | VERIFY: PIN                           |
 * | 24  | any   | command data  | CHANGE REFERENCE DATA: old/new PIN    |
 * | 2C  | any   | command data  | RESET RETRY COUNTER: PUK/new PIN      |
 * | 5E  | 80,84 | command data  | proprietary PIN change/reload         |
 * | D4  | any   | command data  | key loading (WRITE KEY)               |
 * | D8  | any   | command data  | PUT KEY                               |
 * | E2  | 80,84 | command data  | proprietary key loading               |
 * | E4  | 80,84 | command data  | proprietary key loading               |
 * | B0  | any   | response data | READ BINARY: patient data             |
 * | B1  | any   | response data | READ BINARY (odd INS): patient data   |
 * | B2  | any   | response data | READ RECORD: patient data             |
 * | B3  | any   | response data | READ RECORD (odd INS): patient data   |
 */
class MaskPolicy {
public:
    /** An empty table: nothing is masked. Only for tests of the masking itself. */
    MaskPolicy() = default;
    /** A policy from an explicit table. */
    explicit MaskPolicy(std::vector<MaskRule> rules);
    /** The default table above. */
    static MaskPolicy defaults();

    /** Copy without the response-data rules, so read data shows in clear. For development
     * against emulated cards only: real patient identifiers must not reach logs. */
    MaskPolicy withReadDataShown() const;
    /** Copy with one more rule. */
    MaskPolicy with(MaskRule rule) const;

    /** The table. */
    const std::vector<MaskRule>& rules() const { return m_rules; }
    /** The first rule hiding the command data of `command`, or nullptr. */
    const MaskRule* commandRule(const CommandApdu& command) const;
    /** The first rule hiding the response data of `command`, or nullptr. */
    const MaskRule* responseRule(const CommandApdu& command) const;

private:
    std::vector<MaskRule> m_rules;
};

/** Applies a MaskPolicy to a sequence of exchanges on one channel. Remembers whether the last
 * response was masked and ended in 61xx, so the following GET RESPONSE data is masked too. */
class ExchangeMasker {
public:
    /** Uses `policy` for every exchange. */
    explicit ExchangeMasker(MaskPolicy policy);

    /** The encoded command with its data masked when a rule says so. */
    MaskedBytes command(const CommandApdu& command) const;
    /** The encoded response (data and SW) with its data masked when a rule (or a masked 61xx
     * chain) says so. Call once per exchange, in order: it updates the chain state. */
    MaskedBytes response(const CommandApdu& command, const ResponseApdu& response);
    /** Forgets the chain state (after a card reset). */
    void reset() { m_chainMasked = false; }

    /** The policy in use. */
    const MaskPolicy& policy() const { return m_policy; }

private:
    MaskPolicy m_policy;
    bool m_chainMasked = false;
};

} // namespace hc::card
