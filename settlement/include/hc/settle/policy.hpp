// Policy engine: the reimbursement waterfall driven by versioned rule tables (JSON data files).
// It is the estimator in offline mode and the engine inside center-sim.
// Thread-safety: RuleTable and PolicyLibrary are immutable after loading; compute() is pure.
//
// Rounding (all money in integer fen):
//  - line level: 先行自付 = (amount within the price cap) × item ratio, rounded half-up per line;
//  - each fund tier (统筹 hifp, 大病 hifmi, 救助 maf) sums its band segments exactly as
//    fen×basis-points and rounds once, half-up, to the fen; caps are applied after rounding;
//  - the patient's cash share is the remainder, so medfee = fund + acct + cash + hosp exactly.
#pragma once

#include "hc/settle/money.hpp"

#include <boost/json/value.hpp>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hc::settle {

/** Catalog class of a fee item: 甲 (A, fully in scope), 乙 (B, 先行自付 first), 丙 (C, out). */
enum class ItemClass { A, B, C };

/** Parse "A"/"B"/"C", "甲"/"乙"/"丙" or the national chrgitm_lv codes "01"/"02"/"03". */
std::optional<ItemClass> parseItemClass(std::string_view text);

/** One fee line of a claim. */
struct FeeItem {
    std::string code; ///< catalog code of the item
    ItemClass cls = ItemClass::C; ///< catalog class (chrgitm_lv)
    Fen amount = 0; ///< det_item_fee_sumamt, line total in fen
    std::int64_t qtyMilli = 1000; ///< quantity × 1000
    Fen priceCap = 0; ///< pric_uplmt_amt per unit in fen; 0 = no cap
    std::optional<BasisPoints> selfpayRatio; ///< selfpay_prop for 乙 items; table default if empty
};

/** Selects the rule row: region, year, insurance type, person type, hospital level, visit type. */
struct PolicyKey {
    std::string region; ///< admdvs, e.g. "511800"
    int year = 0; ///< settlement year
    std::string insutype; ///< e.g. "390" resident / NCMS
    std::string psnType; ///< person type, e.g. "general", "dibao", "tekun"
    std::string hospLv; ///< hospital level, e.g. "township", "county"
    std::string medType; ///< visit type, e.g. "inpatient", "outpatient"
};

/** Per-person yearly running totals (5206), in fen. */
struct RunningTotals {
    Fen dedcPaid = 0; ///< deductible already charged this year (per-year tables)
    Fen hifpPaid = 0; ///< pooled fund paid this year (annual cap)
    Fen seriousBase = 0; ///< policy-scope self-pay accumulated this year (大病 base)
    Fen hifmiPaid = 0; ///< serious-illness insurance paid this year
    Fen mafPaid = 0; ///< medical assistance paid this year
    friend bool operator==(const RunningTotals&, const RunningTotals&) = default;
};

/** A claim to compute. */
struct ClaimInput {
    PolicyKey key; ///< which rule row applies
    std::vector<FeeItem> items; ///< fee lines (at most 2000)
    bool useAccount = false; ///< acct_used_flag
    Fen accountBalance = 0; ///< personal account balance available
};

/** The line-level split of one item. */
struct LineSplit {
    Fen fulamtOwnpay = 0; ///< 全自费 (丙类)
    Fen overlmt = 0; ///< 超限价 part
    Fen preselfpay = 0; ///< 先行自付 (乙类)
    Fen inscp = 0; ///< 符合政策范围
};

/** The claim-level result, field names after the 2207 setlinfo model. */
struct SettlementSplit {
    Fen medfeeSumamt = 0; ///< medfee_sumamt
    Fen fulamtOwnpayAmt = 0; ///< fulamt_ownpay_amt
    Fen overlmtSelfpay = 0; ///< overlmt_selfpay
    Fen preselfpayAmt = 0; ///< preselfpay_amt
    Fen inscpScpAmt = 0; ///< inscp_scp_amt
    Fen actPayDedc = 0; ///< act_pay_dedc
    Fen hifpPay = 0; ///< hifp_pay, pooled fund
    BasisPoints poolPropSelfpay = 0; ///< pool_prop_selfpay of the top band reached
    Fen hifmiPay = 0; ///< hifmi_pay, serious-illness insurance
    Fen mafPay = 0; ///< maf_pay, medical assistance
    Fen fundPaySumamt = 0; ///< fund_pay_sumamt
    Fen psnPartAmt = 0; ///< psn_part_amt
    Fen acctPay = 0; ///< acct_pay
    Fen psnCashPay = 0; ///< psn_cash_pay
    Fen hospPartAmt = 0; ///< hosp_part_amt (always 0 in the shipped tables)
    std::string ruleTable; ///< id of the table used
    std::string ruleVersion; ///< version of the table used
    std::vector<LineSplit> lines; ///< per-item split in input order
    RunningTotals totalsAfter; ///< running totals after this claim
};

/** A rate band on an amount axis: [from, upTo) at `ratio`; upTo = 0 means open-ended. */
struct Band {
    Fen upTo = 0; ///< exclusive upper bound in fen, 0 = no bound
    BasisPoints ratio = 0; ///< rate paid for the part of the amount inside the band
};

/** How a deductible is counted. */
enum class DeductiblePer { Admission, Year };

/** One benefit row, matched by person type, hospital level and visit type ("*" = any). */
struct BenefitRule {
    std::string psnType = "*"; ///< person type or "*"
    std::string hospLv = "*"; ///< hospital level or "*"
    std::string medType = "*"; ///< visit type or "*"
    Fen deductible = 0; ///< 起付线
    DeductiblePer per = DeductiblePer::Admission; ///< per admission or per year
    std::vector<Band> bands; ///< on the claim's policy-scope amount; flat = one open band
    Fen annualCap = 0; ///< 封顶线 for hifp per year; 0 = none
};

/** 大病 second tier: banded on the yearly policy-scope self-pay above its deductible. */
struct SeriousIllnessRule {
    Fen deductible = 0; ///< yearly 大病 起付线
    std::vector<Band> bands; ///< on the cumulative base, positioned from 0
    Fen annualCap = 0; ///< 0 = none
    std::vector<std::string> boostPsnTypes; ///< e.g. dibao, tekun: rate raised by boostRatio
    BasisPoints boostRatio = 0; ///< added to every band for boostPsnTypes
};

/** 医疗救助: a ratio of the policy-scope burden left, for eligible person types. */
struct AssistanceRule {
    std::vector<std::string> psnTypes; ///< eligible person types
    BasisPoints ratio = 0; ///< share of what remains
    Fen annualCap = 0; ///< 0 = none
};

/** A versioned rule table for one region, year and insurance type. */
struct RuleTable {
    std::string id; ///< stable id, e.g. "yaan-ncms-inpatient"
    std::string version; ///< version string; a change of numbers is a new version
    std::string region; ///< admdvs
    int year = 0; ///< policy year
    std::string insutype; ///< insurance type
    std::string description; ///< human description and source
    BasisPoints defaultSelfpayRatio = 0; ///< 先行自付 for 乙 items without their own ratio
    std::vector<BenefitRule> rules; ///< first match wins
    std::optional<SeriousIllnessRule> seriousIllness; ///< second tier, if any
    std::optional<AssistanceRule> assistance; ///< assistance, if any

    /** The first rule matching the key; nullptr if none. */
    const BenefitRule* match(const PolicyKey& key) const;
};

/** Load a rule table from parsed JSON; throws InputError naming the bad field. */
RuleTable ruleTableFromJson(const boost::json::value& json);
/** Load a rule table from a JSON file; throws InputError naming the file and field. */
RuleTable loadRuleTable(const std::filesystem::path& file);

/** The line-level split of one item (全自费, 超限价, 先行自付 with the item's ratio or
 *  `defaultSelfpayRatio`, 符合政策范围); amounts and quantity must be in range. */
LineSplit splitLine(const FeeItem& item, BasisPoints defaultSelfpayRatio);

/** Compute the waterfall for one claim with the person's running totals. Throws InputError
 *  when no rule row matches the key or the claim is malformed. */
SettlementSplit computeSettlement(
    const RuleTable& table, const ClaimInput& claim, const RunningTotals& totals);

/** The policy tables known to a process, by (region, year, insutype), several versions each. */
class PolicyLibrary {
public:
    /** Add a table; a second table with the same id and version is refused. */
    void add(RuleTable table);
    /** Load every *.json in a directory. */
    void loadDirectory(const std::filesystem::path& dir);
    /** The newest version (by string order of `version`) for the key, or the exact version
     *  when `version` is non-empty; throws InputError when none. */
    const RuleTable& find(const PolicyKey& key, const std::string& version = {}) const;
    /** The table in force in `key.year`: the newest year <= key.year that has a table for
     *  (region, insutype) matching the key (a table stays in force until a newer one). Throws
     *  InputError when none. */
    const RuleTable& findInForce(const PolicyKey& key, const std::string& version = {}) const;
    /** Number of tables loaded. */
    std::size_t size() const noexcept { return m_tables.size(); }

private:
    std::vector<RuleTable> m_tables;
};

/** Parse a claim from terminal/center JSON: {key fields, items:[{code, class, amount_fen|
 *  det_item_fee_sumamt, qty_milli, price_cap_fen, selfpay_pct}]}; errors name the field. */
ClaimInput claimFromJson(const boost::json::value& json);

/** The split as JSON (setlinfo field names, amounts as yuan strings). */
boost::json::value splitToJson(const SettlementSplit& split);

/** Parse a split back from setlinfo JSON (center replies); errors name the field. */
SettlementSplit splitFromJson(const boost::json::value& json);

} // namespace hc::settle
