// Unit tests: SM2 signatures of visit records (sign, verify, tamper, unsigned, PEM round trip).
#include "hc/card/error.hpp"
#include "hc/card/health/visit_signature.hpp"

#include <doctest/doctest.h>

using namespace hc;
using namespace hc::card::health;

TEST_CASE("SM2 sign and verify with a signer ID") {
    auto signer = Sm2SoftwareSigner::generate("市第一人民医院", "12410000000000001X");
    const Bytes msg { 'a', 'b', 'c' };
    const Bytes sig = signer->sign(msg, "1234567812345678");
    CHECK(sig.size() == 64);
    CHECK(verifySm2(signer->publicKey(), msg, sig, "1234567812345678"));
    CHECK_FALSE(verifySm2(signer->publicKey(), msg, sig, "other id"));
    CHECK_FALSE(verifySm2(signer->publicKey(), Bytes { 'a', 'b', 'd' }, sig, "1234567812345678"));
    CHECK_FALSE(verifySm2(Bytes(64, 0x01), msg, sig, "1234567812345678")); // not a curve point
    auto again = Sm2SoftwareSigner::fromPem(signer->privatePem(), "x", "y");
    CHECK(again->publicKey() == signer->publicKey());
    CHECK_THROWS_AS(Sm2SoftwareSigner::fromPem("not a key", "x", "y"), hc::InputError);
}

TEST_CASE("visit records: signed, tampered, unsigned") {
    auto signer = Sm2SoftwareSigner::generate("市第一人民医院", "12410000000000001X");
    const Bytes data { 0x01, 0x02, 0x03 };
    const Bytes rec = buildSignedVisitRecord(data, 3267, *signer, "1234567812345678");
    CHECK(rec.size() == 3267);
    auto v = parseVisitRecord(rec, "1234567812345678");
    CHECK(v.status == SignatureStatus::Valid);
    CHECK(v.signerName == "市第一人民医院");
    CHECK(v.institutionCode == "12410000000000001X");
    CHECK(v.data.size() == 3013);
    Bytes bad = rec;
    bad[10] ^= 0xFF;
    CHECK(parseVisitRecord(bad, "1234567812345678").status == SignatureStatus::Invalid);
    Bytes badCert = rec;
    badCert[3267 - 100] ^= 0x01; // inside the certificate
    CHECK(parseVisitRecord(badCert, "1234567812345678").status == SignatureStatus::Invalid);
    CHECK(parseVisitRecord(Bytes(1893, 0x00), "1234567812345678").status
        == SignatureStatus::Unsigned);
    CHECK(signatureStatusName(SignatureStatus::Invalid) == "invalid");
    CHECK_THROWS_AS(buildSignedVisitRecord(Bytes(1700), 1893, *signer, "id"), hc::InputError);
    CHECK_THROWS_AS(parseVisitRecord(Bytes(100), "id"), hc::InputError);
}
