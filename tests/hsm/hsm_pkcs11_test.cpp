// PKCS#11 backend against a real SoftHSM2 token that this test creates in its own directory.
#include <doctest/doctest.h>

#include <random>
#include <thread>

#include "hsm_vector_suite.hpp"

using namespace hc::hsm;
using namespace hctest;
namespace fs = std::filesystem;

namespace {

/** One token for the whole process: SoftHSM2 reads SOFTHSM2_CONF once per C_Initialize. */
SoftHsmToken& token()
{
    static SoftHsmToken t = SoftHsmToken::create("pkcs11", "hc-test");
    return t;
}

Bytes randomBytes(std::mt19937& rng, std::size_t n)
{
    Bytes b(n);
    for (auto& x : b) {
        x = static_cast<std::uint8_t>(rng() & 0xFF);
    }
    return b;
}

} // namespace

TEST_CASE("PKCS#11 backend reproduces the shared vectors on SoftHSM2")
{
    Pkcs11Hsm hsm(token().options());
    hsm.setAuditLog(std::make_shared<AuditLog>((token().dir / "audit.log").string(), "p11-test"));
    checkSharedVectors(hsm);
    CHECK(verifyAuditLog((token().dir / "audit.log").string()).ok);
    CHECK(hsm.name() == "pkcs11:hc-test");
}

TEST_CASE("both backends give identical results for the same keys")
{
    Pkcs11Hsm p11(token().options());
    SoftwareHsm soft({});
    const std::string mk3 = "404142434445464748494A4B4C4D4E4F";
    const std::string mks = "000102030405060708090A0B0C0D0E0F";
    const std::string tk = "1F1E1D1C1B1A19181716151413121110";
    for (Hsm* h : std::initializer_list<Hsm*> {&p11, &soft}) {
        importClear(*h, {"x.mk3", 1}, KeyAlgorithm::Des3, mk3);
        importClear(*h, {"x.mks", 1}, KeyAlgorithm::Sm4, mks);
        importClear(*h, {"x.tk", 1}, KeyAlgorithm::Des3, tk);
        importClear(*h, {"x.aes", 1}, KeyAlgorithm::Aes, mks + mks);
    }
    std::mt19937 rng(42);
    for (int round = 0; round < 20; ++round) {
        Bytes d = randomBytes(rng, 8);
        Bytes d2 = randomBytes(rng, 8);
        Bytes data = randomBytes(rng, 1 + rng() % 40);
        Bytes s8 = randomBytes(rng, 8);
        Bytes s16 = randomBytes(rng, 16);
        KeySpec card3 = KeySpec(KeyRef {"x.mk3", 1}).diversified(std::vector<Bytes> {d, d2});
        KeySpec cardS = KeySpec(KeyRef {"x.mks", 1}).diversified(d);
        for (const KeySpec& k : {card3, cardS, card3.session(s8), cardS.session(s16)}) {
            CHECK(p11.kcv(k) == soft.kcv(k));
            CHECK(p11.exportWrapped(k, {"x.tk", 1}).blob == soft.exportWrapped(k, {"x.tk", 1}).blob);
        }
        CHECK(p11.mac(card3.session(s8), MacAlgorithm::DesCbc, data)
              == soft.mac(card3.session(s8), MacAlgorithm::DesCbc, data));
        CHECK(p11.mac(card3, MacAlgorithm::Retail, data) == soft.mac(card3, MacAlgorithm::Retail, data));
        CHECK(p11.mac(KeyRef {"x.mk3", 1}, MacAlgorithm::Des3Cbc, data)
              == soft.mac(KeyRef {"x.mk3", 1}, MacAlgorithm::Des3Cbc, data));
        CHECK(p11.mac(cardS.session(s16), MacAlgorithm::Sm4Cbc, data, s16)
              == soft.mac(cardS.session(s16), MacAlgorithm::Sm4Cbc, data, s16));
        CHECK(p11.mac(KeyRef {"x.aes", 1}, MacAlgorithm::AesCbc, data)
              == soft.mac(KeyRef {"x.aes", 1}, MacAlgorithm::AesCbc, data));
        Bytes blocks = padIso9797Method2(data, 16);
        CHECK(p11.encrypt(cardS, CipherMode::Cbc, blocks, s16) == soft.encrypt(cardS, CipherMode::Cbc, blocks, s16));
        CHECK(p11.encrypt(card3, CipherMode::Ecb, blocks) == soft.encrypt(card3, CipherMode::Ecb, blocks));
        CHECK(p11.decrypt(card3, CipherMode::Cbc, blocks, s8) == soft.decrypt(card3, CipherMode::Cbc, blocks, s8));
        CHECK(p11.encrypt(KeyRef {"x.aes", 1}, CipherMode::Ecb, blocks)
              == soft.encrypt(KeyRef {"x.aes", 1}, CipherMode::Ecb, blocks));
        PurchaseRecord rec;
        rec.amount = static_cast<std::uint32_t>(rng());
        rec.ttsn = arr<4>(randomBytes(rng, 4));
        CHECK(p11.purchaseTac(card3, rec) == soft.purchaseTac(card3, rec));
        LoadRequest load;
        load.amount = static_cast<std::uint32_t>(rng() % 100000);
        load.random = arr<4>(randomBytes(rng, 4));
        Bytes mac1 = soft.mac(card3.session(loadSessionData(load)), MacAlgorithm::DesCbc,
                              loadMac1Input(load));
        load.mac1 = arr<4>(ByteView(mac1).first(4));
        CHECK(p11.issuerLoadMac2(card3, load) == soft.issuerLoadMac2(card3, load));
    }
    // A key generated in the token, moved to the software store under a transport key.
    KeyInfo gen = p11.generateKey({"x.gen", 1}, KeyAlgorithm::Des3);
    CHECK_THROWS_AS(p11.exportWrapped(KeyRef {"x.gen", 1}, {"x.tk", 1}), UnsupportedError);
    KeyInfo moved = soft.importWrapped({"x.gen", 1}, p11.exportWrapped(KeyRef {"x.gen", 1}, {"x.aes", 1}),
                                       {"x.aes", 1});
    CHECK(moved.kcv == gen.kcv);
    Bytes d = fromHex("0000000012345678");
    CHECK(p11.kcv(KeySpec(KeyRef {"x.gen", 1}).diversified(d))
          == soft.kcv(KeySpec(KeyRef {"x.gen", 1}).diversified(d)));
    KeyInfo gs = p11.generateKey({"x.gsm4", 1}, KeyAlgorithm::Sm4);
    CHECK(soft.importWrapped({"x.gsm4", 1}, p11.exportWrapped(KeyRef {"x.gsm4", 1}, {"x.aes", 1}),
                             {"x.aes", 1})
              .kcv
          == gs.kcv);
    // And back into the token under the AES transport (C_UnwrapKey path).
    KeyInfo back = p11.importWrapped({"x.back", 1}, soft.exportWrapped(KeyRef {"x.gen", 1}, {"x.aes", 1}),
                                     {"x.aes", 1});
    CHECK(back.kcv == gen.kcv);
}

TEST_CASE("stored master keys never leave the token")
{
    Pkcs11Hsm hsm(token().options());
    if (!hsm.describe(KeyRef {"x.mk3", 1}).kcv.empty()) {
        CHECK_THROWS_AS(hsm.mac(KeyRef {"x.mk3", 1}, MacAlgorithm::Retail, fromHex("00")),
                        UnsupportedError);
        CHECK_THROWS_AS(hsm.kcv(KeySpec(KeyRef {"x.mk3", 1}).xorHalves()), UnsupportedError);
    }
    hsm.generateKey({"x.locked", 1}, KeyAlgorithm::Des3, 16, KeyOptions {false});
    CHECK_FALSE(hsm.describe(KeyRef {"x.locked", 1}).exportable);
    CHECK_THROWS_AS(hsm.exportWrapped(KeyRef {"x.locked", 1}, {"x.tk", 1}), InvalidArgumentError);
}

TEST_CASE("listing, deleting and persistence across sessions")
{
    {
        Pkcs11Hsm hsm(token().options());
        hsm.generateKey({"x.list", 3}, KeyAlgorithm::Aes, 16);
        auto keys = hsm.listKeys();
        bool found = false;
        for (const auto& k : keys) {
            found = found || (k.ref == KeyRef {"x.list", 3} && k.kcv.size() == 6);
        }
        CHECK(found);
    }
    Pkcs11Hsm again(token().options());
    CHECK((again.describe(KeyRef {"x.list", 3}).algorithm == KeyAlgorithm::Aes));
    again.deleteKey({"x.list", 3});
    CHECK_THROWS_AS(again.describe(KeyRef {"x.list", 3}), KeyNotFoundError);
}

TEST_CASE("wrong PIN and missing token give clear errors")
{
    token();
    Pkcs11Options bad = token().options();
    writeFile(token().dir / "wrong.pin", "0000\n");
    bad.userPin = SecretSource::fromFile((token().dir / "wrong.pin").string());
    try {
        Pkcs11Hsm h(bad);
        FAIL("expected PinError");
    } catch (const PinError& e) {
        CHECK(std::string(e.what()).find("check the PIN file") != std::string::npos);
    }
    Pkcs11Options missing = token().options();
    missing.tokenLabel = "no-such-token";
    try {
        Pkcs11Hsm h(missing);
        FAIL("expected TokenMissingError");
    } catch (const TokenMissingError& e) {
        CHECK(std::string(e.what()).find("hsm-tool init") != std::string::npos);
        CHECK(std::string(e.what()).find("SOFTHSM2_CONF") != std::string::npos);
    }
    Pkcs11Options noModule = token().options();
    noModule.modulePath = "/nonexistent/libpkcs11.so";
    CHECK_THROWS_AS(Pkcs11Hsm {noModule}, ConfigurationError);
}

TEST_CASE("session pool recovers when the token goes away and comes back")
{
    Pkcs11Hsm hsm(token().options());
    importClear(hsm, {"r.mk", 1}, KeyAlgorithm::Des3, "11223344556677888877665544332211");
    KeySpec card = KeySpec(KeyRef {"r.mk", 1}).diversified(fromHex("0000000012345678"));
    std::string kcv = hsm.kcv(card);

    // The module is finalized behind the pool's back: every session handle is dead.
    hsm.finalizeModuleForTest();
    CHECK(hsm.kcv(card) == kcv);
    CHECK(hsm.recoveries() == 1);

    // The token directory disappears: a clear TokenMissingError, then recovery once it is back.
    fs::path moved = token().dir / "tokens.away";
    hsm.finalizeModuleForTest();
    fs::rename(token().tokenDir, moved);
    fs::create_directories(token().tokenDir);
    CHECK_THROWS_AS(hsm.kcv(card), TokenMissingError);
    fs::remove_all(token().tokenDir);
    fs::rename(moved, token().tokenDir);
    CHECK(hsm.kcv(card) == kcv);
}

TEST_CASE("concurrent callers share the session pool")
{
    Pkcs11Options o = token().options();
    o.maxSessions = 3;
    Pkcs11Hsm hsm(o);
    if (!hsm.describe(KeyRef {"x.mk3", 1}).kcv.empty()) {
        KeySpec card = KeySpec(KeyRef {"x.mk3", 1}).diversified(fromHex("0102030405060708"));
        Bytes expected = hsm.mac(card.session(fromHex("0011223344556677")), MacAlgorithm::DesCbc,
                                 fromHex("CAFE"));
        std::atomic<int> mismatches {0};
        std::vector<std::thread> threads;
        for (int t = 0; t < 6; ++t) {
            threads.emplace_back([&] {
                for (int i = 0; i < 50; ++i) {
                    if (hsm.mac(card.session(fromHex("0011223344556677")), MacAlgorithm::DesCbc,
                                fromHex("CAFE"))
                        != expected) {
                        ++mismatches;
                    }
                }
            });
        }
        for (auto& th : threads) {
            th.join();
        }
        CHECK(mismatches == 0);
    }
}

TEST_CASE("vendor SM4 mechanism mode (plumbing exercised with AES standing in for SM4)")
{
    // SoftHSM2 has no SM4. Configuring CKK_AES (0x1F) and CKM_AES_ECB (0x1081) as the "vendor SM4"
    // numbers runs the vendor code path: key objects of the vendor type, ECB in the token, CBC
    // and CBC-MAC chained on the host, first derivation step in the token.
    Pkcs11Options o = token().options();
    o.sm4KeyType = 0x1FUL;
    o.sm4EcbMechanism = 0x1081UL;
    Pkcs11Hsm hsm(o);
    const std::string k = "2B7E151628AED2A6ABF7158809CF4F3C";
    Bytes kb = fromHex(k);
    importClear(hsm, {"vendor.sm4", 1}, KeyAlgorithm::Sm4, k);
    KeySpec stored(KeyRef {"vendor.sm4", 1});
    Bytes blocks = fromHex("6BC1BEE22E409F96E93D7E117393172AAE2D8A571E03AC9C9EB76FAC45AF8E51");
    Bytes iv = fromHex("000102030405060708090A0B0C0D0E0F");
    CHECK(hsm.encrypt(stored, CipherMode::Ecb, blocks) == refEcb(KeyAlgorithm::Aes, kb, blocks));
    Bytes cbc = hsm.encrypt(stored, CipherMode::Cbc, blocks, iv);
    CHECK(cbc == refCbc(KeyAlgorithm::Aes, kb, blocks, iv));
    CHECK(hsm.decrypt(stored, CipherMode::Cbc, cbc, iv) == blocks);
    Bytes data = fromHex("04DC010434");
    Bytes full = refCbc(KeyAlgorithm::Aes, kb, refPad(data, 16));
    CHECK(hsm.mac(stored, MacAlgorithm::Sm4Cbc, data) == Bytes(full.end() - 16, full.end()));
    Bytes d = fromHex("0000000012345678");
    Bytes challenge = fromHex("00112233445566778899AABBCCDDEEFF");
    Bytes card = refEcb(KeyAlgorithm::Aes, kb, fromHex("0000000012345678FFFFFFFFEDCBA987"));
    Bytes session = refEcb(KeyAlgorithm::Sm4, card, challenge); // later steps: real SM4, on host
    CHECK(hsm.kcv(stored.diversified(d).session(challenge)) == refKcv(KeyAlgorithm::Sm4, session));
    Pkcs11Options half = token().options();
    half.sm4KeyType = 0x1FUL;
    CHECK_THROWS_AS(Pkcs11Hsm {half}, ConfigurationError);
}
