// Fuzz: the issuer's resident lists (CSV, then validation into accepted rows and rejects), the
// JSON batch form, and the blocklist a terminal loads (both forms). Every input must either parse
// or throw hc::InputError; nothing else may escape, and nothing may read out of bounds.
#include "hc/card/error.hpp"
#include "hc/issuance/batch_input.hpp"
#include "hc/issuance/blocklist.hpp"
#include "hc/issuance/csv.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        const auto rows = hc::issuance::readCsvRows(text);
        const auto batch = hc::issuance::validateBatch(rows);
        if (batch.accepted.size() + batch.rowsRejected != batch.rowsRead) {
            __builtin_trap();
        }
    } catch (const hc::InputError&) { }
    try {
        hc::issuance::validateBatch(hc::issuance::readJsonRows(text));
    } catch (const hc::InputError&) { }
    try {
        const auto bl = hc::issuance::Blocklist::parse(text);
        (void)bl.isBlocked("110100000000000017");
    } catch (const hc::InputError&) { }
    return 0;
}
