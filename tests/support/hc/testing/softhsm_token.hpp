// Test support: a SoftHSM2 token of the test's own, in a temporary directory, found by label,
// with the user PIN in a file (never on a command line). Header-only: include it only from tests
// that link hc_hsm. One per process: SoftHSM2 reads SOFTHSM2_CONF once, when it is loaded.
#pragma once

#include "hc/hsm/pkcs11_hsm.hpp"
#include "hc/testing/process.hpp"

#include <cstdlib>
#include <fstream>

namespace hc::testing {

/** Creates and initialises the token; options() opens it with Pkcs11Hsm. */
class SoftHsmToken {
public:
    explicit SoftHsmToken(const std::string& label)
        : m_label(label) {
        std::filesystem::create_directories(m_dir / "tokens");
        std::ofstream(m_dir / "softhsm2.conf")
            << "directories.tokendir = " << (m_dir / "tokens").string()
            << "\nobjectstore.backend = file\nlog.level = ERROR\n";
        ::setenv("SOFTHSM2_CONF", (m_dir / "softhsm2.conf").c_str(), 1);
        std::ofstream(m_dir / "user.pin") << "4321-user\n";
        std::ofstream(m_dir / "so.pin") << "8765-so\n";
        hc::hsm::initToken(hc::hsm::defaultSoftHsmModule(), m_label,
            hc::hsm::SecretSource::fromFile((m_dir / "so.pin").string()), userPin());
    }
    hc::hsm::SecretSource userPin() const {
        return hc::hsm::SecretSource::fromFile((m_dir / "user.pin").string());
    }
    hc::hsm::Pkcs11Options options() const {
        hc::hsm::Pkcs11Options o;
        o.modulePath = hc::hsm::defaultSoftHsmModule();
        o.tokenLabel = m_label;
        o.userPin = userPin();
        return o;
    }

private:
    TempDir m_dir { "hc-softhsm-" };
    std::string m_label;
};

} // namespace hc::testing
