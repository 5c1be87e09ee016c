#include "hc/card/epurse/outcome.hpp"

#include <boost/json.hpp>

namespace hc::card::epurse {

std::string PendingTransaction::toJson() const {
    boost::json::object o { { "kind", kind == TxKind::Purchase ? "purchase" : "load" },
        { "type", type }, { "atc", atc }, { "amount", amount }, { "balance_before", balanceBefore },
        { "terminal", hc::toHex(terminal) }, { "ttsn", ttsn }, { "when", when.text() },
        { "card", hc::toHex(card) }, { "key_version", keyVersion } };
    return boost::json::serialize(o);
}

PendingTransaction PendingTransaction::fromJson(const std::string& text) {
    boost::system::error_code ec;
    const auto v = boost::json::parse(text, ec);
    if (ec || !v.is_object()) {
        throw InputError("pending transaction: not a JSON object");
    }
    const auto& o = v.as_object();
    auto field = [&](const char* k) -> const boost::json::value& {
        const auto* f = o.if_contains(k);
        if (!f) {
            throw InputError(std::string("pending transaction: missing \"") + k + "\"");
        }
        return *f;
    };
    auto integer = [&](const char* k, std::int64_t lo, std::int64_t hi) {
        const auto& f = field(k);
        if (!f.is_int64() && !f.is_uint64()) {
            throw InputError(std::string("pending transaction: \"") + k + "\" is not an integer");
        }
        const std::int64_t n
            = f.is_int64() ? f.as_int64() : static_cast<std::int64_t>(f.as_uint64());
        if (n < lo || n > hi) {
            throw InputError(std::string("pending transaction: \"") + k + "\" out of range");
        }
        return n;
    };
    auto str = [&](const char* k) {
        const auto& f = field(k);
        if (!f.is_string()) {
            throw InputError(std::string("pending transaction: \"") + k + "\" is not a string");
        }
        return std::string(f.as_string());
    };
    PendingTransaction p;
    const auto kind = str("kind");
    if (kind != "purchase" && kind != "load") {
        throw InputError("pending transaction: \"kind\" must be purchase or load");
    }
    p.kind = kind == "purchase" ? TxKind::Purchase : TxKind::Load;
    p.type = static_cast<std::uint8_t>(integer("type", 0, 255));
    p.atc = static_cast<std::uint16_t>(integer("atc", 0, 0xFFFF));
    p.amount = integer("amount", 1, 0xFFFFFFFFll);
    p.balanceBefore = integer("balance_before", 0, 0xFFFFFFFFll);
    p.terminal = toArray<6>(fromHex(str("terminal")), "pending transaction: terminal");
    p.ttsn = static_cast<std::uint32_t>(integer("ttsn", 0, 0xFFFFFFFFll));
    p.when = TransactionTime::parse(str("when"));
    p.card = toArray<8>(fromHex(str("card")), "pending transaction: card");
    p.keyVersion = static_cast<std::uint8_t>(integer("key_version", 0, 255));
    return p;
}

std::string outcomeName(const Outcome& o) {
    switch (o.index()) {
    case 0:
        return "done";
    case 1:
        return "declined";
    default:
        return "unknown";
    }
}

} // namespace hc::card::epurse
