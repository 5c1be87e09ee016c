// hsm-tool end to end: a ceremony on the software store and on a SoftHSM2 token, wrapped export
// and import, audit verification, and the error messages an operator sees.
#include "hsm_test_support.hpp"

#include <cstdlib>
#include <doctest/doctest.h>
#include <sys/wait.h>

using namespace hctest;
namespace fs = std::filesystem;

namespace {

struct Result {
    int status;
    std::string out;
};

/** Runs hsm-tool with `args`; stdout+stderr go to a file in `dir` (scanned for leaks). */
Result tool(
    const fs::path& dir, const std::string& args, const std::string& stdinFile = "/dev/null") {
    static int n = 0;
    fs::path out = dir / ("hsm-tool-" + std::to_string(++n) + ".log");
    std::string cmd = std::string(HC_HSM_TOOL) + " " + args + " --audit "
        + (dir / "audit.log").string() + " < " + stdinFile + " > " + out.string() + " 2>&1";
    int rc = std::system(cmd.c_str());
    return { WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, readFile(out) };
}

const std::string c1 = "A1B2C3D4E5F60718293A4B5C6D7E8F90";
const std::string c2 = "0A1B2C3D4E5F60718293A4B5C6D7E8F9";
const std::string combined = "ABA9EFE9ABA96769ABA9EFE9ABA96769";

std::string kcv(const std::string& hex) {
    return refKcv(hc::hsm::KeyAlgorithm::Des3, hc::hsm::fromHex(hex));
}

bool has(const std::string& text, const std::string& what) {
    return text.find(what) != std::string::npos;
}

} // namespace

TEST_CASE("software store: ceremony, wrap, audit") {
    fs::path dir = artifactDir("tool-soft");
    fs::path secret = privateDir("tool");
    writeFile(dir / "pass", "store passphrase\n");
    std::string store = " --backend software --kdf-log2n 10 --passphrase-file "
        + (dir / "pass").string() + " --store ";
    std::string a = store + (dir / "a.hcks").string();
    std::string b = store + (dir / "b.hcks").string();

    writeFile(secret / "in", c1 + "\n" + kcv(c1) + "\n" + c2 + "\n" + kcv(c2) + "\n");
    Result r = tool(dir,
        a + " import-components --key ceremony.mk/1 --alg des3 --expect-kcv " + kcv(combined),
        (secret / "in").string());
    CHECK(r.status == 0);
    CHECK(has(r.out, "Custodian 1 of 2"));
    CHECK(has(r.out, "ceremony.mk/1  des3  128 bits  KCV " + kcv(combined)));

    writeFile(secret / "bad", c1 + "\n000000\n" + c1 + "\n000000\n" + c1 + "\n000000\n");
    r = tool(
        dir, a + " import-components --key ceremony.bad/1 --alg des3", (secret / "bad").string());
    CHECK(r.status == 1);
    CHECK(has(r.out, "re-enter component 1"));

    writeFile(secret / "zmk", c2 + "\n" + kcv(c2) + "\n" + c1 + "\n" + kcv(c1) + "\n");
    CHECK(
        tool(dir, a + " import-components --key zmk/1 --alg des3", (secret / "zmk").string()).status
        == 0);
    CHECK(
        tool(dir, b + " import-components --key zmk/1 --alg des3", (secret / "zmk").string()).status
        == 0);
    fs::remove_all(secret);

    r = tool(dir, a + " export-wrapped --key ceremony.mk/1 --transport zmk/1");
    REQUIRE(r.status == 0);
    auto blobAt = r.out.find("blob ") + 5;
    std::string blob = r.out.substr(blobAt, r.out.find('\n', blobAt) - blobAt);
    r = tool(dir,
        b + " import-wrapped --key site.mk/1 --alg des3 --transport zmk/1 --blob " + blob
            + " --kcv " + kcv(combined));
    CHECK(r.status == 0);
    CHECK(has(r.out, "KCV " + kcv(combined)));
    r = tool(dir,
        b + " import-wrapped --key site.mk/2 --alg des3 --transport zmk/1 --blob " + blob
            + " --kcv 123456");
    CHECK(r.status == 1);
    CHECK(has(r.out, "check the transport key"));

    r = tool(dir, b + " list");
    CHECK(has(r.out, "site.mk/1"));
    CHECK(has(r.out, "zmk/1"));
    r = tool(dir, a + " diversify --key ceremony.mk/1 --div 0000000012345678");
    CHECK(r.status == 0);
    CHECK(has(r.out, "ceremony.mk/1+div  des3  KCV "));
    r = tool(dir, a + " kcv --key nothing/1");
    CHECK(r.status == 1);
    CHECK(has(r.out, "hsm-tool list"));
    r = tool(dir,
        " --backend software --store " + (dir / "a.hcks").string()
            + " --passphrase-env HC_HSM_TEST_NO_SUCH_VAR list");
    CHECK(r.status == 1);
    CHECK(has(r.out, "HC_HSM_TEST_NO_SUCH_VAR"));

    r = tool(dir, "audit verify");
    CHECK(r.status == 0);
    CHECK(has(r.out, "OK "));
    std::string log = readFile(dir / "audit.log");
    CHECK(has(log, "op=import-components"));
    CHECK(has(log, "result=error:%20kcv-mismatch"));
    auto pos = log.find("op=export-wrapped");
    REQUIRE(pos != std::string::npos);
    log.replace(pos, 17, "op=import-wrapped");
    writeFile(dir / "audit.log", log);
    r = tool(dir, "audit verify");
    CHECK(r.status == 1);
    CHECK(has(r.out, "entry edited"));
}

TEST_CASE("SoftHSM2 token: init, keygen, diversify, clear errors") {
    fs::path dir = artifactDir("tool-p11");
    fs::create_directories(dir / "tokens");
    writeFile(dir / "softhsm2.conf",
        "directories.tokendir = " + (dir / "tokens").string()
            + "\nobjectstore.backend = file\nlog.level = ERROR\n");
    ::setenv("SOFTHSM2_CONF", (dir / "softhsm2.conf").c_str(), 1);
    writeFile(dir / "pin", "4321\n");
    writeFile(dir / "so", "87654321\n");
    std::string p11 = " --token hc-tool --pin-file " + (dir / "pin").string();
    Result r = tool(dir, p11 + " --so-pin-file " + (dir / "so").string() + " init");
    REQUIRE(r.status == 0);
    CHECK(tool(dir, p11 + " keygen --key pboc.mk-dlk/1 --alg des3").status == 0);
    CHECK(tool(dir, p11 + " keygen --key hc.uk/1 --alg sm4").status == 0);
    CHECK(tool(dir, p11 + " keygen --key zmk.aes/1 --alg aes").status == 0);
    r = tool(dir, p11 + " list");
    CHECK(has(r.out, "pboc.mk-dlk/1  des3  128 bits  KCV "));
    CHECK(has(r.out, "hc.uk/1  sm4  128 bits  KCV "));
    r = tool(dir,
        p11
            + " diversify --key hc.uk/1 --div 3431303030303030 --div 0000000012345678"
              " --export-under zmk.aes/1");
    CHECK(r.status == 0);
    CHECK(has(r.out, "hc.uk/1+div+div  sm4  KCV "));
    CHECK(has(r.out, "blob "));
    r = tool(dir, p11 + " keygen --key pboc.mk-dlk/1 --alg des3");
    CHECK(r.status == 1);
    CHECK(has(r.out, "choose a new version number"));

    writeFile(dir / "wrong", "1111\n");
    r = tool(dir, " --token hc-tool --pin-file " + (dir / "wrong").string() + " list");
    CHECK(r.status == 1);
    CHECK(has(r.out, "check the PIN file"));
    r = tool(dir, " --token not-there --pin-file " + (dir / "pin").string() + " list");
    CHECK(r.status == 1);
    CHECK(has(r.out, "hsm-tool init"));
    r = tool(dir, p11 + " kcv --key pboc.mk-dlk/9");
    CHECK(r.status == 1);
    CHECK(has(r.out, "is not in pkcs11:hc-tool"));
    CHECK(has(r.out, "hsm-tool list"));
    CHECK(tool(dir, "audit verify").status == 0);
}

TEST_CASE("command line: --help, and a bad command line exits 2 naming what was wrong") {
    fs::path dir = artifactDir("tool-cli");
    Result r = tool(dir, "--help");
    CHECK(r.status == 0);
    CHECK(r.out.rfind("usage: hsm-tool [options] <command>\n", 0) == 0);
    CHECK(has(r.out, "  audit verify         check the audit log's hash chain"));
    CHECK(has(r.out, "\noptions:\n  -h [ --help ]"));
    CHECK(has(r.out, "--expect-head arg"));
    CHECK(tool(dir, "list -h").status == 0);

    r = tool(dir, ""); // no command: the help, exit 2
    CHECK(r.status == 2);
    CHECK(r.out.rfind("usage: hsm-tool [options] <command>\n", 0) == 0);

    r = tool(dir, "list --nope");
    CHECK(r.status == 2);
    CHECK(r.out.rfind("hsm-tool: unrecognised option '--nope'\nusage: hsm-tool", 0) == 0);
    r = tool(dir, "--kdf-log2n fifteen list");
    CHECK(r.status == 2);
    CHECK(has(r.out, "hsm-tool: the argument ('fifteen') for option '--kdf-log2n' is invalid"));
    r = tool(dir, "audit");
    CHECK(r.status == 2);
    CHECK(has(r.out, "hsm-tool: the audit command is `audit verify`"));

    // An unknown command is named once the HSM opened (the backend's errors come first).
    writeFile(dir / "pass", "store passphrase\n");
    std::string store = " --backend software --kdf-log2n 10 --passphrase-file "
        + (dir / "pass").string() + " --store " + (dir / "c.hcks").string();
    r = tool(dir, store + " shred");
    CHECK(r.status == 2);
    CHECK(r.out.rfind("hsm-tool: unknown command 'shred'\nusage: hsm-tool", 0) == 0);
    // Missing options of a command: exit 1 (the HSM's InvalidArgumentError), naming them.
    r = tool(dir, store + " keygen --key x/1");
    CHECK(r.status == 1);
    CHECK(has(r.out, "hsm-tool: keygen needs --key and --alg"));
}
