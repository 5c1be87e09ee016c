// The engine's device interfaces over the real parts (library hc_kiosk_devices):
//   EscPosReceiptPrinter  drivers/printer's EscPosPrinter (TCP 9100, serial, file): paper and
//                         cover checked with DLE EOT before the patient is charged; GBK text, QR,
//                         cut
//   DirReportPrinter      the A4 stand-in while the IPP printer is being built: writes each report
//                         as a text file into a folder; a file named "paper-out" (or "jam") in
//                         that folder makes problem() answer so (tests, the demo)
//   MemoryCard            a card with an e-purse kept in a JSON file (kioskd --fake-card): the
//                         demo and process tests without pcscd; every change is written to disk
//                         (rename) before it returns, so a kill -9 never loses a debit; it
//                         stands for a card whose proofs the kiosk checks (Done is verified).
//                         Fault switches beside the file: `<card>.lose-next` (the next purchase
//                         commits and loses its answer), `<card>.forge-mac2` (the next purchase
//                         is a counterfeit's: "9000" with a MAC2 no PSAM accepts, nothing moved)
//   HttpPaymentGateway    the QR gateway over HTTP/JSON (paygw-sim, kiosk/sim/paygw_sim)
// Threading: one thread at a time each (the engine serialises its calls).
#pragma once

#include "hc/kiosk/core/devices.hpp"
#include "hc/kiosk/core/paygw_reply.hpp"

#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <memory>

namespace hc::printer {
class EscPosPrinter;
}

namespace hc::kiosk::core {

/** A receipt printer over hc::printer::EscPosPrinter. */
class EscPosReceiptPrinter final : public ReceiptPrinter {
public:
    /** `target`: "tcp:HOST:PORT" or "file:PATH". Throws hc::InputError for another form. */
    explicit EscPosReceiptPrinter(const std::string& target);
    ~EscPosReceiptPrinter() override;
    std::optional<std::string> problem() override;
    void print(const std::string& title, const std::vector<std::string>& lines,
        const std::string& qr) override;

private:
    std::unique_ptr<hc::printer::EscPosPrinter> m_printer;
};

/** Reports as text files in a folder (stand-in for the IPP printer). */
class DirReportPrinter final : public ReportPrinter {
public:
    /** Creates the folder if needed. */
    explicit DirReportPrinter(std::filesystem::path dir);
    std::optional<std::string> problem() override;
    void print(const ReportDocument& report) override;

private:
    std::filesystem::path m_dir;
};

/** A card with an e-purse in a JSON file. */
class MemoryCard final : public PatientCard {
public:
    /** Loads `file`, or creates it with `identity` and `balanceFen`. */
    MemoryCard(std::filesystem::path file, CardIdentity identity, std::int64_t balanceFen);
    CardIdentity identity() override;
    bool hasPurse() override { return true; }
    std::int64_t balance() override;
    PurseResult purchase(std::int64_t fen) override;
    PurseResult load(std::int64_t fen) override;
    PurseResult settle(const std::string& pendingJson) override;
    std::vector<PurseLogEntry> log(std::size_t max) override;

private:
    void save();
    std::filesystem::path m_file;
    boost::json::object m_state;
};

/** The QR gateway over HTTP/JSON. */
class HttpPaymentGateway final : public PaymentGateway {
public:
    /** `host`:`port`; every call bounded by `timeout`. */
    HttpPaymentGateway(std::string host, unsigned short port,
        std::chrono::milliseconds timeout = std::chrono::milliseconds(3000));
    PayOrder createOrder(
        const std::string& requestId, std::int64_t fen, const std::string& subject) override;
    OrderState query(const std::string& requestId) override;
    void refund(const std::string& requestId, std::int64_t fen,
        const std::string& refundRequestId) override;
    void close(const std::string& requestId) override;

private:
    PaygwReply call(const std::string& method, const std::string& target,
        const boost::json::object& body, bool mutating);
    std::string m_host;
    unsigned short m_port;
    std::chrono::milliseconds m_timeout;
};

} // namespace hc::kiosk::core
