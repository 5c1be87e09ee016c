#include "hc/kiosk/core/register_card_issuer.hpp"

#include "hc/issuance/batch_input.hpp"

#include <ctime>
#include <map>

namespace hc::kiosk::core {

namespace iss = hc::issuance;

namespace {

std::string fieldText(const std::string& field) {
    static const std::map<std::string, std::string> names { { "id_number", "身份证号" },
        { "name", "姓名" }, { "sex", "性别" }, { "ethnicity", "民族" },
        { "birth_date", "出生日期" }, { "phone", "电话" }, { "address", "地址" } };
    const auto it = names.find(field);
    return it == names.end() ? "资料" : it->second;
}

std::string ruleText(const std::string& field, const std::string& rule) {
    if (rule.find("active") != std::string::npos) {
        return "已持有有效的居民健康卡";
    }
    if (field == "id_number") {
        return "身份证号不符合 GB 11643";
    }
    if (field == "birth_date") {
        return "出生日期与身份证号不一致";
    }
    if (field == "sex") {
        return "性别与身份证号不一致";
    }
    if (field == "ethnicity") {
        return "缺少民族代码（GB 3304）";
    }
    if (field == "name") {
        return "姓名为空或超长";
    }
    return "不符合办卡规则（" + rule + "）";
}

std::string chinaToday() {
    const std::time_t now = std::time(nullptr) + 8 * 3600;
    std::tm tm {};
    gmtime_r(&now, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y%m%d", &tm);
    return buf;
}

} // namespace

RegisterCardIssuer::RegisterCardIssuer(
    iss::IssuanceRegister& reg, iss::CardWriter& writer, RegisterCardIssuerOptions options)
    : m_reg(reg)
    , m_writer(writer)
    , m_options(std::move(options)) {
    if (m_options.reader.empty()) {
        throw hc::InputError("card issuance: the blank-card reader is not configured");
    }
    if (m_options.issuer.pinPolicy.rfind("fixed:", 0) != 0
        && m_options.issuer.pinPolicy != "id-last6") {
        throw hc::InputError("card issuance: PIN policy '" + m_options.issuer.pinPolicy
            + "' cannot show the PIN at the kiosk (use fixed:DIGITS or id-last6)");
    }
}

iss::ResidentRecord RegisterCardIssuer::record(
    const IssuanceApplicant& who, std::vector<IssuanceReject>* rejects) {
    iss::InputRow row;
    row.row = 1;
    std::string birth;
    for (const char c : who.birthDate) {
        if (c != '-') {
            birth.push_back(c);
        }
    }
    const int eth = who.ethnicity != 0 ? who.ethnicity : m_options.defaultEthnicity;
    row.fields = { { "id_number", who.idNumber }, { "name", who.name },
        { "sex", who.gender == "male" ? "1" : (who.gender == "female" ? "2" : "0") },
        { "ethnicity", eth == 0 ? std::string() : std::to_string(eth) }, { "birth_date", birth },
        { "phone", "" }, { "address", "" } };
    const auto batch = iss::validateBatch(
        { row }, [this](const std::string& id) { return m_reg.activeCardOf(id); });
    for (const auto& r : batch.rejects) {
        rejects->push_back({ fieldText(r.field), ruleText(r.field, r.rule) });
    }
    return batch.accepted.empty() ? iss::ResidentRecord {} : batch.accepted.front().record;
}

std::vector<IssuanceReject> RegisterCardIssuer::validate(const IssuanceApplicant& who) {
    std::vector<IssuanceReject> rejects;
    record(who, &rejects);
    return rejects;
}

IssuedCard RegisterCardIssuer::issue(const IssuanceApplicant& who, const std::string& requestId) {
    std::vector<IssuanceReject> rejects;
    const auto rec = record(who, &rejects);
    if (!rejects.empty()) {
        throw hc::InputError("card issuance: the resident does not pass validation");
    }
    const auto& op = m_options.operatorId;
    const auto& reader = m_options.reader;
    const std::string batch = "kiosk-" + requestId;
    m_reg.createBatch(batch, { { 1, rec } }, op, "kiosk");
    const auto entry = m_reg.claimNext(batch, reader, op);
    if (!entry) {
        throw hc::Error("card issuance: the register gave no card number", NextStep::CallStaff);
    }
    const auto cardNo = entry->cardNo;
    if (m_writer.probe(reader) != iss::CardPresence::Blank) {
        const auto why = "no blank card in the reader: " + m_writer.probeDetail();
        m_reg.markFailed(cardNo, "", why, op, false);
        throw hc::Error("card issuance: " + why, NextStep::CallStaff);
    }
    iss::CardJob job;
    job.cardNo = cardNo;
    job.resident = rec;
    job.issuer = m_options.issuer;
    job.issueDate = m_options.today.empty() ? chinaToday() : m_options.today;
    job.expiryDate
        = std::to_string(std::stoi(job.issueDate.substr(0, 4)) + m_options.issuer.validityYears)
        + job.issueDate.substr(4);
    iss::WriteResult written;
    try {
        written = m_writer.personalize(reader, job);
    } catch (const std::exception& e) {
        m_reg.markFailed(cardNo, "", std::string("personalization: ") + e.what(), op, false);
        throw IssuanceFailed(
            std::string("card issuance: personalization failed: ") + e.what(), NextStep::CallStaff);
    }
    m_reg.markPersonalized(cardNo, written.chipSerial, written.apdus, op);
    std::vector<iss::FieldMismatch> diff;
    try {
        diff = m_writer.verify(reader, job);
    } catch (const std::exception& e) {
        diff.push_back({ "read-back", "", e.what() });
    }
    if (!diff.empty()) {
        m_reg.markFailed(
            cardNo, written.chipSerial, "read-back differs: " + diff.front().field, op, false);
        throw IssuanceFailed(
            "card issuance: read-back differs: " + diff.front().field, NextStep::CallStaff);
    }
    m_reg.markVerified(cardNo, op);
    m_reg.markIssued(cardNo, op);
    return { cardNo, written.chipSerial, m_options.issuer.initialPin(rec) };
}

} // namespace hc::kiosk::core
