#include "scripted_port.hpp"

#include "hc/base/error.hpp"

#include <algorithm>
#include <ctime>

namespace hc::kiosk::dev {

namespace json = boost::json;

namespace {

json::object item(std::string_view id, std::string_view label, std::string_view detail = {},
    bool disabled = false) {
    json::object o;
    o["id"] = id;
    o["label"] = label;
    o["detail"] = detail;
    o["disabled"] = disabled;
    return o;
}

json::object action(std::string_view id, std::string_view label) {
    json::object o;
    o["id"] = id;
    o["label"] = label;
    return o;
}

json::object line(std::string_view label, std::string_view value) {
    json::object o;
    o["label"] = label;
    o["value"] = value;
    return o;
}

json::object progress(int step, int of) {
    json::object o;
    o["step"] = step;
    o["of"] = of;
    return o;
}

struct Department {
    const char* id;
    const char* name;
    int left;
};
constexpr Department kDepartments[]
    = { { "D01", "内科", 12 }, { "D02", "外科", 8 }, { "D03", "儿科", 5 }, { "D04", "妇产科", 3 },
          { "D05", "眼科", 9 }, { "D06", "口腔科", 4 }, { "D07", "皮肤科", 0 } };

struct SlotInfo {
    const char* id;
    const char* doctor;
    const char* time;
    const char* fee;
    std::int64_t feeFen;
    int left;
};
constexpr SlotInfo kSlots[] = {
    { "S01", "张伟 主任医师", "08:00–08:30", "50.00 元", 5000, 3 },
    { "S02", "张伟 主任医师", "08:30–09:00", "50.00 元", 5000, 1 },
    { "S03", "王芳 副主任医师", "09:00–09:30", "30.00 元", 3000, 4 },
    { "S04", "刘洋 主治医师", "14:00–14:30", "20.00 元", 2000, 6 },
    { "S05", "陈静 住院医师", "15:00–15:30", "10.00 元", 1000, 0 },
};

const SlotInfo* findSlot(const std::string& id) {
    for (const auto& s : kSlots) {
        if (id == s.id) {
            return &s;
        }
    }
    return nullptr;
}

const Department* findDepartment(const std::string& id) {
    for (const auto& d : kDepartments) {
        if (id == d.id) {
            return &d;
        }
    }
    return nullptr;
}

std::string requireString(const json::object& m, std::string_view field) {
    const auto* v = m.if_contains(field);
    if (v == nullptr || !v->is_string()) {
        throw hc::InputError(std::string(field) + ": expected a string");
    }
    return std::string(v->as_string());
}

std::string stamp() {
    const auto t = std::time(nullptr);
    std::tm tm {};
    ::gmtime_r(&t, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y%m%d%H%M%S", &tm);
    return buf;
}

} // namespace

ScriptedPort::ScriptedPort(int secondsPerScreen)
    : m_secondsPerScreen(secondsPerScreen)
    , m_timer([this] { timerLoop(); }) {
}

ScriptedPort::~ScriptedPort() {
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_cv.notify_all();
    m_timer.join();
}

void ScriptedPort::setListener(Listener listener) {
    std::lock_guard lock(m_mutex);
    m_listener = std::move(listener);
}

json::object ScriptedPort::currentView() {
    std::lock_guard lock(m_mutex);
    return viewLocked();
}

void ScriptedPort::go(std::string screen) {
    m_screen = std::move(screen);
    m_error = {};
    int seconds = m_screen == "menu" ? m_secondsPerScreen * 3 / 2 : m_secondsPerScreen;
    if (m_elderly) {
        seconds *= 2;
    }
    m_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    if (m_screen == "idle") {
        m_session.clear();
        m_business.clear();
        m_errors = 0;
    }
    m_cv.notify_all();
}

void ScriptedPort::fail(std::string text, std::string next, std::string code) {
    m_error = {};
    m_error["text"] = std::move(text);
    m_error["next"] = std::move(next);
    m_error["code"] = std::move(code);
    ++m_errors;
}

json::object ScriptedPort::viewLocked() const {
    json::object v;
    v["type"] = "view";
    v["session"] = m_session;
    v["business"] = m_business;
    v["screen"] = m_screen;
    const bool cashier = m_screen.rfind("cashier", 0) == 0;
    v["mode"] = cashier ? "cashier" : (m_elderly ? "elderly" : "patient");
    long countdown = 0;
    if (m_screen != "idle") {
        const auto left = std::chrono::duration_cast<std::chrono::seconds>(
            m_deadline - std::chrono::steady_clock::now() + std::chrono::milliseconds(999));
        countdown = std::max<long>(0, static_cast<long>(left.count()));
    }
    v["countdown"] = countdown;
    json::array items;
    json::array actions;
    json::object data;
    json::value input = nullptr;
    std::string title;
    std::string message;
    const auto* slot = findSlot(m_slot);
    const auto* dept = findDepartment(m_department);

    if (m_screen == "idle") {
        title = "欢迎使用自助服务机";
        message = "请将居民健康卡芯片朝上插入读卡口";
        items.push_back(item("dev_insert", "模拟插卡", "开发用：插入李娜的居民健康卡"));
        items.push_back(item("dev_cashier", "收费窗口", "开发用：工作人员登录"));
        // As kioskd shows card issuance when the dispenser has no blank card left.
        auto issue = action("issue_card", "办理健康卡");
        issue["disabled"] = true;
        issue["detail"] = "暂无空白卡，请到人工窗口办理";
        actions.push_back(issue);
        data["hospital"] = "示范市第一人民医院";
    } else if (m_screen == "menu") {
        title = "请选择业务";
        message = "李*，您好";
        items.push_back(item("registration", "预约挂号", "当日挂号和预约"));
        items.push_back(item("payment", "门诊缴费", "待缴 2 项"));
        items.push_back(item("topup", "充值", "卡内余额 62.50 元"));
        items.push_back(item("balance", "余额查询", "余额和最近交易"));
        items.push_back(item("reports", "报告打印", "1 份新报告"));
        actions.push_back(action("exit", "退卡"));
    } else if (m_screen == "choose_department") {
        title = "请选择科室";
        message = "共 6 个科室有号";
        for (const auto& d : kDepartments) {
            items.push_back(item(d.id, d.name,
                d.left > 0 ? "余号 " + std::to_string(d.left) : std::string("今日已满"),
                d.left == 0));
        }
        data["progress"] = progress(1, 4);
    } else if (m_screen == "choose_slot") {
        title = "请选择医生和时段";
        message = std::string(dept != nullptr ? dept->name : "") + " · 明天";
        for (const auto& s : kSlots) {
            items.push_back(item(s.id, std::string(s.doctor) + " " + s.time,
                s.left > 0 ? std::string("诊查费 ") + s.fee + " · 余 " + std::to_string(s.left)
                           : std::string("已约满"),
                s.left == 0));
        }
        data["progress"] = progress(2, 4);
    } else if (m_screen == "confirm") {
        title = "请确认挂号信息";
        message = "号源已为您保留 5 分钟";
        json::array lines;
        lines.push_back(line("科室", dept != nullptr ? dept->name : ""));
        lines.push_back(line("医生", slot != nullptr ? slot->doctor : ""));
        lines.push_back(line("时间", std::string("明天 ") + (slot != nullptr ? slot->time : "")));
        lines.push_back(line("诊查费", slot != nullptr ? slot->fee : ""));
        lines.push_back(line("支付方式", "健康卡电子钱包"));
        data["lines"] = std::move(lines);
        data["amountFen"] = slot != nullptr ? slot->feeFen : 0;
        data["progress"] = progress(3, 4);
        actions.push_back(action("cancel", "取消"));
        actions.push_back(action("confirm", "确认支付"));
    } else if (m_screen == "pin") {
        title = "请输入卡密码";
        message = m_business == "payment"
            ? "支付 86.00 元"
            : std::string("支付 ") + (slot != nullptr ? slot->fee : "");
        json::object in;
        in["kind"] = "pin";
        in["label"] = "请输入 6 位卡密码";
        in["min"] = 6;
        in["max"] = 6;
        input = std::move(in);
        data["progress"] = progress(4, 4);
        actions.push_back(action("cancel", "取消"));
    } else if (m_screen == "registration_done") {
        title = "挂号成功";
        message = "请取走凭条，按时到诊室候诊";
        json::array lines;
        lines.push_back(line("就诊序号", "12"));
        lines.push_back(line("科室", dept != nullptr ? dept->name : ""));
        lines.push_back(line("医生", slot != nullptr ? slot->doctor : ""));
        lines.push_back(line("时间", std::string("明天 ") + (slot != nullptr ? slot->time : "")));
        lines.push_back(line("已付", slot != nullptr ? slot->fee : ""));
        lines.push_back(line("流水号", m_session));
        data["lines"] = std::move(lines);
        data["printed"] = true;
        actions.push_back(action("exit", "完成并退卡"));
    } else if (m_screen == "unpaid_items") {
        title = "待缴费项目";
        message = "共 2 项，合计 86.00 元";
        json::array lines;
        lines.push_back(line("血常规", "26.00 元"));
        lines.push_back(line("阿莫西林胶囊 ×2", "60.00 元"));
        lines.push_back(line("合计", "86.00 元"));
        data["lines"] = std::move(lines);
        data["amountFen"] = 8600;
        actions.push_back(action("confirm", "去支付"));
    } else if (m_screen == "payment_failed") {
        title = "支付未完成";
        message = "本次未扣款";
        actions.push_back(action("topup", "去充值"));
        actions.push_back(action("qr", "改用扫码支付"));
    } else if (m_screen == "qr_pay") {
        title = "请扫码支付";
        message = "应付 86.00 元";
        data["qr"] = "https://pay.example.cn/hc/order/" + m_session;
        data["amountFen"] = 8600;
    } else if (m_screen == "topup_amount") {
        title = "请输入充值金额";
        message = "卡内余额 62.50 元，单次最多 5000 元";
        json::object in;
        in["kind"] = "amount";
        in["label"] = "充值金额（元）";
        in["min"] = 100;
        in["max"] = 500000;
        input = std::move(in);
    } else if (m_screen == "topup_done") {
        title = "充值成功";
        message = "请取走凭条";
        json::array lines;
        lines.push_back(line("充值金额", "100.00 元"));
        lines.push_back(line("卡内余额", "162.50 元"));
        data["lines"] = std::move(lines);
        actions.push_back(action("exit", "完成并退卡"));
    } else if (m_screen == "balance") {
        title = "余额查询";
        json::array lines;
        lines.push_back(line("卡内余额", "62.50 元"));
        lines.push_back(line("11-20 挂号", "-20.00 元"));
        lines.push_back(line("11-18 充值", "+50.00 元"));
        data["lines"] = std::move(lines);
        data["balanceFen"] = 6250;
    } else if (m_screen == "choose_report") {
        title = "请选择要打印的报告";
        message = "每份报告只打印一次";
        items.push_back(item("R1", "血常规 11-20", "有 2 项异常"));
        items.push_back(item("R2", "肝功能 11-18", "已打印", true));
    } else if (m_screen == "report_printed") {
        title = "报告已打印";
        message = "请在下方出纸口取走报告";
        json::array lines;
        lines.push_back(line("报告", "血常规 11-20"));
        lines.push_back(line("页数", "1"));
        data["lines"] = std::move(lines);
        actions.push_back(action("exit", "完成并退卡"));
    } else if (m_screen == "cashier_menu") {
        title = "收费窗口 · 工号 0012";
        message = "当班已收 1,280.00 元";
        items.push_back(item("cash", "现金收费", "收现金并找零"));
        items.push_back(item("refund", "退费", "需主管审批"));
        items.push_back(item("shift", "日结报表", "打印本班次汇总"));
        actions.push_back(action("logout", "退出登录"));
    }
    if (m_screen != "idle" && m_screen != "menu" && m_screen != "cashier_menu") {
        if (m_screen != "registration_done" && m_screen != "topup_done"
            && m_screen != "report_printed") {
            actions.push_back(action("back", "返回"));
        }
        actions.push_back(action("home", "首页"));
    }
    if (m_elderly && m_errors >= 3) {
        actions.push_back(action("call_staff", "呼叫工作人员"));
    }
    v["title"] = title;
    v["message"] = message;
    v["items"] = std::move(items);
    v["actions"] = std::move(actions);
    v["input"] = std::move(input);
    v["error"] = m_error.empty() ? json::value(nullptr) : json::value(m_error);
    v["data"] = std::move(data);
    return v;
}

void ScriptedPort::handleInput(const json::object& message) {
    const auto type = requireString(message, "type");
    std::vector<json::object> extra; // events to push before the view
    {
        std::lock_guard lock(m_mutex);
        const auto begin = [this](const char* business, const char* code) {
            m_business = business;
            m_session = std::string("K01") + code + stamp()
                + std::to_string(1000 + ++m_sessionCounter).substr(1);
        };
        if (type == "mode") {
            const auto* v = message.if_contains("elderly");
            if (v == nullptr || !v->is_bool()) {
                throw hc::InputError("elderly: expected true or false");
            }
            if (m_elderly != v->as_bool()) {
                m_elderly = v->as_bool();
                // The screen's time left follows the mode.
                const auto now = std::chrono::steady_clock::now();
                const auto left = m_deadline - now;
                m_deadline = now + (m_elderly ? left * 2 : left / 2);
            }
        } else if (type == "card") {
            const auto event = requireString(message, "event");
            if (event != "inserted" && event != "removed") {
                throw hc::InputError("event: expected \"inserted\" or \"removed\"");
            }
            json::object e;
            e["type"] = "event";
            e["event"] = event == "inserted" ? "card_inserted" : "card_removed";
            e["detail"] = json::object {};
            extra.push_back(std::move(e));
            m_cardIn = event == "inserted";
            go(m_cardIn ? "menu" : "idle");
        } else if (type == "choose") {
            const auto id = requireString(message, "item");
            const auto view = viewLocked();
            bool offered = false;
            for (const auto& it : view.at("items").as_array()) {
                if (it.at("id").as_string() == id && !it.at("disabled").as_bool()) {
                    offered = true;
                }
            }
            if (offered) {
                if (id == "dev_insert") {
                    m_cardIn = true;
                    go("menu");
                } else if (id == "dev_cashier") {
                    begin("cashier", "CSH");
                    go("cashier_menu");
                } else if (id == "registration") {
                    begin("registration", "REG");
                    go("choose_department");
                } else if (id == "payment") {
                    begin("payment", "PAY");
                    go("unpaid_items");
                } else if (id == "topup") {
                    begin("topup", "TOP");
                    go("topup_amount");
                } else if (id == "balance") {
                    begin("balance", "BAL");
                    go("balance");
                } else if (id == "reports") {
                    begin("reports", "RPT");
                    go("choose_report");
                } else if (m_screen == "choose_department") {
                    m_department = id;
                    go("choose_slot");
                } else if (m_screen == "choose_slot") {
                    m_slot = id;
                    go("confirm");
                } else if (m_screen == "choose_report") {
                    go("report_printed");
                }
            }
        } else if (type == "action") {
            const auto id = requireString(message, "action");
            const auto view = viewLocked();
            bool offered = false;
            for (const auto& a : view.at("actions").as_array()) {
                offered = offered || a.at("id").as_string() == id;
            }
            if (offered) {
                if (id == "home") {
                    go(m_cardIn ? "menu" : "idle");
                    m_business.clear();
                    m_session.clear();
                } else if (id == "exit" || id == "logout") {
                    m_cardIn = false;
                    go("idle");
                } else if (id == "cancel") {
                    go("menu");
                    m_business.clear();
                    m_session.clear();
                } else if (id == "confirm") {
                    m_pinTries = 3;
                    go("pin");
                } else if (id == "topup") {
                    begin("topup", "TOP");
                    go("topup_amount");
                } else if (id == "qr") {
                    go("qr_pay");
                } else if (id == "call_staff") {
                    json::object e;
                    e["type"] = "event";
                    e["event"] = "staff_called";
                    e["detail"] = json::object {};
                    extra.push_back(std::move(e));
                    m_errors = 0;
                    m_error = {};
                    m_error["text"] = "已呼叫工作人员，请在原地稍候";
                    m_error["next"] = "call_staff";
                    m_error["code"] = "staff_called";
                } else if (id == "back") {
                    static const std::pair<const char*, const char*> backs[]
                        = { { "choose_department", "menu" }, { "choose_slot", "choose_department" },
                              { "confirm", "choose_slot" }, { "unpaid_items", "menu" },
                              { "payment_failed", "unpaid_items" }, { "qr_pay", "payment_failed" },
                              { "topup_amount", "menu" }, { "balance", "menu" },
                              { "choose_report", "menu" } };
                    std::string to = "menu";
                    for (const auto& [from, dest] : backs) {
                        if (m_screen == from) {
                            to = dest;
                        }
                    }
                    if (m_screen == "pin") {
                        to = m_business == "payment" ? "unpaid_items" : "confirm";
                    }
                    go(to);
                }
            }
        } else if (type == "input") {
            const auto value = requireString(message, "value");
            if (m_screen == "pin") {
                if (value.size() != 6 || !std::all_of(value.begin(), value.end(), [](char c) {
                        return c >= '0' && c <= '9';
                    })) {
                    throw hc::InputError("value: a PIN is 6 digits");
                }
                if (value != "123456") {
                    --m_pinTries;
                    if (m_pinTries > 0) {
                        fail("密码错误，还可尝试 " + std::to_string(m_pinTries)
                                + " 次。请重新输入 6 位卡密码",
                            "fix_input", "pin_wrong");
                    } else {
                        go("payment_failed");
                        fail("密码已连续输错 3 次，卡已锁定。请持身份证到人工窗口解锁",
                            "call_staff", "pin_locked");
                    }
                } else if (m_business == "payment") {
                    go("payment_failed");
                    fail("卡内余额不足（余额 62.50 元，需 86.00 元）。请先充值，或到人工窗口缴费",
                        "fix_input", "insufficient_balance");
                } else {
                    go("registration_done");
                }
            } else if (m_screen == "topup_amount") {
                if (value.empty() || value.size() > 9
                    || !std::all_of(
                        value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
                    throw hc::InputError("value: an amount is a whole number of fen");
                }
                const auto fen = std::stoll(value);
                if (fen < 100 || fen > 500000) {
                    fail("充值金额须在 1.00 元到 5000.00 元之间，请重新输入", "fix_input",
                        "amount_out_of_range");
                } else {
                    go("topup_done");
                }
            }
        } else {
            throw hc::InputError("type: unknown message type \"" + type + "\"");
        }
    }
    for (const auto& e : extra) {
        Listener l;
        {
            std::lock_guard lock(m_mutex);
            l = m_listener;
        }
        if (l) {
            l(e);
        }
    }
    push();
}

void ScriptedPort::push() {
    Listener l;
    json::object view;
    {
        std::lock_guard lock(m_mutex);
        l = m_listener;
        view = viewLocked();
    }
    if (l) {
        l(view);
    }
}

void ScriptedPort::timerLoop() {
    std::unique_lock lock(m_mutex);
    while (!m_stop) {
        if (m_screen == "idle") {
            m_cv.wait(lock);
            continue;
        }
        if (m_cv.wait_until(lock, m_deadline) == std::cv_status::timeout && m_screen != "idle"
            && std::chrono::steady_clock::now() >= m_deadline) {
            m_cardIn = false; // the session ends; a real kiosk ejects the card
            go("idle");
            lock.unlock();
            push();
            lock.lock();
        }
    }
}

} // namespace hc::kiosk::dev
