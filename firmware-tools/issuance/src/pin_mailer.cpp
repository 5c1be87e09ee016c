#include "hc/issuance/pin_mailer.hpp"

#include "hc/printer/error.hpp"

#include <algorithm>

namespace hc::issuance {

namespace {
void wipe(std::string& s) {
    std::fill(s.begin(), s.end(), '\0');
    s.clear();
}
} // namespace

PinLetter::~PinLetter() {
    wipe(pin);
    wipe(puk);
}

std::string maskCardNumberForLetter(const std::string& cardNo) {
    if (cardNo.size() <= 10) {
        return std::string(cardNo.size(), '*');
    }
    return cardNo.substr(0, 6) + std::string(cardNo.size() - 10, '*')
        + cardNo.substr(cardNo.size() - 4);
}

EscPosPinMailer::EscPosPinMailer(hc::printer::TransportPtr transport)
    : m_printer(std::move(transport)) {
}

std::string EscPosPinMailer::describe() const {
    return "escpos " + m_printer.describe();
}

void EscPosPinMailer::checkReady() {
    std::lock_guard lock(m_mutex);
    const auto status = m_printer.status();
    if (!status.canPrint()) {
        throw PinMailerError("PIN mailer printer " + m_printer.describe()
            + " cannot print: " + status.message + "; fix it, then run the batch again");
    }
}

hc::printer::EscPosJob EscPosPinMailer::render(const PinLetter& letter) {
    using hc::printer::Align;
    hc::printer::EscPosJob job;
    job.align(Align::Center).bold(true).size(2, 2).line("居民健康卡密码函").size(1, 1).bold(false);
    if (!letter.issuerName.empty()) {
        job.line(letter.issuerName);
    }
    job.line("(密封件，请勿折叠透光)").align(Align::Left).line();
    job.line("持卡人: " + letter.name);
    if (!letter.address.empty()) {
        job.line("地址: " + letter.address);
    }
    job.line("卡号: " + maskCardNumberForLetter(letter.cardNo));
    if (!letter.batch.empty()) {
        job.line("批次: " + letter.batch);
    }
    job.line().line("********************************");
    job.align(Align::Center).line("初始密码 (PIN)").bold(true).size(2, 2).line(letter.pin);
    job.size(1, 1).bold(false);
    if (!letter.puk.empty()) {
        job.line("解锁码 (PUK)").bold(true).line(letter.puk).bold(false);
    }
    job.align(Align::Left).line("********************************").line();
    job.line("请在首次用卡时修改密码。密码函与卡片请分开保管，");
    job.line("任何人（包括医院和发卡机构工作人员）都不会向您索要密码。");
    job.feed(3).cut(hc::printer::Cut::Full);
    return job;
}

void EscPosPinMailer::deliver(const PinLetter& letter) {
    auto job = render(letter);
    std::lock_guard lock(m_mutex);
    try {
        (void)m_printer.printChecked(job);
    } catch (const hc::Error& e) {
        job.wipe();
        throw PinMailerError("PIN letter for card " + maskCardNumberForLetter(letter.cardNo)
            + " not printed on " + m_printer.describe() + ": " + e.what());
    }
    job.wipe();
}

} // namespace hc::issuance
