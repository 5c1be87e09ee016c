// Where a PIN or passphrase comes from: a file (first line) or an environment variable. Never the
// command line (it would show in `ps` and shell history).
#pragma once

#include <string>

namespace hc::hsm {

/** A named place to read a secret from. Reading happens on demand; the value is not kept. */
class SecretSource {
public:
    /** The first line of a file (trailing CR/LF removed). The file should be mode 0600. */
    static SecretSource fromFile(std::string path);
    /** The value of an environment variable. */
    static SecretSource fromEnvironment(std::string variable);
    /** No source configured: read() throws ConfigurationError. */
    SecretSource() = default;

    /** Reads the secret. Throws ConfigurationError naming the file or variable when it is
     *  missing or empty. The caller cleanses the returned string after use. */
    std::string read() const;
    /** "file /etc/hc/pin" or "environment variable HC_HSM_PIN": for error messages. */
    std::string describe() const;
    /** True when a file or variable was configured. */
    bool configured() const noexcept { return m_kind != Kind::None; }

private:
    enum class Kind { None, File, Environment };
    Kind m_kind = Kind::None;
    std::string m_where;
};

} // namespace hc::hsm
