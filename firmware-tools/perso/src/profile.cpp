// STUB (first commit): the profile loader is not implemented yet.
#include "hc/perso/profile.hpp"

#include "hc/card/error.hpp"

namespace hc::perso {

namespace {
[[noreturn]] void notYet(const char* what) {
    throw hc::Error(
        std::string("hc_perso: ") + what + " is not implemented yet", hc::NextStep::CallStaff);
}
} // namespace

std::string_view describe(KeyRole role) {
    switch (role) {
    case KeyRole::Read:
        return "read";
    case KeyRole::Update:
        return "update";
    case KeyRole::Transmission:
        return "transmission";
    }
    return "unknown";
}

PersoProfile PersoProfile::defaultProfile() {
    notYet("PersoProfile::defaultProfile");
}
PersoProfile PersoProfile::fromJson(std::string_view) {
    notYet("PersoProfile::fromJson");
}
PersoProfile PersoProfile::load(const std::filesystem::path&) {
    notYet("PersoProfile::load");
}
std::string PersoProfile::toJson() const {
    notYet("PersoProfile::toJson");
}
hc::hsm::KeyRef PersoProfile::masterRef(std::uint16_t) const {
    notYet("PersoProfile::masterRef");
}
const DfKeys* PersoProfile::keysOf(const std::string&) const {
    notYet("PersoProfile::keysOf");
}
void PersoProfile::validate() const {
    notYet("PersoProfile::validate");
}

} // namespace hc::perso
