#include "hsm_test_support.hpp"

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <openssl/evp.h>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace hctest {

namespace fs = std::filesystem;
using hc::hsm::KeyAlgorithm;

boost::json::object loadVectors(const std::string& file) {
    std::string text = readFile(fs::path(HC_TEST_VECTORS_DIR) / file);
    return boost::json::parse(text).as_object();
}

std::string field(const boost::json::object& o, const char* name) {
    std::string s(o.at(name).as_string().c_str());
    std::string out;
    for (char c : s) {
        if (c != ' ') {
            out.push_back(c);
        }
    }
    return out;
}

Bytes hexField(const boost::json::object& o, const char* name) {
    return hc::hsm::fromHex(field(o, name));
}

fs::path artifactDir(const std::string& name) {
    static std::atomic<int> counter { 0 };
    fs::path p = fs::path(HC_HSM_ARTIFACTS_DIR)
        / (name + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(p);
    fs::create_directories(p);
    return p;
}

fs::path privateDir(const std::string& name) {
    std::string tmpl = (fs::temp_directory_path() / ("hc-hsm-" + name + "-XXXXXX")).string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
        throw std::runtime_error("mkdtemp failed");
    }
    return tmpl;
}

void writeFile(const fs::path& p, const std::string& content) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << content;
    out.close();
    ::chmod(p.c_str(), 0600);
}

std::string readFile(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) {
        throw std::runtime_error("cannot read " + p.string());
    }
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

SecureBytes key(const std::string& hex) {
    Bytes b = hc::hsm::fromHex(hex);
    SecureBytes out(b.begin(), b.end());
    return out;
}

namespace {

const EVP_CIPHER* refCipher(KeyAlgorithm a, std::size_t keyLen, bool ecb) {
    switch (a) {
    case KeyAlgorithm::Des:
    case KeyAlgorithm::Des3:
        return ecb ? EVP_des_ede3_ecb() : EVP_des_ede3_cbc();
    case KeyAlgorithm::Sm4:
        return ecb ? EVP_sm4_ecb() : EVP_sm4_cbc();
    case KeyAlgorithm::Aes:
        if (keyLen == 16) {
            return ecb ? EVP_aes_128_ecb() : EVP_aes_128_cbc();
        }
        if (keyLen == 24) {
            return ecb ? EVP_aes_192_ecb() : EVP_aes_192_cbc();
        }
        return ecb ? EVP_aes_256_ecb() : EVP_aes_256_cbc();
    }
    return nullptr;
}

Bytes expand(KeyAlgorithm a, ByteView key) {
    Bytes k(key.begin(), key.end());
    if (a == KeyAlgorithm::Des || a == KeyAlgorithm::Des3) {
        if (k.size() == 8) {
            k.insert(k.end(), key.begin(), key.end());
            k.insert(k.end(), key.begin(), key.end());
        } else if (k.size() == 16) {
            k.insert(k.end(), key.begin(), key.begin() + 8);
        }
    }
    return k;
}

Bytes refRun(KeyAlgorithm a, ByteView key, ByteView data, ByteView iv, bool ecb, bool encrypt) {
    Bytes k = expand(a, key);
    Bytes ivBuf(16, 0);
    if (!iv.empty()) {
        ivBuf.assign(iv.begin(), iv.end());
    }
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    Bytes out(data.size() + 32);
    int n = 0;
    int f = 0;
    EVP_CipherInit_ex(ctx, refCipher(a, key.size(), ecb), nullptr, k.data(),
        ecb ? nullptr : ivBuf.data(), encrypt ? 1 : 0);
    EVP_CIPHER_CTX_set_padding(ctx, 0);
    EVP_CipherUpdate(ctx, out.data(), &n, data.data(), static_cast<int>(data.size()));
    EVP_CipherFinal_ex(ctx, out.data() + n, &f);
    EVP_CIPHER_CTX_free(ctx);
    out.resize(static_cast<std::size_t>(n + f));
    return out;
}

} // namespace

Bytes refEcb(KeyAlgorithm a, ByteView key, ByteView data, bool encrypt) {
    return refRun(a, key, data, {}, true, encrypt);
}

Bytes refCbc(KeyAlgorithm a, ByteView key, ByteView data, ByteView iv, bool encrypt) {
    return refRun(a, key, data, iv, false, encrypt);
}

std::string refKcv(KeyAlgorithm a, ByteView key) {
    Bytes zeros(hc::hsm::blockSize(a), 0);
    Bytes out = refEcb(a, key, zeros);
    return hc::hsm::toHex(ByteView(out).first(3));
}

Bytes refPad(ByteView data, std::size_t block) {
    Bytes out(data.begin(), data.end());
    out.push_back(0x80);
    while (out.size() % block) {
        out.push_back(0);
    }
    return out;
}

hc::hsm::KeyInfo importClear(hc::hsm::Hsm& hsm, const hc::hsm::KeyRef& ref, KeyAlgorithm a,
    const std::string& hex, bool exportable) {
    const SecureBytes k = key(hex);
    return importClear(hsm, ref, a, ByteView(k.data(), k.size()), exportable);
}

hc::hsm::KeyInfo importClear(
    hc::hsm::Hsm& hsm, const hc::hsm::KeyRef& ref, KeyAlgorithm a, ByteView k, bool exportable) {
    SecureBytes r(k.size());
    SecureBytes c1(k.size());
    for (std::size_t i = 0; i < k.size(); ++i) {
        r[i] = static_cast<std::uint8_t>(0x5A + 7 * i);
        c1[i] = static_cast<std::uint8_t>(k[i] ^ r[i]);
    }
    std::vector<hc::hsm::KeyComponent> parts(2);
    parts[0].clear = c1;
    parts[0].kcv = refKcv(a, ByteView(c1.data(), c1.size()));
    parts[1].clear = r;
    parts[1].kcv = refKcv(a, ByteView(r.data(), r.size()));
    hc::hsm::KeyOptions o;
    o.exportable = exportable;
    return hsm.importComponents(ref, a, parts, refKcv(a, k), o);
}

void importPurseMasters(
    hc::hsm::Hsm& hsm, ByteView dlk, ByteView dtk, const std::string& otherDlkLabel) {
    importClear(hsm, { "pboc.mk-dlk", 1 }, KeyAlgorithm::Des3, dlk);
    importClear(hsm, { "pboc.mk-dtk", 1 }, KeyAlgorithm::Des3, dtk);
    if (!otherDlkLabel.empty()) {
        Bytes other(dlk.begin(), dlk.end());
        other[0] ^= 0x10; // not 0x01: that is a DES parity bit, the same key
        importClear(hsm, { otherDlkLabel, 1 }, KeyAlgorithm::Des3, other);
    }
}

SoftHsmToken SoftHsmToken::create(const std::string& name, const std::string& label) {
    SoftHsmToken t;
    t.dir = artifactDir(name);
    t.tokenDir = t.dir / "tokens";
    fs::create_directories(t.tokenDir);
    t.label = label;
    writeFile(t.dir / "softhsm2.conf",
        "directories.tokendir = " + t.tokenDir.string()
            + "\nobjectstore.backend = file\nlog.level = ERROR\n"
              "slots.removable = false\n");
    ::setenv("SOFTHSM2_CONF", (t.dir / "softhsm2.conf").c_str(), 1);
    t.pinFile = t.dir / "user.pin";
    t.soPinFile = t.dir / "so.pin";
    writeFile(t.pinFile, "1234-user\n");
    writeFile(t.soPinFile, "5678-so\n");
    hc::hsm::initToken(HC_SOFTHSM2_MODULE_PATH, label,
        hc::hsm::SecretSource::fromFile(t.soPinFile.string()),
        hc::hsm::SecretSource::fromFile(t.pinFile.string()));
    return t;
}

hc::hsm::Pkcs11Options SoftHsmToken::options() const {
    hc::hsm::Pkcs11Options o;
    o.modulePath = HC_SOFTHSM2_MODULE_PATH;
    o.tokenLabel = label;
    o.userPin = hc::hsm::SecretSource::fromFile(pinFile.string());
    return o;
}

} // namespace hctest
