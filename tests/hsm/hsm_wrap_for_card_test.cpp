// Hsm::wrapForCard (derive and wrap under a card's transport key, for personalization) on both
// backends: the software key store and a SoftHSM2 token. The expected values are computed with
// the reference primitives of hsm_test_support (OpenSSL EVP directly, independent of hsm/src).
#include <doctest/doctest.h>

#include "hsm_test_support.hpp"

using namespace hc::hsm;
using namespace hctest;

namespace {

const std::string kMaster = "2D20DE16382B9FEA4EC5572D034E72E2";
const std::string kTransport = "6B1C2E9F30A4D85577E0C3B2194F8A6D";

/** SM4 PBOC diversification D || NOT D, by the reference. */
Bytes refDiversify(ByteView key16, ByteView d8)
{
    Bytes block(d8.begin(), d8.end());
    for (std::uint8_t b : d8) {
        block.push_back(static_cast<std::uint8_t>(~b));
    }
    return refEcb(KeyAlgorithm::Sm4, key16, block);
}

Bytes bytesOf(const std::string& hex)
{
    SecureBytes s = key(hex);
    return Bytes(s.begin(), s.end());
}

void checkBackend(Hsm& hsm)
{
    importClear(hsm, {"hc.master.4731", 1}, KeyAlgorithm::Sm4, kMaster, false);
    importClear(hsm, {"hc.perso.transport", 1}, KeyAlgorithm::Sm4, kTransport, false);
    const Bytes city8 {0x31, 0x31, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30};
    const Bytes card8 {0x11, 0x01, 0x05, 0x00, 0x00, 0x00, 0x00, 0x03};
    const Bytes serial8 {0xA1, 0xB2, 0xC3, 0xD4, 0x00, 0x00, 0x00, 0x07};
    const Bytes rand8 {1, 2, 3, 4, 5, 6, 7, 8};
    const Bytes header {0x12, 0x04, 0x0F};

    KeySpec cardKey = KeySpec({"hc.master.4731", 1}).diversified(std::vector<Bytes> {city8, card8});
    KeySpec session
        = KeySpec({"hc.perso.transport", 1}).diversified(serial8).diversified(rand8);
    Bytes blob = hsm.wrapForCard(cardKey, session, header);

    Bytes clearCard = refDiversify(refDiversify(bytesOf(kMaster), city8), card8);
    Bytes clearSession = refDiversify(refDiversify(bytesOf(kTransport), serial8), rand8);
    Bytes plain = header;
    plain.insert(plain.end(), clearCard.begin(), clearCard.end());
    CHECK(blob == refEcb(KeyAlgorithm::Sm4, clearSession, refPad(plain, 16)));
    CHECK(blob.size() == 32);

    // The card key does not appear in the blob, and the same key under another session differs.
    CHECK(std::search(blob.begin(), blob.end(), clearCard.begin(), clearCard.end()) == blob.end());
    KeySpec other = KeySpec({"hc.perso.transport", 1}).diversified(serial8).diversified(card8);
    CHECK(hsm.wrapForCard(cardKey, other, header) != blob);

    // A non-exportable stored master itself is never wrapped; only keys derived from it.
    CHECK_THROWS_AS(hsm.wrapForCard(KeySpec({"hc.master.4731", 1}), session, header),
                    InvalidArgumentError);
    // Too long a header, unknown keys.
    CHECK_THROWS_AS(hsm.wrapForCard(cardKey, session, Bytes(33, 0)), InvalidArgumentError);
    CHECK_THROWS_AS(hsm.wrapForCard(KeySpec({"nope", 1}).diversified(card8), session, header),
                    KeyNotFoundError);
}

} // namespace

TEST_CASE("wrapForCard on the software backend")
{
    SoftwareHsm hsm({});
    checkBackend(hsm);
}

TEST_CASE("wrapForCard on SoftHSM2 through PKCS#11")
{
    SoftHsmToken t = SoftHsmToken::create("wrap-for-card", "hc-wrap");
    Pkcs11Hsm hsm(t.options());
    checkBackend(hsm);
}
