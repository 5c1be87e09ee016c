#include "hc/base/file_replace.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace hc {

namespace {

std::string_view verb(FileReplaceStep step) {
    switch (step) {
    case FileReplaceStep::Create:
        return "cannot create";
    case FileReplaceStep::Write:
        return "cannot write";
    case FileReplaceStep::Sync:
        return "cannot sync";
    case FileReplaceStep::Close:
        return "cannot close";
    case FileReplaceStep::Rename:
        return "cannot rename the new content over";
    }
    return "cannot replace";
}

NextStep nextFor(FileReplaceStep step) {
    return step == FileReplaceStep::Create || step == FileReplaceStep::Rename
        ? NextStep::CheckConfiguration
        : NextStep::CallStaff;
}

} // namespace

FileReplaceError::FileReplaceError(
    FileReplaceStep step, std::filesystem::path path, std::string reason)
    : Error(std::string(verb(step)) + " " + path.string() + ": " + reason, nextFor(step))
    , m_step(step)
    , m_path(std::move(path))
    , m_reason(std::move(reason)) {
}

void replaceFile(const std::filesystem::path& file, std::string_view content, ::mode_t mode) {
    const std::filesystem::path tmp = file.string() + ".tmp";
    int fd = -1;
    // On any failure: the temporary file goes, the old file stays as it was.
    auto fail = [&](FileReplaceStep step, const std::filesystem::path& what) {
        const std::string reason = std::strerror(errno);
        if (fd >= 0) {
            ::close(fd);
        }
        ::unlink(tmp.c_str());
        throw FileReplaceError(step, what, reason);
    };
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) {
        const std::string reason = std::strerror(errno);
        throw FileReplaceError(FileReplaceStep::Create, tmp, reason); // not ours to unlink
    }
    if (::fchmod(fd, mode) != 0) { // a temporary file left by a crash may have another mode
        fail(FileReplaceStep::Create, tmp);
    }
    std::size_t off = 0;
    while (off < content.size()) {
        const ssize_t w = ::write(fd, content.data() + off, content.size() - off);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            if (w == 0) {
                errno = EIO;
            }
            fail(FileReplaceStep::Write, tmp);
        }
        off += static_cast<std::size_t>(w);
    }
    if (::fsync(fd) != 0) {
        fail(FileReplaceStep::Sync, tmp);
    }
    const int closing = fd;
    fd = -1;
    if (::close(closing) != 0) {
        fail(FileReplaceStep::Close, tmp);
    }
    if (::rename(tmp.c_str(), file.c_str()) != 0) {
        fail(FileReplaceStep::Rename, file);
    }
    // The rename is durable once the directory is: best effort (some file systems refuse an
    // fsync of a directory; the content itself is already on disk).
    const auto dir = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
    if (const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
}

} // namespace hc
