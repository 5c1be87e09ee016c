// The typed data model of the health card's data sets (WS 537), with text already decoded to
// UTF-8 and digits to strings. Dates are "YYYYMMDD" strings, exactly as stored (CN 4). Codes stay
// codes; validation.hpp names them. Plain values, any thread.
#pragma once

#include "hc/card/bytes.hpp"
#include "hc/card/health/profile.hpp"
#include "hc/card/health/validation.hpp"

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hc::card::health {

/** Raw element values of one or more TLV files, by tag. */
using ElementValues = std::map<std::uint8_t, Bytes>;

/** DDF1/EF05: card identification (tags 01-06, 08-0A, 39). */
struct CardIdentification {
    std::string cardType; ///< 01 卡的类别
    std::string specVersion; ///< 02 规范版本
    std::string issuerName; ///< 03 发卡机构名称
    std::string issuerCode; ///< 04 发卡机构代码 (11 digits)
    Bytes issuerCertificate; ///< 05 发卡机构证书 (180 bytes)
    std::string issueDate; ///< 06 发卡时间 YYYYMMDD
    std::string cardNumber; ///< 08 卡号
    std::string securityCode; ///< 09 安全码
    std::string chipSerial; ///< 0A 芯片序列号
    std::string cityCode; ///< 39 应用城市代码 (GB/T 2260, 6 digits)
};

/** DDF1/EF06: the holder (tags 0B-0F). */
struct Holder {
    std::string name; ///< 0B 姓名
    Sex sex = Sex::Unknown; ///< 0C 性别 (GB/T 2261.1)
    int ethnicity = 0; ///< 0D 民族 (GB 3304)
    std::string birthDate; ///< 0E 出生日期 YYYYMMDD
    std::string idNumber; ///< 0F 居民身份证号 (GB 11643)
};

/** readIdentity(): card identification and holder. */
struct Identity {
    CardIdentification card; ///< DDF1/EF05
    Holder holder; ///< DDF1/EF06
};

/** DDF1/EF08: validity, phones, payment methods (tags 07, 10-14). */
struct Validity {
    std::string expiryDate; ///< 07 卡有效期 YYYYMMDD
    std::string phone1; ///< 10 本人电话1
    std::string phone2; ///< 11 本人电话2
    std::array<std::string, 3> paymentMethods; ///< 12-14 医疗费用支付方式 (codes, "" when unset)
};

/** One address (DF01/EF05). */
struct Address {
    std::string type; ///< 地址类别 code
    std::string text; ///< 地址
};

/** DF01/EF05: two addresses (tags 15-18). */
struct Addresses {
    std::array<Address, 2> entries; ///< address 1 and 2
};

/** One emergency contact (DF01/EF06). */
struct Contact {
    std::string name; ///< 联系人姓名
    std::string relation; ///< 关系代码
    std::string phone; ///< 电话
};

/** DF01/EF06: three contacts (tags 19-21). */
struct Contacts {
    std::array<Contact, 3> entries; ///< contacts 1..3
};

/** DF01/EF07: education, marriage, occupation (tags 22-24). */
struct SocialData {
    std::string education; ///< 文化程度 (GB/T 4658)
    std::string maritalStatus; ///< 婚姻状况 (GB/T 2261.2)
    std::string occupation; ///< 职业 (GB/T 6565)
};

/** DF01/EF08: documents (tags 25-28). */
struct Documents {
    std::string type; ///< 证件类别
    std::string number; ///< 证件号码
    std::string healthRecordNo; ///< 健康档案号
    std::string ncmsNo; ///< 新农合证号
};

/** DF02/EF05 and EF06: clinical data (tags 29-38). */
struct ClinicalData {
    int abo = 0; ///< 29 ABO blood group code
    std::string rh; ///< 2A Rh code
    std::array<bool, 12> flags {}; ///< 2B-36, in the order of clinicalFlagNames()
    std::string otherAlert; ///< 37 other medical alert
    bool psychiatric = false; ///< 38 psychiatric flag (DF02/EF06)
};

/** The element keys of the 12 alert flags ("clinical.asthma", ...), in tag order. */
const std::array<std::string, 12>& clinicalFlagNames();

/** One allergy (DF02/EF07, cyclic, newest first). */
struct Allergy {
    std::string substance; ///< 过敏物质 (AN 20)
    std::string reaction; ///< 过敏反应 (AN 100)
};

/** One immunisation (DF02/EF08, cyclic, newest first). */
struct Immunisation {
    std::string vaccine; ///< 免疫接种名称 (AN 20)
    std::string date; ///< 接种日期 YYYYMMDD (CN 4)
};

/** DF03/EF05 or EF06: which visit slots are in use. */
struct VisitIndex {
    std::vector<bool> inUse; ///< slot i (0-based) holds a record
    /** First free slot (0-based), if any. */
    std::optional<std::size_t> firstFree() const;
};

/** Everything readAll() returns. Sets the card has no access to stay empty. */
struct HealthCardData {
    Identity identity; ///< DDF1/EF05 + EF06
    Validity validity; ///< DDF1/EF08
    Addresses addresses; ///< DF01/EF05
    Contacts contacts; ///< DF01/EF06
    SocialData social; ///< DF01/EF07
    Documents documents; ///< DF01/EF08
    ClinicalData clinical; ///< DF02/EF05 + EF06
    std::vector<Allergy> allergies; ///< DF02/EF07
    std::vector<Immunisation> immunisations; ///< DF02/EF08
    VisitIndex inpatientIndex; ///< DF03/EF05
    VisitIndex outpatientIndex; ///< DF03/EF06
    Bytes photo; ///< DDF1/EF07 (JPEG), empty when none
};

/** Decodes one element value to text: AN to UTF-8, CN to digits, B of 1 byte to its decimal
 * value, longer B to hex. Throws ValidationError naming the element. */
std::string decodeElement(const ElementSpec& spec, ByteView value);
/** The inverse: text to the stored value of exactly spec.length bytes. Throws ValidationError. */
Bytes encodeElement(const ElementSpec& spec, std::string_view text);

/** Builds the typed sets from element values (missing tags stay empty). Throw ValidationError
 * when a value does not decode. */
CardIdentification cardIdentificationFrom(const ElementValues& v, const CardProfile& p);
/** Holder from element values. */
Holder holderFrom(const ElementValues& v, const CardProfile& p);
/** Validity from element values. */
Validity validityFrom(const ElementValues& v, const CardProfile& p);
/** Addresses from element values. */
Addresses addressesFrom(const ElementValues& v, const CardProfile& p);
/** Contacts from element values. */
Contacts contactsFrom(const ElementValues& v, const CardProfile& p);
/** Social data from element values. */
SocialData socialFrom(const ElementValues& v, const CardProfile& p);
/** Documents from element values. */
Documents documentsFrom(const ElementValues& v, const CardProfile& p);
/** Clinical data from element values (DF02/EF05 and EF06). */
ClinicalData clinicalFrom(const ElementValues& v, const CardProfile& p);

/** An allergy from its 120-byte record; nullopt for a blank record. */
std::optional<Allergy> decodeAllergy(ByteView record);
/** The 120-byte record of an allergy. Throws ValidationError. */
Bytes encodeAllergy(const Allergy& a);
/** An immunisation from its 24-byte record; nullopt for a blank record. */
std::optional<Immunisation> decodeImmunisation(ByteView record);
/** The 24-byte record of an immunisation. Throws ValidationError. */
Bytes encodeImmunisation(const Immunisation& i);

/** Checks the holder: sex (GB/T 2261.1), ethnic group (GB 3304), birth date, citizen ID (GB
 * 11643, consistent with birth date and sex). Throws the first ValidationError. */
void validateHolder(const Holder& h);
/** Checks the identity: the holder, the city code (GB/T 2260), the issue date. */
void validateIdentity(const Identity& id);

/** "110101********1234"-style masking of an identifier for logs: keeps the first 6 and last 4
 * characters of IDs longer than 10, otherwise only the last 2. */
std::string maskIdentifier(std::string_view id);
/** "张*"-style masking of a name for logs: the first character only. */
std::string maskName(std::string_view utf8Name);

} // namespace hc::card::health
