// hcard write-visit FILE.json [--keys F | --sam R]
// Writes a visit record into the next free inpatient or outpatient slot, signed with the
// institution's SM2 key (software key store: a PEM file), and sets its index flag. FILE.json:
//   {"kind": "outpatient" | "inpatient",
//    "text": "free text, stored GBK in the data area"   (or "data_hex": "...")
//    "signer": {"key_pem": "institution.pem", "name": "医院名称", "institution_code": "..."}}
// Without "signer" the record is written unsigned (readers report it as such).
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
std::string field(const json::object& o, const char* key, const std::string& where) {
    const auto* v = o.if_contains(key);
    if (!v || !v->is_string()) {
        throw hc::InputError(where + ": \"" + key + "\" must be a string");
    }
    return std::string(v->get_string());
}
} // namespace

int cmdWriteVisit(const CommonOptions& o, const std::vector<std::string>& argsIn) {
    std::vector<std::string> args = argsIn;
    const HealthOptions ho = parseHealthOptions(args);
    if (args.size() != 1) {
        throw hc::InputError("hcard write-visit FILE.json");
    }
    json::value v;
    try {
        v = json::parse(readText(args[0]));
    } catch (const std::exception& e) {
        throw hc::InputError(args[0] + ": not JSON: " + e.what());
    }
    if (!v.is_object()) {
        throw hc::InputError(args[0] + ": expected an object");
    }
    const auto& obj = v.get_object();
    const std::string kind = field(obj, "kind", args[0]);
    if (kind != "inpatient" && kind != "outpatient") {
        throw hc::InputError(args[0] + ": kind must be inpatient or outpatient");
    }
    const bool inpatient = kind == "inpatient";
    const std::size_t area
        = (inpatient ? 1893u : 3267u) - h::kVisitSignatureSize - h::kVisitCertificateSize;
    hc::Bytes data;
    if (obj.contains("data_hex")) {
        data = hc::fromHex(field(obj, "data_hex", args[0]));
    } else {
        data = h::encodeAn(field(obj, "text", args[0]), area, "visit.text");
    }
    std::unique_ptr<h::Sm2SoftwareSigner> signer;
    if (const auto* s = obj.if_contains("signer")) {
        if (!s->is_object()) {
            throw hc::InputError(args[0] + ": signer must be an object");
        }
        const auto& so = s->get_object();
        signer = h::Sm2SoftwareSigner::fromPem(readText(field(so, "key_pem", args[0] + ": signer")),
            field(so, "name", args[0] + ": signer"),
            field(so, "institution_code", args[0] + ": signer"));
    }
    OpenedSam sam = openSam(ho);
    auto ch = openCard(o);
    h::HealthCard card(*ch, loadProfile(ho), sam.module.get(), &strategyCache(o));
    h::Counted<std::size_t> r;
    if (signer) {
        r = card.writeSignedVisit(inpatient, data, *signer);
    } else {
        data.resize(inpatient ? 1893u : 3267u, 0x00);
        r = card.writeVisitRecord(inpatient, data);
    }
    if (o.json) {
        printJson(json::object { { "kind", kind }, { "slot", r.value },
            { "signed", signer != nullptr }, { "apdus", r.apdus } });
    } else {
        std::cout << kind << " record written to slot " << r.value
                  << (signer ? " (signed)" : " (unsigned)") << ", " << r.apdus << " APDUs\n";
    }
    return 0;
}

namespace {
const CommandRegistrar registrar("write-visit",
    { "write-visit FILE.json [--keys F|--sam R]",
        "write a signed visit record into the next free slot", cmdWriteVisit });
} // namespace

} // namespace hc::tool
