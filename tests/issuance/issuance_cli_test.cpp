// hcperso's command line without cards or an HSM: what an operator sees after a typing mistake.
// A bad command line exits 2 and names the option or command that was wrong; --help prints the
// usage text (every command and its options) and exits 0. Runs the real binary.
#include "hc/testing/process.hpp"

#include <doctest/doctest.h>

namespace {

hc::testing::CommandResult hcperso(std::vector<std::string> args) {
    args.insert(args.begin(), HC_HCPERSO);
    return hc::testing::runCommand(args);
}

bool has(const std::string& text, const std::string& what) {
    return text.find(what) != std::string::npos;
}

const std::string kUsageHead = "usage: hcperso COMMAND [options]\n";

} // namespace

TEST_CASE("hcperso --help prints the usage text and exits 0; no command exits 2") {
    for (const std::vector<std::string>& args : { std::vector<std::string> { "--help" }, { "-h" },
             { "status", "--help" }, { "prepare", "-h" } }) {
        CAPTURE(args.front());
        const auto r = hcperso(args);
        CHECK(r.status == 0);
        CHECK(r.out.rfind(kUsageHead, 0) == 0);
        CHECK(has(r.out, "blocklist check --file F --card NO"));
        CHECK(has(r.out, "--hsm-passphrase-env"));
        CHECK_FALSE(has(r.out, "options:")); // the usage text alone: it lists the options
    }
    const auto r = hcperso({});
    CHECK(r.status == 2);
    CHECK(r.out.rfind(kUsageHead, 0) == 0);
}

TEST_CASE("hcperso: a bad command line exits 2 naming what was wrong") {
    hc::testing::TempDir dir("hc-hcperso-cli-");
    const std::string db = "sqlite:" + (dir / "register.db").string();

    auto r = hcperso({ "status", "--nope", "--db", db });
    CHECK(r.status == 2);
    CHECK(r.err.rfind("hcperso: unrecognised option '--nope'\n" + kUsageHead, 0) == 0);

    r = hcperso({ "status", "--validity-years", "ten", "--db", db });
    CHECK(r.status == 2);
    CHECK(has(r.err, "hcperso: the argument ('ten') for option '--validity-years' is invalid"));

    r = hcperso({ "status", "--db" });
    CHECK(r.status == 2);
    CHECK(has(r.err, "the required argument for option '--db' is missing"));

    r = hcperso({ "shred", "--db", db });
    CHECK(r.status == 2);
    CHECK(r.err.rfind("hcperso: unknown command 'shred'\n" + kUsageHead, 0) == 0);

    r = hcperso({ "--db", db, "status" }); // the command comes first
    CHECK(r.status == 2);
    CHECK(has(r.err, "hcperso: unknown command '--db'"));

    r = hcperso({ "prepare", "--db", db });
    CHECK(r.status == 2);
    CHECK(r.err == "hcperso: --input is required\n");

    r = hcperso({ "run", "--batch", "B", "--db", db });
    CHECK(r.status == 2);
    CHECK(r.err == "hcperso: --readers is required\n");

    r = hcperso({ "blocklist" });
    CHECK(r.status == 2);
    CHECK(r.err == "hcperso: blocklist export | blocklist check\n");

    r = hcperso({ "blocklist", "list", "--db", db });
    CHECK(r.status == 2);
    CHECK(r.err == "hcperso: blocklist export | blocklist check\n");

    r = hcperso({ "blocklist", "export", "--format", "xml", "--db", db });
    CHECK(r.status == 2);
    CHECK(r.err == "hcperso: --format is text or json\n");

    r = hcperso({ "pin-reset", "--card", "123", "--db", db });
    CHECK(r.status == 2);
    CHECK(r.err == "hcperso: pin-reset needs --reader\n");
}

TEST_CASE("hcperso: good options go on to the command") {
    hc::testing::TempDir dir("hc-hcperso-cli-");
    const std::string db = "sqlite:" + (dir / "register.db").string();
    auto r = hcperso({ "status", "--db", db, "--cards" });
    CHECK(r.status == 0);
    CHECK(r.err.empty());
    r = hcperso({ "lost", "--card", "123", "--db", db });
    CHECK(r.status == 1); // past the command line: the register refuses
    CHECK(has(r.err, "is not in the register"));
}
