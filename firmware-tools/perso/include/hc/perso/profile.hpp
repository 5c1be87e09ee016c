// PersoProfile: what the personalization engine needs to know about a card product, as data (a
// JSON file, "hc-perso-profile/1"): the health-card profile (file tree, access conditions,
// elements: hc::card::health::CardProfile), the keys each DF receives and the master key each is
// diversified from, the transport key, the PIN policy and the fixed card-identification values.
// The default (firmware-tools/perso/profiles/ws543-2017.json, also compiled in as
// PersoProfile::defaultProfile()) follows healthcard-reference.md §2 and §4. Plain value type,
// any thread.
#pragma once

#include "hc/card/health/profile.hpp"
#include "hc/hsm/key.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace hc::perso {

/** What a card key is for. */
enum class KeyRole {
    Read, ///< RK: EXTERNAL AUTHENTICATE before reading (reference §4)
    Update, ///< UK: EXTERNAL AUTHENTICATE before writing
    Transmission, ///< STK: secure messaging (encryption + MAC) of the DF
};

/** "read", "update", "transmission". */
std::string_view describe(KeyRole role);

/** One key loaded into a DF, and where it comes from. */
struct KeyLoadSpec {
    /** What the key is for. */
    KeyRole role = KeyRole::Read;
    /** Key id on the card (EXTERNAL AUTHENTICATE P2); 0 for the transmission key. */
    std::uint8_t cardKeyId = 0;
    /** The master key's SAM slot (80 DE P1 P2, e.g. 0x4731): the master is the HSM key
     * PersoProfile::masterRef(slot). P1 high nibble 4 = two levels (city8, then cardNo8), 2 =
     * one level (cardNo8): card key = master diversified as hc/card/health/crypto.hpp says. */
    std::uint16_t masterSlot = 0;
    /** Failed authentications before the card blocks the key. */
    int maxTries = 15;
    /** True when the master slot asks for city8 as well (P1 high nibble 4). */
    bool twoLevels() const { return (masterSlot & 0xF000) == 0x4000; }
};

/** The keys of one DF. */
struct DfKeys {
    /** DF name as in the card profile ("DDF1", "DF01", ...). */
    std::string df;
    /** The keys, loaded in this order. */
    std::vector<KeyLoadSpec> keys;
};

/** Whether the issuer gives the cardholder PIN or the engine generates it. */
enum class PinSource {
    Given, ///< PersoInput::pin is required (e.g. typed by the resident at a kiosk)
    Generated, ///< random digits from the OS CSPRNG, returned once in PersoResult (PIN mailer)
};

/** The issuer's PIN policy. PINs are ASCII digits on the card (docs/healthcard.md). */
struct PinPolicy {
    /** Given or generated. */
    PinSource source = PinSource::Generated;
    /** PIN length in digits (given PINs must have it too). */
    std::size_t length = 6;
    /** Wrong PINs before the PIN blocks. */
    int maxTries = 3;
    /** PUK length in digits (the PUK is always generated unless PersoInput::puk is set). */
    std::size_t pukLength = 8;
    /** Wrong PUKs before the PUK blocks. */
    int pukMaxTries = 10;
};

/** The personalization profile of a card product. */
struct PersoProfile {
    /** Profile name ("ws543-2017"). */
    std::string name;
    /** The health-card profile: file tree, access conditions, elements, SAM slots. */
    hc::card::health::CardProfile card;
    /** Keys per DF, in the order of card.dfs. */
    std::vector<DfKeys> dfKeys;
    /** Master key labels: the master of SAM slot P1P2 is "<masterLabelPrefix>.<P1P2 hex>" version
     * masterVersion (the labels of hc::card::health::HsmSam::defaultLabels()). */
    std::string masterLabelPrefix = "hc.master";
    /** Version of every master key. */
    std::uint32_t masterVersion = 1;
    /** The transport master in the HSM (SM4). The blank card's transport key is this master
     * diversified by the 8-byte chip serial (docs/issuance-card-os.md). */
    hc::hsm::KeyRef transportMaster { "hc.perso.transport", 1 };
    /** The PIN policy. */
    PinPolicy pin;
    /** Element 01 卡的类别 written on every card. */
    std::string cardType = "1";
    /** Element 02 规范版本 written on every card. */
    std::string specVersion = "V1.0";

    /** The compiled-in default: the reference's layout and key table. */
    static PersoProfile defaultProfile();
    /** Parses the JSON form ("format": "hc-perso-profile/1"). "card_profile" is either
     * "builtin:ws543-2017" or an inline object in the "hc-health-profile/1" format. Throws
     * hc::InputError naming the JSON path that is wrong. */
    static PersoProfile fromJson(std::string_view json);
    /** Reads and parses a profile file. Throws hc::Error (CheckConfiguration) when unreadable. */
    static PersoProfile load(const std::filesystem::path& path);
    /** The JSON form (card profile inline), the inverse of fromJson. */
    std::string toJson() const;

    /** The HSM key of a master slot. */
    hc::hsm::KeyRef masterRef(std::uint16_t slot) const;
    /** The keys of a DF, or nullptr. */
    const DfKeys* keysOf(const std::string& dfName) const;
    /** Checks consistency (every DF of the card profile has keys, every access condition names
     * a loaded key, exactly one transmission key per DF). Throws hc::InputError. */
    void validate() const;
};

} // namespace hc::perso
