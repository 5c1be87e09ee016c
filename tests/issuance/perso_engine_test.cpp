// The personalization engine against the blank-card profile in process (no pcscd): a blank card
// becomes a resident's health card that reads back like the sample image; the blank card OS's
// security (transport key, MACs, issued state) and tearing mid-personalization; block, unblock,
// issuer PIN reset; input errors before the first APDU.
#include "hc/card/health/crypto.hpp"
#include "hc/hsm/software_hsm.hpp"
#include "perso_test_util.hpp"

#include <doctest/doctest.h>

using namespace persotest;
using hc::perso::CardState;
using hc::perso::PersoError;
using hc::perso::Personalizer;
using hc::perso::PersoStage;
namespace h = hc::card::health;

namespace {

struct Fixture {
    Fixture() { importIssuerKeys(hsm); }
    hc::hsm::SoftwareHsm hsm { hc::hsm::SoftwareHsmOptions {} };
    Personalizer perso { hsm };
};

std::string sw(const hc::card::ResponseApdu& r) {
    return r.sw().hex();
}

/** Reads a card with the software SAM of resident-keys.json (independent of the HSM). */
h::HealthCardData readWithSoftwareSam(hc::card::CardChannel& ch) {
    auto sam = h::SoftwareSam::fromJson(
        hc::testing::readFile(hc::testing::sourcePath("firmware-tools/images/resident-keys.json")));
    h::HealthCard card(ch, h::CardProfile::ws543_2017(), sam.get());
    return card.readAll().value;
}

} // namespace

TEST_CASE("a blank card personalized with a sample resident reads back field by field") {
    Fixture f;
    for (const std::string image :
        { "resident-li-na.json", "resident-zhang-zhe.json", "resident-ayigul.json" }) {
        CAPTURE(image);
        const auto data = residentData(image);
        BlankCard card;
        CosChannel ch(card.os);
        CHECK(f.perso.probe(ch).state == CardState::Blank);
        const auto r = f.perso.personalize(ch, inputFor(data));
        CHECK(r.chipSerial == "A000000000000001");
        CHECK(r.pin.size() == 6);
        CHECK(r.puk.size() == 8);
        CHECK(r.stages.size() == 7);
        std::string stages;
        for (const auto& st : r.stages) {
            stages += " " + std::string(hc::perso::describe(st.stage)) + "="
                + std::to_string(st.apdus);
        }
        MESSAGE(image << ": " << r.apdus << " APDUs per card:" << stages);
        CHECK(f.perso.probe(ch).state == CardState::Issued);

        ch.reset();
        const auto back = readWithSoftwareSam(ch);
        const auto diff = Personalizer::compare(r.written, back);
        for (const auto& m : diff) {
            MESSAGE(m.field << ": expected " << m.expected << ", card " << m.actual);
        }
        CHECK(diff.empty());
        // The resident's own data equals the sample card's (only the chip serial and the visit
        // indexes, free on a new card, differ).
        auto expected = data;
        expected.identity.card.chipSerial = back.identity.card.chipSerial;
        expected.inpatientIndex = back.inpatientIndex;
        expected.outpatientIndex = back.outpatientIndex;
        CHECK(Personalizer::compare(expected, back).empty());
        CHECK(back.identity.holder.name == data.identity.holder.name);

        ch.reset();
        h::HealthCard holder(ch);
        CHECK(holder.verifyPin(r.pin).status == h::PinStatus::Ok);
    }
}

TEST_CASE("personalization commands are refused once the card is issued") {
    Fixture f;
    BlankCard card;
    CosChannel ch(card.os);
    (void)f.perso.personalize(ch, inputFor(residentData("resident-li-na.json")));
    ch.reset();
    using hc::card::CommandApdu;
    const Bytes fcp { 0x62, 0x07, 0x82, 0x01, 0x38, 0x83, 0x02, 0xDF, 0x09 };
    CHECK(sw(ch.transmit(CommandApdu(0x00, 0xE0, 0x00, 0x00, fcp, 0))) == "6985");
    CHECK(sw(ch.transmit(CommandApdu(0x84, 0xD4, 0x01, 0x04, Bytes(36, 0x11), 0))) == "6985");
    CHECK(sw(ch.transmit(CommandApdu(0x84, 0x44, 0x00, 0x00, Bytes(4, 0x00), 0))) != "9000");
    // The transport key no longer opens anything: key 00 is not a key of the issued card.
    (void)ch.transmit(CommandApdu(0x00, 0x84, 0x00, 0x00, {}, 8));
    CHECK(sw(ch.transmit(CommandApdu(0x00, 0x82, 0x00, 0x00, Bytes(17, 0x00), 0))) != "9000");
    // And a second personalization stops at "open" without touching the card.
    try {
        (void)f.perso.personalize(ch, inputFor(residentData("resident-li-na.json")));
        FAIL("personalized an issued card");
    } catch (const PersoError& e) {
        CHECK(e.stage() == PersoStage::Open);
        CHECK_FALSE(e.cardTouched());
    }
}

TEST_CASE("the blank card refuses a wrong transport cryptogram and a wrong WRITE KEY MAC") {
    BlankCard card;
    CosChannel ch(card.os);
    using hc::card::CommandApdu;
    const Bytes fcp { 0x62, 0x07, 0x82, 0x01, 0x38, 0x83, 0x02, 0xDD, 0xF1 };
    // No session: CREATE FILE and data writes are refused.
    CHECK(sw(ch.transmit(CommandApdu(0x00, 0xE0, 0x00, 0x00, fcp, 0))) == "6982");
    // A wrong cryptogram counts the transport key's tries down.
    (void)ch.transmit(CommandApdu(0x00, 0x84, 0x00, 0x00, {}, 8));
    Bytes bad(17, 0x00);
    CHECK(sw(ch.transmit(CommandApdu(0x00, 0x82, 0x00, 0x00, bad, 0))) == "63CE");
    // The right one opens the session.
    const Bytes serial { 0xA0, 0, 0, 0, 0, 0, 0, 1 };
    const Bytes kt
        = hc::emu::blankCardTransportKey(hc::fromHex(hc::emu::kTestTransportMasterHex), serial);
    const Bytes r = ch.transmit(CommandApdu(0x00, 0x84, 0x00, 0x00, {}, 8)).data();
    const Bytes ks = h::diversify(kt, r);
    const Bytes plain { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88 };
    Bytes auth = h::authCryptogram(ks, plain);
    auth.insert(auth.end(), plain.begin(), plain.end());
    auth.push_back(0x01);
    CHECK(sw(ch.transmit(CommandApdu(0x00, 0x82, 0x00, 0x00, auth, 0))) == "9000");
    CHECK(sw(ch.transmit(CommandApdu(0x00, 0xE0, 0x00, 0x00, fcp, 0))) == "9000");
    CHECK(sw(ch.transmit(CommandApdu(0x00, 0xA4, 0x00, 0x00, Bytes { 0xDD, 0xF1 }, 0))) == "9000");
    // WRITE KEY with a good cryptogram but a MAC that is off by one bit: refused, session gone.
    Bytes block { 0x12, 0x04, 0x0F };
    const Bytes key(16, 0x42);
    block.insert(block.end(), key.begin(), key.end());
    Bytes data = h::sm4EcbEncrypt(ks, h::pad80(block));
    Bytes header { 0x84, 0xD4, 0x01, 0x04, static_cast<std::uint8_t>(data.size() + 4) };
    header.insert(header.end(), data.begin(), data.end());
    Bytes iv(16, 0x00);
    iv[15] = 0x01;
    Bytes mac = h::sm4CbcMac(ks, iv, h::pad80(header));
    mac.resize(4);
    Bytes wrong = data;
    Bytes badMac = mac;
    badMac[3] ^= 0x01;
    wrong.insert(wrong.end(), badMac.begin(), badMac.end());
    CHECK(sw(ch.transmit(CommandApdu(0x84, 0xD4, 0x01, 0x04, wrong, 0))) == "6988");
    data.insert(data.end(), mac.begin(), mac.end());
    CHECK(sw(ch.transmit(CommandApdu(0x84, 0xD4, 0x01, 0x04, data, 0))) == "6982");
    CHECK(card.os.image().mf->children.front()->keys.empty());
}

TEST_CASE("tearing mid-personalization leaves a card the engine reports spoiled") {
    Fixture f;
    BlankCard card;
    CosChannel ch(card.os);
    ch.tearAfter(40);
    try {
        (void)f.perso.personalize(ch, inputFor(residentData("resident-zhang-zhe.json")));
        FAIL("personalization survived a torn card");
    } catch (const PersoError& e) {
        CHECK(e.cardTouched());
        CHECK(e.stage() != PersoStage::Open);
        CHECK(e.nextStep() == hc::NextStep::ReinsertCard);
    }
    ch.heal();
    ch.reset();
    CHECK(f.perso.probe(ch).state == CardState::Partial);
    // What was persisted is partial too: a fresh card OS over the saved image says so.
    hc::emu::CardOs reloaded(hc::emu::parseCardImage(card.saved));
    hc::emu::installProfiles(reloaded);
    CosChannel ch2(reloaded);
    CHECK(f.perso.probe(ch2).state == CardState::Partial);
    try {
        (void)f.perso.personalize(ch2, inputFor(residentData("resident-zhang-zhe.json")));
        FAIL("personalized a spoiled card");
    } catch (const PersoError& e) {
        CHECK(e.stage() == PersoStage::Open);
        CHECK(e.cardTouched());
    }
}

TEST_CASE("a card that reads back other bytes than it acknowledged is not counted as issued") {
    // 李娜 is written; the card answers 9000 but reads 李纳 back (GBK C0EE C4C8 -> C0EE C4C9).
    Fixture f;
    const auto data = residentData("resident-li-na.json");
    REQUIRE(data.identity.holder.name == "李娜");
    BlankCard card;
    CosChannel ch(card.os);
    ch.readBackAs(Bytes { 0xC0, 0xEE, 0xC4, 0xC8 }, Bytes { 0xC0, 0xEE, 0xC4, 0xC9 });
    try {
        (void)f.perso.personalize(ch, inputFor(data));
        FAIL("a card that reads back differently was personalized without an error");
    } catch (const PersoError& e) {
        CHECK(e.stage() == PersoStage::Verify);
        CHECK(e.cardTouched());
        CHECK(std::string(e.what()).find("read back differently") != std::string::npos);
        CHECK(std::string(e.what()).find("name") != std::string::npos);
    }
    // The same card with a sound EEPROM personalizes (the failure above was the read-back's).
    BlankCard sound(2);
    CosChannel ok(sound.os);
    CHECK_NOTHROW((void)f.perso.personalize(ok, inputFor(data)));
}

TEST_CASE("block, unblock and issuer PIN reset on an issued card") {
    Fixture f;
    BlankCard card;
    CosChannel ch(card.os);
    const auto r = f.perso.personalize(ch, inputFor(residentData("resident-ayigul.json")));
    ch.reset();
    CHECK(f.perso.blockApplication(ch) > 0);
    CHECK(f.perso.probe(ch).state == CardState::Blocked);
    ch.reset();
    try {
        (void)readWithSoftwareSam(ch);
        FAIL("read a blocked card");
    } catch (const h::CardRefused& e) {
        CHECK(e.sw().hex() == "6283");
    }
    ch.reset();
    CHECK_THROWS_AS(f.perso.blockApplication(ch), PersoError);
    ch.reset();
    (void)f.perso.unblockApplication(ch);
    ch.reset();
    CHECK(readWithSoftwareSam(ch).identity.holder.name == r.written.identity.holder.name);

    // Three wrong PINs block it; the issuer sets a new one and the counter is back.
    ch.reset();
    {
        h::HealthCard holder(ch);
        for (int i = 0; i < 3; ++i) {
            (void)holder.verifyPin("000000");
        }
        CHECK(holder.verifyPin(r.pin).status == h::PinStatus::Blocked);
    }
    ch.reset();
    const std::string pin = f.perso.resetPin(ch, std::string("246810"));
    CHECK(pin == "246810");
    ch.reset();
    h::HealthCard holder(ch);
    CHECK(holder.verifyPin("246810").status == h::PinStatus::Ok);
    ch.reset();
    CHECK(f.perso.resetPin(ch).size() == 6);
}

TEST_CASE("bad input is refused before the first APDU") {
    Fixture f;
    BlankCard card;
    CosChannel ch(card.os);
    auto in = inputFor(residentData("resident-li-na.json"));
    auto badId = in;
    badId.resident.identity.holder.idNumber[17]
        = badId.resident.identity.holder.idNumber[17] == '1' ? '2' : '1';
    CHECK_THROWS_AS(f.perso.personalize(ch, badId), hc::card::health::ValidationError);
    auto longName = in;
    longName.resident.identity.holder.name = "一二三四五六七八九十一二三四五六";
    CHECK_THROWS_AS(f.perso.personalize(ch, longName), hc::card::health::ValidationError);
    auto givenPin = in;
    givenPin.pin = "123456";
    CHECK_THROWS_AS(f.perso.personalize(ch, givenPin), hc::InputError);
    auto dates = in;
    dates.expiryDate = dates.issueDate;
    CHECK_THROWS_AS(f.perso.personalize(ch, dates), hc::InputError);
    CHECK(ch.sent() == 0);
    CHECK(f.perso.probe(ch).state == CardState::Blank);
}

TEST_CASE("the default profile file equals the compiled-in profile; errors name the JSON path") {
    const auto file = hc::perso::PersoProfile::load(
        hc::testing::sourcePath("firmware-tools/perso/profiles/ws543-2017.json"));
    CHECK(file.toJson() == hc::perso::PersoProfile::defaultProfile().toJson());
    CHECK(hc::perso::PersoProfile::fromJson(file.toJson()).toJson() == file.toJson());
    std::string text = hc::testing::readFile(
        hc::testing::sourcePath("firmware-tools/perso/profiles/ws543-2017.json"));
    const auto at = text.find("\"272A\"");
    REQUIRE(at != std::string::npos);
    std::string bad = text;
    bad.replace(at, 6, "\"27\"");
    CHECK_THROWS_WITH_AS(hc::perso::PersoProfile::fromJson(bad),
        doctest::Contains("$.df_keys[0].keys[1].master"), hc::InputError);
    std::string missingRead = text;
    missingRead.replace(missingRead.find("\"card_key_id\": \"04\""), 19, "\"card_key_id\": \"14\"");
    CHECK_THROWS_WITH_AS(
        hc::perso::PersoProfile::fromJson(missingRead), doctest::Contains("DDF1"), hc::InputError);
}

TEST_CASE("the sample blank image firmware-tools/images/blank-card.json personalizes") {
    Fixture f;
    hc::emu::CardOs os(
        hc::emu::loadCardImage(hc::testing::sourcePath("firmware-tools/images/blank-card.json")));
    hc::emu::installProfiles(os);
    CosChannel ch(os);
    const auto info = f.perso.probe(ch);
    CHECK(info.state == CardState::Blank);
    CHECK(info.chipSerial == "5A00000000000001");
    CHECK(f.perso.personalize(ch, inputFor(residentData("resident-li-na.json"))).chipSerial
        == "5A00000000000001");
}

TEST_CASE("random commands to a blank card in an open session are answered, never crash") {
    // The blank card's parsers (FCP of CREATE FILE, WRITE KEY blocks, record and binary writes)
    // take outside input: 20000 deterministic random commands, each answered with a status word.
    BlankCard card;
    CosChannel ch(card.os);
    using hc::card::CommandApdu;
    const Bytes serial { 0xA0, 0, 0, 0, 0, 0, 0, 1 };
    const Bytes kt
        = hc::emu::blankCardTransportKey(hc::fromHex(hc::emu::kTestTransportMasterHex), serial);
    auto open = [&] {
        const Bytes r = ch.transmit(CommandApdu(0x00, 0x84, 0x00, 0x00, {}, 8)).data();
        const Bytes plain { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88 };
        Bytes auth = h::authCryptogram(h::diversify(kt, r), plain);
        auth.insert(auth.end(), plain.begin(), plain.end());
        auth.push_back(0x01);
        REQUIRE(ch.transmit(CommandApdu(0x00, 0x82, 0x00, 0x00, auth, 0)).sw().ok());
    };
    open();
    std::uint32_t seed = 12345;
    auto next = [&seed] {
        seed = seed * 1664525u + 1013904223u;
        return static_cast<std::uint8_t>(seed >> 24);
    };
    const std::uint8_t ins[] = { 0xE0, 0xD4, 0xDC, 0xD6, 0x44, 0xA4, 0xCA };
    std::size_t ok = 0;
    for (int i = 0; i < 20000; ++i) {
        const std::uint8_t in = ins[next() % sizeof ins];
        const std::uint8_t cla = in == 0xD4 || in == 0x44 ? 0x84 : (in == 0xCA ? 0x80 : 0x00);
        Bytes data(next() % 40);
        for (auto& b : data) {
            b = next();
        }
        if (in == 0xE0 && next() % 2 == 0) {
            // A plausible FCP with random values: exercises the file-creation paths.
            Bytes body;
            switch (next() % 3) {
            case 0:
                body = { 0x82, 0x01, 0x38 };
                break;
            case 1:
                body = { 0x82, 0x01, 0x01, 0x80, 0x02, static_cast<std::uint8_t>(next() % 2),
                    next() };
                break;
            default:
                body = { 0x82, 0x05, static_cast<std::uint8_t>(2 + 2 * (next() % 3)), 0x21, 0x00,
                    next(), static_cast<std::uint8_t>(next() % 8) };
            }
            for (std::uint8_t b :
                { std::uint8_t { 0x83 }, std::uint8_t { 0x02 }, std::uint8_t { 0xEF },
                    static_cast<std::uint8_t>(next() % 16), std::uint8_t { 0x88 },
                    std::uint8_t { 0x01 }, static_cast<std::uint8_t>(next() % 32),
                    std::uint8_t { 0xC1 }, std::uint8_t { 0x02 }, next(), next() }) {
                body.push_back(b);
            }
            data = { 0x62, static_cast<std::uint8_t>(body.size()) };
            for (std::uint8_t b : body) {
                data.push_back(b);
            }
        }
        if ((in == 0xDC || in == 0xD6) && data.empty()) {
            data.push_back(next());
        }
        if (in == 0xA4) {
            data = { 0xDF, static_cast<std::uint8_t>(next() % 4) };
        }
        std::uint8_t p1 = next();
        std::uint8_t p2 = next();
        if (in == 0xE0 && next() % 4 != 0) {
            p1 = 0;
            p2 = 0;
        }
        if (in == 0xDC && next() % 2 == 0) {
            p1 = static_cast<std::uint8_t>(next() % 4);
            p2 = 0x04;
        }
        const auto r = data.empty() ? ch.transmit(CommandApdu(cla, in, p1, p2))
                                    : ch.transmit(CommandApdu(cla, in, p1, p2, data, 0));
        ok += r.sw().ok() ? 1u : 0u;
        if (i % 500 == 0) {
            ch.reset();
            open();
        }
    }
    MESSAGE(ok << " of 20000 random commands accepted");
    // The card still answers its GET DATA after all that.
    CHECK(ch.transmit(CommandApdu(0x80, 0xCA, 0x01, 0x00, {}, 256)).data().size() == 11);
}

TEST_CASE("a key missing in the HSM is a PersoError naming the stage; the card stays blank") {
    hc::hsm::SoftwareHsm hsm { hc::hsm::SoftwareHsmOptions {} };
    importKey(hsm, { "hc.master.4731", 1 }, Bytes(16, 0x11)); // no transport master
    Personalizer perso(hsm);
    BlankCard card;
    CosChannel ch(card.os);
    try {
        (void)perso.personalize(ch, inputFor(residentData("resident-li-na.json")));
        FAIL("personalized without a transport master");
    } catch (const PersoError& e) {
        CHECK(e.stage() == PersoStage::Open);
        CHECK_FALSE(e.cardTouched());
        CHECK(e.nextStep() == hc::NextStep::CheckConfiguration);
        CHECK(std::string(e.what()).find("hc.perso.transport") != std::string::npos);
    }
    ch.reset();
    CHECK(perso.probe(ch).state == CardState::Blank);
}
