// Health-card record decoders: element values of every coding, cyclic allergy / immunisation
// records, visit records with their signature. Invariants: only hc::Error is thrown; a decoded
// AN/CN value encodes back without error to the same length.
#include "hc/card/error.hpp"
#include "hc/card/health/codec.hpp"
#include "hc/card/health/model.hpp"
#include "hc/card/health/visit_signature.hpp"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace hc::card::health;
    static const CardProfile profile = CardProfile::ws543_2017();
    const hc::ByteView in(data, size);
    for (const auto& e : profile.elements) {
        if (size < e.length) {
            continue;
        }
        try {
            const std::string text = decodeElement(e, in.subspan(0, e.length));
            if (e.coding != Coding::B && encodeElement(e, text).size() != e.length) {
                std::abort();
            }
        } catch (const hc::Error&) { }
    }
    try {
        if (size >= 120) {
            (void)decodeAllergy(in.subspan(0, 120));
        }
        if (size >= 24) {
            (void)decodeImmunisation(in.subspan(0, 24));
        }
    } catch (const hc::Error&) { }
    try {
        (void)decodeCn(in);
        (void)decodeAn(in);
    } catch (const hc::Error&) { }
    if (size >= kVisitSignatureSize + kVisitCertificateSize && size <= 4096) {
        try {
            const auto v = parseVisitRecord(in, profile.signerId);
            if (v.status == SignatureStatus::Valid) {
                std::abort(); // a random record must never verify
            }
        } catch (const hc::Error&) { }
    }
    return 0;
}
