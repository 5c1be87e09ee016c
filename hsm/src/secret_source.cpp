#include "hc/hsm/secret_source.hpp"

#include <cstdlib>
#include <fstream>
#include <iterator>

#include "hc/hsm/error.hpp"
#include "hc/hsm/secure_bytes.hpp"

namespace hc::hsm {

SecretSource SecretSource::fromFile(std::string path)
{
    SecretSource s;
    s.m_kind = Kind::File;
    s.m_where = std::move(path);
    return s;
}

SecretSource SecretSource::fromEnvironment(std::string variable)
{
    SecretSource s;
    s.m_kind = Kind::Environment;
    s.m_where = std::move(variable);
    return s;
}

std::string SecretSource::describe() const
{
    switch (m_kind) {
    case Kind::File:
        return "file " + m_where;
    case Kind::Environment:
        return "environment variable " + m_where;
    case Kind::None:
        break;
    }
    return "no PIN/passphrase source";
}

std::string SecretSource::read() const
{
    std::string value;
    if (m_kind == Kind::File) {
        std::ifstream in(m_where, std::ios::binary);
        if (!in) {
            throw ConfigurationError("cannot read " + describe()
                                     + ": check the path and permissions of the PIN file");
        }
        std::getline(in, value);
        while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) {
            value.pop_back();
        }
    } else if (m_kind == Kind::Environment) {
        const char* v = std::getenv(m_where.c_str());
        if (v != nullptr) {
            value = v;
        }
    } else {
        throw ConfigurationError("no PIN or passphrase source is configured: give a file "
                                 "(--pin-file) or an environment variable (--pin-env), never the "
                                 "value itself");
    }
    if (value.empty()) {
        throw ConfigurationError(describe() + " is empty or not set: put the secret there");
    }
    return value;
}

} // namespace hc::hsm
