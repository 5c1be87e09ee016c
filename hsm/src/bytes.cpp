#include "hc/hsm/bytes.hpp"

#include "hc/hsm/error.hpp"

namespace hc::hsm {

Bytes fromHex(std::string_view text) {
    try {
        return hc::fromHex(text);
    } catch (const hc::InputError& e) {
        throw InvalidArgumentError(std::string(e.what()) + ": correct the input");
    }
}

} // namespace hc::hsm
