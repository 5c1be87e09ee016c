// HealthCard: one session with a resident health card over a CardChannel. Reads the data sets
// with as few APDUs as the card allows, authenticates with the SecureAccessModule before
// protected reads, and counts every APDU it sends.
//
// APDU economy:
//   - each DF is selected at most once per session (the session remembers the current DF and
//     selects siblings and the parent directly);
//   - EFs are addressed by SFI in READ RECORD / READ BINARY (profile.addressBySfi), so no SELECT
//     per EF;
//   - a record file is read with one READ RECORD P2=05 ("all records from P1",
//     profile.bulkRead), with extended Le when it holds more than 256 bytes; a card answering
//     6A86/6B00/6D00/6700/6A81 to that is read per record from then on;
//   - each read key is authenticated once per session.
// Every read call returns the APDUs it cost (Counted<T>::apdus).
//
// Errors: a status word the flow cannot accept throws CardRefused (with the SW and the step);
// data that does not decode throws ValidationError; missing SAM for a protected file throws
// hc::Error (CheckConfiguration). Patient identifiers never appear in messages.
// Threading: one thread at a time; the channel and the SAM must outlive the session.
#pragma once

#include "hc/card/card_channel.hpp"
#include "hc/card/error.hpp"
#include "hc/card/health/model.hpp"
#include "hc/card/health/profile.hpp"
#include "hc/card/health/sam.hpp"
#include "hc/card/health/sam_card.hpp"
#include "hc/card/health/visit_signature.hpp"
#include "hc/card/status_word.hpp"

#include <cstddef>
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

/** A session with one health card. */
class HealthCard {
public:
    /** Uses `channel` (T=0 handling below it if needed) with `profile`; `sam` may be null when
     * only free files (DDF1/EF05) are read. */
    explicit HealthCard(CardChannel& channel, CardProfile profile = CardProfile::ws543_2017(),
        SecureAccessModule* sam = nullptr);

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
    /** True when the card refused bulk reads and the session fell back to per-record reads. */
    bool bulkFallback() const { return m_noBulk; }
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
    /** Makes `file` current for record or binary commands (SELECT unless addressed by SFI). */
    void prepareFile(const FileSpec& file, bool forWrite);
    /** The file of that name; throws hc::InputError when the profile has none. */
    const FileSpec& fileSpec(const std::string& name) const;

private:
    void smUpdateRecord(const FileSpec& file, std::uint8_t record, const Bytes& tlv);
    void macIndexCommand(const FileSpec& index, std::uint8_t ins, std::uint8_t record);
    Bytes readBinaryAll(const FileSpec& file);
    template <typename F> auto counted(F&& fn) -> Counted<decltype(fn())>;
    std::vector<Bytes> readRecords(const FileSpec& file, std::size_t expectedBytes);
    Bytes readBinary(const FileSpec& file, std::size_t offset, std::size_t length);
    std::uint8_t recordP2(const FileSpec& file, std::uint8_t mode) const;
    std::string cityCode();

    CardChannel& m_channel;
    CardProfile m_profile;
    SecureAccessModule* m_sam = nullptr;
    std::size_t m_apdus = 0;
    std::uint16_t m_currentDf = 0; // 0 = MF or unknown
    std::uint16_t m_currentEf = 0;
    std::set<std::pair<std::uint16_t, std::uint8_t>> m_authenticated;
    std::optional<std::string> m_city;
    bool m_noBulk = false;
};

} // namespace hc::card::health
