// Top-up (钱包充值, 30-topup.json): a preset or typed amount (yuan, at most topupMaxFen) -> QR
// payment (OwnShare) -> the purse load (card_load, authorised by the issuer; counted only on a
// verified TAC) -> receipt.
#include "business.hpp"
#include "hc/kiosk/core/purse_journal.hpp"

namespace hc::kiosk::core {

namespace {

using Kind = UserEvent::Kind;
/** Parses a yuan amount typed by the patient ("100", "100.5", "100.50") into fen. */
std::optional<std::int64_t> parseYuan(const std::string& s) {
    if (s.empty() || s.size() > 9) {
        return std::nullopt;
    }
    std::int64_t whole = 0;
    std::int64_t frac = 0;
    int fracDigits = -1;
    for (const char c : s) {
        if (c == '.') {
            if (fracDigits >= 0) {
                return std::nullopt;
            }
            fracDigits = 0;
        } else if (c >= '0' && c <= '9') {
            if (fracDigits < 0) {
                whole = whole * 10 + (c - '0');
            } else if (fracDigits < 2) {
                frac = frac * 10 + (c - '0');
                ++fracDigits;
            } else {
                return std::nullopt;
            }
        } else {
            return std::nullopt;
        }
    }
    if (fracDigits == 1) {
        frac *= 10;
    }
    return whole * 100 + frac;
}

} // namespace

class Topup final : public Business {
public:
    const char* name() const override { return "topup"; }
    void registerHandlers(HandlerTable& t) override {
        t.loader("topup_amounts", &Topup::topupAmounts);
        t.handler("pick_amount", &Topup::pickAmount);
        t.completer("load_purse", &Topup::loadPurse);
    }

private:
    static void topupAmounts(Impl& m);
    static std::optional<std::string> pickAmount(Impl& m, const UserEvent& e);
    static std::optional<std::string> loadPurse(Impl& m, const UserEvent& e);
};

void Topup::topupAmounts(Impl& m) {
    bool purse = false;
    try {
        purse = m.card->hasPurse();
    } catch (const std::exception&) { }
    if (!purse) {
        throw KioskError(
            "no_purse", "您的卡片没有电子钱包，无法充值，请到人工窗口办理", NextStep::CallStaff);
    }
    for (const auto fen : m.config.topupPresetsFen) {
        m.items.push_back(item(std::to_string(fen), yuan(fen) + " 元"));
    }
    m.data["maxFen"] = m.config.topupMaxFen;
}

std::optional<std::string> Topup::pickAmount(Impl& m, const UserEvent& e) {
    std::optional<std::int64_t> fen;
    if (e.kind == Kind::Choose) {
        fen = std::stoll(e.value);
    } else if (e.kind == Kind::Input) {
        fen = parseYuan(e.value);
    }
    if (!fen || *fen <= 0 || *fen > m.config.topupMaxFen) {
        throw KioskError("bad_amount",
            "请输入 0.01 至 " + yuan(m.config.topupMaxFen) + " 元之间的金额", NextStep::FixInput);
    }
    m.biz.totalFen = *fen;
    m.biz.ownFen = *fen;
    return std::nullopt;
}

std::optional<std::string> Topup::loadPurse(Impl& m, const UserEvent&) {
    const auto rid = m.requestId("LOAD");
    JournalStep step(*m.parts.journal, m.journalSession,
        { StepType::CardLoad, rid, m.biz.totalFen, m.cardField() + balanceBefore(*m.card) });
    PurseResult r;
    try {
        r = m.card->load(m.biz.totalFen);
        m.failpoint("card_load_answered");
    } catch (const std::exception& ex) {
        step.failed(ex.what());
        throw KioskError("card_load_failed", "充值未写入卡片，已付款项将原路退回，请联系工作人员",
            NextStep::CallStaff);
    }
    const auto verdict = journalPurse(step, r);
    if (verdict == PurseVerdict::NotMoved) {
        throw KioskError("card_load_failed", "充值未写入卡片，已付款项将原路退回，请联系工作人员",
            NextStep::CallStaff);
    }
    if (verdict == PurseVerdict::Unknown) {
        // A lost answer, or a TAC the issuer keys do not verify: not counted as loaded (the
        // payment is not refunded either until the card's proof settles it).
        throw KioskError(
            "card_load_unknown", "充值结果待核实，请勿拔卡并联系工作人员", NextStep::CallStaff);
    }
    m.failpoint("card_load");
    m.biz.resultMessage
        = yuan(m.biz.totalFen) + " 元已存入健康卡电子钱包，余额 " + yuan(r.balanceAfter) + " 元";
    m.biz.result
        = json::object { { "amountFen", m.biz.totalFen }, { "balanceFen", r.balanceAfter } };
    m.biz.balanceAfter = r.balanceAfter;
    m.resultLine("充值金额", yuan(m.biz.totalFen) + " 元");
    m.resultLine("付款方式", m.biz.method == "qr" ? "微信/支付宝扫码" : "现金");
    m.printReceipt("充值凭条",
        { "姓名: " + maskName(m.who.name), "充值: " + yuan(m.biz.totalFen) + " 元",
            "余额: " + yuan(r.balanceAfter) + " 元" });
    return std::nullopt;
}

std::unique_ptr<Business> makeTopup() {
    return std::make_unique<Topup>();
}

} // namespace hc::kiosk::core
