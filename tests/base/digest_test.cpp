// Known answers for SM3, SHA-256 and HMAC-SHA256.
#include "hc/base/crypto/digest.hpp"

#include <doctest/doctest.h>
#include <string>

using namespace hc;
using namespace hc::crypto;

TEST_CASE("SM3: GB/T 32905-2016 appendix A examples") {
    CHECK(toHex(sm3(std::string_view("abc")))
        == "66C7F0F462EEEDD9D1F2D46BDC10E4E24167C4875CF2F7A2297DA02B8F4BA8E0");
    std::string abcd;
    for (int i = 0; i < 16; ++i) {
        abcd += "abcd";
    }
    CHECK(toHex(sm3(std::string_view(abcd)))
        == "DEBE9FF92275B8A138604889C18E5A4D6FDB70E5387E5765293DCBA39C0C5732");
    const Bytes bytes(abcd.begin(), abcd.end());
    CHECK(sm3(ByteView(bytes)) == sm3(std::string_view(abcd)));
}

TEST_CASE("SHA-256: FIPS 180-4 example \"abc\" and the empty message") {
    CHECK(toHex(sha256(std::string_view("abc")))
        == "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD");
    CHECK(toHex(sha256(ByteView {}))
        == "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855");
}

TEST_CASE("toLowerHex writes a digest as text formats do") {
    CHECK(toLowerHex(fromHex("66C7F00A")) == "66c7f00a");
}

TEST_CASE("HMAC-SHA256: RFC 4231 test cases 1 and 2") {
    const Bytes hiThere = fromHex("4869205468657265"); // "Hi There"
    CHECK(toHex(hmacSha256(Bytes(20, 0x0B), hiThere))
        == "B0344C61D8DB38535CA8AFCEAF0BF12B881DC200C9833DA726E9376C2E32CFF7");
    const std::string key = "Jefe";
    const std::string data = "what do ya want for nothing?";
    CHECK(toHex(hmacSha256(Bytes(key.begin(), key.end()), Bytes(data.begin(), data.end())))
        == "5BDCC146BF60754E6A042426089575C75A003F089D2739839DEC58B964EC3843");
}
