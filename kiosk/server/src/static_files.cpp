#include "static_files.hpp"

#include <array>
#include <utility>

namespace hc::kiosk::detail {

namespace fs = std::filesystem;

namespace {

bool plainChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.'
        || c == '_' || c == '-' || c == '/';
}

} // namespace

std::optional<fs::path> resolveStaticFile(const fs::path& docroot, std::string_view target) {
    const auto end = target.find_first_of("?#");
    auto path = target.substr(0, end);
    if (path.empty() || path.front() != '/' || path.size() > 256) {
        return std::nullopt;
    }
    if (path == "/") {
        path = "/index.html";
    }
    for (const char c : path) {
        if (!plainChar(c)) {
            return std::nullopt;
        }
    }
    // Every segment must be a non-empty name not starting with a dot ("..", ".git", "//").
    std::size_t pos = 1;
    while (pos <= path.size()) {
        const auto next = path.find('/', pos);
        const auto segment
            = path.substr(pos, next == std::string_view::npos ? path.npos : next - pos);
        if (segment.empty() || segment.front() == '.') {
            return std::nullopt;
        }
        if (next == std::string_view::npos) {
            break;
        }
        pos = next + 1;
    }
    std::error_code ec;
    const auto root = fs::canonical(docroot, ec);
    if (ec) {
        return std::nullopt;
    }
    const auto file = fs::canonical(root / fs::path(path.substr(1)), ec);
    if (ec || !fs::is_regular_file(file, ec)) {
        return std::nullopt;
    }
    // A symbolic link inside the docroot must not lead out of it.
    const auto rel = file.lexically_relative(root);
    if (rel.empty() || *rel.begin() == "..") {
        return std::nullopt;
    }
    return file;
}

std::string_view contentTypeFor(const fs::path& file) {
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 12> types { {
        { ".html", "text/html; charset=utf-8" },
        { ".js", "text/javascript; charset=utf-8" },
        { ".mjs", "text/javascript; charset=utf-8" },
        { ".css", "text/css; charset=utf-8" },
        { ".json", "application/json; charset=utf-8" },
        { ".txt", "text/plain; charset=utf-8" },
        { ".svg", "image/svg+xml" },
        { ".png", "image/png" },
        { ".jpg", "image/jpeg" },
        { ".ico", "image/x-icon" },
        { ".woff2", "font/woff2" },
        { ".pdf", "application/pdf" },
    } };
    const auto ext = file.extension().string();
    for (const auto& [e, type] : types) {
        if (ext == e) {
            return type;
        }
    }
    return "application/octet-stream";
}

} // namespace hc::kiosk::detail
