// A dlopen'ed PKCS#11 module shared by every Pkcs11Hsm in the process (C_Initialize is
// process-wide), and the mapping of CK_RV codes to hc::hsm errors. Internal header.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <p11-kit/pkcs11.h>

namespace hc::hsm::p11 {

/** Thrown inside the backend when the token or module went away; triggers pool recovery. */
struct TokenLost {
    CK_RV rv;
    const char* function;
};

/** Symbolic name of a return value ("CKR_PIN_INCORRECT"). */
std::string rvName(CK_RV rv);

/** True for return values that mean "sessions/handles are gone, reconnect". */
bool isTokenLost(CK_RV rv);

/** Throws TokenLost, PinError or BackendError for a failed call; returns on CKR_OK. */
void check(CK_RV rv, const char* function);

/** A loaded module. */
class Module {
public:
    /** Loads (once per path per process) and C_Initialize's the module. Throws
     *  ConfigurationError when the file cannot be loaded. */
    static std::shared_ptr<Module> load(const std::string& path);

    /** The function list. */
    CK_FUNCTION_LIST* f() const noexcept { return m_f; }
    /** Incremented at each re-initialization; handles from an older generation are invalid. */
    std::uint64_t generation() const noexcept { return m_generation.load(); }
    /** C_Finalize + C_Initialize, unless someone else already did it since `seen`. */
    void reinitialize(std::uint64_t seen);
    /** C_Finalize only (test hook: the next call sees CKR_CRYPTOKI_NOT_INITIALIZED). */
    void finalizeForTest();
    /** Slot whose token has this label (tokens present only), or nullopt. */
    std::optional<CK_SLOT_ID> findToken(const std::string& label);
    /** The module path. */
    const std::string& path() const noexcept { return m_path; }

private:
    Module() = default;
    void initialize();
    std::string m_path;
    void* m_handle = nullptr;
    CK_FUNCTION_LIST* m_f = nullptr;
    std::mutex m_mutex;
    std::atomic<std::uint64_t> m_generation {0};
};

/** The 32-byte blank-padded form of a token label. */
std::string paddedLabel(const std::string& label);

} // namespace hc::hsm::p11
