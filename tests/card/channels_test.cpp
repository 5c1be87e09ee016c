#include "hc/card.hpp" // the umbrella header must compile on its own
#include "hc/card/error.hpp"
#include "hc/card/recording_channel.hpp"
#include "hc/card/replay_channel.hpp"
#include "hc/card/scripted_channel.hpp"
#include "hc/card/t0_channel.hpp"
#include "hc/card/tracing_channel.hpp"

#include <doctest/doctest.h>
#include <sstream>
#include <string>
#include <vector>

using namespace hc;
using namespace hc::card;

namespace {

CommandApdu cmd(const std::string& hex) {
    return CommandApdu::parse(fromHex(hex));
}

struct Lines {
    std::vector<std::string> lines;
    LineSink sink() {
        return [this](std::string_view l) { lines.emplace_back(l); };
    }
    std::string all() const {
        std::string s;
        for (const auto& l : lines) {
            s += l + "\n";
        }
        return s;
    }
};

} // namespace

TEST_CASE("ScriptedChannel answers in order and reports the step of a mismatch") {
    ScriptedChannel ch({ { "00A4000002DDF1", "9000" }, { "00B2010400", "5A0101 9000" } });
    CHECK(ch.transmit(cmd("00A4000002DDF1")).ok());
    CHECK(ch.nextStep() == 2);
    try {
        (void)ch.transmit(cmd("00B2020400"));
        FAIL("no mismatch");
    } catch (const ScriptMismatch& e) {
        CHECK(e.step() == 2);
        CHECK(e.expected() == "00B2010400");
        CHECK(e.actual() == "00B2020400");
        CHECK(std::string(e.what())
            == "scripted channel: step 2: expected 00B2010400, got 00B2020400");
    }
    CHECK(ch.transmit(cmd("00B2010400")).data() == fromHex("5A0101"));
    CHECK(ch.finished());
    CHECK_THROWS_AS(ch.transmit(cmd("00B2010400")), ScriptMismatch);
    // "**" matches any byte.
    ScriptedChannel wild({ { "0020008103 ******", "9000" } });
    CHECK(wild.transmit(cmd("0020008103313233")).ok());
}

TEST_CASE("T0Channel: 61xx chains are fetched with GET RESPONSE and concatenated") {
    auto script = std::make_unique<ScriptedChannel>(std::vector<ScriptStep> {
        { "00B2010400", "0102 6103" },
        { "00C0000003", "030405 6100" },
        { "00C0000000", std::string(512, 'A') + "9000" },
    });
    ScriptedChannel* raw = script.get();
    T0Channel t0(std::move(script));
    const auto rsp = t0.transmit(cmd("00B2010400"));
    CHECK(rsp.ok());
    CHECK(rsp.data().size() == 5 + 256);
    CHECK(Bytes(rsp.data().begin(), rsp.data().begin() + 5) == fromHex("0102030405"));
    CHECK(raw->finished());
    CHECK(&t0.inner() == raw);
}

TEST_CASE("T0Channel: 6Cxx resends the same command with Le = SW2, once") {
    auto script = std::make_unique<ScriptedChannel>(std::vector<ScriptStep> {
        { "00B0000000", "6C08" },
        { "00B0000008", "0102030405060708 9000" },
        { "00B2010400", "6C00" },
        { "00B2010400", "6C05" }, // second 6C: returned as is, not resent again
        { "00A4000002DDF1", "6C10" },
        { "00A4000002DDF110", "6110" }, // case 3 becomes case 4, then a 61xx chain
        { "00C0000010", std::string(32, '1') + "9000" },
    });
    ScriptedChannel* raw = script.get();
    T0Channel t0(std::move(script));
    CHECK(t0.transmit(cmd("00B0000000")).data().size() == 8);
    CHECK(t0.transmit(cmd("00B2010400")).sw() == StatusWord(0x6C05));
    CHECK(t0.transmit(cmd("00A4000002DDF1")).data().size() == 16);
    CHECK(raw->finished());
}

TEST_CASE("transmitT0 over a bare channel reports what the dialogue cost") {
    ScriptedChannel ch(
        { { "00B2010400", "6C05" }, { "00B2010405", "6102" }, { "00C0000002", "ABCD9000" } });
    T0Exchange cost;
    const auto r = transmitT0(ch, CommandApdu(0x00, 0xB2, 0x01, 0x04, {}, 256), {}, &cost);
    CHECK(toHex(r.data()) == "ABCD");
    CHECK(r.ok());
    CHECK(cost.wrongLe == 1);
    CHECK(cost.getResponses == 1);
    CHECK(cost.apdus() == 3);
    CHECK(ch.finished());
}

TEST_CASE("T0Channel: limits on GET RESPONSE count and total size") {
    std::vector<ScriptStep> endless { { "00B2010400", "6101" } };
    for (int i = 0; i < 10; ++i) {
        endless.push_back({ "00C0000001", "AA 6101" });
    }
    T0Options opts;
    opts.maxGetResponses = 4;
    T0Channel t0(std::make_unique<ScriptedChannel>(endless), opts);
    CHECK_THROWS_WITH_AS(t0.transmit(cmd("00B2010400")),
        "T=0: card still answers 6101 after 4 GET RESPONSE commands (limit 4)", CardProtocolError);

    std::vector<ScriptStep> big { { "00B0000000", "6100" } };
    for (int i = 0; i < 300; ++i) {
        big.push_back({ "00C0000000", std::string(512, 'B') + "6100" });
    }
    T0Options sizeOpts;
    sizeOpts.maxGetResponses = 1000;
    T0Channel t0big(std::make_unique<ScriptedChannel>(big), sizeOpts);
    CHECK_THROWS_WITH_AS(t0big.transmit(cmd("00B0000000")),
        "T=0: response exceeds 65536 bytes after 257 GET RESPONSE commands", CardProtocolError);
}

TEST_CASE("TracingChannel masks PINs, keys and read data") {
    Lines out;
    auto script = std::make_unique<ScriptedChannel>(std::vector<ScriptStep> {
        { "0020008106313233343536", "63C2" },
        { "8024000006313233343536", "9000" },
        { "805E010006313233343536", "9000" },
        { "84D4010015" + std::string(42, 'E'), "9000" },
        { "00B2010400", "5A0831323334353637389000" },
        { "00A4000002DDF1", "6F03840101 9000" },
    });
    TracingChannel trace(std::move(script), out.sink());
    CHECK(trace.transmit(cmd("0020008106313233343536")).sw() == StatusWord(0x63C2));
    trace.transmit(cmd("8024000006313233343536"));
    trace.transmit(cmd("805E010006313233343536"));
    trace.transmit(cmd("84D4010015" + std::string(42, 'E')));
    CHECK(trace.transmit(cmd("00B2010400")).data() == fromHex("5A083132333435363738"));
    trace.transmit(cmd("00A4000002DDF1"));
    REQUIRE(out.lines.size() == 6);
    const std::string all = out.all();
    CHECK(all.find("313233343536") == std::string::npos);
    CHECK(all.find("123456") == std::string::npos);
    CHECK(all.find("EEEEEEEE") == std::string::npos);
    CHECK(all.find("3132333435363738") == std::string::npos);
    CHECK(out.lines[0].find("[Scripted reader] C: 0020008106 <6 bytes masked> R: 63C2 (63C2 "
                            "verification failed, 2 tries left)")
        != std::string::npos);
    CHECK(out.lines[0].ends_with(" us"));
    CHECK(out.lines[3].find("84D4010015 <21 bytes masked>") != std::string::npos);
    CHECK(out.lines[4].find("R: <10 bytes masked> 9000 (9000 success)") != std::string::npos);
    // Not masked: SELECT and its FCI.
    CHECK(out.lines[5].find("C: 00A4000002DDF1 R: 6F038401019000") != std::string::npos);
    // The line starts with a UTC timestamp.
    CHECK(out.lines[0].size() > 27);
    CHECK(out.lines[0][10] == 'T');
    CHECK(out.lines[0][26] == 'Z');
}

TEST_CASE("TracingChannel below T0Channel masks the GET RESPONSE chain of a read") {
    Lines out;
    auto script = std::make_unique<ScriptedChannel>(std::vector<ScriptStep> {
        { "00B2010400", "6108" },
        { "00C0000008", "3132333435363738 9000" },
        { "00C0000002", "4142 9000" },
    });
    auto t0 = std::make_unique<T0Channel>(
        std::make_unique<TracingChannel>(std::move(script), out.sink()));
    CHECK(t0->transmit(cmd("00B2010400")).data() == fromHex("3132333435363738"));
    // A GET RESPONSE not following a masked read is shown.
    CHECK(t0->transmit(cmd("00C0000002")).data() == fromHex("4142"));
    REQUIRE(out.lines.size() == 3);
    CHECK(out.all().find("3132333435363738") == std::string::npos);
    CHECK(out.lines[1].find("R: <8 bytes masked> 9000") != std::string::npos);
    CHECK(out.lines[2].find("R: 41429000") != std::string::npos);
}

TEST_CASE("TracingChannel: read data shown only on explicit opt-in; ostream sink") {
    std::ostringstream os;
    TracingChannel trace(
        std::make_unique<ScriptedChannel>(std::vector<ScriptStep> { { "00B0000002", "41429000" } }),
        os, MaskPolicy::defaults().withReadDataShown());
    trace.transmit(cmd("00B0000002"));
    CHECK(os.str().find("R: 41429000") != std::string::npos);
    CHECK(os.str().back() == '\n');
}

TEST_CASE("record a session and replay it") {
    const std::vector<ScriptStep> session {
        { "00A404000FD15600000100" + std::string(20, '0'), "9000" },
        { "0020000003123456", "9000" },
        { "00B2010400", "5A03010203 9000" },
        { "00A4000002DDF1", "9000" },
    };
    Lines rec;
    {
        RecordingChannel recorder(std::make_unique<ScriptedChannel>(session), rec.sink(),
            MaskPolicy::defaults().withReadDataShown());
        for (const auto& s : session) {
            recorder.transmit(cmd(s.command));
        }
        recorder.reset();
        CHECK(recorder.steps() == 5);
    }
    REQUIRE(rec.lines.size() == 6);
    CHECK(rec.lines[0]
        == "{\"atr\":\"3B6D000080318065B0893501F183009000\",\"reader\":\"Scripted reader\"}");
    CHECK(rec.lines[2] == "{\"step\":2,\"cmd\":\"0020000003******\",\"rsp\":\"9000\"}");
    CHECK(rec.lines[3] == "{\"step\":3,\"cmd\":\"00B2010400\",\"rsp\":\"5A030102039000\"}");
    CHECK(rec.lines[5]
        == "{\"step\":5,\"reset\":true,\"atr\":\"3B6D000080318065B0893501F183009000\"}");
    CHECK(rec.all().find("123456") == std::string::npos);

    // Replay: the same commands give the same answers; the PIN may differ (masked).
    ReplayChannel replay(parseTranscript(rec.all()));
    CHECK(replay.readerName() == "Scripted reader");
    CHECK(replay.atr() == fromHex("3B6D000080318065B0893501F183009000"));
    CHECK(replay.transmit(cmd(session[0].command)).ok());
    CHECK(replay.transmit(cmd("0020000003999999")).ok());
    CHECK(replay.transmit(cmd("00B2010400")).data() == fromHex("5A03010203"));
    CHECK(replay.transmit(cmd("00A4000002DDF1")).ok());
    replay.reset();
    CHECK(replay.finished());
    try {
        (void)replay.transmit(cmd("00A4000002DDF1"));
        FAIL("no error past the end");
    } catch (const ReplayMismatch& e) {
        CHECK(e.step() == 6);
        CHECK(e.expected() == "end of transcript");
    }

    // A mismatch at step 3 reports step 3 with both commands.
    ReplayChannel again(parseTranscript(rec.all()));
    again.transmit(cmd(session[0].command));
    again.transmit(cmd(session[1].command));
    try {
        (void)again.transmit(cmd("00B2020400"));
        FAIL("no mismatch");
    } catch (const ReplayMismatch& e) {
        CHECK(e.step() == 3);
        CHECK(e.expected() == "00B2010400");
        CHECK(e.actual() == "00B2020400");
        CHECK(std::string(e.what()) == "replay: step 3: expected 00B2010400, got 00B2020400");
    }
    CHECK(again.nextStep() == 3);
    // The actual command of a mismatch hides a PIN.
    ReplayChannel pin(parseTranscript(rec.all()));
    pin.transmit(cmd(session[0].command));
    try {
        (void)pin.transmit(cmd("002000000431323334"));
        FAIL("no mismatch");
    } catch (const ReplayMismatch& e) {
        CHECK(e.step() == 2);
        CHECK(e.expected() == "0020000003******");
        CHECK(e.actual() == "0020000004********");
    }
    // A command where a reset was recorded, and a reset where a command was.
    CHECK_THROWS_AS(again.reset(), ReplayMismatch);
}

TEST_CASE("recording masks read data by default; masked responses replay as 00") {
    Lines rec;
    RecordingChannel recorder(std::make_unique<ScriptedChannel>(
                                  std::vector<ScriptStep> { { "00B0000004", "31323334 9000" } }),
        rec.sink());
    recorder.transmit(cmd("00B0000004"));
    CHECK(rec.lines[1] == "{\"step\":1,\"cmd\":\"00B0000004\",\"rsp\":\"********9000\"}");
    ReplayChannel replay(parseTranscript(rec.all()));
    CHECK(replay.transmit(cmd("00B0000004")).data() == Bytes(4, 0));
}

TEST_CASE("transcript parser errors name the line") {
    auto err = [](const std::string& text) {
        try {
            (void)parseTranscript(text);
        } catch (const InputError& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    CHECK(err("") == "transcript: empty (no header line)");
    CHECK(err("{\"atr\":\"3B00\",\"reader\":\"r\"}\n{\"step\":2,\"cmd\":\"00A40000\",\"rsp\":"
              "\"9000\"}")
        == "transcript line 2: \"step\" must be 1 (steps are numbered from 1 without gaps), got 2");
    CHECK(
        err("{\"atr\":\"3B00\",\"reader\":\"r\"}\n\n{\"step\":1,\"cmd\":\"00A4\",\"rsp\":\"9000\"}")
        == "transcript line 3: \"cmd\" has 2 bytes, a command APDU needs at least 4");
    CHECK(
        err("{\"atr\":\"3B00\",\"reader\":\"r\"}\n{\"step\":1,\"cmd\":\"00A40000\",\"rsp\":\"90\"}")
            .find("line 2: \"rsp\" has 1 bytes")
        != std::string::npos);
    CHECK(err(
        "{\"atr\":\"3B00\",\"reader\":\"r\"}\n{\"step\":1,\"cmd\":\"00A4000G\",\"rsp\":\"9000\"}")
              .starts_with("transcript line 2: cmd: masked hex"));
    CHECK(err("{\"atr\":\"3B00\",\"reader\":\"r\"}\n{\"step\":1,\"cmd\":\"00A40000\",\"rsp\":\"90**"
              "\"}")
        == "transcript line 2: \"rsp\" status word must not be masked");
    CHECK(err("{\"atr\":\"3B00\"}") == "transcript line 1: reader: missing");
    CHECK(err("[1,2]") == "transcript line 1: expected an object");
    CHECK(err("{\"atr\":").starts_with("transcript line 1: not valid JSON"));
    CHECK(err("{\"step\":1,\"cmd\":\"00A40000\",\"rsp\":\"9000\"}").find("expected the header")
        != std::string::npos);
}

TEST_CASE("TracingChannel traces resets and transport errors, and rethrows") {
    Lines out;
    TracingChannel trace(
        std::make_unique<ScriptedChannel>(std::vector<ScriptStep> { { "00A4000002DDF1", "9000" } }),
        out.sink());
    trace.reset();
    CHECK_THROWS_AS(trace.transmit(cmd("00A4000002DDF2")), ScriptMismatch);
    REQUIRE(out.lines.size() == 2);
    CHECK(out.lines[0].find("[Scripted reader] RESET ATR: 3B6D000080318065B0893501F183009000")
        != std::string::npos);
    CHECK(out.lines[1].find("C: 00A4000002DDF2 E: scripted channel: step 1") != std::string::npos);
    CHECK(static_cast<const ScriptedChannel&>(trace.inner()).resets() == 1);
}

TEST_CASE("mask table: CLA-specific rows, custom rules") {
    const MaskPolicy policy = MaskPolicy::defaults();
    // E2 with CLA 80/84 is proprietary key loading; with CLA 00 it is APPEND RECORD.
    CHECK(policy.commandRule(cmd("80E2000003010203")) != nullptr);
    CHECK(policy.commandRule(cmd("84E4000003010203")) != nullptr);
    CHECK(policy.commandRule(cmd("00E2000003010203")) == nullptr);
    CHECK(policy.commandRule(cmd("805E000003010203")) != nullptr);
    CHECK(policy.commandRule(cmd("005E000003010203")) == nullptr);
    CHECK(policy.commandRule(cmd("04D8000003010203")) != nullptr);
    CHECK(policy.responseRule(cmd("00B0000000")) != nullptr);
    CHECK(policy.withReadDataShown().responseRule(cmd("00B0000000")) == nullptr);
    CHECK(policy.withReadDataShown().commandRule(cmd("0020000003010203")) != nullptr);

    // A site adds GET DATA (CA) responses to the table.
    const MaskPolicy custom = policy.with({ 0xCA, {}, MaskPart::ResponseData, "GET DATA" });
    ExchangeMasker masker(custom);
    const auto getData = cmd("00CA9F7F00");
    CHECK(masker.response(getData, ResponseApdu(fromHex("0102"), sw::Ok)).toHex() == "****9000");
    CHECK(masker.command(cmd("00E2000003010203")).toHex() == "00E2000003010203");
    CHECK(masker.command(cmd("80E2000003010203")).toHex() == "80E2000003******");
    // Extended command: the data starts after 00 Lc1 Lc2.
    const CommandApdu ext = CommandApdu(0x00, 0x20, 0x00, 0x81, fromHex("313233")).forceExtended();
    CHECK(masker.command(ext).toHex() == "00200081000003******");
}

TEST_CASE("RecordingChannel writes to an ostream") {
    std::ostringstream os;
    {
        RecordingChannel rec(std::make_unique<ScriptedChannel>(
                                 std::vector<ScriptStep> { { "00A4000002DDF1", "9000" } }),
            os);
        rec.transmit(cmd("00A4000002DDF1"));
    }
    const Transcript t = parseTranscript(os.str());
    REQUIRE(t.steps.size() == 1);
    CHECK(t.steps[0].command.toHex() == "00A4000002DDF1");
}
