// The PSAM (purchase secure access module): makes MAC1 for DEBIT FOR PURCHASE and verifies the
// card's MAC2. It holds the purchase master key(s) by key version, diversifies them with the
// card serial, and numbers transactions (TTSN). Two implementations: PsamCard (a PSAM card over
// a CardChannel, e.g. reader slot 1) and SoftwarePsam (keys in process, for tests and tools).
// Threading: one thread at a time, like a channel.
#pragma once

#include "hc/card/card_channel.hpp"
#include "hc/card/epurse/commands.hpp"
#include "hc/card/epurse/crypto.hpp"
#include "hc/card/error.hpp"

#include <map>
#include <optional>

namespace hc::card::epurse {

/** The PSAM refused a command (9403 key version unknown, 6985 no session, ...). */
class PsamRefused : public Error {
public:
    /** `what` names the PSAM command. */
    PsamRefused(const std::string& what, StatusWord sw)
        : Error("PSAM " + what + ": " + sw.hex() + " (" + sw.meaning() + ")", NextStep::CallStaff)
        , m_sw(sw) { }
    /** The PSAM's status word. */
    StatusWord sw() const { return m_sw; }

private:
    StatusWord m_sw;
};

/** What the purse client needs from a PSAM. */
class Psam {
public:
    /** Destroyed polymorphically. */
    virtual ~Psam() = default;
    /** The terminal id (6 bytes) the PSAM is personalised with. */
    virtual TerminalId terminalId() = 0;
    /** Makes MAC1 (80 70) and starts the MAC2 session. Throws PsamRefused. */
    virtual PsamMac1Response mac1(const PsamMac1Request& request) = 0;
    /** Verifies the card's MAC2 (80 72) for the session mac1() opened. False on 9302. */
    virtual bool verifyMac2(const Mac4& mac2) = 0;
};

/** A PSAM card over a channel the caller owns (and keeps alive). */
class PsamCard final : public Psam {
public:
    /** Uses `channel`; nothing is sent until the first call. */
    explicit PsamCard(CardChannel& channel);
    /** Reads EF 0016 once (00 B0 96 00 06) and caches it. When the PSAM answers 6A82 (a combined
     * health SAM / PSAM with a DF of its own selected), selects the MF (00 A4 00 00 02 3F00) and
     * reads again. */
    TerminalId terminalId() override;
    /** 80 70 00 00 1C ... 08. */
    PsamMac1Response mac1(const PsamMac1Request& request) override;
    /** 80 72 00 00 04 MAC2. */
    bool verifyMac2(const Mac4& mac2) override;

private:
    CardChannel& m_channel;
    std::optional<TerminalId> m_terminal;
};

/** A PSAM in process: master purchase keys by version, a terminal id and a TTSN counter. */
class SoftwarePsam final : public Psam {
public:
    /** `masterKeys` maps key version -> 16-byte DPK master key. */
    SoftwarePsam(
        std::map<std::uint8_t, Bytes> masterKeys, TerminalId terminal, std::uint32_t nextTtsn = 1);
    /** The terminal id given. */
    TerminalId terminalId() override { return m_terminal; }
    /** Same computation as the emulated PSAM, with the algorithm the card named (00 3DES, 04
     * SM4). Throws PsamRefused(9403) for an unknown key version, PsamRefused(6A80) for another
     * algorithm. */
    PsamMac1Response mac1(const PsamMac1Request& request) override;
    /** Checks MAC2 against the open session; the session ends either way. */
    bool verifyMac2(const Mac4& mac2) override;
    /** The TTSN the next mac1() will use. */
    std::uint32_t nextTtsn() const { return m_ttsn; }

private:
    std::map<std::uint8_t, Bytes> m_keys;
    TerminalId m_terminal;
    std::uint32_t m_ttsn;
    Bytes m_sessionKey;
    std::uint32_t m_sessionAmount = 0;
    PurseAlgorithm m_sessionAlg = PurseAlgorithm::Des3;
};

} // namespace hc::card::epurse
