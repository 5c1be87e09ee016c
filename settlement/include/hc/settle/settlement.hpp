// The settlement module's manual: include this for everything, or the one header you need.
//
//   hc/settle/terminal_client.hpp  TerminalClient: a kiosk's or cashier window's client for
//                                  settlementd (ZeroMQ DEALER + CURVE, caller-supplied request
//                                  ids, typed errors: NotSentError = FAILED, OutcomeUnknownError =
//                                  UNKNOWN (call again with the same id), RefusedError = FAILED
//                                  with the server's reason). Library: hc_settle_terminal.
//   hc/settle/settlement_server.hpp  SettlementServer: settlementd as a class (ZeroMQ ROUTER,
//                                  CURVE allow-list, workers, outbox dispatchers; start, stop
//                                  without losing a request, endpoint). Library: hc_settle_server.
//   hc/settle/allow_list.hpp       the terminals' allow-list file (key → terminal id)
//   hc/settle/zap_authenticator.hpp  the ZAP handler checking CURVE keys against it (includes
//                                  zmq.hpp, so not included here)
//   hc/settle/money.hpp            integer fen, basis points, yuan strings
//   hc/settle/policy.hpp           the policy engine (rule tables, the waterfall)
//   hc/settle/ledger.hpp           the ledger store (SQLite, PostgreSQL)
//   hc/settle/outbox.hpp           the outbox state machine and backoff
//   hc/settle/envelope.hpp         the national envelope and msgids
//   hc/settle/gateway.hpp          the center gateway (outbox dispatcher)
//   hc/settle/service.hpp          the terminal API without transport (inside settlementd)
//   hc/settle/reconcile.hpp        daily reconciliation, the holding pool, stored reports
//   hc/settle/detail_match.hpp     matching 1,000,000 details (ledger vs the center's list)
// The center simulator is not part of hc_settle: settlement/center-sim/ builds it as a client of
// this module's public wire helpers (envelope, wire_json, zip_file, policy, code_table).
// Errors: hc/settle/error.hpp (every error carries the caller's next step).
// Threading: see each header; no object of this module is shared between threads unless its
// header says so. Prose and figures: docs/settlement.md.
#pragma once

#include "hc/settle/detail_match.hpp"
#include "hc/settle/envelope.hpp"
#include "hc/settle/error.hpp"
#include "hc/settle/gateway.hpp"
#include "hc/settle/ledger.hpp"
#include "hc/settle/money.hpp"
#include "hc/settle/outbox.hpp"
#include "hc/settle/policy.hpp"
#include "hc/settle/reconcile.hpp"
#include "hc/settle/service.hpp"
#include "hc/settle/settlement_server.hpp"
#include "hc/settle/terminal_client.hpp"
