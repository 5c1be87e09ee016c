#include "hc/hsm/padding.hpp"

#include "hc/hsm/error.hpp"

namespace hc::hsm {

Bytes padIso9797Method2(ByteView data, std::size_t block)
{
    Bytes out(data.begin(), data.end());
    out.push_back(0x80);
    while (out.size() % block != 0) {
        out.push_back(0x00);
    }
    return out;
}

Bytes unpadIso9797Method2(ByteView data, std::size_t block)
{
    if (data.empty() || data.size() % block != 0) {
        throw InvalidArgumentError("padded data is not a whole number of blocks");
    }
    std::size_t i = data.size();
    while (i > 0 && data[i - 1] == 0x00 && data.size() - i < block) {
        --i;
    }
    if (i == 0 || data[i - 1] != 0x80 || data.size() - (i - 1) > block) {
        throw InvalidArgumentError("ISO 9797-1 method 2 padding is malformed");
    }
    return Bytes(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(i - 1));
}

} // namespace hc::hsm
