// Static file lookup for the web server: maps a request target to a file under the docroot and
// a content type. Private to hc_kiosk_server. Stateless; any thread.
#pragma once

#include <filesystem>
#include <optional>
#include <string_view>

namespace hc::kiosk::detail {

/** The file under `docroot` that `target` ("/app.js?v=1") names, or nullopt when the target is
 * not a plain path (anything but [A-Za-z0-9._-/], a "..", a dot file, a percent escape), names
 * no regular file, or leads outside the docroot through a link. "/" means "/index.html". */
std::optional<std::filesystem::path> resolveStaticFile(
    const std::filesystem::path& docroot, std::string_view target);

/** The Content-Type for a file by its extension (UTF-8 for text); application/octet-stream for
 * an unknown one. */
std::string_view contentTypeFor(const std::filesystem::path& file);

} // namespace hc::kiosk::detail
