// hc::replaceFile: the old content or the new one after any failure, never a mix or nothing.
#include "hc/base/file_replace.hpp"

#include <csignal>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace hc;
namespace fs = std::filesystem;

namespace {

/** A fresh directory under the build's temp dir, removed at the end of the test. */
struct TempDir {
    fs::path path;
    TempDir() {
        char tmpl[] = "/tmp/hc-file-replace-XXXXXX";
        REQUIRE(::mkdtemp(tmpl) != nullptr);
        path = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void put(const fs::path& p, const std::string& text) {
    std::ofstream(p, std::ios::binary) << text;
}

unsigned modeOf(const fs::path& p) {
    struct stat st { };
    REQUIRE(::stat(p.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

/** While it lives, files this process writes are limited to `bytes` (writes past it fail with
 *  EFBIG instead of raising SIGXFSZ): a disk that fills up half-way through a write. */
struct FileSizeLimit {
    rlimit old {};
    void (*oldHandler)(int) = nullptr;
    explicit FileSizeLimit(rlim_t bytes) {
        REQUIRE(::getrlimit(RLIMIT_FSIZE, &old) == 0);
        oldHandler = std::signal(SIGXFSZ, SIG_IGN);
        rlimit lim = old;
        lim.rlim_cur = bytes;
        REQUIRE(::setrlimit(RLIMIT_FSIZE, &lim) == 0);
    }
    ~FileSizeLimit() {
        ::setrlimit(RLIMIT_FSIZE, &old);
        std::signal(SIGXFSZ, oldHandler);
    }
};

} // namespace

TEST_CASE("replaceFile creates or replaces the file with the given mode and leaves no temp file") {
    TempDir dir;
    const fs::path file = dir.path / "state.json";
    replaceFile(file, "first, a longer content\n", 0600);
    CHECK(slurp(file) == "first, a longer content\n");
    CHECK(modeOf(file) == 0600);
    replaceFile(file, "second\n", 0644);
    CHECK(slurp(file) == "second\n");
    CHECK(modeOf(file) == 0644);
    CHECK_FALSE(fs::exists(dir.path / "state.json.tmp"));
}

TEST_CASE("a temporary file left by a crash neither leaks its mode nor its content") {
    TempDir dir;
    const fs::path file = dir.path / "keys.bin";
    put(dir.path / "keys.bin.tmp", "stale content from a crash, longer than the new one");
    ::chmod((dir.path / "keys.bin.tmp").c_str(), 0666);
    replaceFile(file, "new", 0600);
    CHECK(slurp(file) == "new");
    CHECK(modeOf(file) == 0600);
}

TEST_CASE("a disk that fills up during the write leaves the old file whole") {
    TempDir dir;
    const fs::path file = dir.path / "card.json";
    put(file, "old image");
    const std::string big(64 * 1024, 'x');
    try {
        FileSizeLimit limit(4096);
        replaceFile(file, big, 0600);
        FAIL("a write past the file size limit must fail");
    } catch (const FileReplaceError& e) {
        CHECK(e.step() == FileReplaceStep::Write);
        CHECK(e.path() == dir.path / "card.json.tmp");
        CHECK(e.nextStep() == NextStep::CallStaff);
        CHECK(std::string(e.what()).find("card.json.tmp") != std::string::npos);
    }
    CHECK(slurp(file) == "old image");
    CHECK_FALSE(fs::exists(dir.path / "card.json.tmp"));
}

TEST_CASE("a temporary file that cannot be created is reported as Create, naming it") {
    TempDir dir;
    const fs::path file = dir.path / "cache.json";
    put(file, "old");
    fs::create_directory(dir.path / "cache.json.tmp"); // open(O_WRONLY) of a directory fails
    try {
        replaceFile(file, "new", 0644);
        FAIL("must throw");
    } catch (const FileReplaceError& e) {
        CHECK(e.step() == FileReplaceStep::Create);
        CHECK(e.nextStep() == NextStep::CheckConfiguration);
        CHECK(std::string(e.what())
            == "cannot create " + (dir.path / "cache.json.tmp").string() + ": " + e.reason());
    }
    CHECK(slurp(file) == "old");
    CHECK(fs::is_directory(dir.path / "cache.json.tmp")); // not ours: left as it was

    CHECK_THROWS_AS(replaceFile(dir.path / "no-such-dir" / "x", "new", 0644), FileReplaceError);
}

TEST_CASE("a target that cannot be replaced is reported as Rename; the temp file goes") {
    TempDir dir;
    const fs::path file = dir.path / "busy";
    fs::create_directories(file / "inside"); // a non-empty directory cannot be renamed over
    try {
        replaceFile(file, "new", 0644);
        FAIL("must throw");
    } catch (const FileReplaceError& e) {
        CHECK(e.step() == FileReplaceStep::Rename);
        CHECK(e.path() == file);
    }
    CHECK(fs::is_directory(file / "inside"));
    CHECK_FALSE(fs::exists(dir.path / "busy.tmp"));
}
