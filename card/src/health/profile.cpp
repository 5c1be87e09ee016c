#include "hc/card/health/profile.hpp"

namespace hc::card::health {

namespace {
KeySlot key(std::uint8_t cardP2, std::uint8_t p1, std::uint8_t p2) {
    return { cardP2, p1, p2 };
}

void tlvFile(CardProfile& p, std::string name, std::uint16_t df, std::uint16_t fid,
    std::optional<KeySlot> rk, KeySlot uk, std::size_t records, bool sm = true) {
    FileSpec f;
    f.name = std::move(name);
    f.df = df;
    f.fid = fid;
    f.sfi = static_cast<std::uint8_t>(fid & 0x1F);
    f.kind = FileKind::TlvRecords;
    f.readKey = rk;
    f.updateKey = uk;
    f.secureMessaging = sm;
    f.records = records;
    p.files.push_back(std::move(f));
}

void otherFile(CardProfile& p, std::string name, std::uint16_t df, std::uint16_t fid, FileKind kind,
    KeySlot rk, KeySlot uk, std::size_t records, std::size_t size, std::uint8_t sfi) {
    FileSpec f;
    f.name = std::move(name);
    f.df = df;
    f.fid = fid;
    f.sfi = sfi;
    f.kind = kind;
    f.readKey = rk;
    f.updateKey = uk;
    f.records = records;
    f.size = size;
    p.files.push_back(std::move(f));
}
} // namespace

CardProfile CardProfile::ws543_2017() {
    CardProfile p;
    p.name = "ws543-2017";
    // DFs with their read key and transmission key (reference §4).
    p.dfs = {
        { "DDF1", 0xDDF1, 0x0000, key(0x04, 0x47, 0x31), key(0x00, 0x28, 0x02) },
        { "DF01", 0xDF01, 0xDDF1, key(0x84, 0x47, 0x32), key(0x00, 0x28, 0x03) },
        { "DF02", 0xDF02, 0xDDF1, key(0x84, 0x47, 0x33), key(0x00, 0x48, 0x04) },
        { "DF03", 0xDF03, 0xDDF1, key(0x84, 0x47, 0x34), key(0x00, 0x48, 0x05) },
    };
    const KeySlot rkDdf1 = p.dfs[0].readKey;
    const KeySlot rkDf01 = p.dfs[1].readKey;
    const KeySlot rkDf02 = p.dfs[2].readKey;
    const KeySlot rkDf03 = p.dfs[3].readKey;
    const KeySlot ukDdf1 = key(0x05, 0x27, 0x2A);
    const KeySlot ukDf01 = key(0x85, 0x27, 0x2B);
    const KeySlot uk1Df02 = key(0x85, 0x47, 0x2C);
    const KeySlot uk2Df02 = key(0x86, 0x47, 0x2D);
    const KeySlot uk3Df02 = key(0x87, 0x47, 0x2E);
    const KeySlot uk1Df03 = key(0x85, 0x47, 0x2F);

    tlvFile(p, "DDF1/EF05", 0xDDF1, 0xEF05, std::nullopt, ukDdf1, 10);
    p.files.back().readByIdentifier = true; // reference §2.1: 00 B2 <tag> 00 <2+len>
    tlvFile(p, "DDF1/EF06", 0xDDF1, 0xEF06, rkDdf1, ukDdf1, 5);
    otherFile(p, "DDF1/EF07", 0xDDF1, 0xEF07, FileKind::Binary, rkDdf1, ukDdf1, 0, 3072, 7);
    tlvFile(p, "DDF1/EF08", 0xDDF1, 0xEF08, rkDdf1, ukDdf1, 6);
    tlvFile(p, "DF01/EF05", 0xDF01, 0xEF05, rkDf01, ukDf01, 4);
    tlvFile(p, "DF01/EF06", 0xDF01, 0xEF06, rkDf01, ukDf01, 9);
    tlvFile(p, "DF01/EF07", 0xDF01, 0xEF07, rkDf01, ukDf01, 3);
    tlvFile(p, "DF01/EF08", 0xDF01, 0xEF08, rkDf01, ukDf01, 4);
    tlvFile(p, "DF02/EF05", 0xDF02, 0xEF05, rkDf02, uk1Df02, 15);
    tlvFile(p, "DF02/EF06", 0xDF02, 0xEF06, rkDf02, uk2Df02, 1);
    otherFile(p, "DF02/EF07", 0xDF02, 0xEF07, FileKind::CyclicRecords, rkDf02, uk3Df02, 3, 120, 7);
    otherFile(p, "DF02/EF08", 0xDF02, 0xEF08, FileKind::CyclicRecords, rkDf02, uk3Df02, 10, 24, 8);
    otherFile(p, "DF03/EF05", 0xDF03, 0xEF05, FileKind::IndexRecords, rkDf03, uk1Df03, 3, 1, 5);
    otherFile(p, "DF03/EF06", 0xDF03, 0xEF06, FileKind::IndexRecords, rkDf03, uk1Df03, 5, 1, 6);
    for (std::uint16_t i = 1; i <= 3; ++i) {
        otherFile(p, "DF03/EE0" + std::to_string(i), 0xDF03, static_cast<std::uint16_t>(0xEE00 + i),
            FileKind::VisitRecord, rkDf03, uk1Df03, 0, 1893, 0);
    }
    for (std::uint16_t i = 1; i <= 5; ++i) {
        otherFile(p, "DF03/ED0" + std::to_string(i), 0xDF03, static_cast<std::uint16_t>(0xED00 + i),
            FileKind::VisitRecord, rkDf03, uk1Df03, 0, 3267, 0);
    }

    using C = Coding;
    auto e = [&p](std::uint8_t tag, const char* k, const char* label, C c, std::size_t len,
                 const char* file, std::uint8_t rec) {
        p.elements.push_back({ tag, k, label, c, len, file, rec });
    };
    // DDF1/EF05: card identification.
    e(0x01, "card.card_type", "卡的类别", C::AN, 1, "DDF1/EF05", 1);
    e(0x02, "card.spec_version", "规范版本", C::AN, 4, "DDF1/EF05", 2);
    e(0x03, "card.issuer_name", "发卡机构名称", C::AN, 30, "DDF1/EF05", 3);
    e(0x04, "card.issuer_code", "发卡机构代码", C::CN, 11, "DDF1/EF05", 4);
    e(0x05, "card.issuer_certificate", "发卡机构证书", C::B, 180, "DDF1/EF05", 5);
    e(0x06, "card.issue_date", "发卡时间", C::CN, 4, "DDF1/EF05", 6);
    e(0x08, "card.card_number", "卡号", C::AN, 18, "DDF1/EF05", 7);
    e(0x09, "card.security_code", "安全码", C::AN, 3, "DDF1/EF05", 8);
    e(0x0A, "card.chip_serial", "芯片序列号", C::AN, 10, "DDF1/EF05", 9);
    e(0x39, "card.city_code", "应用城市代码", C::CN, 3, "DDF1/EF05", 10);
    // DDF1/EF06: holder.
    e(0x0B, "holder.name", "姓名", C::AN, 30, "DDF1/EF06", 1);
    e(0x0C, "holder.sex", "性别代码", C::B, 1, "DDF1/EF06", 2);
    e(0x0D, "holder.ethnicity", "民族代码", C::CN, 1, "DDF1/EF06", 3);
    e(0x0E, "holder.birth_date", "出生日期", C::CN, 4, "DDF1/EF06", 4);
    e(0x0F, "holder.id_number", "居民身份证号码", C::AN, 18, "DDF1/EF06", 5);
    // DDF1/EF08: validity, phones, payment methods.
    e(0x07, "validity.expiry_date", "卡有效期", C::CN, 4, "DDF1/EF08", 1);
    e(0x10, "validity.phone1", "本人电话1", C::AN, 20, "DDF1/EF08", 2);
    e(0x11, "validity.phone2", "本人电话2", C::AN, 20, "DDF1/EF08", 3);
    e(0x12, "validity.payment_method1", "医疗费用支付方式1", C::CN, 1, "DDF1/EF08", 4);
    e(0x13, "validity.payment_method2", "医疗费用支付方式2", C::CN, 1, "DDF1/EF08", 5);
    e(0x14, "validity.payment_method3", "医疗费用支付方式3", C::CN, 1, "DDF1/EF08", 6);
    // DF01/EF05: addresses.
    e(0x15, "address.type1", "地址类别1", C::CN, 1, "DF01/EF05", 1);
    e(0x16, "address.address1", "地址1", C::AN, 100, "DF01/EF05", 2);
    e(0x17, "address.type2", "地址类别2", C::CN, 1, "DF01/EF05", 3);
    e(0x18, "address.address2", "地址2", C::AN, 100, "DF01/EF05", 4);
    // DF01/EF06: contacts.
    e(0x19, "contact1.name", "联系人1姓名", C::AN, 30, "DF01/EF06", 1);
    e(0x1A, "contact1.relation", "联系人1关系代码", C::CN, 1, "DF01/EF06", 2);
    e(0x1B, "contact1.phone", "联系人1电话", C::AN, 20, "DF01/EF06", 3);
    e(0x1C, "contact2.name", "联系人2姓名", C::AN, 30, "DF01/EF06", 4);
    e(0x1D, "contact2.relation", "联系人2关系代码", C::CN, 1, "DF01/EF06", 5);
    e(0x1E, "contact2.phone", "联系人2电话", C::AN, 20, "DF01/EF06", 6);
    e(0x1F, "contact3.name", "联系人3姓名", C::AN, 30, "DF01/EF06", 7);
    e(0x20, "contact3.relation", "联系人3关系代码", C::CN, 1, "DF01/EF06", 8);
    e(0x21, "contact3.phone", "联系人3电话", C::AN, 20, "DF01/EF06", 9);
    // DF01/EF07: education, marriage, occupation.
    e(0x22, "social.education", "文化程度代码", C::CN, 1, "DF01/EF07", 1);
    e(0x23, "social.marital_status", "婚姻状况代码", C::CN, 1, "DF01/EF07", 2);
    e(0x24, "social.occupation", "职业代码", C::AN, 3, "DF01/EF07", 3);
    // DF01/EF08: documents.
    e(0x25, "documents.type", "证件类别", C::CN, 1, "DF01/EF08", 1);
    e(0x26, "documents.number", "证件号码", C::AN, 18, "DF01/EF08", 2);
    e(0x27, "documents.health_record_no", "健康档案编号", C::AN, 17, "DF01/EF08", 3);
    e(0x28, "documents.ncms_no", "新农合证(卡)号", C::AN, 18, "DF01/EF08", 4);
    // DF02/EF05: clinical data.
    e(0x29, "clinical.abo", "ABO血型代码", C::B, 1, "DF02/EF05", 1);
    e(0x2A, "clinical.rh", "Rh血型代码", C::CN, 1, "DF02/EF05", 2);
    static const char* const kFlags[12][2] = { { "clinical.asthma", "哮喘标志" },
        { "clinical.heart_disease", "心脏病标志" },
        { "clinical.cardio_cerebral", "心脑血管病标志" }, { "clinical.epilepsy", "癫痫病标志" },
        { "clinical.coagulation_disorder", "凝血紊乱标志" }, { "clinical.diabetes", "糖尿病标志" },
        { "clinical.glaucoma", "青光眼标志" }, { "clinical.dialysis", "透析标志" },
        { "clinical.organ_transplant", "器官移植标志" }, { "clinical.organ_loss", "器官缺失标志" },
        { "clinical.prosthesis", "可装卸义肢标志" }, { "clinical.pacemaker", "心脏起搏器标志" } };
    for (std::uint8_t i = 0; i < 12; ++i) {
        e(static_cast<std::uint8_t>(0x2B + i), kFlags[i][0], kFlags[i][1], C::B, 1, "DF02/EF05",
            static_cast<std::uint8_t>(3 + i));
    }
    e(0x37, "clinical.other_alert", "其他医学警示名称", C::AN, 40, "DF02/EF05", 15);
    // DF02/EF06.
    e(0x38, "clinical.psychiatric", "精神病标志", C::B, 1, "DF02/EF06", 1);
    return p;
}

const DfSpec* CardProfile::df(std::uint16_t fid) const {
    for (const auto& d : dfs) {
        if (d.fid == fid) {
            return &d;
        }
    }
    return nullptr;
}

const DfSpec* CardProfile::dfByName(const std::string& n) const {
    for (const auto& d : dfs) {
        if (d.name == n) {
            return &d;
        }
    }
    return nullptr;
}

const FileSpec* CardProfile::file(const std::string& n) const {
    for (const auto& f : files) {
        if (f.name == n) {
            return &f;
        }
    }
    return nullptr;
}

const ElementSpec* CardProfile::element(std::uint8_t tag) const {
    for (const auto& e : elements) {
        if (e.tag == tag) {
            return &e;
        }
    }
    return nullptr;
}

const ElementSpec* CardProfile::element(const std::string& k) const {
    for (const auto& e : elements) {
        if (e.key == k) {
            return &e;
        }
    }
    return nullptr;
}

std::vector<const ElementSpec*> CardProfile::elementsOf(const std::string& fileName) const {
    std::vector<const ElementSpec*> out;
    for (const auto& e : elements) {
        if (e.file == fileName) {
            out.push_back(&e);
        }
    }
    return out;
}

} // namespace hc::card::health
