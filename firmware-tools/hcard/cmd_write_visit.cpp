// hcard write-visit FILE.json [--keys F | --sam R]
// Writes a visit record into the next free inpatient or outpatient slot, signed with the
// institution's SM2 key (software key store: a PEM file), and sets its index flag. FILE.json:
//   {"kind": "outpatient" | "inpatient",
//    "text": "free text, stored GBK in the data area"   (or "data_hex": "...")
//    "signer": {"key_pem": "institution.pem", "name": "医院名称", "institution_code": "..."}}
// Without "signer" the record is written unsigned (readers report it as such).
#include "hc/base/json_in.hpp"
#include "hc/card/health/codec.hpp"
#include "hc/card/health/health_card.hpp"
#include "health_tool.hpp"

#include <boost/json.hpp>
#include <fstream>
#include <iostream>
#include <sstream>

namespace hc::tool {

namespace h = hc::card::health;
namespace json = boost::json;

namespace {
std::string readText(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
        throw hc::Error("cannot read " + path, hc::NextStep::FixInput);
    }
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}
/** Longest text, hex or name accepted: far above a visit's data area (3267 bytes). */
constexpr std::size_t kMaxText = 64 * 1024;

struct VisitFile {
    bool inpatient = false;
    hc::Bytes data;
    std::unique_ptr<h::Sm2SoftwareSigner> signer;
};

VisitFile visitFrom(const hc::JsonIn& in) {
    VisitFile f;
    const std::string kind = in.text("kind", 16);
    if (kind != "inpatient" && kind != "outpatient") {
        throw hc::JsonFieldError(in.at("kind"), "must be inpatient or outpatient");
    }
    f.inpatient = kind == "inpatient";
    const std::size_t area
        = (f.inpatient ? 1893u : 3267u) - h::kVisitSignatureSize - h::kVisitCertificateSize;
    if (in.has("data_hex")) {
        f.data = in.hex("data_hex", kMaxText);
    } else {
        f.data = h::encodeAn(in.text("text", kMaxText), area, "visit.text");
    }
    // "signer": null is refused, not taken as "unsigned": only a file without it writes unsigned.
    if (in.raw().contains("signer")) {
        if (!in.has("signer")) {
            throw hc::JsonFieldError(
                in.at("signer"), "must be an object (leave it out to write unsigned)");
        }
        const auto so = in.object("signer");
        f.signer = h::Sm2SoftwareSigner::fromPem(readText(so.text("key_pem", kMaxText)),
            so.text("name", kMaxText), so.text("institution_code", kMaxText));
    }
    return f;
}
} // namespace

int cmdWriteVisit(const CommonOptions& o, const std::vector<std::string>& argsIn) {
    std::vector<std::string> args = argsIn;
    const HealthOptions ho = parseHealthOptions(args);
    if (args.size() != 1) {
        throw hc::InputError("hcard write-visit FILE.json");
    }
    const auto root = hc::parseJson(readText(args[0]), args[0], { 1024 * 1024, 32 });
    VisitFile visit;
    try {
        visit = visitFrom(hc::JsonIn(root, ""));
    } catch (const hc::JsonFieldError& e) {
        throw hc::InputError(args[0] + ": " + e.what());
    }
    const std::string kind = visit.inpatient ? "inpatient" : "outpatient";
    OpenedSam sam = openSam(ho);
    auto ch = openCard(o);
    h::HealthCard card(*ch, loadProfile(ho), sam.module.get(), &strategyCache(o));
    h::Counted<std::size_t> r;
    if (visit.signer) {
        r = card.writeSignedVisit(visit.inpatient, visit.data, *visit.signer);
    } else {
        visit.data.resize(visit.inpatient ? 1893u : 3267u, 0x00);
        r = card.writeVisitRecord(visit.inpatient, visit.data);
    }
    if (o.json) {
        printJson(json::object { { "kind", kind }, { "slot", r.value },
            { "signed", visit.signer != nullptr }, { "apdus", r.apdus } });
    } else {
        std::cout << kind << " record written to slot " << r.value
                  << (visit.signer ? " (signed)" : " (unsigned)") << ", " << r.apdus << " APDUs\n";
    }
    return 0;
}

namespace {
const CommandRegistrar registrar("write-visit",
    { "write-visit FILE.json [--keys F|--sam R]",
        "write a signed visit record into the next free slot", cmdWriteVisit });
} // namespace

} // namespace hc::tool
