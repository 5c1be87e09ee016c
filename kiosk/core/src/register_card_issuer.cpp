#include "hc/kiosk/core/register_card_issuer.hpp"

#include "hc/dispenser/card_dispenser.hpp"
#include "hc/dispenser/error.hpp"
#include "hc/issuance/batch_input.hpp"

#include <ctime>
#include <map>
#include <thread>

namespace hc::kiosk::core {

namespace iss = hc::issuance;
namespace dsp = hc::dispenser;

/** The last dispenser status, kept about a second (unavailableReason is asked for every view). */
struct RegisterCardIssuer::Cached {
    std::chrono::steady_clock::time_point at {};
    std::optional<dsp::DispenserStatus> status;
    std::string error; ///< why the dispenser could not be asked
};

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
    , m_options(std::move(options))
    , m_cache(std::make_shared<Cached>()) {
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
    // With a dispenser the card has just been moved to the contacts: give PC/SC time to see it.
    auto presence = m_writer.probe(reader);
    const auto until = std::chrono::steady_clock::now() + m_options.cardArrival;
    while (m_options.dispenser != nullptr && presence == iss::CardPresence::None
        && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        presence = m_writer.probe(reader);
    }
    if (presence != iss::CardPresence::Blank) {
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
    // Counted issued once taken from the gate (taken()).
    return { cardNo, written.chipSerial, m_options.issuer.initialPin(rec) };
}

const dsp::DispenserStatus* RegisterCardIssuer::dispenserStatus(bool fresh) {
    auto& c = *m_cache;
    const auto now = std::chrono::steady_clock::now();
    // A dispenser that did not answer is asked again after 10 s, not at every view.
    const auto keep = c.status ? std::chrono::seconds(1) : std::chrono::seconds(10);
    if (fresh || c.at == std::chrono::steady_clock::time_point {} || now - c.at > keep) {
        c.at = now;
        try {
            c.status = m_options.dispenser->status();
            c.error.clear();
        } catch (const std::exception& e) {
            c.status.reset();
            c.error = e.what();
        }
    }
    return c.status ? &*c.status : nullptr;
}

void RegisterCardIssuer::remember(const dsp::DispenserStatus& s) {
    m_cache->at = std::chrono::steady_clock::now();
    m_cache->status = s;
    m_cache->error.clear();
}

std::string RegisterCardIssuer::unavailableReason() {
    if (m_options.dispenser == nullptr) {
        return {};
    }
    const auto* s = dispenserStatus(false);
    if (s == nullptr) {
        return "发卡机无法连接，暂停办卡，请到人工窗口办理";
    }
    const auto p = s->problem();
    if (!p) {
        return {};
    }
    switch (*p) {
    case dsp::DispenserProblem::Empty:
        return "发卡机空白卡已用完，暂停办卡，请到人工窗口办理";
    case dsp::DispenserProblem::Jam:
        return "发卡机卡滞，暂停办卡，请联系工作人员";
    case dsp::DispenserProblem::BinFull:
        return "发卡机废卡箱已满，暂停办卡，请联系工作人员";
    case dsp::DispenserProblem::CardInTransport:
        return "出卡口有未取走的健康卡，请稍候";
    }
    return "发卡机暂不可用，请联系工作人员";
}

void RegisterCardIssuer::loadBlank() {
    if (m_options.dispenser == nullptr) {
        return;
    }
    m_cache->at = {};
    remember(m_options.dispenser->moveToIc());
}

void RegisterCardIssuer::present() {
    if (m_options.dispenser == nullptr) {
        return;
    }
    m_cache->at = {};
    remember(m_options.dispenser->eject());
}

bool RegisterCardIssuer::taken(const std::string& cardNo) {
    if (m_options.dispenser != nullptr) {
        const auto* s = dispenserStatus(true);
        if (s == nullptr) {
            throw hc::Error("card dispenser: " + m_cache->error, NextStep::Retry);
        }
        if (s->position != dsp::CardPosition::None) {
            return false;
        }
    }
    const auto e = m_reg.find(cardNo);
    if (e && e->status == iss::CardStatus::Verified) {
        m_reg.markIssued(cardNo, m_options.operatorId);
    }
    return true;
}

void RegisterCardIssuer::capture(const std::string& cardNo, const std::string& why) {
    std::string problem;
    if (m_options.dispenser != nullptr) {
        m_cache->at = {};
        const auto* s = dispenserStatus(true);
        if (s == nullptr || s->position != dsp::CardPosition::None) {
            remember(m_options.dispenser->capture());
        }
    }
    if (cardNo.empty()) {
        return;
    }
    const auto e = m_reg.find(cardNo);
    if (e
        && (e->status == iss::CardStatus::Prepared || e->status == iss::CardStatus::Personalized
            || e->status == iss::CardStatus::Verified)) {
        m_reg.markFailed(
            cardNo, e->chipSerial, "captured at the kiosk: " + why, m_options.operatorId, false);
    }
}

RegisterCardIssuer::RestartReport RegisterCardIssuer::recoverAfterRestart() {
    RestartReport r;
    if (m_options.dispenser != nullptr) {
        try {
            const auto s = m_options.dispenser->status();
            if (s.position != dsp::CardPosition::None) {
                m_options.dispenser->capture();
                r.captured = true;
            }
        } catch (const std::exception& e) {
            r.problem = e.what();
        }
    }
    const auto& op = m_options.operatorId;
    for (const auto& batch : m_reg.batches()) {
        if (batch.rfind(m_options.batchPrefix, 0) != 0) {
            continue;
        }
        for (const auto& e : m_reg.list(batch)) {
            if (e.status == iss::CardStatus::Prepared
                || e.status == iss::CardStatus::Personalized) {
                m_reg.markFailed(e.cardNo, e.chipSerial,
                    "kiosk restart: personalization interrupted, card captured", op, false);
                r.failed.push_back(e.cardNo);
            } else if (e.status == iss::CardStatus::Verified && r.problem.empty()) {
                // (The dispenser could not be asked: where the card is is unknown, staff decide.)
                if (r.captured) {
                    m_reg.markFailed(e.cardNo, e.chipSerial,
                        "kiosk restart: captured before it was handed out", op, false);
                    r.failed.push_back(e.cardNo);
                } else {
                    m_reg.markIssued(e.cardNo, op);
                    r.issued.push_back(e.cardNo);
                }
            }
        }
    }
    return r;
}

} // namespace hc::kiosk::core
