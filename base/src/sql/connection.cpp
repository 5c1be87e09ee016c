#include "hc/base/sql/connection.hpp"

#include <utility>

namespace hc::sql {

namespace {

std::string describeFailure(const Failure& f) {
    static const char* const kStage[] = { "open", "prepare", "bind", "execute", "script" };
    return std::string(f.dialect == Dialect::Sqlite ? "SQLite " : "PostgreSQL ")
        + kStage[static_cast<int>(f.stage)] + ": " + f.message;
}

} // namespace

Error::Error(const Failure& failure)
    : hc::Error(describeFailure(failure),
        failure.constraint ? NextStep::FixInput
            : failure.retryable || failure.stage == Failure::Stage::Execute
            ? NextStep::Retry
            : NextStep::CheckConfiguration)
    , m_failure(failure) {
}

Connection::Connection(Raise raise)
    : m_raise(std::move(raise)) {
}

void Connection::raise(const Failure& failure) const {
    if (m_raise) {
        m_raise(failure);
    }
    throw Error(failure);
}

} // namespace hc::sql
