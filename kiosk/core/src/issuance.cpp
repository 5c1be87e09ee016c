// The card issuance flow's handlers (kiosk/flows/60-issuance.json): the resident types the ID
// number, the HIS record is found or created, the resident picks the ethnic group (GB 3304, 汉族
// first, paged and searchable), confirms; the issuer validates, the dispenser brings a blank card
// to the issuance reader, the card is personalized and read back (one card_issue journal step),
// ejected to the gate ("请取走您的健康卡", with the screen's countdown) and watched until it is
// taken (the register then counts it issued) or, not taken in time, captured into the reject bin
// and marked failed. Every dispenser move is a dispenser_move journal step. The initial PIN is
// shown once on the result screen and never journaled or logged.
#include "business.hpp"
#include "hc/card/health/validation.hpp"

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
    IssuanceApplicant a { get("iss.id"), get("iss.name"), get("iss.gender"), get("iss.birth") };
    const auto eth = get("iss.eth");
    a.ethnicity = eth.empty() ? 0 : std::stoi(eth);
    return a;
}

CardIssuer& issuerOf(Engine::Impl& m) {
    if (m.parts.issuer == nullptr || !m.config.cardIssuance) {
        throw KioskError(
            "not_available", "本机暂不提供“办卡”服务，请到人工窗口办理", NextStep::CallStaff);
    }
    return *m.parts.issuer;
}

constexpr int kEthnicPage = 12; // choices per page of the ethnicity screen

/** Runs one dispenser move as a dispenser_move journal step in `session`. */
template <typename F>
void dispenserStep(Engine::Impl& m, const std::string& session, const std::string& tag,
    const std::string& detail, F&& move) {
    JournalStep step(*m.parts.journal, session,
        { StepType::DispenserMove, session + "-" + tag, 0, "dispenser_move;" + detail });
    try {
        move();
    } catch (const std::exception& e) {
        step.failed(e.what());
        throw;
    }
    step.ok(detail);
}

} // namespace

class Issuance final : public Business {
public:
    const char* name() const override { return "issuance"; }
    void registerHandlers(HandlerTable& t) override {
        t.handler("issuance_lookup", &Issuance::issuanceLookup);
        t.loader("ethnicities", &Issuance::ethnicities);
        t.handler("pick_ethnicity", &Issuance::pickEthnicity);
        t.loader("issuance_summary", &Issuance::issuanceSummary);
        t.handler("issuance_write", &Issuance::issuanceWrite);
        t.loader("issuance_result", &Issuance::issuanceResult);
    }

private:
    static std::optional<std::string> issuanceLookup(Impl& m, const UserEvent& e);
    static void ethnicities(Impl& m);
    static std::optional<std::string> pickEthnicity(Impl& m, const UserEvent& e);
    static void issuanceSummary(Impl& m);
    static std::optional<std::string> issuanceWrite(Impl& m, const UserEvent& e);
    static void issuanceResult(Impl& m);
};

std::optional<std::string> Issuance::issuanceLookup(Impl& m, const UserEvent& e) {
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
        throw KioskError(
            "his_unavailable", "医院系统暂时无法连接，请稍后重试或到人工窗口办理", NextStep::Retry);
    }
    m.biz.v["iss.id"] = p->idNumber;
    m.biz.v["iss.name"] = p->name;
    m.biz.v["iss.gender"] = p->gender;
    m.biz.v["iss.birth"] = p->birthDate;
    return std::nullopt;
}

void Issuance::ethnicities(Impl& m) {
    const int preselected = issuerOf(m).preselectedEthnicity();
    std::vector<int> order { 1 };
    if (preselected > 1 && preselected <= 56) {
        order.push_back(preselected);
    }
    for (int c = 2; c <= 56; ++c) {
        if (c != preselected) {
            order.push_back(c);
        }
    }
    const auto q = m.biz.v["iss.eth.q"];
    std::vector<int> shown;
    for (const int c : order) {
        if (q.empty()
            || std::string(hc::card::health::ethnicGroupName(c)).find(q) != std::string::npos) {
            shown.push_back(c);
        }
    }
    const int pages = std::max(1, (static_cast<int>(shown.size()) + kEthnicPage - 1) / kEthnicPage);
    int page = 0;
    try {
        page = std::clamp(std::stoi(m.biz.v["iss.eth.page"]), 0, pages - 1);
    } catch (const std::exception&) {
        page = 0;
    }
    m.items = json::array {};
    for (int i = page * kEthnicPage;
         i < std::min(static_cast<int>(shown.size()), (page + 1) * kEthnicPage); ++i) {
        const int c = shown[static_cast<std::size_t>(i)];
        char code[8];
        std::snprintf(code, sizeof code, "%02d", c);
        m.items.push_back(item(std::string("eth:") + code,
            std::string(hc::card::health::ethnicGroupName(c)), c == preselected ? "默认" : ""));
    }
    if (page > 0) {
        m.items.push_back(item("page:prev", "上一页"));
    }
    if (page + 1 < pages) {
        m.items.push_back(item("page:next", "下一页"));
    }
    if (!q.empty()) {
        m.items.push_back(item("page:all", "显示全部"));
    }
    m.data = json::object { { "page", page + 1 }, { "pages", pages },
        { "total", static_cast<std::int64_t>(shown.size()) } };
    if (preselected >= 1 && preselected <= 56) {
        char code[8];
        std::snprintf(code, sizeof code, "eth:%02d", preselected);
        m.data["preselected"] = code;
    }
    m.message = shown.empty() ? "未找到“" + q + "”，请重新输入或点“显示全部”"
                              : "请选择您的民族，可输入名称查找";
}

std::optional<std::string> Issuance::pickEthnicity(Impl& m, const UserEvent& e) {
    if (e.kind == UserEvent::Kind::Input) {
        m.biz.v["iss.eth.q"] = e.value;
        m.biz.v["iss.eth.page"] = "0";
    } else if (e.kind == UserEvent::Kind::Choose && e.value.rfind("page:", 0) == 0) {
        int page = 0;
        try {
            page = std::stoi(m.biz.v["iss.eth.page"]);
        } catch (const std::exception&) {
            page = 0;
        }
        if (e.value == "page:all") {
            m.biz.v["iss.eth.q"].clear();
            page = 0;
        } else {
            page += e.value == "page:next" ? 1 : -1;
        }
        m.biz.v["iss.eth.page"] = std::to_string(std::max(0, page));
    } else if (e.kind == UserEvent::Kind::Choose && e.value.rfind("eth:", 0) == 0) {
        int code = 0;
        try {
            code = std::stoi(e.value.substr(4));
        } catch (const std::exception&) {
            code = 0;
        }
        if (code < 1 || code > 56) {
            throw KioskError("bad_ethnicity", "请从列表中选择民族", NextStep::FixInput);
        }
        m.biz.v["iss.eth"] = std::to_string(code);
        return std::nullopt;
    } else {
        return std::string(m.screen);
    }
    m.loaders.at("ethnicities")(m);
    return std::string(m.screen);
}

void Issuance::issuanceSummary(Impl& m) {
    const auto p = applicantOf(m.biz);
    m.items = json::array { item("id", "身份证号", maskId(p.idNumber)),
        item("name", "姓名", p.name), item("gender", "性别", genderText(p.gender)),
        item("birth", "出生日期", p.birthDate),
        item("ethnicity", "民族", std::string(hc::card::health::ethnicGroupName(p.ethnicity))) };
    m.message = "请核对以下信息，确认后将为您制作居民健康卡";
}

std::optional<std::string> Issuance::issuanceWrite(Impl& m, const UserEvent& e) {
    if (e.kind != UserEvent::Kind::Action || e.value != "confirm" || m.biz.v.count("iss.id") == 0) {
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
    if (const auto why = m.issuanceUnavailable(); !why.empty()) {
        throw KioskError("issuance_unavailable", why, NextStep::CallStaff);
    }
    // Each attempt (a retry with the next card after a spoiled one) has its own request ids.
    const int attempt = m.biz.v.count("iss.try") ? std::stoi(m.biz.v["iss.try"]) + 1 : 1;
    m.biz.v["iss.try"] = std::to_string(attempt);
    const std::string n = attempt == 1 ? "" : std::to_string(attempt);
    const auto& session = m.journalSession;
    try {
        dispenserStep(m, session, "TOIC" + n, "to_ic", [&] { issuer.loadBlank(); });
    } catch (const std::exception&) {
        throw KioskError("issuance_unavailable", "发卡机出卡故障，暂停办卡，请联系工作人员",
            NextStep::CallStaff);
    }
    m.failpoint("dispenser_to_ic");
    // One card_issue step, no money; the PIN never reaches the journal.
    const auto rid = m.requestId("ISSUE" + n);
    JournalStep step(*m.parts.journal, session,
        { StepType::CardIssue, rid, 0, "card_issue;id=" + maskId(applicant.idNumber) });
    IssuedCard issued;
    try {
        issued = issuer.issue(applicant, rid);
    } catch (const IssuanceFailed& ex) {
        step.failed(std::string("card spoiled: ") + ex.what());
        try {
            dispenserStep(m, session, "CAPTURE" + n, "capture spoiled",
                [&] { issuer.capture({}, "spoiled"); });
        } catch (const std::exception&) {
            throw KioskError("issuance_failed", "制卡失败，卡片未能回收，暂停办卡，请联系工作人员",
                NextStep::CallStaff);
        }
        throw KioskError("issuance_failed",
            "制卡失败，卡片已回收作废。可点“确认”用新卡重试，或呼叫工作人员", NextStep::Retry);
    } catch (const std::exception& ex) {
        step.failed(ex.what());
        // Nothing was written: the blank card goes to the bin (it may be at IC position).
        try {
            dispenserStep(m, session, "CAPTURE" + n, "capture unwritten",
                [&] { issuer.capture({}, "not written"); });
        } catch (const std::exception&) { }
        throw KioskError(
            "issuance_unavailable", "制卡设备暂不可用，请联系工作人员", NextStep::CallStaff);
    }
    step.ok("card " + maskId(issued.cardNo));
    m.failpoint("card_issue");
    try {
        dispenserStep(m, session, "EJECT" + n, "eject card=" + maskId(issued.cardNo),
            [&] { issuer.present(); });
    } catch (const std::exception&) {
        // Stuck between the reader and the gate: capture it; the register spoils it.
        try {
            dispenserStep(m, session, "CAPTURE" + n, "capture not ejected",
                [&] { issuer.capture(issued.cardNo, "eject failed"); });
        } catch (const std::exception&) { }
        throw KioskError(
            "issuance_failed", "出卡故障，卡片已回收作废，请联系工作人员", NextStep::CallStaff);
    }
    m.gateWatch = Impl::GateWatch { session, issued.cardNo, {}, {} };
    m.biz.result = json::object { { "cardNo", maskId(issued.cardNo) }, { "pin", issued.pin } };
    m.biz.resultMessage
        = "请取走您的健康卡。初始密码仅显示一次，请牢记并尽快修改；超时未取的卡片将被回收作废";
    m.biz.completed = true;
    m.biz.paid = true; // no way back from a written card
    return std::nullopt;
}

void Issuance::issuanceResult(Impl& m) {
    m.data = m.biz.result;
    m.message = m.biz.resultMessage;
    // The card is captured when this screen's countdown runs out.
    if (m.gateWatch) {
        m.gateWatch->deadline = m.deadline;
    }
    // Shown once: a later view of this screen (or any other) no longer carries the PIN.
    m.biz.result.erase("pin");
}

std::string Engine::Impl::issuanceUnavailable() {
    if (parts.issuer == nullptr || !config.cardIssuance) {
        return {};
    }
    if (gateWatch) {
        return "出卡口有未取走的健康卡，请稍候";
    }
    try {
        return parts.issuer->unavailableReason();
    } catch (const std::exception&) {
        return "发卡机暂不可用，请到人工窗口办理";
    }
}

void Engine::Impl::issuanceTick() {
    if (!gateWatch || parts.issuer == nullptr) {
        return;
    }
    const auto now = parts.clock->now();
    const bool expired = gateWatch->deadline != std::chrono::steady_clock::time_point {}
        && now >= gateWatch->deadline;
    if (!expired && now - gateWatch->lastPoll < std::chrono::milliseconds(500)) {
        return;
    }
    gateWatch->lastPoll = now;
    const auto w = *gateWatch;
    const bool ours = screen == "issued" && journalSession == w.session;
    bool taken = false;
    try {
        taken = parts.issuer->taken(w.cardNo);
    } catch (const std::exception&) {
        taken = false; // the dispenser did not answer: try again, capture at the deadline
    }
    if (taken) {
        gateWatch.reset();
        try {
            dispenserStep(*this, w.session, "TAKEN", "taken card=" + maskId(w.cardNo), [] {});
        } catch (const std::exception&) { }
        if (ours) {
            finishBusiness(SessionEnd::Completed);
            showMenu();
            message = "您已取走健康卡，请妥善保管";
            push();
        }
        return;
    }
    if (!expired) {
        return;
    }
    // Not taken in time: captured, and spoiled in the register (never handed out later).
    gateWatch.reset();
    try {
        dispenserStep(*this, w.session, "CAPTURE",
            "capture card=" + maskId(w.cardNo) + " not taken",
            [&] { parts.issuer->capture(w.cardNo, "not taken from the gate in time"); });
    } catch (const std::exception&) {
        // Journaled FAILED; the dispenser reports the card in the transport until staff come.
    }
    if (ours) {
        finishBusiness(SessionEnd::Timeout);
        showMenu();
        message = "健康卡未取走，已回收作废，请到人工窗口办理";
        push();
    }
}

std::unique_ptr<Business> makeIssuance() {
    return std::make_unique<Issuance>();
}

} // namespace hc::kiosk::core
