#include "hc/pcsc/context.hpp"

#include "scard_call.hpp"

namespace hc::pcsc {

Context::Context() {
    SCARDCONTEXT ctx = 0;
    HC_SCARD(SCardEstablishContext, {}, SCARD_SCOPE_SYSTEM, nullptr, nullptr, &ctx);
    m_handle = ctx;
}

Context::~Context() {
    ::SCardReleaseContext(m_handle);
}

void Context::cancel() const {
    ::SCardCancel(m_handle);
}

std::vector<std::string> Context::listReaders() const {
    for (int attempt = 0; attempt < 3; ++attempt) {
        DWORD len = 0;
        LONG rv = ::SCardListReaders(m_handle, nullptr, nullptr, &len);
        if (rv == SCARD_E_NO_READERS_AVAILABLE) {
            return {};
        }
        detail::check("SCardListReaders", rv);
        std::string buf(len, '\0');
        rv = ::SCardListReaders(m_handle, nullptr, buf.data(), &len);
        if (rv == SCARD_E_NO_READERS_AVAILABLE) {
            return {};
        }
        if (rv == SCARD_E_INSUFFICIENT_BUFFER) {
            continue; // a reader appeared between the two calls
        }
        detail::check("SCardListReaders", rv);
        std::vector<std::string> out;
        for (std::size_t pos = 0; pos < len && buf[pos] != '\0';) {
            const std::size_t end = buf.find('\0', pos);
            out.emplace_back(buf.substr(pos, end - pos));
            pos = end + 1;
        }
        return out;
    }
    detail::check("SCardListReaders", SCARD_E_INSUFFICIENT_BUFFER);
    return {};
}

std::vector<std::string> listReaders() {
    return Context().listReaders();
}

} // namespace hc::pcsc
