#include "pkcs11_module.hpp"

#include <cstring>
#include <dlfcn.h>
#include <map>
#include <vector>

#include "hc/hsm/error.hpp"

namespace hc::hsm::p11 {

std::string rvName(CK_RV rv)
{
    switch (rv) {
#define HC_RV(x)                                                                                   \
    case x:                                                                                        \
        return #x;
        HC_RV(CKR_OK)
        HC_RV(CKR_GENERAL_ERROR)
        HC_RV(CKR_HOST_MEMORY)
        HC_RV(CKR_ARGUMENTS_BAD)
        HC_RV(CKR_ATTRIBUTE_READ_ONLY)
        HC_RV(CKR_ATTRIBUTE_SENSITIVE)
        HC_RV(CKR_ATTRIBUTE_TYPE_INVALID)
        HC_RV(CKR_ATTRIBUTE_VALUE_INVALID)
        HC_RV(CKR_DATA_LEN_RANGE)
        HC_RV(CKR_DEVICE_ERROR)
        HC_RV(CKR_DEVICE_REMOVED)
        HC_RV(CKR_ENCRYPTED_DATA_INVALID)
        HC_RV(CKR_FUNCTION_FAILED)
        HC_RV(CKR_KEY_HANDLE_INVALID)
        HC_RV(CKR_KEY_SIZE_RANGE)
        HC_RV(CKR_KEY_TYPE_INCONSISTENT)
        HC_RV(CKR_KEY_FUNCTION_NOT_PERMITTED)
        HC_RV(CKR_KEY_NOT_WRAPPABLE)
        HC_RV(CKR_KEY_UNEXTRACTABLE)
        HC_RV(CKR_MECHANISM_INVALID)
        HC_RV(CKR_MECHANISM_PARAM_INVALID)
        HC_RV(CKR_OBJECT_HANDLE_INVALID)
        HC_RV(CKR_OPERATION_ACTIVE)
        HC_RV(CKR_PIN_INCORRECT)
        HC_RV(CKR_PIN_LOCKED)
        HC_RV(CKR_SESSION_CLOSED)
        HC_RV(CKR_SESSION_HANDLE_INVALID)
        HC_RV(CKR_SLOT_ID_INVALID)
        HC_RV(CKR_TEMPLATE_INCOMPLETE)
        HC_RV(CKR_TEMPLATE_INCONSISTENT)
        HC_RV(CKR_TOKEN_NOT_PRESENT)
        HC_RV(CKR_TOKEN_NOT_RECOGNIZED)
        HC_RV(CKR_USER_NOT_LOGGED_IN)
        HC_RV(CKR_USER_ALREADY_LOGGED_IN)
        HC_RV(CKR_USER_PIN_NOT_INITIALIZED)
        HC_RV(CKR_BUFFER_TOO_SMALL)
        HC_RV(CKR_CRYPTOKI_NOT_INITIALIZED)
        HC_RV(CKR_CRYPTOKI_ALREADY_INITIALIZED)
#undef HC_RV
    default:
        break;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "CKR_0x%08lX", rv);
    return buf;
}

bool isTokenLost(CK_RV rv)
{
    switch (rv) {
    case CKR_SESSION_HANDLE_INVALID:
    case CKR_SESSION_CLOSED:
    case CKR_DEVICE_REMOVED:
    case CKR_DEVICE_ERROR:
    case CKR_TOKEN_NOT_PRESENT:
    case CKR_TOKEN_NOT_RECOGNIZED:
    case CKR_CRYPTOKI_NOT_INITIALIZED:
    case CKR_USER_NOT_LOGGED_IN:
    case CKR_SLOT_ID_INVALID:
    case CKR_KEY_HANDLE_INVALID:
    case CKR_OBJECT_HANDLE_INVALID:
        return true;
    default:
        return false;
    }
}

void check(CK_RV rv, const char* function)
{
    if (rv == CKR_OK) {
        return;
    }
    if (isTokenLost(rv)) {
        throw TokenLost {rv, function};
    }
    if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LEN_RANGE) {
        throw PinError(std::string(function) + " returned " + rvName(rv)
                       + ": the token rejected the user PIN; check the PIN file or environment "
                         "variable (the token locks after repeated failures)");
    }
    if (rv == CKR_PIN_LOCKED) {
        throw PinError(std::string(function) + " returned CKR_PIN_LOCKED: the user PIN is locked; "
                                               "the security officer must reset it");
    }
    throw BackendError(std::string(function) + " returned " + rvName(rv)
                           + ": retry; if it persists, call staff with this message",
                       rv);
}

std::string paddedLabel(const std::string& label)
{
    std::string out = label.substr(0, 32);
    out.resize(32, ' ');
    return out;
}

std::shared_ptr<Module> Module::load(const std::string& path)
{
    static std::mutex registryMutex;
    static std::map<std::string, std::shared_ptr<Module>> registry;
    std::lock_guard lock(registryMutex);
    auto it = registry.find(path);
    if (it != registry.end()) {
        return it->second;
    }
    std::shared_ptr<Module> m(new Module());
    m->m_path = path;
    m->m_handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (m->m_handle == nullptr) {
        const char* err = ::dlerror();
        throw ConfigurationError("cannot load the PKCS#11 module " + path + ": "
                                 + (err ? err : "unknown error")
                                 + "; check the module path (SoftHSM2: " HC_SOFTHSM2_MODULE ")");
    }
    void* sym = ::dlsym(m->m_handle, "C_GetFunctionList");
    if (sym == nullptr) {
        throw ConfigurationError(path + " is not a PKCS#11 module (no C_GetFunctionList)");
    }
    CK_C_GetFunctionList getList = nullptr;
    static_assert(sizeof getList == sizeof sym);
    std::memcpy(&getList, &sym, sizeof sym);
    CK_RV rv = getList(&m->m_f);
    if (rv != CKR_OK || m->m_f == nullptr) {
        throw ConfigurationError("C_GetFunctionList of " + path + " failed: " + rvName(rv));
    }
    m->initialize();
    registry.emplace(path, m);
    return m;
}

void Module::initialize()
{
    CK_C_INITIALIZE_ARGS args {};
    args.flags = CKF_OS_LOCKING_OK;
    CK_RV rv = m_f->C_Initialize(&args);
    if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
        throw BackendError("C_Initialize of " + m_path + " returned " + rvName(rv)
                               + ": check the module's configuration (SoftHSM2: SOFTHSM2_CONF)",
                           rv);
    }
}

void Module::reinitialize(std::uint64_t seen)
{
    std::lock_guard lock(m_mutex);
    if (m_generation.load() != seen) {
        return;
    }
    (void)m_f->C_Finalize(nullptr);
    initialize();
    ++m_generation;
}

void Module::finalizeForTest()
{
    std::lock_guard lock(m_mutex);
    (void)m_f->C_Finalize(nullptr);
}

std::optional<CK_SLOT_ID> Module::findToken(const std::string& label)
{
    CK_ULONG count = 0;
    check(m_f->C_GetSlotList(CK_TRUE, nullptr, &count), "C_GetSlotList");
    std::vector<CK_SLOT_ID> slots(count);
    if (count > 0) {
        check(m_f->C_GetSlotList(CK_TRUE, slots.data(), &count), "C_GetSlotList");
    }
    slots.resize(count);
    std::string want = paddedLabel(label);
    for (CK_SLOT_ID slot : slots) {
        CK_TOKEN_INFO info {};
        if (m_f->C_GetTokenInfo(slot, &info) != CKR_OK) {
            continue;
        }
        if ((info.flags & CKF_TOKEN_INITIALIZED) == 0) {
            continue;
        }
        if (std::memcmp(info.label, want.data(), 32) == 0) {
            return slot;
        }
    }
    return std::nullopt;
}

} // namespace hc::hsm::p11
