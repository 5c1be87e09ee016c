// Small helpers shared by the refund screens (refund.cpp) and the refund pipeline
// (refund_pipeline.cpp): numbers kept in the business state, how money goes back in words, the
// request-id suffixes, key=value fields of a journal detail. Pure functions.
#pragma once

#include "engine_impl.hpp"

namespace hc::kiosk::core {

inline std::int64_t number(std::map<std::string, std::string>& v, const char* key) {
    const auto it = v.find(key);
    if (it == v.end() || it->second.empty()) {
        return 0;
    }
    return std::stoll(it->second);
}

/** How the money goes back, as the screens and the receipt say it. */
inline std::string meansText(const std::string& means) {
    if (means == "purse") {
        return "圈存退回原卡电子钱包";
    }
    if (means == "qr") {
        return "原路退回微信/支付宝";
    }
    if (means == "cash") {
        return "以现金退还";
    }
    if (means == "cash_for_purse") {
        return "以现金退还（原为电子钱包支付，患者无卡，主管授权）";
    }
    return "无需退款";
}

/** The text telling the cashier to insert the patient's card. */
inline std::string insertCardText(std::int64_t fen) {
    return "请将患者本人的健康卡（原支付卡）芯片朝上插入收费窗口读卡器，退款 " + yuan(fen)
        + " 元将圈存回卡内电子钱包";
}

inline bool endsWith(const std::string& s, const std::string& tail) {
    return s.size() > tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

inline std::string fieldOf(const std::string& detail, const std::string& key) {
    const auto p = detail.find(key + "=");
    if (p == std::string::npos || (p != 0 && detail[p - 1] != ';')) {
        return {};
    }
    const auto start = p + key.size() + 1;
    const auto end = detail.find(';', start);
    return detail.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

} // namespace hc::kiosk::core
