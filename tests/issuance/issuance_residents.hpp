// Test data for the issuance tests: residents generated deterministically with valid GB 11643 ID
// numbers, names with rarer GBK characters (喆, 堃, 赟, 犇, 淼) and minority ethnic groups.
#pragma once

#include "hc/card/health/validation.hpp"
#include "hc/issuance/resident.hpp"

#include <string>
#include <vector>

namespace hc::issuance::testing {

/** The `i`-th test resident (0-based); the same i always gives the same resident. */
inline ResidentRecord testResident(std::size_t i) {
    static const char* family[]
        = { "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "欧阳", "司马" };
    static const char* given[]
        = { "喆", "堃", "赟", "犇", "淼", "鑫", "晓明", "丽娟", "志强", "秀英", "建国", "玥" };
    static const int ethnic[] = { 1, 2, 3, 5, 4, 6, 9, 1, 11, 1, 22, 56 };
    static const char* regions[] = { "110105", "310104", "440305", "650102", "530102" };
    ResidentRecord r;
    const int year = 1950 + static_cast<int>(i % 60);
    const int month = 1 + static_cast<int>((i / 3) % 12);
    const int day = 1 + static_cast<int>((i * 7) % 28);
    char date[16];
    std::snprintf(date, sizeof date, "%04d%02d%02d", year, month, day);
    r.birthDate = date;
    r.sex = (i % 2 == 0) ? 1 : 2;
    // Sequence: 3 digits, the last one's parity is the sex (odd male).
    int seq = static_cast<int>((i / 5) % 50) * 2 + (r.sex == 1 ? 1 : 0) + 100;
    char seqText[8];
    std::snprintf(seqText, sizeof seqText, "%03d", seq % 1000);
    const std::string first17 = std::string(regions[i % 5]) + date + seqText;
    r.idNumber = first17 + hc::card::health::citizenIdCheckCharacter(first17);
    r.name = std::string(family[i % 12]) + given[(i / 12 + i) % 12];
    r.ethnicity = ethnic[i % 12];
    r.phone = "138" + std::to_string(10000000 + i);
    r.address = "测试市测试区幸福路" + std::to_string(i + 1) + "号";
    return r;
}

/** `n` distinct residents. */
inline std::vector<ResidentRecord> testResidents(std::size_t n, std::size_t first = 0) {
    std::vector<ResidentRecord> out;
    for (std::size_t i = first; i < first + n; ++i) {
        out.push_back(testResident(i));
    }
    return out;
}

/** A CSV line of a resident, in the column order of residentColumns(). */
inline std::string csvLine(const ResidentRecord& r) {
    return r.idNumber + "," + r.name + "," + std::to_string(r.sex) + ","
        + (r.ethnicity < 10 ? "0" : "") + std::to_string(r.ethnicity) + "," + r.birthDate + ","
        + r.phone + "," + r.address + "\n";
}

/** The header line. */
inline const char* csvHeader() {
    return "id_number,name,sex,ethnicity,birth_date,phone,address\n";
}

} // namespace hc::issuance::testing
