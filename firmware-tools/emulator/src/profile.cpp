#include "hc/emu/profile.hpp"

#include "hc/card/error.hpp"

#include <map>

namespace hc::emu {

namespace {
std::map<std::string, ProfileFactory>& registry() {
    static std::map<std::string, ProfileFactory> r;
    return r;
}
} // namespace

void registerProfile(const std::string& name, ProfileFactory factory) {
    registry()[name] = std::move(factory);
}

std::vector<std::string> profileNames() {
    std::vector<std::string> out;
    for (const auto& [name, _] : registry()) {
        out.push_back(name);
    }
    return out;
}

void installProfiles(CardOs& os) {
    const auto* list = os.image().extensions.if_contains("profiles");
    if (!list) {
        return;
    }
    if (!list->is_array()) {
        throw hc::InputError("card image: extensions.profiles: expected an array of names");
    }
    for (const auto& v : list->get_array()) {
        if (!v.is_string()) {
            throw hc::InputError("card image: extensions.profiles: expected names (strings)");
        }
        const std::string name(v.get_string());
        const auto it = registry().find(name);
        if (it == registry().end()) {
            std::string known;
            for (const auto& n : profileNames()) {
                known += (known.empty() ? "" : ", ") + n;
            }
            throw hc::InputError("card image: unknown profile \"" + name
                + "\" (this hcemu has: " + (known.empty() ? "none" : known) + ")");
        }
        os.addHandler(it->second(os));
    }
}

std::shared_ptr<CommandHandler> makeProfile(const std::string& name, CardOs& os) {
    const auto it = registry().find(name);
    if (it == registry().end()) {
        throw hc::InputError("emulator: unknown profile \"" + name + "\"");
    }
    return it->second(os);
}

} // namespace hc::emu
