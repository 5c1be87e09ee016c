// The national dictionary codes settlementd sends (med_type, insutype, psn_setlway,
// mdtrt_cert_type) and the fixed fields of a visit and a fee line (doctor, department), from a
// configurable code table (JSON) over built-in defaults.
//
// Terminals may name a value by the national code ("21") or by an alias of the table
// ("inpatient"); code() gives the code to send, alias() the first alias of a code (the rule
// tables' med_type key). File format (every part optional; settlement/code-table.json):
//   {"med_type": {"outpatient": "11", "inpatient": "21", ...},
//    "insutype": {...}, "psn_setlway": {...}, "mdtrt_cert_type": {...},
//    "defaults": {"psn_setlway": "01", "mdtrt_cert_type": "02"},
//    "visit": {"atddr_no": "...", "dr_name": "...", "dept_code": "...", "dept_name": "...",
//              "caty": "..."},
//    "fee":   {"bilg_dept_codg": "...", "bilg_dept_name": "...", "bilg_dr_codg": "...",
//              "bilg_dr_name": "..."}}
// Thread-safety: immutable after loading.
#pragma once

#include <boost/json/value.hpp>
#include <filesystem>
#include <map>
#include <string>

namespace hc::settle {

/** Dictionaries and fixed fields. */
class CodeTable {
public:
    /** The national codes with our aliases; doctor and department placeholders. */
    static CodeTable builtin();
    /** Built-in values overridden by the JSON file; throws InputError naming the field. */
    static CodeTable load(const std::filesystem::path& file);
    /** Built-in values overridden by parsed JSON. */
    static CodeTable fromJson(const boost::json::value& json);

    /** The code of `value` in dictionary `dict` (a code of the dictionary, or an alias);
     *  throws InputError(`field`) naming the accepted values. */
    std::string code(
        const std::string& dict, const std::string& value, const std::string& field) const;
    /** The first alias of `code` in `dict` (alphabetical), or the code itself if it has none. */
    std::string alias(const std::string& dict, const std::string& code) const;
    /** The default code of `dict` (psn_setlway, mdtrt_cert_type). */
    std::string defaultCode(const std::string& dict) const;
    /** A fixed field of the visit (2201) or fee line (2204) section. */
    std::string field(const std::string& section, const std::string& name) const;

private:
    std::map<std::string, std::map<std::string, std::string>> m_dicts; // dict → alias → code
    std::map<std::string, std::map<std::string, std::string>> m_sections; // section → fields
};

} // namespace hc::settle
