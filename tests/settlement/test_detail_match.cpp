// DetailMatcher: each class of the reference's reconciliation table, from a real SQLite ledger
// and a center detail list; malformed lines and repeated msgids are refused with the place named.
#include "hc/settle/detail_match.hpp"
#include "temp_dir.hpp"

#include <doctest/doctest.h>
#include <sstream>

using namespace hc::settle;

TEST_CASE("DetailMatcher classifies balanced, local-only, center-only, amount and status "
          "mismatches; pending and provisional rows are not compared") {
    test::TempDir dir;
    auto store = openSqliteLedger(dir.file("l.db"));
    {
        auto tx = store->begin();
        const auto add = [&](const std::string& msgid, SettlementStatus st, Fen fund) {
            SettlementRecord r;
            r.requestId = "r" + msgid;
            r.terminal = "T";
            r.visitId = "V" + msgid;
            r.chrgBchno = "B";
            r.msgid = msgid;
            r.setlId = "S" + msgid;
            r.psnNo = "P";
            r.insutype = "390";
            r.status = st;
            r.medfee = 10000;
            r.fund = fund;
            r.setlDate = "2026-11-23";
            tx->insertSettlement(r);
        };
        add("M1", SettlementStatus::Settled, 7000); // balanced
        add("M2", SettlementStatus::Settled, 7000); // local only
        add("M3", SettlementStatus::Settled, 7000); // amount mismatch
        add("M4", SettlementStatus::Settled, 7000); // status mismatch (center cancelled)
        add("M5", SettlementStatus::Cancelled, 7000); // cancelled both sides: not listed → ok
        add("M6", SettlementStatus::Provisional, 7000); // not the center's business yet
        tx->commit();
    }
    std::istringstream center("M1\tSM1\t100.00\t70.00\t0.00\tOK\n"
                              "M3\tSM3\t100.00\t70.01\t0.00\tOK\n"
                              "M4\tSM4\t100.00\t70.00\t0.00\tCANCELLED\n"
                              "\n"
                              "M9\tSM9\t5.00\t1.00\t0.00\tOK\n"
                              "M8\tSM8\t5.00\t1.00\t0.00\tREVERSED\n");
    DetailMatcher m;
    auto tx = store->begin();
    CHECK(m.readLocalDay(*tx, "2026-11-23") == 5);
    CHECK(m.readCenterList(center) == 5);
    std::map<std::string, ReconClass> diffs;
    const auto s = m.match([&](ReconClass c, const DetailRow* l, const DetailRow* r) {
        diffs[std::string(l ? l->msgidView() : r->msgidView())] = c;
    });
    CHECK(diffs.size() == 4);
    CHECK(diffs["M2"] == ReconClass::LocalOnly);
    CHECK(diffs["M3"] == ReconClass::AmountMismatch);
    CHECK(diffs["M4"] == ReconClass::StatusMismatch);
    CHECK(diffs["M9"] == ReconClass::CenterOnly);
    CHECK(s.counts.at(ReconClass::Balanced) == 3); // M1, M5, M8
}

TEST_CASE("DetailMatcher refuses malformed lines and repeated msgids, naming them") {
    CHECK_THROWS_WITH_AS(parseCenterDetailLine("M1\tS\t1.00\t1.00\t0.00", 7),
        doctest::Contains("detail line 7"), InputError);
    CHECK_THROWS_WITH_AS(parseCenterDetailLine("M1\tS\t1.001\t1.00\t0.00\tOK", 2),
        doctest::Contains("detail line 2.medfee"), InputError);
    CHECK_THROWS_WITH_AS(parseCenterDetailLine("M1\tS\t1.00\t1.00\t0.00\tMAYBE", 3),
        doctest::Contains("detail line 3.status"), InputError);
    CHECK_THROWS_AS(
        parseCenterDetailLine(std::string(31, 'M') + "\tS\t1.00\t1.00\t0.00\tOK", 4), InputError);
    DetailMatcher m;
    m.addCenter(parseCenterDetailLine("M1\tS\t1.00\t1.00\t0.00\tOK", 1));
    m.addCenter(parseCenterDetailLine("M1\tS\t1.00\t1.00\t0.00\tOK", 2));
    CHECK_THROWS_WITH_AS(m.match({}), doctest::Contains("listed twice"), InputError);
}
