#include "hc/settle/code_table.hpp"

#include "hc/settle/error.hpp"
#include "hc/settle/json_in.hpp"

#include <fstream>
#include <sstream>

namespace hc::settle {

namespace json = boost::json;

CodeTable CodeTable::builtin() {
    CodeTable t;
    // National dictionaries (医疗类别, 险种类型, 个人结算方式, 就诊凭证类型): code → code, plus
    // our aliases.
    t.m_dicts["med_type"] = { { "11", "11" }, { "12", "12" }, { "13", "13" }, { "14", "14" },
        { "21", "21" }, { "41", "41" }, { "outpatient", "11" }, { "registration", "12" },
        { "emergency", "13" }, { "chronic", "14" }, { "inpatient", "21" }, { "pharmacy", "41" } };
    t.m_dicts["insutype"] = { { "310", "310" }, { "320", "320" }, { "330", "330" },
        { "390", "390" }, { "392", "392" }, { "employee", "310" }, { "resident", "390" } };
    t.m_dicts["psn_setlway"]
        = { { "01", "01" }, { "02", "02" }, { "by_item", "01" }, { "quota", "02" } };
    t.m_dicts["mdtrt_cert_type"] = { { "01", "01" }, { "02", "02" }, { "03", "03" },
        { "e_voucher", "01" }, { "id_card", "02" }, { "ss_card", "03" } };
    t.m_sections["defaults"] = { { "psn_setlway", "01" }, { "mdtrt_cert_type", "02" } };
    t.m_sections["visit"] = { { "atddr_no", "D000000000001" }, { "dr_name", "self-service" },
        { "dept_code", "A01" }, { "dept_name", "general" }, { "caty", "A01" } };
    t.m_sections["fee"] = { { "bilg_dept_codg", "A01" }, { "bilg_dept_name", "general" },
        { "bilg_dr_codg", "D000000000001" }, { "bilg_dr_name", "self-service" } };
    return t;
}

CodeTable CodeTable::fromJson(const json::value& value) {
    auto t = builtin();
    const JsonIn in(value, "code_table");
    for (const char* dict : { "med_type", "insutype", "psn_setlway", "mdtrt_cert_type" }) {
        if (const auto d = in.objectOpt(dict)) {
            for (const auto& [alias, code] : d->raw()) {
                const std::string key(alias);
                const auto c = d->str(key, 6);
                t.m_dicts[dict][key] = c;
                t.m_dicts[dict][c] = c;
            }
        }
    }
    for (const char* section : { "defaults", "visit", "fee" }) {
        if (const auto d = in.objectOpt(section)) {
            for (const auto& [name, v] : d->raw()) {
                (void)v;
                const std::string key(name);
                t.m_sections[section][key] = d->str(key, 100);
            }
        }
    }
    for (const auto& [dict, code] : t.m_sections["defaults"]) {
        (void)t.code(dict, code, "code_table.defaults." + dict);
    }
    return t;
}

CodeTable CodeTable::load(const std::filesystem::path& file) {
    std::ifstream f(file, std::ios::binary);
    if (!f) {
        throw InputError(file.string(), "cannot open the code table");
    }
    std::stringstream ss;
    ss << f.rdbuf();
    try {
        return fromJson(parseJsonText(ss.str(), file.string()));
    } catch (const InputError& e) {
        throw InputError(file.string() + ":" + e.field(), e.what());
    }
}

std::string CodeTable::code(
    const std::string& dict, const std::string& value, const std::string& field) const {
    const auto d = m_dicts.find(dict);
    if (d != m_dicts.end()) {
        const auto it = d->second.find(value);
        if (it != d->second.end()) {
            return it->second;
        }
    }
    std::string accepted;
    if (d != m_dicts.end()) {
        for (const auto& [alias, c] : d->second) {
            accepted += (accepted.empty() ? "" : ", ") + alias;
        }
    }
    throw InputError(
        field, "'" + value + "' is not a " + dict + " of the code table (" + accepted + ")");
}

std::string CodeTable::alias(const std::string& dict, const std::string& code) const {
    const auto d = m_dicts.find(dict);
    if (d != m_dicts.end()) {
        for (const auto& [alias, c] : d->second) {
            if (c == code && alias != code) {
                return alias;
            }
        }
    }
    return code;
}

std::string CodeTable::defaultCode(const std::string& dict) const {
    return field("defaults", dict);
}

std::string CodeTable::field(const std::string& section, const std::string& name) const {
    const auto s = m_sections.find(section);
    if (s != m_sections.end()) {
        const auto it = s->second.find(name);
        if (it != s->second.end()) {
            return it->second;
        }
    }
    throw InputError("code_table." + section + "." + name, "missing");
}

} // namespace hc::settle
