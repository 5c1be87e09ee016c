// ISO 7816-4 status words (SW1 SW2) as values, with a catalogue of meanings.
// A status word is never thrown: the caller decides what a 6A82 means for its flow.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hc::card {

/** Broad class of a status word, for callers that branch on the kind of outcome. */
enum class SwCategory {
    Success, ///< 9000
    MoreData, ///< 61xx: more response bytes available via GET RESPONSE
    WrongLength, ///< 6Cxx: resend with Le = xx; 6700: wrong length
    Warning, ///< 62xx, 63xx (incl. 63Cx tries left): processed with a warning
    SecurityError, ///< 6982, 6983, 6984, 6985, 6988, 9302: access or crypto refused
    NotFound, ///< 6A82, 6A83, 6A88, 9403
    ParameterError, ///< 6A86, 6B00, 6A80, 6A81, 6A84, 6A87
    NotSupported, ///< 6D00, 6E00
    FundsError, ///< 9401 insufficient balance, 9402 counter limit
    ExecutionError, ///< 64xx, 65xx, 66xx, 6F00 and anything not catalogued
};

/** A status word: two bytes, comparable, with its catalogued meaning. */
class StatusWord {
public:
    /** SW 0000 (not a valid card answer; a placeholder). */
    constexpr StatusWord() = default;
    /** From the 16-bit value, e.g. StatusWord(0x6A82). */
    constexpr explicit StatusWord(std::uint16_t value)
        : m_value(value) { }
    /** From SW1 and SW2. */
    constexpr StatusWord(std::uint8_t sw1, std::uint8_t sw2)
        : m_value(static_cast<std::uint16_t>((sw1 << 8) | sw2)) { }

    /** SW1 SW2 as one 16-bit value. */
    constexpr std::uint16_t value() const { return m_value; }
    /** First status byte. */
    constexpr std::uint8_t sw1() const { return static_cast<std::uint8_t>(m_value >> 8); }
    /** Second status byte. */
    constexpr std::uint8_t sw2() const { return static_cast<std::uint8_t>(m_value & 0xFF); }

    /** True for 9000 only. */
    constexpr bool ok() const { return m_value == 0x9000; }
    /** 61xx: xx more bytes wait for GET RESPONSE (xx = 00 means 256). */
    constexpr bool moreData() const { return sw1() == 0x61; }
    /** 6Cxx: wrong Le, the card tells the right one in SW2 (00 means 256). */
    constexpr bool wrongLe() const { return sw1() == 0x6C; }
    /** 63Cx: verification failed, x tries left. Empty for any other status word. */
    std::optional<int> triesLeft() const;
    /** 6983: authentication method (PIN or key) blocked. */
    constexpr bool blocked() const { return m_value == 0x6983; }

    /** Broad class of the status word (catalogue first, then SW1 ranges). */
    SwCategory category() const;
    /** Catalogued meaning in English, e.g. "file or application not found". */
    std::string meaning() const;
    /** "6A82" */
    std::string hex() const;

    /** Same 16-bit value. */
    friend constexpr bool operator==(StatusWord, StatusWord) = default;

private:
    std::uint16_t m_value = 0;
};

/** Named status words of the catalogue (ISO 7816-4 and PBOC/health-card codes). */
namespace sw {
/** 9000 */
inline constexpr StatusWord Ok { 0x9000 };
/** 6700 */
inline constexpr StatusWord WrongLength { 0x6700 };
/** 6982 */
inline constexpr StatusWord SecurityStatusNotSatisfied { 0x6982 };
/** 6983 */
inline constexpr StatusWord AuthenticationBlocked { 0x6983 };
/** 6984 */
inline constexpr StatusWord ReferenceDataNotUsable { 0x6984 };
/** 6985 */
inline constexpr StatusWord ConditionsNotSatisfied { 0x6985 };
/** 6986 */
inline constexpr StatusWord CommandNotAllowedNoEf { 0x6986 };
/** 6987 */
inline constexpr StatusWord SmDataObjectsMissing { 0x6987 };
/** 6988 */
inline constexpr StatusWord SmDataObjectsIncorrect { 0x6988 };
/** 6A80 */
inline constexpr StatusWord IncorrectData { 0x6A80 };
/** 6A81 */
inline constexpr StatusWord FunctionNotSupported { 0x6A81 };
/** 6A82 */
inline constexpr StatusWord FileNotFound { 0x6A82 };
/** 6A83 */
inline constexpr StatusWord RecordNotFound { 0x6A83 };
/** 6A84 */
inline constexpr StatusWord NotEnoughMemory { 0x6A84 };
/** 6A85 */
inline constexpr StatusWord LcInconsistentWithP1P2 { 0x6A85 };
/** 6A86 */
inline constexpr StatusWord IncorrectP1P2 { 0x6A86 };
/** 6A87 */
inline constexpr StatusWord LcInconsistent { 0x6A87 };
/** 6A88 */
inline constexpr StatusWord ReferencedDataNotFound { 0x6A88 };
/** 6B00 */
inline constexpr StatusWord WrongP1P2 { 0x6B00 };
/** 6D00 */
inline constexpr StatusWord InsNotSupported { 0x6D00 };
/** 6E00 */
inline constexpr StatusWord ClaNotSupported { 0x6E00 };
/** 6F00 */
inline constexpr StatusWord NoPreciseDiagnosis { 0x6F00 };
/** 6282 */
inline constexpr StatusWord EndOfFile { 0x6282 };
/** 9302 */
inline constexpr StatusWord MacInvalid { 0x9302 };
/** 9401 */
inline constexpr StatusWord InsufficientBalance { 0x9401 };
/** 9402 */
inline constexpr StatusWord CounterLimit { 0x9402 };
/** 9403 */
inline constexpr StatusWord KeyNotFound { 0x9403 };
} // namespace sw

} // namespace hc::card
