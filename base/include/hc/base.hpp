// hc_base: what every module of the middleware shares, and nothing else. It depends on no module
// (only on the C++ library, OpenSSL 3, Boost, SQLite and libpq); every module may depend on it.
//
//   hc/base/error.hpp    hc::Error, the root of every error, with hc::NextStep (what the caller
//                        must do next: fix input, retry, reinsert the card, check the
//                        configuration, call staff); hc::InputError for bad outside input
//   hc/base/bytes.hpp    hc::Bytes / hc::ByteView, hex text, big-endian integers,
//                        constant-time comparison
//   hc/base/secure_bytes.hpp  hc::SecureBytes: locked memory wiped when freed, for clear keys,
//                        PINs and passphrases; hc::cleanse
//   hc/base/crypto/block_cipher.hpp  DES, 3DES (2- and 3-key), SM4, AES; ECB and CBC over whole
//                        blocks (OpenSSL 3, ciphers fetched once)
//   hc/base/crypto/padding.hpp       ISO 9797-1 padding method 2 (80 00 ..) and its removal
//   hc/base/crypto/mac.hpp           ISO 9797-1 MAC algorithm 1 (CBC-MAC: the PBOC DES MAC, the
//                        SM4 MAC) and algorithm 3 (retail MAC, 2-key 3DES)
//   hc/base/crypto/digest.hpp        SM3, SHA-256, HMAC-SHA256
//   hc/base/crypto/pboc_mac_input.hpp  the PBOC e-purse session-key and MAC/TAC input layouts
//                        (pure byte formats, shared by card/ and hsm/)
//   hc/base/json_in.hpp  hc::parseJson (size and depth limits) and hc::JsonIn, whose getters
//                        check presence, type and range and throw hc::JsonFieldError naming
//                        the field's JSON path ("items[3].amount_fen: ...")
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
//   hc/base/file_replace.hpp  hc::replaceFile: a file's new content written beside it, fsync'ed
//                        and renamed over it (old or new after a crash, never a mix);
//                        hc::FileReplaceError names the step and the file
//   hc/base/log.hpp      hc::logLine: "<program>: <message>" lines on stderr, by level (the
//                        program name and level come from setUpLog / ProgramOptions)
//
// Programs (library hc_program, which adds Boost.program_options; not included below):
//   hc/base/program_options.hpp  hc::ProgramOptions: --help, --version, --log-level, and a bad
//                        command line reported as "<program>: <what, naming the option>", exit 2;
//                        for subcommands a usage text, positional words, parse from argv[first]
//   hc/base/stop_signals.hpp     hc::StopSignals: SIGINT/SIGTERM (SIGHUP) taken with wait() or a
//                        callback instead of a handler; block them before starting threads
//
// What belongs here: a piece two or more modules would otherwise each write (errors, bytes,
// cryptographic primitives, SQL, HTTP, JSON input). What does not: anything that knows a card,
// a key store, a claim or a kiosk.
#pragma once

#include "hc/base/bytes.hpp"
#include "hc/base/crypto/block_cipher.hpp"
#include "hc/base/crypto/digest.hpp"
#include "hc/base/crypto/mac.hpp"
#include "hc/base/crypto/padding.hpp"
#include "hc/base/crypto/pboc_mac_input.hpp"
#include "hc/base/error.hpp"
#include "hc/base/file_replace.hpp"
#include "hc/base/http_client.hpp"
#include "hc/base/json_in.hpp"
#include "hc/base/log.hpp"
#include "hc/base/secure_bytes.hpp"
#include "hc/base/sql/connection.hpp"
#include "hc/base/sql/transaction.hpp"
