// KioskdConfig: kioskd's configuration as a JSON file (`kioskd --config FILE`), every field
// optional, with embedded defaults that run the demo (his-sim on 8080, escpos-sim on 9100,
// paygw-sim on 8090, the virtual readers "Virtual PCD 00 00" / "00 01"). Command-line options
// override single fields (see kioskd --help and docs/kiosk.md "kioskd options").
//
// Pure values and a parser; thread-safe.
#pragma once

#include "hc/base/error.hpp"
#include "hc/kiosk/core/engine.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace hc::kiosk::core {

/** Everything kioskd needs to start. */
struct KioskdConfig {
    std::string terminal = "K01"; ///< terminal id (journal serials, settlementd)
    std::string mode = "patient"; ///< "patient" (kiosk) or "cashier"
    std::string listen = "127.0.0.1"; ///< web server address (keep loopback)
    int port = 8800; ///< web server port (0 = any; the chosen port is printed)
    std::string docroot; ///< UI folder ("" = the web server's default, kiosk/ui)
    std::string flows; ///< flow folder ("" = kiosk/flows of the source tree)
    std::string journal = "kiosk-journal.db"; ///< SQLite journal
    /** The per-site card key (HMAC of card numbers in the journal), created at first boot, 0600;
     * "" = "<journal>.site-key". */
    std::string siteKeyFile;
    /** Where kioskd writes the per-boot access token (0600) for the kiosk's launcher (opens
     * /launch?token=…) and local tools (Authorization: Bearer …); "" = "<journal>.token". */
    std::string tokenFile;
    std::string his = "http://127.0.0.1:8080"; ///< HIS base URL (http://HOST:PORT)
    int hisTimeoutMs = 3000; ///< per HIS call
    std::string cardReader = "Virtual PCD 00 00"; ///< patient card reader
    std::string samReader = "Virtual PCD 00 01"; ///< PSAM reader ("" = none)
    std::string samPin; ///< health SAM PIN (never logged; also $HC_SAM_PIN); "" = no holder name
    std::string issuerKeys; ///< purse issuer development key file ("" = no loads)
    // Loads through the issuer's HSM (hc_card_hsm's HsmPurseIssuer) instead of issuerKeys: the
    // DLK and DTK masters stay in the HSM (docs/kiosk.md "Loads through the HSM").
    std::string purseHsm; ///< "" (no HSM: issuerKeys), "software" (key store) or "pkcs11"
    std::string purseHsmStore; ///< software: key-store file
    std::string purseHsmModule; ///< pkcs11: module ("" = SoftHSM2's)
    std::string purseHsmToken = "hc-dev"; ///< pkcs11: token label
    /** Environment variable holding the key-store passphrase (software) or the user PIN
     * (pkcs11); never read from the file itself. */
    std::string purseHsmSecretEnv = "HC_HSM_PASSPHRASE";
    std::string purseLoadKey = "pboc.mk-dlk"; ///< DLK masters' label (version = card's key version)
    std::string purseTacKey = "pboc.mk-dtk"; ///< DTK master's label (version 1)
    std::string receipt = "tcp:127.0.0.1:9100"; ///< "tcp:HOST:PORT", "file:PATH" or "none"
    std::string report = "none"; ///< "ipp://HOST:PORT/ipp/print", "dir:PATH" (text) or "none"
    std::string hospital = "示例市第一人民医院"; ///< named on the A4 report header
    std::string paygw = "http://127.0.0.1:8090"; ///< QR gateway base URL or "none"
    std::string settlementd; ///< "tcp://HOST:PORT" or "" (no insurance)
    std::string settlementdServerKey; ///< settlementd's CURVE public key (Z85)
    std::string settlementdPublicKey; ///< this terminal's CURVE public key (Z85)
    std::string settlementdSecretKey; ///< this terminal's CURVE secret key (Z85; never logged)
    std::string insutype = "390"; ///< insurance type sent with each visit (rule-table key)
    std::string hospLv = "township"; ///< this hospital's level (rule-table key)
    std::string medType = "inpatient"; ///< visit type (rule-table key of the shipped tables)
    std::int64_t policyYear = 2014; ///< policy year (rule-table key)
    std::string region; ///< region code ("" = settlementd's default)
    std::string fakeCard; ///< file of a MemoryCard ("" = PC/SC readers)
    std::string fakeCardName
        = "赵海燕"; ///< the fake card's holder (his-sim --seed 42 patient P0001)
    std::string fakeCardId = "110105199811281285"; ///< the fake card's ID number
    std::int64_t fakeCardBalanceFen = 20000; ///< the fake card's balance when created
    bool allowUiCardEvents = false; ///< accept {"type":"card"} from the UI (tests, demo)
    bool cardIssuance = false; ///< offer card issuance
    // Card issuance with blank cards (kioskd builds a RegisterCardIssuer when issuanceReader is
    // set and cardIssuance is on; docs/kiosk.md "Card issuance").
    std::string issuanceReader; ///< blank-card reader ("" = no blank cards at this kiosk)
    std::string issuanceRegister = "sqlite:kiosk-issuance.db"; ///< issuer's register URL
    std::string issuanceHsm = "software"; ///< "software" (key store) or "pkcs11"
    std::string issuanceHsmStore; ///< software: key-store file
    std::string issuanceHsmModule; ///< pkcs11: module ("" = SoftHSM2's)
    std::string issuanceHsmToken = "hc-dev"; ///< pkcs11: token label
    /** Environment variable holding the key-store passphrase (software) or the user PIN
     * (pkcs11); never read from the file itself. */
    std::string issuanceHsmSecretEnv = "HC_HSM_PASSPHRASE";
    std::string issuanceProfile; ///< hc-perso-profile/1 JSON ("" = the compiled-in profile)
    std::string issuerName = "居民健康卡管理中心"; ///< card.issuer_name
    std::string issuerCode = "11000000001"; ///< card.issuer_code
    std::string issuerCityCode = "110100"; ///< card.city_code
    std::string issuerCardPrefix = "110100"; ///< card-number prefix
    std::string issuerPinPolicy = "id-last6"; ///< "fixed:DIGITS" or "id-last6" (shown once)
    std::int64_t issuanceEthnicity = 0; ///< GB 3304 code preselected on the 民族 screen (0 = none)
    /** Card dispenser (drivers/dispenser): "tcp:HOST:PORT" or a serial path; "" = none (a blank
     * card is assumed in issuanceReader and handed out by staff). */
    std::string issuanceDispenser;
    std::int64_t reportFeeFen = 0; ///< fee per printed report
    /// cashier mode: [{"id","name","role","pinHash"}] (legacy: "salt" + "pinSm3")
    std::vector<StaffAccount> staff;
    std::string failpoint; ///< test only (--failpoint; not read from the file): EngineConfig
};

/** A configuration file that does not parse; names the field. */
class ConfigError : public hc::InputError {
public:
    using hc::InputError::InputError;
};

/** Parses a config file's text over the defaults (unknown fields are errors; ≤ 64 KiB, depth ≤
 * 4; strings ≤ 1024 bytes). Throws ConfigError. */
KioskdConfig parseKioskdConfig(std::string_view json, KioskdConfig defaults = {});

/** Splits "http://HOST:PORT" / "tcp:HOST:PORT" into host and port. Throws ConfigError. */
std::pair<std::string, unsigned short> hostPort(const std::string& url, const char* what);

} // namespace hc::kiosk::core
