// A PC/SC resource-manager context (SCardEstablishContext) and reader listing.
// A Context may be shared between threads for listing; SCardCancel (cancel()) is the one call
// pcsc-lite allows from another thread while a wait is in progress.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace hc::pcsc {

/** An established PC/SC context. Released in the destructor. */
class Context {
public:
    /** Establishes a system-scope context. Throws ServiceUnavailable when pcscd is not running. */
    Context();
    ~Context();
    Context(const Context&) = delete;
    Context& operator=(const Context&) = delete;

    /** The names of the readers attached now; empty when there are none. */
    std::vector<std::string> listReaders() const;
    /** Interrupts a blocking SCardGetStatusChange on this context (thread-safe). */
    void cancel() const;
    /** The raw SCARDCONTEXT, for the other classes of this module. */
    std::intptr_t handle() const { return m_handle; }

private:
    std::intptr_t m_handle = 0;
};

using ContextPtr = std::shared_ptr<Context>;

/** Lists readers with a context of its own. */
std::vector<std::string> listReaders();

} // namespace hc::pcsc
