// StrategyCache: what HealthCard sessions learned about each kind of card (strategy.hpp), so the
// next card of a kind is read without failed probes. In memory, or backed by a JSON file
// ("hc-card-strategies/1") that is written atomically (temp file, fsync, rename) on every change,
// so separate processes (`hcard read` runs) share it.
//
// A cached fact is a hint, never a promise: when a card of a cached kind refuses the form the
// cache chose, the session learns again and the cache is updated.
//
// Threading: every method may be called from any thread (one mutex).
#pragma once

#include "hc/card/health/strategy.hpp"

#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace hc::card::health {

/** Card kind -> CardStrategy. */
class StrategyCache {
public:
    /** An empty cache in memory. */
    StrategyCache() = default;
    /** A cache backed by `file`: loaded now when the file exists (throws hc::InputError naming the
     * file and what is wrong when it does not parse: delete it to start again), saved on every
     * change (throws hc::Error with NextStep::CheckConfiguration when it cannot be written). */
    explicit StrategyCache(std::filesystem::path file);

    /** The process-wide cache in memory that sessions use when given none. */
    static StrategyCache& shared();

    /** The strategy learned for `kind`, if any. */
    std::optional<CardStrategy> find(const std::string& kind) const;
    /** Records (replaces) the strategy of `kind`, and saves when file-backed. */
    void store(const std::string& kind, const CardStrategy& strategy);
    /** Forgets everything (and empties the file when file-backed). */
    void clear();
    /** Number of kinds known. */
    std::size_t size() const;

    /** The JSON form of the cache. */
    std::string toJson() const;
    /** Replaces the content from the JSON form. Throws hc::InputError naming what is wrong. */
    void loadJson(std::string_view json);

private:
    void saveLocked() const;

    mutable std::mutex m_mutex;
    std::map<std::string, CardStrategy> m_kinds;
    std::optional<std::filesystem::path> m_file;
};

} // namespace hc::card::health
