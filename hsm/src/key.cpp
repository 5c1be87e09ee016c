#include "hc/hsm/key.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "hc/hsm/error.hpp"

namespace hc::hsm {

std::string_view toString(KeyAlgorithm algorithm)
{
    switch (algorithm) {
    case KeyAlgorithm::Des:
        return "des";
    case KeyAlgorithm::Des3:
        return "des3";
    case KeyAlgorithm::Sm4:
        return "sm4";
    case KeyAlgorithm::Aes:
        return "aes";
    }
    return "?";
}

KeyAlgorithm parseKeyAlgorithm(std::string_view text)
{
    std::string t(text);
    std::transform(t.begin(), t.end(), t.begin(),
                   [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
    if (t == "des") {
        return KeyAlgorithm::Des;
    }
    if (t == "des3" || t == "3des" || t == "tdes") {
        return KeyAlgorithm::Des3;
    }
    if (t == "sm4") {
        return KeyAlgorithm::Sm4;
    }
    if (t == "aes") {
        return KeyAlgorithm::Aes;
    }
    throw InvalidArgumentError("unknown key algorithm '" + t + "': use des, des3, sm4 or aes");
}

std::size_t blockSize(KeyAlgorithm algorithm)
{
    return (algorithm == KeyAlgorithm::Des || algorithm == KeyAlgorithm::Des3) ? 8 : 16;
}

std::size_t defaultKeyLength(KeyAlgorithm algorithm)
{
    switch (algorithm) {
    case KeyAlgorithm::Des:
        return 8;
    case KeyAlgorithm::Des3:
    case KeyAlgorithm::Sm4:
        return 16;
    case KeyAlgorithm::Aes:
        return 32;
    }
    return 16;
}

void checkKeyLength(KeyAlgorithm algorithm, std::size_t length)
{
    bool ok = false;
    switch (algorithm) {
    case KeyAlgorithm::Des:
        ok = length == 8;
        break;
    case KeyAlgorithm::Des3:
        ok = length == 16 || length == 24;
        break;
    case KeyAlgorithm::Sm4:
        ok = length == 16;
        break;
    case KeyAlgorithm::Aes:
        ok = length == 16 || length == 24 || length == 32;
        break;
    }
    if (!ok) {
        throw InvalidArgumentError(std::to_string(length) + " bytes is not a valid "
                                   + std::string(toString(algorithm)) + " key length");
    }
}

std::string KeyRef::toString() const { return label + "/" + std::to_string(version); }

KeyRef KeyRef::parse(std::string_view text)
{
    KeyRef ref;
    auto slash = text.rfind('/');
    if (slash == std::string_view::npos) {
        ref.label = std::string(text);
    } else {
        ref.label = std::string(text.substr(0, slash));
        auto v = text.substr(slash + 1);
        std::uint32_t version = 0;
        auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), version);
        if (ec != std::errc() || end != v.data() + v.size()) {
            throw InvalidArgumentError("key name '" + std::string(text)
                                       + "': the version after '/' must be a number");
        }
        ref.version = version;
    }
    checkKeyRef(ref);
    return ref;
}

void checkKeyRef(const KeyRef& ref)
{
    if (ref.label.empty() || ref.label.size() > 64) {
        throw InvalidArgumentError("a key label must have 1 to 64 characters");
    }
    for (char c : ref.label) {
        bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
        if (!ok) {
            throw InvalidArgumentError("key label '" + ref.label
                                       + "' may only contain letters, digits, '.', '_' and '-'");
        }
    }
    if (ref.version < 1 || ref.version > 999999) {
        throw InvalidArgumentError("key version must be between 1 and 999999");
    }
}

KeySpec KeySpec::diversified(ByteView d) const
{
    KeySpec out = *this;
    out.path.push_back({Derivation::PbocDiversify, Bytes(d.begin(), d.end())});
    return out;
}

KeySpec KeySpec::diversified(const std::vector<Bytes>& factors) const
{
    KeySpec out = *this;
    for (const auto& f : factors) {
        out.path.push_back({Derivation::PbocDiversify, f});
    }
    return out;
}

KeySpec KeySpec::session(ByteView data) const
{
    KeySpec out = *this;
    out.path.push_back({Derivation::EncryptData, Bytes(data.begin(), data.end())});
    return out;
}

KeySpec KeySpec::xorHalves() const
{
    KeySpec out = *this;
    out.path.push_back({Derivation::XorHalves, {}});
    return out;
}

std::string KeySpec::describe() const
{
    std::string out = base.toString();
    for (const auto& step : path) {
        switch (step.kind) {
        case Derivation::PbocDiversify:
            out += "+div";
            break;
        case Derivation::EncryptData:
            out += "+ses";
            break;
        case Derivation::XorHalves:
            out += "+xor";
            break;
        }
    }
    return out;
}

} // namespace hc::hsm
