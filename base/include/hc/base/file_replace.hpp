// Replacing a file's content so that a crash or a full disk leaves either the old content or the
// new one, never a mix: the content goes to "<file>.tmp" beside it (created with `mode`, which is
// also forced on a temporary file left by an earlier crash), is fsync'ed, renamed over the file,
// and the directory is fsync'ed so the rename itself survives a power cut. On any failure the
// temporary file is removed and the old file is untouched.
//
//   try {
//       hc::replaceFile(path, text, 0600);
//   } catch (const hc::FileReplaceError& e) {
//       throw MyError("card image: " + std::string(e.what()), ...);   // e names the step and file
//   }
//
// For files a program owns alone (card images, key stores, caches, secrets); it does not lock
// against another process writing the same file. Any thread (no shared state).
#pragma once

#include "hc/base/error.hpp"

#include <filesystem>
#include <string>
#include <string_view>
#include <sys/types.h>

namespace hc {

/** The step of replaceFile that failed. */
enum class FileReplaceStep {
    Create, ///< the temporary file could not be created (directory missing or not writable)
    Write, ///< writing it failed (disk full, I/O error)
    Sync, ///< fsync of it failed
    Close, ///< closing it failed (some file systems report write errors only here)
    Rename, ///< it could not be renamed over the file
};

/** replaceFile failed; the old file is as it was. The message reads "<step> <path>: <system
 *  error>" (for example "cannot create /var/lib/hc/x.tmp: Permission denied"). */
class FileReplaceError : public Error {
public:
    FileReplaceError(FileReplaceStep step, std::filesystem::path path, std::string reason);
    /** Which step failed. */
    FileReplaceStep step() const noexcept { return m_step; }
    /** The file that step worked on (the temporary file, or the target for Rename). */
    const std::filesystem::path& path() const noexcept { return m_path; }
    /** The system's words for the failure (strerror). */
    const std::string& reason() const noexcept { return m_reason; }

private:
    FileReplaceStep m_step;
    std::filesystem::path m_path;
    std::string m_reason;
};

/** Replaces `file`'s content with `content` as described above (the file need not exist yet).
 *  The new file has permission bits `mode`. Throws FileReplaceError: NextStep CheckConfiguration
 *  for Create and Rename (a directory or permission problem), CallStaff for the others (the
 *  disk: full or failing). */
void replaceFile(const std::filesystem::path& file, std::string_view content, ::mode_t mode);

} // namespace hc
