#include "hc/hsm/pkcs11_hsm.hpp"

#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <vector>

#include "pkcs11_module.hpp"
#include "soft_crypto.hpp"

namespace hc::hsm {

using p11::check;
using p11::Module;
using p11::TokenLost;

namespace {

constexpr const char* kAlgPrefix = "hc1:";
constexpr const char* kSm4App = "hc1:sm4-wrapped";
constexpr const char* kSm4AppNoExport = "hc1:sm4-wrapped:noexport";

std::string objectLabel(const KeyRef& r) { return r.label + "#" + std::to_string(r.version); }

std::optional<KeyRef> parseObjectLabel(const std::string& s)
{
    auto hash = s.rfind('#');
    if (hash == std::string::npos || hash == 0 || hash + 1 >= s.size()) {
        return std::nullopt;
    }
    try {
        KeyRef r = KeyRef::parse(s.substr(0, hash) + "/" + s.substr(hash + 1));
        return r;
    } catch (const Error&) {
        return std::nullopt;
    }
}

/** A PKCS#11 attribute template whose values it owns. */
class Template {
public:
    Template& flag(CK_ATTRIBUTE_TYPE t, bool v)
    {
        m_bools.push_back(v ? CK_TRUE : CK_FALSE);
        m_attrs.push_back({t, &m_bools.back(), sizeof(CK_BBOOL)});
        return *this;
    }
    Template& number(CK_ATTRIBUTE_TYPE t, CK_ULONG v)
    {
        m_numbers.push_back(v);
        m_attrs.push_back({t, &m_numbers.back(), sizeof(CK_ULONG)});
        return *this;
    }
    Template& text(CK_ATTRIBUTE_TYPE t, std::string v)
    {
        m_strings.push_back(std::move(v));
        m_attrs.push_back({t, m_strings.back().data(), m_strings.back().size()});
        return *this;
    }
    /** Borrowed bytes: the caller keeps them alive (used for clear key values). */
    Template& bytes(CK_ATTRIBUTE_TYPE t, const std::uint8_t* p, std::size_t n)
    {
        m_attrs.push_back({t, const_cast<std::uint8_t*>(p), n});
        return *this;
    }
    CK_ATTRIBUTE* data() { return m_attrs.data(); }
    CK_ULONG size() const { return static_cast<CK_ULONG>(m_attrs.size()); }

private:
    std::vector<CK_ATTRIBUTE> m_attrs;
    std::deque<CK_BBOOL> m_bools;
    std::deque<CK_ULONG> m_numbers;
    std::deque<std::string> m_strings;
};

CK_KEY_TYPE keyTypeFor(KeyAlgorithm a, std::size_t length)
{
    switch (a) {
    case KeyAlgorithm::Des:
        return CKK_DES2; // held as K||K: 2-key 3DES with equal halves is single DES
    case KeyAlgorithm::Des3:
        return length == 24 ? CKK_DES3 : CKK_DES2;
    case KeyAlgorithm::Aes:
        return CKK_AES;
    case KeyAlgorithm::Sm4:
        break;
    }
    throw UnsupportedError("no PKCS#11 key type for this algorithm");
}

std::string tokenMissingMessage(const std::string& label, const std::string& detail)
{
    return "no token labelled '" + label + "'" + (detail.empty() ? "" : " (" + detail + ")")
        + ": for development run `hsm-tool init --token " + label
        + "`; otherwise check SOFTHSM2_CONF / the module configuration and that the HSM is "
          "connected";
}

} // namespace

const char* defaultSoftHsmModule() { return HC_SOFTHSM2_MODULE; }

struct Pkcs11Hsm::Impl {
    Pkcs11Options opt;
    std::shared_ptr<Module> module;

    std::mutex mutex;
    std::condition_variable available;
    std::optional<CK_SLOT_ID> slot;
    std::uint64_t generation = 0;
    bool loggedIn = false;
    std::vector<CK_SESSION_HANDLE> idle;
    std::size_t open = 0;
    std::size_t recoveries = 0;

    struct Cached {
        CK_OBJECT_HANDLE handle = 0;
        KeyInfo info;
        bool sm4Wrapped = false;
    };
    std::map<std::pair<std::string, std::uint32_t>, Cached> cache;
    std::optional<CK_OBJECT_HANDLE> kek;

    CK_FUNCTION_LIST* f() const { return module->f(); }

    // ---- pool -------------------------------------------------------------------------------

    void resetLocked()
    {
        idle.clear();
        open = 0;
        cache.clear();
        kek.reset();
        slot.reset();
        loggedIn = false;
        generation = module->generation();
    }

    void connectLocked()
    {
        if (generation != module->generation()) {
            resetLocked();
        }
        if (slot) {
            return;
        }
        auto s = module->findToken(opt.tokenLabel);
        if (!s) {
            // SoftHSM reads its token directory at C_Initialize: look again after re-initializing
            // (the token may have come back).
            module->reinitialize(module->generation());
            resetLocked();
            s = module->findToken(opt.tokenLabel);
        }
        if (!s) {
            throw TokenMissingError(tokenMissingMessage(opt.tokenLabel, "module " + opt.modulePath));
        }
        slot = s;
    }

    struct Lease {
        Impl* impl;
        CK_SESSION_HANDLE handle;
        std::uint64_t generation;
        bool broken = false;
        Lease(Impl* i, CK_SESSION_HANDLE h, std::uint64_t g)
            : impl(i)
            , handle(h)
            , generation(g)
        {
        }
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        ~Lease() { impl->release(handle, generation, broken); }
    };

    void release(CK_SESSION_HANDLE h, std::uint64_t gen, bool broken)
    {
        std::lock_guard lock(mutex);
        if (gen == generation) {
            if (broken) {
                (void)f()->C_CloseSession(h);
                --open;
            } else {
                idle.push_back(h);
            }
        }
        available.notify_one();
    }

    std::pair<CK_SESSION_HANDLE, std::uint64_t> acquire()
    {
        std::unique_lock lock(mutex);
        for (;;) {
            connectLocked();
            if (!idle.empty()) {
                CK_SESSION_HANDLE h = idle.back();
                idle.pop_back();
                return {h, generation};
            }
            if (open < opt.maxSessions) {
                break;
            }
            available.wait(lock);
        }
        CK_SESSION_HANDLE h = 0;
        check(f()->C_OpenSession(*slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &h),
              "C_OpenSession");
        ++open;
        if (!loggedIn) {
            std::string pin;
            try {
                pin = opt.userPin.read();
            } catch (...) {
                (void)f()->C_CloseSession(h);
                --open;
                throw;
            }
            CK_RV rv = f()->C_Login(h, CKU_USER, reinterpret_cast<CK_UTF8CHAR*>(pin.data()),
                                    static_cast<CK_ULONG>(pin.size()));
            cleanse(pin);
            if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) {
                (void)f()->C_CloseSession(h);
                --open;
                if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LEN_RANGE) {
                    throw PinError("token '" + opt.tokenLabel + "' rejected the user PIN from "
                                   + opt.userPin.describe()
                                   + ": check the PIN file or variable (the token locks after "
                                     "repeated failures)");
                }
                check(rv, "C_Login");
            }
            loggedIn = true;
        }
        return {h, generation};
    }

    /** Re-initializes the module unless another caller already did since `seen`. */
    void recover(std::uint64_t seen)
    {
        std::lock_guard lock(mutex);
        module->reinitialize(seen);
        resetLocked();
        ++recoveries;
    }

    template <typename F> auto run(F&& fn)
    {
        for (int attempt = 0;; ++attempt) {
            std::uint64_t seen = module->generation();
            try {
                auto [h, gen] = acquire();
                Lease lease(this, h, gen);
                try {
                    return fn(h);
                } catch (const TokenLost&) {
                    lease.broken = true;
                    throw;
                }
            } catch (const TokenLost& lost) {
                if (attempt >= 1) {
                    throw TokenMissingError(tokenMissingMessage(
                        opt.tokenLabel, std::string(lost.function) + " returned "
                            + p11::rvName(lost.rv) + " after reconnecting; the operation was not done"));
                }
                recover(seen);
            }
        }
    }

    // ---- objects ----------------------------------------------------------------------------

    std::vector<CK_OBJECT_HANDLE> findObjects(CK_SESSION_HANDLE h, Template& t)
    {
        check(f()->C_FindObjectsInit(h, t.data(), t.size()), "C_FindObjectsInit");
        std::vector<CK_OBJECT_HANDLE> out;
        CK_OBJECT_HANDLE buf[64];
        CK_ULONG n = 0;
        CK_RV rv = CKR_OK;
        do {
            rv = f()->C_FindObjects(h, buf, 64, &n);
            if (rv != CKR_OK) {
                break;
            }
            out.insert(out.end(), buf, buf + n);
        } while (n == 64);
        (void)f()->C_FindObjectsFinal(h);
        check(rv, "C_FindObjects");
        return out;
    }

    std::vector<std::uint8_t> readAttribute(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o,
                                            CK_ATTRIBUTE_TYPE type)
    {
        CK_ATTRIBUTE a {type, nullptr, 0};
        CK_RV rv = f()->C_GetAttributeValue(h, o, &a, 1);
        if (rv == CKR_ATTRIBUTE_TYPE_INVALID || rv == CKR_ATTRIBUTE_SENSITIVE
            || a.ulValueLen == static_cast<CK_ULONG>(-1)) {
            return {};
        }
        check(rv, "C_GetAttributeValue");
        std::vector<std::uint8_t> out(a.ulValueLen);
        a.pValue = out.data();
        check(f()->C_GetAttributeValue(h, o, &a, 1), "C_GetAttributeValue");
        out.resize(a.ulValueLen);
        return out;
    }

    CK_ULONG readNumber(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type)
    {
        CK_ULONG v = 0;
        CK_ATTRIBUTE a {type, &v, sizeof v};
        check(f()->C_GetAttributeValue(h, o, &a, 1), "C_GetAttributeValue");
        return v;
    }

    bool readFlag(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type)
    {
        CK_BBOOL v = CK_FALSE;
        CK_ATTRIBUTE a {type, &v, sizeof v};
        if (f()->C_GetAttributeValue(h, o, &a, 1) != CKR_OK) {
            return false;
        }
        return v == CK_TRUE;
    }

    SecureBytes readSecretValue(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o)
    {
        CK_ATTRIBUTE a {CKA_VALUE, nullptr, 0};
        check(f()->C_GetAttributeValue(h, o, &a, 1), "C_GetAttributeValue(CKA_VALUE)");
        SecureBytes out(a.ulValueLen);
        a.pValue = out.data();
        check(f()->C_GetAttributeValue(h, o, &a, 1), "C_GetAttributeValue(CKA_VALUE)");
        return out;
    }

    std::optional<Cached> lookup(CK_SESSION_HANDLE h, const KeyRef& ref)
    {
        auto id = std::make_pair(ref.label, ref.version);
        {
            std::lock_guard lock(mutex);
            auto it = cache.find(id);
            if (it != cache.end()) {
                return it->second;
            }
        }
        Template t;
        t.flag(CKA_TOKEN, true).text(CKA_LABEL, objectLabel(ref));
        auto found = findObjects(h, t);
        if (found.empty()) {
            return std::nullopt;
        }
        Cached c;
        c.handle = found.front();
        c.info.ref = ref;
        CK_ULONG cls = readNumber(h, c.handle, CKA_CLASS);
        if (cls == CKO_DATA) {
            auto app = readAttribute(h, c.handle, CKA_APPLICATION);
            std::string appText(app.begin(), app.end());
            if (appText != kSm4App && appText != kSm4AppNoExport) {
                return std::nullopt;
            }
            c.sm4Wrapped = true;
            c.info.algorithm = KeyAlgorithm::Sm4;
            c.info.length = 16;
            c.info.exportable = appText == kSm4App;
            SecureBytes clear = unwrapSm4(h, c.handle, ref);
            c.info.kcv = soft::kcv(KeyAlgorithm::Sm4, clear);
        } else if (cls == CKO_SECRET_KEY) {
            auto idBytes = readAttribute(h, c.handle, CKA_ID);
            std::string idText(idBytes.begin(), idBytes.end());
            CK_ULONG type = readNumber(h, c.handle, CKA_KEY_TYPE);
            if (idText.rfind(kAlgPrefix, 0) == 0) {
                c.info.algorithm = parseKeyAlgorithm(idText.substr(4));
            } else if (type == CKK_AES) {
                c.info.algorithm = KeyAlgorithm::Aes;
            } else {
                c.info.algorithm = KeyAlgorithm::Des3;
            }
            if (c.info.algorithm == KeyAlgorithm::Sm4 && !vendorSm4()) {
                throw UnsupportedError("key " + ref.toString() + " is a vendor SM4 key object: "
                                       "configure sm4KeyType and sm4EcbMechanism for this token");
            }
            if (c.info.algorithm == KeyAlgorithm::Sm4) {
                c.info.length = 16;
            } else if (c.info.algorithm == KeyAlgorithm::Des) {
                c.info.length = 8;
            } else if (type == CKK_DES2) {
                c.info.length = 16;
            } else if (type == CKK_DES3) {
                c.info.length = 24;
            } else {
                c.info.length = readNumber(h, c.handle, CKA_VALUE_LEN);
            }
            c.info.exportable = readFlag(h, c.handle, CKA_EXTRACTABLE);
            Bytes zeros(blockSize(c.info.algorithm), 0);
            Bytes out = cipherToken(h, c.handle, c.info.algorithm, true, CipherMode::Ecb, {}, zeros);
            c.info.kcv = toHex(ByteView(out).first(3));
        } else {
            return std::nullopt;
        }
        std::lock_guard lock(mutex);
        cache[id] = c;
        return c;
    }

    Cached lookupOrThrow(CK_SESSION_HANDLE h, const KeyRef& ref)
    {
        auto c = lookup(h, ref);
        if (!c) {
            throw KeyNotFoundError("key " + ref.toString() + " is not on token '" + opt.tokenLabel
                                   + "': list keys with `hsm-tool list`, then generate or import it");
        }
        return *c;
    }

    void forget(const KeyRef& ref)
    {
        std::lock_guard lock(mutex);
        cache.erase(std::make_pair(ref.label, ref.version));
    }

    // ---- SM4 wrapped under the token KEK ----------------------------------------------------

    CK_OBJECT_HANDLE ensureKek(CK_SESSION_HANDLE h, bool create)
    {
        {
            std::lock_guard lock(mutex);
            if (kek) {
                return *kek;
            }
        }
        Template t;
        t.flag(CKA_TOKEN, true).number(CKA_CLASS, CKO_SECRET_KEY).text(CKA_LABEL, opt.sm4KekLabel);
        auto found = findObjects(h, t);
        CK_OBJECT_HANDLE k = 0;
        if (!found.empty()) {
            k = found.front();
        } else if (!create) {
            throw KeyNotFoundError("the SM4 key-encryption key '" + opt.sm4KekLabel
                                   + "' is missing from token '" + opt.tokenLabel
                                   + "': SM4 keys on this token cannot be opened; restore the "
                                     "token from backup");
        } else {
            CK_MECHANISM mech {CKM_AES_KEY_GEN, nullptr, 0};
            Template g;
            g.number(CKA_CLASS, CKO_SECRET_KEY)
                .number(CKA_KEY_TYPE, CKK_AES)
                .number(CKA_VALUE_LEN, 32)
                .flag(CKA_TOKEN, true)
                .flag(CKA_PRIVATE, true)
                .flag(CKA_SENSITIVE, true)
                .flag(CKA_EXTRACTABLE, false)
                .flag(CKA_ENCRYPT, true)
                .flag(CKA_DECRYPT, true)
                .text(CKA_LABEL, opt.sm4KekLabel);
            check(f()->C_GenerateKey(h, &mech, g.data(), g.size(), &k), "C_GenerateKey(SM4 KEK)");
        }
        std::lock_guard lock(mutex);
        kek = k;
        return k;
    }

    Bytes wrapSm4(CK_SESSION_HANDLE h, const KeyRef& ref, const SecureBytes& clear)
    {
        CK_OBJECT_HANDLE k = ensureKek(h, true);
        Bytes nonce(12);
        check(f()->C_GenerateRandom(h, nonce.data(), 12), "C_GenerateRandom");
        std::string aad = objectLabel(ref);
        CK_GCM_PARAMS gcm {nonce.data(), 12, 96, reinterpret_cast<CK_BYTE*>(aad.data()),
                           static_cast<CK_ULONG>(aad.size()), 128};
        CK_MECHANISM mech {CKM_AES_GCM, &gcm, sizeof gcm};
        check(f()->C_EncryptInit(h, &mech, k), "C_EncryptInit(AES-GCM)");
        Bytes out(clear.size() + 16);
        CK_ULONG n = static_cast<CK_ULONG>(out.size());
        check(f()->C_Encrypt(h, const_cast<std::uint8_t*>(clear.data()),
                             static_cast<CK_ULONG>(clear.size()), out.data(), &n),
              "C_Encrypt(AES-GCM)");
        out.resize(n);
        nonce.insert(nonce.end(), out.begin(), out.end());
        return nonce;
    }

    SecureBytes unwrapSm4(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE object, const KeyRef& ref)
    {
        auto blob = readAttribute(h, object, CKA_VALUE);
        if (blob.size() != 12 + 16 + 16) {
            throw KeyStoreError("the wrapped SM4 key " + ref.toString()
                                + " on the token is damaged: restore the token from backup");
        }
        CK_OBJECT_HANDLE k = ensureKek(h, false);
        std::string aad = objectLabel(ref);
        CK_GCM_PARAMS gcm {blob.data(), 12, 96, reinterpret_cast<CK_BYTE*>(aad.data()),
                           static_cast<CK_ULONG>(aad.size()), 128};
        CK_MECHANISM mech {CKM_AES_GCM, &gcm, sizeof gcm};
        check(f()->C_DecryptInit(h, &mech, k), "C_DecryptInit(AES-GCM)");
        SecureBytes out(32);
        CK_ULONG n = static_cast<CK_ULONG>(out.size());
        CK_RV rv = f()->C_Decrypt(h, blob.data() + 12, static_cast<CK_ULONG>(blob.size() - 12),
                                  out.data(), &n);
        if (rv == CKR_ENCRYPTED_DATA_INVALID || rv == CKR_ENCRYPTED_DATA_LEN_RANGE
            || rv == CKR_FUNCTION_FAILED) {
            throw KeyStoreError("the wrapped SM4 key " + ref.toString()
                                + " does not open under the token's KEK (altered or moved): "
                                  "restore the token from backup");
        }
        check(rv, "C_Decrypt(AES-GCM)");
        out.resize(n);
        if (out.size() != 16) {
            throw KeyStoreError("the wrapped SM4 key " + ref.toString() + " has a bad length");
        }
        return out;
    }

    // ---- token crypto -----------------------------------------------------------------------

    bool vendorSm4() const { return opt.sm4KeyType.has_value() && opt.sm4EcbMechanism.has_value(); }

    /** SM4 through the vendor's ECB mechanism; CBC is chained on the host (no key material
     *  leaves the token, only data blocks). */
    Bytes vendorSm4Cipher(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE key, bool encrypt, CipherMode mode,
                          ByteView iv, ByteView data)
    {
        auto ecb = [&](ByteView in, bool enc) {
            CK_MECHANISM mech {*opt.sm4EcbMechanism, nullptr, 0};
            Bytes buf(in.begin(), in.end());
            Bytes out(in.size());
            CK_ULONG n = static_cast<CK_ULONG>(out.size());
            if (enc) {
                check(f()->C_EncryptInit(h, &mech, key), "C_EncryptInit(vendor SM4)");
                check(f()->C_Encrypt(h, buf.data(), static_cast<CK_ULONG>(buf.size()), out.data(), &n),
                      "C_Encrypt(vendor SM4)");
            } else {
                check(f()->C_DecryptInit(h, &mech, key), "C_DecryptInit(vendor SM4)");
                check(f()->C_Decrypt(h, buf.data(), static_cast<CK_ULONG>(buf.size()), out.data(), &n),
                      "C_Decrypt(vendor SM4)");
            }
            out.resize(n);
            return out;
        };
        if (mode == CipherMode::Ecb) {
            return ecb(data, encrypt);
        }
        Bytes prev(16, 0);
        if (!iv.empty()) {
            prev.assign(iv.begin(), iv.end());
        }
        Bytes out;
        out.reserve(data.size());
        if (!encrypt) {
            Bytes plain = ecb(data, false);
            for (std::size_t i = 0; i < plain.size(); ++i) {
                out.push_back(static_cast<std::uint8_t>(plain[i] ^ (i < 16 ? prev[i] : data[i - 16])));
            }
            return out;
        }
        for (std::size_t at = 0; at < data.size(); at += 16) {
            Bytes block(16);
            for (std::size_t i = 0; i < 16; ++i) {
                block[i] = static_cast<std::uint8_t>(data[at + i] ^ prev[i]);
            }
            prev = ecb(block, true);
            out.insert(out.end(), prev.begin(), prev.end());
        }
        return out;
    }

    Bytes cipherToken(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE key, KeyAlgorithm a, bool encrypt,
                      CipherMode mode, ByteView iv, ByteView data)
    {
        if (a == KeyAlgorithm::Sm4) {
            return vendorSm4Cipher(h, key, encrypt, mode, iv, data);
        }
        std::size_t b = blockSize(a);
        Bytes ivBuf(b, 0);
        if (!iv.empty()) {
            ivBuf.assign(iv.begin(), iv.end());
        }
        CK_MECHANISM_TYPE type = 0;
        if (a == KeyAlgorithm::Aes) {
            type = mode == CipherMode::Ecb ? CKM_AES_ECB : CKM_AES_CBC;
        } else {
            type = mode == CipherMode::Ecb ? CKM_DES3_ECB : CKM_DES3_CBC;
        }
        CK_MECHANISM mech {type, nullptr, 0};
        if (mode == CipherMode::Cbc) {
            mech.pParameter = ivBuf.data();
            mech.ulParameterLen = static_cast<CK_ULONG>(ivBuf.size());
        }
        Bytes out(data.size());
        CK_ULONG n = static_cast<CK_ULONG>(out.size());
        Bytes in(data.begin(), data.end());
        if (encrypt) {
            check(f()->C_EncryptInit(h, &mech, key), "C_EncryptInit");
            check(f()->C_Encrypt(h, in.data(), static_cast<CK_ULONG>(in.size()), out.data(), &n),
                  "C_Encrypt");
        } else {
            check(f()->C_DecryptInit(h, &mech, key), "C_DecryptInit");
            check(f()->C_Decrypt(h, in.data(), static_cast<CK_ULONG>(in.size()), out.data(), &n),
                  "C_Decrypt");
        }
        out.resize(n);
        return out;
    }

    /** Session objects created for one operation, destroyed at scope exit. */
    struct Temps {
        Impl* impl;
        CK_SESSION_HANDLE h;
        std::vector<CK_OBJECT_HANDLE> objects;
        Temps(Impl* i, CK_SESSION_HANDLE session, std::vector<CK_OBJECT_HANDLE> initial)
            : impl(i)
            , h(session)
            , objects(std::move(initial))
        {
        }
        Temps(const Temps&) = delete;
        Temps& operator=(const Temps&) = delete;
        ~Temps()
        {
            for (auto o : objects) {
                (void)impl->f()->C_DestroyObject(h, o);
            }
        }
    };

    CK_OBJECT_HANDLE deriveInToken(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE parent, soft::Shape shape,
                                   const DerivationStep& step, bool readable, bool extractable,
                                   Temps& temps)
    {
        soft::Shape child = soft::derivedShape(shape, step);
        Bytes data;
        if (step.kind == Derivation::PbocDiversify) {
            data = step.data;
            for (std::uint8_t b : step.data) {
                data.push_back(static_cast<std::uint8_t>(~b));
            }
        } else {
            data = step.data;
            if (child.algorithm == KeyAlgorithm::Des) {
                data.insert(data.end(), step.data.begin(), step.data.end()); // K||K
            }
        }
        CK_KEY_DERIVATION_STRING_DATA params {data.data(), static_cast<CK_ULONG>(data.size())};
        CK_MECHANISM mech {shape.algorithm == KeyAlgorithm::Aes ? CKM_AES_ECB_ENCRYPT_DATA
                                                                : CKM_DES3_ECB_ENCRYPT_DATA,
                           &params, sizeof params};
        Template t;
        t.number(CKA_CLASS, CKO_SECRET_KEY)
            .number(CKA_KEY_TYPE, keyTypeFor(child.algorithm, child.length))
            .flag(CKA_TOKEN, false)
            .flag(CKA_SENSITIVE, !readable)
            .flag(CKA_EXTRACTABLE, readable || extractable)
            .flag(CKA_ENCRYPT, true)
            .flag(CKA_DECRYPT, true)
            .flag(CKA_DERIVE, true);
        if (child.algorithm == KeyAlgorithm::Aes) {
            t.number(CKA_VALUE_LEN, child.length);
        }
        CK_OBJECT_HANDLE out = 0;
        check(f()->C_DeriveKey(h, &mech, parent, t.data(), t.size(), &out), "C_DeriveKey");
        temps.objects.push_back(out);
        return out;
    }

    /** A key ready for one operation: a token object, or clear bytes in locked memory. */
    struct Ready {
        bool host = false;
        CK_OBJECT_HANDLE handle = 0;
        SecureBytes clear;
        soft::Shape shape {KeyAlgorithm::Des3, 16};
    };

    Ready prepare(CK_SESSION_HANDLE h, const KeySpec& spec, bool needHost, bool extractable,
                  Temps& temps)
    {
        Cached base = lookupOrThrow(h, spec.base);
        Ready r;
        r.shape = {base.info.algorithm, base.info.length};
        if (base.sm4Wrapped) {
            r.host = true;
            r.clear = unwrapSm4(h, base.handle, spec.base);
            for (const auto& step : spec.path) {
                SecureBytes next = soft::derive(r.shape, r.clear, step);
                r.shape = soft::derivedShape(r.shape, step);
                r.clear.swap(next);
            }
            return r;
        }
        if (base.info.algorithm == KeyAlgorithm::Sm4) {
            // Vendor SM4: the first derivation is one ECB call in the token; the derived per-card
            // key continues on the host in locked memory (no SM4 derive mechanism is assumed).
            if (spec.path.empty()) {
                if (needHost) {
                    throw UnsupportedError("this operation needs stored SM4 key "
                                           + spec.base.toString() + " in clear: it never leaves "
                                                                    "the token");
                }
                r.handle = base.handle;
                return r;
            }
            const DerivationStep& first = spec.path.front();
            soft::Shape next = soft::derivedShape(r.shape, first);
            Bytes input = first.data;
            if (first.kind == Derivation::PbocDiversify) {
                for (std::uint8_t b : first.data) {
                    input.push_back(static_cast<std::uint8_t>(~b));
                }
            }
            Bytes derived = vendorSm4Cipher(h, base.handle, true, CipherMode::Ecb, {}, input);
            r.host = true;
            r.clear.assign(derived.begin(), derived.end());
            cleanse(std::span<std::uint8_t>(derived));
            r.shape = next;
            for (std::size_t i = 1; i < spec.path.size(); ++i) {
                SecureBytes nextKey = soft::derive(r.shape, r.clear, spec.path[i]);
                r.shape = soft::derivedShape(r.shape, spec.path[i]);
                r.clear.swap(nextKey);
            }
            return r;
        }
        std::size_t firstHost = spec.path.size();
        for (std::size_t i = 0; i < spec.path.size(); ++i) {
            if (spec.path[i].kind == Derivation::XorHalves) {
                firstHost = i;
                break;
            }
        }
        bool hostNeeded = needHost || firstHost < spec.path.size();
        if (hostNeeded && firstHost == 0) {
            throw UnsupportedError("this operation needs " + spec.base.toString()
                                   + " in clear, and stored keys never leave the token: use it "
                                     "through a derived (card) key, or the software backend");
        }
        CK_OBJECT_HANDLE current = base.handle;
        for (std::size_t i = 0; i < firstHost; ++i) {
            bool last = i + 1 == firstHost;
            current = deriveInToken(h, current, r.shape, spec.path[i], last && hostNeeded,
                                    extractable, temps);
            r.shape = soft::derivedShape(r.shape, spec.path[i]);
        }
        if (!hostNeeded) {
            r.handle = current;
            return r;
        }
        r.host = true;
        r.clear = readSecretValue(h, current);
        if (r.shape.algorithm == KeyAlgorithm::Des) {
            r.clear.resize(8);
        }
        for (std::size_t i = firstHost; i < spec.path.size(); ++i) {
            SecureBytes next = soft::derive(r.shape, r.clear, spec.path[i]);
            r.shape = soft::derivedShape(r.shape, spec.path[i]);
            r.clear.swap(next);
        }
        return r;
    }

    CK_OBJECT_HANDLE createSecret(CK_SESSION_HANDLE h, const SecureBytes& value, bool token,
                                  const KeyRef* ref, KeyAlgorithm a, bool exportable,
                                  Temps* temps)
    {
        SecureBytes v = value;
        if (a == KeyAlgorithm::Des) {
            v.insert(v.end(), value.begin(), value.end());
        }
        Template t;
        t.number(CKA_CLASS, CKO_SECRET_KEY)
            .flag(CKA_TOKEN, token)
            .bytes(CKA_VALUE, v.data(), v.size());
        if (ref != nullptr) {
            t.number(CKA_KEY_TYPE,
                     a == KeyAlgorithm::Sm4 ? *opt.sm4KeyType : keyTypeFor(a, value.size()))
                .flag(CKA_PRIVATE, true)
                .flag(CKA_SENSITIVE, true)
                .flag(CKA_EXTRACTABLE, exportable)
                .flag(CKA_ENCRYPT, true)
                .flag(CKA_DECRYPT, true)
                .flag(CKA_DERIVE, true)
                .flag(CKA_WRAP, true)
                .flag(CKA_UNWRAP, true)
                .text(CKA_LABEL, objectLabel(*ref))
                .text(CKA_ID, std::string(kAlgPrefix) + std::string(toString(a)));
        } else {
            // A temporary carrier for C_WrapKey: generic secret, extractable.
            t.number(CKA_KEY_TYPE, CKK_GENERIC_SECRET)
                .flag(CKA_SENSITIVE, true)
                .flag(CKA_EXTRACTABLE, true);
        }
        CK_OBJECT_HANDLE out = 0;
        check(f()->C_CreateObject(h, t.data(), t.size(), &out), "C_CreateObject");
        if (temps != nullptr) {
            temps->objects.push_back(out);
        }
        return out;
    }

    KeyInfo importClear(CK_SESSION_HANDLE h, const KeyRef& ref, KeyAlgorithm a,
                        const SecureBytes& original, const KeyOptions& options)
    {
        forget(ref);
        SecureBytes key = original;
        soft::normalizeParity(a, key);
        if (a == KeyAlgorithm::Sm4 && vendorSm4()) {
            createSecret(h, key, true, &ref, a, options.exportable, nullptr);
        } else if (a == KeyAlgorithm::Sm4) {
            Bytes blob = wrapSm4(h, ref, key);
            Template t;
            t.number(CKA_CLASS, CKO_DATA)
                .flag(CKA_TOKEN, true)
                .flag(CKA_PRIVATE, true)
                .text(CKA_LABEL, objectLabel(ref))
                .text(CKA_APPLICATION, options.exportable ? kSm4App : kSm4AppNoExport)
                .bytes(CKA_VALUE, blob.data(), blob.size());
            CK_OBJECT_HANDLE o = 0;
            check(f()->C_CreateObject(h, t.data(), t.size(), &o), "C_CreateObject(SM4)");
        } else {
            createSecret(h, key, true, &ref, a, options.exportable, nullptr);
        }
        return lookupOrThrow(h, ref).info;
    }

};

Pkcs11Hsm::Pkcs11Hsm(Pkcs11Options options)
    : m_impl(std::make_unique<Impl>())
{
    m_impl->opt = std::move(options);
    if (m_impl->opt.modulePath.empty()) {
        m_impl->opt.modulePath = HC_SOFTHSM2_MODULE;
    }
    if (m_impl->opt.tokenLabel.empty() || m_impl->opt.tokenLabel.size() > 32) {
        throw ConfigurationError("the token label must have 1 to 32 characters");
    }
    if (m_impl->opt.sm4KeyType.has_value() != m_impl->opt.sm4EcbMechanism.has_value()) {
        throw ConfigurationError("vendor SM4 needs both sm4KeyType and sm4EcbMechanism (the "
                                 "vendor's CKK and CKM numbers), or neither");
    }
    if (m_impl->opt.maxSessions == 0) {
        m_impl->opt.maxSessions = 1;
    }
    m_impl->module = Module::load(m_impl->opt.modulePath);
    m_impl->generation = m_impl->module->generation();
    m_impl->run([](CK_SESSION_HANDLE) { return 0; }); // find the token and log in now
}

Pkcs11Hsm::~Pkcs11Hsm()
{
    std::lock_guard lock(m_impl->mutex);
    if (m_impl->generation == m_impl->module->generation()) {
        for (auto h : m_impl->idle) {
            (void)m_impl->f()->C_CloseSession(h);
        }
    }
}

std::string Pkcs11Hsm::name() const { return "pkcs11:" + m_impl->opt.tokenLabel; }

void Pkcs11Hsm::finalizeModuleForTest() { m_impl->module->finalizeForTest(); }

std::size_t Pkcs11Hsm::recoveries() const
{
    std::lock_guard lock(m_impl->mutex);
    return m_impl->recoveries;
}

KeyInfo Pkcs11Hsm::doGenerate(const KeyRef& ref, KeyAlgorithm algorithm, std::size_t length,
                              const KeyOptions& options)
{
    return m_impl->run([&](CK_SESSION_HANDLE h) {
        Impl& d = *m_impl;
        if (algorithm == KeyAlgorithm::Des3 || algorithm == KeyAlgorithm::Aes) {
            d.forget(ref);
            CK_MECHANISM mech {algorithm == KeyAlgorithm::Aes ? CKM_AES_KEY_GEN
                                   : length == 24             ? CKM_DES3_KEY_GEN
                                                              : CKM_DES2_KEY_GEN,
                               nullptr, 0};
            Template t;
            t.number(CKA_CLASS, CKO_SECRET_KEY)
                .number(CKA_KEY_TYPE, keyTypeFor(algorithm, length))
                .flag(CKA_TOKEN, true)
                .flag(CKA_PRIVATE, true)
                .flag(CKA_SENSITIVE, true)
                .flag(CKA_EXTRACTABLE, options.exportable)
                .flag(CKA_ENCRYPT, true)
                .flag(CKA_DECRYPT, true)
                .flag(CKA_DERIVE, true)
                .flag(CKA_WRAP, true)
                .flag(CKA_UNWRAP, true)
                .text(CKA_LABEL, objectLabel(ref))
                .text(CKA_ID, std::string(kAlgPrefix) + std::string(toString(algorithm)));
            if (algorithm == KeyAlgorithm::Aes) {
                t.number(CKA_VALUE_LEN, length);
            }
            CK_OBJECT_HANDLE o = 0;
            check(d.f()->C_GenerateKey(h, &mech, t.data(), t.size(), &o), "C_GenerateKey");
            return d.lookupOrThrow(h, ref).info;
        }
        SecureBytes key(length);
        check(d.f()->C_GenerateRandom(h, key.data(), static_cast<CK_ULONG>(key.size())),
              "C_GenerateRandom");
        return d.importClear(h, ref, algorithm, key, options);
    });
}

KeyInfo Pkcs11Hsm::doImportClear(const KeyRef& ref, KeyAlgorithm algorithm, const SecureBytes& key,
                                 const KeyOptions& options)
{
    return m_impl->run(
        [&](CK_SESSION_HANDLE h) { return m_impl->importClear(h, ref, algorithm, key, options); });
}

Bytes Pkcs11Hsm::doExportWrapped(const KeySpec& key, const KeyInfo&,
                                 const KeyInfo& transport)
{
    return m_impl->run([&](CK_SESSION_HANDLE h) {
        Impl& d = *m_impl;
        Impl::Temps temps(&d, h, {});
        Impl::Cached t = d.lookupOrThrow(h, transport.ref);
        if (t.sm4Wrapped) {
            SecureBytes tclear = d.unwrapSm4(h, t.handle, transport.ref);
            Impl::Ready k = d.prepare(h, key, true, true, temps);
            soft::normalizeParity(k.shape.algorithm, k.clear);
            return soft::wrap(KeyAlgorithm::Sm4, tclear, k.clear);
        }
        if (t.info.algorithm != KeyAlgorithm::Aes) {
            // SoftHSM2 has no C_WrapKey with CKM_DES3_CBC: encrypt the derived key's bytes under
            // the transport key instead. Stored keys cannot take this path (they never leave the
            // token in clear), so they are exported under an AES transport key.
            if (key.path.empty()) {
                throw UnsupportedError("the token cannot wrap stored key " + key.base.toString()
                                       + " under a 3DES transport key (no C_WrapKey with "
                                         "CKM_DES3_CBC): export it under an AES transport key");
            }
            Impl::Ready k = d.prepare(h, key, true, true, temps);
            soft::normalizeParity(k.shape.algorithm, k.clear);
            return d.cipherToken(h, t.handle, t.info.algorithm, true, CipherMode::Cbc, {},
                                 ByteView(k.clear.data(), k.clear.size()));
        }
        Impl::Ready k = d.prepare(h, key, false, true, temps);
        CK_OBJECT_HANDLE toWrap = k.handle;
        if (k.host) {
            soft::normalizeParity(k.shape.algorithm, k.clear);
            toWrap = d.createSecret(h, k.clear, false, nullptr, k.shape.algorithm, true, &temps);
        }
        CK_MECHANISM mech {CKM_AES_KEY_WRAP, nullptr, 0};
        CK_ULONG n = 0;
        check(d.f()->C_WrapKey(h, &mech, t.handle, toWrap, nullptr, &n), "C_WrapKey");
        Bytes blob(n);
        check(d.f()->C_WrapKey(h, &mech, t.handle, toWrap, blob.data(), &n), "C_WrapKey");
        blob.resize(n);
        return blob;
    });
}

Bytes Pkcs11Hsm::doWrapForCard(const KeySpec& key, const KeySpec& transport,
                               KeyAlgorithm transportAlgorithm, ByteView header)
{
    return m_impl->run([&](CK_SESSION_HANDLE h) {
        Impl& d = *m_impl;
        Impl::Temps temps(&d, h, {});
        Impl::Ready k = d.prepare(h, key, true, true, temps);
        soft::normalizeParity(k.shape.algorithm, k.clear);
        std::size_t block = blockSize(transportAlgorithm);
        SecureBytes plain(header.begin(), header.end());
        plain.insert(plain.end(), k.clear.begin(), k.clear.end());
        plain.push_back(0x80);
        while (plain.size() % block != 0) {
            plain.push_back(0x00);
        }
        Impl::Ready t = d.prepare(h, transport, false, false, temps);
        ByteView in(plain.data(), plain.size());
        if (t.host) {
            return soft::cipher(t.shape.algorithm, t.clear, true, CipherMode::Ecb, {}, in);
        }
        return d.cipherToken(h, t.handle, t.shape.algorithm, true, CipherMode::Ecb, {}, in);
    });
}

KeyInfo Pkcs11Hsm::doImportWrapped(const KeyRef& ref, const WrappedKey& wrapped,
                                   const KeyInfo& transport, const KeyOptions& options)
{
    return m_impl->run([&](CK_SESSION_HANDLE h) {
        Impl& d = *m_impl;
        Impl::Cached t = d.lookupOrThrow(h, transport.ref);
        SecureBytes clear;
        if (t.sm4Wrapped) {
            SecureBytes tclear = d.unwrapSm4(h, t.handle, transport.ref);
            clear = soft::unwrap(KeyAlgorithm::Sm4, tclear, wrapped.blob);
        } else if (t.info.algorithm == KeyAlgorithm::Aes) {
            CK_MECHANISM mech {CKM_AES_KEY_WRAP, nullptr, 0};
            Template tpl;
            tpl.number(CKA_CLASS, CKO_SECRET_KEY)
                .number(CKA_KEY_TYPE, CKK_GENERIC_SECRET)
                .flag(CKA_TOKEN, false)
                .flag(CKA_SENSITIVE, false)
                .flag(CKA_EXTRACTABLE, true);
            Bytes blob = wrapped.blob;
            CK_OBJECT_HANDLE o = 0;
            CK_RV rv = d.f()->C_UnwrapKey(h, &mech, t.handle, blob.data(),
                                          static_cast<CK_ULONG>(blob.size()), tpl.data(),
                                          tpl.size(), &o);
            if (rv == CKR_WRAPPED_KEY_INVALID || rv == CKR_ENCRYPTED_DATA_INVALID
                || rv == CKR_FUNCTION_FAILED) {
                throw KcvMismatchError("the wrapped key does not unwrap under "
                                           + transport.ref.toString()
                                           + " (integrity check failed): check the transport key "
                                             "and re-enter the blob",
                                       0);
            }
            check(rv, "C_UnwrapKey");
            Impl::Temps temps(&d, h, {o});
            clear = d.readSecretValue(h, o);
        } else {
            Bytes iv(8, 0);
            CK_MECHANISM mech {CKM_DES3_CBC, iv.data(), 8};
            Bytes blob = wrapped.blob;
            clear.resize(blob.size());
            CK_ULONG n = static_cast<CK_ULONG>(clear.size());
            check(d.f()->C_DecryptInit(h, &mech, t.handle), "C_DecryptInit");
            check(d.f()->C_Decrypt(h, blob.data(), static_cast<CK_ULONG>(blob.size()), clear.data(),
                                   &n),
                  "C_Decrypt");
            clear.resize(n);
        }
        checkKeyLength(wrapped.algorithm, clear.size());
        return d.importClear(h, ref, wrapped.algorithm, clear, options);
    });
}

std::vector<KeyInfo> Pkcs11Hsm::doList()
{
    return m_impl->run([&](CK_SESSION_HANDLE h) {
        Impl& d = *m_impl;
        Template t;
        t.flag(CKA_TOKEN, true);
        std::vector<KeyInfo> out;
        for (auto o : d.findObjects(h, t)) {
            auto label = d.readAttribute(h, o, CKA_LABEL);
            auto ref = parseObjectLabel(std::string(label.begin(), label.end()));
            if (!ref) {
                continue;
            }
            try {
                if (auto c = d.lookup(h, *ref)) {
                    out.push_back(c->info);
                }
            } catch (const UnsupportedError&) {
                // a vendor SM4 key while vendor SM4 is not configured: not usable here, not listed
            }
        }
        return out;
    });
}

std::optional<KeyInfo> Pkcs11Hsm::doFind(const KeyRef& ref)
{
    return m_impl->run([&](CK_SESSION_HANDLE h) -> std::optional<KeyInfo> {
        auto c = m_impl->lookup(h, ref);
        if (!c) {
            return std::nullopt;
        }
        return c->info;
    });
}

void Pkcs11Hsm::doDelete(const KeyRef& ref)
{
    m_impl->run([&](CK_SESSION_HANDLE h) {
        Impl::Cached c = m_impl->lookupOrThrow(h, ref);
        m_impl->forget(ref);
        check(m_impl->f()->C_DestroyObject(h, c.handle), "C_DestroyObject");
        return 0;
    });
}

std::string Pkcs11Hsm::doDerivedKcv(const KeySpec& key, KeyAlgorithm)
{
    return m_impl->run([&](CK_SESSION_HANDLE h) {
        Impl& d = *m_impl;
        Impl::Temps temps(&d, h, {});
        Impl::Ready k = d.prepare(h, key, false, false, temps);
        if (k.host) {
            return soft::kcv(k.shape.algorithm, k.clear);
        }
        Bytes zeros(blockSize(k.shape.algorithm), 0);
        Bytes out = d.cipherToken(h, k.handle, k.shape.algorithm, true, CipherMode::Ecb, {}, zeros);
        return toHex(ByteView(out).first(3));
    });
}

Bytes Pkcs11Hsm::doCipher(const KeySpec& key, KeyAlgorithm, bool encrypt, CipherMode mode,
                          ByteView iv, ByteView data)
{
    return m_impl->run([&](CK_SESSION_HANDLE h) {
        Impl& d = *m_impl;
        Impl::Temps temps(&d, h, {});
        Impl::Ready k = d.prepare(h, key, false, false, temps);
        if (k.host) {
            return soft::cipher(k.shape.algorithm, k.clear, encrypt, mode, iv, data);
        }
        return d.cipherToken(h, k.handle, k.shape.algorithm, encrypt, mode, iv, data);
    });
}

Bytes Pkcs11Hsm::doMac(const KeySpec& key, KeyAlgorithm, MacAlgorithm mac, ByteView iv,
                       ByteView paddedData)
{
    return m_impl->run([&](CK_SESSION_HANDLE h) {
        Impl& d = *m_impl;
        Impl::Temps temps(&d, h, {});
        Impl::Ready k = d.prepare(h, key, mac == MacAlgorithm::Retail, false, temps);
        if (k.host) {
            return soft::mac(k.shape.algorithm, k.clear, mac, iv, paddedData);
        }
        Bytes out = d.cipherToken(h, k.handle, k.shape.algorithm, true, CipherMode::Cbc, iv,
                                  paddedData);
        std::size_t b = blockSize(k.shape.algorithm);
        return Bytes(out.end() - static_cast<std::ptrdiff_t>(b), out.end());
    });
}

void initToken(const std::string& modulePath, const std::string& label, const SecretSource& soPin,
               const SecretSource& userPin)
{
    if (label.empty() || label.size() > 32) {
        throw ConfigurationError("the token label must have 1 to 32 characters");
    }
    auto module = Module::load(modulePath.empty() ? std::string(HC_SOFTHSM2_MODULE) : modulePath);
    CK_FUNCTION_LIST* f = module->f();
    module->reinitialize(module->generation());
    if (module->findToken(label)) {
        throw KeyExistsError("a token labelled '" + label
                             + "' already exists: use it, or choose another label");
    }
    CK_ULONG count = 0;
    check(f->C_GetSlotList(CK_TRUE, nullptr, &count), "C_GetSlotList");
    std::vector<CK_SLOT_ID> slots(count);
    check(f->C_GetSlotList(CK_TRUE, slots.data(), &count), "C_GetSlotList");
    slots.resize(count);
    std::optional<CK_SLOT_ID> freeSlot;
    for (auto s : slots) {
        CK_TOKEN_INFO info {};
        if (f->C_GetTokenInfo(s, &info) == CKR_OK && (info.flags & CKF_TOKEN_INITIALIZED) == 0) {
            freeSlot = s;
            break;
        }
    }
    if (!freeSlot) {
        throw TokenMissingError("module " + modulePath + " has no free token slot: check "
                                "SOFTHSM2_CONF points at a writable token directory");
    }
    std::string so = soPin.read();
    std::string padded = p11::paddedLabel(label);
    CK_RV rv = f->C_InitToken(*freeSlot, reinterpret_cast<CK_UTF8CHAR*>(so.data()),
                              static_cast<CK_ULONG>(so.size()),
                              reinterpret_cast<CK_UTF8CHAR*>(padded.data()));
    if (rv != CKR_OK) {
        cleanse(so);
        check(rv, "C_InitToken");
    }
    module->reinitialize(module->generation()); // SoftHSM moves the new token to a new slot id
    auto slot = module->findToken(label);
    if (!slot) {
        cleanse(so);
        throw TokenMissingError(tokenMissingMessage(label, "not found right after C_InitToken"));
    }
    CK_SESSION_HANDLE h = 0;
    check(f->C_OpenSession(*slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &h),
          "C_OpenSession");
    rv = f->C_Login(h, CKU_SO, reinterpret_cast<CK_UTF8CHAR*>(so.data()),
                    static_cast<CK_ULONG>(so.size()));
    cleanse(so);
    if (rv != CKR_OK) {
        (void)f->C_CloseSession(h);
        check(rv, "C_Login(SO)");
    }
    std::string user;
    try {
        user = userPin.read();
    } catch (...) {
        (void)f->C_Logout(h);
        (void)f->C_CloseSession(h);
        throw;
    }
    rv = f->C_InitPIN(h, reinterpret_cast<CK_UTF8CHAR*>(user.data()),
                      static_cast<CK_ULONG>(user.size()));
    cleanse(user);
    (void)f->C_Logout(h);
    (void)f->C_CloseSession(h);
    check(rv, "C_InitPIN");
}

} // namespace hc::hsm
