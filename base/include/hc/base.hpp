// hc_base: what every module of the middleware shares, and nothing else. It depends on no module
// (only on the C++ library and OpenSSL); every module may depend on it.
//
//   hc/base/error.hpp    hc::Error, the root of every error, with hc::NextStep (what the caller
//                        must do next: fix input, retry, reinsert the card, check the
//                        configuration, call staff); hc::InputError for bad outside input
//   hc/base/bytes.hpp    hc::Bytes / hc::ByteView, hex text, big-endian integers,
//                        constant-time comparison
//   hc/base/log.hpp      hc::logLine: "<program>: <message>" lines on stderr, by level (the
//                        program name and level come from setUpLog / ProgramOptions)
//
// Programs (library hc_program, which adds Boost.program_options; not included below):
//   hc/base/program_options.hpp  hc::ProgramOptions: --help, --version, --log-level, and a bad
//                        command line reported as "<program>: <what, naming the option>", exit 2
//   hc/base/stop_signals.hpp     hc::StopSignals: SIGINT/SIGTERM (SIGHUP) taken with wait() or a
//                        callback instead of a handler; block them before starting threads
//
// What belongs here: a piece two or more modules would otherwise each write (errors, bytes,
// cryptographic primitives, SQL, HTTP, JSON input). What does not: anything that knows a card,
// a key store, a claim or a kiosk.
#pragma once

#include "hc/base/bytes.hpp"
#include "hc/base/error.hpp"
#include "hc/base/log.hpp"
