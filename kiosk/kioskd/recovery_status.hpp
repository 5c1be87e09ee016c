// kioskd --status: what recovery has not finished in a kiosk's journal, for the hospital's IT
// monitoring (cron, Zabbix, Nagios) and for staff: each unrecovered session with its business,
// start time, the money at stake and what recovery is waiting to do (query / give back), as
// JSON. No card numbers, names or step details (they may name the card): types, amounts, rules.
//
// Exit status of `kioskd --status`: 0 nothing pending, 3 sessions wait (look at them), 2 error.
// Threading: one call, one thread; safe while kioskd runs (SQLite WAL readers do not block it).
#pragma once

#include "hc/kiosk/journal.hpp"

#include <boost/json/object.hpp>

namespace hc::kiosk::kioskd {

/** {"pending": N, "sessions": [{"session", "business", "started", "at_stake_fen",
 *  "actions": [{"kind": "query"|"compensate", "type", "step", "amount_fen", "reason"}]}]}. */
boost::json::object recoveryStatus(Journal& journal);

} // namespace hc::kiosk::kioskd
