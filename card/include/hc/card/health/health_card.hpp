// HealthCard: one session with a resident health card over a CardChannel. Reads the data sets
// with as few APDUs as the card allows, authenticates with the SecureAccessModule before
// protected reads, and counts every APDU it sends.
//
// The card decides how (strategy.hpp); nothing is configured per card:
//   - EFs are addressed by SFI in READ RECORD / READ BINARY and the writes (no SELECT per EF)
//     until the card refuses that (6986, 6A81, 6A82, 6A86, 6D00, 6E00 or another 69xx/6Axx that
//     is not a security or data refusal); then the EF is selected by FID and the current EF is
//     addressed;
//   - a record file is read with one READ RECORD P2=05 (all records from P1) until the card
//     refuses that; then one record per command, DDF1/EF05 by record identifier (P2=00, P1 = tag)
//     as the public reference reads it, the other files by number (P2=04), Le = the record length;
//   - Le stays short (the long file is read as single records and a bulk tail that fits 256
//     bytes) unless the ATR announces extended Lc/Le (Atr::announcesExtendedLength);
//   - 61xx (GET RESPONSE) and 6Cxx (resend with Le = xx) are handled on every command, whatever
//     the channel below (transmitT0);
//   - a DF the card will not select by FID is selected by name when the profile has its AID;
//   - the PIN is VERIFY P2=00, or P2=80 in DDF1 when the card does not know the global reference.
// What one card taught is kept per card kind in a StrategyCache (default: the process-wide
// StrategyCache::shared()), so the next card of that kind costs no failed probe; strategyReport()
// says what was chosen and why (`hcard read --explain`).
// Each DF is selected at most once per session and each read key authenticated once. Every read
// call returns the APDUs it cost (Counted<T>::apdus), GET RESPONSE and resends included.
//
// Errors: a status word the flow cannot accept throws CardRefused (with the SW and the step); a
// record that does not fit the layout throws RecordError (records.hpp: file and record named;
// a file is read whole or not at all); data that does not decode throws ValidationError; missing
// SAM for a protected file throws hc::Error (CheckConfiguration). Patient identifiers never
// appear in messages.
// Threading: one thread at a time; the channel and the SAM must outlive the session.
#pragma once

#include "hc/card/card_channel.hpp"
#include "hc/card/error.hpp"
#include "hc/card/health/model.hpp"
#include "hc/card/health/profile.hpp"
#include "hc/card/health/sam.hpp"
#include "hc/card/health/sam_card.hpp"
#include "hc/card/health/strategy_cache.hpp"
#include "hc/card/health/visit_signature.hpp"
#include "hc/card/status_word.hpp"

#include <cstddef>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <utility>

namespace hc::card::health {

/** A value and the number of APDUs sent to the card to get it. */
template <typename T> struct Counted {
    /** The value read. */
    T value {};
    /** APDUs sent to the user card for this call (SAM traffic not included). */
    std::size_t apdus = 0;
};

/** The card answered a command with a status word the flow cannot accept. */
class CardRefused : public hc::Error {
public:
    /** `step` says what was attempted ("READ RECORD DF01/EF05"). */
    CardRefused(std::string step, StatusWord sw);
    /** The status word. */
    StatusWord sw() const { return m_sw; }
    /** What was attempted. */
    const std::string& step() const { return m_step; }

private:
    std::string m_step;
    StatusWord m_sw;
};

/** What a session knows about talking to its card, and what finding out cost. */
struct StrategyReport {
    /** The card kind (cardKind()). */
    std::string kind;
    /** The facts came from an earlier card of this kind (the cache), not from this card. */
    bool fromCache = false;
    /** The facts, each with its evidence. */
    CardStrategy strategy;
    /** Extended Le is used for reads longer than 256 bytes. */
    bool extendedLength = false;
    /** Why extended Le is used or not. */
    std::string extendedWhy;
    /** Commands the card refused while the session learned (0 for a known kind). */
    std::size_t failedProbes = 0;
    /** 6Cxx answers (the command was sent again with the right Le). */
    std::size_t wrongLe = 0;
    /** GET RESPONSE commands after 61xx. */
    std::size_t getResponses = 0;
    /** The profile's own limits (bulkRead, addressBySfi, extendedLength off), for the text. */
    std::vector<std::string> profileLimits;
};

/** The report as text, one line per decision ("hcard read --explain"). */
std::string describe(const StrategyReport& report);

/** A session with one health card. */
class HealthCard {
public:
    /** Uses `channel` (T=0 handling below it if needed) with `profile`; `sam` may be null when
     * only free files (DDF1/EF05) are read. */
    explicit HealthCard(CardChannel& channel, CardProfile profile = CardProfile::ws543_2017(),
        SecureAccessModule* sam = nullptr, StrategyCache* cache = nullptr);

    /** Sets or replaces the security module. */
    void setSecureAccessModule(SecureAccessModule* sam) { m_sam = sam; }
    /** The profile in use. */
    const CardProfile& profile() const { return m_profile; }

    /** Card identification (DDF1/EF05) and holder (DDF1/EF06). */
    Counted<Identity> readIdentity();
    /** Every data set. */
    Counted<HealthCardData> readAll();
    /** DDF1/EF05. */
    Counted<CardIdentification> readCardIdentification();
    /** DDF1/EF06. */
    Counted<Holder> readHolder();
    /** DDF1/EF07: the photo bytes (empty when none). */
    Counted<Bytes> readPhoto();
    /** DDF1/EF08. */
    Counted<Validity> readValidity();
    /** DF01/EF05. */
    Counted<Addresses> readAddresses();
    /** DF01/EF06. */
    Counted<Contacts> readContacts();
    /** DF01/EF07. */
    Counted<SocialData> readSocial();
    /** DF01/EF08. */
    Counted<Documents> readDocuments();
    /** DF02/EF05 and EF06. */
    Counted<ClinicalData> readClinical();
    /** DF02/EF07, newest first. */
    Counted<std::vector<Allergy>> readAllergies();
    /** DF02/EF08, newest first. */
    Counted<std::vector<Immunisation>> readImmunisations();
    /** DF03/EF05. */
    Counted<VisitIndex> readInpatientIndex();
    /** DF03/EF06. */
    Counted<VisitIndex> readOutpatientIndex();

    // ---- writes (writes.cpp). Each returns the APDUs it sent to the card. ----

    /** Adds an allergy to the cyclic DF02/EF07 (it becomes record 1), after UK 87. */
    std::size_t addAllergy(const Allergy& allergy);
    /** Adds an immunisation to the cyclic DF02/EF08, after UK 87. */
    std::size_t addImmunisation(const Immunisation& immunisation);
    /** Writes one TLV element ("validity.phone1") with CLA 04 secure messaging (SM4 encryption
     * and MAC with the DF's transmission key), after authenticating the file's update key. */
    std::size_t updateElement(const std::string& key, const std::string& text);
    /** Updates the own phone numbers (DDF1/EF08 tags 10, 11) with secure messaging. */
    std::size_t updatePhones(const std::string& phone1, const std::string& phone2);
    /** Updates both addresses (DF01/EF05 tags 15-18) with secure messaging. */
    std::size_t updateAddresses(const Addresses& addresses);
    /** Writes a visit record (data || signature || certificate, exactly the slot size) into the
     * first free slot of the inpatient (EE0n) or outpatient (ED0n) files, then sets the index
     * flag with a MAC-only WRITE RECORD (84 D2). Returns the slot (1-based) and the APDUs.
     * Throws hc::Error (CallStaff) when every slot is in use. */
    Counted<std::size_t> writeVisitRecord(bool inpatient, ByteView record);
    /** Frees a visit slot (index flag to FF with a MAC-only ERASE RECORD 84 0C). */
    std::size_t eraseVisitIndex(bool inpatient, std::size_t slot);
    /** Signs `data` with `signer` (SM2/SM3, profile.signerId) and writes it into the next free
     * slot as writeVisitRecord does. */
    Counted<std::size_t> writeSignedVisit(bool inpatient, ByteView data, RecordSigner& signer);
    /** Reads every visit record whose index flag is set and verifies its signature; records that
     * are unsigned or badly signed come back with that status, never as errors. */
    Counted<std::vector<std::pair<std::size_t, VisitRecord>>> readVisits(bool inpatient);
    /** Reads visit record `slot` (1-based) as stored. */
    Counted<Bytes> readVisitRecord(bool inpatient, std::size_t slot);

    // ---- cardholder PIN (pin.cpp). PINs are sent as ASCII digits (profile gap, see
    // docs/healthcard.md) and never logged: the default mask hides INS 20/24/2C data. ----

    /** VERIFY 00 20 00 00: ok, wrong with tries left (63Cx), or blocked (6983 / 63C0). */
    PinResult verifyPin(std::string_view pin);
    /** CHANGE REFERENCE DATA 00 24 00 00 old || new. */
    PinResult changePin(std::string_view oldPin, std::string_view newPin);
    /** RESET RETRY COUNTER 00 2C 00 00 puk || new: unblocks with the PUK and sets a new PIN. */
    PinResult unblockPin(std::string_view puk, std::string_view newPin);

    /** Raw element values of one TLV file ("DF01/EF05"), by tag. */
    Counted<ElementValues> readElements(const std::string& fileName);

    /** The 8-byte key diversifier from the ATR (contact or PC/SC contactless pseudo-ATR).
     * Throws hc::InputError when the ATR is too short. */
    Bytes diversifier() const;
    /** APDUs sent since the session started. */
    std::size_t apduCount() const { return m_apdus; }
    /** True when the card refused bulk reads and the session reads one record per command. */
    bool bulkFallback() const { return m_strategy.bulk.no(); }
    /** What the session chose and why (loads the cached strategy of the card's kind first). */
    StrategyReport strategyReport();
    /** Forgets the selected DF and the security state (after a card reset). */
    void forgetState();

    /** Sends one command, counted. Public for the write and PIN flows built on the session. */
    ResponseApdu send(const CommandApdu& command);
    /** Sends and throws CardRefused unless 9000. */
    ResponseApdu sendOk(const CommandApdu& command, const std::string& step);
    /** Selects a DF (once per session). */
    void selectDf(std::uint16_t fid);
    /** Authenticates `key` of DF `df` with the SAM (once per session). `plain` empty = the
     * read-key constant; the update-key form takes a second challenge as plain. */
    void authenticate(const DfSpec& df, const KeySlot& key, bool updateKeyForm = false);
    /** cardNo8 || [city8] for SAM 80 DE (the challenge is appended by the caller). */
    Bytes diversificationData(const KeySlot& key);
    /** The security module; throws hc::Error naming `why` when there is none. */
    SecureAccessModule& sam(const std::string& why);
    /** Selects the DF, authenticates the key the access needs, and selects the EF unless it is
     * addressed by SFI. */
    void prepareFile(const FileSpec& file, bool forWrite);
    /** True when `file` is addressed by SFI (profile allows, the file has one, the card has not
     * refused it). */
    bool addressBySfi(const FileSpec& file);
    /** Selects the EF by FID unless it is the current EF. */
    void selectEf(const FileSpec& file);
    /** The file of that name; throws hc::InputError when the profile has none. */
    const FileSpec& fileSpec(const std::string& name) const;

private:
    /** A command for one EF and the words naming it in errors ("WRITE RECORD 3"). */
    struct Addressed {
        CommandApdu command;
        std::string what;
    };
    /** Sends the command `build()` makes (it may send commands of its own first, e.g. GET
     * CHALLENGE) to `file`: by SFI while the card kind takes that, else after a SELECT of the
     * EF. A card that refuses the SFI form is remembered (CardStrategy::sfi) and the command
     * built and sent again by SELECT; any other refusal throws CardRefused naming it. */
    void sendAddressed(const FileSpec& file, const std::function<Addressed()>& build);
    void smUpdateRecord(const FileSpec& file, std::uint8_t record, const Bytes& tlv);
    void macIndexCommand(const FileSpec& index, std::uint8_t ins, std::uint8_t record);
    void cyclicAdd(const FileSpec& file, const Bytes& record);
    PinResult pinCommand(std::uint8_t ins, const Bytes& data, const char* what);
    Bytes readBinaryAll(const FileSpec& file);
    template <typename F> auto counted(F&& fn) -> Counted<decltype(fn())>;
    /** Every element of a TLV file (RecordError when one is missing or malformed). */
    ElementValues readTlvFile(const FileSpec& file);
    /** The records of a fixed-size record file that the card holds. */
    std::vector<Bytes> readFixedRecords(const FileSpec& file);
    /** One READ RECORD; nullopt for 6A83. `tag` given: by identifier when the file is read so. */
    std::optional<Bytes> readOneRecord(
        const FileSpec& file, std::size_t record, std::optional<std::uint8_t> tag, std::size_t le);
    /** READ RECORD P2=05 from `first`; nullopt when the card refuses bulk reads (learned). */
    std::optional<ResponseApdu> readBulk(const FileSpec& file, std::size_t first, std::size_t ne);
    Bytes readBinary(const FileSpec& file, std::size_t offset, std::size_t length);
    std::uint8_t recordP2(const FileSpec& file, std::uint8_t mode);
    std::string cityCode();
    bool selectDfByName(const DfSpec& df, StatusWord fidAnswer);
    void loadStrategy();
    bool extendedAllowed();
    /** Records a fact (and stores it in the cache); `refused` counts a failed probe. */
    void learn(Fact CardStrategy::*fact, Known value, std::string why, bool refused);

    CardChannel& m_channel;
    CardProfile m_profile;
    SecureAccessModule* m_sam = nullptr;
    StrategyCache& m_cache;
    std::size_t m_apdus = 0;
    std::uint16_t m_currentDf = 0; // 0 = MF or unknown
    std::uint16_t m_currentEf = 0;
    std::set<std::pair<std::uint16_t, std::uint8_t>> m_authenticated;
    std::optional<std::string> m_city;
    bool m_strategyLoaded = false;
    bool m_fromCache = false;
    std::string m_kind;
    CardStrategy m_strategy;
    std::optional<bool> m_extended;
    std::string m_extendedWhy;
    std::size_t m_failedProbes = 0;
    std::size_t m_wrongLe = 0;
    std::size_t m_getResponses = 0;
};

} // namespace hc::card::health
