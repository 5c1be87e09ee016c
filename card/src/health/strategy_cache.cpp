#include "hc/card/health/strategy_cache.hpp"

#include "hc/base/file_replace.hpp"
#include "hc/base/json_in.hpp"
#include "hc/card/error.hpp"

#include <boost/json.hpp>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace hc::card::health {

namespace json = boost::json;

namespace {

constexpr const char* kFormat = "hc-card-strategies/1";

struct FactField {
    const char* name;
    Fact CardStrategy::*member;
};
constexpr FactField kFields[] = { { "sfi", &CardStrategy::sfi }, { "bulk", &CardStrategy::bulk },
    { "record_ids", &CardStrategy::recordIds }, { "df_by_name", &CardStrategy::dfByName },
    { "pin_local", &CardStrategy::pinLocal } };

json::object strategyJson(const CardStrategy& s) {
    json::object o;
    for (const auto& f : kFields) {
        const Fact& fact = s.*f.member;
        if (fact.value != Known::Unknown) {
            o[f.name] = json::object { { "value", std::string(knownName(fact.value)) },
                { "why", fact.why } };
        }
    }
    return o;
}

/** A reader's reason is a sentence ("READ RECORD by SFI answered 6986"). */
constexpr std::size_t kMaxWhy = 1024;

CardStrategy strategyFrom(const hc::JsonIn& in) {
    CardStrategy s;
    for (const auto& [key, value] : in.raw()) {
        const std::string_view name(key.data(), key.size());
        const FactField* field = nullptr;
        for (const auto& f : kFields) {
            if (name == f.name) {
                field = &f;
            }
        }
        if (!field) {
            throw hc::JsonFieldError(
                in.at(name), "unknown fact (known: sfi, bulk, record_ids, df_by_name, pin_local)");
        }
        const hc::JsonIn fact(value, in.at(name));
        const std::string known = fact.text("value", 16);
        Fact& out = s.*field->member;
        if (known == "yes") {
            out.value = Known::Yes;
        } else if (known == "no") {
            out.value = Known::No;
        } else {
            throw hc::JsonFieldError(fact.at("value"), "expected \"yes\" or \"no\"");
        }
        out.why = fact.text("why", kMaxWhy);
    }
    return s;
}

std::map<std::string, CardStrategy> documentFrom(std::string_view text) {
    // A cache holds a few dozen card kinds: kilobytes.
    const auto root = hc::parseJson(text, "(root)", { 16 * 1024 * 1024, 32 });
    const hc::JsonIn in(root, "");
    if (in.text("format") != kFormat) {
        throw hc::JsonFieldError("format", std::string("expected \"") + kFormat + "\"");
    }
    const auto kinds = in.object("kinds");
    std::map<std::string, CardStrategy> loaded;
    for (const auto& [kind, s] : kinds.raw()) {
        const std::string name(kind.data(), kind.size());
        loaded[name] = strategyFrom(hc::JsonIn(s, kinds.at(name)));
    }
    return loaded;
}

std::string documentOf(const std::map<std::string, CardStrategy>& all) {
    json::object kinds;
    for (const auto& [kind, s] : all) {
        kinds[kind] = strategyJson(s);
    }
    return json::serialize(json::object { { "format", kFormat }, { "kinds", kinds } }) + "\n";
}

void writeAtomically(const std::filesystem::path& file, const std::string& text) {
    try {
        hc::replaceFile(file, text, 0644);
    } catch (const hc::FileReplaceError& e) {
        throw hc::Error("card strategy cache " + file.string() + ": " + e.what()
                + "; make its directory writable or choose another file",
            hc::NextStep::CheckConfiguration);
    }
}

} // namespace

StrategyCache::StrategyCache(std::filesystem::path file)
    : m_file(std::move(file)) {
    std::ifstream in(*m_file);
    if (!in) {
        return; // a new cache
    }
    std::stringstream ss;
    ss << in.rdbuf();
    try {
        loadJson(ss.str());
    } catch (const hc::InputError& e) {
        throw hc::InputError(m_file->string() + ": " + e.what()
            + " (the file only holds what earlier cards taught; delete it to start again)");
    }
}

StrategyCache& StrategyCache::shared() {
    static StrategyCache cache;
    return cache;
}

std::optional<CardStrategy> StrategyCache::find(const std::string& kind) const {
    std::lock_guard lock(m_mutex);
    const auto it = m_kinds.find(kind);
    if (it == m_kinds.end()) {
        return std::nullopt;
    }
    return it->second;
}

void StrategyCache::store(const std::string& kind, const CardStrategy& strategy) {
    std::lock_guard lock(m_mutex);
    auto& slot = m_kinds[kind];
    if (slot == strategy && m_file && std::filesystem::exists(*m_file)) {
        return;
    }
    slot = strategy;
    saveLocked();
}

void StrategyCache::clear() {
    std::lock_guard lock(m_mutex);
    m_kinds.clear();
    saveLocked();
}

std::size_t StrategyCache::size() const {
    std::lock_guard lock(m_mutex);
    return m_kinds.size();
}

std::string StrategyCache::toJson() const {
    std::lock_guard lock(m_mutex);
    return documentOf(m_kinds);
}

void StrategyCache::loadJson(std::string_view text) {
    std::map<std::string, CardStrategy> loaded;
    try {
        loaded = documentFrom(text);
    } catch (const hc::JsonFieldError& e) {
        throw hc::InputError(std::string("card strategy cache: ") + e.what());
    }
    std::lock_guard lock(m_mutex);
    m_kinds = std::move(loaded);
}

void StrategyCache::saveLocked() const {
    if (!m_file) {
        return;
    }
    writeAtomically(*m_file, documentOf(m_kinds));
}

} // namespace hc::card::health
