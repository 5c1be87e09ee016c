#include "hc/settle/policy.hpp"

#include "hc/settle/error.hpp"

#include <algorithm>

namespace hc::settle {

namespace {

bool fieldMatches(const std::string& rule, const std::string& value) {
    return rule == "*" || rule == value;
}

// Σ over bands of |[from,to) ∩ band| × ratio, exact, in fen × basis points.
std::int64_t bandProduct(const std::vector<Band>& bands, Fen from, Fen to, BasisPoints boost) {
    std::int64_t sum = 0;
    Fen lower = 0;
    for (const auto& band : bands) {
        const Fen upper = band.upTo == 0 ? kMaxFen * 4 : band.upTo;
        const Fen a = std::max(lower, from);
        const Fen b = std::min(upper, to);
        if (b > a) {
            const auto ratio = std::min<BasisPoints>(kFullRatio, band.ratio + boost);
            sum += (b - a) * static_cast<std::int64_t>(ratio);
        }
        lower = upper;
        if (lower >= to) {
            break;
        }
    }
    return sum;
}

BasisPoints bandRatioAt(const std::vector<Band>& bands, Fen position) {
    for (const auto& band : bands) {
        if (band.upTo == 0 || position < band.upTo) {
            return band.ratio;
        }
    }
    return bands.empty() ? 0 : bands.back().ratio;
}

Fen capRemaining(Fen cap, Fen used) {
    return cap == 0 ? kMaxFen * 4 : std::max<Fen>(0, cap - used);
}

bool contains(const std::vector<std::string>& list, const std::string& value) {
    return std::find(list.begin(), list.end(), value) != list.end();
}

} // namespace

std::optional<ItemClass> parseItemClass(std::string_view text) {
    if (text == "A" || text == "甲" || text == "01") {
        return ItemClass::A;
    }
    if (text == "B" || text == "乙" || text == "02") {
        return ItemClass::B;
    }
    if (text == "C" || text == "丙" || text == "03") {
        return ItemClass::C;
    }
    return std::nullopt;
}

const BenefitRule* RuleTable::match(const PolicyKey& key) const {
    for (const auto& rule : rules) {
        if (fieldMatches(rule.psnType, key.psnType) && fieldMatches(rule.hospLv, key.hospLv)
            && fieldMatches(rule.medType, key.medType)) {
            return &rule;
        }
    }
    return nullptr;
}

LineSplit splitLine(const FeeItem& item, BasisPoints defaultSelfpayRatio) {
    LineSplit line;
    if (item.cls == ItemClass::C) {
        line.fulamtOwnpay = item.amount;
        return line;
    }
    Fen within = item.amount;
    if (item.priceCap > 0) {
        const Fen capAmount = (item.priceCap * item.qtyMilli + 500) / 1000;
        line.overlmt = std::max<Fen>(0, item.amount - capAmount);
        within = item.amount - line.overlmt;
    }
    if (item.cls == ItemClass::B) {
        line.preselfpay = applyRatio(within, item.selfpayRatio.value_or(defaultSelfpayRatio));
    }
    line.inscp = within - line.preselfpay;
    return line;
}

SettlementSplit computeSettlement(
    const RuleTable& table, const ClaimInput& claim, const RunningTotals& totals) {
    const BenefitRule* rule = table.match(claim.key);
    if (rule == nullptr) {
        throw InputError("psn_type/hosp_lv/med_type",
            "no rule in table " + table.id + " v" + table.version + " for person type '"
                + claim.key.psnType + "', hospital level '" + claim.key.hospLv + "', visit type '"
                + claim.key.medType + "'");
    }
    if (claim.items.size() > 2000) {
        throw InputError("items", "more than 2000 fee lines");
    }

    SettlementSplit out;
    out.ruleTable = table.id;
    out.ruleVersion = table.version;
    out.lines.reserve(claim.items.size());

    // Line level.
    for (std::size_t i = 0; i < claim.items.size(); ++i) {
        const auto& item = claim.items[i];
        const auto field = "items[" + std::to_string(i) + "]";
        if (item.amount < 0 || item.amount > kMaxFen) {
            throw InputError(field + ".amount", "out of range");
        }
        if (item.qtyMilli <= 0 || item.qtyMilli > 10'000'000) {
            throw InputError(field + ".qty_milli", "must be 1..10000000");
        }
        if (item.priceCap < 0 || item.priceCap > 1'000'000'000) {
            throw InputError(field + ".price_cap", "out of range");
        }
        const LineSplit line = splitLine(item, table.defaultSelfpayRatio);
        out.medfeeSumamt += item.amount;
        out.fulamtOwnpayAmt += line.fulamtOwnpay;
        out.overlmtSelfpay += line.overlmt;
        out.preselfpayAmt += line.preselfpay;
        out.inscpScpAmt += line.inscp;
        out.lines.push_back(line);
    }

    RunningTotals after = totals;
    const Fen inscp = out.inscpScpAmt;

    // 1. Deductible.
    Fen dedcLeft = rule->deductible;
    if (rule->per == DeductiblePer::Year) {
        dedcLeft = std::max<Fen>(0, rule->deductible - totals.dedcPaid);
    }
    out.actPayDedc = std::min(dedcLeft, inscp);
    if (rule->per == DeductiblePer::Year) {
        after.dedcPaid += out.actPayDedc;
    }

    // 2. Pooled fund on [deductible, inscp) of the band axis, then the annual cap.
    const Fen bandFrom = rule->per == DeductiblePer::Year ? out.actPayDedc : rule->deductible;
    Fen hifp = 0;
    if (inscp > bandFrom) {
        hifp = roundBpProduct(bandProduct(rule->bands, bandFrom, inscp, 0));
        out.poolPropSelfpay = kFullRatio - bandRatioAt(rule->bands, inscp - 1);
    } else {
        out.poolPropSelfpay = kFullRatio;
    }
    hifp = std::min(hifp, capRemaining(rule->annualCap, totals.hifpPaid));
    out.hifpPay = hifp;
    after.hifpPaid += hifp;

    // 3. Serious-illness tier on the yearly policy-scope self-pay above its deductible.
    const Fen scopeSelfpay = inscp - hifp;
    if (table.seriousIllness) {
        const auto& si = *table.seriousIllness;
        const BasisPoints boost = contains(si.boostPsnTypes, claim.key.psnType) ? si.boostRatio : 0;
        const Fen from = std::max(totals.seriousBase, si.deductible);
        const Fen to = totals.seriousBase + scopeSelfpay;
        Fen hifmi = 0;
        if (to > from) {
            hifmi = roundBpProduct(bandProduct(si.bands, from, to, boost));
        }
        hifmi = std::min({ hifmi, scopeSelfpay, capRemaining(si.annualCap, totals.hifmiPaid) });
        out.hifmiPay = hifmi;
        after.hifmiPaid += hifmi;
    }
    after.seriousBase += scopeSelfpay;

    // 4. Medical assistance on what remains of the policy-scope burden.
    if (table.assistance && contains(table.assistance->psnTypes, claim.key.psnType)) {
        const auto& aid = *table.assistance;
        const Fen base = scopeSelfpay - out.hifmiPay;
        out.mafPay
            = std::min(applyRatio(base, aid.ratio), capRemaining(aid.annualCap, totals.mafPaid));
        after.mafPaid += out.mafPay;
    }

    // 5. Totals; the patient's cash share takes the rounding remainder.
    out.fundPaySumamt = out.hifpPay + out.hifmiPay + out.mafPay;
    out.psnPartAmt = out.medfeeSumamt - out.fundPaySumamt - out.hospPartAmt;
    out.acctPay = claim.useAccount ? std::clamp<Fen>(claim.accountBalance, 0, out.psnPartAmt) : 0;
    out.psnCashPay = out.psnPartAmt - out.acctPay;
    out.totalsAfter = after;
    return out;
}

void PolicyLibrary::add(RuleTable table) {
    for (const auto& t : m_tables) {
        if (t.id == table.id && t.version == table.version) {
            throw InputError(
                "id", "rule table " + table.id + " version " + table.version + " loaded twice");
        }
    }
    m_tables.push_back(std::move(table));
}

void PolicyLibrary::loadDirectory(const std::filesystem::path& dir) {
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (entry.is_regular_file() && entry.path().extension() == ".json") {
            files.push_back(entry.path());
        }
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
        add(loadRuleTable(f));
    }
}

const RuleTable& PolicyLibrary::find(const PolicyKey& key, const std::string& version) const {
    const RuleTable* best = nullptr;
    for (const auto& t : m_tables) {
        if (t.region != key.region || t.year != key.year || t.insutype != key.insutype) {
            continue;
        }
        if (t.match(key) == nullptr) {
            continue;
        }
        if (!version.empty()) {
            if (t.version == version) {
                return t;
            }
            continue;
        }
        if (best == nullptr || best->version < t.version) {
            best = &t;
        }
    }
    if (best == nullptr) {
        throw InputError("region/year/insutype",
            "no rule table for region " + key.region + ", year " + std::to_string(key.year)
                + ", insutype " + key.insutype
                + (version.empty() ? std::string() : ", version " + version));
    }
    return *best;
}

const RuleTable& PolicyLibrary::findInForce(
    const PolicyKey& key, const std::string& version) const {
    int year = 0;
    for (const auto& t : m_tables) {
        if (t.region == key.region && t.insutype == key.insutype && t.year <= key.year
            && t.year > year && t.match(key) != nullptr) {
            year = t.year;
        }
    }
    auto k = key;
    k.year = year == 0 ? key.year : year;
    return find(k, version);
}

} // namespace hc::settle
