#include "his_world.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <set>

namespace hc::kiosk::hissim {

namespace json = boost::json;

namespace {

std::string utcIn(std::chrono::milliseconds ahead) {
    const auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() + ahead);
    std::tm tm {};
    ::gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

/** "YYYY-MM-DDTHH:MM" of a local ISO time minus `minutes` ("" when it does not parse). */
std::string localMinus(const std::string& iso, int minutes) {
    int y = 0;
    unsigned mo = 0;
    unsigned d = 0;
    int h = 0;
    int mi = 0;
    if (iso.size() < 16
        || std::sscanf(iso.c_str(), "%4d-%2u-%2uT%2d:%2d", &y, &mo, &d, &h, &mi) != 5) {
        return {};
    }
    const std::chrono::sys_days day { std::chrono::year { y } / std::chrono::month { mo }
        / std::chrono::day { d } };
    const auto t = std::chrono::sys_seconds(day) + std::chrono::hours(h)
        + std::chrono::minutes(mi - minutes);
    const auto dd = std::chrono::floor<std::chrono::days>(t);
    const std::chrono::year_month_day ymd(dd);
    const auto rest = std::chrono::duration_cast<std::chrono::minutes>(t - dd).count();
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d", static_cast<int>(ymd.year()),
        static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
        static_cast<int>(rest / 60), static_cast<int>(rest % 60));
    return buf;
}

std::string dateString(std::chrono::sys_days d) {
    const std::chrono::year_month_day ymd(d);
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
        static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
    return buf;
}

std::string compactDate(const std::string& date) {
    std::string out;
    for (const char c : date) {
        if (c != '-') {
            out.push_back(c);
        }
    }
    return out;
}

std::string str(const json::value& body, const char* key) {
    if (!body.is_object()) {
        return {};
    }
    const auto* v = body.get_object().if_contains(key);
    return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

struct DeptDef {
    const char* id;
    const char* name;
    const char* parent;
};

constexpr DeptDef kDepartments[] = {
    { "D01", "内科", "" },
    { "D0101", "心血管内科", "D01" },
    { "D0102", "呼吸内科", "D01" },
    { "D0103", "消化内科", "D01" },
    { "D02", "外科", "" },
    { "D0201", "普通外科", "D02" },
    { "D0202", "骨科", "D02" },
    { "D03", "妇产科", "" },
    { "D0301", "妇科", "D03" },
    { "D0302", "产科", "D03" },
    { "D04", "儿科", "" },
    { "D0401", "小儿内科", "D04" },
    { "D05", "五官科", "" },
    { "D0501", "眼科", "D05" },
    { "D0502", "耳鼻咽喉科", "D05" },
    { "D0503", "口腔科", "D05" },
    { "D06", "皮肤科", "" },
    { "D0601", "皮肤科门诊", "D06" },
};

constexpr const char* kSurnames[] = { "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周",
    "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "罗", "高" };
constexpr const char* kGiven[] = { "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇",
    "艳", "杰", "娟", "涛", "明", "超", "秀英", "桂英", "建华", "志强", "海燕", "晓东" };
struct TitleDef {
    const char* title;
    std::int64_t fee;
};
constexpr TitleDef kTitles[]
    = { { "主任医师", 5000 }, { "副主任医师", 3000 }, { "主治医师", 1500 }, { "住院医师", 1000 } };
struct ItemDef {
    const char* name;
    std::int64_t fen;
};
constexpr ItemDef kItems[] = { { "血常规", 2500 }, { "尿常规", 1500 }, { "肝功能", 6800 },
    { "胸部X线检查", 9000 }, { "心电图", 3000 }, { "阿莫西林胶囊", 1860 },
    { "布洛芬缓释胶囊", 2350 }, { "西医门诊诊查费", 1000 } };
struct ObsDef {
    const char* code;
    const char* name;
    const char* unit;
    double low, high;
};
constexpr ObsDef kCbc[]
    = { { "WBC", "白细胞计数", "10^9/L", 3.5, 9.5 }, { "RBC", "红细胞计数", "10^12/L", 4.3, 5.8 },
          { "HGB", "血红蛋白", "g/L", 130, 175 }, { "PLT", "血小板计数", "10^9/L", 125, 350 } };
constexpr ObsDef kLiver[] = { { "ALT", "丙氨酸氨基转移酶", "U/L", 9, 50 },
    { "AST", "天门冬氨酸氨基转移酶", "U/L", 15, 40 }, { "TBIL", "总胆红素", "umol/L", 0, 26 } };

template <typename T, std::size_t N> const T& pick(std::mt19937& rng, const T (&arr)[N]) {
    return arr[std::uniform_int_distribution<std::size_t>(0, N - 1)(rng)];
}

json::object bundleOf(json::array entries) {
    json::object b;
    b["resourceType"] = "Bundle";
    b["type"] = "searchset";
    b["total"] = entries.size();
    json::array wrapped;
    for (auto& e : entries) {
        wrapped.push_back(json::object { { "resource", std::move(e) } });
    }
    b["entry"] = std::move(wrapped);
    return b;
}

std::map<std::string, std::string> parseQuery(const std::string& q) {
    std::map<std::string, std::string> out;
    std::size_t pos = 0;
    while (pos < q.size()) {
        auto amp = q.find('&', pos);
        if (amp == std::string::npos) {
            amp = q.size();
        }
        const auto pair = q.substr(pos, amp - pos);
        const auto eq = pair.find('=');
        std::string key = pair.substr(0, eq);
        std::string raw = eq == std::string::npos ? "" : pair.substr(eq + 1);
        std::string value;
        for (std::size_t i = 0; i < raw.size(); ++i) {
            if (raw[i] == '%' && i + 2 < raw.size()) {
                value.push_back(static_cast<char>(std::stoi(raw.substr(i + 1, 2), nullptr, 16)));
                i += 2;
            } else {
                value.push_back(raw[i] == '+' ? ' ' : raw[i]);
            }
        }
        out[key] = value;
        pos = amp + 1;
    }
    return out;
}

} // namespace

Reply outcome(int status, const std::string& code, const std::string& diagnostics) {
    json::object o;
    o["resourceType"] = "OperationOutcome";
    o["issue"] = json::array { json::object {
        { "severity", "error" }, { "code", code }, { "diagnostics", diagnostics } } };
    return { status, std::move(o) };
}

char idCheckCharacter(const std::string& first17) {
    static constexpr int weights[17] = { 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2 };
    int sum = 0;
    for (std::size_t i = 0; i < 17; ++i) {
        sum += (first17[i] - '0') * weights[i];
    }
    return "10X98765432"[sum % 11];
}

HisWorld::HisWorld(unsigned seed, std::string today, std::chrono::milliseconds holdTime)
    : m_holdTime(holdTime) {
    std::mt19937 rng(seed);
    for (const auto& d : kDepartments) {
        json::object o { { "resourceType", "Organization" }, { "id", d.id }, { "name", d.name },
            { "active", true } };
        if (*d.parent != '\0') {
            o["partOf"] = json::object { { "reference", std::string("Organization/") + d.parent } };
        }
        m_departments.push_back(std::move(o));
    }
    int y = 0;
    unsigned m = 0;
    unsigned dd = 0;
    if (std::sscanf(today.c_str(), "%d-%u-%u", &y, &m, &dd) != 3) {
        throw std::runtime_error("--today must be YYYY-MM-DD");
    }
    const auto first = std::chrono::sys_days(
        std::chrono::year(y) / std::chrono::month(m) / std::chrono::day(dd));
    int doctorNo = 0;
    for (const auto& d : kDepartments) {
        if (*d.parent == '\0') {
            continue;
        }
        const int count = std::uniform_int_distribution<int>(2, 3)(rng);
        for (int k = 0; k < count; ++k) {
            char id[16];
            std::snprintf(id, sizeof id, "DR%03d", ++doctorNo);
            const auto& title = pick(rng, kTitles);
            const std::string name = std::string(pick(rng, kSurnames)) + pick(rng, kGiven);
            m_doctors.push_back(json::object { { "resourceType", "Practitioner" }, { "id", id },
                { "name", json::array { json::object { { "text", name } } } },
                { "qualification",
                    json::array {
                        json::object { { "code", json::object { { "text", title.title } } } } } },
                { "organization",
                    json::object { { "reference", std::string("Organization/") + d.id } } } });
            for (int day = 0; day < 14; ++day) {
                const auto date = dateString(first + std::chrono::days(day));
                for (int half = 0; half < 14; ++half) {
                    // 08:00-11:30 and 14:00-17:00, every 30 minutes.
                    const int minutes = half < 8 ? 8 * 60 + half * 30 : 14 * 60 + (half - 8) * 30;
                    char hhmm[8];
                    char endhm[8];
                    std::snprintf(hhmm, sizeof hhmm, "%02d%02d", minutes / 60, minutes % 60);
                    std::snprintf(
                        endhm, sizeof endhm, "%02d:%02d", (minutes + 30) / 60, (minutes + 30) % 60);
                    SlotRec s;
                    s.id = std::string("SL-") + id + "-" + compactDate(date) + "-" + hhmm;
                    s.doctorId = id;
                    s.date = date;
                    char start[40];
                    std::snprintf(start, sizeof start, "%sT%02d:%02d:00+08:00", date.c_str(),
                        minutes / 60, minutes % 60);
                    s.start = start;
                    s.end = date + "T" + endhm + ":00+08:00";
                    s.priceFen = title.fee;
                    m_slots.emplace(s.id, std::move(s));
                }
            }
        }
    }
    for (int p = 0; p < 12; ++p) {
        char first17[24];
        std::snprintf(first17, sizeof first17, "110105%04d%02d%02d%03d",
            std::uniform_int_distribution<int>(1940, 2015)(rng),
            std::uniform_int_distribution<int>(1, 12)(rng),
            std::uniform_int_distribution<int>(1, 28)(rng),
            std::uniform_int_distribution<int>(100, 999)(rng));
        const std::string id17(first17);
        const auto gender = ((id17[16] - '0') % 2 == 1) ? "male" : "female";
        const auto birth = id17.substr(6, 4) + "-" + id17.substr(10, 2) + "-" + id17.substr(12, 2);
        char phone[16];
        std::snprintf(
            phone, sizeof phone, "138%08d", std::uniform_int_distribution<int>(0, 99999999)(rng));
        addPatient(rng, id17 + idCheckCharacter(id17),
            std::string(pick(rng, kSurnames)) + pick(rng, kGiven), gender, birth, phone);
    }
    (void)today;
    addResidents();
}

// The three sample residents of firmware-tools/images (李娜, 张喆, 阿依古丽): patients P0013..P0015
// with fixed unpaid items (an insurance-covered drug and an exam) and lab reports with an
// abnormal result, the same on every start whatever the seed, so that a walk with their real
// cards shows bills and reports. Added after the seeded patients: P0001..P0012 do not change.
void HisWorld::addResidents() {
    struct Item {
        const char* name;
        const char* category;
        const char* insuranceClass;
        int quantity;
        std::int64_t unitFen;
    };
    struct Obs {
        const char* code;
        const char* name;
        const char* unit;
        double value, low, high;
    };
    struct Report {
        const char* name;
        const char* issued;
        std::vector<Obs> obs;
    };
    struct Resident {
        const char* idNumber;
        const char* name;
        const char* gender;
        const char* birth;
        const char* phone;
        std::vector<Item> items;
        std::vector<Report> reports;
    };
    const std::vector<Resident> residents = {
        { "110105197503150022", "李娜", "female", "1975-03-15", "13811112222",
            { { "盐酸二甲双胍缓释片(0.5g*30片)", "drug", "A", 2, 2650 },
                { "腹部彩色多普勒超声检查", "exam", "B", 1, 16000 } },
            { { "血常规", "2026-11-20T09:30:00+08:00",
                  { { "WBC", "白细胞计数", "10^9/L", 6.2, 3.5, 9.5 },
                      { "RBC", "红细胞计数", "10^12/L", 4.1, 3.8, 5.1 },
                      { "HGB", "血红蛋白", "g/L", 128, 115, 150 },
                      { "PLT", "血小板计数", "10^9/L", 236, 125, 350 } } },
                { "肝功能", "2026-11-20T10:15:00+08:00",
                    { { "ALT", "丙氨酸氨基转移酶", "U/L", 68, 7, 40 },
                        { "AST", "天门冬氨酸氨基转移酶", "U/L", 45, 13, 35 },
                        { "TBIL", "总胆红素", "umol/L", 12.4, 0, 21 },
                        { "ALB", "白蛋白", "g/L", 42.1, 40, 55 } } } } },
        { "410102198001010018", "张喆", "male", "1980-01-01", "13800138000",
            { { "阿莫西林胶囊(0.25g*24粒)", "drug", "A", 1, 1860 },
                { "胸部X线检查(DR)", "exam", "B", 1, 9000 } },
            { { "血常规", "2026-11-21T08:40:00+08:00",
                { { "WBC", "白细胞计数", "10^9/L", 11.8, 3.5, 9.5 },
                    { "NEUT%", "中性粒细胞百分比", "%", 82.3, 40, 75 },
                    { "RBC", "红细胞计数", "10^12/L", 4.9, 4.3, 5.8 },
                    { "HGB", "血红蛋白", "g/L", 152, 130, 175 },
                    { "PLT", "血小板计数", "10^9/L", 210, 125, 350 } } } } },
        { "650102199006120020", "阿依古丽·买买提", "female", "1990-06-12", "13999999999",
            { { "琥珀酸亚铁片(0.1g*24片)", "drug", "B", 2, 1580 },
                { "血清铁蛋白测定", "exam", "B", 1, 4500 } },
            { { "血常规", "2026-11-19T09:05:00+08:00",
                  { { "WBC", "白细胞计数", "10^9/L", 5.4, 3.5, 9.5 },
                      { "RBC", "红细胞计数", "10^12/L", 3.6, 3.8, 5.1 },
                      { "HGB", "血红蛋白", "g/L", 98, 115, 150 },
                      { "MCV", "平均红细胞体积", "fL", 72.5, 82, 100 },
                      { "PLT", "血小板计数", "10^9/L", 301, 125, 350 } } },
                { "肝功能", "2026-11-19T09:05:00+08:00",
                    { { "ALT", "丙氨酸氨基转移酶", "U/L", 18, 7, 40 },
                        { "AST", "天门冬氨酸氨基转移酶", "U/L", 21, 13, 35 },
                        { "TBIL", "总胆红素", "umol/L", 9.8, 0, 21 } } } } },
    };
    for (const auto& r : residents) {
        char pid[16];
        std::snprintf(pid, sizeof pid, "P%04d", m_nextPatient++);
        json::object p { { "resourceType", "Patient" }, { "id", pid },
            { "identifier",
                json::array { json::object {
                    { "system", "urn:oid:2.16.156.10011.1.3" }, { "value", r.idNumber } } } },
            { "name", json::array { json::object { { "text", r.name } } } }, { "gender", r.gender },
            { "birthDate", r.birth },
            { "telecom",
                json::array { json::object { { "system", "phone" }, { "value", r.phone } } } } };
        m_patients.push_back(std::move(p));
        for (const auto& i : r.items) {
            char id[16];
            std::snprintf(id, sizeof id, "CI%06d", m_nextItem++);
            m_items.emplace(id,
                ItemRec { id, pid, i.name, "billable", i.quantity, i.unitFen * i.quantity,
                    i.category, i.insuranceClass });
        }
        for (const auto& rep : r.reports) {
            ReportRec rr;
            rr.id = "DR" + std::to_string(100000 + m_reports.size() + 1).substr(1);
            rr.patientId = pid;
            rr.name = rep.name;
            rr.issued = rep.issued;
            for (const auto& o : rep.obs) {
                rr.obs.push_back(ObsRec { o.code, o.name, o.unit, o.value, o.low, o.high });
            }
            m_reports.push_back(std::move(rr));
        }
    }
}

void HisWorld::addPatient(std::mt19937& rng, std::string idNumber, std::string name,
    std::string gender, std::string birth, std::string phone) {
    char pid[16];
    std::snprintf(pid, sizeof pid, "P%04d", m_nextPatient++);
    json::object p { { "resourceType", "Patient" }, { "id", pid },
        { "identifier",
            json::array { json::object {
                { "system", "urn:oid:2.16.156.10011.1.3" }, { "value", idNumber } } } },
        { "name", json::array { json::object { { "text", name } } } }, { "gender", gender },
        { "birthDate", birth } };
    if (!phone.empty()) {
        p["telecom"] = json::array { json::object { { "system", "phone" }, { "value", phone } } };
    }
    m_patients.push_back(std::move(p));
    // Unpaid items and lab reports (none for a record created at the kiosk).
    if (!phone.empty() || name.empty()) {
        const int items = std::uniform_int_distribution<int>(1, 4)(rng);
        for (int i = 0; i < items; ++i) {
            char id[16];
            std::snprintf(id, sizeof id, "CI%06d", m_nextItem++);
            const auto& def = pick(rng, kItems);
            const int qty = std::uniform_int_distribution<int>(1, 2)(rng);
            m_items.emplace(
                id, ItemRec { id, pid, def.name, "billable", qty, def.fen * qty, "", "" });
        }
        const auto addReport = [&](const char* reportName, const auto& defs) {
            ReportRec r;
            r.id = "DR" + std::to_string(100000 + m_reports.size() + 1).substr(1);
            r.patientId = pid;
            r.name = reportName;
            r.issued = "2026-11-20T09:30:00+08:00";
            for (const auto& d : defs) {
                const double span = d.high - d.low;
                // Mostly normal, sometimes 30 % outside either way.
                const double v = std::uniform_real_distribution<double>(
                    d.low - 0.3 * span, d.high + 0.3 * span)(rng);
                r.obs.push_back(ObsRec { d.code, d.name, d.unit,
                    std::round(std::max(0.0, v) * 10) / 10, d.low, d.high });
            }
            m_reports.push_back(std::move(r));
        };
        addReport("血常规", kCbc);
        if (std::uniform_int_distribution<int>(0, 1)(rng) == 1) {
            addReport("肝功能", kLiver);
        }
    }
}

int HisWorld::delayMs() {
    std::lock_guard lock(m_mutex);
    return m_faults.delayMs;
}

bool HisWorld::heldByOther(const SlotRec& s, const std::string& session) const {
    return !s.holdSession.empty() && s.holdSession != session
        && std::chrono::steady_clock::now() < s.holdUntil;
}

json::object HisWorld::slotJson(const SlotRec& s) const {
    std::string status = "free";
    if (!s.appointmentId.empty()) {
        status = "busy";
    } else if (!s.holdSession.empty() && std::chrono::steady_clock::now() < s.holdUntil) {
        status = "busy-tentative";
    }
    return json::object { { "resourceType", "Slot" }, { "id", s.id },
        { "schedule", json::object { { "reference", "Schedule/SC-" + s.doctorId } } },
        { "practitioner", json::object { { "reference", "Practitioner/" + s.doctorId } } },
        { "start", s.start }, { "end", s.end }, { "status", status }, { "priceFen", s.priceFen } };
}

json::object HisWorld::invoiceJson(const std::string& id) const {
    return m_invoices.at(id);
}

Reply HisWorld::handle(const std::string& method, const std::string& target,
    const std::string& body, bool& dropReply) {
    std::lock_guard lock(m_mutex);
    dropReply = false;
    const auto qpos = target.find('?');
    const auto path = target.substr(0, qpos);
    auto query = qpos == std::string::npos ? std::map<std::string, std::string> {}
                                           : parseQuery(target.substr(qpos + 1));
    json::value parsed;
    if (method == "POST" && path.size() > 8 && path.compare(path.size() - 8, 8, "/_search") == 0) {
        // FHIR search by POST: the parameters are a form body (application/x-www-form-urlencoded),
        // so an ID number never appears in a URL (and so in no access log).
        for (const auto& [k, v] : parseQuery(body)) {
            query[k] = v;
        }
    } else if (!body.empty()) {
        boost::system::error_code ec;
        parsed = json::parse(body, ec);
        if (ec) {
            return outcome(400, "structure", "request body is not JSON: " + ec.message());
        }
    }
    if (path == "/admin/faults") {
        if (method == "POST") {
            const auto get = [&](const char* k) {
                const auto* v = parsed.is_object() ? parsed.get_object().if_contains(k) : nullptr;
                return v != nullptr && v->is_int64() ? static_cast<int>(v->get_int64()) : 0;
            };
            m_faults = Faults { get("delay_ms"), get("fail_5xx"), get("drop_after_commit") };
        }
        return { 200,
            json::object { { "delay_ms", m_faults.delayMs }, { "fail_5xx", m_faults.fail5xx },
                { "drop_after_commit", m_faults.dropAfterCommit } } };
    }
    if (path == "/admin/clock" && method == "POST") {
        const auto* v = parsed.is_object() ? parsed.get_object().if_contains("now") : nullptr;
        m_now = v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
        return { 200, json::object { { "now", nowLocal() } } };
    }
    if (method == "POST" && path.rfind("/admin/appointments/", 0) == 0 && path.size() > 27
        && path.compare(path.size() - 7, 7, "/arrive") == 0) {
        // The patient checked in at the clinic (分诊签到): no longer cancellable.
        const auto it = m_appointments.find(path.substr(20, path.size() - 27));
        if (it == m_appointments.end()) {
            return outcome(404, "not-found", "no appointment");
        }
        it->second["status"] = "arrived";
        return { 200, appointmentJson(it->second) };
    }
    if (path == "/admin/health") {
        return { 200, json::object { { "status", "ok" } } };
    }
    if (path.rfind("/fhir/", 0) == 0 && m_faults.fail5xx > 0) {
        --m_faults.fail5xx;
        return outcome(503, "transient", "fault switch: 503 before doing anything");
    }
    auto reply = route(method, path, query, parsed);
    if (method == "POST" && reply.status < 300 && m_faults.dropAfterCommit > 0) {
        --m_faults.dropAfterCommit;
        dropReply = true;
    }
    return reply;
}

Reply HisWorld::route(const std::string& method, const std::string& path,
    const std::map<std::string, std::string>& query, const json::value& body) {
    const auto q = [&](const char* k) {
        const auto it = query.find(k);
        return it == query.end() ? std::string() : it->second;
    };
    if (method == "GET" && path == "/fhir/Patient" && !q("identifier").empty()) {
        return outcome(400, "not-supported",
            "identifier: an ID number does not go in a URL; search with POST "
            "/fhir/Patient/_search (form body identifier=...)");
    }
    if ((method == "GET" && path == "/fhir/Patient")
        || (method == "POST" && path == "/fhir/Patient/_search")) {
        json::array out;
        const auto id = q("identifier");
        for (const auto& p : m_patients) {
            if (id.empty() || p.at("identifier").at(0).at("value").as_string() == id) {
                out.push_back(p);
            }
        }
        return { 200, bundleOf(std::move(out)) };
    }
    if (method == "POST" && path == "/fhir/Patient") {
        return createPatient(body);
    }
    if (method == "GET" && path == "/fhir/Organization") {
        json::array out;
        for (const auto& d : m_departments) {
            out.push_back(d);
        }
        return { 200, bundleOf(std::move(out)) };
    }
    if (method == "GET" && path == "/fhir/Practitioner") {
        json::array out;
        const auto org = q("organization");
        for (const auto& d : m_doctors) {
            if (org.empty()
                || d.at("organization").at("reference").as_string() == "Organization/" + org) {
                out.push_back(d);
            }
        }
        return { 200, bundleOf(std::move(out)) };
    }
    if (method == "GET" && path == "/fhir/Schedule") {
        // One schedule per doctor: the 14 days of slots.
        json::array out;
        const auto actor = q("actor");
        for (const auto& d : m_doctors) {
            const std::string id(d.at("id").as_string());
            if (!actor.empty() && actor != id) {
                continue;
            }
            const auto first = m_slots.lower_bound("SL-" + id + "-");
            std::string startDate;
            std::string endDate;
            for (auto it = first; it != m_slots.end() && it->second.doctorId == id; ++it) {
                startDate = startDate.empty() ? it->second.date : startDate;
                endDate = it->second.date;
            }
            out.push_back(json::object { { "resourceType", "Schedule" }, { "id", "SC-" + id },
                { "active", true },
                { "actor",
                    json::array { json::object { { "reference", "Practitioner/" + id } },
                        d.at("organization") } },
                { "planningHorizon",
                    json::object { { "start", startDate }, { "end", endDate } } } });
        }
        return { 200, bundleOf(std::move(out)) };
    }
    if (method == "GET" && path == "/fhir/Slot") {
        json::array out;
        const auto doctor = q("practitioner");
        const auto date = q("date");
        for (const auto& [id, s] : m_slots) {
            if ((doctor.empty() || s.doctorId == doctor) && (date.empty() || s.date == date)) {
                out.push_back(slotJson(s));
            }
            if (out.size() >= 2000) {
                break;
            }
        }
        return { 200, bundleOf(std::move(out)) };
    }
    if (method == "POST" && path.rfind("/fhir/Slot/", 0) == 0) {
        const auto rest = path.substr(11);
        const auto slash = rest.find('/');
        const auto slotId = rest.substr(0, slash);
        const auto op = slash == std::string::npos ? "" : rest.substr(slash + 1);
        if (op == "$hold") {
            return hold(slotId, body);
        }
        if (op == "$release") {
            return release(slotId, body);
        }
    }
    if (method == "POST" && path == "/fhir/Appointment/$book") {
        return book(body);
    }
    if (method == "GET" && path == "/fhir/Appointment") {
        json::array out;
        if (!q("cancel-request").empty()) {
            const auto it = m_cancelByRequest.find(q("cancel-request"));
            if (it != m_cancelByRequest.end()) {
                out.push_back(appointmentJson(m_appointments.at(it->second)));
            }
            return { 200, bundleOf(std::move(out)) };
        }
        for (const auto& [id, a] : m_appointments) {
            if (a.at("patient").at("reference").as_string() == "Patient/" + q("patient")) {
                out.push_back(appointmentJson(a));
            }
        }
        return { 200, bundleOf(std::move(out)) };
    }
    if (method == "GET" && path == "/fhir/ChargeItem") {
        json::array out;
        const auto status = q("status");
        for (const auto& [id, c] : m_items) {
            if (c.patientId == q("patient") && (status.empty() || c.status == status)) {
                out.push_back(json::object { { "resourceType", "ChargeItem" }, { "id", c.id },
                    { "status", c.status },
                    { "subject", json::object { { "reference", "Patient/" + c.patientId } } },
                    { "code", json::object { { "text", c.description } } },
                    { "quantity", json::object { { "value", c.quantity } } },
                    { "priceFen", c.priceFen } });
                if (!c.category.empty()) {
                    // Catalog class for insurance (甲/乙/丙 as A/B/C) and drug/exam, FHIR-like.
                    auto& o = out.back().as_object();
                    o["category"] = json::array { json::object { { "text", c.category } } };
                    o["insuranceClass"] = c.insuranceClass;
                }
            }
        }
        return { 200, bundleOf(std::move(out)) };
    }
    if (method == "POST" && path == "/fhir/Invoice/$pay") {
        return pay(body);
    }
    if (method == "GET" && path == "/fhir/Invoice") {
        json::array out;
        if (!q("_id").empty()) {
            const auto byId = m_invoices.find(q("_id"));
            if (byId != m_invoices.end()) {
                out.push_back(byId->second);
            }
        } else if (!q("refund-request").empty()) {
            const auto it = m_refundByRequest.find(q("refund-request"));
            if (it != m_refundByRequest.end()) {
                out.push_back(m_invoices.at(it->second));
            }
        } else {
            const auto it = m_invoiceByRequest.find(q("identifier"));
            if (it != m_invoiceByRequest.end()) {
                out.push_back(m_invoices.at(it->second));
            }
        }
        return { 200, bundleOf(std::move(out)) };
    }
    if (method == "POST" && path.rfind("/fhir/Invoice/", 0) == 0 && path.size() > 22
        && path.compare(path.size() - 8, 8, "/$refund") == 0) {
        return refund(path.substr(14, path.size() - 22), body);
    }
    if (method == "POST" && path.rfind("/fhir/Appointment/", 0) == 0 && path.size() > 26
        && path.compare(path.size() - 8, 8, "/$cancel") == 0) {
        return cancelAppointment(path.substr(18, path.size() - 26), body);
    }
    if (method == "GET" && path == "/fhir/DiagnosticReport") {
        json::array out;
        for (const auto& r : m_reports) {
            if (r.patientId != q("patient")) {
                continue;
            }
            json::array contained;
            json::array results;
            int n = 0;
            for (const auto& o : r.obs) {
                const auto oid = r.id + "-" + std::to_string(++n);
                const char* flag = o.value < o.low ? "L" : o.value > o.high ? "H" : "N";
                contained.push_back(json::object { { "resourceType", "Observation" }, { "id", oid },
                    { "status", "final" },
                    { "code", json::object { { "code", o.code }, { "text", o.name } } },
                    { "valueQuantity", json::object { { "value", o.value }, { "unit", o.unit } } },
                    { "referenceRange",
                        json::array { json::object { { "low", json::object { { "value", o.low } } },
                            { "high", json::object { { "value", o.high } } } } } },
                    { "interpretation", json::array { json::object { { "code", flag } } } } });
                results.push_back(json::object { { "reference", "#" + oid } });
            }
            out.push_back(json::object { { "resourceType", "DiagnosticReport" }, { "id", r.id },
                { "status", "final" },
                { "subject", json::object { { "reference", "Patient/" + r.patientId } } },
                { "code", json::object { { "text", r.name } } }, { "issued", r.issued },
                { "contained", std::move(contained) }, { "result", std::move(results) } });
        }
        return { 200, bundleOf(std::move(out)) };
    }
    return outcome(404, "not-found", "no route for " + method + " " + path);
}

Reply HisWorld::createPatient(const json::value& body) {
    std::string idNumber;
    std::string name;
    std::string phone;
    try {
        idNumber = std::string(body.at("identifier").at(0).at("value").as_string());
        name = std::string(body.at("name").at(0).at("text").as_string());
        if (body.as_object().contains("telecom")) {
            phone = std::string(body.at("telecom").at(0).at("value").as_string());
        }
    } catch (const std::exception&) {
        return outcome(400, "required", "Patient needs identifier[0].value and name[0].text");
    }
    if (idNumber.size() != 18 || idCheckCharacter(idNumber.substr(0, 17)) != idNumber[17]) {
        return outcome(422, "value", "identifier is not a valid resident ID number");
    }
    for (const auto& p : m_patients) {
        if (p.at("identifier").at(0).at("value").as_string() == idNumber) {
            return { 200, p };
        }
    }
    std::mt19937 none(0);
    addPatient(none, idNumber, name, str(body, "gender").empty() ? "unknown" : str(body, "gender"),
        str(body, "birthDate"), "");
    // A record made at the kiosk has no items or reports; keep the phone.
    auto& p = m_patients.back();
    if (!phone.empty()) {
        p["telecom"] = json::array { json::object { { "system", "phone" }, { "value", phone } } };
    }
    return { 201, p };
}

Reply HisWorld::hold(const std::string& slotId, const json::value& body) {
    const auto it = m_slots.find(slotId);
    if (it == m_slots.end()) {
        return outcome(404, "not-found", "no slot " + slotId);
    }
    const auto session = str(body, "session");
    if (session.empty()) {
        return outcome(400, "required", "hold needs a session");
    }
    auto& s = it->second;
    if (!s.appointmentId.empty()) {
        return outcome(409, "conflict", "slot " + slotId + " is booked");
    }
    if (heldByOther(s, session)) {
        return outcome(409, "conflict", "slot " + slotId + " is held by another session");
    }
    s.holdSession = session;
    s.holdUntil = std::chrono::steady_clock::now() + m_holdTime;
    s.holdExpiresUtc = utcIn(m_holdTime);
    auto o = slotJson(s);
    o["hold"] = json::object { { "session", session }, { "expires", s.holdExpiresUtc } };
    return { 200, std::move(o) };
}

Reply HisWorld::release(const std::string& slotId, const json::value& body) {
    const auto it = m_slots.find(slotId);
    if (it == m_slots.end()) {
        return outcome(404, "not-found", "no slot " + slotId);
    }
    if (it->second.holdSession == str(body, "session")) {
        it->second.holdSession.clear();
    }
    return { 200, slotJson(it->second) };
}

Reply HisWorld::book(const json::value& body) {
    const auto requestId = str(body, "requestId");
    const auto slotId = str(body, "slot");
    const auto patientId = str(body, "patient");
    const auto session = str(body, "session");
    if (requestId.empty() || slotId.empty() || patientId.empty() || session.empty()) {
        return outcome(400, "required", "book needs slot, patient, session and requestId");
    }
    const auto done = m_appointmentByRequest.find(requestId);
    if (done != m_appointmentByRequest.end()) {
        return { 200, m_appointments.at(done->second) };
    }
    const auto it = m_slots.find(slotId);
    if (it == m_slots.end()) {
        return outcome(404, "not-found", "no slot " + slotId);
    }
    bool known = false;
    for (const auto& p : m_patients) {
        known = known || p.at("id").as_string() == patientId;
    }
    if (!known) {
        return outcome(404, "not-found", "no patient " + patientId);
    }
    auto& s = it->second;
    if (!s.appointmentId.empty()) {
        return outcome(409, "conflict", "slot " + slotId + " is already booked");
    }
    if (heldByOther(s, session)) {
        return outcome(409, "conflict", "slot " + slotId + " is held by another session");
    }
    char id[16];
    std::snprintf(id, sizeof id, "AP%06d", m_nextAppointment++);
    s.appointmentId = id;
    s.holdSession.clear();
    json::object a { { "resourceType", "Appointment" }, { "id", id }, { "status", "booked" },
        { "slot", json::array { json::object { { "reference", "Slot/" + slotId } } } },
        { "patient", json::object { { "reference", "Patient/" + patientId } } },
        { "participant",
            json::array { json::object {
                { "actor", json::object { { "reference", "Practitioner/" + s.doctorId } } } } } },
        { "start", s.start }, { "end", s.end }, { "priceFen", s.priceFen },
        { "requestId", requestId } };
    m_appointments[id] = a;
    m_appointmentByRequest[requestId] = id;
    return { 201, std::move(a) };
}

Reply HisWorld::refund(const std::string& invoiceId, const json::value& body) {
    const auto requestId = str(body, "requestId");
    if (requestId.empty()) {
        return outcome(400, "required", "refund needs a requestId");
    }
    const auto done = m_refundByRequest.find(requestId);
    if (done != m_refundByRequest.end()) {
        return { 200, m_invoices.at(done->second) };
    }
    const auto it = m_invoices.find(invoiceId);
    if (it == m_invoices.end()) {
        return outcome(404, "not-found", "no invoice " + invoiceId);
    }
    auto& inv = it->second;
    if (inv.at("status").as_string() == "cancelled") {
        return outcome(409, "conflict", "invoice " + invoiceId + " is already refunded");
    }
    inv["status"] = "cancelled";
    inv["cancelledReason"] = str(body, "reason");
    inv["refundRequestId"] = requestId;
    for (const auto& line : inv.at("lineItem").as_array()) {
        const std::string ref(line.at("chargeItem").at("reference").as_string());
        const auto item = m_items.find(ref.substr(ref.find('/') + 1));
        if (item != m_items.end()) {
            item->second.status = "aborted"; // refunded: no longer billable
        }
    }
    m_refundByRequest[requestId] = invoiceId;
    return { 200, inv };
}

Reply HisWorld::cancelAppointment(const std::string& appointmentId, const json::value& body) {
    const auto requestId = str(body, "requestId");
    if (requestId.empty()) {
        return outcome(400, "required", "cancel needs a requestId");
    }
    const auto done = m_cancelByRequest.find(requestId);
    if (done != m_cancelByRequest.end()) {
        return { 200, appointmentJson(m_appointments.at(done->second)) };
    }
    const auto it = m_appointments.find(appointmentId);
    if (it == m_appointments.end()) {
        return outcome(404, "not-found", "no appointment " + appointmentId);
    }
    auto& a = it->second;
    if (a.at("status").as_string() == "cancelled") {
        return outcome(409, "conflict", "appointment " + appointmentId + " is already cancelled");
    }
    if (a.at("status").as_string() != "booked") {
        return outcome(422, "business-rule",
            "appointment " + appointmentId + " is " + std::string(a.at("status").as_string())
                + ": an attended appointment cannot be cancelled");
    }
    const auto until = localMinus(std::string(a.at("start").as_string()), m_cancelCutoffMinutes);
    if (nowLocal() >= until) {
        return outcome(422, "business-rule",
            "appointment " + appointmentId + ": cancellations closed at " + until + " ("
                + std::to_string(m_cancelCutoffMinutes) + " min before the start)");
    }
    a["status"] = "cancelled";
    const std::string slotRef(a.at("slot").at(0).at("reference").as_string());
    const auto slot = m_slots.find(slotRef.substr(slotRef.find('/') + 1));
    if (slot != m_slots.end()) {
        slot->second.appointmentId.clear(); // free again
    }
    m_cancelByRequest[requestId] = appointmentId;
    return { 200, appointmentJson(a) };
}

void HisWorld::setCancelCutoffMinutes(int minutes) {
    std::lock_guard lock(m_mutex);
    m_cancelCutoffMinutes = minutes;
}

void HisWorld::setNow(std::string localTime) {
    std::lock_guard lock(m_mutex);
    m_now = std::move(localTime);
}

void HisWorld::setClockDay(const std::string& today) {
    int y = 0;
    unsigned m = 0;
    unsigned d = 0;
    if (std::sscanf(today.c_str(), "%d-%u-%u", &y, &m, &d) != 3) {
        throw std::runtime_error("--today must be YYYY-MM-DD");
    }
    const auto wanted = std::chrono::sys_days(
        std::chrono::year(y) / std::chrono::month(m) / std::chrono::day(d));
    const auto realLocal = std::chrono::floor<std::chrono::days>(
        std::chrono::system_clock::now() + std::chrono::hours(8));
    std::lock_guard lock(m_mutex);
    m_dayShift = (wanted - realLocal).count();
}

std::string HisWorld::nowLocal() const {
    if (!m_now.empty()) {
        return m_now;
    }
    const std::time_t t = std::time(nullptr) + 8 * 3600 + static_cast<std::time_t>(m_dayShift) * 86400;
    std::tm tm {};
    ::gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M", &tm);
    return buf;
}

json::object HisWorld::appointmentJson(const json::object& a) const {
    // 退号 is allowed while booked and before the cut-off (the slot start minus the cut-off).
    auto o = a;
    const auto until = localMinus(std::string(a.at("start").as_string()), m_cancelCutoffMinutes);
    o["cancelUntil"] = until;
    o["cancellable"] = a.at("status").as_string() == "booked" && nowLocal() < until;
    return o;
}

Reply HisWorld::pay(const json::value& body) {
    const auto requestId = str(body, "requestId");
    const auto patientId = str(body, "patient");
    if (requestId.empty() || patientId.empty() || !body.get_object().contains("chargeItems")
        || !body.at("chargeItems").is_array() || !body.get_object().contains("totalFen")
        || !body.at("totalFen").is_int64()) {
        return outcome(400, "required", "pay needs patient, chargeItems, totalFen and requestId");
    }
    const auto done = m_invoiceByRequest.find(requestId);
    if (done != m_invoiceByRequest.end()) {
        return { 200, m_invoices.at(done->second) };
    }
    std::int64_t total = 0;
    std::vector<std::string> ids;
    std::set<std::string> seen;
    for (const auto& v : body.at("chargeItems").as_array()) {
        if (!v.is_string()) {
            return outcome(400, "value", "chargeItems must be strings");
        }
        const std::string id(v.get_string());
        const auto it = m_items.find(id);
        if (it == m_items.end() || it->second.patientId != patientId || !seen.insert(id).second) {
            return outcome(404, "not-found", "no unpaid item " + id + " for " + patientId);
        }
        if (it->second.status != "billable") {
            return outcome(409, "conflict", "item " + id + " is already paid");
        }
        total += it->second.priceFen;
        ids.push_back(id);
    }
    if (ids.empty() || total != body.at("totalFen").get_int64()) {
        return outcome(422, "value",
            "totalFen " + std::to_string(body.at("totalFen").get_int64())
                + " does not match the items (" + std::to_string(total) + ")");
    }
    char id[16];
    std::snprintf(id, sizeof id, "INV%06d", m_nextInvoice++);
    json::array lines;
    for (const auto& item : ids) {
        m_items.at(item).status = "billed";
        lines.push_back(json::object {
            { "chargeItem", json::object { { "reference", "ChargeItem/" + item } } } });
    }
    json::object inv { { "resourceType", "Invoice" }, { "id", id }, { "status", "balanced" },
        { "identifier", json::array { json::object { { "value", requestId } } } },
        { "subject", json::object { { "reference", "Patient/" + patientId } } },
        { "lineItem", std::move(lines) }, { "totalFen", total } };
    m_invoices[id] = inv;
    m_invoiceByRequest[requestId] = id;
    return { 201, std::move(inv) };
}

} // namespace hc::kiosk::hissim
