// makeTransport: the one text form a configuration names a receipt printer's transport in, for
// kioskd, hcperso's PIN mailer and the tools. Pure parsing plus construction (nothing is opened
// until the printer is used); any thread.
//
//   tcp:HOST:PORT              a network printer (raw TCP, usually port 9100)
//   serial:DEVICE[:BAUD]       a serial printer, 8N1, BAUD one of 9600 ... 115200 (default 115200)
//   file:PATH                  bytes appended to a file (tests, spooling); no status
#pragma once

#include "hc/printer/transport.hpp"

#include <string_view>

namespace hc::printer {

/** The transport `spec` names. Throws hc::InputError naming the spec and what is wrong with it
 * (unknown scheme, missing host or port, a port outside 1-65535, an unsupported baud rate). */
TransportPtr makeTransport(std::string_view spec);

} // namespace hc::printer
