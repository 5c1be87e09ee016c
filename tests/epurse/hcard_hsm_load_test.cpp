// hcard load through the issuer's HSM: the DLK and DTK masters imported into a SoftHSM2 token of
// the test's own, hcard run with --purse-hsm pkcs11 (kioskd's purseHsm keys under hcard's names),
// the purse card served by hcemu through pcscd + vpcd. The card credits only with a MAC2 it
// verifies itself, so a done load is the card's word that the HSM's MAC2 was right; the load TAC
// is then verified inside the HSM ("verified"), and the card's own image holds the new balance.
// A wrong master moves nothing, bad options are refused, and the token's PIN is in no output.
#include "hc/card/epurse/issuer.hpp"
#include "hc/hsm/pkcs11_hsm.hpp"
#include "hc/testing/pcsc_stack.hpp"
#include "hc/testing/process.hpp"
#include "hc/testing/softhsm_token.hpp"
#include "hsm_test_support.hpp"

#include <cstdlib>
#include <doctest/doctest.h>

using hc::testing::CommandResult;
using hc::testing::EmulatedCard;
using hc::testing::kReader0;

namespace {

const std::filesystem::path kImages = HC_IMAGES_DIR;
const char* const kPinEnv = "HC_TEST_HCARD_HSM_PIN";
const char* const kWrongPin = "9999-wrong";

std::int64_t storedBalance(const EmulatedCard& card) {
    const auto text = hc::testing::readFile(card.imagePath());
    const auto pos = text.find("\"balance\"");
    REQUIRE(pos != std::string::npos);
    return std::stoll(text.substr(text.find(':', pos) + 1));
}

/** Runs hcard with `args`; checks that neither the token's PIN nor the wrong one is printed. */
CommandResult hcard(const std::vector<std::string>& args, const std::string& pin) {
    std::vector<std::string> argv { hc::testing::binaryPath("hcard").string() };
    argv.insert(argv.end(), args.begin(), args.end());
    const auto r = hc::testing::runCommand(argv);
    for (const std::string& secret : { pin, std::string(kWrongPin) }) {
        CHECK_MESSAGE(r.out.find(secret) == std::string::npos, "PIN printed on stdout");
        CHECK_MESSAGE(r.err.find(secret) == std::string::npos, "PIN printed on stderr");
    }
    return r;
}

/** `hcard load` of `fen` through the token, with `extra` options. */
std::vector<std::string> hsmLoad(const std::string& fen, std::vector<std::string> extra = {}) {
    std::vector<std::string> a { "load", "--reader", kReader0, "--amount", fen, "--terminal",
        "112233445566", "--json", "--purse-hsm", "pkcs11", "--purse-hsm-token", "hc-hcard-purse",
        "--purse-hsm-secret-env", kPinEnv };
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
}

bool has(const CommandResult& r, const std::string& text) {
    return r.out.find(text) != std::string::npos || r.err.find(text) != std::string::npos;
}

} // namespace

TEST_CASE(
    "hcard load --purse-hsm pkcs11: the card accepts the HSM's MAC2, the HSM the card's TAC") {
    hc::testing::SoftHsmToken token("hc-hcard-purse");
    const std::string pin = token.userPin().read();
    ::setenv(kPinEnv, pin.c_str(), 1);
    const auto dev = hc::card::epurse::loadIssuerKeys(kImages / "purse-issuer-dev-keys.json");
    {
        hc::hsm::Pkcs11Hsm ceremony(token.options());
        // pboc.mk-dlk, pboc.mk-dtk, and another DLK master: what a load pointed at the
        // wrong key would use.
        hctest::importPurseMasters(
            ceremony, dev.loadMaster.at(1), dev.tacMaster, "pboc.mk-dlk-other");
    }

    hc::testing::sharedPcscd();
    EmulatedCard card("purse-card.json", 0);
    REQUIRE(storedBalance(card) == 10000);

    // The right master: the balance moves by the load, once, and the TAC verifies in the HSM.
    auto r = hcard(hsmLoad("250"), pin);
    CHECK(r.status == 0);
    CHECK(has(r, "\"outcome\":\"done\""));
    CHECK(has(r, "\"balance_before\":10000"));
    CHECK(has(r, "\"balance_after\":10250"));
    CHECK(has(r, "\"verified\":true"));
    CHECK(storedBalance(card) == 10250);
    r = hcard({ "log", "--reader", kReader0, "--json" }, pin);
    CHECK(r.status == 0);
    CHECK(has(r, "\"kind\":\"load\",\"amount\":250"));

    // The wrong master: MAC1 does not verify in the HSM, the card is never asked to credit.
    r = hcard(hsmLoad("100", { "--purse-load-key", "pboc.mk-dlk-other" }), pin);
    CHECK(r.status == 1);
    CHECK(has(r, "\"outcome\":\"declined\""));
    CHECK(storedBalance(card) == 10250);

    // A wrong PIN and an unset variable: refused before the card is touched, the PIN unprinted.
    ::setenv(kPinEnv, kWrongPin, 1);
    r = hcard(hsmLoad("100"), pin);
    CHECK(r.status != 0);
    CHECK(r.out.empty());
    ::unsetenv(kPinEnv);
    r = hcard(hsmLoad("100"), pin);
    CHECK(r.status != 0);
    CHECK(has(r, kPinEnv)); // names where the PIN was to come from
    CHECK(storedBalance(card) == 10250);
    ::setenv(kPinEnv, pin.c_str(), 1);

    // One issuer at a time; HSM options need --purse-hsm; the backend is checked.
    const auto keys = (kImages / "purse-issuer-dev-keys.json").string();
    r = hcard(hsmLoad("100", { "--issuer-keys", keys }), pin);
    CHECK(r.status == 2);
    CHECK(has(r, "--purse-hsm and --issuer-keys are both given"));
    r = hcard({ "load", "--reader", kReader0, "--amount", "100", "--terminal", "112233445566",
                  "--issuer-keys", keys, "--purse-hsm-token", "hc-hcard-purse" },
        pin);
    CHECK(r.status == 2);
    CHECK(has(r, "--purse-hsm-token is for loads through the HSM"));
    r = hcard(hsmLoad("100", { "--purse-hsm", "cloud" }), pin);
    CHECK(r.status == 2);
    CHECK(has(r, "--purse-hsm: expected software or pkcs11"));
    CHECK(storedBalance(card) == 10250);
}
