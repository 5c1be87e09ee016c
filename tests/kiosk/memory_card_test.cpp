// kioskd's --fake-card MemoryCard: its state file survives a reload with the purse's balance and
// counter, and a state file with a bad field is refused when the card is loaded, naming the file
// and the field (hc::InputError), not at the first purse operation.
#include "hc/kiosk/core/device_adapters.hpp"

#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

using namespace hc::kiosk::core;

namespace {

struct TempFile {
    std::filesystem::path path = std::filesystem::temp_directory_path()
        / ("hc-memory-card-" + std::to_string(::getpid()) + ".json");
    ~TempFile() { std::filesystem::remove(path); }
    void write(const std::string& text) const {
        std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
    }
};

std::string loadError(const TempFile& f) {
    try {
        MemoryCard card(f.path, { "x", "y", "z" }, 0);
    } catch (const hc::InputError& e) {
        return e.what();
    }
    return "loaded";
}

} // namespace

TEST_CASE("a memory card's file keeps its balance and log across a reload") {
    TempFile f;
    {
        MemoryCard card(f.path, { "1100", "110105", "赵海燕" }, 500);
        CHECK(card.purchase(120).status == PurseStatus::Done);
    }
    MemoryCard again(f.path, { "other", "other", "other" }, 0);
    CHECK(again.identity().name == "赵海燕");
    CHECK(again.balance() == 380);
    REQUIRE(again.log(10).size() == 1);
    CHECK(again.log(10)[0].amountFen == 120);
}

TEST_CASE("a memory card file with a bad field is refused at load, naming the file and field") {
    TempFile f;
    const std::string prefix = "memory card " + f.path.string() + ": ";
    const std::string good = R"("cardNumber":"1","idNumber":"2","name":"n","atc":0,)";
    f.write("{" + good + R"("balance":"100","log":[],"committed":[]})");
    CHECK(loadError(f) == prefix + "balance: expected an integer");
    f.write("{" + good + R"("balance":1,"log":[{"when":"t","amount":1}],"committed":[]})");
    CHECK(loadError(f) == prefix + "log[0].load: missing");
    f.write("{" + good + R"("balance":1,"log":[],"committed":[1]})");
    CHECK(loadError(f) == prefix + "committed[0]: expected a string");
    f.write("{" + good + R"("balance":1,"log":[]})");
    CHECK(loadError(f) == prefix + "committed: missing");
    f.write("[]");
    CHECK(loadError(f) == prefix + "(root): expected an object");
    f.write("{");
    CHECK(loadError(f).rfind(prefix + "text: not valid JSON", 0) == 0);
    f.write("{" + good + R"("balance":1,"log":[],"committed":[]})");
    CHECK(loadError(f) == "loaded");
}
