#include "health_tool.hpp"

#include "hc/card/error.hpp"
#include "hc/card/t0_channel.hpp"
#include "hc/pcsc.hpp"

#include <boost/json.hpp>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

namespace hc::tool {

namespace h = hc::card::health;
namespace json = boost::json;

HealthOptions parseHealthOptions(std::vector<std::string>& args) {
    HealthOptions o;
    std::vector<std::string> rest;
    for (std::size_t i = 0; i < args.size(); ++i) {
        auto value = [&](const char* flag) {
            if (i + 1 >= args.size()) {
                throw hc::InputError(std::string(flag) + " needs a value");
            }
            return args[++i];
        };
        if (args[i] == "--keys") {
            o.keysFile = value("--keys");
        } else if (args[i] == "--sam") {
            o.samReader = value("--sam");
        } else if (args[i] == "--sam-pin") {
            o.samPin = value("--sam-pin");
        } else if (args[i] == "--profile") {
            o.profileFile = value("--profile");
        } else if (args[i] == "--per-record") {
            o.perRecord = true;
        } else {
            rest.push_back(args[i]);
        }
    }
    args = std::move(rest);
    if (o.keysFile.empty() && o.samReader.empty()) {
        if (const char* k = std::getenv("HC_HEALTH_KEYS")) {
            o.keysFile = k;
        }
    }
    if (o.samPin.empty()) {
        const char* p = std::getenv("HC_SAM_PIN");
        o.samPin = p ? p : "123456";
    }
    return o;
}

h::CardProfile loadProfile(const HealthOptions& o) {
    h::CardProfile p = h::CardProfile::ws543_2017();
    if (!o.profileFile.empty()) {
        std::ifstream in(o.profileFile);
        if (!in) {
            throw hc::Error(
                "cannot read the card profile " + o.profileFile, hc::NextStep::CheckConfiguration);
        }
        std::stringstream ss;
        ss << in.rdbuf();
        p = h::CardProfile::fromJson(ss.str());
    }
    if (o.perRecord) {
        p.bulkRead = false;
    }
    return p;
}

OpenedSam openSam(const HealthOptions& o) {
    OpenedSam s;
    if (!o.samReader.empty()) {
        s.channel = std::make_unique<hc::card::T0Channel>(
            std::make_unique<hc::pcsc::PcscCard>(resolveReader(o.samReader)));
        auto sam = std::make_unique<h::SamCard>(*s.channel);
        const auto r = sam->verifyPin(hc::Bytes(o.samPin.begin(), o.samPin.end()));
        if (r.status != h::PinStatus::Ok) {
            throw hc::Error("SAM PIN: " + r.describe(), hc::NextStep::CallStaff);
        }
        s.module = std::move(sam);
    } else if (!o.keysFile.empty()) {
        std::ifstream in(o.keysFile);
        if (!in) {
            throw hc::Error(
                "cannot read the key file " + o.keysFile, hc::NextStep::CheckConfiguration);
        }
        std::stringstream ss;
        ss << in.rdbuf();
        s.module = h::SoftwareSam::fromJson(ss.str());
    }
    return s;
}

namespace {
json::object codeName(const std::string& code, std::string_view name) {
    return { { "code", code }, { "name", std::string(name) } };
}
} // namespace

json::object strategyJson(const h::StrategyReport& r) {
    auto fact = [](const h::Fact& f) {
        return json::object { { "value", std::string(h::knownName(f.value)) }, { "why", f.why } };
    };
    const auto& s = r.strategy;
    return { { "kind", r.kind }, { "from_cache", r.fromCache }, { "failed_probes", r.failedProbes },
        { "sfi", fact(s.sfi) }, { "bulk", fact(s.bulk) }, { "record_ids", fact(s.recordIds) },
        { "df_by_name", fact(s.dfByName) }, { "pin_local", fact(s.pinLocal) },
        { "extended_length", r.extendedLength }, { "extended_why", r.extendedWhy },
        { "wrong_le", r.wrongLe }, { "get_responses", r.getResponses },
        { "text", h::describe(r) } };
}

json::object identityJson(const h::Identity& id) {
    const auto& c = id.card;
    const auto& p = id.holder;
    json::object card { { "card_type", c.cardType }, { "spec_version", c.specVersion },
        { "issuer_name", c.issuerName }, { "issuer_code", c.issuerCode },
        { "issuer_certificate", hc::toHex(c.issuerCertificate) }, { "issue_date", c.issueDate },
        { "card_number", c.cardNumber }, { "security_code", c.securityCode },
        { "chip_serial", c.chipSerial }, { "city_code", c.cityCode } };
    json::object holder { { "name", p.name },
        { "sex", codeName(std::to_string(static_cast<int>(p.sex)), h::sexName(p.sex)) },
        { "ethnicity", codeName(std::to_string(p.ethnicity), h::ethnicGroupName(p.ethnicity)) },
        { "birth_date", p.birthDate }, { "id_number", p.idNumber } };
    return { { "card", card }, { "holder", holder } };
}

json::object allJson(const h::HealthCardData& d) {
    json::object o = identityJson(d.identity);
    json::array pay;
    for (const auto& m : d.validity.paymentMethods) {
        pay.push_back(json::string(m));
    }
    o["validity"]
        = json::object { { "expiry_date", d.validity.expiryDate }, { "phone1", d.validity.phone1 },
              { "phone2", d.validity.phone2 }, { "payment_methods", pay } };
    json::array addr;
    for (const auto& a : d.addresses.entries) {
        addr.push_back(json::object { { "type", a.type }, { "address", a.text } });
    }
    o["addresses"] = addr;
    json::array contacts;
    for (const auto& c : d.contacts.entries) {
        contacts.push_back(
            json::object { { "name", c.name }, { "relation", c.relation }, { "phone", c.phone } });
    }
    o["contacts"] = contacts;
    o["social"] = json::object { { "education", d.social.education },
        { "marital_status", d.social.maritalStatus }, { "occupation", d.social.occupation } };
    o["documents"] = json::object { { "type", d.documents.type }, { "number", d.documents.number },
        { "health_record_no", d.documents.healthRecordNo }, { "ncms_no", d.documents.ncmsNo } };
    json::object flags;
    for (std::size_t i = 0; i < 12; ++i) {
        flags[h::clinicalFlagNames()[i].substr(9)] = d.clinical.flags[i];
    }
    o["clinical"]
        = json::object { { "abo", d.clinical.abo }, { "rh", d.clinical.rh }, { "flags", flags },
              { "other_alert", d.clinical.otherAlert }, { "psychiatric", d.clinical.psychiatric } };
    json::array allergies;
    for (const auto& a : d.allergies) {
        allergies.push_back(
            json::object { { "substance", a.substance }, { "reaction", a.reaction } });
    }
    o["allergies"] = allergies;
    json::array imm;
    for (const auto& i : d.immunisations) {
        imm.push_back(json::object { { "vaccine", i.vaccine }, { "date", i.date } });
    }
    o["immunisations"] = imm;
    auto index = [](const h::VisitIndex& v) {
        json::array a;
        for (bool b : v.inUse) {
            a.push_back(b);
        }
        return a;
    };
    o["inpatient_index"] = index(d.inpatientIndex);
    o["outpatient_index"] = index(d.outpatientIndex);
    o["photo_bytes"] = d.photo.size();
    return o;
}

void printHealthText(const h::HealthCardData& d, bool all) {
    const auto& c = d.identity.card;
    const auto& p = d.identity.holder;
    auto line = [](const char* label, const std::string& v) { std::cout << label << v << "\n"; };
    line("卡号 card number:      ", c.cardNumber);
    line("发卡机构 issuer:        ", c.issuerName + " (" + c.issuerCode + ")");
    line("发卡时间 issued:        ", c.issueDate);
    line("城市代码 city:          ", c.cityCode);
    line("姓名 name:             ", p.name);
    line("性别 sex:              ", std::string(h::sexName(p.sex)));
    line("民族 ethnic group:     ", std::string(h::ethnicGroupName(p.ethnicity)));
    line("出生日期 birth date:    ", p.birthDate);
    line("身份证号 ID number:     ", p.idNumber);
    if (!all) {
        return;
    }
    line("有效期 expiry:          ", d.validity.expiryDate);
    line("电话 phones:            ",
        d.validity.phone1 + (d.validity.phone2.empty() ? "" : ", " + d.validity.phone2));
    for (const auto& a : d.addresses.entries) {
        if (!a.text.empty()) {
            line("地址 address:           ", a.text);
        }
    }
    for (const auto& ct : d.contacts.entries) {
        if (!ct.name.empty()) {
            line("联系人 contact:         ", ct.name + " " + ct.phone);
        }
    }
    line("健康档案号 record no.:  ", d.documents.healthRecordNo);
    line("新农合证号 NCMS no.:    ", d.documents.ncmsNo);
    line("ABO/Rh:                ", std::to_string(d.clinical.abo) + "/" + d.clinical.rh);
    std::string flags;
    for (std::size_t i = 0; i < 12; ++i) {
        if (d.clinical.flags[i]) {
            flags += (flags.empty() ? "" : ", ") + h::clinicalFlagNames()[i].substr(9);
        }
    }
    line("警示 alerts:            ",
        flags + (d.clinical.otherAlert.empty() ? "" : "; " + d.clinical.otherAlert));
    for (const auto& a : d.allergies) {
        line("过敏 allergy:           ", a.substance + ": " + a.reaction);
    }
    for (const auto& i : d.immunisations) {
        line("免疫 immunisation:      ", i.vaccine + " " + i.date);
    }
    auto used = [](const h::VisitIndex& v) {
        std::size_t n = 0;
        for (bool b : v.inUse) {
            n += b;
        }
        return std::to_string(n) + "/" + std::to_string(v.inUse.size());
    };
    line("住院记录 inpatient:     ", used(d.inpatientIndex));
    line("门诊记录 outpatient:    ", used(d.outpatientIndex));
}

} // namespace hc::tool
