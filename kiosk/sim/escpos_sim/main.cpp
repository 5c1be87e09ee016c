// escpos-sim: an ESC/POS receipt printer emulator for tests and the demo.
//
//   escpos-sim --port 9100 --control-port 9101 --out /tmp/receipts [--paper ok|near-end|out]
//
// Listens on 127.0.0.1:<port> like a network printer: answers DLE EOT 1-4 from its state, decodes
// every connection's bytes with hc::printer::EscPosDecoder, and keeps each job that printed
// anything as <out>/job-NNNN.json (events, QR payloads, unknown and truncated commands) and
// <out>/job-NNNN.txt (a plain-text rendering). A job's files exist before the connection is
// closed from this side, so a client that waits for the close can read them at once.
//
// Control (line protocol on 127.0.0.1:<control-port>, one command per line, one reply line):
//   paper ok|near-end|out   cover open|closed   cutter ok|error   online|offline   (offline: DLE
//   EOT gets no answer)   status (the state as JSON)   jobs (number of jobs kept)
//
// Threading: one thread per connection; the state and the job counter are behind a mutex.
#include "hc/base/program_options.hpp"
#include "hc/printer/escpos_decoder.hpp"
#include "hc/printer/printer_status.hpp"

#include <arpa/inet.h>
#include <atomic>
#include <boost/json.hpp>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <netinet/in.h>
#include <poll.h>
#include <sstream>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace {

namespace json = boost::json;
using hc::printer::EscPosDecoder;
using hc::printer::EscPosEvent;
using hc::printer::EventKind;

/** The switches the control port sets; the reported status is derived from them. */
struct Switches {
    bool online = true;
    bool paperNearEnd = false;
    bool paperOut = false;
    bool coverOpen = false;
    bool cutterError = false;
};

struct SimState {
    std::mutex mutex;
    Switches switches;
    hc::printer::PrinterStatus printer;
    int jobs = 0;
    std::filesystem::path out;
};

SimState g_state;

int listenOn(unsigned short port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr {};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 16) != 0) {
        std::perror("escpos-sim: bind/listen");
        std::exit(2);
    }
    return fd;
}

void writeAll(int fd, const std::string& s) {
    std::size_t done = 0;
    while (done < s.size()) {
        const auto n = ::send(fd, s.data() + done, s.size() - done, MSG_NOSIGNAL);
        if (n <= 0) {
            return;
        }
        done += static_cast<std::size_t>(n);
    }
}

json::object eventJson(const EscPosEvent& e) {
    json::object o;
    o["kind"] = hc::printer::eventName(e.kind);
    o["offset"] = e.offset;
    if (!e.text.empty()) {
        o["text"] = e.text;
    }
    if (e.kind != EventKind::Text && e.kind != EventKind::LineFeed && e.kind != EventKind::Init
        && e.kind != EventKind::Setting) {
        o["value"] = e.value;
    }
    if (e.kind == EventKind::QrCode) {
        o["error_correction"] = std::string(1, e.qrErrorCorrection);
    }
    if (!e.raw.empty()) {
        std::string hex;
        char buf[4];
        for (const auto b : e.raw) {
            std::snprintf(buf, sizeof buf, "%02X", b);
            hex += buf;
        }
        o["raw"] = hex;
    }
    return o;
}

bool prints(const std::vector<EscPosEvent>& events) {
    for (const auto& e : events) {
        switch (e.kind) {
        case EventKind::Text:
        case EventKind::LineFeed:
        case EventKind::QrCode:
        case EventKind::Cut:
        case EventKind::Feed:
        case EventKind::Unknown:
        case EventKind::Truncated:
            return true;
        default:
            break;
        }
    }
    return false;
}

void keepJob(const std::vector<EscPosEvent>& events, std::size_t bytes) {
    int number = 0;
    hc::printer::PrinterStatus state;
    {
        std::lock_guard lock(g_state.mutex);
        number = ++g_state.jobs;
        state = g_state.printer;
    }
    json::object job;
    job["job"] = number;
    job["bytes"] = bytes;
    job["printer_state"] = state.message;
    json::array list;
    json::array qr;
    int cuts = 0;
    int unknown = 0;
    int truncated = 0;
    for (const auto& e : events) {
        if (e.kind == EventKind::StatusQuery) {
            continue;
        }
        list.push_back(eventJson(e));
        cuts += e.kind == EventKind::Cut ? 1 : 0;
        unknown += e.kind == EventKind::Unknown ? 1 : 0;
        truncated += e.kind == EventKind::Truncated ? 1 : 0;
        if (e.kind == EventKind::QrCode) {
            qr.push_back(json::string(e.text));
        }
    }
    const auto text = hc::printer::renderText(events);
    job["qr"] = std::move(qr);
    job["cuts"] = cuts;
    job["unknown"] = unknown;
    job["truncated"] = truncated;
    job["text"] = text;
    job["events"] = std::move(list);
    char name[32];
    std::snprintf(name, sizeof name, "job-%04d", number);
    const auto base = g_state.out / name;
    {
        std::ofstream t(base.string() + ".txt.tmp", std::ios::binary);
        t << text;
    }
    {
        std::ofstream j(base.string() + ".json.tmp", std::ios::binary);
        j << json::serialize(job) << "\n";
    }
    std::filesystem::rename(base.string() + ".txt.tmp", base.string() + ".txt");
    std::filesystem::rename(base.string() + ".json.tmp", base.string() + ".json");
    std::cout << "escpos-sim: job " << number << " (" << bytes << " bytes, " << cuts << " cut(s))"
              << std::endl;
}

void servePrinter(int fd) {
    EscPosDecoder decoder;
    std::vector<EscPosEvent> events;
    std::size_t total = 0;
    std::uint8_t buf[4096];
    const auto take = [&](std::vector<EscPosEvent> batch) {
        for (auto& e : batch) {
            if (e.kind == EventKind::StatusQuery) {
                hc::printer::PrinterStatus raw;
                bool online = true;
                {
                    std::lock_guard lock(g_state.mutex);
                    const auto& w = g_state.switches;
                    online = w.online;
                    raw.paperNearEnd = w.paperNearEnd;
                    raw.paperOut = w.paperOut;
                    raw.coverOpen = w.coverOpen;
                    raw.cutterError = w.cutterError;
                }
                if (online) { // a switched-off printer does not answer at all
                    const auto reply = static_cast<char>(hc::printer::dleEotReply(e.value, raw));
                    writeAll(fd, std::string(1, reply));
                }
            }
            events.push_back(std::move(e));
        }
    };
    for (;;) {
        const auto n = ::read(fd, buf, sizeof buf);
        if (n <= 0) {
            break;
        }
        total += static_cast<std::size_t>(n);
        take(decoder.feed(std::span<const std::uint8_t>(buf, static_cast<std::size_t>(n))));
    }
    take(decoder.finish());
    if (prints(events)) {
        keepJob(events, total);
    }
    ::close(fd);
}

std::string stateJson() {
    std::lock_guard lock(g_state.mutex);
    const auto& s = g_state.printer;
    json::object o;
    o["level"] = hc::printer::describe(s.level);
    o["message"] = s.message;
    o["online"] = s.online;
    o["paper_near_end"] = s.paperNearEnd;
    o["paper_out"] = s.paperOut;
    o["cover_open"] = s.coverOpen;
    o["cutter_error"] = s.cutterError;
    o["jobs"] = g_state.jobs;
    return json::serialize(o);
}

std::string control(const std::string& line) {
    std::istringstream in(line);
    std::string cmd;
    std::string arg;
    in >> cmd >> arg;
    {
        std::lock_guard lock(g_state.mutex);
        auto& w = g_state.switches;
        if (cmd == "paper" && (arg == "ok" || arg == "near-end" || arg == "out")) {
            w.paperNearEnd = arg == "near-end";
            w.paperOut = arg == "out";
        } else if (cmd == "cover" && (arg == "open" || arg == "closed")) {
            w.coverOpen = arg == "open";
        } else if (cmd == "cutter" && (arg == "ok" || arg == "error")) {
            w.cutterError = arg == "error";
        } else if (cmd == "online" || cmd == "offline") {
            w.online = cmd == "online";
        } else if (cmd == "jobs") {
            return "OK " + std::to_string(g_state.jobs);
        } else if (cmd != "status") {
            return "ERR unknown command \"" + line
                + "\" (paper ok|near-end|out, cover open|closed, cutter ok|error, online, "
                  "offline, status, jobs)";
        }
        // The status a client reads back from the DLE EOT replies of these switches.
        hc::printer::PrinterStatus raw;
        raw.paperNearEnd = w.paperNearEnd;
        raw.paperOut = w.paperOut;
        raw.coverOpen = w.coverOpen;
        raw.cutterError = w.cutterError;
        using hc::printer::dleEotReply;
        auto status = hc::printer::PrinterStatus::fromDleEot(
            dleEotReply(1, raw), dleEotReply(2, raw), dleEotReply(3, raw), dleEotReply(4, raw));
        if (!w.online) {
            status = hc::printer::PrinterStatus::offline("switched off");
        }
        g_state.printer = status;
    }
    return "OK " + stateJson();
}

void serveControl(int fd) {
    std::string pending;
    char buf[512];
    for (;;) {
        const auto n = ::read(fd, buf, sizeof buf);
        if (n <= 0) {
            break;
        }
        pending.append(buf, static_cast<std::size_t>(n));
        std::size_t nl = 0;
        while ((nl = pending.find('\n')) != std::string::npos) {
            auto line = pending.substr(0, nl);
            pending.erase(0, nl + 1);
            if (!line.empty() && line.back() == '\r') {
                line.pop_back();
            }
            writeAll(fd, control(line) + "\n");
        }
    }
    ::close(fd);
}

} // namespace

int main(int argc, char** argv) {
    namespace po = boost::program_options;
    hc::ProgramOptions opts("escpos-sim", "escpos-sim options");
    unsigned short port = 9100;
    unsigned short controlPort = 9101;
    std::string out;
    std::string paper = "ok";
    opts.add()("port", po::value(&port), "printer port (127.0.0.1)")("control-port",
        po::value(&controlPort),
        "control port (127.0.0.1)")("out", po::value(&out)->required(), "directory for the jobs")(
        "paper", po::value(&paper), "initial paper state: ok, near-end, out");
    if (const auto exit = opts.parse(argc, argv)) {
        return *exit;
    }
    std::signal(SIGPIPE, SIG_IGN);
    g_state.out = out;
    std::filesystem::create_directories(g_state.out);
    if (control("paper " + paper).rfind("OK", 0) != 0) {
        std::cerr << "escpos-sim: --paper must be ok, near-end or out\n";
        return 2;
    }
    const int printerFd = listenOn(port);
    const int controlFd = listenOn(controlPort);
    std::cout << "escpos-sim: printer on 127.0.0.1:" << port
              << ", control on 127.0.0.1:" << controlPort << ", jobs in " << out << std::endl;
    pollfd fds[2] = { { printerFd, POLLIN, 0 }, { controlFd, POLLIN, 0 } };
    for (;;) {
        if (::poll(fds, 2, -1) < 0) {
            continue;
        }
        for (int i = 0; i < 2; ++i) {
            if ((fds[i].revents & POLLIN) == 0) {
                continue;
            }
            const int c = ::accept4(fds[i].fd, nullptr, nullptr, SOCK_CLOEXEC);
            if (c < 0) {
                continue;
            }
            std::thread(i == 0 ? servePrinter : serveControl, c).detach();
        }
    }
}
