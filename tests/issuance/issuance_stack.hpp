// The real parts behind the issuance integration tests and the benchmark: pcscd + vpcd, a
// SoftHSM2 token holding the issuer's masters and the TEST transport master, a card feeder that
// presents a fresh `hcemu --blank` in a reader (the stand-in for a card printer's hopper), and
// hcperso run as a child process against a register in a temp directory.
#pragma once

#include "hc/card/bytes.hpp"
#include "hc/hsm/pkcs11_hsm.hpp"
#include "hc/issuance.hpp"
#include "hc/testing/pcsc_stack.hpp"
#include "hc/testing/process.hpp"
#include "hc/testing/softhsm_token.hpp"
#include "issuance_residents.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <csignal>
#include <fstream>
#include <sys/stat.h>
#include <thread>

namespace hc::issuance::testing {

/** The TEST transport master of blank cards (firmware-tools/emulator/profiles/blank_card.hpp). */
inline constexpr const char* kTransportMasterHex = "6B1C2E9F30A4D85577E0C3B2194F8A6D";

/** The vpcd readers in slot order. The tests use slots 2 and 3 (kReader2, kReader3): a
 * stray `hcemu` left on slot 0 or 1 by a demo run would otherwise answer in place of our blank
 * cards. */
inline const std::vector<std::string>& vpcdReaders() {
    static const std::vector<std::string> r
        = { hc::testing::kReader0, hc::testing::kReader1, hc::testing::kReader2,
              hc::testing::kReader3, hc::testing::kReader4, hc::testing::kReader5 };
    return r;
}

/** The two readers the integration tests run on (slots 2 and 3), comma-separated. */
inline std::string testReaders() {
    return vpcdReaders()[2] + "," + vpcdReaders()[3];
}

/** Imports a clear SM4 key as two components with their KCVs (as a key ceremony would). */
inline void importSm4(hc::hsm::Hsm& hsm, const hc::hsm::KeyRef& ref, const hc::Bytes& key) {
    hc::Bytes c1(16);
    hc::Bytes c2(16);
    for (std::size_t i = 0; i < 16; ++i) {
        c1[i] = static_cast<std::uint8_t>(0x3C ^ (i * 11));
        c2[i] = static_cast<std::uint8_t>(key[i] ^ c1[i]);
    }
    std::vector<hc::hsm::KeyComponent> comps(2);
    comps[0].clear = hc::hsm::toSecure(c1);
    comps[0].kcv = hc::hsm::keyCheckValue(hc::hsm::KeyAlgorithm::Sm4, comps[0].clear);
    comps[1].clear = hc::hsm::toSecure(c2);
    comps[1].kcv = hc::hsm::keyCheckValue(hc::hsm::KeyAlgorithm::Sm4, comps[1].clear);
    hc::hsm::KeyOptions opt;
    opt.exportable = false;
    hsm.importComponents(ref, hc::hsm::KeyAlgorithm::Sm4, comps, std::nullopt, opt);
}

/** Everything an issuance integration test needs. One per process (SoftHSM2 reads its
 * configuration once). */
class IssuanceStack {
public:
    IssuanceStack()
        : m_token("hc-issuance") {
        hc::testing::sharedPcscd();
        {
            hc::hsm::Pkcs11Hsm hsm(m_token.options());
            const auto v = boost::json::parse(hc::testing::readFile(
                hc::testing::sourcePath("firmware-tools/images/resident-keys.json")));
            for (const auto& kv : v.at("masters").as_object()) {
                importSm4(hsm, { "hc.master." + std::string(kv.key()), 1 },
                    hc::fromHex(std::string(kv.value().as_string())));
            }
            importSm4(hsm, { "hc.perso.transport", 1 }, hc::fromHex(kTransportMasterHex));
        }
        // hcperso reads the token PIN from HC_HSM_PIN (never from its command line).
        const std::string pin = m_token.userPin().read();
        ::setenv("HC_HSM_PIN", pin.c_str(), 1);
        std::filesystem::create_directories(m_dir.path() / "cards");
        std::ofstream(feeder())
            << "#!/bin/sh\n"
               "# feed READER DIR: replace the card in READER (a vpcd reader) with a fresh blank\n"
               "case \"$1\" in\n"
            << caseLines()
            << "  *) echo \"feed: unknown reader $1\" >&2; exit 1;;\n"
               "esac\n"
               "dir=$2\n"
               "pidf=$dir/slot$slot.pid\n"
               "# one feeder per slot at a time (a feeder of a killed run may still be going)\n"
               "exec 9>\"$dir/slot$slot.lock\"; flock 9\n"
               "if [ -f \"$pidf\" ]; then kill -9 \"$(cat \"$pidf\")\" 2>/dev/null; rm -f "
               "\"$pidf\"; fi\n"
               "# take the old card out: wait until pcscd reports the reader empty (a swap faster\n"
               "# than pcscd's polling would leave the old card's ATR in place)\n"
               "n=0\n"
               "while "
            << hc::testing::binaryPath("hcard").string()
            << " readers 2>/dev/null | grep -F \"  $1  card\" >/dev/null; do\n"
               "  n=$((n+1)); [ $n -gt 200 ] && break; sleep 0.02\n"
               "done\n"
               "img=$dir/cards/s$slot-$$-$(date +%s%N).json\n"
               "setsid "
            << hc::testing::binaryPath("hcemu").string()
            << " --blank --image \"$img\" --slot \"$slot\" >>\"$dir/hcemu-$slot.log\" 2>&1 "
               "</dev/null 9>&- &\n"
               "echo $! > \"$pidf\"\n";
        ::chmod(feeder().c_str(), 0755);
    }
    ~IssuanceStack() { stopFedCards(); }
    IssuanceStack(const IssuanceStack&) = delete;
    IssuanceStack& operator=(const IssuanceStack&) = delete;

    /** The test's directory. */
    const std::filesystem::path& dir() const { return m_dir.path(); }
    /** The register's URL. */
    std::string db() const { return "sqlite:" + (m_dir.path() / "register.db").string(); }
    /** The feeder script. */
    std::filesystem::path feeder() const { return m_dir.path() / "feed.sh"; }
    /** The --card-feeder command. */
    std::string feederCommand() const {
        return feeder().string() + " {reader} " + m_dir.path().string();
    }

    /** hcperso's argv: the command, the common options (register, HSM, operator), `args`. */
    std::vector<std::string> hcperso(const std::string& cmd, std::vector<std::string> args) const {
        std::vector<std::string> argv { HC_HCPERSO };
        if (cmd.find(' ') != std::string::npos) { // "blocklist export"
            argv.push_back(cmd.substr(0, cmd.find(' ')));
            argv.push_back(cmd.substr(cmd.find(' ') + 1));
        } else {
            argv.push_back(cmd);
        }
        for (const char* a : { "--db", "", "--hsm-backend", "pkcs11", "--hsm-token", "hc-issuance",
                 "--operator", "test-operator", "--issue-date", "20261123" }) {
            argv.emplace_back(a);
        }
        *(std::find(argv.begin(), argv.end(), "--db") + 1) = db();
        for (auto& a : args) {
            argv.push_back(std::move(a));
        }
        return argv;
    }

    /** Runs hcperso to completion. */
    hc::testing::CommandResult run(const std::string& cmd, std::vector<std::string> args,
        std::chrono::milliseconds timeout = std::chrono::milliseconds(180000)) const {
        return hc::testing::runCommand(hcperso(cmd, std::move(args)), {}, timeout);
    }

    /** Kills the hcemu processes the feeder started. */
    void stopFedCards() {
        for (int slot = 0; slot < 6; ++slot) {
            const auto pidf = m_dir.path() / ("slot" + std::to_string(slot) + ".pid");
            const std::string pid = hc::testing::readFile(pidf);
            if (!pid.empty()) {
                ::kill(static_cast<pid_t>(std::stol(pid)), SIGKILL);
                std::filesystem::remove(pidf);
            }
        }
        for (const auto& r : vpcdReaders()) {
            hc::testing::waitForCard(r, false, std::chrono::milliseconds(3000));
        }
    }

    /** Stops the fed cards and forgets their images (a test starting afresh). */
    void clearCards() {
        stopFedCards();
        std::filesystem::remove_all(m_dir.path() / "cards");
        std::filesystem::create_directories(m_dir.path() / "cards");
    }

    /** The card images the feeder created (personalized or spoiled). */
    std::vector<std::filesystem::path> cardImages() const {
        std::vector<std::filesystem::path> out;
        for (const auto& e : std::filesystem::directory_iterator(m_dir.path() / "cards")) {
            // A blank the feeder presented after the last card of the batch was claimed (the
            // other reader took it) was never written: its MF is still empty. Not a card.
            const auto image = boost::json::parse(hc::testing::readFile(e.path())).as_object();
            if (image.at("mf").at("children").as_array().empty()) {
                continue;
            }
            out.push_back(e.path());
        }
        std::sort(out.begin(), out.end());
        return out;
    }

    /** `hcard read --all --json` of an image served in `slot`: {exit status, JSON or stderr}. */
    static std::pair<int, std::string> readCard(const std::filesystem::path& image, int slot = 2) {
        hc::testing::EmulatedCard card(image.string(), slot);
        const std::string reader = vpcdReaders()[static_cast<std::size_t>(slot)];
        const std::string keys
            = hc::testing::sourcePath("firmware-tools/images/resident-keys.json").string();
        const auto r = hc::testing::runCommand({ hc::testing::binaryPath("hcard").string(), "read",
            "--all", "--json", "--reader", reader, "--keys", keys });
        return { r.status, r.status == 0 ? r.out : r.err + r.out };
    }

    /** readCard of every image, two at a time (slots 2 and 3), in the images' order. */
    static std::vector<std::pair<int, std::string>> readCards(
        const std::vector<std::filesystem::path>& images) {
        std::vector<std::pair<int, std::string>> out(images.size());
        std::vector<std::thread> ts;
        for (int slot = 2; slot <= 3; ++slot) {
            ts.emplace_back([&, slot] {
                for (std::size_t i = static_cast<std::size_t>(slot - 2); i < images.size();
                     i += 2) {
                    try {
                        out[i] = readCard(images[i], slot);
                    } catch (const std::exception& e) {
                        out[i] = { -1, e.what() };
                    }
                }
            });
        }
        for (auto& t : ts) {
            t.join();
        }
        return out;
    }

private:
    static std::string caseLines() {
        std::string out;
        for (std::size_t i = 0; i < vpcdReaders().size(); ++i) {
            out += "  '" + vpcdReaders()[i] + "') slot=" + std::to_string(i) + ";;\n";
        }
        return out;
    }
    hc::testing::SoftHsmToken m_token;
    hc::testing::TempDir m_dir { "hc-issuance-it-" };
};

/** The process's stack (SoftHSM2 reads its configuration once per process). Each test calls
 * clearCards() first and uses batches of its own. */
inline IssuanceStack& sharedStack() {
    static IssuanceStack stack;
    return stack;
}

/** A CSV of `n` test residents starting at `first`, plus `extra` lines. */
inline std::string residentsCsv(
    std::size_t n, std::size_t first = 0, const std::string& extra = {}) {
    std::string csv = csvHeader();
    for (std::size_t i = first; i < first + n; ++i) {
        csv += csvLine(testResident(i));
    }
    return csv + extra;
}

/** Parses JSON lines. */
inline std::vector<boost::json::object> jsonLines(const std::string& out) {
    std::vector<boost::json::object> v;
    std::size_t p = 0;
    while (p < out.size()) {
        auto e = out.find('\n', p);
        if (e == std::string::npos) {
            e = out.size();
        }
        const std::string line = out.substr(p, e - p);
        if (!line.empty() && line[0] == '{') {
            v.push_back(boost::json::parse(line).as_object());
        }
        p = e + 1;
    }
    return v;
}

} // namespace hc::issuance::testing
