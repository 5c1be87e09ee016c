// PowerLossVfs: a SQLite VFS that models a power cut, so tests observe durability instead of
// assuming it. kill -9 cannot show a missing fsync (the kernel keeps the page cache); this can.
//
// While an instance lives it is the process's default VFS, wrapping the real one ("unix"): every
// read and write goes to the real files as usual, and each file's *durable image* is what it held
// at its last xSync. crashCopy() writes the durable images of a database and its WAL into another
// folder: what the machine would find after losing power at that moment. A COMMIT that returned
// without an fsync of its WAL frames is missing there.
//
// Thread-safe. One instance at a time.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>

namespace hc::testing {

class PowerLossVfs {
public:
    /** Registers itself as the default VFS. */
    PowerLossVfs();
    /** Unregisters; the previous default VFS is the default again. */
    ~PowerLossVfs();
    PowerLossVfs(const PowerLossVfs&) = delete;
    PowerLossVfs& operator=(const PowerLossVfs&) = delete;

    /** Writes the durable images of `db` and of its WAL (`<db>-wal`) into `dir` under the same
     * names and returns the copy's database path. A file never synced has no durable image and is
     * absent from the copy. */
    std::filesystem::path crashCopy(
        const std::filesystem::path& db, const std::filesystem::path& dir) const;
    /** Number of successful xSync calls so far. */
    std::size_t syncs() const;
    /** Each xSync waits this long before syncing: widens the window between a COMMIT's writes and
     * its fsync, in which a caller told "committed" too early would be caught. */
    void setSyncDelay(std::chrono::milliseconds delay);
};

} // namespace hc::testing
