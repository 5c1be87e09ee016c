// Errors thrown by hc::hsm. Every class names what the caller (or the operator at the key
// ceremony) must do next; the message repeats it in words. Messages never contain key material.
#pragma once

#include <stdexcept>
#include <string>

namespace hc::hsm {

/** Base of every hsm error. */
class Error : public std::runtime_error {
public:
    /** Wraps a message that already says what to do next. */
    explicit Error(const std::string& message)
        : std::runtime_error(message)
    {
    }
};

/** Bad set-up: module path, key-store file, PIN or passphrase source. Fix the configuration. */
class ConfigurationError : public Error {
public:
    using Error::Error;
};

/** The token rejected the user PIN, or the PIN is locked. Check the PIN file or variable. */
class PinError : public Error {
public:
    using Error::Error;
};

/** No token with the configured label. Run `hsm-tool init` (development) or check SOFTHSM2_CONF
 *  and that the HSM is connected. */
class TokenMissingError : public Error {
public:
    using Error::Error;
};

/** The named key (label/version) does not exist. List keys with `hsm-tool list`; generate or
 *  import it. */
class KeyNotFoundError : public Error {
public:
    using Error::Error;
};

/** A key with that label and version already exists. Choose a new version number. */
class KeyExistsError : public Error {
public:
    using Error::Error;
};

/** A clear component or an imported key does not match its key check value. Re-enter it. */
class KcvMismatchError : public Error {
public:
    /** `componentIndex` is 1-based; 0 means the combined or unwrapped key. */
    KcvMismatchError(const std::string& message, int componentIndex)
        : Error(message)
        , m_index(componentIndex)
    {
    }
    /** Which component to re-enter (1-based), or 0 for the whole key. */
    int componentIndex() const noexcept { return m_index; }

private:
    int m_index;
};

/** A caller passed data of the wrong length or a key of the wrong algorithm. Fix the call. */
class InvalidArgumentError : public Error {
public:
    using Error::Error;
};

/** The backend cannot do this (mechanism missing in the token). Use the other backend or a key
 *  form the token supports; see docs/hsm.md. */
class UnsupportedError : public Error {
public:
    using Error::Error;
};

/** A MAC presented by a card (e.g. MAC1 of a load) is wrong. Refuse the transaction. */
class MacVerificationError : public Error {
public:
    using Error::Error;
};

/** The encrypted key store cannot be read: wrong passphrase or damaged file. Check the passphrase
 *  source, or restore the file from backup. */
class KeyStoreError : public Error {
public:
    using Error::Error;
};

/** The audit log cannot be written; the key operation was refused. Check disk space and file
 *  permissions of the audit log. */
class AuditError : public Error {
public:
    using Error::Error;
};

/** A PKCS#11 call failed for a reason not covered above. Retry; if it persists, call staff with
 *  the function name and return code in the message. */
class BackendError : public Error {
public:
    /** `rv` is the raw CK_RV (0 when the error did not come from a PKCS#11 call). */
    BackendError(const std::string& message, unsigned long rv)
        : Error(message)
        , m_rv(rv)
    {
    }
    /** The CK_RV that caused this error. */
    unsigned long returnValue() const noexcept { return m_rv; }

private:
    unsigned long m_rv;
};

} // namespace hc::hsm
