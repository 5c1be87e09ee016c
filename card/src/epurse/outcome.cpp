#include "hc/card/epurse/outcome.hpp"

#include "hc/base/json_in.hpp"

#include <boost/json.hpp>

namespace hc::card::epurse {

std::string PendingTransaction::toJson() const {
    boost::json::object o { { "kind", kind == TxKind::Purchase ? "purchase" : "load" },
        { "type", type }, { "atc", atc }, { "amount", amount }, { "balance_before", balanceBefore },
        { "terminal", hc::toHex(terminal) }, { "ttsn", ttsn }, { "when", when.text() },
        { "card", hc::toHex(card) }, { "key_version", keyVersion } };
    return boost::json::serialize(o);
}

namespace {
PendingTransaction pendingFrom(const hc::JsonIn& in) {
    auto hex = [&](std::string_view name) { return in.hex(name, 64); };
    PendingTransaction p;
    const auto kind = in.text("kind", 16);
    if (kind != "purchase" && kind != "load") {
        throw hc::JsonFieldError(in.at("kind"), "must be purchase or load");
    }
    p.kind = kind == "purchase" ? TxKind::Purchase : TxKind::Load;
    p.type = static_cast<std::uint8_t>(in.integer("type", 0, 255));
    p.atc = static_cast<std::uint16_t>(in.integer("atc", 0, 0xFFFF));
    p.amount = in.integer("amount", 1, 0xFFFFFFFFll);
    p.balanceBefore = in.integer("balance_before", 0, 0xFFFFFFFFll);
    p.terminal = toArray<6>(hex("terminal"), "pending transaction: terminal");
    p.ttsn = static_cast<std::uint32_t>(in.integer("ttsn", 0, 0xFFFFFFFFll));
    p.when = TransactionTime::parse(in.text("when", 64));
    p.card = toArray<8>(hex("card"), "pending transaction: card");
    p.keyVersion = static_cast<std::uint8_t>(in.integer("key_version", 0, 255));
    return p;
}
} // namespace

PendingTransaction PendingTransaction::fromJson(const std::string& text) {
    try {
        // A journal line: well under a kilobyte.
        const auto root = hc::parseJson(text, "(root)", { 64 * 1024, 32 });
        return pendingFrom(hc::JsonIn(root, ""));
    } catch (const hc::JsonFieldError& e) {
        throw InputError(std::string("pending transaction: ") + e.what());
    }
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
