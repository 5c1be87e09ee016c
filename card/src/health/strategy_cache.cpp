#include "hc/card/health/strategy_cache.hpp"

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

[[noreturn]] void bad(const std::string& where, const std::string& what) {
    throw hc::InputError("card strategy cache: " + where + ": " + what);
}

CardStrategy strategyFrom(const json::value& v, const std::string& path) {
    if (!v.is_object()) {
        bad(path, "expected an object");
    }
    CardStrategy s;
    for (const auto& [key, value] : v.get_object()) {
        const FactField* field = nullptr;
        for (const auto& f : kFields) {
            if (key == f.name) {
                field = &f;
            }
        }
        const std::string p = path + "." + std::string(key);
        if (!field) {
            bad(p, "unknown fact (known: sfi, bulk, record_ids, df_by_name, pin_local)");
        }
        const auto* o = value.if_object();
        const auto* val = o ? o->if_contains("value") : nullptr;
        const auto* why = o ? o->if_contains("why") : nullptr;
        if (!val || !val->is_string() || !why || !why->is_string()) {
            bad(p, "expected {\"value\": \"yes\"|\"no\", \"why\": text}");
        }
        Fact& fact = s.*field->member;
        if (val->get_string() == "yes") {
            fact.value = Known::Yes;
        } else if (val->get_string() == "no") {
            fact.value = Known::No;
        } else {
            bad(p + ".value", "expected \"yes\" or \"no\"");
        }
        fact.why = std::string(why->get_string());
    }
    return s;
}

std::string documentOf(const std::map<std::string, CardStrategy>& all) {
    json::object kinds;
    for (const auto& [kind, s] : all) {
        kinds[kind] = strategyJson(s);
    }
    return json::serialize(json::object { { "format", kFormat }, { "kinds", kinds } }) + "\n";
}

void writeAtomically(const std::filesystem::path& file, const std::string& text) {
    const auto tmp = file.string() + ".tmp";
    auto fail = [&](const std::string& what) {
        const std::string err = std::strerror(errno);
        ::unlink(tmp.c_str());
        throw hc::Error("card strategy cache " + file.string() + ": " + what + ": " + err
                + "; make its directory writable or choose another file",
            hc::NextStep::CheckConfiguration);
    };
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        fail("cannot create " + tmp);
    }
    std::size_t off = 0;
    while (off < text.size()) {
        const ssize_t w = ::write(fd, text.data() + off, text.size() - off);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            ::close(fd);
            fail("cannot write");
        }
        off += static_cast<std::size_t>(w);
    }
    if (::fsync(fd) != 0) {
        ::close(fd);
        fail("cannot sync");
    }
    ::close(fd);
    if (::rename(tmp.c_str(), file.c_str()) != 0) {
        fail("cannot rename " + tmp);
    }
    const auto dir = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
    if (const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
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
    json::value v;
    try {
        v = json::parse(text);
    } catch (const std::exception& e) {
        bad("(root)", std::string("not JSON: ") + e.what());
    }
    const auto* o = v.if_object();
    const auto* format = o ? o->if_contains("format") : nullptr;
    if (!format || !format->is_string() || format->get_string() != kFormat) {
        bad("format", std::string("expected \"") + kFormat + "\"");
    }
    const auto* kinds = o->if_contains("kinds");
    if (!kinds || !kinds->is_object()) {
        bad("kinds", "expected an object of card kinds");
    }
    std::map<std::string, CardStrategy> loaded;
    for (const auto& [kind, s] : kinds->get_object()) {
        loaded[std::string(kind)] = strategyFrom(s, "kinds." + std::string(kind));
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
