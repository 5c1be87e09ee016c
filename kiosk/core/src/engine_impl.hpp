// Internal state of hc::kiosk::core::Engine, shared by engine.cpp (screens, countdowns, input)
// and the businesses (business.hpp: one class per flow, registering the handlers the flow files
// name). Guarded by Impl::mutex.
#pragma once

#include "hc/kiosk/core/engine.hpp"
#include "hc/kiosk/core/kiosk_error.hpp"
#include "hc/kiosk/his/his_adapter.hpp"
#include "hc/kiosk/journal_step.hpp"

#include <boost/json.hpp>
#include <chrono>
#include <map>
#include <mutex>

namespace hc::kiosk::core {

namespace json = boost::json;

/** What the patient did on a step. */
struct UserEvent {
    enum class Kind { Choose, Action, Input, Tick };
    Kind kind = Kind::Choose;
    std::string value; ///< item id, action id or input text
};

/** The state of one business (one journal session). */
struct BusinessState {
    std::map<std::string, std::string> v; ///< chosen department, doctor, slot, labels
    std::vector<std::string> itemIds; ///< charge items being paid
    std::int64_t totalFen = 0; ///< the bill
    std::int64_t ownFen = 0; ///< the patient's share
    std::optional<InsuranceQuote> quote; ///< insurance pre-settlement
    bool insuranceSettled = false; ///< insurance committed
    bool paid = false; ///< own share paid (never charge twice)
    bool completed = false; ///< the complete handler succeeded
    std::string method; ///< "purse" | "qr"
    std::optional<PayOrder> order; ///< QR order
    std::unique_ptr<JournalStep> payStep; ///< the QR payment step while the order is open
    std::chrono::steady_clock::time_point lastPoll {}; ///< last gateway query
    json::object result; ///< data of the result screen
    std::string resultMessage; ///< message of the result screen
    std::optional<std::int64_t> balanceAfter; ///< the card's purse after this business, fen
    std::string receipt; ///< "printed", "failed" or "" (no receipt printer)
    json::array lines; ///< the result screen's detail lines (label, value), business first
};

struct Engine::Impl {
    using Handler = std::function<std::optional<std::string>(Impl&, const UserEvent&)>;
    using Loader = std::function<void(Impl&)>;

    Impl(std::vector<Flow> f, EngineParts p, EngineConfig c);

    std::vector<Flow> flows;
    EngineParts parts;
    EngineConfig config;
    std::map<std::string, Loader> loaders;
    std::map<std::string, Handler> handlers;
    std::map<std::string, Handler> completers;

    std::mutex mutex;
    Listener listener;
    std::function<std::shared_ptr<PatientCard>()> uiCardSource;
    std::vector<json::object> outbox; ///< events and views to send once the mutex is released

    // Card session.
    std::shared_ptr<PatientCard> card;
    CardIdentity who;
    std::optional<his::Patient> patient;
    bool elderly = false;
    int errorCount = 0;
    std::set<std::string> printed;

    // Cashier mode (staff_login.cpp).
    std::optional<StaffAccount> staffUser;
    std::string pendingStaffId;
    StaffGuard staffGuard; ///< per-account backoff and lockout
    bool cashier() const { return config.mode == "cashier"; }
    void showLogin(const std::string& why, bool password);
    void login(const std::string& value);
    void loadStaffPins();
    /** Checks `pin` for staff number `id` under the guard and audits the try (`what`: "login" or
     * "approval"). The account when right (a legacy hash is rewritten), nullptr when wrong;
     * throws KioskError staff_wait while the guard makes the account wait. */
    const StaffAccount* authenticate(
        const std::string& id, const std::string& pin, const char* what);

    // Shift (cashier shift close): sessions of the open shift with the staff who ran them.
    std::vector<std::pair<std::string, std::string>> shiftSessions;
    int shiftNo = 1;
    void loadShift();
    void recordShiftSession();

    // Refunds (退费) and appointment cancellations (退号), refund_services.cpp. The card at the
    // cashier window (cashier mode: inserted for an e-purse refund, no card session).
    std::shared_ptr<PatientCard> windowCard;
    CardIdentity windowWho;
    PatientCard* refundCard();
    const CardIdentity& refundCardWho() const;
    void planFromPayment(const std::string& paySession);
    std::optional<std::string> runRefund();
    std::string refundStaffNote();
    std::string refundPlan();
    void refundInsurance();
    void refundAtHis();
    void queryLostHisRefund(JournalStep& step, const std::string& rid, const std::string& why);
    /** A card refund load journaled earlier for this refund: settled first (never loaded twice);
     * true when it is OK. */
    bool settlePriorRefundLoad();
    void refundMoney(const std::string& means, std::int64_t ownFen, const std::string& note);
    bool refundToCard(std::int64_t ownFen, const std::string& note);
    void finishRefund();

    // Screen.
    const Flow* flow = nullptr;
    std::string screen = "idle";
    std::vector<std::string> history;
    std::string title;
    std::string message;
    json::array items;
    json::object data;
    json::value input;
    json::value error;
    int baseCountdown = 0;
    std::chrono::steady_clock::time_point deadline {};

    // Business.
    std::string journalSession;
    BusinessState biz;

    // screens.cpp
    json::object view();
    void push();
    void event(const std::string& name, json::object detail = {});
    void showIdle(const std::string& why);
    void showMenu();
    void startBusiness(const Flow& f);
    void enterStep(const std::string& id, bool remember);
    void finishBusiness(SessionEnd reason);
    void endCardSession(SessionEnd reason, const std::string& why);
    void act(const UserEvent& e);
    /** What the patient did, on the screen shown now (screens.cpp). */
    void dispatch(const UserEvent& e);
    void onMenu(const UserEvent& e);
    void onStep(const FlowStep& s, const UserEvent& e);
    void startBusinessNamed(const std::string& business);
    void setElderly(bool on);
    void fail(const std::exception& e);
    void resetCountdown();
    int countdownLeft();
    const FlowStep* currentStep() const;
    bool hasItem(const std::string& id) const;

    // services.cpp
    void failpoint(const char* name) const;
    void registerHandlers();
    // card_issuance.cpp: the issued card at the dispenser's gate, watched across the end of its
    // business (taken -> the register counts it issued; not taken in time -> captured).
    struct GateWatch {
        std::string session; ///< the issuance's journal session
        std::string cardNo; ///< register card number
        std::chrono::steady_clock::time_point deadline {}; ///< capture when still there
        std::chrono::steady_clock::time_point lastPoll {}; ///< last dispenser status
    };
    std::optional<GateWatch> gateWatch;
    void issuanceTick(); // every tick, also on idle
    std::string issuanceUnavailable(); // "" when a card can be issued now
    his::Patient& ensurePatient();
    std::string requestId(const std::string& tag) const;
    /** The site's card keys (EngineParts::cardKeys or the process default). */
    const CardKeys& keys() const {
        return parts.cardKeys != nullptr ? *parts.cardKeys : CardKeys::processDefault();
    }
    /** The journal's name for the card in the reader ("card=<key>"). */
    std::string cardField() const { return "card=" + keys().key(who.cardNumber); }
    void checkReceiptPrinter();
    void runComplete();
    void printReceipt(const std::string& title, const std::vector<std::string>& lines);
    /** Adds a detail line to the result screen ("发票号", "INV000001"). */
    void resultLine(const std::string& label, const std::string& value);
    /** The result screen's data: the business's result, then what the patient leaves with:
     * own share, how it was paid, the card balance after, where the receipt is. */
    void showResult();
    void closeOrder();
    bool pollOrder(bool userAsked);
};

/** "12.34" for 1234 fen. */
std::string yuan(std::int64_t fen);
/** First character of a name and "*" for the rest ("李*"). */
std::string maskName(const std::string& name);
/** JSON item {"id","label","detail","disabled"}. */
json::object item(const std::string& id, const std::string& label, const std::string& detail = {},
    bool disabled = false);

} // namespace hc::kiosk::core
