// Signed visit records (DF03 EE0n / ED0n): data area || SM2 signature (64 bytes, r || s) ||
// signer certificate (190 bytes). The reference leaves the signature input and the certificate
// format open (gap 5); the choices here, all profile settings or documented in docs/healthcard.md:
//   - signature = SM2 with SM3 (GB/T 32918, Z value with signer ID profile.signerId) over
//     data area || certificate, so the certificate is bound to the record;
//   - certificate format "sam-190": public key X || Y (64) || signer name (AN 30) ||
//     institution code (AN 18) || 78 bytes 00 (reserved). The trust chain to the issuer is not
//     checked (the format carries no issuer signature): a record is "valid" when it verifies under
//     the key in its own certificate, and the caller compares the signer with its allow-list.
// Pure functions; SM2 through OpenSSL in process (hc_hsm can take over signing later through
// RecordSigner). Threading: any thread; a signer is used by one thread at a time.
#pragma once

#include "hc/card/bytes.hpp"

#include <memory>
#include <string>
#include <string_view>

namespace hc::card::health {

/** Size of the signature field. */
inline constexpr std::size_t kVisitSignatureSize = 64;
/** Size of the certificate field. */
inline constexpr std::size_t kVisitCertificateSize = 190;

/** Who signs visit records: the institution's key, wherever it lives. */
class RecordSigner {
public:
    /** Signers are owned polymorphically. */
    virtual ~RecordSigner() = default;
    /** SM2 signature (r || s, 64 bytes) over `message` with signer ID `id` (SM3 with Z). */
    virtual Bytes sign(ByteView message, std::string_view id) = 0;
    /** The 190-byte certificate stored after the signature. */
    virtual Bytes certificate() const = 0;
};

/** An SM2 key held in process (the software key store): a PEM private key. */
class Sm2SoftwareSigner final : public RecordSigner {
public:
    /** Generates a fresh key (tests, demos). */
    static std::unique_ptr<Sm2SoftwareSigner> generate(
        std::string signerName, std::string institutionCode);
    /** Loads a PEM private key (PKCS#8). Throws hc::InputError when it is not an SM2 key. */
    static std::unique_ptr<Sm2SoftwareSigner> fromPem(
        std::string_view pem, std::string signerName, std::string institutionCode);
    ~Sm2SoftwareSigner() override;
    Sm2SoftwareSigner(const Sm2SoftwareSigner&) = delete;
    Sm2SoftwareSigner& operator=(const Sm2SoftwareSigner&) = delete;

    Bytes sign(ByteView message, std::string_view id) override;
    Bytes certificate() const override;
    /** The public key X || Y (64 bytes). */
    Bytes publicKey() const;
    /** The private key as PEM (PKCS#8), for the key store. */
    std::string privatePem() const;

private:
    Sm2SoftwareSigner(void* key, std::string name, std::string code);
    void* m_key; // EVP_PKEY
    std::string m_name;
    std::string m_code;
};

/** Verifies an SM2 signature (r || s) under a public key X || Y. False on any mismatch. */
bool verifySm2(ByteView publicKey64, ByteView message, ByteView signature64, std::string_view id);

/** What a visit record's signature says. */
enum class SignatureStatus {
    Unsigned, ///< signature field all 00 or all FF
    Valid, ///< verifies under the key in the record's certificate
    Invalid, ///< present but does not verify (or the certificate is unreadable)
};

/** "unsigned", "valid", "invalid". */
std::string_view signatureStatusName(SignatureStatus s);

/** A visit record taken apart. */
struct VisitRecord {
    /** The data area. */
    Bytes data;
    /** The signature field. */
    Bytes signature;
    /** The certificate field. */
    Bytes certificate;
    /** Signer name from a "sam-190" certificate. */
    std::string signerName;
    /** Institution code from a "sam-190" certificate. */
    std::string institutionCode;
    /** Verification result. */
    SignatureStatus status = SignatureStatus::Unsigned;
};

/** Builds a record of `slotSize` bytes: `data` (00-padded to the data area), the signature over
 * data area || certificate, the certificate. Throws hc::InputError when `data` is too long. */
Bytes buildSignedVisitRecord(
    ByteView data, std::size_t slotSize, RecordSigner& signer, std::string_view id);
/** Takes a record apart and verifies it. Throws hc::InputError when it is shorter than the two
 * trailing fields. */
VisitRecord parseVisitRecord(ByteView record, std::string_view id);

} // namespace hc::card::health
