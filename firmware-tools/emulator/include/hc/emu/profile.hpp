// Emulator profiles: named command sets (health card, SAM, e-purse, PSAM, blank card) that a card
// image switches on with  "extensions": { "profiles": ["health-card", ...] }.
//
// A profile registers itself from its own .cpp file with a static ProfileRegistrar; profile
// sources are compiled into the OBJECT library hc_emu_profiles, so the registrars are always
// linked into hcemu and into the tests that link that library.
#pragma once

#include "hc/emu/card_os.hpp"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace hc::emu {

/** Makes the handler of one profile for a card (it may read the image's extensions). */
using ProfileFactory = std::function<std::shared_ptr<CommandHandler>(CardOs& os)>;

/** Adds a profile under `name`. Called by ProfileRegistrar at static-initialisation time. */
void registerProfile(const std::string& name, ProfileFactory factory);
/** The names registered, sorted. */
std::vector<std::string> profileNames();
/** Installs on `os` every profile its image lists in extensions.profiles, in order. Throws
 * hc::InputError naming an unknown profile. */
void installProfiles(CardOs& os);
/** Makes the handler of profile `name` for `os` without installing it (for a profile that wraps
 * another, e.g. "blank-card" hands the issued card to "health-card"). Throws hc::InputError for
 * an unknown name. */
std::shared_ptr<CommandHandler> makeProfile(const std::string& name, CardOs& os);

/** Registers a profile when constructed: `static ProfileRegistrar r("psam", makePsam);`. */
struct ProfileRegistrar {
    ProfileRegistrar(const std::string& name, ProfileFactory factory) {
        registerProfile(name, std::move(factory));
    }
};

} // namespace hc::emu
