// Registration (挂号, kiosk/flows/10-registration.json): departments (level 2) -> doctors ->
// today's slots -> hold (his_lock_slot) -> confirm -> the own share (OwnShare) -> book
// (his_register) -> the slip (print).
#include "business.hpp"
#include "external_call.hpp"

namespace hc::kiosk::core {

class Registration final : public Business {
public:
    const char* name() const override { return "registration"; }
    void registerHandlers(HandlerTable& t) override {
        t.loader("departments", &Registration::departments);
        t.handler("pick_department", &Registration::pickDepartment);
        t.loader("doctors", &Registration::doctors);
        t.handler("pick_doctor", &Registration::pickDoctor);
        t.loader("slots", &Registration::slots);
        t.handler("hold_slot", &Registration::holdSlot);
        t.loader("registration_summary", &Registration::registrationSummary);
        t.completer("book_registration", &Registration::bookRegistration);
    }

private:
    static void departments(Impl& m);
    static std::optional<std::string> pickDepartment(Impl& m, const UserEvent& e);
    static void doctors(Impl& m);
    static std::optional<std::string> pickDoctor(Impl& m, const UserEvent& e);
    static void slots(Impl& m);
    static std::optional<std::string> holdSlot(Impl& m, const UserEvent& e);
    static void registrationSummary(Impl& m);
    static std::optional<std::string> bookRegistration(Impl& m, const UserEvent& e);
};

void Registration::departments(Impl& m) {
    std::vector<his::Department> all;
    try {
        all = m.parts.his->departments();
    } catch (const his::HisError& e) {
        throw hisError(e);
    }
    std::map<std::string, std::string> names;
    bool twoLevels = false;
    for (const auto& d : all) {
        names[d.id] = d.name;
        twoLevels = twoLevels || !d.parentId.empty();
    }
    for (const auto& d : all) {
        if (!twoLevels || !d.parentId.empty()) {
            m.items.push_back(item(d.id, d.name, d.parentId.empty() ? "" : names[d.parentId]));
        }
    }
    m.message = "共 " + std::to_string(m.items.size()) + " 个科室";
}

std::optional<std::string> Registration::pickDepartment(Impl& m, const UserEvent& e) {
    m.biz.v["department"] = e.value;
    for (const auto& i : m.items) {
        if (i.at("id").as_string() == e.value) {
            m.biz.v["department_name"] = std::string(i.at("label").as_string());
        }
    }
    return std::nullopt;
}

void Registration::doctors(Impl& m) {
    std::vector<his::Doctor> doctors;
    try {
        doctors = m.parts.his->doctors(m.biz.v["department"]);
    } catch (const his::HisError& e) {
        throw hisError(e);
    }
    for (const auto& d : doctors) {
        m.items.push_back(item(d.id, d.name, d.title));
    }
    m.message = m.biz.v["department_name"];
    if (doctors.empty()) {
        m.message += "：今日无出诊医生";
    }
}

std::optional<std::string> Registration::pickDoctor(Impl& m, const UserEvent& e) {
    m.biz.v["doctor"] = e.value;
    for (const auto& i : m.items) {
        if (i.at("id").as_string() == e.value) {
            m.biz.v["doctor_name"] = std::string(i.at("label").as_string());
            m.biz.v["doctor_title"] = std::string(i.at("detail").as_string());
        }
    }
    return std::nullopt;
}

void Registration::slots(Impl& m) {
    std::vector<his::Slot> slots;
    try {
        slots = m.parts.his->slots(m.biz.v["doctor"], m.parts.clock->today());
    } catch (const his::HisError& e) {
        throw hisError(e);
    }
    json::object prices;
    for (const auto& s : slots) {
        const bool free = s.status == "free";
        m.items.push_back(item(s.id, hhmm(s.start) + "-" + hhmm(s.end),
            free ? "挂号费 " + yuan(s.priceFen) + " 元" : "已约满", !free));
        prices[s.id] = s.priceFen;
    }
    m.data["priceFen"] = std::move(prices);
    m.message = m.biz.v["doctor_name"] + " " + m.biz.v["doctor_title"];
    if (slots.empty()) {
        m.message += "：今日已无号";
    }
}

std::optional<std::string> Registration::holdSlot(Impl& m, const UserEvent& e) {
    const auto price = m.data.at("priceFen").as_object().at(e.value).as_int64();
    ExternalCall call(m,
        { StepType::HisLockSlot, m.requestId("HOLD"), price,
            "slot=" + e.value + ";session=" + m.journalSession });
    HisFailureText text;
    text.conflict = KioskError("slot_taken", "该时段刚被他人选中，请另选时间", NextStep::Retry);
    call.his([&] { return m.parts.his->holdSlot(e.value, m.journalSession, m.requestId("HOLD")); },
        [&](const his::SlotHold&) { return e.value; }, text);
    m.biz.v["slot"] = e.value;
    for (const auto& i : m.items) {
        if (i.at("id").as_string() == e.value) {
            m.biz.v["slot_label"] = std::string(i.at("label").as_string());
        }
    }
    m.biz.totalFen = price;
    m.biz.ownFen = price;
    return std::nullopt;
}

void Registration::registrationSummary(Impl& m) {
    m.data = json::object { { "department", m.biz.v["department_name"] },
        { "doctor", m.biz.v["doctor_name"] }, { "title", m.biz.v["doctor_title"] },
        { "date", m.parts.clock->today() }, { "time", m.biz.v["slot_label"] },
        { "feeFen", m.biz.totalFen } };
    m.items.push_back(item("department", "科室", m.biz.v["department_name"], true));
    m.items.push_back(
        item("doctor", "医生", m.biz.v["doctor_name"] + " " + m.biz.v["doctor_title"], true));
    m.items.push_back(
        item("time", "时间", m.parts.clock->today() + " " + m.biz.v["slot_label"], true));
    m.items.push_back(item("fee", "挂号费", yuan(m.biz.totalFen) + " 元", true));
}

std::optional<std::string> Registration::bookRegistration(Impl& m, const UserEvent&) {
    auto& p = m.ensurePatient();
    const auto rid = m.requestId("BOOK");
    ExternalCall call(m,
        { StepType::HisRegister, rid, m.biz.totalFen,
            "slot=" + m.biz.v["slot"] + ";patient=" + p.id + ";session=" + m.journalSession });
    HisFailureText text;
    text.unavailable = KioskError(
        "book_failed", "挂号未成功，医院系统无法连接；已付费用将原路退回", NextStep::CallStaff);
    text.refused = KioskError(
        "book_failed", "挂号未成功，该号已不可用；已付费用将原路退回", NextStep::CallStaff);
    text.conflict = text.refused;
    const auto a
        = call.his([&] { return m.parts.his->book(m.biz.v["slot"], p.id, m.journalSession, rid); },
            [](const his::Appointment& booked) { return booked.id; }, text);
    m.failpoint("his_register");
    m.biz.resultMessage = "请于 " + m.biz.v["slot_label"] + " 前到 " + m.biz.v["department_name"]
        + " 候诊" + (m.parts.receipt != nullptr ? "，凭挂号凭条就诊" : "");
    m.biz.result = json::object { { "appointment", a.id },
        { "department", m.biz.v["department_name"] }, { "doctor", m.biz.v["doctor_name"] },
        { "time", m.parts.clock->today() + " " + m.biz.v["slot_label"] },
        { "feeFen", m.biz.totalFen }, { "paidBy", m.biz.method } };
    m.resultLine("预约号", a.id);
    m.resultLine("科室", m.biz.v["department_name"]);
    m.resultLine("医生", m.biz.v["doctor_name"] + " " + m.biz.v["doctor_title"]);
    m.resultLine("就诊时间", m.parts.clock->today() + " " + m.biz.v["slot_label"]);
    m.resultLine("挂号费", yuan(m.biz.totalFen) + " 元");
    m.printReceipt("挂号凭条",
        { "姓名: " + maskName(m.who.name), "科室: " + m.biz.v["department_name"],
            "医生: " + m.biz.v["doctor_name"],
            "时间: " + m.parts.clock->today() + " " + m.biz.v["slot_label"],
            "挂号费: " + yuan(m.biz.totalFen) + " 元", "预约号: " + a.id });
    return std::nullopt;
}

std::unique_ptr<Business> makeRegistration() {
    return std::make_unique<Registration>();
}

} // namespace hc::kiosk::core
