// hc_base: what every module of the middleware shares, and nothing else. It depends on no module
// (only on the C++ library and OpenSSL); every module may depend on it.
//
//   hc/base/error.hpp    hc::Error, the root of every error, with hc::NextStep (what the caller
//                        must do next: fix input, retry, reinsert the card, check the
//                        configuration, call staff); hc::InputError for bad outside input
//   hc/base/bytes.hpp    hc::Bytes / hc::ByteView, hex text, big-endian integers,
//                        constant-time comparison
//   hc/base/http_client.hpp
//                        hc::HttpClient: HTTP/1.1 over TCP (Boost.Beast), per-step timeouts, a
//                        reply-body cap, keep-alive; a failure says NotSent (resolve/connect
//                        failed: nothing reached the server) or Unknown (a write started: the
//                        server may have acted), which exactly-once callers build on
//   hc/base/sql/connection.hpp, query.hpp, transaction.hpp, dialect.hpp
//                        hc::sql: one SQL layer over SQLite and PostgreSQL (libpq): cached
//                        prepared statements with typed binds and column reads, RAII
//                        transactions (BEGIN IMMEDIATE for SQLite writers, WAL +
//                        synchronous=FULL), guarded statements that report a refused row, the
//                        dialect differences (placeholders, auto keys, BLOB/BYTEA, row locks,
//                        retryable errors) in one place, and errors worded by each module
//
// What belongs here: a piece two or more modules would otherwise each write (errors, bytes,
// cryptographic primitives, SQL, HTTP, JSON input). What does not: anything that knows a card,
// a key store, a claim or a kiosk.
#pragma once

#include "hc/base/bytes.hpp"
#include "hc/base/error.hpp"
