// STUB (first commit): the engine is not implemented yet; every call throws.
#include "hc/perso/personalizer.hpp"

namespace hc::perso {

namespace {
[[noreturn]] void notYet(const char* what) {
    throw hc::Error(
        std::string("hc_perso: ") + what + " is not implemented yet", hc::NextStep::CallStaff);
}
} // namespace

std::string_view describe(CardState state) {
    switch (state) {
    case CardState::Blank:
        return "blank";
    case CardState::Partial:
        return "partial";
    case CardState::Issued:
        return "issued";
    case CardState::Blocked:
        return "blocked";
    case CardState::Foreign:
        return "foreign";
    }
    return "unknown";
}

Personalizer::Personalizer(hc::hsm::Hsm& hsm, PersoProfile profile)
    : m_hsm(hsm)
    , m_profile(std::move(profile)) {
}

void Personalizer::checkInput(const PersoInput&) const {
    notYet("checkInput");
}
PersoResult Personalizer::personalize(hc::card::CardChannel&, const PersoInput&) {
    notYet("personalize");
}
std::vector<FieldMismatch> Personalizer::verify(
    hc::card::CardChannel&, const hc::card::health::HealthCardData&) {
    notYet("verify");
}
ChipInfo Personalizer::probe(hc::card::CardChannel&) {
    notYet("probe");
}
std::size_t Personalizer::blockApplication(hc::card::CardChannel&) {
    notYet("blockApplication");
}
std::size_t Personalizer::unblockApplication(hc::card::CardChannel&) {
    notYet("unblockApplication");
}
std::string Personalizer::resetPin(hc::card::CardChannel&, std::optional<std::string>) {
    notYet("resetPin");
}
std::vector<FieldMismatch> Personalizer::compare(
    const hc::card::health::HealthCardData&, const hc::card::health::HealthCardData&) {
    notYet("compare");
}

} // namespace hc::perso
