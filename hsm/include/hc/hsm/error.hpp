// Errors thrown by hc::hsm. Every class names what the caller (or the operator at the key
// ceremony) must do next; the message repeats it in words, and hc::Error::nextStep() says it as a
// hc::NextStep. Messages never contain key material. hc::hsm::Error derives from hc::Error, so a
// catch (const hc::Error&) also catches every hsm error: where a caller treats hsm errors apart,
// its catch (const hc::hsm::Error&) must come first.
#pragma once

#include "hc/base/error.hpp"

#include <string>

namespace hc::hsm {

/** Base of every hsm error. */
class Error : public hc::Error {
public:
    /** Wraps a message that already says what to do next; `next` says it for programs. */
    explicit Error(const std::string& message, NextStep next = NextStep::CallStaff)
        : hc::Error(message, next) { }
};

/** Bad set-up: module path, key-store file, PIN or passphrase source. Fix the configuration. */
class ConfigurationError : public Error {
public:
    /** An error whose next step is NextStep::CheckConfiguration. */
    explicit ConfigurationError(const std::string& message)
        : Error(message, NextStep::CheckConfiguration) { }
};

/** The token rejected the user PIN, or the PIN is locked. Check the PIN file or variable. */
class PinError : public Error {
public:
    /** An error whose next step is NextStep::CheckConfiguration. */
    explicit PinError(const std::string& message)
        : Error(message, NextStep::CheckConfiguration) { }
};

/** No token with the configured label. Run `hsm-tool init` (development) or check SOFTHSM2_CONF
 *  and that the HSM is connected. */
class TokenMissingError : public Error {
public:
    /** An error whose next step is NextStep::CheckConfiguration. */
    explicit TokenMissingError(const std::string& message)
        : Error(message, NextStep::CheckConfiguration) { }
};

/** The named key (label/version) does not exist. List keys with `hsm-tool list`; generate or
 *  import it. */
class KeyNotFoundError : public Error {
public:
    /** An error whose next step is NextStep::CheckConfiguration. */
    explicit KeyNotFoundError(const std::string& message)
        : Error(message, NextStep::CheckConfiguration) { }
};

/** A key with that label and version already exists. Choose a new version number. */
class KeyExistsError : public Error {
public:
    /** An error whose next step is NextStep::FixInput. */
    explicit KeyExistsError(const std::string& message)
        : Error(message, NextStep::FixInput) { }
};

/** A clear component or an imported key does not match its key check value. Re-enter it. */
class KcvMismatchError : public Error {
public:
    /** `componentIndex` is 1-based; 0 means the combined or unwrapped key. */
    KcvMismatchError(const std::string& message, int componentIndex)
        : Error(message, NextStep::FixInput)
        , m_index(componentIndex) { }
    /** Which component to re-enter (1-based), or 0 for the whole key. */
    int componentIndex() const noexcept { return m_index; }

private:
    int m_index;
};

/** A caller passed data of the wrong length or a key of the wrong algorithm. Fix the call. */
class InvalidArgumentError : public Error {
public:
    /** An error whose next step is NextStep::FixInput. */
    explicit InvalidArgumentError(const std::string& message)
        : Error(message, NextStep::FixInput) { }
};

/** The backend cannot do this (mechanism missing in the token). Use the other backend or a key
 *  form the token supports; see docs/hsm.md. */
class UnsupportedError : public Error {
public:
    /** An error whose next step is NextStep::CheckConfiguration. */
    explicit UnsupportedError(const std::string& message)
        : Error(message, NextStep::CheckConfiguration) { }
};

/** A MAC presented by a card (e.g. MAC1 of a load) is wrong. Refuse the transaction. */
class MacVerificationError : public Error {
public:
    /** An error whose next step is NextStep::CallStaff. */
    explicit MacVerificationError(const std::string& message)
        : Error(message, NextStep::CallStaff) { }
};

/** The encrypted key store cannot be read: wrong passphrase or damaged file. Check the passphrase
 *  source, or restore the file from backup. */
class KeyStoreError : public Error {
public:
    /** An error whose next step is NextStep::CheckConfiguration. */
    explicit KeyStoreError(const std::string& message)
        : Error(message, NextStep::CheckConfiguration) { }
};

/** The audit log cannot be written; the key operation was refused. Check disk space and file
 *  permissions of the audit log. */
class AuditError : public Error {
public:
    /** An error whose next step is NextStep::CheckConfiguration. */
    explicit AuditError(const std::string& message)
        : Error(message, NextStep::CheckConfiguration) { }
};

/** A PKCS#11 call failed for a reason not covered above. Retry; if it persists, call staff with
 *  the function name and return code in the message. */
class BackendError : public Error {
public:
    /** `rv` is the raw CK_RV (0 when the error did not come from a PKCS#11 call). */
    BackendError(const std::string& message, unsigned long rv)
        : Error(message, NextStep::Retry)
        , m_rv(rv) { }
    /** The CK_RV that caused this error. */
    unsigned long returnValue() const noexcept { return m_rv; }

private:
    unsigned long m_rv;
};

} // namespace hc::hsm
