#include "hc/dispenser/status.hpp"

#include "hc/dispenser/error.hpp"

#include <array>

namespace hc::dispenser {

std::string_view describe(CardPosition p) {
    switch (p) {
    case CardPosition::None:
        return "none";
    case CardPosition::IcPosition:
        return "ic";
    case CardPosition::Gate:
        return "gate";
    }
    return "none";
}

std::string_view describe(DispenserProblem p) {
    switch (p) {
    case DispenserProblem::Empty:
        return "stack empty";
    case DispenserProblem::BinFull:
        return "reject bin full";
    case DispenserProblem::Jam:
        return "jam";
    case DispenserProblem::CardInTransport:
        return "card in transport";
    }
    return "jam";
}

std::string_view describe(DispenserFault f) {
    switch (f) {
    case DispenserFault::Empty:
        return "empty";
    case DispenserFault::Jam:
        return "jam";
    case DispenserFault::BinFull:
        return "bin full";
    case DispenserFault::NoCard:
        return "no card";
    case DispenserFault::Busy:
        return "busy";
    case DispenserFault::Rejected:
        return "rejected";
    }
    return "rejected";
}

std::optional<DispenserProblem> DispenserStatus::problem() const {
    if (jam) {
        return DispenserProblem::Jam;
    }
    if (position != CardPosition::None) {
        return DispenserProblem::CardInTransport;
    }
    if (empty()) {
        return DispenserProblem::Empty;
    }
    if (binFull) {
        // A spoiled card could not be captured: do not start an issuance.
        return DispenserProblem::BinFull;
    }
    return std::nullopt;
}

std::string formatStatus(const DispenserStatus& s) {
    const char pos = s.position == CardPosition::IcPosition ? 'I'
        : s.position == CardPosition::Gate                  ? 'G'
                                                            : 'N';
    return "S=" + std::to_string(s.stock) + " L=" + (s.low ? "1" : "0")
        + " B=" + std::to_string(s.binCount) + " F=" + (s.binFull ? "1" : "0") + " P=" + pos
        + " J=" + (s.jam ? "1" : "0");
}

namespace {

std::uint32_t number(std::string_view key, std::string_view v) {
    if (v.empty() || v.size() > 5) {
        throw DispenserProtocolError(
            "dispenser reply: " + std::string(key) + " must be 0..99999 (1 to 5 digits)");
    }
    std::uint32_t n = 0;
    for (const char c : v) {
        if (c < '0' || c > '9') {
            throw DispenserProtocolError(
                "dispenser reply: " + std::string(key) + " is not a decimal number");
        }
        n = n * 10 + static_cast<std::uint32_t>(c - '0');
    }
    return n;
}

bool flag(std::string_view key, std::string_view v) {
    if (v != "0" && v != "1") {
        throw DispenserProtocolError("dispenser reply: " + std::string(key) + " must be 0 or 1");
    }
    return v == "1";
}

} // namespace

DispenserStatus parseStatus(std::string_view text) {
    DispenserStatus s;
    std::array<bool, 6> seen {};
    constexpr std::string_view keys = "SLBFPJ";
    std::size_t tokens = 0;
    std::size_t pos = 0;
    while (pos <= text.size()) {
        const auto end = std::min(text.find(' ', pos), text.size());
        const auto tok = text.substr(pos, end - pos);
        if (++tokens > 16) {
            throw DispenserProtocolError("dispenser reply: more than 16 status tokens");
        }
        const auto eq = tok.find('=');
        if (tok.empty() || eq == std::string_view::npos || eq == 0 || eq > 16) {
            throw DispenserProtocolError(
                "dispenser reply: status token " + std::to_string(tokens) + " is not KEY=VALUE");
        }
        const auto key = tok.substr(0, eq);
        const auto value = tok.substr(eq + 1);
        for (const char c : key) {
            if (c < 'A' || c > 'Z') {
                throw DispenserProtocolError("dispenser reply: status token "
                    + std::to_string(tokens) + " has a key that is not upper-case letters");
            }
        }
        const auto k = key.size() == 1 ? keys.find(key[0]) : std::string_view::npos;
        if (k != std::string_view::npos) {
            if (seen[k]) {
                throw DispenserProtocolError(
                    "dispenser reply: status key " + std::string(key) + " given twice");
            }
            seen[k] = true;
            switch (key[0]) {
            case 'S':
                s.stock = number(key, value);
                break;
            case 'L':
                s.low = flag(key, value);
                break;
            case 'B':
                s.binCount = number(key, value);
                break;
            case 'F':
                s.binFull = flag(key, value);
                break;
            case 'J':
                s.jam = flag(key, value);
                break;
            default: // 'P'
                if (value == "N") {
                    s.position = CardPosition::None;
                } else if (value == "I") {
                    s.position = CardPosition::IcPosition;
                } else if (value == "G") {
                    s.position = CardPosition::Gate;
                } else {
                    throw DispenserProtocolError("dispenser reply: P must be N, I or G");
                }
            }
        } else if (value.empty() || value.size() > 200) {
            throw DispenserProtocolError(
                "dispenser reply: value of " + std::string(key) + " is empty or too long");
        }
        pos = end + 1;
    }
    for (std::size_t i = 0; i < seen.size(); ++i) {
        if (!seen[i]) {
            throw DispenserProtocolError(
                "dispenser reply: status key " + std::string(1, keys[i]) + " missing");
        }
    }
    return s;
}

} // namespace hc::dispenser
