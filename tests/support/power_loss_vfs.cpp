#include "hc/testing/power_loss_vfs.hpp"

#include <atomic>
#include <fstream>
#include <map>
#include <mutex>
#include <sqlite3.h>
#include <stdexcept>
#include <string>
#include <thread>

namespace hc::testing {

namespace {

struct State {
    sqlite3_vfs vfs {};
    sqlite3_vfs* real = nullptr;
    std::mutex mutex;
    std::map<std::string, std::string> durable; // canonical path -> bytes at the last sync
    std::atomic<std::size_t> syncs { 0 };
    std::atomic<long long> delayMs { 0 };
};

State* g_state = nullptr;

struct File {
    sqlite3_file base; // must be first
    sqlite3_file* real;
    std::string* path; // canonical path; null for temp files
};

sqlite3_file* realOf(sqlite3_file* f) { return reinterpret_cast<File*>(f)->real; }

std::string canonicalName(const char* name) {
    std::error_code ec;
    auto p = std::filesystem::weakly_canonical(name, ec);
    return ec ? std::string(name) : p.string();
}

int xClose(sqlite3_file* f) {
    auto* w = reinterpret_cast<File*>(f);
    const int rc = w->real->pMethods->xClose(w->real);
    delete w->path;
    w->path = nullptr;
    return rc;
}
int xRead(sqlite3_file* f, void* p, int n, sqlite3_int64 off) {
    return realOf(f)->pMethods->xRead(realOf(f), p, n, off);
}
int xWrite(sqlite3_file* f, const void* p, int n, sqlite3_int64 off) {
    return realOf(f)->pMethods->xWrite(realOf(f), p, n, off);
}
int xTruncate(sqlite3_file* f, sqlite3_int64 size) {
    return realOf(f)->pMethods->xTruncate(realOf(f), size);
}
int xSync(sqlite3_file* f, int flags) {
    auto* w = reinterpret_cast<File*>(f);
    if (const auto d = g_state->delayMs.load(); d > 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(d));
    }
    const int rc = w->real->pMethods->xSync(w->real, flags);
    if (rc != SQLITE_OK || w->path == nullptr) {
        return rc;
    }
    sqlite3_int64 size = 0;
    if (w->real->pMethods->xFileSize(w->real, &size) != SQLITE_OK) {
        return SQLITE_IOERR_FSYNC;
    }
    std::string bytes(static_cast<std::size_t>(size), '\0');
    if (size > 0
        && w->real->pMethods->xRead(w->real, bytes.data(), static_cast<int>(size), 0)
            != SQLITE_OK) {
        return SQLITE_IOERR_FSYNC;
    }
    {
        std::lock_guard lock(g_state->mutex);
        g_state->durable[*w->path] = std::move(bytes);
    }
    ++g_state->syncs;
    return rc;
}
int xFileSize(sqlite3_file* f, sqlite3_int64* size) {
    return realOf(f)->pMethods->xFileSize(realOf(f), size);
}
int xLock(sqlite3_file* f, int l) { return realOf(f)->pMethods->xLock(realOf(f), l); }
int xUnlock(sqlite3_file* f, int l) { return realOf(f)->pMethods->xUnlock(realOf(f), l); }
int xCheckReservedLock(sqlite3_file* f, int* out) {
    return realOf(f)->pMethods->xCheckReservedLock(realOf(f), out);
}
int xFileControl(sqlite3_file* f, int op, void* arg) {
    return realOf(f)->pMethods->xFileControl(realOf(f), op, arg);
}
int xSectorSize(sqlite3_file* f) { return realOf(f)->pMethods->xSectorSize(realOf(f)); }
int xDeviceCharacteristics(sqlite3_file* f) {
    // No SQLITE_IOCAP_POWERSAFE_OVERWRITE / SEQUENTIAL promises beyond the real file's.
    return realOf(f)->pMethods->xDeviceCharacteristics(realOf(f));
}
int xShmMap(sqlite3_file* f, int pg, int sz, int extend, void volatile** p) {
    return realOf(f)->pMethods->xShmMap(realOf(f), pg, sz, extend, p);
}
int xShmLock(sqlite3_file* f, int off, int n, int flags) {
    return realOf(f)->pMethods->xShmLock(realOf(f), off, n, flags);
}
void xShmBarrier(sqlite3_file* f) { realOf(f)->pMethods->xShmBarrier(realOf(f)); }
int xShmUnmap(sqlite3_file* f, int del) { return realOf(f)->pMethods->xShmUnmap(realOf(f), del); }

// No memory-mapped reads (xFetch returns no page): every read goes through xRead.
int xFetch(sqlite3_file*, sqlite3_int64, int, void** pp) {
    *pp = nullptr;
    return SQLITE_OK;
}
int xUnfetch(sqlite3_file*, sqlite3_int64, void*) { return SQLITE_OK; }

const sqlite3_io_methods kMethods = { 3, xClose, xRead, xWrite, xTruncate, xSync, xFileSize, xLock,
    xUnlock, xCheckReservedLock, xFileControl, xSectorSize, xDeviceCharacteristics, xShmMap,
    xShmLock, xShmBarrier, xShmUnmap, xFetch, xUnfetch };

int vOpen(sqlite3_vfs* v, const char* name, sqlite3_file* f, int flags, int* outFlags) {
    auto* w = reinterpret_cast<File*>(f);
    w->base.pMethods = nullptr;
    w->real = reinterpret_cast<sqlite3_file*>(w + 1);
    w->path = nullptr;
    const int rc = g_state->real->xOpen(g_state->real, name, w->real, flags, outFlags);
    if (rc != SQLITE_OK || w->real->pMethods == nullptr) {
        return rc;
    }
    (void)v;
    if (name != nullptr) {
        w->path = new std::string(canonicalName(name));
    }
    w->base.pMethods = &kMethods;
    return rc;
}
int vDelete(sqlite3_vfs*, const char* name, int syncDir) {
    const int rc = g_state->real->xDelete(g_state->real, name, syncDir);
    if (rc == SQLITE_OK) {
        std::lock_guard lock(g_state->mutex);
        g_state->durable.erase(canonicalName(name));
    }
    return rc;
}
int vAccess(sqlite3_vfs*, const char* name, int flags, int* out) {
    return g_state->real->xAccess(g_state->real, name, flags, out);
}
int vFullPathname(sqlite3_vfs*, const char* name, int n, char* out) {
    return g_state->real->xFullPathname(g_state->real, name, n, out);
}
void* vDlOpen(sqlite3_vfs*, const char* name) { return g_state->real->xDlOpen(g_state->real, name); }
void vDlError(sqlite3_vfs*, int n, char* msg) { g_state->real->xDlError(g_state->real, n, msg); }
void (*vDlSym(sqlite3_vfs*, void* h, const char* sym))(void) {
    return g_state->real->xDlSym(g_state->real, h, sym);
}
void vDlClose(sqlite3_vfs*, void* h) { g_state->real->xDlClose(g_state->real, h); }
int vRandomness(sqlite3_vfs*, int n, char* out) {
    return g_state->real->xRandomness(g_state->real, n, out);
}
int vSleep(sqlite3_vfs*, int us) { return g_state->real->xSleep(g_state->real, us); }
int vCurrentTime(sqlite3_vfs*, double* t) { return g_state->real->xCurrentTime(g_state->real, t); }
int vGetLastError(sqlite3_vfs*, int n, char* out) {
    return g_state->real->xGetLastError(g_state->real, n, out);
}
int vCurrentTimeInt64(sqlite3_vfs*, sqlite3_int64* t) {
    return g_state->real->xCurrentTimeInt64(g_state->real, t);
}

} // namespace

PowerLossVfs::PowerLossVfs() {
    if (g_state != nullptr) {
        throw std::logic_error("PowerLossVfs: one instance at a time");
    }
    ::sqlite3_initialize();
    auto* s = new State;
    s->real = ::sqlite3_vfs_find("unix");
    if (s->real == nullptr) {
        delete s;
        throw std::runtime_error("PowerLossVfs: SQLite has no \"unix\" VFS");
    }
    auto& v = s->vfs;
    v.iVersion = 2;
    v.szOsFile = static_cast<int>(sizeof(File)) + s->real->szOsFile;
    v.mxPathname = s->real->mxPathname;
    v.zName = "hc-power-loss";
    v.xOpen = vOpen;
    v.xDelete = vDelete;
    v.xAccess = vAccess;
    v.xFullPathname = vFullPathname;
    v.xDlOpen = vDlOpen;
    v.xDlError = vDlError;
    v.xDlSym = vDlSym;
    v.xDlClose = vDlClose;
    v.xRandomness = vRandomness;
    v.xSleep = vSleep;
    v.xCurrentTime = vCurrentTime;
    v.xGetLastError = vGetLastError;
    v.xCurrentTimeInt64 = vCurrentTimeInt64;
    g_state = s;
    if (::sqlite3_vfs_register(&s->vfs, 1) != SQLITE_OK) {
        g_state = nullptr;
        delete s;
        throw std::runtime_error("PowerLossVfs: sqlite3_vfs_register failed");
    }
}

PowerLossVfs::~PowerLossVfs() {
    ::sqlite3_vfs_unregister(&g_state->vfs);
    ::sqlite3_vfs_register(g_state->real, 1);
    delete g_state;
    g_state = nullptr;
}

std::filesystem::path PowerLossVfs::crashCopy(
    const std::filesystem::path& db, const std::filesystem::path& dir) const {
    std::filesystem::create_directories(dir);
    const auto out = dir / db.filename();
    const std::string key = canonicalName(db.c_str());
    std::lock_guard lock(g_state->mutex);
    for (const auto& [suffix, target] : { std::pair { std::string(), out },
             std::pair { std::string("-wal"), std::filesystem::path(out.string() + "-wal") } }) {
        std::filesystem::remove(target);
        const auto it = g_state->durable.find(key + suffix);
        if (it != g_state->durable.end()) {
            std::ofstream(target, std::ios::binary) << it->second;
        }
    }
    std::filesystem::remove(out.string() + "-shm");
    return out;
}

std::size_t PowerLossVfs::syncs() const { return g_state->syncs.load(); }

void PowerLossVfs::setSyncDelay(std::chrono::milliseconds delay) { g_state->delayMs = delay.count(); }

} // namespace hc::testing
