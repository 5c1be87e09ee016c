// Software backend, key store, audit log and the shared vectors (no token needed).
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "hsm_vector_suite.hpp"

using namespace hc::hsm;
using namespace hctest;
namespace fs = std::filesystem;

namespace {

SoftwareHsmOptions storeOptions(const fs::path& dir)
{
    writeFile(dir / "passphrase", "correct horse battery staple\n");
    SoftwareHsmOptions o;
    o.storePath = (dir / "keys.hcks").string();
    o.passphrase = SecretSource::fromFile((dir / "passphrase").string());
    o.kdf.log2N = 10;
    return o;
}

std::vector<std::string> lines(const fs::path& p)
{
    std::istringstream in(readFile(p));
    std::vector<std::string> out;
    for (std::string l; std::getline(in, l);) {
        out.push_back(l);
    }
    return out;
}

void writeLines(const fs::path& p, const std::vector<std::string>& ls)
{
    std::string s;
    for (const auto& l : ls) {
        s += l + "\n";
    }
    writeFile(p, s);
}

} // namespace

TEST_CASE("software backend reproduces the shared vectors")
{
    fs::path dir = artifactDir("unit-vectors");
    SoftwareHsm hsm(storeOptions(dir));
    hsm.setAuditLog(std::make_shared<AuditLog>((dir / "audit.log").string(), "unit-test"));
    checkSharedVectors(hsm);
    auto v = verifyAuditLog((dir / "audit.log").string());
    CHECK(v.ok);
    CHECK(v.entries > 20);
}

TEST_CASE("padding, hex and KCV helpers")
{
    CHECK(toHex(padIso9797Method2(fromHex("0102"), 8)) == "0102800000000000");
    CHECK(toHex(padIso9797Method2(fromHex("0102030405060708"), 8)) == "01020304050607088000000000000000");
    CHECK(toHex(unpadIso9797Method2(fromHex("0102800000000000"), 8)) == "0102");
    CHECK_THROWS_AS(unpadIso9797Method2(fromHex("0102000000000000"), 8), InvalidArgumentError);
    CHECK_THROWS_AS(fromHex("0G"), InvalidArgumentError);
    CHECK(keyCheckValue(KeyAlgorithm::Des3, key("11223344556677888877665544332211"))
          == refKcv(KeyAlgorithm::Des3, fromHex("11223344556677888877665544332211")));
    CHECK(KeyRef::parse("pboc.mk-dlk/3") == KeyRef {"pboc.mk-dlk", 3});
    CHECK(KeyRef::parse("x").version == 1);
    CHECK_THROWS_AS(KeyRef::parse("bad label"), InvalidArgumentError);
}

TEST_CASE("component import checks each KCV and names the component to re-enter")
{
    SoftwareHsm hsm({});
    SecureBytes c1 = key("0123456789ABCDEF0123456789ABCDEF");
    SecureBytes c2 = key("FEDCBA9876543210FEDCBA9876543210");
    SecureBytes c3 = key("00112233445566770011223344556677");
    std::vector<KeyComponent> parts(3);
    parts[0] = {c1, refKcv(KeyAlgorithm::Des3, ByteView(c1.data(), c1.size()))};
    parts[1] = {c2, "000000"};
    parts[2] = {c3, refKcv(KeyAlgorithm::Des3, ByteView(c3.data(), c3.size()))};
    try {
        hsm.importComponents({"ceremony", 1}, KeyAlgorithm::Des3, parts);
        FAIL("expected a KCV mismatch");
    } catch (const KcvMismatchError& e) {
        CHECK(e.componentIndex() == 2);
        CHECK(std::string(e.what()).find("re-enter component 2") != std::string::npos);
    }
    parts[1].kcv = refKcv(KeyAlgorithm::Des3, ByteView(c2.data(), c2.size()));
    SecureBytes combined(16);
    for (std::size_t i = 0; i < 16; ++i) {
        combined[i] = static_cast<std::uint8_t>(c1[i] ^ c2[i] ^ c3[i]);
    }
    std::string expected = refKcv(KeyAlgorithm::Des3, ByteView(combined.data(), combined.size()));
    CHECK_THROWS_AS(hsm.importComponents({"ceremony", 1}, KeyAlgorithm::Des3, parts,
                                         std::string("ABCDEF")),
                    KcvMismatchError);
    KeyInfo info = hsm.importComponents({"ceremony", 1}, KeyAlgorithm::Des3, parts, expected);
    CHECK(info.kcv == expected);
    CHECK_THROWS_AS(hsm.importComponents({"ceremony", 1}, KeyAlgorithm::Des3, parts),
                    KeyExistsError);
    CHECK_THROWS_AS(hsm.importComponents({"one", 1}, KeyAlgorithm::Des3,
                                         std::span(parts).first(1)),
                    InvalidArgumentError);
}

TEST_CASE("errors say what to do next")
{
    SoftwareHsm hsm({});
    try {
        hsm.mac(KeyRef {"missing", 2}, MacAlgorithm::DesCbc, fromHex("00"));
        FAIL("expected KeyNotFoundError");
    } catch (const KeyNotFoundError& e) {
        CHECK(std::string(e.what()).find("hsm-tool list") != std::string::npos);
    }
    hsm.generateKey({"k", 1}, KeyAlgorithm::Des3);
    CHECK_THROWS_AS(hsm.mac(KeyRef {"k", 1}, MacAlgorithm::DesCbc, fromHex("00")),
                    InvalidArgumentError);
    CHECK_THROWS_AS(hsm.diversify(KeyRef {"k", 1}, fromHex("0011")), InvalidArgumentError);
    CHECK_THROWS_AS(hsm.encrypt(KeyRef {"k", 1}, CipherMode::Ecb, fromHex("0011")),
                    InvalidArgumentError);
    CHECK_THROWS_AS(hsm.generateKey({"k", 1}, KeyAlgorithm::Des3), KeyExistsError);
    CHECK_THROWS_AS(SecretSource::fromEnvironment("HC_HSM_TEST_UNSET_VARIABLE").read(),
                    ConfigurationError);
}

TEST_CASE("key store survives a restart, refuses a wrong passphrase and a damaged file")
{
    fs::path dir = artifactDir("unit-store");
    SoftwareHsmOptions o = storeOptions(dir);
    std::string kcvA;
    std::string kcvB;
    {
        SoftwareHsm hsm(o);
        kcvA = hsm.generateKey({"a", 1}, KeyAlgorithm::Des3).kcv;
        kcvB = importClear(hsm, {"b", 7}, KeyAlgorithm::Sm4, "0123456789ABCDEFFEDCBA9876543210").kcv;
        hsm.generateKey({"c", 1}, KeyAlgorithm::Aes, 16, KeyOptions {false});
    }
    {
        SoftwareHsm hsm(o);
        auto keys = hsm.listKeys();
        REQUIRE(keys.size() == 3);
        CHECK(keys[0].kcv == kcvA);
        CHECK(keys[1].ref == KeyRef {"b", 7});
        CHECK(keys[1].kcv == kcvB);
        CHECK_FALSE(keys[2].exportable);
        hsm.deleteKey({"a", 1});
    }
    CHECK(SoftwareHsm(o).listKeys().size() == 2);
    SoftwareHsmOptions wrong = o;
    writeFile(dir / "wrong", "not it\n");
    wrong.passphrase = SecretSource::fromFile((dir / "wrong").string());
    CHECK_THROWS_AS(SoftwareHsm {wrong}, KeyStoreError);
    std::string file = readFile(o.storePath);
    file[file.size() - 20] = static_cast<char>(file[file.size() - 20] ^ 1);
    writeFile(o.storePath, file);
    CHECK_THROWS_AS(SoftwareHsm {o}, KeyStoreError);
    CHECK_THROWS_AS(parseKeyStoreHeader(fromHex("48434B53")), KeyStoreError);
}

TEST_CASE("wrapped export and import between two software HSMs (3DES and AES transports)")
{
    SoftwareHsm issuer({});
    SoftwareHsm site({});
    for (auto alg : {KeyAlgorithm::Des3, KeyAlgorithm::Aes}) {
        std::string hex = alg == KeyAlgorithm::Aes
            ? "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F"
            : "0F1E2D3C4B5A69788796A5B4C3D2E1F0";
        KeyRef t {alg == KeyAlgorithm::Aes ? "zmk.aes" : "zmk.des3", 1};
        importClear(issuer, t, alg, hex);
        importClear(site, t, alg, hex);
    }
    KeyInfo mk = issuer.generateKey({"mk", 1}, KeyAlgorithm::Des3);
    KeyInfo s4 = issuer.generateKey({"s4", 1}, KeyAlgorithm::Sm4);
    for (const char* t : {"zmk.des3", "zmk.aes"}) {
        WrappedKey w = issuer.exportWrapped(KeyRef {"mk", 1}, {t, 1});
        CHECK(w.kcv == mk.kcv);
        std::string label = std::string("mk-") + t;
        CHECK(site.importWrapped({label.substr(0, label.find('.')) + "x" + t[4], 1}, w, {t, 1}).kcv
              == mk.kcv);
        WrappedKey ws = issuer.exportWrapped(KeyRef {"s4", 1}, {t, 1});
        CHECK(site.importWrapped({std::string("s4-") + t[4], 1}, ws, {t, 1}).kcv == s4.kcv);
    }
    WrappedKey bad = issuer.exportWrapped(KeyRef {"mk", 1}, {"zmk.des3", 1});
    bad.kcv = "000000";
    CHECK_THROWS_AS(site.importWrapped({"mk-bad", 1}, bad, {"zmk.des3", 1}), KcvMismatchError);
    CHECK_FALSE(site.describe(KeyRef {"zmk.des3", 1}).kcv.empty());
    CHECK(site.listKeys().size() == 6);
    issuer.generateKey({"locked", 1}, KeyAlgorithm::Des3, 16, KeyOptions {false});
    CHECK_THROWS_AS(issuer.exportWrapped(KeyRef {"locked", 1}, {"zmk.des3", 1}),
                    InvalidArgumentError);
}

TEST_CASE("audit log: chain verifies; edits, reordering and deletions are detected")
{
    fs::path dir = artifactDir("unit-audit");
    fs::path log = dir / "audit.log";
    {
        SoftwareHsm hsm({});
        hsm.setAuditLog(std::make_shared<AuditLog>(log.string(), "officer one"));
        hsm.generateKey({"k", 1}, KeyAlgorithm::Des3);
        for (int i = 0; i < 5; ++i) {
            hsm.mac(KeyRef {"k", 1}.toString().empty() ? KeySpec {} : KeySpec(KeyRef {"k", 1})
                                                                      .session(fromHex("0102030405060708")),
                    MacAlgorithm::DesCbc, fromHex("00"));
        }
        CHECK_THROWS(hsm.mac(KeyRef {"nope", 1}, MacAlgorithm::DesCbc, fromHex("00")));
    }
    auto original = lines(log);
    REQUIRE(original.size() == 7);
    CHECK(original[0].find("actor=officer%20one op=generate key=k/1 kcv=") != std::string::npos);
    CHECK(original[6].find("result=error:%20key-not-found") != std::string::npos);
    auto ok = verifyAuditLog(log.string());
    CHECK(ok.ok);
    CHECK(ok.entries == 7);
    CHECK(verifyAuditLog(log.string(), ok.headHash).ok);

    // A second writer (another process) continues the same chain.
    {
        AuditLog other(log.string(), "other");
        other.append("list", "-", "", "ok", true);
    }
    CHECK(verifyAuditLog(log.string()).ok);
    writeLines(log, original);

    auto edited = original;
    auto pos = edited[3].find("result=ok");
    edited[3].replace(pos, 9, "result=no");
    writeLines(log, edited);
    auto v = verifyAuditLog(log.string());
    CHECK_FALSE(v.ok);
    CHECK(v.problems.at(0).find("line 4") != std::string::npos);

    // An edit whose author recomputed the edited entry's own hash (SHA-256 needs no key) keeps
    // every line self-consistent and every sequence number in place: only the next entry's link
    // to its predecessor shows it.
    auto rehashed = original;
    rehashed[3].replace(rehashed[3].find("result=ok"), 9, "result=no");
    const auto cut = rehashed[3].rfind(" hash=");
    rehashed[3] = rehashed[3].substr(0, cut) + " hash="
        + auditLineHash(std::string_view(rehashed[3]).substr(0, cut));
    writeLines(log, rehashed);
    v = verifyAuditLog(log.string());
    CHECK_FALSE(v.ok);
    REQUIRE(v.problems.size() == 1);
    CHECK(v.problems[0].find("line 5: does not link to the previous entry") != std::string::npos);
    CHECK_FALSE(verifyAuditLog(log.string(), ok.headHash).ok);

    auto reordered = original;
    std::swap(reordered[2], reordered[3]);
    writeLines(log, reordered);
    CHECK_FALSE(verifyAuditLog(log.string()).ok);

    auto deleted = original;
    deleted.erase(deleted.begin() + 2);
    writeLines(log, deleted);
    CHECK_FALSE(verifyAuditLog(log.string()).ok);

    auto truncated = original;
    truncated.pop_back();
    writeLines(log, truncated);
    CHECK(verifyAuditLog(log.string()).ok); // a chain alone cannot see a cut tail ...
    CHECK_FALSE(verifyAuditLog(log.string(), ok.headHash).ok); // ... the kept head hash can

    writeLines(log, original);
    CHECK(verifyAuditLog(log.string()).ok);
    CHECK_THROWS_AS(parseAuditLine("v1 seq=1 time=x"), InvalidArgumentError);
}
