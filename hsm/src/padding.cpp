#include "hc/hsm/padding.hpp"

#include "hc/base/crypto/padding.hpp"
#include "hc/hsm/error.hpp"

namespace hc::hsm {

Bytes padIso9797Method2(ByteView data, std::size_t block) {
    return crypto::padIso9797Method2(data, block);
}

Bytes unpadIso9797Method2(ByteView data, std::size_t block) {
    try {
        return crypto::unpadIso9797Method2(data, block);
    } catch (const hc::InputError& e) {
        throw InvalidArgumentError(e.what());
    }
}

} // namespace hc::hsm
