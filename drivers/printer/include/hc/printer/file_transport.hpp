// FileTransport: writes jobs to a file or device node (/dev/usb/lp0, a capture file). It cannot
// read status, so the printer reports "status not available" with level Ok. One thread at a time.
#pragma once

#include "hc/printer/transport.hpp"

#include <filesystem>

namespace hc::printer {

/** File or character-device transport; appends each job. */
class FileTransport final : public Transport {
public:
    /** Appends to `path` (created if missing). */
    explicit FileTransport(std::filesystem::path path);
    ~FileTransport() override;
    FileTransport(const FileTransport&) = delete;
    FileTransport& operator=(const FileTransport&) = delete;

    void open() override;
    void close() noexcept override;
    void write(std::span<const std::uint8_t> bytes) override;
    /** Always 0: a file does not answer. */
    std::size_t read(std::span<std::uint8_t> out, std::chrono::milliseconds timeout) override;
    bool canReadStatus() const override { return false; }
    std::string describe() const override;

private:
    std::filesystem::path m_path;
    int m_fd = -1;
};

} // namespace hc::printer
