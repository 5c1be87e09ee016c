#include "hc/base/crypto/padding.hpp"

#include "hc/base/error.hpp"

namespace hc::crypto {

Bytes padIso9797Method2(ByteView data, std::size_t block) {
    if (block == 0) {
        throw InputError("ISO 9797-1 padding: the block size must not be 0");
    }
    Bytes out;
    out.reserve(data.size() + block);
    out.assign(data.begin(), data.end());
    out.push_back(0x80);
    while (out.size() % block != 0) {
        out.push_back(0x00);
    }
    return out;
}

Bytes unpadIso9797Method2(ByteView data, std::size_t block) {
    if (block == 0 || data.empty() || data.size() % block != 0) {
        throw InputError("ISO 9797-1 padding: the padded data is not a whole number of "
            + std::to_string(block) + "-byte blocks");
    }
    std::size_t i = data.size();
    while (i > 0 && data[i - 1] == 0x00 && data.size() - i < block) {
        --i;
    }
    if (i == 0 || data[i - 1] != 0x80 || data.size() - (i - 1) > block) {
        throw InputError("ISO 9797-1 padding: no 80 marker in the last block (method 2 padding "
                         "is malformed)");
    }
    return Bytes(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(i - 1));
}

} // namespace hc::crypto
