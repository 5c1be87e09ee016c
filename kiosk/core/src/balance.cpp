// Balance and history (余额查询, 40-balance.json): the purse balance and its last 10 records.
#include "business.hpp"

namespace hc::kiosk::core {

class Balance final : public Business {
public:
    const char* name() const override { return "balance"; }
    void registerHandlers(HandlerTable& t) override { t.loader("balance", &Balance::balance); }

private:
    static void balance(Impl& m);
};

void Balance::balance(Impl& m) {
    if (!m.card->hasPurse()) {
        throw KioskError("no_purse", "您的卡片没有电子钱包", NextStep::CallStaff);
    }
    const auto b = m.card->balance();
    json::array log;
    for (const auto& r : m.card->log(10)) {
        m.items.push_back(
            item(r.when, (r.load ? "充值 +" : "消费 -") + yuan(r.amountFen) + " 元", r.when, true));
        log.push_back(json::object { { "when", r.when }, { "amountFen", r.amountFen },
            { "load", r.load }, { "terminal", r.terminal } });
    }
    m.data = json::object { { "balanceFen", b }, { "log", std::move(log) } };
    m.message = "电子钱包余额 " + yuan(b) + " 元";
}

std::unique_ptr<Business> makeBalance() {
    return std::make_unique<Balance>();
}

} // namespace hc::kiosk::core
