// Fuzz target: the encrypted key-store file parser (header) and the decrypted-contents parser.
// Must never crash or read out of bounds; malformed input throws hc::hsm::KeyStoreError.
#include <cstddef>
#include <cstdint>

#include "hc/hsm/error.hpp"
#include "hc/hsm/key_store_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    hc::hsm::ByteView input(data, size);
    try {
        (void)hc::hsm::parseKeyStoreHeader(input);
    } catch (const hc::hsm::Error&) {
    }
    try {
        auto keys = hc::hsm::parseKeyStorePlaintext(input);
        for (const auto& k : keys) {
            hc::hsm::checkKeyLength(k.algorithm, k.value.size());
        }
    } catch (const hc::hsm::Error&) {
    }
    return 0;
}
