// The card issuance flow's handlers (kiosk/flows/60-issuance.json): the resident types the ID
// number, the HIS record is found or created, the resident confirms it, the issuer validates it,
// personalizes the blank card (one journal step), verifies it by read-back and the card is
// dispensed; the initial PIN is shown once on the result screen and never journaled or logged.
#include "engine_impl.hpp"

namespace hc::kiosk::core {

namespace {

std::string maskId(const std::string& id) {
    if (id.size() < 8) {
        return "****";
    }
    return id.substr(0, 4) + std::string(id.size() - 8, '*') + id.substr(id.size() - 4);
}

std::string genderText(const std::string& g) {
    if (g == "male") {
        return "男";
    }
    if (g == "female") {
        return "女";
    }
    return "未知";
}

// The applicant lives in the business state (biz.v), not in Impl::patient: a card session's
// holder stays the holder for the businesses after this one.
IssuanceApplicant applicantOf(const BusinessState& b) {
    const auto get = [&](const char* k) {
        const auto it = b.v.find(k);
        return it == b.v.end() ? std::string() : it->second;
    };
    return { get("iss.id"), get("iss.name"), get("iss.gender"), get("iss.birth") };
}

CardIssuer& issuerOf(Engine::Impl& m) {
    if (m.parts.issuer == nullptr || !m.config.cardIssuance) {
        throw KioskError(
            "not_available", "本机暂不提供“办卡”服务，请到人工窗口办理", NextStep::CallStaff);
    }
    return *m.parts.issuer;
}

} // namespace

void Engine::Impl::registerIssuanceHandlers() {
    handlers["issuance_lookup"] = [](Impl& m, const UserEvent& e) -> std::optional<std::string> {
        issuerOf(m);
        if (e.kind != UserEvent::Kind::Input || e.value.size() != 18) {
            throw KioskError("bad_id_number", "请输入 18 位身份证号", NextStep::FixInput);
        }
        std::optional<his::Patient> p;
        try {
            p = m.parts.his->findPatient(e.value);
            if (!p) {
                his::Patient n;
                n.idNumber = e.value;
                p = m.parts.his->createPatient(n);
            }
        } catch (const his::HisError& ex) {
            throw KioskError("his_unavailable", "医院系统暂时无法连接，请稍后重试或到人工窗口办理",
                NextStep::Retry);
        }
        m.biz.v["iss.id"] = p->idNumber;
        m.biz.v["iss.name"] = p->name;
        m.biz.v["iss.gender"] = p->gender;
        m.biz.v["iss.birth"] = p->birthDate;
        return std::nullopt;
    };
    loaders["issuance_summary"] = [](Impl& m) {
        const auto p = applicantOf(m.biz);
        m.items = json::array { item("id", "身份证号", maskId(p.idNumber)),
            item("name", "姓名", p.name), item("gender", "性别", genderText(p.gender)),
            item("birth", "出生日期", p.birthDate) };
        m.message = "请核对以下信息，确认后将为您制作居民健康卡";
    };
    handlers["issuance_write"] = [](Impl& m, const UserEvent& e) -> std::optional<std::string> {
        if (e.kind != UserEvent::Kind::Action || e.value != "confirm"
            || m.biz.v.count("iss.id") == 0) {
            return std::string(m.screen);
        }
        auto& issuer = issuerOf(m);
        const auto applicant = applicantOf(m.biz);
        const auto rejects = issuer.validate(applicant);
        if (!rejects.empty()) {
            std::string text = "信息不符合办卡要求：";
            for (std::size_t i = 0; i < rejects.size(); ++i) {
                text += (i == 0 ? "" : "；") + rejects[i].field + "（" + rejects[i].rule + "）";
            }
            throw KioskError("issuance_rejected", text + "，请到人工窗口办理", NextStep::CallStaff);
        }
        // One card_issue step, no money; the PIN never reaches the journal.
        JournalStep step(*m.parts.journal, m.journalSession,
            { StepType::CardIssue, m.requestId("ISSUE"), 0,
                "card_issue;id=" + maskId(applicant.idNumber) });
        IssuedCard issued;
        try {
            issued = issuer.issue(applicant, m.requestId("ISSUE"));
        } catch (const IssuanceFailed& ex) {
            step.failed(std::string("card spoiled: ") + ex.what());
            throw KioskError(
                "issuance_failed", "制卡失败，卡片已作废，请联系工作人员", NextStep::CallStaff);
        } catch (const std::exception& ex) {
            step.failed(ex.what());
            throw KioskError(
                "issuance_unavailable", "制卡设备暂不可用，请联系工作人员", NextStep::CallStaff);
        }
        step.ok("card " + maskId(issued.cardNo));
        try {
            issuer.dispense();
        } catch (const std::exception&) {
            m.biz.resultMessage = "（出卡失败，请联系工作人员取卡）";
        }
        m.biz.result = json::object { { "cardNo", maskId(issued.cardNo) }, { "pin", issued.pin } };
        m.biz.resultMessage
            = "居民健康卡已制作完成，请取走卡片。初始密码仅显示一次，请牢记并尽快修改"
            + m.biz.resultMessage;
        m.biz.completed = true;
        return std::nullopt;
    };
    loaders["issuance_result"] = [](Impl& m) {
        m.data = m.biz.result;
        m.message = m.biz.resultMessage;
        // Shown once: a later view of this screen (or any other) no longer carries the PIN.
        m.biz.result.erase("pin");
    };
}

} // namespace hc::kiosk::core
