// Test helpers for the e-purse tests: the fixed clock every transcript and TAC vector assumes,
// and the development issuer of the sample images.
#pragma once

#include "hc/card/epurse/purse_client.hpp"

#include <filesystem>
#include <string>

namespace hc::testing {

/** Purse options with the clock fixed at 2026-11-23 12:00:00. */
inline hc::card::epurse::PurseClientOptions fixedClock() {
    hc::card::epurse::PurseClientOptions o;
    o.clock = [] { return hc::card::epurse::TransactionTime::parse("20261123120000"); };
    return o;
}

/** The software issuer with the images' development keys (purse-issuer-dev-keys.json). */
inline hc::card::epurse::SoftwareIssuer devIssuer(const std::filesystem::path& images) {
    return hc::card::epurse::SoftwareIssuer(
        hc::card::epurse::loadIssuerKeys(images / "purse-issuer-dev-keys.json"));
}

} // namespace hc::testing
