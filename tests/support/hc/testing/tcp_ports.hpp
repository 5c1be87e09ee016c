// Test support: the fixed TCP ports of the virtual readers, and who else may have them.
//
// vpcd and drivers/vreader listen on fixed ports (35963..35968 for the tests) that lie inside the
// kernel's ephemeral range (32768..60999 by default). Any program's outgoing connection, or any
// listener bound to port 0, may get one of them from the kernel; and a connection that ends leaves
// its port in TIME_WAIT for 60 s, which blocks vpcd's bind even with SO_REUSEADDR (the old socket
// had no SO_REUSEADDR). pcscd then comes up without those readers ("Address already in use").
//
//   reserveLocalPorts  net.ipv4.ip_local_reserved_ports: the kernel stops handing them out
//   canListenOn        whether a listener can take a port now, as vpcd binds it
//   tcpPortHolders     who has a port: processes by pid and command line, TIME_WAIT entries
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace hc::testing {

/** Adds `ports` to net.ipv4.ip_local_reserved_ports (keeping what is there), so that the kernel
 * gives none of them to a connect() or a bind to port 0. Explicit binds still take them. Returns
 * an empty string when they are reserved (now or already), else why not (e.g. /proc/sys is
 * read-only in this container, or not root). */
std::string reserveLocalPorts(const std::vector<unsigned short>& ports);

/** True when a socket with SO_REUSEADDR can bind 0.0.0.0:`port` and listen, as vpcd and
 * libifdhcvr.so do. The probe listener is closed again at once (no connection, no TIME_WAIT). */
bool canListenOn(unsigned short port);

/** Who has TCP sockets (IPv4 or IPv6) on local port `port`: "pid N (command line) STATE" for
 * each process, "TIME_WAIT (no process; the kernel frees it within 60 s)" for ended connections.
 * Empty when nothing has it. */
std::string tcpPortHolders(unsigned short port);

/** Waits until canListenOn(p) for every port in `ports`, at most `timeout` (TIME_WAIT lasts
 * 60 s). After 5 s it says on stderr which port it waits for and who holds it. Returns an empty
 * string when all are free, else the holders of the ports still taken. */
std::string waitUntilListenable(
    const std::vector<unsigned short>& ports, std::chrono::milliseconds timeout);

} // namespace hc::testing
