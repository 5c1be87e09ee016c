// Unit tests of the ESC/POS builder (golden bytes), the GBK conversion and its errors, the
// decoder (round trip, streaming, unknown and truncated commands) and the DLE EOT status.
#include "hc/printer.hpp"

#include <cstdio>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <poll.h>
#include <thread>
#include <unistd.h>

using namespace hc::printer;

namespace {

std::vector<std::uint8_t> fromHex(const std::string& hex) {
    std::vector<std::uint8_t> out;
    std::string digits;
    for (const char c : hex) {
        if (std::isxdigit(static_cast<unsigned char>(c)) != 0) {
            digits.push_back(c);
        }
    }
    for (std::size_t i = 0; i + 1 < digits.size(); i += 2) {
        out.push_back(static_cast<std::uint8_t>(std::stoul(digits.substr(i, 2), nullptr, 16)));
    }
    return out;
}

EscPosJob goldenReceipt() {
    EscPosJob job;
    job.align(Align::Center).bold(true).size(2, 2).line("门诊缴费凭条").size(1, 1).bold(false);
    job.align(Align::Left).line("金额: 12.50 元");
    job.align(Align::Center).qrCode("HC1", { 4, QrErrorCorrection::M }).feed(3).cut(Cut::Partial);
    return job;
}

const char* kGoldenHex = "1B 40 1C 26"
                         " 1B 61 01 1B 45 01 1D 21 11"
                         " C3 C5 D5 EF BD C9 B7 D1 C6 BE CC F5 0A"
                         " 1D 21 00 1B 45 00 1B 61 00"
                         " BD F0 B6 EE 3A 20 31 32 2E 35 30 20 D4 AA 0A"
                         " 1B 61 01"
                         " 1D 28 6B 04 00 31 41 32 00"
                         " 1D 28 6B 03 00 31 43 04"
                         " 1D 28 6B 03 00 31 45 31"
                         " 1D 28 6B 06 00 31 50 30 48 43 31"
                         " 1D 28 6B 03 00 31 51 30"
                         " 1B 64 03 1D 56 01";

std::vector<EscPosEvent> only(const std::vector<EscPosEvent>& events, EventKind kind) {
    std::vector<EscPosEvent> out;
    for (const auto& e : events) {
        if (e.kind == kind) {
            out.push_back(e);
        }
    }
    return out;
}

} // namespace

TEST_CASE("builder: golden bytes of a receipt with Chinese text, a QR code and a cut") {
    CHECK(goldenReceipt().bytes() == fromHex(kGoldenHex));
}

TEST_CASE("builder: argument checks") {
    EscPosJob job;
    CHECK_THROWS_AS(job.size(0, 1), hc::InputError);
    CHECK_THROWS_AS(job.size(1, 9), hc::InputError);
    CHECK_THROWS_AS(job.feed(256), hc::InputError);
    CHECK_THROWS_AS(job.qrCode(""), hc::InputError);
    CHECK_THROWS_AS(job.qrCode(std::string(7090, 'a')), hc::InputError);
    CHECK_THROWS_AS(job.qrCode("x", { 17, QrErrorCorrection::M }), hc::InputError);
    // A long QR payload: pL/pH carry the length + 3.
    job.qrCode(std::string(300, 'a'));
    const auto& b = job.bytes();
    bool found = false;
    for (std::size_t i = 0; i + 7 < b.size(); ++i) {
        if (b[i] == 0x1D && b[i + 1] == '(' && b[i + 2] == 'k' && b[i + 6] == 80) {
            CHECK(b[i + 3] == (303 & 0xFF));
            CHECK(b[i + 4] == (303 >> 8));
            found = true;
        }
    }
    CHECK(found);
}

TEST_CASE("gbk: text converts, and errors name the character") {
    CHECK(utf8ToGbk("挂号 A1\n") == std::string("\xB9\xD2\xBA\xC5 A1\n"));
    try {
        (void)utf8ToGbk("张三 😀 好");
        FAIL("no error");
    } catch (const EncodingError& e) {
        CHECK(e.character() == "😀");
        CHECK(e.index() == 3);
        CHECK(std::string(e.what()).find("U+1F600") != std::string::npos);
        CHECK(std::string(e.what()).find("GBK") != std::string::npos);
        CHECK(e.nextStep() == hc::NextStep::FixInput);
    }
    // A CJK extension B character (U+20000) is not in GBK either.
    CHECK_THROWS_WITH_AS(
        utf8ToGbk("\xF0\xA0\x80\x80"), doctest::Contains("U+20000"), EncodingError);
    // The yen/yuan sign U+00A5 is not in GBK; the full-width ￥ (U+FFE5) is.
    CHECK_THROWS_WITH_AS(utf8ToGbk("¥5"), doctest::Contains("U+00A5"), EncodingError);
    CHECK(utf8ToGbk("￥5")
        == std::string("\xA3\xA4"
                       "5"));
    // Control characters would inject commands.
    CHECK_THROWS_WITH_AS(utf8ToGbk("a\x1B@"), doctest::Contains("U+001B"), EncodingError);
    // Invalid UTF-8: truncated, overlong, surrogate.
    CHECK_THROWS_WITH_AS(
        utf8ToGbk("ab\xE4\xB8"), doctest::Contains("invalid UTF-8 at byte 2"), EncodingError);
    CHECK_THROWS_AS(utf8ToGbk("\xC0\xAF"), EncodingError);
    CHECK_THROWS_AS(utf8ToGbk("\xED\xA0\x80"), EncodingError);
    EscPosJob job;
    CHECK_THROWS_AS(job.line("药费 💊"), EncodingError);

    CHECK(gbkToUtf8(fromHex("C3 C5 D5 EF 41")) == "门诊A");
    CHECK_THROWS_AS(gbkToUtf8(fromHex("C3")), hc::InputError);
    CHECK(displayWidth("门诊A") == 5);
}

TEST_CASE("decoder: round trip of the golden receipt") {
    const auto events = EscPosDecoder::decode(goldenReceipt().bytes());
    const auto texts = only(events, EventKind::Text);
    REQUIRE(texts.size() == 2);
    CHECK(texts[0].text == "门诊缴费凭条");
    CHECK(texts[1].text == "金额: 12.50 元");
    const auto qr = only(events, EventKind::QrCode);
    REQUIRE(qr.size() == 1);
    CHECK(qr[0].text == "HC1");
    CHECK(qr[0].value == 4);
    CHECK(qr[0].qrErrorCorrection == 'M');
    const auto cuts = only(events, EventKind::Cut);
    REQUIRE(cuts.size() == 1);
    CHECK(cuts[0].value == 1);
    CHECK(only(events, EventKind::Feed).at(0).value == 3);
    CHECK(only(events, EventKind::Size).at(0).value == 0x11);
    CHECK(only(events, EventKind::Unknown).empty());
    CHECK(only(events, EventKind::Truncated).empty());

    const auto text = renderText(events, 32);
    CHECK(text.find("门诊缴费凭条") != std::string::npos);
    CHECK(text.find("[QR: HC1]") != std::string::npos);
    CHECK(text.find("金额: 12.50 元\n") == text.find("金额")); // left aligned
    CHECK(text.find("-----") != std::string::npos);
}

TEST_CASE("decoder: streaming in one-byte pieces gives the same events") {
    const auto job = goldenReceipt();
    const auto& bytes = job.bytes();
    EscPosDecoder d;
    std::vector<EscPosEvent> events;
    for (const auto b : bytes) {
        for (auto& e : d.feed(std::span<const std::uint8_t>(&b, 1))) {
            events.push_back(std::move(e));
        }
    }
    for (auto& e : d.finish()) {
        events.push_back(std::move(e));
    }
    const auto whole = EscPosDecoder::decode(bytes);
    REQUIRE(events.size() >= whole.size());
    CHECK(renderText(events) == renderText(whole));
    CHECK(only(events, EventKind::QrCode).at(0).text == "HC1");
}

TEST_CASE("decoder: unknown bytes and truncated commands are reported, with offsets") {
    const auto events = EscPosDecoder::decode(fromHex("41 1B 99 42 07 1D 28 6B 10 00 31 50"));
    REQUIRE(events.size() == 5);
    CHECK(events[0].kind == EventKind::Text);
    CHECK(events[1].kind == EventKind::Unknown);
    CHECK(events[1].offset == 1);
    CHECK(events[1].raw == fromHex("1B 99"));
    CHECK(events[2].text == "B");
    CHECK(events[3].kind == EventKind::Unknown);
    CHECK(events[3].raw == fromHex("07"));
    CHECK(events[4].kind == EventKind::Truncated);
    CHECK(events[4].offset == 5);
    CHECK(events[4].text.find("needs 21 bytes") != std::string::npos);

    // A lone GBK lead byte at the end, and one followed by a non-trail byte.
    auto tail = EscPosDecoder::decode(fromHex("41 C3"));
    CHECK(tail.back().kind == EventKind::Truncated);
    auto bad = EscPosDecoder::decode(fromHex("C3 0A"));
    CHECK(bad.front().kind == EventKind::Unknown);
    CHECK(bad.back().kind == EventKind::LineFeed);
    // Status queries are events too.
    auto q = EscPosDecoder::decode(fromHex("10 04 04 10 04 09"));
    CHECK(q[0].kind == EventKind::StatusQuery);
    CHECK(q[0].value == 4);
    CHECK(q[1].kind == EventKind::Unknown);
}

TEST_CASE("status: DLE EOT bytes to a level") {
    auto ok = PrinterStatus::fromDleEot(0x16, 0x12, 0x12, 0x12);
    CHECK(ok.level == StatusLevel::Ok);
    CHECK(ok.canPrint());
    CHECK(ok.message == "ok");

    auto nearEnd = PrinterStatus::fromDleEot(0x16, 0x12, 0x12, 0x1E);
    CHECK(nearEnd.level == StatusLevel::Warning);
    CHECK(nearEnd.paperNearEnd);
    CHECK(nearEnd.canPrint());

    auto out = PrinterStatus::fromDleEot(0x1E, 0x32, 0x12, 0x72);
    CHECK(out.level == StatusLevel::Error);
    CHECK(out.paperOut);
    CHECK_FALSE(out.online);
    CHECK(out.message.find("paper out") != std::string::npos);

    auto cover = PrinterStatus::fromDleEot(0x1E, 0x16, 0x12, 0x12);
    CHECK(cover.coverOpen);
    CHECK(cover.level == StatusLevel::Error);

    auto cutter = PrinterStatus::fromDleEot(0x1E, 0x52, 0x1A, 0x12);
    CHECK(cutter.cutterError);
    CHECK_FALSE(cutter.canPrint());

    CHECK(PrinterStatus::fromDleEot(std::nullopt, std::nullopt, std::nullopt, std::nullopt).level
        == StatusLevel::Error);
    CHECK(PrinterStatus::fromDleEot(0xFF, 0x12, 0x12, 0x12).message.find("malformed")
        != std::string::npos);
    // Older printers answer DLE EOT 1 only.
    CHECK(PrinterStatus::fromDleEot(0x16, std::nullopt, std::nullopt, std::nullopt).canPrint());

    // dleEotReply (the simulator's side) parses back to the same state.
    for (int s = 0; s < 5; ++s) {
        PrinterStatus state;
        state.paperNearEnd = s == 1;
        state.paperOut = s == 2;
        state.coverOpen = s == 3;
        state.cutterError = s == 4;
        const auto back = PrinterStatus::fromDleEot(dleEotReply(1, state), dleEotReply(2, state),
            dleEotReply(3, state), dleEotReply(4, state));
        CHECK(back.paperNearEnd == state.paperNearEnd);
        CHECK(back.paperOut == state.paperOut);
        CHECK(back.coverOpen == state.coverOpen);
        CHECK(back.cutterError == state.cutterError);
    }

    PrinterNotReady e(out);
    CHECK(e.nextStep() == hc::NextStep::CallStaff);
}

TEST_CASE("file transport: jobs are appended and read back; no status") {
    const auto path = std::filesystem::temp_directory_path()
        / ("hc-escpos-file-" + std::to_string(::getpid()) + ".bin");
    std::filesystem::remove(path);
    {
        EscPosPrinter printer(std::make_unique<FileTransport>(path));
        const auto status = printer.status();
        CHECK_FALSE(status.reported);
        CHECK(status.canPrint());
        printer.printChecked(goldenReceipt());
    }
    std::ifstream in(path, std::ios::binary);
    const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), {});
    CHECK(bytes == goldenReceipt().bytes());
    std::filesystem::remove(path);
}

TEST_CASE("tcp transport: an unreachable printer is offline, printing throws") {
    // Port 1 on localhost: nothing listens there.
    EscPosPrinter printer(
        std::make_unique<TcpTransport>("127.0.0.1", 1, std::chrono::milliseconds(500)));
    const auto s = printer.status();
    CHECK_FALSE(s.online);
    CHECK(s.level == StatusLevel::Error);
    CHECK_THROWS_AS(printer.print(goldenReceipt()), PrinterUnavailable);
    CHECK_THROWS_AS(printer.printChecked(goldenReceipt()), PrinterNotReady);
    CHECK_THROWS_AS(SerialTransport("/dev/null", 12345), hc::InputError);
}

TEST_CASE("serial transport: a job and the DLE EOT exchange over a pty") {
    const int master = ::posix_openpt(O_RDWR | O_NOCTTY);
    REQUIRE(master >= 0);
    REQUIRE(::grantpt(master) == 0);
    REQUIRE(::unlockpt(master) == 0);
    const std::string slave = ::ptsname(master);
    // The "printer" at the master end: answer each DLE EOT n with paper near end.
    std::thread printerSide([master] {
        std::vector<std::uint8_t> seen;
        std::uint8_t buf[256];
        for (int answered = 0; answered < 4;) {
            pollfd p { master, POLLIN, 0 };
            if (::poll(&p, 1, 3000) <= 0) {
                return;
            }
            const auto n = ::read(master, buf, sizeof buf);
            if (n <= 0) {
                return;
            }
            seen.insert(seen.end(), buf, buf + n);
            while (seen.size() >= 3) {
                PrinterStatus state;
                state.paperNearEnd = true;
                const std::uint8_t reply = dleEotReply(seen[2], state);
                (void)::write(master, &reply, 1);
                seen.erase(seen.begin(), seen.begin() + 3);
                ++answered;
            }
        }
    });
    EscPosPrinter printer(std::make_unique<SerialTransport>(slave, 9600));
    const auto status = printer.status();
    printerSide.join();
    CHECK(status.level == StatusLevel::Warning);
    CHECK(status.paperNearEnd);

    printer.print(goldenReceipt());
    std::vector<std::uint8_t> got;
    std::uint8_t buf[512];
    pollfd p { master, POLLIN, 0 };
    while (got.size() < goldenReceipt().bytes().size() && ::poll(&p, 1, 2000) > 0) {
        const auto n = ::read(master, buf, sizeof buf);
        if (n <= 0) {
            break;
        }
        got.insert(got.end(), buf, buf + n);
    }
    CHECK(got == goldenReceipt().bytes());
    ::close(master);
}

TEST_CASE("transport spec: tcp, serial and file forms; each bad spec is named") {
    CHECK(makeTransport("tcp:127.0.0.1:9100")->describe() == "tcp 127.0.0.1:9100");
    CHECK(makeTransport("serial:/dev/ttyS0:9600")->describe().find("/dev/ttyS0 9600")
        != std::string::npos);
    CHECK(makeTransport("serial:/dev/ttyUSB1")->describe().find("115200") != std::string::npos);
    CHECK(makeTransport("file:/tmp/x.bin")->describe().find("/tmp/x.bin") != std::string::npos);
    for (const char* bad : { "tcp:127.0.0.1", "tcp::9100", "tcp:host:0", "tcp:host:65536",
             "tcp:host:91x0", "serial:", "serial:/dev/ttyS0:fast", "file:", "lpt:1", "" }) {
        CAPTURE(bad);
        try {
            (void)makeTransport(bad);
            FAIL("accepted");
        } catch (const hc::InputError& e) {
            CHECK(std::string(e.what()).find(std::string("\"") + bad + "\"") != std::string::npos);
        }
    }
}
