// hcemu-image/1: parse errors name the JSON path, parse -> serialize -> parse is lossless, and
// saveCardImage replaces the file atomically.
#include "hc/card/error.hpp"
#include "hc/emu/card_image.hpp"

#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <grp.h>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace hc;
using namespace hc::emu;
namespace fs = std::filesystem;

namespace {

const fs::path kImages = HC_IMAGES_DIR;

std::string readText(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void writeText(const fs::path& p, const std::string& text) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << text;
}

/** A minimal valid image whose MF has the given children (JSON array body). */
std::string imageWith(const std::string& children, const std::string& extraRoot = "") {
    return R"({"format": "hcemu-image/1", "atr": "3B00", )" + extraRoot
        + R"("mf": {"fid": "3F00", "type": "df", "children": [)" + children + "]}}";
}

/** The InputError message parseCardImage throws, or "no error". */
std::string parseError(const std::string& json) {
    try {
        (void)parseCardImage(json);
    } catch (const InputError& e) {
        return e.what();
    } catch (const std::exception& e) {
        return std::string("not an InputError: ") + e.what();
    }
    return "no error";
}

std::string hex2(std::uint16_t v) {
    const std::uint8_t b[2] = { static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v) };
    return toHex(b);
}

/** The first difference between two trees as "path: what", or "" when equal. */
std::string treeDiff(const FileNode& a, const FileNode& b, const std::string& path) {
    const std::string p = path + "/" + hex2(a.fid);
    if (a.fid != b.fid) {
        return p + ": fid " + hex2(b.fid);
    }
    if (a.type != b.type) {
        return p + ": type " + toString(a.type) + " vs " + toString(b.type);
    }
    if (a.sfi != b.sfi || a.dfName != b.dfName) {
        return p + ": sfi or DF name";
    }
    if (a.read.toString() != b.read.toString() || a.update.toString() != b.update.toString()) {
        return p + ": access rules";
    }
    if (a.data != b.data) {
        return p + ": data " + toHex(a.data) + " vs " + toHex(b.data);
    }
    if (a.records != b.records || a.recordSize != b.recordSize || a.maxRecords != b.maxRecords) {
        return p + ": records";
    }
    if (a.keys.size() != b.keys.size()) {
        return p + ": key count";
    }
    for (std::size_t i = 0; i < a.keys.size(); ++i) {
        const auto& ka = a.keys[i];
        const auto& kb = b.keys[i];
        if (ka.id != kb.id || ka.algorithm != kb.algorithm || ka.value != kb.value
            || ka.triesLeft != kb.triesLeft || ka.maxTries != kb.maxTries) {
            return p + ": key " + std::to_string(i);
        }
    }
    if (a.children.size() != b.children.size()) {
        return p + ": child count";
    }
    for (std::size_t i = 0; i < a.children.size(); ++i) {
        if (a.children[i]->parent != &a || b.children[i]->parent != &b) {
            return p + ": parent link of child " + std::to_string(i);
        }
        if (auto d = treeDiff(*a.children[i], *b.children[i], p); !d.empty()) {
            return d;
        }
    }
    return "";
}

std::string imageDiff(const CardImage& a, const CardImage& b) {
    if (a.description != b.description) {
        return "description";
    }
    if (a.atr != b.atr) {
        return "atr";
    }
    if (a.t0 != b.t0) {
        return "t0";
    }
    auto refEq = [](const std::optional<ReferenceData>& x, const std::optional<ReferenceData>& y) {
        return x.has_value() == y.has_value()
            && (!x
                || (x->value == y->value && x->triesLeft == y->triesLeft
                    && x->maxTries == y->maxTries));
    };
    if (!refEq(a.pin, b.pin)) {
        return "pin";
    }
    if (!refEq(a.puk, b.puk)) {
        return "puk";
    }
    if (a.extensions != b.extensions) {
        return "extensions";
    }
    return treeDiff(*a.mf, *b.mf, "");
}

struct TempDir {
    fs::path path;
    TempDir() {
        static int n = 0;
        path = fs::temp_directory_path()
            / ("hc_emu_test_" + std::to_string(::getpid()) + "_" + std::to_string(++n));
        fs::create_directories(path);
    }
    ~TempDir() {
        std::error_code ec;
        fs::permissions(path, fs::perms::owner_all, fs::perm_options::add, ec);
        fs::remove_all(path, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
};

bool hasTmpFile(const fs::path& dir) {
    for (const auto& e : fs::directory_iterator(dir)) {
        if (e.path().extension() == ".tmp") {
            return true;
        }
    }
    return false;
}

/** saveCardImage(img, file) as a user that directory permissions apply to: the test's own user,
 * or, when the test runs as root (which ignores them), user nobody in a child process, with `file`
 * given to nobody. Returns the error's text, "saved" when it did not throw, or what went wrong in
 * setting that up. */
std::string saveAsUnprivileged(const CardImage& img, const fs::path& file) {
    const auto attempt = [&]() -> std::string {
        try {
            saveCardImage(img, file);
            return "saved";
        } catch (const hc::Error& e) {
            return e.what();
        }
    };
    if (::geteuid() != 0) {
        return attempt();
    }
    constexpr uid_t kNobody = 65534;
    if (::chown(file.c_str(), kNobody, kNobody) != 0) {
        return "setup: cannot give " + file.string() + " to nobody";
    }
    int out[2];
    if (::pipe(out) != 0) {
        return "setup: pipe failed";
    }
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::close(out[0]);
        std::string result;
        if (::setgroups(0, nullptr) != 0 || ::setgid(kNobody) != 0 || ::setuid(kNobody) != 0) {
            result = "setup: root cannot become nobody (no CAP_SETUID?)";
        } else {
            result = attempt();
        }
        [[maybe_unused]] const auto w = ::write(out[1], result.data(), result.size());
        ::_exit(0);
    }
    ::close(out[1]);
    std::string result;
    char buf[512];
    ssize_t n;
    while ((n = ::read(out[0], buf, sizeof buf)) > 0) {
        result.append(buf, static_cast<std::size_t>(n));
    }
    ::close(out[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    return result.empty() ? "setup: the child saving as nobody died" : result;
}

} // namespace

TEST_CASE("card image: the sample images load") {
    const auto img = loadCardImage(kImages / "demo-card.json");
    CHECK_FALSE(img.t0);
    CHECK(toHex(img.atr) == "3BF81300008131FE454843454D55000001B7");
    REQUIRE(img.pin.has_value());
    CHECK(toHex(img.pin->value) == "313233343536");
    CHECK(img.pin->triesLeft == 3);
    REQUIRE(img.puk.has_value());
    CHECK(img.puk->maxTries == 10);
    REQUIRE(img.mf);
    CHECK(img.mf->fid == 0x3F00);
    CHECK(img.mf->children.size() == 6);

    const FileNode* ef1 = img.mf->child(0x0001);
    REQUIRE(ef1 != nullptr);
    CHECK(toString(ef1->type) == "transparent");
    CHECK(ef1->data.size() == 32); // "size" pads the data with 00
    CHECK(ef1->data[31] == 0x00);
    CHECK(ef1->sfi == 1);

    const FileNode* cyc = img.mf->child(0x0004);
    REQUIRE(cyc != nullptr);
    CHECK(toString(cyc->type) == "cyclic");
    CHECK(cyc->update.kind == AccessRule::Kind::Pin);
    CHECK(cyc->records.size() == 3);

    FileNode* df = img.mf->child(0x1000);
    REQUIRE(df != nullptr);
    CHECK(df->isDf());
    CHECK(df->parent == img.mf.get());
    REQUIRE(df->keys.size() == 1);
    CHECK(df->keys[0].algorithm == "sm4");
    const FileNode* ef1001 = df->child(0x1001);
    REQUIRE(ef1001 != nullptr);
    CHECK(ef1001->read.kind == AccessRule::Kind::Key);
    CHECK(ef1001->read.keyId == 0x01);
    CHECK(df->child(0x1001)->findKey(0x01) == &df->keys[0]);

    const auto t0 = loadCardImage(kImages / "demo-card-t0.json");
    CHECK(t0.t0);
    CHECK(toHex(t0.atr) == "3B6800004843454D55000001");
}

TEST_CASE("card image: a missing file is a configuration error naming the path") {
    try {
        (void)loadCardImage("/nonexistent/dir/card.json");
        FAIL("loadCardImage did not throw");
    } catch (const hc::Error& e) {
        CHECK(e.nextStep() == NextStep::CheckConfiguration);
        CHECK(std::string(e.what()).find("/nonexistent/dir/card.json") != std::string::npos);
    }
}

TEST_CASE("card image: the minimal image parses") {
    CHECK(parseError(imageWith("")) == "no error");
}

TEST_CASE("card image: parse errors name the JSON path") {
    SUBCASE("not JSON") {
        CHECK(parseError("{\"format\": ").find("card image: not valid JSON") == 0);
    }
    SUBCASE("root is not an object") {
        CHECK(parseError("[]") == "card image: (root): expected an object");
    }
    SUBCASE("format missing") {
        CHECK(parseError(R"({"atr": "3B00"})") == "card image: format: missing");
    }
    SUBCASE("wrong format string") {
        std::string j = imageWith("");
        j.replace(j.find("hcemu-image/1"), 13, "hcemu-image/2");
        CHECK(parseError(j)
            == "card image: format: \"hcemu-image/2\" is not a format this emulator reads "
               "(hcemu-image/1)");
    }
    SUBCASE("format is not a string") {
        CHECK(parseError(R"({"format": 1})") == "card image: format: expected a string");
    }
    SUBCASE("bad hex in the ATR") {
        std::string j = imageWith("");
        j.replace(j.find("3B00"), 4, "3BXX");
        CHECK(parseError(j).find("card image: atr: hex text: 'X' at position 2") == 0);
    }
    SUBCASE("ATR too short") {
        std::string j = imageWith("");
        j.replace(j.find("3B00"), 4, "3B");
        CHECK(parseError(j) == "card image: atr: an ATR is 2 to 33 bytes");
    }
    SUBCASE("bad hex in transparent data") {
        const auto msg = parseError(
            imageWith(R"({"fid": "0001", "type": "transparent", "size": 4, "data": "0102ZZ"})"));
        CHECK(msg.find("card image: mf.children[0].data: hex text: 'Z'") == 0);
    }
    SUBCASE("bad hex in a record, second child") {
        const auto msg = parseError(imageWith(
            R"({"fid": "0001", "type": "transparent", "size": 1},
               {"fid": "0002", "type": "linear-fixed", "record_size": 2, "max_records": 2,
                "records": ["0102", "01G2"]})"));
        CHECK(msg.find("card image: mf.children[1].records[1]: hex text: 'G' at position 2") == 0);
    }
    SUBCASE("missing fid") {
        CHECK(parseError(imageWith(R"({"type": "transparent", "size": 1})"))
            == "card image: mf.children[0].fid: missing");
    }
    SUBCASE("missing fid in a nested DF") {
        CHECK(parseError(imageWith(R"({"fid": "1000", "type": "df", "children": [
                {"fid": "1001", "type": "transparent", "size": 1}, {"type": "df"}]})"))
            == "card image: mf.children[0].children[1].fid: missing");
    }
    SUBCASE("fid of the wrong length") {
        CHECK(parseError(imageWith(R"({"fid": "000102", "type": "transparent", "size": 1})"))
            == "card image: mf.children[0].fid: a FID is 2 bytes (4 hex digits)");
    }
    SUBCASE("record too long for record_size") {
        CHECK(parseError(imageWith(R"({"fid": "0002", "type": "linear-fixed", "record_size": 2,
                 "max_records": 3, "records": ["0102", "010203"]})"))
            == "card image: mf.children[0].records[1]: 3 bytes does not fit record_size 2");
    }
    SUBCASE("record longer than a variable file's record_size") {
        CHECK(parseError(imageWith(R"({"fid": "0003", "type": "linear-variable",
                 "record_size": 4, "max_records": 3, "records": ["01", "0102030405"]})"))
            == "card image: mf.children[0].records[1]: 5 bytes does not fit record_size 4");
    }
    SUBCASE("more records than max_records") {
        CHECK(parseError(imageWith(R"({"fid": "0002", "type": "cyclic", "record_size": 1,
                 "max_records": 1, "records": ["01", "02"]})"))
            == "card image: mf.children[0].records: more records than max_records");
    }
    SUBCASE("transparent data longer than size") {
        CHECK(parseError(
                  imageWith(R"({"fid": "0001", "type": "transparent", "size": 1, "data": "0102"})"))
            == "card image: mf.children[0].data: longer than size 1");
    }
    SUBCASE("unknown type") {
        const auto msg = parseError(imageWith(R"({"fid": "0001", "type": "blob", "size": 1})"));
        CHECK(msg.find("card image: mf.children[0].type: unknown file type \"blob\"") == 0);
    }
    SUBCASE("unknown access rule") {
        const auto msg = parseError(
            imageWith(R"({"fid": "0001", "type": "transparent", "size": 1, "update": "admin"})"));
        CHECK(msg.find("card image: mf.children[0].update: unknown access rule \"admin\"") == 0);
    }
    SUBCASE("key access rule with a bad key id") {
        const auto msg = parseError(
            imageWith(R"({"fid": "0001", "type": "transparent", "size": 1, "read": "key:0Z"})"));
        CHECK(msg.find("card image: mf.children[0].read: ") == 0);
    }
    SUBCASE("key access rule whose id is only separators") {
        // "key:" + two characters that hex parsing skips: must be an InputError, not a crash
        // or an out_of_range escaping the parser.
        const auto msg = parseError(
            imageWith(R"({"fid": "0001", "type": "transparent", "size": 1, "read": "key:  "})"));
        CHECK(msg.find("card image: mf.children[0].read: ") == 0);
    }
    SUBCASE("negative size") {
        CHECK(parseError(imageWith(R"({"fid": "0001", "type": "transparent", "size": -1})"))
            == "card image: mf.children[0].size: out of range 0..32767");
    }
    SUBCASE("sfi out of range") {
        CHECK(
            parseError(imageWith(R"({"fid": "0001", "type": "transparent", "size": 1, "sfi": 31})"))
            == "card image: mf.children[0].sfi: out of range 0..30");
    }
    SUBCASE("key of the wrong length") {
        CHECK(parseError(imageWith(R"({"fid": "1000", "type": "df", "keys": [{"id": "01",
                 "alg": "sm4", "value": "0011", "tries_left": 1, "max_tries": 1}]})"))
            == "card image: mf.children[0].keys[0].value: a key is 16 bytes");
    }
    SUBCASE("unknown key algorithm") {
        CHECK(parseError(imageWith(R"({"fid": "1000", "type": "df", "keys": [{"id": "01",
                 "alg": "aes", "value": "00112233445566778899AABBCCDDEEFF", "tries_left": 1,
                 "max_tries": 1}]})"))
            == "card image: mf.children[0].keys[0].alg: expected sm4 or 3des");
    }
    SUBCASE("pin tries out of range") {
        CHECK(parseError(imageWith(
                  "", R"("pin": {"value": "31323334", "tries_left": 16, "max_tries": 3}, )"))
            == "card image: pin.tries_left: out of range 0..15");
    }
    SUBCASE("t0 not a boolean") {
        CHECK(parseError(imageWith("", R"("t0": "yes", )"))
            == "card image: t0: expected true or false");
    }
    SUBCASE("MF that is not a DF") {
        const std::string j
            = R"({"format": "hcemu-image/1", "atr": "3B00", "mf": {"fid": "3F00", "type": "transparent", "size": 1}})";
        CHECK(parseError(j) == "card image: mf: the MF must be a df");
    }
    SUBCASE("two children with one FID") {
        const auto msg = parseError(imageWith(R"({"fid": "0101", "type": "transparent", "size": 1},
                  {"fid": "0101", "type": "transparent", "size": 1})"));
        CHECK(msg.find("card image: mf: two children with FID") == 0);
        CHECK(msg.find("0101") != std::string::npos);
    }
    SUBCASE("a number in the extensions that JSON cannot write back") {
        // Boost.JSON reads 1e999 as infinity and would save it as "Infinity": not JSON.
        CHECK(parseError(imageWith("", R"("extensions": {"x": {"list": [1, 1e999]}}, )"))
            == "card image: extensions.x.list[1]: number out of range");
    }
    SUBCASE("files nested too deep") {
        std::string nested = R"({"fid": "0001", "type": "transparent", "size": 1})";
        for (int i = 0; i < 9; ++i) {
            nested = R"({"fid": "1000", "type": "df", "children": [)" + nested + "]}";
        }
        CHECK(parseError(imageWith(nested)).find("files nested deeper than 8 levels")
            != std::string::npos);
    }
}

TEST_CASE("card image: parse -> serialize -> parse is lossless") {
    for (const std::string name : { "demo-card.json", "demo-card-t0.json" }) {
        CAPTURE(name);
        const auto first = parseCardImage(readText(kImages / name));
        const std::string text = serializeCardImage(first);
        const auto second = parseCardImage(text);
        CHECK(imageDiff(first, second) == "");
        CHECK(serializeCardImage(second) == text);
    }
}

TEST_CASE("card image: extensions, 3des keys and defaults survive a round trip") {
    const std::string j = imageWith(
        R"({"fid": "0002", "type": "linear-variable", "record_size": 8, "max_records": 2,
            "records": ["01"], "read": "never", "update": "key:0A"},
           {"fid": "DF01", "type": "df", "sfi": 5, "keys": [{"id": "0A", "alg": "3des",
            "value": "00112233445566778899AABBCCDDEEFF", "tries_left": 0, "max_tries": 15}]})",
        R"("description": "ext", "t0": true,
           "extensions": {"healthcard": {"counter": 7, "list": [1, "x", null, 2.5, false]}}, )");
    const auto first = parseCardImage(j);
    CHECK(first.extensions.contains("healthcard"));
    CHECK_FALSE(first.pin.has_value());
    const auto second = parseCardImage(serializeCardImage(first));
    CHECK(imageDiff(first, second) == "");
    CHECK(second.mf->child(0x0002)->update.toString() == "key:0A");
    CHECK(second.mf->child(0xDF01)->keys.at(0).triesLeft == 0);
}

TEST_CASE("card image: access rules and file types as text") {
    CHECK(AccessRule::parse("always").kind == AccessRule::Kind::Always);
    CHECK(AccessRule::parse("never").kind == AccessRule::Kind::Never);
    CHECK(AccessRule::parse("pin").kind == AccessRule::Kind::Pin);
    const auto k = AccessRule::parse("key:1F");
    CHECK(k.kind == AccessRule::Kind::Key);
    CHECK(k.keyId == 0x1F);
    CHECK(k.toString() == "key:1F");
    CHECK_THROWS_AS(AccessRule::parse("Pin"), InputError);
    CHECK_THROWS_AS(AccessRule::parse("key:1"), InputError);
    CHECK_THROWS_AS(AccessRule::parse("key:"), InputError);
    CHECK_THROWS_AS(AccessRule::parse("key:::"), InputError);
    for (auto t : { FileType::Df, FileType::Transparent, FileType::LinearFixed,
             FileType::LinearVariable, FileType::Cyclic }) {
        CHECK(toString(fileTypeFromString(toString(t))) == toString(t));
    }
    CHECK_THROWS_AS(fileTypeFromString("DF"), InputError);
}

TEST_CASE("card image: save writes a new file and renames it over the old one") {
    TempDir dir;
    const fs::path file = dir.path / "card.json";
    fs::copy_file(kImages / "demo-card.json", file);
    // A second name for the old file: an in-place rewrite would change what it shows, a
    // write-then-rename leaves it with the old content.
    const fs::path oldLink = dir.path / "old.json";
    fs::create_hard_link(file, oldLink);
    const std::string oldText = readText(file);

    auto img = loadCardImage(file);
    img.pin->triesLeft = 1;
    img.mf->child(0x0001)->data[0] = 0xEE;
    saveCardImage(img, file);

    CHECK_FALSE(hasTmpFile(dir.path));
    CHECK(readText(oldLink) == oldText);
    CHECK(readText(file) == serializeCardImage(img));
    const auto back = loadCardImage(file);
    CHECK(imageDiff(img, back) == "");
    CHECK(back.pin->triesLeft == 1);
    CHECK(back.mf->child(0x0001)->data[0] == 0xEE);

    // Saving again over the saved file works the same.
    img.pin->triesLeft = 3;
    saveCardImage(img, file);
    CHECK(loadCardImage(file).pin->triesLeft == 3);
    CHECK_FALSE(hasTmpFile(dir.path));
}

TEST_CASE("card image: a failed save leaves the old file intact and no temp file") {
    TempDir dir;
    const auto img = loadCardImage(kImages / "demo-card.json");

    SUBCASE("parent directory does not exist") {
        CHECK_THROWS_AS(saveCardImage(img, dir.path / "missing" / "card.json"), hc::Error);
        CHECK_FALSE(hasTmpFile(dir.path));
    }
    SUBCASE("parent is a regular file") {
        writeText(dir.path / "plain", "x");
        CHECK_THROWS_AS(saveCardImage(img, dir.path / "plain" / "card.json"), hc::Error);
        CHECK(readText(dir.path / "plain") == "x");
    }
    SUBCASE("the target is a directory: rename fails after the temp file was written") {
        const fs::path target = dir.path / "card.json";
        fs::create_directory(target);
        writeText(target / "inside", "keep");
        try {
            saveCardImage(img, target);
            FAIL("saveCardImage over a directory did not throw");
        } catch (const hc::Error& e) {
            CHECK(std::string(e.what()).find("rename") != std::string::npos);
        }
        CHECK(fs::is_directory(target));
        CHECK(readText(target / "inside") == "keep");
        CHECK_FALSE(hasTmpFile(dir.path));
    }
    SUBCASE("a directory its user may not write to") {
        const fs::path file = dir.path / "card.json";
        fs::copy_file(kImages / "demo-card.json", file);
        const std::string oldText = readText(file);
        // r-x for everybody. The file stays writable by the user who saves (as hcemu's image is):
        // a save that wrote the file in place instead of replacing it would succeed, and be seen.
        fs::permissions(dir.path,
            fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read
                | fs::perms::group_exec | fs::perms::others_read | fs::perms::others_exec);
        const std::string outcome = saveAsUnprivileged(img, file);
        fs::permissions(dir.path, fs::perms::owner_all);
        CHECK_MESSAGE(
            outcome.starts_with("card image: cannot write " + file.string() + ".tmp"), outcome);
        CHECK(readText(file) == oldText);
        CHECK_FALSE(hasTmpFile(dir.path));
    }
}
