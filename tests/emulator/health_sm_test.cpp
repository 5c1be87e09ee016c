// The emulated health card checks secure messaging as a real COS does: every update its access
// rules mark "+sm" must carry a MAC the card verifies with the DF's transmission key and its last
// challenge. A wrong MAC is 6988, a missing one 6987, a replayed one meets no challenge (6984) or
// another challenge (6988); nothing is written and nothing is saved when the MAC fails.
#include "emu_test_util.hpp"
#include "hc/card/error.hpp"
#include "hc/card/health/crypto.hpp"
#include "hc/emu/profile.hpp"

#include <boost/json.hpp>
#include <cstring>

using namespace hc;
using namespace hc::emu;
using emutest::Rsp;
using emutest::TestCard;
namespace h = hc::card::health;

namespace {

/** resident-zhang-zhe.json with its profiles (health-card, epurse) installed. */
class HealthTestCard : public TestCard {
public:
    HealthTestCard()
        : TestCard("resident-zhang-zhe.json") {
        installProfiles(os);
        os.powerOn();
    }

    Bytes cardKey(std::uint16_t dfFid, std::uint8_t id) {
        FileNode* df = dfFid == 0xDDF1 ? &file(0xDDF1) : file(0xDDF1).child(dfFid);
        REQUIRE(df);
        for (const auto& k : df->keys) {
            if (k.id == id) {
                return k.value;
            }
        }
        FAIL("no key");
        return {};
    }
    Bytes transportKey(const char* df) {
        const auto& hcExt = os.image().extensions.at("health-card").as_object();
        const auto& tk = hcExt.at("transport_keys").as_object().at(df);
        return fromHex(std::string(tk.as_string()));
    }
    Bytes challenge() {
        const auto r = tx("0084000008");
        REQUIRE(r.sw == "9000");
        return fromHex(r.data);
    }
    /** External authentication with an update key (two challenges, the first as plain). */
    void authenticateUpdateKey(std::uint16_t dfFid, std::uint8_t id) {
        const Bytes r1 = challenge();
        const Bytes r2 = challenge();
        const Bytes ks = h::diversify(cardKey(dfFid, id), r2);
        Bytes data = h::authCryptogram(ks, r1);
        data.insert(data.end(), r1.begin(), r1.end());
        data.push_back(0x01);
        std::string apdu = "008200";
        apdu += toHex(Bytes { id, 0x11 }) + toHex(data);
        REQUIRE(tx(apdu).sw == "9000");
    }
    /** 04 DC rec P2 Lc ENC || MAC4 for `tlv`, with the session key of a fresh challenge
     * (`corrupt` flips a bit of the MAC). */
    std::string smUpdate(
        const char* df, std::uint8_t rec, std::uint8_t p2, const Bytes& tlv, bool corrupt = false) {
        const Bytes ks = h::diversify(transportKey(df), challenge());
        Bytes lpTlv { static_cast<std::uint8_t>(tlv.size()) };
        lpTlv.insert(lpTlv.end(), tlv.begin(), tlv.end());
        const Bytes enc = h::sm4EcbEncrypt(ks, h::pad80(lpTlv));
        Bytes header { 0x04, 0xDC, rec, p2, static_cast<std::uint8_t>(enc.size() + 4) };
        header.insert(header.end(), enc.begin(), enc.end());
        Bytes mac = h::smMac4(ks, header);
        if (corrupt) {
            mac[3] ^= 0x01;
        }
        return toHex(header) + toHex(mac);
    }
    std::string record(std::uint16_t efFid, std::size_t n) {
        return toHex(file(0xDDF1).child(efFid)->records.at(n - 1));
    }
};

Bytes phoneTlv(const char* digits) {
    Bytes t(22, 0x00); // tag 10 (phone 1), AN 20
    t[0] = 0x10;
    t[1] = 0x14;
    std::copy(digits, digits + std::strlen(digits), t.begin() + 2);
    return t;
}

} // namespace

TEST_CASE("SM UPDATE RECORD: a good MAC writes and saves; a wrong MAC is 6988 and writes nothing") {
    HealthTestCard card;
    REQUIRE(card.tx("00A4000002DDF1").sw == "9000");
    card.authenticateUpdateKey(0xDDF1, 0x05);
    const std::string before = card.record(0xEF08, 2);

    const int saves = card.persists;
    CHECK(card.tx(card.smUpdate("DDF1", 2, 0x44, phoneTlv("13900000000"), true)).sw == "6988");
    CHECK(card.record(0xEF08, 2) == before);
    CHECK(card.persists == saves);

    CHECK(card.tx(card.smUpdate("DDF1", 2, 0x44, phoneTlv("13900000000"))).sw == "9000");
    CHECK(card.record(0xEF08, 2) == toHex(phoneTlv("13900000000")));
    CHECK(card.persists == saves + 1);
}

TEST_CASE("a replayed SM command is refused: no challenge (6984) or another challenge (6988)") {
    HealthTestCard card;
    REQUIRE(card.tx("00A4000002DDF1").sw == "9000");
    card.authenticateUpdateKey(0xDDF1, 0x05);
    const std::string first = card.smUpdate("DDF1", 2, 0x44, phoneTlv("13911111111"));
    REQUIRE(card.tx(first).sw == "9000");
    REQUIRE(card.tx(card.smUpdate("DDF1", 2, 0x44, phoneTlv("13922222222"))).sw == "9000");
    const std::string now = card.record(0xEF08, 2);
    const int saves = card.persists;

    CHECK(card.tx(first).sw == "6984"); // the challenge it was made with is used up
    (void)card.challenge();
    CHECK(card.tx(first).sw == "6988"); // under a new challenge its MAC is wrong
    CHECK(card.record(0xEF08, 2) == now);
    CHECK(card.persists == saves);
}

TEST_CASE("a missing MAC: plain UPDATE RECORD / WRITE RECORD of a +sm file is 6987") {
    HealthTestCard card;
    REQUIRE(card.tx("00A4000002DDF1").sw == "9000");
    const Bytes tlv = phoneTlv("13933333333");
    const std::string plain
        = "00DC0244" + toHex(Bytes { static_cast<std::uint8_t>(tlv.size()) }) + toHex(tlv);
    CHECK(card.tx(plain).sw == "6982"); // the update key first
    card.authenticateUpdateKey(0xDDF1, 0x05);
    const std::string before = card.record(0xEF08, 2);
    const int saves = card.persists;
    CHECK(card.tx(plain).sw == "6987");
    CHECK(card.record(0xEF08, 2) == before);

    // The DF03 index flags: WRITE RECORD only with its MAC.
    REQUIRE(card.tx("00A4000002DF03").sw == "9000");
    card.authenticateUpdateKey(0xDF03, 0x85);
    const std::string flag = toHex(card.file(0xDDF1).child(0xDF03)->child(0xEF05)->records.at(1));
    CHECK(card.tx("00D2022C").sw == "6987");
    CHECK(card.tx("00DC022C0100").sw == "6987");
    // 84 D2 with a wrong MAC.
    CHECK(card.tx("84D2022C04" + toHex(Bytes { 1, 2, 3, 4 })).sw == "6984"); // no challenge
    (void)card.challenge();
    CHECK(card.tx("84D2022C04" + toHex(Bytes { 1, 2, 3, 4 })).sw == "6988");
    CHECK(toHex(card.file(0xDDF1).child(0xDF03)->child(0xEF05)->records.at(1)) == flag);
    CHECK(card.persists == saves);

    // The right MAC sets the flag.
    const Bytes ks = h::diversify(card.transportKey("DF03"), card.challenge());
    const Bytes mac = h::smMac4(ks, Bytes { 0x84, 0xD2, 0x02, 0x2C, 0x04 });
    CHECK(card.tx("84D2022C04" + toHex(mac)).sw == "9000");
    CHECK(toHex(card.file(0xDDF1).child(0xDF03)->child(0xEF05)->records.at(1)) == "00");
}

TEST_CASE("the ISO layer: +sm rules refuse plain updates (6987), SM it cannot verify is 6882") {
    const char* image = R"({"format":"hcemu-image/1","atr":"3B021400","mf":{"fid":"3F00",
        "type":"df","children":[{"fid":"0001","type":"transparent","size":4,
        "update":"always+sm"},{"fid":"0002","type":"transparent","size":4}]}})";
    CardOs os(parseCardImage(image));
    os.powerOn();
    auto tx = [&](const char* hex) { return os.processRaw(fromHex(hex)); };
    CHECK(toHex(tx("00A40000020001")) == "9000");
    CHECK(toHex(tx("00D6000001AA")) == "6987");
    CHECK(toHex(tx("0CD6000001AA")) == "6882");
    CHECK(toHex(tx("0CA40000020002")) == "6882"); // not processed as a plain SELECT any more
    CHECK(toHex(tx("00A40000020002")) == "9000");
    CHECK(toHex(tx("00D6000001AA")) == "9000");
    // The rule survives a save.
    const auto again = parseCardImage(serializeCardImage(os.image()));
    CHECK(again.mf->child(0x0001)->update.secureMessaging);
    CHECK(again.mf->child(0x0001)->update.toString() == "always+sm");
    CHECK(AccessRule::parse("key:85+sm").keyId == 0x85);
    CHECK_THROWS_AS(AccessRule::parse("key:85+mac"), hc::InputError);
}

TEST_CASE("extensions.health-card: a member of the wrong type is refused naming it; null is "
          "absent") {
    // What an operator gets for a bad card image: the field's path in the error, not a card
    // that silently lacks its transport keys, its bad-MAC status word or its SM rules.
    auto installWith = [](const char* member, boost::json::value v) {
        auto img = emutest::loadSample("resident-zhang-zhe.json");
        if (std::strlen(member) == 0) {
            img.extensions["health-card"] = std::move(v);
        } else {
            img.extensions["health-card"].as_object()[member] = std::move(v);
        }
        CardOs os(std::move(img));
        installProfiles(os);
    };
    auto refusal = [&](const char* member, boost::json::value v) {
        try {
            installWith(member, std::move(v));
        } catch (const hc::InputError& e) {
            return std::string(e.what());
        }
        return std::string("(installed)");
    };
    CHECK(refusal("", "DDF1") == "extensions.health-card: expected an object");
    CHECK(refusal("transport_keys", boost::json::array {})
        == "extensions.health-card.transport_keys: expected an object");
    CHECK(refusal("transport_keys", boost::json::object { { "DDF1", 7 } })
        == "extensions.health-card.transport_keys.DDF1: expected hex text (the DF's card key)");
    CHECK(refusal("transport_keys", boost::json::object { { "DDF1", "0G" } })
              .starts_with("extensions.health-card.transport_keys.DDF1: "));
    CHECK(refusal("bad_mac_sw", 0x9302) == "extensions.health-card.bad_mac_sw: expected a string");
    CHECK(refusal("bad_mac_sw", "93")
        == "extensions.health-card.bad_mac_sw: a status word is 4 hex digits (\"9302\")");
    CHECK(refusal("sm_files", "DDF1/EF06")
        == "extensions.health-card.sm_files: expected an array of strings");
    CHECK(refusal("sm_files", boost::json::array { "DDF1/EF06", 6 })
        == "extensions.health-card.sm_files[1]: expected a string");
    // null is absent: the defaults, as for a missing member.
    CHECK(refusal("", nullptr) == "(installed)");
    CHECK(refusal("bad_mac_sw", nullptr) == "(installed)");
    CHECK(refusal("sm_files", nullptr) == "(installed)");
    CHECK(refusal("bad_mac_sw", "9302") == "(installed)");
}
