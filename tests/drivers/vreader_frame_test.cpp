// drivers/vreader frame checks: what the reader sends, and every bound on what the emulator
// sends back (frame length, ATR structure and size, R-APDU size).
#include "hc/vreader/frame.hpp"

#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

using namespace hc::vreader;
using Bytes = std::vector<std::uint8_t>;

namespace {
Bytes hex(const std::string& h) {
    Bytes b;
    for (std::size_t i = 0; i + 1 < h.size(); i += 2) {
        b.push_back(static_cast<std::uint8_t>(std::stoi(h.substr(i, 2), nullptr, 16)));
    }
    return b;
}
} // namespace

TEST_CASE("control and command frames") {
    CHECK(encodeControl(Control::PowerOff) == Bytes { 0x00, 0x01, 0x00 });
    CHECK(encodeControl(Control::PowerOn) == Bytes { 0x00, 0x01, 0x01 });
    CHECK(encodeControl(Control::Reset) == Bytes { 0x00, 0x01, 0x02 });
    CHECK(encodeControl(Control::GetAtr) == Bytes { 0x00, 0x01, 0x04 });
    CHECK(encodeCommand(hex("00A4040000")) == hex("000500A4040000"));
    CHECK(encodeCommand(hex("00A404")).empty()); // 3 bytes would read as a control message
    CHECK(encodeCommand(Bytes(kMaxFramePayload, 0)).size() == kMaxFramePayload + 2);
    CHECK(encodeCommand(Bytes(kMaxFramePayload + 1, 0)).empty());
}

TEST_CASE("splitting frames off a stream") {
    const Bytes stream = hex("00029000000361");
    auto s = splitFrame(stream, kMaxFramePayload);
    REQUIRE(s.status == FrameStatus::Complete);
    CHECK(Bytes(s.payload.begin(), s.payload.end()) == hex("9000"));
    CHECK(s.consumed == 4);
    // The second frame announces 3 bytes and has 1: read more.
    s = splitFrame(std::span(stream).subspan(4), kMaxFramePayload);
    CHECK(s.status == FrameStatus::NeedMore);
    CHECK(splitFrame(hex("00"), 10).status == FrameStatus::NeedMore);
    CHECK(splitFrame({}, 10).status == FrameStatus::NeedMore);
    CHECK(splitFrame(hex("0000"), 10).status == FrameStatus::Empty);
    // The limit is applied to the header alone, before any payload arrives.
    CHECK(splitFrame(hex("0022"), kMaxAtrSize).status == FrameStatus::TooLong);
    CHECK(splitFrame(hex("0021"), kMaxAtrSize).status == FrameStatus::NeedMore);
    CHECK(splitFrame(hex("FFFF"), kMaxFramePayload).status == FrameStatus::NeedMore);
}

TEST_CASE("every sample image's ATR passes the structure check") {
    int seen = 0;
    const std::regex atrRe("\"atr\"\\s*:\\s*\"([0-9A-Fa-f]+)\"");
    for (const auto& e : std::filesystem::directory_iterator(HC_IMAGES_DIR)) {
        if (e.path().extension() != ".json") {
            continue;
        }
        std::ifstream in(e.path());
        std::stringstream ss;
        ss << in.rdbuf();
        const std::string text = ss.str();
        for (std::sregex_iterator it(text.begin(), text.end(), atrRe), end; it != end; ++it) {
            INFO(e.path().filename().string() << " " << (*it)[1].str());
            CHECK(checkAtr(hex((*it)[1].str())) == AtrStatus::Ok);
            ++seen;
        }
    }
    CHECK(seen >= 5);
}

TEST_CASE("malformed ATRs are refused with the reason") {
    CHECK(checkAtr({}) == AtrStatus::Empty);
    CHECK(checkAtr(Bytes(34, 0x3B)) == AtrStatus::TooLong);
    CHECK(checkAtr(hex("0011")) == AtrStatus::BadTs);
    CHECK(checkAtr(hex("3B")) == AtrStatus::Truncated);
    CHECK(checkAtr(hex("3B00")) == AtrStatus::Ok); // no interface, no historical bytes
    CHECK(checkAtr(hex("3B02AA")) == AtrStatus::Truncated); // K=2, one historical byte
    CHECK(checkAtr(hex("3B01AABB")) == AtrStatus::TrailingBytes);
    // TD1 offers T=1: TCK is mandatory.
    CHECK(checkAtr(hex("3B8001")) == AtrStatus::Truncated);
    CHECK(checkAtr(hex("3B800180")) == AtrStatus::Ok);
    // A TDi chain that runs off the end.
    CHECK(checkAtr(hex("3BF0")) == AtrStatus::Truncated);
    CHECK(checkAtr(hex("3B80F0")) == AtrStatus::Truncated);
}

TEST_CASE("R-APDUs need a status word and must fit the buffer") {
    CHECK(checkResponse(hex("90"), 258) == ResponseStatus::TooShort);
    CHECK(checkResponse(hex("9000"), 258) == ResponseStatus::Ok);
    CHECK(checkResponse(Bytes(259, 0), 258) == ResponseStatus::TooLong);
    CHECK(checkResponse(Bytes(258, 0), 258) == ResponseStatus::Ok);
}
