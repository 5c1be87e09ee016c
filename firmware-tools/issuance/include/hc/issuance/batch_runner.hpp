// The batch runner: one worker thread per reader. Each worker presents the next blank card (the
// card feeder), waits for it, takes the batch's next prepared card number from the register,
// personalizes, reads back, and records the outcome. Any failure marks that chip failed (spoiled)
// and queues the record again under a new card number; a card is counted good only once it was
// read back equal (verified) and marked issued. A run continues where an interrupted one
// stopped (recoverInterrupted first). Threading: run() blocks and owns its workers; requestStop()
// may be called from any thread (a signal handler's thread, the progress callback).
#pragma once

#include "hc/issuance/card_writer.hpp"
#include "hc/issuance/pin_mailer.hpp"
#include "hc/issuance/register_store.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace hc::issuance {

/** How to run a batch. */
struct RunOptions {
    std::string batch; ///< batch id
    std::vector<std::string> readers; ///< one worker per reader
    std::string operatorId = "hcperso"; ///< recorded in the register
    IssuerProfile issuer; ///< written on every card
    /**
     * The card feeder: a shell command run (sh -c) before each card to present the next blank
     * card in a reader, the stand-in for a card printer/encoder's hopper. "{reader}", "{slot}"
     * (the reader's position in `readers`, 0-based) and "{card}" (a running count per worker)
     * are replaced, and HC_PERSO_READER / HC_PERSO_SLOT are set. Non-zero exit = no more cards
     * for that reader. Empty: an operator swaps cards by hand.
     */
    std::string cardFeeder;
    std::chrono::milliseconds cardWait { 30000 }; ///< how long to wait for a blank card
    int maxAttempts = 3; ///< spoiled cards per record before it is left failed
    std::string issueDate; ///< YYYYMMDD; today (UTC) when empty
    /** The PIN mailer the card writers deliver to (pin_mailer.hpp), checked before every card is
     * claimed: a printer that cannot print stops the worker before a card is written. A letter
     * that fails after the card was written notes "pin_undelivered" on the card and stops the
     * worker. Null: no check (the writers were made without a mailer). */
    PinMailer* pinMailer = nullptr;
};

/** One thing that happened, for the progress display. */
struct RunEvent {
    std::string kind; ///< "issued", "failed", "pin-undelivered", "reader-error", "recovered"
    std::string reader; ///< reader
    std::string cardNo; ///< card number (mask it for display)
    std::string detail; ///< failure text
    std::uint64_t apdus = 0; ///< APDUs of the card
    std::size_t issued = 0; ///< cards issued by this run so far
    std::size_t failed = 0; ///< cards spoiled by this run so far
    std::size_t remaining = 0; ///< prepared cards left in the batch
    double elapsedSeconds = 0; ///< since run() started
};

/** What a run did. */
struct RunSummary {
    std::size_t issued = 0; ///< cards issued by this run
    std::size_t failed = 0; ///< cards spoiled by this run
    std::size_t recovered = 0; ///< cards settled by recoverInterrupted at the start
    std::size_t remaining = 0; ///< prepared cards left when the run ended
    std::uint64_t apdus = 0; ///< APDUs of the issued cards
    double elapsedSeconds = 0; ///< wall time
    std::vector<std::string> readerErrors; ///< workers that stopped early, and why
};

/** Runs one batch over several readers. */
class BatchRunner {
public:
    /** The register is shared by the workers; `writers` makes one CardWriter per worker. */
    BatchRunner(IssuanceRegister& reg, CardWriterFactory writers, RunOptions options);
    /** Runs until the batch has no prepared card left, every worker stopped, or requestStop().
     * `onEvent` is called (serialized) after every card. */
    RunSummary run(const std::function<void(const RunEvent&)>& onEvent = {});
    /** Asks the workers to stop after their current card. */
    void requestStop() { m_stop = true; }

private:
    void worker(std::size_t slot, const std::function<void(const RunEvent&)>& emit);
    void feed(std::size_t slot, std::size_t card);

    IssuanceRegister& m_reg;
    CardWriterFactory m_writers;
    RunOptions m_options;
    std::atomic<bool> m_stop { false };
    std::atomic<std::size_t> m_issued { 0 };
    std::atomic<std::size_t> m_failed { 0 };
    std::atomic<std::uint64_t> m_apdus { 0 };
    std::chrono::steady_clock::time_point m_start;
};

/** "20261123" for today (UTC). */
std::string todayYmd();
/** `ymd` plus `years` (29 February becomes 28 February). */
std::string addYears(const std::string& ymd, int years);

} // namespace hc::issuance
