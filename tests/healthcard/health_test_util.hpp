// Shared helpers of the health-card integration tests and the benchmark.
#pragma once

#include "hc/card/health/sam.hpp"
#include "hc/card/t0_channel.hpp"
#include "hc/pcsc.hpp"
#include "hc/testing/pcsc_stack.hpp"

#include <memory>
#include <string>

namespace hc::healthtest {

/** The software SAM with the test master keys of firmware-tools/images/resident-keys.json. */
inline std::unique_ptr<hc::card::health::SoftwareSam> testSam() {
    return hc::card::health::SoftwareSam::fromJson(
        hc::testing::readFile(hc::testing::sourcePath("firmware-tools/images/resident-keys.json")));
}

/** A PC/SC channel to the card in `reader`, with the T=0 layer. */
inline hc::card::CardChannelPtr connect(const std::string& reader = hc::testing::kReader0) {
    return std::make_unique<hc::card::T0Channel>(std::make_unique<hc::pcsc::PcscCard>(reader));
}

} // namespace hc::healthtest
