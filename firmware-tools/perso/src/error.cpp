#include "hc/perso/error.hpp"

namespace hc::perso {

std::string_view describe(PersoStage stage) {
    switch (stage) {
    case PersoStage::Open:
        return "open";
    case PersoStage::Keys:
        return "keys";
    case PersoStage::Files:
        return "files";
    case PersoStage::Data:
        return "data";
    case PersoStage::Pin:
        return "pin";
    case PersoStage::Lifecycle:
        return "lifecycle";
    case PersoStage::Verify:
        return "verify";
    }
    return "unknown";
}

PersoError::PersoError(PersoStage stage, std::string message, hc::NextStep next,
    std::optional<hc::card::StatusWord> sw, bool cardTouched)
    : hc::Error(
        "personalization stage " + std::string(describe(stage)) + ": " + std::move(message), next)
    , m_stage(stage)
    , m_sw(sw)
    , m_touched(cardTouched) {
}

} // namespace hc::perso
