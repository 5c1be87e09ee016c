// Personalizer: turns a blank card (the typical card OS of docs/issuance-card-os.md) into a
// resident's health card, reads it back, and runs the card-side lifecycle operations.
//
// Keys: every card key is derived inside the HSM (master diversified by city8 and cardNo8, as
// hc/card/health/crypto.hpp says) and leaves it only encrypted under the card's transport key
// (Hsm::wrapForCard); the clear key never exists outside the HSM. Patient data is written
// through the health-card library's codecs (encodeElement, encodeAllergy, ...).
//
// Threading: a Personalizer may be used by several threads at once, each with its own
// CardChannel (one worker per reader); the Hsm must be thread-safe (both backends are).
#pragma once

#include "hc/card/card_channel.hpp"
#include "hc/card/health/model.hpp"
#include "hc/hsm/hsm.hpp"
#include "hc/perso/error.hpp"
#include "hc/perso/profile.hpp"

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace hc::perso {

/** Who issues the card: written into DDF1/EF05. */
struct IssuerIdentity {
    /** 03 发卡机构名称 (GBK, at most 30 bytes). */
    std::string name;
    /** 04 发卡机构代码, 11 digits. */
    std::string code;
    /** 39 应用城市代码, 6 digits (GB/T 2260); its first digits form city8 for key derivation. */
    std::string cityCode;
    /** 05 发卡机构证书, 180 bytes; empty = 180 zero bytes. */
    hc::Bytes certificate;
};

/** Everything one card needs. */
struct PersoInput {
    /** 08 卡号 (the register allocates it; at most 18 characters). */
    std::string cardNumber;
    /** The resident's data. identity.holder, validity (phones, payment methods), addresses,
     * contacts, social, documents, clinical, allergies, immunisations and photo are written;
     * identity.card and validity.expiryDate are ignored (set from the fields below and from the
     * card); the visit indexes are written all free. */
    hc::card::health::HealthCardData resident;
    /** 06 发卡时间 YYYYMMDD. */
    std::string issueDate;
    /** 07 卡有效期 YYYYMMDD. */
    std::string expiryDate;
    /** The PIN (digits, PinPolicy::length): required when the policy is Given, must be empty
     * when it is Generated. */
    std::optional<std::string> pin;
    /** The PUK; empty = generated. */
    std::optional<std::string> puk;
    /** 09 安全码 (3 characters); empty = 3 random digits. */
    std::string securityCode;
    /** The issuer. */
    IssuerIdentity issuer;
};

/** Time and APDUs of one stage. */
struct StageTiming {
    /** The stage. */
    PersoStage stage = PersoStage::Open;
    /** Wall time spent in it (HSM and card). */
    std::chrono::microseconds elapsed { 0 };
    /** APDUs sent to the card in it. */
    std::size_t apdus = 0;
};

/** A personalized and verified card. */
struct PersoResult {
    /** The chip serial, 16 hex digits (the card's 8-byte diversifier cardNo8). */
    std::string chipSerial;
    /** APDUs sent to the card, read-back included. */
    std::size_t apdus = 0;
    /** Per stage in order of first use (open, files, keys, data, pin, lifecycle, verify); files,
     * keys and data alternate DF by DF and are summed per stage. */
    std::vector<StageTiming> stages;
    /** Total wall time. */
    std::chrono::microseconds elapsed { 0 };
    /** The data as written and verified (identity.card filled in). */
    hc::card::health::HealthCardData written;
    /** The PIN set on the card: the generated one (print it on the PIN mailer) or the given
     * one. Secret: never log it, wipe it after use. */
    std::string pin;
    /** The PUK set on the card. Secret, as the PIN. */
    std::string puk;
};

/** One field that reads back different from what was written. Values are patient data: show
 * them to an operator, never write them to logs. */
struct FieldMismatch {
    /** Element key ("holder.name", "allergies[1].reaction", "photo"). */
    std::string field;
    /** What should be on the card. */
    std::string expected;
    /** What the card holds. */
    std::string actual;
};

/** What a card in a reader is. */
enum class CardState {
    Blank, ///< the blank card OS, in personalization state, nothing created yet
    Partial, ///< in personalization state with files or keys already created: spoiled
    Issued, ///< personalized and issued, application usable
    Blocked, ///< issued, application blocked (APPLICATION BLOCK / DEACTIVATE FILE)
    Foreign, ///< does not answer the blank card OS's GET DATA: not a card this engine made
};

/** "blank", "partial", "issued", "blocked", "foreign". */
std::string_view describe(CardState state);

/** probe(): the chip's serial and state. */
struct ChipInfo {
    /** 16 hex digits, from the card's GET DATA (or the ATR's diversifier for Foreign cards). */
    std::string chipSerial;
    /** The state. */
    CardState state = CardState::Foreign;
    /** The ATR. */
    hc::Bytes atr;
};

/** The engine. Holds the HSM by reference (it must outlive the Personalizer). */
class Personalizer {
public:
    /** Uses `hsm` holding the masters (profile.masterRef) and the transport master. Throws
     * hc::InputError when the profile is inconsistent. */
    Personalizer(hc::hsm::Hsm& hsm, PersoProfile profile = PersoProfile::defaultProfile());

    /** The profile. */
    const PersoProfile& profile() const { return m_profile; }

    /** Checks the input (holder, dates, card number, PIN policy, issuer) without touching any
     * card. Throws hc::InputError / hc::card::health::ValidationError naming the field. */
    void checkInput(const PersoInput& input) const;

    /** Personalizes the blank card on `channel`: open (probe, transport authentication),
     * create the files and load the keys, write the data, load PIN and PUK, move the card to
     * its issued state, read everything back and compare. Throws hc::InputError before the first
     * APDU when the input is wrong (the card is untouched), PersoError naming the stage when the
     * card failed or does not read back what was written (the card is spoiled). */
    PersoResult personalize(hc::card::CardChannel& channel, const PersoInput& input);

    /** Reads the whole card through hc::card::health::HealthCard (with an HsmSam over the same
     * HSM) and compares it field by field with `expected`; empty = identical. */
    std::vector<FieldMismatch> verify(
        hc::card::CardChannel& channel, const hc::card::health::HealthCardData& expected);

    /** The chip serial and state of the card on `channel` (a few APDUs, nothing written). */
    ChipInfo probe(hc::card::CardChannel& channel);

    /** APPLICATION BLOCK (84 04 DEACTIVATE FILE on DDF1, MAC under the DDF1 transmission key):
     * afterwards SELECT DDF1 answers 6283 and every read is refused. Throws PersoError
     * (Lifecycle). Returns the APDUs sent. */
    std::size_t blockApplication(hc::card::CardChannel& channel);
    /** APPLICATION UNBLOCK (84 44 ACTIVATE FILE on DDF1, MAC under the DDF1 transmission key).
     * Returns the APDUs sent. */
    std::size_t unblockApplication(hc::card::CardChannel& channel);
    /** Issuer PIN reset (84 24 00 01: new PIN encrypted and MACed under the DDF1 transmission
     * key, healthcard-reference §5.5 is silent; docs/issuance-card-os.md): sets `newPin` (or a
     * generated one when empty, per the policy's length) and resets the retry counter. Returns
     * the PIN set (secret). Throws PersoError (Pin). */
    std::string resetPin(hc::card::CardChannel& channel, std::optional<std::string> newPin = {});

    /** Compares two data sets field by field (pure; used by verify()). */
    static std::vector<FieldMismatch> compare(const hc::card::health::HealthCardData& expected,
        const hc::card::health::HealthCardData& actual);

private:
    /** readAll through HealthCard + HsmSam, compared with `expected`; and the APDUs it took. */
    std::pair<std::vector<FieldMismatch>, std::size_t> readBack(
        hc::card::CardChannel& channel, const hc::card::health::HealthCardData& expected);
    /** A command of the issued card MACed (and with `plain`, encrypted) under the session key of
     * the DDF1 transmission key; returns the APDUs sent. */
    std::size_t appCommand(hc::card::CardChannel& channel, PersoStage stage, std::uint8_t ins,
        std::uint8_t p2, const hc::Bytes& plain, const std::string& what);

    hc::hsm::Hsm& m_hsm;
    PersoProfile m_profile;
};

} // namespace hc::perso
