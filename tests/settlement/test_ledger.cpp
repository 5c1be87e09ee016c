// SQLite ledger: the store contract (ledger_contract.hpp) on a fresh file per test case.
#include "hc/settle/ledger.hpp"
#include "temp_dir.hpp"

#include <memory>

namespace {
struct LedgerFixture {
    hc::settle::test::TempDir dir;
    std::unique_ptr<hc::settle::LedgerStore> open() {
        return hc::settle::openSqliteLedger(dir.file("l.db"));
    }
};
} // namespace

#include "ledger_contract.hpp"
