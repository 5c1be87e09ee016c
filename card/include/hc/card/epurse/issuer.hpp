// The issuer side of the purse: it holds the load master key (DLK master) and the TAC master key
// (DTK master), checks the card's MAC1 of a load and makes MAC2, and verifies TACs.
// PurseIssuer is the interface the issuer host, or the HSM (hsm/, hc_hsm), implements;
// SoftwareIssuer does it in process from a key file (development and tests only: real master
// keys live in the HSM). Threading: one thread at a time.
#pragma once

#include "hc/card/epurse/commands.hpp"
#include "hc/card/epurse/crypto.hpp"

#include <filesystem>
#include <map>
#include <string>

namespace hc::card::epurse {

/** A load as the issuer sees it. */
struct LoadAuthorizationRequest {
    /** Diversification data of the card. */
    CardSerial card {};
    /** The card's INITIALIZE FOR LOAD answer (balance, ATC, key version, random, MAC1). */
    InitLoadResponse init;
    /** Amount, fen, type and terminal as sent to the card; `when` goes into MAC2. */
    PurseFields fields;
};

/** The issuer's answer. */
struct LoadAuthorization {
    /** True when MAC1 verified and the load is allowed. */
    bool approved = false;
    /** MAC2 for CREDIT FOR LOAD (when approved). */
    Mac4 mac2 {};
    /** Why not (when refused). */
    std::string reason;
};

/** An overdraft-limit update as the issuer sees it. */
struct OverdraftAuthorizationRequest {
    /** Diversification data of the card. */
    CardSerial card {};
    /** The card's INITIALIZE FOR UPDATE answer. */
    InitUpdateResponse init;
    /** The new limit, fen. */
    std::uint32_t newLimit = 0;
    /** Terminal id sent to the card. */
    TerminalId terminal {};
    /** Date and time going into MAC2. */
    TransactionTime when {};
};

/** The issuer side. */
class PurseIssuer {
public:
    /** Destroyed polymorphically. */
    virtual ~PurseIssuer() = default;
    /** Checks MAC1 and makes MAC2. Never throws for a bad MAC1: approved = false. */
    virtual LoadAuthorization authorizeLoad(const LoadAuthorizationRequest& request) = 0;
    /** Verifies a purchase TAC. */
    virtual bool verifyPurchaseTac(
        const CardSerial& card, const PurseFields& fields, std::uint32_t ttsn, const Mac4& tac)
        = 0;
    /** Checks MAC1 of an overdraft-limit update and makes MAC2 (the issuer decides the limit).
     * The default refuses: an issuer must hold the DUK masters to allow it. */
    virtual LoadAuthorization authorizeOverdraftUpdate(const OverdraftAuthorizationRequest&) {
        return { false, {}, "this issuer does not update overdraft limits" };
    }
    /** Verifies the TAC of an overdraft-limit update. The default cannot: false. */
    virtual bool verifyOverdraftTac(const CardSerial&, std::uint32_t, std::uint16_t, std::uint32_t,
        const TerminalId&, const TransactionTime&, const Mac4&) {
        return false;
    }
    /** Verifies a load TAC (`onlineAtc` = the counter INITIALIZE FOR LOAD returned). */
    virtual bool verifyLoadTac(const CardSerial& card, std::uint32_t balanceAfter,
        std::uint16_t onlineAtc, const PurseFields& fields, const Mac4& tac)
        = 0;
};

/** Master keys of the issuer side. */
struct IssuerKeys {
    /** DLK master keys by key version (16 bytes each). */
    std::map<std::uint8_t, Bytes> loadMaster;
    /** DUK (overdraft-limit update) master keys by key version; key file "overdraft_master",
     * optional. */
    std::map<std::uint8_t, Bytes> overdraftMaster;
    /** DTK master key (16 bytes). */
    Bytes tacMaster;
    /** The algorithm of the purses these masters belong to (key file "algorithm": "3des" (the
     * default) or "sm4"); a card answering with another algId is refused. */
    PurseAlgorithm algorithm = PurseAlgorithm::Des3;
    /** Largest balance a load may reach, fen. */
    std::int64_t maxBalance = kDefaultMaxBalanceFen;
};

/** Reads a development key file:
 *  {"format":"hc-purse-issuer-keys/1","load_master":{"01":"<32 hex>"},"tac_master":"<32 hex>"}
 *  Throws InputError naming the field, hc::Error(CheckConfiguration) when unreadable. */
IssuerKeys loadIssuerKeys(const std::filesystem::path& path);

/** PurseIssuer with the keys in process memory. */
class SoftwareIssuer final : public PurseIssuer {
public:
    /** Uses `keys`. */
    explicit SoftwareIssuer(IssuerKeys keys);
    /** See PurseIssuer. */
    LoadAuthorization authorizeLoad(const LoadAuthorizationRequest& request) override;
    /** See PurseIssuer. */
    LoadAuthorization authorizeOverdraftUpdate(const OverdraftAuthorizationRequest& r) override;
    /** See PurseIssuer. */
    bool verifyOverdraftTac(const CardSerial& card, std::uint32_t balanceAfter,
        std::uint16_t onlineAtc, std::uint32_t newLimit, const TerminalId& terminal,
        const TransactionTime& when, const Mac4& tac) override;
    /** See PurseIssuer. */
    bool verifyPurchaseTac(const CardSerial& card, const PurseFields& fields, std::uint32_t ttsn,
        const Mac4& tac) override;
    /** See PurseIssuer. */
    bool verifyLoadTac(const CardSerial& card, std::uint32_t balanceAfter, std::uint16_t onlineAtc,
        const PurseFields& fields, const Mac4& tac) override;

private:
    IssuerKeys m_keys;
};

} // namespace hc::card::epurse
