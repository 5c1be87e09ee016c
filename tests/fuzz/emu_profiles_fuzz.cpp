// hcemu profiles (epurse, psam, health-sam, blank-card, health-card) reading a card image's
// extensions: parseCardImage on arbitrary text, CardOs (extensions.cos), then installProfiles and
// each profile's commands.
//
// Invariants: making the card (extensions.cos) and installing the profiles an image names throw
// nothing but hc::InputError (a bad extensions field is refused naming it); a card whose profiles
// installed answers the profiles' commands (SELECT of the purse, GET BALANCE, INITIALIZE FOR LOAD /
// PURCHASE / UPDATE, GET TRANSACTION PROOF, PSAM MAC1 / MAC2, SAM DELIVER KEY, blank-card GET DATA,
// health-card SM UPDATE RECORD / WRITE RECORD / EXTERNAL AUTHENTICATE) with data || SW or throws
// hc::InputError for a state field of the wrong type, never anything else.
#include "hc/card/error.hpp"
#include "hc/emu/card_image.hpp"
#include "hc/emu/card_os.hpp"
#include "hc/emu/profile.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <string>

namespace {

[[noreturn]] void fail(const char* what, const std::string& detail) {
    std::fprintf(stderr, "emu_profiles: %s: %s\n", what, detail.c_str());
    std::abort();
}

/** APDUs of every profile (hex); each card answers those of its own profiles. */
constexpr const char* kApdus[] = {
    "00A4040009A00000000386980701", // SELECT the purse DF
    "805C000204", "805C000104", // GET BALANCE EP, ED
    "805000020B010000006411223344556610", // INITIALIZE FOR LOAD
    "805001020B010000000A112233445566", // INITIALIZE FOR PURCHASE
    "8050040107010000000A1122", // INITIALIZE FOR UPDATE (ED overdraft)
    "805A000902"
    "0001",
    "805A000602"
    "0000", // GET TRANSACTION PROOF
    "0020000003123456", // VERIFY
    "807000001C11223344000100000A062026010112000001005A00000000000001", // PSAM MAC1
    "8072000004AABBCCDD", // PSAM MAC2
    "80DE473110112233445566778811223344556677", // SAM DELIVER KEY
    "80FA000010000102030405060708090A0B0C0D0E0F", // SAM SM4 ECB
    "80CA000000", // blank card GET DATA
    "00A4000002DDF1", "00A4000002EF08", // health card: SELECT DDF1, EF08
    "00DC010403AABBCC", // plain UPDATE RECORD (6987 when sm_files or "+sm" asks for SM)
    "0084000008",
    "04DC010414"
    "00112233445566778899AABBCCDDEEFF01020304", // SM UPDATE RECORD
    "0084000008", "84D201040401020304", // WRITE RECORD with a MAC (bad_mac_sw)
    "0084000008", "008200051100112233445566778899AABBCCDDEEFF00", // EXTERNAL AUTHENTICATE
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    hc::emu::CardImage image;
    try {
        image = hc::emu::parseCardImage(std::string(reinterpret_cast<const char*>(data), size));
    } catch (const hc::InputError&) {
        return 0;
    }
    std::unique_ptr<hc::emu::CardOs> card;
    try {
        card
            = std::make_unique<hc::emu::CardOs>(std::move(image), [](const hc::emu::CardImage&) {});
    } catch (const hc::InputError&) {
        return 0; // extensions.cos refused, naming it
    } catch (const std::exception& e) {
        fail("CardOs threw other than InputError", e.what());
    }
    auto& os = *card;
    os.powerOn();
    try {
        hc::emu::installProfiles(os);
    } catch (const hc::InputError&) {
        return 0;
    } catch (const std::exception& e) {
        fail("installProfiles threw other than InputError", e.what());
    }
    for (const char* hex : kApdus) {
        try {
            const auto rsp = os.processRaw(hc::fromHex(hex));
            if (rsp.size() < 2) {
                fail("response without a status word", hex);
            }
        } catch (const hc::InputError&) {
            // a state field of the wrong type, named in the message
        } catch (const std::exception& e) {
            fail("a profile command threw other than InputError",
                std::string(hex) + ": " + e.what());
        }
    }
    return 0;
}
