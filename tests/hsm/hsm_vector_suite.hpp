// The test vectors (tests/vectors, see its README for the sources) and the card-layer flows, run against any
// Hsm backend. Included by the unit (software) and the PKCS#11 (SoftHSM2) tests.
#pragma once

#include <doctest/doctest.h>

#include "hsm_test_support.hpp"

namespace hctest {

using namespace hc::hsm;

/** Clear transport key used to read exported keys back in tests. */
inline const std::string kTransportHex = "0F1E2D3C4B5A69788796A5B4C3D2E1F0";

inline Bytes unwrapForTest(const WrappedKey& w)
{
    SecureBytes t = key(kTransportHex);
    return refCbc(KeyAlgorithm::Des3, ByteView(t.data(), t.size()), w.blob, {}, false);
}

inline Bytes refDiversify(KeyAlgorithm a, ByteView parent, ByteView d)
{
    Bytes in(d.begin(), d.end());
    for (auto b : d) {
        in.push_back(static_cast<std::uint8_t>(~b));
    }
    return refEcb(a, parent, in);
}

inline Bytes refDesMac(ByteView key8, ByteView data)
{
    Bytes out = refCbc(KeyAlgorithm::Des, key8, refPad(data, 8));
    return Bytes(out.end() - 8, out.end());
}

inline Bytes refRetailMac(ByteView key16, ByteView data)
{
    Bytes padded = refPad(data, 8);
    Bytes h(8, 0);
    if (padded.size() > 8) {
        Bytes out = refCbc(KeyAlgorithm::Des, key16.first(8), ByteView(padded).first(padded.size() - 8));
        h.assign(out.end() - 8, out.end());
    }
    Bytes last(padded.end() - 8, padded.end());
    for (int i = 0; i < 8; ++i) {
        last[static_cast<std::size_t>(i)] ^= h[static_cast<std::size_t>(i)];
    }
    return refEcb(KeyAlgorithm::Des3, key16, last);
}

/** DES keys are stored and exported with odd parity (parity bits do not change DES results). */
inline std::string oddParity(const std::string& hex)
{
    Bytes b = hc::hsm::fromHex(hex);
    for (auto& x : b) {
        auto v = static_cast<std::uint8_t>(x & 0xFE);
        x = static_cast<std::uint8_t>(v | ((__builtin_popcount(v) % 2 == 0) ? 1 : 0));
    }
    return toHex(b);
}

/** Compares key bytes without letting doctest print them on failure (test logs must not hold
 *  clear keys either). */
inline bool sameKey(const std::string& a, const std::string& b) { return a == b; }

inline Bytes first4(const Bytes& b) { return Bytes(b.begin(), b.begin() + 4); }

template <std::size_t N> std::array<std::uint8_t, N> arr(ByteView b)
{
    std::array<std::uint8_t, N> a {};
    REQUIRE(b.size() == N);
    std::copy(b.begin(), b.end(), a.begin());
    return a;
}

inline std::uint32_t u32(ByteView b)
{
    return (std::uint32_t {b[0]} << 24) | (std::uint32_t {b[1]} << 16) | (std::uint32_t {b[2]} << 8)
        | b[3];
}

/** Imports the vector keys and checks every published value through `hsm`. */
inline void checkSharedVectors(Hsm& hsm)
{
    auto pboc = loadVectors("pboc-epurse.json");
    auto sm4v = loadVectors("sm4.json");
    importClear(hsm, {"vt.transport", 1}, KeyAlgorithm::Des3, kTransportHex);

    // SM4 standard example: ECB one block.
    importClear(hsm, {"v.sm4", 1}, KeyAlgorithm::Sm4, field(sm4v, "key"));
    Bytes ct = hsm.encrypt(KeyRef {"v.sm4", 1}, CipherMode::Ecb, hexField(sm4v, "plaintext"));
    CHECK(toHex(ct) == field(sm4v, "ciphertext"));
    CHECK(toHex(hsm.decrypt(KeyRef {"v.sm4", 1}, CipherMode::Ecb, ct)) == field(sm4v, "plaintext"));

    // PBOC diversification, 3DES and SM4 forms: the derived key bytes, read back via export.
    auto div = pboc.at("diversification").as_object();
    importClear(hsm, {"v.mk3des", 1}, KeyAlgorithm::Des3, field(div, "MK"));
    importClear(hsm, {"v.mksm4", 1}, KeyAlgorithm::Sm4, field(div, "MK"));
    KeySpec d3 = hsm.diversify(KeyRef {"v.mk3des", 1}, hexField(div, "D"));
    WrappedKey w3 = hsm.exportWrapped(d3, {"vt.transport", 1});
    CHECK(sameKey(toHex(unwrapForTest(w3)), oddParity(field(div, "3DES"))));
    CHECK(w3.kcv == refKcv(KeyAlgorithm::Des3, hexField(div, "3DES")));
    CHECK(hsm.kcv(d3) == w3.kcv);
    KeySpec d4 = hsm.diversify(KeyRef {"v.mksm4", 1}, hexField(div, "D"));
    WrappedKey w4 = hsm.exportWrapped(d4, {"vt.transport", 1});
    CHECK(sameKey(toHex(unwrapForTest(w4)), field(div, "SM4")));
    CHECK(hsm.kcv(d4) == refKcv(KeyAlgorithm::Sm4, hexField(div, "SM4")));

    // E-purse load: SESLK, MAC1 check, MAC2.
    auto load = pboc.at("load").as_object();
    importClear(hsm, {"v.dlk", 1}, KeyAlgorithm::Des3, field(load, "DLK"));
    Bytes m1in = hexField(load, "MAC1_input");
    Bytes m2in = hexField(load, "MAC2_input");
    LoadRequest req;
    req.balanceBefore = u32(ByteView(m1in).subspan(0, 4));
    req.amount = u32(ByteView(m1in).subspan(4, 4));
    req.transactionType = m1in[8];
    req.terminalId = arr<6>(ByteView(m1in).subspan(9, 6));
    req.random = arr<4>(hexField(load, "random"));
    req.onlineAtc = arr<2>(hexField(load, "online_atc"));
    req.mac1 = arr<4>(hexField(load, "MAC1"));
    req.date = arr<4>(ByteView(m2in).subspan(11, 4));
    req.time = arr<3>(ByteView(m2in).subspan(15, 3));
    CHECK(toHex(loadSessionData(req)) == field(load, "SESLK_input"));
    CHECK(loadMac1Input(req) == m1in);
    CHECK(loadMac2Input(req) == m2in);
    KeySpec seslk = hsm.deriveSessionKey(KeyRef {"v.dlk", 1}, hexField(load, "SESLK_input"));
    CHECK(sameKey(toHex(unwrapForTest(hsm.exportWrapped(seslk, {"vt.transport", 1}))),
                  oddParity(field(load, "SESLK"))));
    CHECK(hsm.kcv(seslk) == refKcv(KeyAlgorithm::Des, hexField(load, "SESLK")));
    CHECK(toHex(first4(hsm.mac(seslk, MacAlgorithm::DesCbc, m1in))) == field(load, "MAC1"));
    CHECK(toHex(hsm.issuerLoadMac2(KeyRef {"v.dlk", 1}, req)) == field(load, "MAC2"));
    LoadRequest forged = req;
    forged.amount += 100;
    CHECK_THROWS_AS(hsm.issuerLoadMac2(KeyRef {"v.dlk", 1}, forged), MacVerificationError);

    // E-purse purchase: SESPK, MAC1, MAC2.
    auto pur = pboc.at("purchase").as_object();
    importClear(hsm, {"v.dpk", 1}, KeyAlgorithm::Des3, field(pur, "DPK"));
    Bytes ttsn = hc::hsm::fromHex("0000" + field(pur, "ttsn_low2"));
    Bytes sesData = purchaseSessionData(hexField(pur, "random"), hexField(pur, "offline_atc"), ttsn);
    CHECK(toHex(sesData) == field(pur, "SESPK_input"));
    KeySpec sespk = hsm.deriveSessionKey(KeyRef {"v.dpk", 1}, sesData);
    CHECK(sameKey(toHex(unwrapForTest(hsm.exportWrapped(sespk, {"vt.transport", 1}))),
                  oddParity(field(pur, "SESPK"))));
    CHECK(toHex(first4(hsm.mac(sespk, MacAlgorithm::DesCbc, hexField(pur, "MAC1_input"))))
          == field(pur, "MAC1"));
    CHECK(toHex(first4(hsm.mac(sespk, MacAlgorithm::DesCbc, hexField(pur, "MAC2_input"))))
          == field(pur, "MAC2"));
    CHECK(hsm.verifyMac(sespk, MacAlgorithm::DesCbc, hexField(pur, "MAC2_input"), hexField(pur, "MAC2")));
    CHECK_FALSE(hsm.verifyMac(sespk, MacAlgorithm::DesCbc, hexField(pur, "MAC1_input"),
                              hexField(pur, "MAC2")));

    // Purchase TAC under the card's DTK (here: the vector master diversified by D).
    Bytes p1 = hexField(pur, "MAC1_input");
    PurchaseRecord rec;
    rec.amount = u32(ByteView(p1).subspan(0, 4));
    rec.transactionType = p1[4];
    rec.terminalId = arr<6>(ByteView(p1).subspan(5, 6));
    rec.ttsn = arr<4>(ttsn);
    rec.date = arr<4>(ByteView(p1).subspan(11, 4));
    rec.time = arr<3>(ByteView(p1).subspan(15, 3));
    Bytes dtk = hexField(div, "3DES");
    Bytes tacKey(8);
    for (std::size_t i = 0; i < 8; ++i) {
        tacKey[i] = static_cast<std::uint8_t>(dtk[i] ^ dtk[i + 8]);
    }
    Bytes expectedTac = first4(refDesMac(tacKey, purchaseTacInput(rec)));
    CHECK(hsm.purchaseTac(d3, rec) == expectedTac);
    CHECK(hsm.verifyPurchaseTac(d3, rec, expectedTac));
    PurchaseRecord changed = rec;
    changed.amount += 1;
    CHECK_FALSE(hsm.verifyPurchaseTac(d3, changed, expectedTac));
    CHECK(hsm.kcv(d3.xorHalves()) == refKcv(KeyAlgorithm::Des, tacKey));

    // Retail MAC (ISO 9797-1 algorithm 3) under the derived card key.
    Bytes data = hc::hsm::fromHex("04DC010434112233445566778899AABBCCDDEEFF0011223344");
    CHECK(hsm.mac(d3, MacAlgorithm::Retail, data) == refRetailMac(dtk, data));
    Bytes full3 = refCbc(KeyAlgorithm::Des3, dtk, refPad(data, 8));
    CHECK(hsm.mac(d3, MacAlgorithm::Des3Cbc, data) == Bytes(full3.end() - 8, full3.end()));

    // Multi-level diversification: province then card, 3DES and SM4.
    Bytes city = hc::hsm::fromHex("3431303030303030");
    Bytes card = hc::hsm::fromHex("1234567890ABCDEF");
    Bytes mk = hexField(div, "MK");
    Bytes lvl1 = refDiversify(KeyAlgorithm::Des3, mk, city);
    Bytes lvl2 = refDiversify(KeyAlgorithm::Des3, lvl1, card);
    KeySpec two = hsm.diversify(KeyRef {"v.mk3des", 1}, std::vector<Bytes> {city, card});
    CHECK(sameKey(toHex(unwrapForTest(hsm.exportWrapped(two, {"vt.transport", 1}))),
                  oddParity(toHex(lvl2))));

    // Health-card SAM-like flow (SM4): K_card = two-level diversification, K_s = SM4_Kcard(chal),
    // external-authenticate cryptogram = SM4_Ks(r1 || 0^8), secure-messaging MAC = SM4 CBC-MAC
    // with a 16-byte zero IV (or the IV the SAM command passes).
    Bytes s1 = refDiversify(KeyAlgorithm::Sm4, mk, city);
    Bytes s2 = refDiversify(KeyAlgorithm::Sm4, s1, card);
    KeySpec kcard = hsm.diversify(KeyRef {"v.mksm4", 1}, std::vector<Bytes> {city, card});
    Bytes challenge = hc::hsm::fromHex("1234567890ABCDEF1122334455667788");
    Bytes ks = refEcb(KeyAlgorithm::Sm4, s2, challenge);
    KeySpec session = hsm.deriveSessionKey(kcard, challenge);
    CHECK(hsm.kcv(session) == refKcv(KeyAlgorithm::Sm4, ks));
    Bytes r1 = hc::hsm::fromHex("A1A2A3A4A5A6A7A80000000000000000");
    CHECK(hsm.encrypt(session, CipherMode::Ecb, r1) == refEcb(KeyAlgorithm::Sm4, ks, r1));
    Bytes smData = hc::hsm::fromHex("04DC0104340102030405");
    Bytes refSm4Mac = refCbc(KeyAlgorithm::Sm4, ks, refPad(smData, 16));
    CHECK(hsm.mac(session, MacAlgorithm::Sm4Cbc, smData)
          == Bytes(refSm4Mac.end() - 16, refSm4Mac.end()));
    Bytes iv = hc::hsm::fromHex("00112233445566778899AABBCCDDEEFF");
    Bytes refSm4MacIv = refCbc(KeyAlgorithm::Sm4, ks, refPad(smData, 16), iv);
    CHECK(hsm.mac(session, MacAlgorithm::Sm4Cbc, smData, iv)
          == Bytes(refSm4MacIv.end() - 16, refSm4MacIv.end()));
    CHECK(hsm.verifyMac(session, MacAlgorithm::Sm4Cbc, smData,
                        ByteView(refSm4Mac).subspan(refSm4Mac.size() - 16, 4)));
    CHECK(hsm.macPadded(session, MacAlgorithm::Sm4Cbc, refPad(smData, 16), iv)
          == Bytes(refSm4MacIv.end() - 16, refSm4MacIv.end()));
    CHECK_THROWS_AS(hsm.macPadded(session, MacAlgorithm::Sm4Cbc, smData), InvalidArgumentError);

    // The card layer's SAM derivation (card/health/crypto.hpp): K_s = master diversified by city,
    // card number and the card's 8-byte challenge, highest level first.
    Bytes rand8 = hc::hsm::fromHex("0102030405060708");
    Bytes s3 = refDiversify(KeyAlgorithm::Sm4, s2, rand8);
    KeySpec samKs = hsm.diversify(KeyRef {"v.mksm4", 1}, std::vector<Bytes> {city, card, rand8});
    CHECK(hsm.kcv(samKs) == refKcv(KeyAlgorithm::Sm4, s3));
    CHECK(hsm.encrypt(samKs, CipherMode::Ecb, r1) == refEcb(KeyAlgorithm::Sm4, s3, r1));

    Bytes cbc = hsm.encrypt(session, CipherMode::Cbc, refPad(smData, 16), iv);
    CHECK(cbc == refCbc(KeyAlgorithm::Sm4, ks, refPad(smData, 16), iv));
    CHECK(hsm.decrypt(session, CipherMode::Cbc, cbc, iv) == refPad(smData, 16));
}

} // namespace hctest
