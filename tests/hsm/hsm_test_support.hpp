// Shared helpers of the hsm tests, and of the tests elsewhere that put keys into an HSM (library
// hc_hsm_test_support: tests/epurse, tests/kiosk): the shared test vectors, an artifacts
// directory per test run, a SoftHSM2 token in a temporary directory, key import through two
// components, and a reference implementation of the primitives (written directly against
// OpenSSL EVP, independent of hsm/src) to check results against.
#pragma once

#include "hc/hsm/hsm.hpp"

#include <boost/json.hpp>
#include <filesystem>
#include <string>

namespace hctest {

using hc::hsm::Bytes;
using hc::hsm::ByteView;
using hc::hsm::SecureBytes;

/** Parses tests/vectors/<file> (the repository's copy of the published vectors). */
boost::json::object loadVectors(const std::string& file);
/** A string field of a JSON object, spaces removed. */
std::string field(const boost::json::object& o, const char* name);
/** fromHex of a field. */
Bytes hexField(const boost::json::object& o, const char* name);

/** A fresh directory under the artifacts tree (scanned by hsm_leak_scan). */
std::filesystem::path artifactDir(const std::string& name);
/** A fresh private directory outside the artifacts tree (for files that must hold clear
 *  components, e.g. stdin of a ceremony); removed by the caller. */
std::filesystem::path privateDir(const std::string& name);

/** Writes a file (mode 0600). */
void writeFile(const std::filesystem::path& p, const std::string& content);
/** Reads a whole file. */
std::string readFile(const std::filesystem::path& p);

/** Clear key from hex, for tests. */
SecureBytes key(const std::string& hex);

/** Reference ECB encryption (DES keys of 8/16/24 bytes, SM4, AES) straight on OpenSSL. */
Bytes refEcb(hc::hsm::KeyAlgorithm a, ByteView key, ByteView data, bool encrypt = true);
/** Reference CBC encryption with IV (zeros when empty). */
Bytes refCbc(
    hc::hsm::KeyAlgorithm a, ByteView key, ByteView data, ByteView iv = {}, bool encrypt = true);
/** Reference KCV. */
std::string refKcv(hc::hsm::KeyAlgorithm a, ByteView key);
/** Reference ISO 9797-1 method-2 pad. */
Bytes refPad(ByteView data, std::size_t block);

/** Imports a clear key through two components (key XOR R, R) with reference KCVs, as a key
 *  ceremony does. */
hc::hsm::KeyInfo importClear(hc::hsm::Hsm& hsm, const hc::hsm::KeyRef& ref, hc::hsm::KeyAlgorithm a,
    const std::string& hex, bool exportable = true);
/** The same for a key given as bytes (e.g. from a development issuer key file). */
hc::hsm::KeyInfo importClear(hc::hsm::Hsm& hsm, const hc::hsm::KeyRef& ref, hc::hsm::KeyAlgorithm a,
    ByteView clear, bool exportable = true);

/** The e-purse issuer's masters as a key ceremony puts them into `hsm` (3DES, two components
 *  each): the DLK master `dlk` as pboc.mk-dlk version 1, the DTK master `dtk` as pboc.mk-dtk
 *  version 1 and, when `otherDlkLabel` is not empty, a second DLK master one key bit away from
 *  `dlk` under that label (version 1): what a load pointed at the wrong key would use. */
void importPurseMasters(
    hc::hsm::Hsm& hsm, ByteView dlk, ByteView dtk, const std::string& otherDlkLabel = {});

/** A SoftHSM2 token in its own directory: writes softhsm2.conf, sets SOFTHSM2_CONF, writes the
 *  PIN files and initializes the token with hc::hsm::initToken. One per process (the module reads
 *  SOFTHSM2_CONF once). */
struct SoftHsmToken {
    std::filesystem::path dir;
    std::filesystem::path tokenDir;
    std::filesystem::path pinFile;
    std::filesystem::path soPinFile;
    std::string label;
    static SoftHsmToken create(const std::string& name, const std::string& label);
    hc::hsm::Pkcs11Options options() const;
};

} // namespace hctest
