// Integration: the printer driver over TCP against escpos-sim (started as a process on free
// ports): a receipt printed and read back, paper out reported before printing.
#include "hc/printer.hpp"
#include "hc/testing/process.hpp"
#include "sim_client.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

using namespace hc::printer;
using hc::kiosk::test::controlCommand;
using hc::kiosk::test::waitForPort;

namespace {

struct Sim {
    hc::testing::TempDir dir { "hc-escpos-sim-" };
    unsigned short port = hc::testing::freeTcpPort();
    unsigned short control = hc::testing::freeTcpPort();
    hc::testing::Process process { { hc::testing::binaryPath("escpos-sim").string(), "--port",
                                       std::to_string(port), "--control-port",
                                       std::to_string(control), "--out", (dir / "jobs").string() },
        dir / "escpos-sim.log" };
    Sim() {
        waitForPort(port);
        waitForPort(control);
    }
    EscPosPrinter printer() const {
        return EscPosPrinter(
            std::make_unique<TcpTransport>("127.0.0.1", port, std::chrono::milliseconds(2000)),
            std::chrono::milliseconds(1000));
    }
};

EscPosJob receipt() {
    EscPosJob job;
    job.align(Align::Center).bold(true).size(2, 2).line("门诊缴费凭条").size(1, 1).bold(false);
    job.align(Align::Left).line("患者: 张*三").line("项目: 血常规  ￥25.00").line("合计: 25.00 元");
    job.align(Align::Center).qrCode("https://his.example/inv/INV-000123").feed(3).cut();
    return job;
}

} // namespace

TEST_CASE("escpos-sim: a receipt printed over TCP is read back as JSON and text") {
    Sim sim;
    auto printer = sim.printer();
    const auto status = printer.status();
    CHECK(status.level == StatusLevel::Ok);
    CHECK(status.online);
    printer.printChecked(receipt());

    const auto jsonText = hc::testing::readFile(sim.dir / "jobs" / "job-0001.json");
    REQUIRE_FALSE(jsonText.empty());
    const auto job = boost::json::parse(jsonText).as_object();
    CHECK(job.at("cuts").as_int64() == 1);
    CHECK(job.at("unknown").as_int64() == 0);
    CHECK(job.at("truncated").as_int64() == 0);
    CHECK(job.at("qr").as_array().at(0).as_string() == "https://his.example/inv/INV-000123");
    const auto text = hc::testing::readFile(sim.dir / "jobs" / "job-0001.txt");
    CHECK(text.find("门诊缴费凭条") != std::string::npos);
    CHECK(text.find("合计: 25.00 元") != std::string::npos);
    CHECK(text.find("￥25.00") != std::string::npos);
    CHECK(controlCommand(sim.control, "jobs") == "OK 1");
    // A status query alone is not a job.
    (void)printer.status();
    CHECK(controlCommand(sim.control, "jobs") == "OK 1");
}

TEST_CASE("escpos-sim: paper out and cover open are reported before printing; near end warns") {
    Sim sim;
    auto printer = sim.printer();
    CHECK(controlCommand(sim.control, "paper out").rfind("OK", 0) == 0);
    auto s = printer.status();
    CHECK(s.level == StatusLevel::Error);
    CHECK(s.paperOut);
    CHECK_FALSE(s.canPrint());
    CHECK_THROWS_AS(printer.printChecked(receipt()), PrinterNotReady);
    CHECK(controlCommand(sim.control, "jobs") == "OK 0"); // nothing was sent

    controlCommand(sim.control, "paper near-end");
    s = printer.status();
    CHECK(s.level == StatusLevel::Warning);
    CHECK(s.paperNearEnd);
    CHECK(printer.printChecked(receipt()).level == StatusLevel::Warning);
    CHECK(controlCommand(sim.control, "jobs") == "OK 1");

    controlCommand(sim.control, "paper ok");
    controlCommand(sim.control, "cover open");
    s = printer.status();
    CHECK(s.coverOpen);
    CHECK(s.level == StatusLevel::Error);
    controlCommand(sim.control, "cover closed");
    controlCommand(sim.control, "cutter error");
    CHECK(printer.status().cutterError);
    controlCommand(sim.control, "cutter ok");
    controlCommand(sim.control, "offline");
    s = printer.status();
    CHECK_FALSE(s.online);
    CHECK(s.level == StatusLevel::Error);
    controlCommand(sim.control, "online");
    CHECK(printer.status().level == StatusLevel::Ok);
    CHECK(controlCommand(sim.control, "bogus").rfind("ERR", 0) == 0);
}

TEST_CASE("escpos-sim: garbage and a truncated command are kept and reported") {
    Sim sim;
    TcpTransport t("127.0.0.1", sim.port);
    const std::vector<std::uint8_t> bytes { 0x1B, 0x40, 'O', 'K', 0x0A, 0x07, 0x1D, 0x28, 0x6B,
        0x40, 0x00, 0x31 };
    t.write(bytes);
    t.close();
    const auto job
        = boost::json::parse(hc::testing::readFile(sim.dir / "jobs" / "job-0001.json")).as_object();
    CHECK(job.at("unknown").as_int64() == 1);
    CHECK(job.at("truncated").as_int64() == 1);
}
