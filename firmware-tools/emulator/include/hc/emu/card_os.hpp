// CardOs: the emulated card operating system. Takes command APDUs, answers response APDUs, and
// keeps the volatile state (selected DF/EF, security state, challenge) apart from the persistent
// image. Power-off and reset clear the volatile state; every change to the image is handed to
// the persist callback before the answer is returned, so an answered write is on disk.
//
// ISO 7816-4 commands: SELECT (by FID, by DF name), READ/UPDATE BINARY (offset or SFI),
// READ RECORD (by number, by record identifier first/last/next/previous, all from P1 to the end),
// UPDATE RECORD (by number; P2=03 adds to a cyclic file), APPEND RECORD, GET CHALLENGE,
// VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER, EXTERNAL AUTHENTICATE, GET RESPONSE (T=0).
// Profiles add commands through CommandHandler (health-card SM, e-purse, SAM).
//
// Threading: one thread.
#pragma once

#include "hc/card/apdu.hpp"
#include "hc/emu/card_image.hpp"
#include "hc/emu/cos_personality.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <vector>

namespace hc::emu {

class CardOs;

/** A command set a profile adds. Handlers are asked in order before the ISO commands. */
class CommandHandler {
public:
    virtual ~CommandHandler() = default;
    /** Answers the command, or returns nullopt to let the next handler (or ISO) have it. */
    virtual std::optional<hc::card::ResponseApdu> handle(CardOs& os, const hc::card::CommandApdu& c)
        = 0;
    /** Called on power-on and reset: drop any volatile state. */
    virtual void onReset(CardOs&) { }
};

/** Volatile security state: cleared by power-off and reset. */
struct SecurityState {
    bool pinVerified = false;
    /** Keys authenticated with EXTERNAL AUTHENTICATE, as (DF FID, key id). */
    std::set<std::pair<std::uint16_t, std::uint8_t>> keys;
    /** The last GET CHALLENGE answer, until it is used or the card resets. */
    hc::Bytes challenge;
};

/** The emulated operating system over one CardImage. */
class CardOs {
public:
    using PersistFn = std::function<void(const CardImage&)>;

    /** Takes the personality from the image's extensions.cos when there is one (throws
     * hc::InputError naming that member when it does not parse). */
    CardOs(CardImage image, PersistFn persist = {});

    /** The ATR the card answers with (the image's, or the personality's). */
    const hc::Bytes& atr() const { return m_atr; }
    /** Switches the COS personality (hcemu --cos); takes effect at once, the ATR included. */
    void setPersonality(const CosPersonality& personality);
    /** The COS personality in use. */
    const CosPersonality& personality() const { return m_personality; }
    void powerOn();
    void powerOff();
    void reset();
    bool powered() const { return m_powered; }

    /** Parses and processes one APDU as received from the wire, T=0 behaviour included.
     * Malformed APDUs are answered 6700 (wrong length), never a crash. */
    hc::Bytes processRaw(hc::ByteView apdu);
    /** Processes a parsed command (no T=0 behaviour). */
    hc::card::ResponseApdu process(const hc::card::CommandApdu& command);

    void addHandler(std::shared_ptr<CommandHandler> handler) {
        m_handlers.push_back(std::move(handler));
    }

    // For profiles (CommandHandler implementations):
    CardImage& image() { return m_image; }
    SecurityState& security() { return m_security; }
    FileNode* currentDf() { return m_currentDf; }
    FileNode* currentEf() { return m_currentEf; }
    /** True when the rule is met in the current security state. */
    bool satisfied(const AccessRule& rule) const;
    /** Saves the image through the persist callback. */
    void persist();
    /** Counts APDUs processed since power-on (for tests and benchmarks). */
    std::size_t apduCount() const { return m_apduCount; }

private:
    using R = hc::card::ResponseApdu;
    using C = hc::card::CommandApdu;
    R select(const C& c);
    R readBinary(const C& c);
    R updateBinary(const C& c);
    R readRecord(const C& c);
    R updateRecord(const C& c);
    R appendRecord(const C& c);
    R getChallenge(const C& c);
    R verify(const C& c);
    R changeReferenceData(const C& c);
    R resetRetryCounter(const C& c);
    R externalAuthenticate(const C& c);
    /** The personality's refusals that come before any handler (SFI, bulk), or nullopt. */
    std::optional<R> personalityRefusal(const C& c) const;
    /** strict-le / T=0 6Cxx for a case 2 or 4 answer whose length is not Le, or nullopt. */
    std::optional<R> wrongLe(const C& c, const R& r) const;
    FileNode* efForCommand(std::uint8_t sfi, hc::card::StatusWord& error);
    /** The transparent EF and offset a READ/UPDATE BINARY addresses, or null and the SW. */
    struct BinaryTarget {
        FileNode* ef;
        std::size_t offset;
        hc::card::StatusWord error;
    };
    BinaryTarget binaryTarget(const C& c, bool forUpdate);
    /** The record EF an UPDATE/APPEND RECORD writes (type, access and size checked), or null. */
    FileNode* recordWriteTarget(const C& c, hc::card::StatusWord& error);
    void addCyclic(FileNode& ef, const hc::Bytes& record);
    hc::Bytes fci(const FileNode& node) const;
    void clearVolatile();

    CardImage m_image;
    PersistFn m_persist;
    CosPersonality m_personality;
    hc::Bytes m_atr;
    /** T=0 behaviour: the image says so (it may change at run time) or the personality does. */
    bool t0() const { return m_image.t0 || m_personality.t0; }
    std::vector<std::shared_ptr<CommandHandler>> m_handlers;
    SecurityState m_security;
    FileNode* m_currentDf = nullptr;
    FileNode* m_currentEf = nullptr;
    std::size_t m_currentRecord = 0; // 1-based; 0 = none
    bool m_powered = false;
    hc::Bytes m_pendingResponse; // T=0: data waiting for GET RESPONSE
    std::size_t m_apduCount = 0;
};

/** SM4-ECB of one 16-byte block (used by EXTERNAL AUTHENTICATE; exposed for tests). */
hc::Bytes sm4EncryptBlock(hc::ByteView key16, hc::ByteView block16);
/** The generic ISO external-authentication cryptogram the emulator expects for a key:
 * the first 8 bytes of SM4-ECB_K(challenge padded with 00 to 16 bytes). */
hc::Bytes externalAuthCryptogram(hc::ByteView key16, hc::ByteView challenge);

} // namespace hc::emu
