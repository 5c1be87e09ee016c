#include "hc/printer/file_transport.hpp"

#include "fd_io.hpp"
#include "hc/printer/error.hpp"

#include <fcntl.h>
#include <unistd.h>

namespace hc::printer {

FileTransport::FileTransport(std::filesystem::path path)
    : m_path(std::move(path)) {
}

FileTransport::~FileTransport() {
    close();
}

std::string FileTransport::describe() const {
    return "file " + m_path.string();
}

void FileTransport::open() {
    if (m_fd >= 0) {
        return;
    }
    m_fd = ::open(m_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (m_fd < 0) {
        throw PrinterUnavailable(describe() + ": cannot open: " + detail::lastError());
    }
}

void FileTransport::close() noexcept {
    if (m_fd >= 0) {
        ::close(m_fd);
        m_fd = -1;
    }
}

void FileTransport::write(std::span<const std::uint8_t> bytes) {
    open();
    detail::writeAll(m_fd, bytes, std::chrono::milliseconds(5000), describe());
}

std::size_t FileTransport::read(std::span<std::uint8_t>, std::chrono::milliseconds) {
    return 0;
}

} // namespace hc::printer
