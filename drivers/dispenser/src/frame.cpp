#include "hc/dispenser/frame.hpp"

#include "hc/dispenser/error.hpp"

#include <algorithm>

namespace hc::dispenser {

namespace {

bool printable(std::uint8_t b) {
    return b >= 0x20 && b <= 0x7E;
}

constexpr std::size_t kMaxWaiting = 4096;

} // namespace

std::vector<std::uint8_t> encodeFrame(std::string_view payload) {
    if (payload.empty() || payload.size() > kMaxPayload) {
        throw DispenserProtocolError("dispenser frame: payload must be 1 to 200 bytes");
    }
    std::vector<std::uint8_t> out;
    out.reserve(payload.size() + 4);
    out.push_back(kStx);
    auto bcc = static_cast<std::uint8_t>(payload.size());
    out.push_back(bcc);
    for (const char c : payload) {
        const auto b = static_cast<std::uint8_t>(c);
        if (!printable(b)) {
            throw DispenserProtocolError("dispenser frame: payload byte outside 0x20..0x7E");
        }
        out.push_back(b);
        bcc = static_cast<std::uint8_t>(bcc ^ b);
    }
    out.push_back(kEtx);
    out.push_back(bcc);
    return out;
}

void FrameReader::feed(std::span<const std::uint8_t> bytes) {
    if (m_buffer.size() + bytes.size() > kMaxWaiting) {
        m_buffer.clear();
        throw DispenserProtocolError("dispenser frame: more than 4 KiB without a whole frame");
    }
    for (const auto b : bytes) {
        m_buffer.push_back(b);
    }
}

std::optional<std::string> FrameReader::next() {
    const auto stx = std::find(m_buffer.begin(), m_buffer.end(), kStx);
    m_skipped += static_cast<std::size_t>(stx - m_buffer.begin());
    m_buffer.erase(m_buffer.begin(), stx);
    if (m_buffer.size() < 2) {
        return std::nullopt;
    }
    const std::size_t len = m_buffer[1];
    const auto dropStx = [this] { m_buffer.erase(m_buffer.begin()); };
    if (len == 0 || len > kMaxPayload) {
        dropStx();
        throw DispenserProtocolError(
            "dispenser frame: length " + std::to_string(len) + " outside 1..200");
    }
    // Check the payload bytes that have arrived, so a bad frame is refused early.
    const std::size_t have = std::min(m_buffer.size() - 2, len);
    for (std::size_t i = 0; i < have; ++i) {
        if (!printable(m_buffer[2 + i])) {
            dropStx();
            throw DispenserProtocolError("dispenser frame: payload byte outside 0x20..0x7E");
        }
    }
    if (m_buffer.size() < len + 4) {
        return std::nullopt;
    }
    if (m_buffer[2 + len] != kEtx) {
        dropStx();
        throw DispenserProtocolError("dispenser frame: no ETX after the payload");
    }
    auto bcc = static_cast<std::uint8_t>(len);
    for (std::size_t i = 0; i < len; ++i) {
        bcc = static_cast<std::uint8_t>(bcc ^ m_buffer[2 + i]);
    }
    if (bcc != m_buffer[3 + len]) {
        dropStx();
        throw DispenserProtocolError("dispenser frame: BCC mismatch");
    }
    std::string payload(m_buffer.begin() + 2, m_buffer.begin() + 2 + static_cast<long>(len));
    m_buffer.erase(m_buffer.begin(), m_buffer.begin() + static_cast<long>(len + 4));
    return payload;
}

} // namespace hc::dispenser
