#include "hc/card/health/validation.hpp"

#include "hc/card/health/codec.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace hc::card::health {

namespace {
bool allDigits(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}
int num(std::string_view s) {
    int v = 0;
    for (char c : s) {
        v = v * 10 + (c - '0');
    }
    return v;
}

constexpr std::array<std::string_view, 56> kEthnic = { "汉族", "蒙古族", "回族", "藏族", "维吾尔族",
    "苗族", "彝族", "壮族", "布依族", "朝鲜族", "满族", "侗族", "瑶族", "白族", "土家族", "哈尼族",
    "哈萨克族", "傣族", "黎族", "傈僳族", "佤族", "畲族", "高山族", "拉祜族", "水族", "东乡族",
    "纳西族", "景颇族", "柯尔克孜族", "土族", "达斡尔族", "仫佬族", "羌族", "布朗族", "撒拉族",
    "毛南族", "仡佬族", "锡伯族", "阿昌族", "普米族", "塔吉克族", "怒族", "乌孜别克族", "俄罗斯族",
    "鄂温克族", "德昂族", "保安族", "裕固族", "京族", "塔塔尔族", "独龙族", "鄂伦春族", "赫哲族",
    "门巴族", "珞巴族", "基诺族" };

struct Province {
    std::string_view code;
    std::string_view name;
};
constexpr std::array<Province, 34> kProvinces
    = { { { "11", "北京市" }, { "12", "天津市" }, { "13", "河北省" }, { "14", "山西省" },
        { "15", "内蒙古自治区" }, { "21", "辽宁省" }, { "22", "吉林省" }, { "23", "黑龙江省" },
        { "31", "上海市" }, { "32", "江苏省" }, { "33", "浙江省" }, { "34", "安徽省" },
        { "35", "福建省" }, { "36", "江西省" }, { "37", "山东省" }, { "41", "河南省" },
        { "42", "湖北省" }, { "43", "湖南省" }, { "44", "广东省" }, { "45", "广西壮族自治区" },
        { "46", "海南省" }, { "50", "重庆市" }, { "51", "四川省" }, { "52", "贵州省" },
        { "53", "云南省" }, { "54", "西藏自治区" }, { "61", "陕西省" }, { "62", "甘肃省" },
        { "63", "青海省" }, { "64", "宁夏回族自治区" }, { "65", "新疆维吾尔自治区" },
        { "71", "台湾省" }, { "81", "香港特别行政区" }, { "82", "澳门特别行政区" } } };
} // namespace

std::string_view sexName(Sex sex) {
    switch (sex) {
    case Sex::Unknown:
        return "未知的性别";
    case Sex::Male:
        return "男";
    case Sex::Female:
        return "女";
    case Sex::Unspecified:
        return "未说明的性别";
    }
    return "";
}

Sex checkSex(int code, std::string_view field) {
    if (code == 0 || code == 1 || code == 2 || code == 9) {
        return static_cast<Sex>(code);
    }
    throw ValidationError(
        std::string(field), "GB/T 2261.1", "code " + std::to_string(code) + " is not 0, 1, 2 or 9");
}

std::string_view ethnicGroupName(int code) {
    if (code >= 1 && code <= 56) {
        return kEthnic[static_cast<std::size_t>(code - 1)];
    }
    if (code == 97) {
        return "其他";
    }
    if (code == 98) {
        return "外国血统中国籍人士";
    }
    return {};
}

void checkEthnicGroup(int code, std::string_view field) {
    if (ethnicGroupName(code).empty()) {
        throw ValidationError(std::string(field), "GB 3304",
            "code " + std::to_string(code) + " is not one of 01..56, 97, 98");
    }
}

std::string_view provinceName(std::string_view code2) {
    for (const auto& p : kProvinces) {
        if (p.code == code2) {
            return p.name;
        }
    }
    return {};
}

void checkRegionCode(std::string_view code, std::string_view field, bool allowProvinceOnly) {
    const std::string f(field);
    if (!allDigits(code) || !(code.size() == 6 || (allowProvinceOnly && code.size() == 2))) {
        throw ValidationError(
            f, "GB/T 2260", std::to_string(code.size()) + " characters, not a 6-digit region code");
    }
    if (provinceName(code.substr(0, 2)).empty()) {
        throw ValidationError(
            f, "GB/T 2260", "province code " + std::string(code.substr(0, 2)) + " does not exist");
    }
    if (code.size() == 6) {
        // City 00 is only allowed together with county 00 (the province itself); 71/81/82 have
        // no subdivisions in the table.
        const auto city = code.substr(2, 2);
        const auto county = code.substr(4, 2);
        if (city == "00" && county != "00") {
            throw ValidationError(
                f, "GB/T 2260", "county part " + std::string(county) + " under city part 00");
        }
    }
}

void checkDate(std::string_view d, std::string_view field) {
    const std::string f(field);
    if (d.size() != 8 || !allDigits(d)) {
        throw ValidationError(f, "date", "not 8 digits YYYYMMDD");
    }
    const int y = num(d.substr(0, 4));
    const int m = num(d.substr(4, 2));
    const int day = num(d.substr(6, 2));
    static constexpr int kDays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (y < 1900 || y > 2099 || m < 1 || m > 12) {
        throw ValidationError(f, "date", "no such year or month");
    }
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    const int maxDay = kDays[m - 1] + ((m == 2 && leap) ? 1 : 0);
    if (day < 1 || day > maxDay) {
        throw ValidationError(f, "date", "no such day in that month");
    }
}

char citizenIdCheckCharacter(std::string_view first17) {
    static constexpr int kWeights[17] = { 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2 };
    int sum = 0;
    for (std::size_t i = 0; i < 17 && i < first17.size(); ++i) {
        sum += (first17[i] - '0') * kWeights[i];
    }
    return "10X98765432"[sum % 11];
}

void checkCitizenId(std::string_view id, std::string_view field) {
    const std::string f(field);
    if (id.size() != 18) {
        throw ValidationError(
            f, "GB 11643 length", std::to_string(id.size()) + " characters, 18 expected");
    }
    if (!allDigits(id.substr(0, 17))
        || !(std::isdigit(static_cast<unsigned char>(id[17])) || id[17] == 'X')) {
        throw ValidationError(f, "GB 11643 characters", "17 digits and a digit or X expected");
    }
    try {
        checkRegionCode(id.substr(0, 6), f);
    } catch (const ValidationError& e) {
        throw ValidationError(f, "GB 11643 region (GB/T 2260)", e.what());
    }
    try {
        checkDate(id.substr(6, 8), f);
    } catch (const ValidationError&) {
        throw ValidationError(
            f, "GB 11643 birth date", "the birth date in the ID is not a real date");
    }
    const char want = citizenIdCheckCharacter(id.substr(0, 17));
    if (id[17] != want) {
        throw ValidationError(f, "GB 11643 check digit",
            std::string("is ") + id[17] + ", the first 17 digits give " + want);
    }
}

void checkCitizenIdAgainstHolder(std::string_view id, std::string_view birthDate,
    std::optional<Sex> sex, std::string_view field) {
    checkCitizenId(id, field);
    const std::string f(field);
    if (id.substr(6, 8) != birthDate) {
        throw ValidationError(f, "GB 11643 birth date consistent with the holder's",
            "the birth date in the ID differs from the holder's");
    }
    if (sex && (*sex == Sex::Male || *sex == Sex::Female)) {
        const bool odd = ((id[16] - '0') % 2) == 1;
        if (odd != (*sex == Sex::Male)) {
            throw ValidationError(f, "GB 11643 sequence parity consistent with the holder's sex",
                std::string("the ID's sequence digit is ") + (odd ? "odd (male)" : "even (female)")
                    + ", the holder is " + std::string(sexName(*sex)));
        }
    }
}

} // namespace hc::card::health
