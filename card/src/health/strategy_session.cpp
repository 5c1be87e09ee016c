// HealthCard's side of strategy.hpp: the strategy of the card's kind from the cache, the facts a
// refusal teaches, the extended-length decision from the ATR, and the report for --explain.
#include "hc/card/atr.hpp"
#include "hc/card/health/health_card.hpp"

#include <sstream>

namespace hc::card::health {

void HealthCard::loadStrategy() {
    if (m_strategyLoaded) {
        return;
    }
    m_strategyLoaded = true;
    m_kind = cardKind(m_channel.atr(), m_profile.diversifier);
    if (auto cached = m_cache.find(m_kind)) {
        m_strategy = std::move(*cached);
        m_fromCache = true;
    }
}

void HealthCard::learn(Fact CardStrategy::*fact, Known value, std::string why, bool refused) {
    loadStrategy();
    if (refused) {
        ++m_failedProbes;
    }
    Fact& f = m_strategy.*fact;
    if (f.value == value) {
        return;
    }
    f.value = value;
    f.why = std::move(why);
    m_fromCache = false;
    m_cache.store(m_kind, m_strategy);
}

bool HealthCard::extendedAllowed() {
    if (!m_extended) {
        if (!m_profile.extendedLength) {
            m_extended = false;
            m_extendedWhy = "the card profile says extended_length = false";
        } else {
            try {
                const Atr atr = Atr::parse(m_channel.atr());
                m_extended = atr.announcesExtendedLength();
                m_extendedWhy = *m_extended
                    ? "the ATR's card capabilities announce extended Lc/Le"
                    : "the ATR does not announce extended Lc/Le (no card capabilities with "
                      "byte 3 bit 7): short APDUs only";
            } catch (const hc::InputError& e) {
                m_extended = false;
                m_extendedWhy
                    = std::string("the ATR does not parse (") + e.what() + "): short APDUs only";
            }
        }
    }
    return *m_extended;
}

StrategyReport HealthCard::strategyReport() {
    loadStrategy();
    StrategyReport r;
    r.kind = m_kind;
    r.fromCache = m_fromCache;
    r.strategy = m_strategy;
    r.extendedLength = extendedAllowed();
    r.extendedWhy = m_extendedWhy;
    r.failedProbes = m_failedProbes;
    r.wrongLe = m_wrongLe;
    r.getResponses = m_getResponses;
    if (!m_profile.addressBySfi) {
        r.profileLimits.push_back("address_by_sfi = false: every EF is selected by FID");
    }
    if (!m_profile.bulkRead) {
        r.profileLimits.push_back("bulk_read = false: one record per READ RECORD");
    }
    return r;
}

namespace {
std::string line(
    const char* label, const Fact& f, const char* yes, const char* no, const char* unknown) {
    std::string s = std::string(label)
        + (f.value == Known::Yes       ? yes
                : f.value == Known::No ? no
                                       : unknown);
    if (!f.why.empty()) {
        s += " (" + f.why + ")";
    }
    return s + "\n";
}
} // namespace

std::string describe(const StrategyReport& r) {
    std::ostringstream o;
    o << "card kind:        " << r.kind << "\n";
    o << "strategy:         "
      << (r.fromCache ? "from the cache: learned from an earlier card of this kind"
                      : (r.failedProbes ? "learned from this card" : "defaults, nothing refused"))
      << ", " << r.failedProbes << " failed probe(s) on this card\n";
    const auto& s = r.strategy;
    o << line("EF addressing:    ", s.sfi, "short file identifiers (no SELECT per EF)",
        "SELECT the EF by FID, then the current EF", "short file identifiers (not yet tried)");
    o << line("record reads:     ", s.bulk, "all records from P1 in one READ RECORD (P2=05)",
        "one record per READ RECORD", "P2=05 (not yet tried)");
    o << line("DDF1/EF05:        ", s.recordIds,
        "by record identifier (P2=00, P1 = tag), as the public reference reads it",
        "by record number (P2=04)",
        "by record identifier when read one record at a time (not yet tried)");
    o << line("DF selection:     ", s.dfByName, "by name (AID from the card profile)", "by FID",
        "by FID");
    o << line("cardholder PIN:   ", s.pinLocal, "VERIFY P2=80 in DDF1 (DF-specific)",
        "VERIFY P2=00 (global)", "VERIFY P2=00 (not yet tried)");
    o << "APDU length:      " << (r.extendedLength ? "extended Le allowed" : "short only") << " ("
      << r.extendedWhy << ")\n";
    o << "T=0 dialogue:     " << r.wrongLe << " x 6Cxx answered (sent again with Le = xx), "
      << r.getResponses << " x GET RESPONSE after 61xx\n";
    for (const auto& l : r.profileLimits) {
        o << "card profile:     " << l << "\n";
    }
    return o.str();
}

} // namespace hc::card::health
