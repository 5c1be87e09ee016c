#include "hc/card/health/visit_signature.hpp"

#include "hc/card/error.hpp"
#include "hc/card/health/codec.hpp"

#include <memory>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

namespace hc::card::health {

namespace {
EVP_PKEY* pkey(void* p) {
    return static_cast<EVP_PKEY*>(p);
}

[[noreturn]] void fail(const char* what) {
    throw hc::Error(std::string("SM2: ") + what + " failed in OpenSSL", NextStep::CallStaff);
}

using MdCtx = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)>;
using Sig = std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)>;
using Pkey = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

/** A digest context bound to `key` with the SM2 signer ID set. */
MdCtx sm2Context(EVP_PKEY* key, std::string_view id, bool signing) {
    MdCtx md(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    PkeyCtx pctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr), EVP_PKEY_CTX_free);
    if (!md || !pctx
        || EVP_PKEY_CTX_set1_id(pctx.get(), id.data(), static_cast<int>(id.size())) <= 0) {
        fail("context");
    }
    EVP_MD_CTX_set_pkey_ctx(md.get(), pctx.get());
    const int rc = signing ? EVP_DigestSignInit(md.get(), nullptr, EVP_sm3(), nullptr, key)
                           : EVP_DigestVerifyInit(md.get(), nullptr, EVP_sm3(), nullptr, key);
    if (rc != 1) {
        fail("digest init");
    }
    // The MD context now refers to pctx; it must live as long as md: release it to md.
    (void)pctx.release();
    return md;
}
} // namespace

Sm2SoftwareSigner::Sm2SoftwareSigner(void* key, std::string name, std::string code)
    : m_key(key)
    , m_name(std::move(name))
    , m_code(std::move(code)) {
}

Sm2SoftwareSigner::~Sm2SoftwareSigner() {
    EVP_PKEY_free(pkey(m_key));
}

std::unique_ptr<Sm2SoftwareSigner> Sm2SoftwareSigner::generate(std::string name, std::string code) {
    EVP_PKEY* k = EVP_PKEY_Q_keygen(nullptr, nullptr, "SM2");
    if (!k) {
        fail("key generation");
    }
    return std::unique_ptr<Sm2SoftwareSigner>(
        new Sm2SoftwareSigner(k, std::move(name), std::move(code)));
}

std::unique_ptr<Sm2SoftwareSigner> Sm2SoftwareSigner::fromPem(
    std::string_view pem, std::string name, std::string code) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(
        BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
    EVP_PKEY* k = bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr;
    if (!k) {
        throw hc::InputError("SM2 signer: the PEM holds no private key");
    }
    if (!EVP_PKEY_is_a(k, "SM2")) {
        EVP_PKEY_free(k);
        throw hc::InputError("SM2 signer: the key is not an SM2 key");
    }
    return std::unique_ptr<Sm2SoftwareSigner>(
        new Sm2SoftwareSigner(k, std::move(name), std::move(code)));
}

Bytes Sm2SoftwareSigner::sign(ByteView message, std::string_view id) {
    MdCtx md = sm2Context(pkey(m_key), id, true);
    std::size_t len = 0;
    if (EVP_DigestSign(md.get(), nullptr, &len, message.data(), message.size()) != 1) {
        fail("sign");
    }
    Bytes der(len);
    if (EVP_DigestSign(md.get(), der.data(), &len, message.data(), message.size()) != 1) {
        fail("sign");
    }
    const unsigned char* p = der.data();
    Sig sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(len)), ECDSA_SIG_free);
    if (!sig) {
        fail("signature decoding");
    }
    Bytes out(64);
    if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), out.data(), 32) != 32
        || BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), out.data() + 32, 32) != 32) {
        fail("signature encoding");
    }
    return out;
}

Bytes Sm2SoftwareSigner::publicKey() const {
    unsigned char buf[65];
    std::size_t len = 0;
    if (EVP_PKEY_get_octet_string_param(pkey(m_key), OSSL_PKEY_PARAM_PUB_KEY, buf, sizeof buf, &len)
            != 1
        || len != 65) {
        fail("public key export");
    }
    return Bytes(buf + 1, buf + 65);
}

std::string Sm2SoftwareSigner::privatePem() const {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    if (!bio
        || PEM_write_bio_PrivateKey(bio.get(), pkey(m_key), nullptr, nullptr, 0, nullptr, nullptr)
            != 1) {
        fail("PEM export");
    }
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}

Bytes Sm2SoftwareSigner::certificate() const {
    Bytes c = publicKey();
    const Bytes name = encodeAn(m_name, 30, "signer.name");
    const Bytes code = encodeAn(m_code, 18, "signer.institution_code");
    c.insert(c.end(), name.begin(), name.end());
    c.insert(c.end(), code.begin(), code.end());
    c.resize(kVisitCertificateSize, 0x00);
    return c;
}

bool verifySm2(ByteView pub, ByteView message, ByteView signature, std::string_view id) {
    if (pub.size() != 64 || signature.size() != 64) {
        return false;
    }
    Bytes point { 0x04 };
    point.insert(point.end(), pub.begin(), pub.end());
    std::unique_ptr<OSSL_PARAM_BLD, decltype(&OSSL_PARAM_BLD_free)> bld(
        OSSL_PARAM_BLD_new(), OSSL_PARAM_BLD_free);
    if (!bld
        || OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "SM2", 0) != 1
        || OSSL_PARAM_BLD_push_octet_string(
               bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size())
            != 1) {
        fail("parameters");
    }
    std::unique_ptr<OSSL_PARAM, decltype(&OSSL_PARAM_free)> params(
        OSSL_PARAM_BLD_to_param(bld.get()), OSSL_PARAM_free);
    PkeyCtx fctx(EVP_PKEY_CTX_new_from_name(nullptr, "SM2", nullptr), EVP_PKEY_CTX_free);
    EVP_PKEY* raw = nullptr;
    if (!params || !fctx || EVP_PKEY_fromdata_init(fctx.get()) != 1
        || EVP_PKEY_fromdata(fctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
        return false; // not a point on the curve
    }
    Pkey key(raw, EVP_PKEY_free);
    Sig sig(ECDSA_SIG_new(), ECDSA_SIG_free);
    BIGNUM* r = BN_bin2bn(signature.data(), 32, nullptr);
    BIGNUM* s = BN_bin2bn(signature.data() + 32, 32, nullptr);
    if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
        BN_free(r);
        BN_free(s);
        fail("signature");
    }
    unsigned char* der = nullptr;
    const int derLen = i2d_ECDSA_SIG(sig.get(), &der);
    if (derLen <= 0) {
        fail("signature encoding");
    }
    std::unique_ptr<unsigned char, void (*)(unsigned char*)> derOwner(
        der, [](unsigned char* d) { OPENSSL_free(d); });
    MdCtx md = sm2Context(key.get(), id, false);
    return EVP_DigestVerify(
               md.get(), der, static_cast<std::size_t>(derLen), message.data(), message.size())
        == 1;
}

std::string_view signatureStatusName(SignatureStatus s) {
    switch (s) {
    case SignatureStatus::Unsigned:
        return "unsigned";
    case SignatureStatus::Valid:
        return "valid";
    case SignatureStatus::Invalid:
        return "invalid";
    }
    return "?";
}

Bytes buildSignedVisitRecord(
    ByteView data, std::size_t slotSize, RecordSigner& signer, std::string_view id) {
    if (slotSize < kVisitSignatureSize + kVisitCertificateSize) {
        throw hc::InputError("visit record slot too small");
    }
    const std::size_t area = slotSize - kVisitSignatureSize - kVisitCertificateSize;
    if (data.size() > area) {
        throw hc::InputError("visit record: " + std::to_string(data.size())
            + " bytes of data do not fit the " + std::to_string(area) + "-byte data area");
    }
    Bytes rec(data.begin(), data.end());
    rec.resize(area, 0x00);
    const Bytes cert = signer.certificate();
    if (cert.size() != kVisitCertificateSize) {
        throw hc::InputError("visit record: the certificate is not 190 bytes");
    }
    const Bytes sig = signer.sign(concat(rec, cert), id);
    rec.insert(rec.end(), sig.begin(), sig.end());
    rec.insert(rec.end(), cert.begin(), cert.end());
    return rec;
}

VisitRecord parseVisitRecord(ByteView record, std::string_view id) {
    if (record.size() < kVisitSignatureSize + kVisitCertificateSize) {
        throw hc::InputError(
            "visit record: " + std::to_string(record.size()) + " bytes is too short");
    }
    const std::size_t area = record.size() - kVisitSignatureSize - kVisitCertificateSize;
    VisitRecord v;
    v.data.assign(record.begin(), record.begin() + static_cast<std::ptrdiff_t>(area));
    v.signature.assign(record.begin() + static_cast<std::ptrdiff_t>(area),
        record.begin() + static_cast<std::ptrdiff_t>(area + kVisitSignatureSize));
    v.certificate.assign(
        record.begin() + static_cast<std::ptrdiff_t>(area + kVisitSignatureSize), record.end());
    if (isBlank(v.signature)) {
        v.status = SignatureStatus::Unsigned;
        return v;
    }
    try {
        v.signerName = decodeAn(ByteView(v.certificate).subspan(64, 30), "signer.name");
        v.institutionCode
            = decodeAn(ByteView(v.certificate).subspan(94, 18), "signer.institution_code");
    } catch (const hc::InputError&) {
        v.status = SignatureStatus::Invalid;
        return v;
    }
    const ByteView pub = ByteView(v.certificate).subspan(0, 64);
    v.status = verifySm2(pub, concat(v.data, v.certificate), v.signature, id)
        ? SignatureStatus::Valid
        : SignatureStatus::Invalid;
    return v;
}

} // namespace hc::card::health
