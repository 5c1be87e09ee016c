// Fuzz: hc::parseJson and every hc::JsonIn getter over arbitrary text. Accepted: a value or an
// hc::JsonFieldError naming a field; anything else (another exception, a crash) is a bug.
#include "hc/base/json_in.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {
void walk(const hc::JsonIn& in, int depth) {
    auto tryField = [](auto&& f) {
        try {
            f();
        } catch (const hc::JsonFieldError& e) {
            if (e.field().empty()) {
                __builtin_trap(); // every field error names its field
            }
        }
    };
    for (const auto& [key, value] : in.raw()) {
        const std::string_view name(key.data(), key.size());
        tryField([&] { (void)in.str(name, 16); });
        tryField([&] { (void)in.text(name, 16); });
        tryField([&] { (void)in.strOr(name, "x", 16); });
        tryField([&] { (void)in.integer(name, -1000, 1000); });
        tryField([&] { (void)in.boolean(name); });
        tryField([&] { (void)in.strings(name, 4, 8); });
        tryField([&] { (void)in.array(name, 4); });
        if (depth < 8) {
            tryField([&] { walk(in.object(name), depth + 1); });
            tryField([&] {
                for (const auto& o : in.objects(name, 4)) {
                    walk(o, depth + 1);
                }
            });
        }
    }
    tryField([&] { (void)in.need("missing"); });
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        const auto v = hc::parseJson(
            std::string_view(reinterpret_cast<const char*>(data), size), "input", { 4096, 16 });
        walk(hc::JsonIn(v, ""), 0);
    } catch (const hc::JsonFieldError&) { }
    return 0;
}
