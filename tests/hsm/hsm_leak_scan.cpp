// Runs after the other hsm tests (ctest DEPENDS): searches every file they wrote under the
// artifacts directory (audit logs, hsm-tool output, key stores, SoftHSM2 token files, traces)
// for the clear keys the suite used, as hex text (either case) and as raw bytes. None may appear.
#include <doctest/doctest.h>

#include <algorithm>

#include "hsm_test_support.hpp"

namespace fs = std::filesystem;
using namespace hctest;

TEST_CASE("no log, trace or store written by the suite contains a clear key")
{
    const std::vector<std::string> clearKeys = {
        "11223344556677888877665544332211", // PBOC vector MK / DLK / DPK
        "0123456789ABCDEFFEDCBA9876543210", // SM4 vector key
        "5CF67455E06E58CA9F4183DA7064A2D2", // derived 3DES card key
        "D8EED4570A5798FF296C40FC246EFFBD", // derived SM4 card key
        "9B1D924E05595603",                 // SESLK
        "003238ABC57659DD",                 // SESPK
        "0F1E2D3C4B5A69788796A5B4C3D2E1F0", // test transport key
        "404142434445464748494A4B4C4D4E4F", // cross-backend master
        "1F1E1D1C1B1A19181716151413121110", // cross-backend transport
        "A1B2C3D4E5F60718293A4B5C6D7E8F90", // hsm-tool ceremony key
        "0A1B2C3D4E5F60718293A4B5C6D7E8F9", // hsm-tool component 2
        "ABA9EFE9ABA96769ABA9EFE9ABA96769", // hsm-tool combined key
    };
    fs::path root(HC_HSM_ARTIFACTS_DIR);
    REQUIRE(fs::exists(root));
    std::size_t files = 0;
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
        if (!entry.is_regular_file()) {
            continue;
        }
        ++files;
        std::string content = readFile(entry.path());
        std::string upper = content;
        std::transform(upper.begin(), upper.end(), upper.begin(),
                       [](char c) { return static_cast<char>(std::toupper(static_cast<unsigned char>(c))); });
        for (const auto& k : clearKeys) {
            INFO("file: " << entry.path().string());
            CHECK(upper.find(k) == std::string::npos);
            Bytes raw = hc::hsm::fromHex(k);
            CHECK(content.find(std::string(raw.begin(), raw.end())) == std::string::npos);
        }
    }
    MESSAGE("scanned " << files << " files");
    CHECK(files > 5);
}
