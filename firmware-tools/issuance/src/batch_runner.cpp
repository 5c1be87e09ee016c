// The batch runner: one worker per reader, the card feeder, the outcome of every card recorded
// in the register before the next card is fed.
#include "hc/issuance/batch_runner.hpp"

#include "hc/card/health/model.hpp"
#include "hc/issuance/error.hpp"

#include <csignal>
#include <ctime>
#include <mutex>
#include <spawn.h>
#include <sys/wait.h>
#include <thread>

extern char** environ;

namespace hc::issuance {

std::string todayYmd() {
    const std::time_t t = std::time(nullptr);
    std::tm tm {};
    ::gmtime_r(&t, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y%m%d", &tm);
    return buf;
}

std::string addYears(const std::string& ymd, int years) {
    if (ymd.size() != 8) {
        throw hc::InputError("date YYYYMMDD expected");
    }
    const int y = std::stoi(ymd.substr(0, 4)) + years;
    std::string md = ymd.substr(4);
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (md == "0229" && !leap) {
        md = "0228";
    }
    return std::to_string(y) + md;
}

BatchRunner::BatchRunner(IssuanceRegister& reg, CardWriterFactory writers, RunOptions options)
    : m_reg(reg)
    , m_writers(std::move(writers))
    , m_options(std::move(options)) {
    if (m_options.readers.empty()) {
        throw hc::InputError("a batch run needs at least one reader");
    }
    if (m_options.issueDate.empty()) {
        m_options.issueDate = todayYmd();
    }
}

namespace {
std::string replaceAll(std::string s, const std::string& from, const std::string& to) {
    for (std::size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) {
        s.replace(p, from.size(), to);
    }
    return s;
}

// Single-quotes a value for sh.
std::string shellQuote(const std::string& s) {
    return "'" + replaceAll(s, "'", "'\\''") + "'";
}
} // namespace

void BatchRunner::feed(std::size_t slot, std::size_t card) {
    const std::string& reader = m_options.readers[slot];
    std::string cmd = replaceAll(m_options.cardFeeder, "{reader}", shellQuote(reader));
    cmd = replaceAll(cmd, "{slot}", std::to_string(slot));
    cmd = replaceAll(cmd, "{card}", std::to_string(card));

    std::vector<std::string> env;
    for (char** e = environ; e && *e; ++e) {
        const std::string s(*e);
        if (s.rfind("HC_PERSO_READER=", 0) != 0 && s.rfind("HC_PERSO_SLOT=", 0) != 0) {
            env.push_back(s);
        }
    }
    env.push_back("HC_PERSO_READER=" + reader);
    env.push_back("HC_PERSO_SLOT=" + std::to_string(slot));
    std::vector<char*> envp;
    for (auto& s : env) {
        envp.push_back(s.data());
    }
    envp.push_back(nullptr);
    std::string sh = "/bin/sh", dashC = "-c";
    std::vector<char*> argv { sh.data(), dashC.data(), cmd.data(), nullptr };

    posix_spawn_file_actions_t fa;
    ::posix_spawn_file_actions_init(&fa);
    ::posix_spawn_file_actions_adddup2(&fa, 2, 1); // keep the runner's stdout for JSON lines
    // The feeder starts with a clean signal state whatever the runner's: a program that takes its
    // signals synchronously (hc::StopSignals) has them blocked and SIGPIPE ignored, and a child
    // would inherit both: Ctrl-C would not stop the feeder, nor the card emulator it starts.
    posix_spawnattr_t attr;
    ::posix_spawnattr_init(&attr);
    sigset_t none;
    sigemptyset(&none);
    ::posix_spawnattr_setsigmask(&attr, &none);
    sigset_t defaults;
    sigemptyset(&defaults);
    for (const int sig : { SIGINT, SIGTERM, SIGHUP, SIGPIPE }) {
        sigaddset(&defaults, sig);
    }
    ::posix_spawnattr_setsigdefault(&attr, &defaults);
    ::posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    pid_t pid = -1;
    const int rc = ::posix_spawn(&pid, "/bin/sh", &fa, &attr, argv.data(), envp.data());
    ::posix_spawnattr_destroy(&attr);
    ::posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        throw CardSideError("feed", "cannot start the card feeder", NextStep::CheckConfiguration);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            throw CardSideError("feed", "lost the card feeder", NextStep::CheckConfiguration);
        }
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        throw CardSideError("feed",
            "the card feeder for " + reader + " failed (exit "
                + std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1)
                + "): no blank card presented",
            NextStep::CallStaff);
    }
}

void BatchRunner::worker(std::size_t slot, const std::function<void(const RunEvent&)>& emit) {
    const std::string& reader = m_options.readers[slot];
    const std::string& op = m_options.operatorId;
    std::unique_ptr<CardWriter> writer = m_writers();
    std::size_t fed = 0;
    while (!m_stop) {
        const auto st = m_reg.batchStatus(m_options.batch);
        if (st.prepared <= st.claimed) {
            break;
        }
        if (!m_options.cardFeeder.empty()) {
            feed(slot, ++fed);
        }
        // Wait for a blank card in the reader (a personalized one still there is not taken).
        const auto deadline = std::chrono::steady_clock::now() + m_options.cardWait;
        while (writer->probe(reader) != CardPresence::Blank) {
            if (m_stop) {
                return;
            }
            if (std::chrono::steady_clock::now() > deadline) {
                throw CardSideError("wait",
                    "no blank card in " + reader + " within "
                        + std::to_string(m_options.cardWait.count())
                        + " ms (last seen: " + writer->probeDetail() + ")",
                    NextStep::CallStaff);
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        if (m_options.pinMailer != nullptr) {
            m_options.pinMailer->checkReady(); // before a card (and its PIN) is made
        }
        const auto entry = m_reg.claimNext(m_options.batch, reader, op);
        if (!entry) {
            break;
        }
        CardJob job;
        job.cardNo = entry->cardNo;
        job.resident = entry->resident;
        job.issuer = m_options.issuer;
        job.issueDate = m_options.issueDate;
        job.expiryDate = addYears(m_options.issueDate, m_options.issuer.validityYears);
        job.batch = m_options.batch;

        RunEvent ev;
        ev.reader = reader;
        ev.cardNo = entry->cardNo;
        std::string chip;
        std::string pinProblem;
        try {
            const WriteResult wr = writer->personalize(reader, job);
            pinProblem = writer->pinProblem();
            chip = wr.chipSerial;
            m_reg.markPersonalized(entry->cardNo, chip, wr.apdus, op);
            const auto mismatches = writer->verify(reader, job);
            if (!mismatches.empty()) {
                std::string what = std::to_string(mismatches.size()) + " field(s) differ:";
                for (const auto& m : mismatches) {
                    what += " " + m.field;
                }
                throw CardSideError("verify", what);
            }
            m_reg.markVerified(entry->cardNo, op);
            m_reg.markIssued(entry->cardNo, op);
            ++m_issued;
            m_apdus += wr.apdus;
            ev.kind = "issued";
            ev.apdus = wr.apdus;
        } catch (const std::exception& ex) {
            m_reg.markFailed(
                entry->cardNo, chip, ex.what(), op, entry->attempt < m_options.maxAttempts);
            ++m_failed;
            ev.kind = "failed";
            ev.detail = ex.what();
        }
        emit(ev);
        if (!pinProblem.empty()) {
            m_reg.note(entry->cardNo, "pin_undelivered", pinProblem, op);
            RunEvent pe;
            pe.kind = "pin-undelivered";
            pe.reader = reader;
            pe.cardNo = entry->cardNo;
            pe.detail = pinProblem + "; the card is issued: reset its PIN (hcperso pin-reset)";
            emit(pe);
            throw PinMailerError(pinProblem);
        }
    }
}

RunSummary BatchRunner::run(const std::function<void(const RunEvent&)>& onEvent) {
    m_start = std::chrono::steady_clock::now();
    RunSummary summary;
    std::mutex emitMutex;
    auto elapsed = [&] {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count();
    };
    auto emit = [&](RunEvent ev) {
        const auto st = m_reg.batchStatus(m_options.batch);
        std::lock_guard lock(emitMutex);
        ev.issued = m_issued;
        ev.failed = m_failed;
        ev.remaining = st.prepared;
        ev.elapsedSeconds = elapsed();
        if (onEvent) {
            onEvent(ev);
        }
    };

    summary.recovered = m_reg.recoverInterrupted(m_options.batch, m_options.operatorId);
    if (summary.recovered > 0) {
        RunEvent ev;
        ev.kind = "recovered";
        ev.detail = std::to_string(summary.recovered) + " card(s) of an interrupted run settled";
        emit(ev);
    }

    std::vector<std::string> errors(m_options.readers.size());
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < m_options.readers.size(); ++i) {
        threads.emplace_back([&, i] {
            try {
                worker(i, emit);
            } catch (const std::exception& ex) {
                errors[i] = m_options.readers[i] + ": " + ex.what();
                RunEvent ev;
                ev.kind = "reader-error";
                ev.reader = m_options.readers[i];
                ev.detail = ex.what();
                try {
                    emit(ev);
                } catch (...) { }
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    for (auto& e : errors) {
        if (!e.empty()) {
            summary.readerErrors.push_back(e);
        }
    }
    summary.issued = m_issued;
    summary.failed = m_failed;
    summary.apdus = m_apdus;
    summary.remaining = m_reg.batchStatus(m_options.batch).prepared;
    summary.elapsedSeconds = elapsed();
    return summary;
}

} // namespace hc::issuance
