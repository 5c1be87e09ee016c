// Engine: the kiosk runtime's state machine, the real implementation of hc::kiosk::UiPort.
//
// Screens: `idle` (insert the card, no countdown) -> card read -> `menu` (one item per flow) ->
// the chosen flow's steps (kiosk/flows/*.json) -> back to `menu` when the business ends. One
// session per card: the patient can do several businesses without re-reading the card; each
// business is one journal session (serial = terminal + business code + time + counter). Every
// screen but `idle` has a countdown (elderly mode doubles it); at 0, or when the card leaves the
// reader, the business's journal session ends (reason timeout / card_pulled), the recovery
// executor runs over it, and `idle` returns. Errors are KioskError (Chinese text + code +
// NextStep) shown on the current screen; three errors in one card session in elderly mode add the
// `call_staff` action.
//
// Cashier mode (EngineConfig::mode "cashier"): `idle` becomes `staff_login` (staff number, then
// `staff_password`); the menu lists the flows whose "mode" is "cashier" and offers `logout`; the
// patient is found by ID number (step handler lookup_patient), not by a card; cash is journaled
// as a `payment` step with detail "cash;staff=<id>". A card inserted in this mode opens no card
// session: it is the card at the window that an e-purse refund (退费 / 退号) loads onto.
//
// Every external step goes through hc::kiosk::JournalStep (PENDING before, OK / FAILED / UNKNOWN
// after). Printers are checked before the patient is charged for anything that needs them.
//
// Threading: all public calls are thread-safe (one mutex); the engine calls external services
// while holding it, so calls from other threads wait. The listener is called after the mutex is
// released, on the calling thread.
#pragma once

#include "hc/card/error.hpp" // cardUnreadable takes the card layer's errors (CardProtocolError)
#include "hc/kiosk/core/card_issuer.hpp"
#include "hc/kiosk/core/card_key.hpp"
#include "hc/kiosk/core/devices.hpp"
#include "hc/kiosk/core/flow.hpp"
#include "hc/kiosk/core/staff_auth.hpp"
#include "hc/kiosk/journal.hpp"
#include "hc/kiosk/ui_port.hpp"

#include <functional>
#include <memory>
#include <set>

namespace hc::kiosk::his {
class HisAdapter;
}

namespace hc::kiosk::core {

class RecoveryExecutor;

/** A cashier-mode account. The PIN is kept only as a slow hash (staff_auth.hpp). */
struct StaffAccount {
    std::string id; ///< staff number ("S001")
    std::string name; ///< shown on the menu
    std::string role = "cashier"; ///< "cashier" or "supervisor"
    std::string salt; ///< legacy: the salt of pinSm3
    std::string pinSm3; ///< legacy: SM3(salt || PIN), 64 hex; rewritten as pinHash at login
    std::string pinHash; ///< "pbkdf2-sha256$..." (hashStaffPin, kioskd --hash-pin)
};

/** Choices of an engine. */
struct EngineConfig {
    std::string terminalId = "K01"; ///< journal terminal id
    std::string mode = "patient"; ///< "patient" (kiosk) or "cashier"
    int menuCountdown = 90; ///< seconds on the menu (DHC: 90)
    int qrCountdown = 180; ///< seconds on the QR payment screen (DHC: 180)
    bool cardIssuance = false; ///< offer card issuance (otherwise "not available at this kiosk")
    std::int64_t reportFeeFen = 0; ///< fee per printed report, 0 = free
    std::vector<std::int64_t> topupPresetsFen { 5000, 10000, 20000, 50000 }; ///< top-up buttons
    std::int64_t topupMaxFen = 100000; ///< largest top-up at the kiosk
    /** Test only (kill -9 tests, kioskd --failpoint): the process sends itself SIGKILL right
     * after this step is journaled OK ("insurance_settle", "card_debit", "payment",
     * "his_confirm", "his_register", "card_load", "his_refund") or, for "print", after the print
     * step is journaled PENDING and before the printer is called. "" = never. */
    std::string failpoint;
    /** File keeping the ids of reports printed ("printed once" across restarts); "" = memory. */
    std::string printedReportsFile;
    /** Shift ledger (cashier shift close): the sessions of the open shift and the closed shifts'
     * reports, one line each, appended; "" = memory only (a restart starts a new shift). */
    std::string shiftFile;
    /** Cashier mode: the accounts that may log in (mode "cashier"). */
    std::vector<StaffAccount> staff;
    /** Where PIN hashes rewritten at login (legacy SM3 -> PBKDF2) are kept, JSON {id: hash},
     * mode 0600; read at start over `staff`. "" = memory only. */
    std::string staffPinFile;
};

/** The external parts the engine drives (pointers may be null: that part is not fitted). */
struct EngineParts {
    Journal* journal = nullptr; ///< required
    his::HisAdapter* his = nullptr; ///< required
    Clock* clock = nullptr; ///< required
    InsuranceService* insurance = nullptr; ///< none: the patient pays the whole bill
    PaymentGateway* gateway = nullptr; ///< none: no QR payment
    ReceiptPrinter* receipt = nullptr; ///< none: no receipt (the slip is shown only)
    ReportPrinter* report = nullptr; ///< none: report printing unavailable
    RecoveryExecutor* recovery = nullptr; ///< none: sessions stay for recovery at boot
    CardIssuer* issuer = nullptr; ///< blank cards fitted (with EngineConfig::cardIssuance)
    const CardKeys* cardKeys = nullptr; ///< the site's card keys; none: CardKeys::processDefault()
};

/** The names of the handlers a flow file may use in `load`, `on` and `complete`. */
const std::set<std::string>& engineHandlers();

/** The kiosk state machine. */
class Engine final : public hc::kiosk::UiPort {
public:
    /** An engine over `flows` (menu in the order given). Throws FlowError when a flow is
     * missing a step a handler relies on. */
    Engine(std::vector<Flow> flows, EngineParts parts, EngineConfig config = {});
    ~Engine() override;
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    boost::json::object currentView() override;
    void handleInput(const boost::json::object& message) override;
    void setListener(Listener listener) override;

    /** A card was inserted and read: starts a card session (the menu). A card in a session
     * already is ignored. A card whose identity cannot be read shows the error on `idle`. In
     * cashier mode it becomes the window's card (e-purse refunds), without a session. */
    void cardInserted(std::shared_ptr<PatientCard> card);
    /** A card was inserted but could not be read (mute, upside down, not a health card): `idle`
     * shows "读卡失败，请将卡片芯片朝上重新插入" with the error's NextStep. */
    void cardUnreadable(const std::exception& error);
    /** The card left the reader: ends the business (card_pulled) and returns to `idle`. */
    void cardRemoved();
    /** Called about once a second: countdowns, QR order polling. */
    void tick();

    /** What {"type":"card","event":"inserted"} from the UI does (kioskd --allow-ui-card-events);
     * without a source such messages are refused with InputError. */
    void setUiCardSource(std::function<std::shared_ptr<PatientCard>()> source);

    /** The report ids already printed (reprint only with staff). */
    std::set<std::string> printedReports();

    struct Impl;

private:
    void uiCardEvent(const std::string& event);
    std::unique_ptr<Impl> m_impl;
};

} // namespace hc::kiosk::core
