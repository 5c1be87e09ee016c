#include "hc/base/json_in.hpp"
#include "hc/kiosk/core/device_adapters.hpp"

#include <cstdint>
#include <fstream>
#include <sstream>

namespace hc::kiosk::core {

namespace json = boost::json;

namespace {

/** Entries kept in the file's log and committed lists (the demo never trims them). */
constexpr std::size_t kMaxEntries = 1000000;

/** The card's state file, every field checked once here so that the purse operations below
 * read a well-formed state. Throws hc::InputError "memory card <file>: <field>: <problem>". */
json::object readState(std::string_view text, const std::string& file) {
    try {
        auto v = hc::parseJson(text, "text", { 256 * 1024 * 1024, 32 });
        const hc::JsonIn s(v, "");
        s.text("cardNumber", 64);
        s.text("idNumber", 64);
        s.text("name", 1024);
        s.integer("balance", INT64_MIN, INT64_MAX);
        s.integer("atc", INT64_MIN, INT64_MAX - 1);
        for (const auto& e : s.objects("log", kMaxEntries)) {
            e.text("when", 64);
            e.integer("amount", INT64_MIN, INT64_MAX);
            e.boolean("load");
        }
        const auto& committed = s.array("committed", kMaxEntries);
        for (std::size_t i = 0; i < committed.size(); ++i) {
            if (!committed[i].is_string()) {
                throw hc::JsonFieldError(
                    s.at("committed") + "[" + std::to_string(i) + "]", "expected a string");
            }
        }
        return std::move(v.as_object());
    } catch (const hc::JsonFieldError& e) {
        throw hc::InputError("memory card " + file + ": " + e.what());
    }
}

} // namespace

MemoryCard::MemoryCard(std::filesystem::path file, CardIdentity identity, std::int64_t balanceFen)
    : m_file(std::move(file)) {
    if (std::filesystem::exists(m_file)) {
        std::ifstream in(m_file, std::ios::binary);
        std::ostringstream ss;
        ss << in.rdbuf();
        m_state = readState(ss.str(), m_file.string());
        return;
    }
    m_state = json::object { { "cardNumber", identity.cardNumber },
        { "idNumber", identity.idNumber }, { "name", identity.name }, { "balance", balanceFen },
        { "atc", 0 }, { "log", json::array {} }, { "committed", json::array {} } };
    save();
}

void MemoryCard::save() {
    const auto tmp = m_file.string() + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out << json::serialize(m_state);
        out.flush();
        if (!out) {
            throw hc::Error("memory card: cannot write " + tmp, NextStep::CallStaff);
        }
    }
    std::filesystem::rename(tmp, m_file);
}

CardIdentity MemoryCard::identity() {
    return { std::string(m_state.at("cardNumber").as_string()),
        std::string(m_state.at("idNumber").as_string()),
        std::string(m_state.at("name").as_string()) };
}

std::int64_t MemoryCard::balance() {
    return m_state.at("balance").as_int64();
}

namespace {

std::string nowText() {
    const std::time_t t = std::time(nullptr) + 8 * 3600;
    std::tm tm {};
    gmtime_r(&t, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
    return buf;
}

} // namespace

PurseResult MemoryCard::purchase(std::int64_t fen) {
    const auto bal = balance();
    if (fen <= 0) {
        throw hc::InputError("purchase: amount must be positive");
    }
    if (fen > bal) {
        return { PurseStatus::Declined, bal, "", "9401 insufficient funds", "", true };
    }
    const auto atc = m_state.at("atc").as_int64() + 1;
    const auto pending = json::serialize(
        json::object { { "kind", "purchase" }, { "atc", atc }, { "amount", fen } });
    const auto forge = m_file.string() + ".forge-mac2";
    if (std::filesystem::exists(forge)) {
        // A counterfeit card: it answers the debit "9000" with a MAC2 no PSAM accepts, and
        // nothing moved (no record, no proof: GET TRANSACTION PROOF answers "no such").
        std::filesystem::remove(forge);
        m_state["atc"] = atc;
        save();
        return { PurseStatus::Done, bal - fen, "00000000",
            "the card answered the debit but the PSAM did not accept its MAC2", pending, false,
            false };
    }
    m_state["atc"] = atc;
    m_state["balance"] = bal - fen;
    m_state["committed"].as_array().push_back(json::string(pending));
    m_state["log"].as_array().insert(m_state["log"].as_array().begin(),
        json::object { { "when", nowText() }, { "amount", fen }, { "load", false } });
    save();
    const auto lose = m_file.string() + ".lose-next";
    if (std::filesystem::exists(lose)) {
        std::filesystem::remove(lose);
        return { PurseStatus::Unknown, 0, "", "answer lost (fault switch)", pending, false };
    }
    return { PurseStatus::Done, bal - fen, "00000000", "", pending, false, true };
}

PurseResult MemoryCard::load(std::int64_t fen) {
    if (fen <= 0) {
        throw hc::InputError("load: amount must be positive");
    }
    const auto atc = m_state.at("atc").as_int64() + 1;
    const auto pending
        = json::serialize(json::object { { "kind", "load" }, { "atc", atc }, { "amount", fen } });
    m_state["atc"] = atc;
    m_state["balance"] = balance() + fen;
    m_state["committed"].as_array().push_back(json::string(pending));
    m_state["log"].as_array().insert(m_state["log"].as_array().begin(),
        json::object { { "when", nowText() }, { "amount", fen }, { "load", true } });
    save();
    return { PurseStatus::Done, balance(), "00000000", "", pending, false, true };
}

PurseResult MemoryCard::settle(const std::string& pendingJson) {
    for (const auto& c : m_state.at("committed").as_array()) {
        if (c.as_string() == pendingJson) {
            return { PurseStatus::Done, balance(), "00000000", "", pendingJson, false, true };
        }
    }
    return { PurseStatus::Declined, balance(), "", "6985 no such transaction", pendingJson, false };
}

std::vector<PurseLogEntry> MemoryCard::log(std::size_t max) {
    std::vector<PurseLogEntry> out;
    for (const auto& e : m_state.at("log").as_array()) {
        if (out.size() >= max) {
            break;
        }
        out.push_back({ std::string(e.at("when").as_string()), e.at("amount").as_int64(),
            e.at("load").as_bool(), "K01" });
    }
    return out;
}

} // namespace hc::kiosk::core
