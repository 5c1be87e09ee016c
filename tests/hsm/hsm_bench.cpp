// Benchmark: operations per second for MAC, diversification and TAC verification on each backend
// (software, and PKCS#11 on a SoftHSM2 token made in a temporary directory), with crypto
// operations audited (default) and with only key management audited. Prints a table.
#include <chrono>
#include <cstdio>
#include <functional>

#include "hsm_test_support.hpp"

using namespace hc::hsm;
using namespace hctest;

namespace {

double opsPerSecond(const std::function<void()>& op)
{
    using clock = std::chrono::steady_clock;
    for (int i = 0; i < 50; ++i) {
        op();
    }
    std::size_t n = 0;
    auto start = clock::now();
    auto end = start + std::chrono::milliseconds(1000);
    while (clock::now() < end) {
        for (int i = 0; i < 20; ++i) {
            op();
        }
        n += 20;
    }
    double s = std::chrono::duration<double>(clock::now() - start).count();
    return static_cast<double>(n) / s;
}

void setUp(Hsm& hsm)
{
    importClear(hsm, {"b.mk", 1}, KeyAlgorithm::Des3, "11223344556677888877665544332211");
    importClear(hsm, {"b.sm4", 1}, KeyAlgorithm::Sm4, "0123456789ABCDEFFEDCBA9876543210");
}

void measure(const char* name, Hsm& hsm, const char* mode)
{
    Bytes d = fromHex("0000000012345678");
    KeySpec card = KeySpec(KeyRef {"b.mk", 1}).diversified(d);
    KeySpec ses = card.session(fromHex("1122334400008000"));
    Bytes data = fromHex("00001000010011223344552011122121482200");
    PurchaseRecord rec;
    rec.amount = 4096;
    Bytes tac = hsm.purchaseTac(card, rec);
    KeySpec smCard = KeySpec(KeyRef {"b.sm4", 1}).diversified(d).session(Bytes(16, 0x11));
    LoadRequest load;
    load.amount = 1000;
    Bytes mac1 = hsm.mac(card.session(loadSessionData(load)), MacAlgorithm::DesCbc, loadMac1Input(load));
    std::copy(mac1.begin(), mac1.begin() + 4, load.mac1.begin());
    struct Row {
        const char* what;
        std::function<void()> op;
    } rows[] = {
        {"MAC 3DES-CBC, stored key (19 B)", [&] { hsm.mac(KeyRef {"b.mk", 1}, MacAlgorithm::Des3Cbc, data); }},
        {"MAC DES, card + session key (PBOC)", [&] { hsm.mac(ses, MacAlgorithm::DesCbc, data); }},
        {"MAC SM4, card + session key", [&] { hsm.mac(smCard, MacAlgorithm::Sm4Cbc, data); }},
        {"diversify 3DES + KCV", [&] { hsm.kcv(card); }},
        {"load: check MAC1, make MAC2", [&] { hsm.issuerLoadMac2(card, load); }},
        {"verify purchase TAC", [&] { hsm.verifyPurchaseTac(card, rec, tac); }},
    };
    for (auto& row : rows) {
        std::printf("%-9s %-16s %-36s %9.0f ops/s\n", name, mode, row.what, opsPerSecond(row.op));
        std::fflush(stdout);
    }
}

void bench(const char* name, Hsm& hsm)
{
    setUp(hsm);
    measure(name, hsm, "audit: all ops");
    hsm.setAuditCryptoOperations(false);
    measure(name, hsm, "audit: key mgmt");
}

} // namespace

int main()
{
    std::printf("hsm benchmark, 1 thread\n");
    auto dir = artifactDir("bench");
    {
        SoftwareHsm soft({});
        soft.setAuditLog(std::make_shared<AuditLog>((dir / "soft-audit.log").string(), "bench"));
        bench("software", soft);
    }
    SoftHsmToken t = SoftHsmToken::create("bench-p11", "hc-bench");
    Pkcs11Hsm p11(t.options());
    p11.setAuditLog(std::make_shared<AuditLog>((dir / "p11-audit.log").string(), "bench"));
    bench("pkcs11", p11);
    return 0;
}
