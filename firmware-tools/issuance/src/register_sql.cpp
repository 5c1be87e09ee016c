// The issuance register on a SqlBackend (SQLite or PostgreSQL): schema, state machine, card
// number allocation (one counter row, incremented in the transaction that inserts the card: a
// rolled-back allocation leaves no gap) and the event trail.
#include "hc/card/health/model.hpp"
#include "hc/issuance/error.hpp"
#include "hc/issuance/register_store.hpp"
#include "sql_backend.hpp"

#include <array>
#include <boost/json.hpp>
#include <chrono>
#include <ctime>
#include <mutex>

namespace hc::issuance {

namespace {
constexpr std::array<const char*, 8> kStatus
    = { "prepared", "personalized", "verified", "issued", "failed", "lost", "blocked", "replaced" };
}

std::string_view describe(CardStatus s) {
    return kStatus[static_cast<std::size_t>(s)];
}

std::optional<CardStatus> parseCardStatus(std::string_view text) {
    for (std::size_t i = 0; i < kStatus.size(); ++i) {
        if (text == kStatus[i]) {
            return static_cast<CardStatus>(i);
        }
    }
    return std::nullopt;
}

bool isActive(CardStatus s) {
    return s == CardStatus::Prepared || s == CardStatus::Personalized || s == CardStatus::Verified
        || s == CardStatus::Issued || s == CardStatus::Blocked;
}

bool isBlocklisted(CardStatus s) {
    return s == CardStatus::Lost || s == CardStatus::Blocked || s == CardStatus::Replaced;
}

namespace {

using detail::SqlBackend;
using detail::SqlRow;
using detail::SqlValue;
using detail::Transaction;
using hc::card::health::maskIdentifier;

std::string nowIso() {
    const auto now = std::chrono::system_clock::now();
    const std::time_t t = std::chrono::system_clock::to_time_t(now);
    const auto ms
        = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count()
        % 1000;
    std::tm tm {};
    ::gmtime_r(&t, &tm);
    char buf[96];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
        tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
    return buf;
}

const char* kCardColumns = "card_no, seq, batch, input_row, record, status, chip_serial, reader, "
                           "attempt, replaces, apdus, detail, created_at, updated_at, operator";

std::string v(const SqlValue& x) {
    return x.value_or("");
}

CardEntry entryFrom(const SqlRow& r) {
    CardEntry e;
    e.cardNo = v(r.at(0));
    e.seq = std::stoull(v(r.at(1)));
    e.batch = v(r.at(2));
    e.inputRow = static_cast<std::size_t>(std::stoull(v(r.at(3))));
    e.resident = ResidentRecord::fromJsonText(v(r.at(4)));
    const auto st = parseCardStatus(v(r.at(5)));
    if (!st) {
        throw StoreError("unknown status '" + v(r.at(5)) + "' in the register");
    }
    e.status = *st;
    e.chipSerial = v(r.at(6));
    e.reader = v(r.at(7));
    e.attempt = std::stoi(v(r.at(8)));
    e.replaces = v(r.at(9));
    e.apdus = std::stoull(v(r.at(10)));
    e.detail = v(r.at(11));
    e.createdAt = v(r.at(12));
    e.updatedAt = v(r.at(13));
    e.operatorId = v(r.at(14));
    return e;
}

class SqlRegister final : public IssuanceRegister {
public:
    SqlRegister(std::unique_ptr<SqlBackend> db, const std::string& prefix)
        : m_db(std::move(db))
        , m_numbers(prefix) {
        const std::string key = m_db->autoKey();
        m_db->script(R"SQL(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS counters(name TEXT PRIMARY KEY, value BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS batches(batch TEXT PRIMARY KEY, created_at TEXT NOT NULL,
  operator TEXT NOT NULL, source TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS cards(card_no TEXT PRIMARY KEY, seq BIGINT NOT NULL UNIQUE,
  batch TEXT NOT NULL REFERENCES batches(batch), input_row BIGINT NOT NULL,
  resident_id TEXT NOT NULL, record TEXT NOT NULL, status TEXT NOT NULL,
  chip_serial TEXT NOT NULL DEFAULT '', reader TEXT NOT NULL DEFAULT '', attempt INTEGER NOT NULL,
  replaces TEXT NOT NULL DEFAULT '', apdus BIGINT NOT NULL DEFAULT 0, detail TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL, operator TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS cards_queue ON cards(batch, status, seq);
CREATE INDEX IF NOT EXISTS cards_resident ON cards(resident_id);
CREATE UNIQUE INDEX IF NOT EXISTS cards_one_active ON cards(resident_id)
  WHERE status IN ('prepared', 'personalized', 'verified', 'issued', 'blocked');
CREATE TABLE IF NOT EXISTS events(id )SQL"
            + key + R"SQL(, at TEXT NOT NULL, card_no TEXT NOT NULL,
  batch TEXT NOT NULL, event TEXT NOT NULL, from_status TEXT NOT NULL, to_status TEXT NOT NULL,
  operator TEXT NOT NULL, detail TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS events_card ON events(card_no, id);
)SQL");
        Transaction tx(*m_db);
        m_db->query(
            "INSERT INTO counters(name, value) VALUES ('card_seq', 0) ON CONFLICT DO NOTHING");
        m_db->query("INSERT INTO meta(key, value) VALUES ('card_prefix', ?) ON CONFLICT DO NOTHING",
            { prefix });
        const auto rows = m_db->query("SELECT value FROM meta WHERE key = 'card_prefix'");
        const std::string stored = v(rows.at(0).at(0));
        if (stored != prefix) {
            throw StoreError("this register allocates card numbers with prefix " + stored + ", not "
                + prefix + " (a register's card number format never changes)");
        }
        tx.commit();
    }

    std::vector<CardEntry> createBatch(const std::string& batch,
        const std::vector<std::pair<std::size_t, ResidentRecord>>& records, const std::string& op,
        const std::string& source) override {
        std::lock_guard lock(m_mutex);
        Transaction tx(*m_db);
        if (!m_db->query("SELECT batch FROM batches WHERE batch = ?", { batch }).empty()) {
            throw LifecycleError("batch '" + batch + "' exists already");
        }
        m_db->query("INSERT INTO batches(batch, created_at, operator, source) VALUES (?, ?, ?, ?)",
            { batch, nowIso(), op, source });
        std::vector<CardEntry> out;
        for (const auto& [row, rec] : records) {
            if (auto held = activeOf(rec.idNumber)) {
                throw LifecycleError("resident " + maskIdentifier(rec.idNumber) + " (row "
                    + std::to_string(row) + ") already holds " + *held);
            }
            out.push_back(allocate(batch, row, rec, 1, "", op, "allocated"));
        }
        tx.commit();
        return out;
    }

    std::optional<std::string> activeCardOf(const std::string& idNumber) override {
        std::lock_guard lock(m_mutex);
        return activeOf(idNumber);
    }

    std::optional<CardEntry> claimNext(
        const std::string& batch, const std::string& reader, const std::string& op) override {
        std::lock_guard lock(m_mutex);
        Transaction tx(*m_db);
        const auto rows = m_db->query(std::string("SELECT ") + kCardColumns
                + " FROM cards WHERE batch = ? AND status = 'prepared' AND reader = '' ORDER BY "
                  "seq "
                  "LIMIT 1"
                + m_db->lockClause(),
            { batch });
        if (rows.empty()) {
            return std::nullopt;
        }
        CardEntry e = entryFrom(rows[0]);
        const std::string now = nowIso();
        m_db->query("UPDATE cards SET reader = ?, updated_at = ?, operator = ? WHERE card_no = ?",
            { reader, now, op, e.cardNo });
        event(e.cardNo, e.batch, "claimed", "prepared", "prepared", op, "reader " + reader);
        tx.commit();
        e.reader = reader;
        e.updatedAt = now;
        e.operatorId = op;
        return e;
    }

    void markPersonalized(const std::string& cardNo, const std::string& chipSerial,
        std::uint64_t apdus, const std::string& op) override {
        std::lock_guard lock(m_mutex);
        Transaction tx(*m_db);
        auto e = load(cardNo);
        expect(e, { CardStatus::Prepared }, "mark personalized");
        if (e.reader.empty()) {
            throw LifecycleError(
                "card " + maskIdentifier(cardNo) + " was never claimed by a reader");
        }
        m_db->query("UPDATE cards SET status = 'personalized', chip_serial = ?, apdus = ?, "
                    "updated_at = ?, operator = ? WHERE card_no = ?",
            { chipSerial, std::to_string(apdus), nowIso(), op, cardNo });
        event(cardNo, e.batch, "personalized", "prepared", "personalized", op,
            "chip " + chipSerial + ", " + std::to_string(apdus) + " APDUs");
        tx.commit();
    }

    void markVerified(const std::string& cardNo, const std::string& op) override {
        transition(cardNo, { CardStatus::Personalized }, CardStatus::Verified, "verified", "", op);
    }

    void markIssued(const std::string& cardNo, const std::string& op) override {
        transition(cardNo, { CardStatus::Verified }, CardStatus::Issued, "issued", "", op);
    }

    std::optional<CardEntry> markFailed(const std::string& cardNo, const std::string& chipSerial,
        const std::string& reason, const std::string& op, bool requeue) override {
        std::lock_guard lock(m_mutex);
        Transaction tx(*m_db);
        auto r = failLocked(cardNo, chipSerial, reason, op, requeue);
        tx.commit();
        return r;
    }

    std::size_t recoverInterrupted(const std::string& batch, const std::string& op) override {
        std::lock_guard lock(m_mutex);
        Transaction tx(*m_db);
        const auto rows = m_db->query(std::string("SELECT ") + kCardColumns
                + " FROM cards WHERE batch = ? AND ((status = 'prepared' AND reader <> '') OR "
                  "status IN ('personalized', 'verified')) ORDER BY seq",
            { batch });
        std::size_t n = 0;
        for (const auto& row : rows) {
            const CardEntry e = entryFrom(row);
            if (e.status == CardStatus::Verified) {
                setStatus(e, CardStatus::Issued, "", op);
                event(e.cardNo, e.batch, "recovered", "verified", "issued", op,
                    "read back equal before an interrupted run; counted good");
            } else {
                failLocked(e.cardNo, e.chipSerial,
                    "outcome unknown after an interrupted run; chip treated as spoiled", op, true);
            }
            ++n;
        }
        tx.commit();
        return n;
    }

    void block(
        const std::string& cardNo, const std::string& reason, const std::string& op) override {
        transition(cardNo, { CardStatus::Issued }, CardStatus::Blocked, "blocked", reason, op);
    }

    void unblock(const std::string& cardNo, const std::string& op) override {
        transition(cardNo, { CardStatus::Blocked }, CardStatus::Issued, "unblocked", "", op);
    }

    void reportLost(const std::string& cardNo, const std::string& op) override {
        transition(cardNo, { CardStatus::Issued, CardStatus::Blocked }, CardStatus::Lost, "lost",
            "reported lost by the holder", op);
    }

    CardEntry replace(
        const std::string& cardNo, const std::string& batch, const std::string& op) override {
        std::lock_guard lock(m_mutex);
        Transaction tx(*m_db);
        auto e = load(cardNo);
        expect(e, { CardStatus::Lost }, "replace");
        if (m_db->query("SELECT batch FROM batches WHERE batch = ?", { batch }).empty()) {
            m_db->query(
                "INSERT INTO batches(batch, created_at, operator, source) VALUES (?, ?, ?, ?)",
                { batch, nowIso(), op, "replacements" });
        }
        setStatus(e, CardStatus::Replaced, "", op);
        CardEntry fresh = allocate(batch, 0, e.resident, 1, cardNo, op, "allocated");
        event(cardNo, e.batch, "replaced", "lost", "replaced", op,
            "replacement card " + maskIdentifier(fresh.cardNo));
        tx.commit();
        return fresh;
    }

    void note(const std::string& cardNo, const std::string& ev, const std::string& detailText,
        const std::string& op) override {
        std::lock_guard lock(m_mutex);
        Transaction tx(*m_db);
        auto e = load(cardNo);
        const std::string s(describe(e.status));
        event(cardNo, e.batch, ev, s, s, op, detailText);
        tx.commit();
    }

    std::optional<CardEntry> find(const std::string& cardNo) override {
        std::lock_guard lock(m_mutex);
        const auto rows = m_db->query(
            std::string("SELECT ") + kCardColumns + " FROM cards WHERE card_no = ?", { cardNo });
        if (rows.empty()) {
            return std::nullopt;
        }
        return entryFrom(rows[0]);
    }

    std::vector<CardEntry> list(const std::string& batch) override {
        std::lock_guard lock(m_mutex);
        const auto rows = batch.empty()
            ? m_db->query(std::string("SELECT ") + kCardColumns + " FROM cards ORDER BY seq")
            : m_db->query(
                std::string("SELECT ") + kCardColumns + " FROM cards WHERE batch = ? ORDER BY seq",
                { batch });
        std::vector<CardEntry> out;
        for (const auto& r : rows) {
            out.push_back(entryFrom(r));
        }
        return out;
    }

    BatchStatus batchStatus(const std::string& batch) override {
        std::lock_guard lock(m_mutex);
        BatchStatus s;
        s.batch = batch;
        const auto rows = m_db->query("SELECT status, reader <> '', COUNT(*) FROM cards WHERE "
                                      "batch = ? GROUP BY status, reader <> ''",
            { batch });
        for (const auto& r : rows) {
            const auto st = parseCardStatus(v(r.at(0)));
            const auto n = static_cast<std::size_t>(std::stoull(v(r.at(2))));
            const std::string claimedFlag = v(r.at(1));
            const bool claimed = claimedFlag == "1" || claimedFlag == "t" || claimedFlag == "true";
            switch (st.value_or(CardStatus::Failed)) {
            case CardStatus::Prepared:
                s.prepared += n;
                if (claimed) {
                    s.claimed += n;
                }
                break;
            case CardStatus::Personalized:
                s.personalized += n;
                break;
            case CardStatus::Verified:
                s.verified += n;
                break;
            case CardStatus::Issued:
                s.issued += n;
                break;
            case CardStatus::Failed:
                s.failed += n;
                break;
            case CardStatus::Lost:
                s.lost += n;
                break;
            case CardStatus::Blocked:
                s.blocked += n;
                break;
            case CardStatus::Replaced:
                s.replaced += n;
                break;
            }
        }
        const auto r = m_db->query(
            "SELECT COUNT(DISTINCT resident_id) FROM cards WHERE batch = ?", { batch });
        s.residents = static_cast<std::size_t>(std::stoull(v(r.at(0).at(0))));
        return s;
    }

    std::vector<std::string> batches() override {
        std::lock_guard lock(m_mutex);
        std::vector<std::string> out;
        for (const auto& r : m_db->query("SELECT batch FROM batches ORDER BY created_at, batch")) {
            out.push_back(v(r.at(0)));
        }
        return out;
    }

    std::vector<RegisterEvent> events(const std::string& cardNo) override {
        std::lock_guard lock(m_mutex);
        const char* cols
            = "SELECT id, at, card_no, batch, event, from_status, to_status, operator, "
              "detail FROM events";
        const auto rows = cardNo.empty()
            ? m_db->query(std::string(cols) + " ORDER BY id")
            : m_db->query(std::string(cols) + " WHERE card_no = ? ORDER BY id", { cardNo });
        std::vector<RegisterEvent> out;
        for (const auto& r : rows) {
            out.push_back({ std::stoull(v(r.at(0))), v(r.at(1)), v(r.at(2)), v(r.at(3)), v(r.at(4)),
                v(r.at(5)), v(r.at(6)), v(r.at(7)), v(r.at(8)) });
        }
        return out;
    }

    std::vector<CardEntry> blocklisted() override {
        std::lock_guard lock(m_mutex);
        std::vector<CardEntry> out;
        for (const auto& r :
            m_db->query(std::string("SELECT ") + kCardColumns
                + " FROM cards WHERE status IN ('lost', 'blocked', 'replaced') ORDER BY card_no")) {
            out.push_back(entryFrom(r));
        }
        return out;
    }

    bool isBlocked(const std::string& cardNo) override {
        std::lock_guard lock(m_mutex);
        const auto rows = m_db->query("SELECT status FROM cards WHERE card_no = ?", { cardNo });
        if (rows.empty()) {
            return false;
        }
        const auto st = parseCardStatus(v(rows[0].at(0)));
        return st && isBlocklisted(*st);
    }

    std::uint64_t lastEventId() override {
        std::lock_guard lock(m_mutex);
        const auto rows = m_db->query("SELECT MAX(id) FROM events");
        return rows.empty() || !rows[0].at(0) ? 0 : std::stoull(*rows[0].at(0));
    }

    const CardNumberFormat& numbers() const override { return m_numbers; }

private:
    std::optional<std::string> activeOf(const std::string& idNumber) {
        const auto rows = m_db->query("SELECT card_no, status FROM cards WHERE resident_id = ? AND "
                                      "status IN ('prepared', 'personalized', 'verified', "
                                      "'issued', 'blocked')",
            { idNumber });
        if (rows.empty()) {
            return std::nullopt;
        }
        return "card " + maskIdentifier(v(rows[0].at(0))) + " (" + v(rows[0].at(1)) + ")";
    }

    CardEntry allocate(const std::string& batch, std::size_t row, const ResidentRecord& rec,
        int attempt, const std::string& replaces, const std::string& op, const std::string& ev) {
        const auto seqRows = m_db->query(
            "UPDATE counters SET value = value + 1 WHERE name = 'card_seq' RETURNING value");
        CardEntry e;
        e.seq = std::stoull(v(seqRows.at(0).at(0)));
        e.cardNo = m_numbers.format(e.seq);
        e.batch = batch;
        e.inputRow = row;
        e.resident = rec;
        e.status = CardStatus::Prepared;
        e.attempt = attempt;
        e.replaces = replaces;
        e.createdAt = e.updatedAt = nowIso();
        e.operatorId = op;
        m_db->query(
            "INSERT INTO cards(card_no, seq, batch, input_row, resident_id, record, status, "
            "attempt, replaces, created_at, updated_at, operator) VALUES (?, ?, ?, ?, ?, ?, "
            "'prepared', ?, ?, ?, ?, ?)",
            { e.cardNo, std::to_string(e.seq), batch, std::to_string(row), rec.idNumber,
                boost::json::serialize(rec.toJson()), std::to_string(attempt), replaces,
                e.createdAt, e.updatedAt, op });
        event(e.cardNo, batch, ev, "", "prepared", op,
            "resident " + maskIdentifier(rec.idNumber) + ", attempt " + std::to_string(attempt)
                + (replaces.empty() ? "" : ", replaces " + maskIdentifier(replaces)));
        return e;
    }

    std::optional<CardEntry> failLocked(const std::string& cardNo, const std::string& chipSerial,
        const std::string& reason, const std::string& op, bool requeue) {
        auto e = load(cardNo);
        expect(e, { CardStatus::Prepared, CardStatus::Personalized, CardStatus::Verified },
            "mark failed");
        const std::string from(describe(e.status));
        m_db->query("UPDATE cards SET status = 'failed', chip_serial = ?, detail = ?, updated_at = "
                    "?, operator = ? WHERE card_no = ?",
            { chipSerial.empty() ? e.chipSerial : chipSerial, reason, nowIso(), op, cardNo });
        event(cardNo, e.batch, "failed", from, "failed", op, reason);
        if (!requeue) {
            return std::nullopt;
        }
        CardEntry fresh
            = allocate(e.batch, e.inputRow, e.resident, e.attempt + 1, e.replaces, op, "requeued");
        return fresh;
    }

    void transition(const std::string& cardNo, std::initializer_list<CardStatus> from,
        CardStatus to, const std::string& ev, const std::string& detailText,
        const std::string& op) {
        std::lock_guard lock(m_mutex);
        Transaction tx(*m_db);
        auto e = load(cardNo);
        expect(e, from, ev);
        const std::string f(describe(e.status));
        setStatus(e, to, detailText, op);
        event(cardNo, e.batch, ev, f, std::string(describe(to)), op, detailText);
        tx.commit();
    }

    void setStatus(
        const CardEntry& e, CardStatus to, const std::string& detailText, const std::string& op) {
        m_db->query("UPDATE cards SET status = ?, detail = ?, updated_at = ?, operator = ? WHERE "
                    "card_no = ?",
            { std::string(describe(to)), detailText.empty() ? e.detail : detailText, nowIso(), op,
                e.cardNo });
    }

    CardEntry load(const std::string& cardNo) {
        const auto rows = m_db->query(
            std::string("SELECT ") + kCardColumns + " FROM cards WHERE card_no = ?", { cardNo });
        if (rows.empty()) {
            throw LifecycleError("card " + maskIdentifier(cardNo) + " is not in the register");
        }
        return entryFrom(rows[0]);
    }

    static void expect(
        const CardEntry& e, std::initializer_list<CardStatus> allowed, const std::string& what) {
        for (auto s : allowed) {
            if (e.status == s) {
                return;
            }
        }
        throw LifecycleError("cannot " + what + " card " + maskIdentifier(e.cardNo) + ": it is "
            + std::string(describe(e.status)));
    }

    void event(const std::string& cardNo, const std::string& batch, const std::string& ev,
        const std::string& from, const std::string& to, const std::string& op,
        const std::string& detailText) {
        m_db->query(
            "INSERT INTO events(at, card_no, batch, event, from_status, to_status, operator, "
            "detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            { nowIso(), cardNo, batch, ev, from, to, op, detailText });
    }

    std::mutex m_mutex;
    std::unique_ptr<SqlBackend> m_db;
    CardNumberFormat m_numbers;
};

} // namespace

std::unique_ptr<IssuanceRegister> openRegister(const std::string& url, const std::string& prefix) {
    if (url.rfind("sqlite:", 0) == 0) {
        const std::string path = url.substr(7);
        if (path.empty()) {
            throw StoreError("sqlite: needs a path (sqlite:/var/lib/hc/register.db)");
        }
        return std::make_unique<SqlRegister>(detail::openSqlite(path), prefix);
    }
    if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) {
        return std::make_unique<SqlRegister>(detail::openPostgres(url), prefix);
    }
    throw StoreError("unknown register URL (sqlite:PATH or postgresql://...)", NextStep::FixInput);
}

} // namespace hc::issuance
