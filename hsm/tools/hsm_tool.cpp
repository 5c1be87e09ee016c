// hsm-tool: key ceremonies and key administration for hc::hsm (see docs/hsm.md).
// PINs and passphrases come from files or environment variables, never from the command line.
// Clear key components are read from the terminal without echo and never printed.
#include "hc/base/program_options.hpp"
#include "hc/hsm/hsm.hpp"

#include <algorithm>
#include <boost/program_options.hpp>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <pwd.h>
#include <termios.h>
#include <unistd.h>

namespace po = boost::program_options;
using namespace hc::hsm;

namespace {

constexpr const char* kUsage = R"(usage: hsm-tool [options] <command>

commands:
  init                 create a SoftHSM2 token for development (--token, --so-pin-*, --pin-*)
  keygen               generate a key (--key label/version --alg des3|sm4|aes|des [--length])
  import-components    import a key from 2 or 3 clear components, one custodian after another
                       (--key --alg --components 2|3 [--expect-kcv])
  kcv                  show a key's check value (--key [--div hex]... [--session hex])
  list                 list keys with their check values
  export-wrapped       export a key under a transport key (--key [--div hex]... --transport)
  import-wrapped       import a wrapped key (--key --alg --transport --blob --kcv)
  diversify            derive a card key and show its KCV (--key --div hex [--div hex]...
                       [--session hex] [--export-under transport])
  audit verify         check the audit log's hash chain (--audit [--expect-head])

backend:
  --backend pkcs11 (default) with --module, --token, --pin-file or --pin-env (default HC_HSM_PIN)
  --backend software with --store FILE and --passphrase-file or --passphrase-env
            (default HC_HSM_PASSPHRASE)
Every key operation is appended to the audit log (--audit, default $HC_HSM_AUDIT or
./hsm-audit.log).
)";

std::string defaultActor() {
    if (const char* u = std::getenv("USER")) {
        return u;
    }
    if (passwd* pw = ::getpwuid(::getuid())) {
        return pw->pw_name;
    }
    return "uid-" + std::to_string(::getuid());
}

SecretSource secretFrom(
    const po::variables_map& vm, const char* fileOpt, const char* envOpt, const char* defaultEnv) {
    if (vm.count(fileOpt)) {
        return SecretSource::fromFile(vm[fileOpt].as<std::string>());
    }
    if (vm.count(envOpt)) {
        return SecretSource::fromEnvironment(vm[envOpt].as<std::string>());
    }
    return SecretSource::fromEnvironment(defaultEnv);
}

/** Reads one line from the terminal without echo (plain read when stdin is not a terminal). */
SecureBytes readSecretLine() {
    bool tty = ::isatty(STDIN_FILENO) == 1;
    termios old {};
    if (tty) {
        ::tcgetattr(STDIN_FILENO, &old);
        termios quiet = old;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    SecureBytes line;
    line.reserve(128);
    int c = 0;
    while ((c = std::getchar()) != EOF && c != '\n') {
        if (line.size() < 256) {
            line.push_back(static_cast<std::uint8_t>(c));
        }
    }
    if (tty) {
        ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        std::cerr << "\n";
    }
    if (c == EOF && line.empty()) {
        throw InvalidArgumentError("no input: the ceremony was aborted");
    }
    return line;
}

std::string readLine() {
    std::string s;
    if (!std::getline(std::cin, s)) {
        throw InvalidArgumentError("no input: the ceremony was aborted");
    }
    while (!s.empty() && (s.back() == '\r' || s.back() == ' ')) {
        s.pop_back();
    }
    return s;
}

KeySpec specFrom(const po::variables_map& vm) {
    if (!vm.count("key")) {
        throw InvalidArgumentError("--key label[/version] is required");
    }
    KeySpec spec(KeyRef::parse(vm["key"].as<std::string>()));
    if (vm.count("div")) {
        for (const auto& d : vm["div"].as<std::vector<std::string>>()) {
            spec = spec.diversified(fromHex(d));
        }
    }
    if (vm.count("session")) {
        spec = spec.session(fromHex(vm["session"].as<std::string>()));
    }
    return spec;
}

void printKey(const KeyInfo& k) {
    std::cout << k.ref.toString() << "  " << toString(k.algorithm) << "  " << k.length * 8
              << " bits  KCV " << k.kcv << (k.exportable ? "" : "  (not exportable)") << "\n";
}

std::unique_ptr<Hsm> openHsm(const po::variables_map& vm) {
    std::string backend = vm["backend"].as<std::string>();
    std::unique_ptr<Hsm> hsm;
    if (backend == "software") {
        SoftwareHsmOptions o;
        o.storePath = vm.count("store") ? vm["store"].as<std::string>() : std::string();
        if (o.storePath.empty()) {
            throw ConfigurationError("--backend software needs --store FILE");
        }
        o.passphrase = secretFrom(vm, "passphrase-file", "passphrase-env", "HC_HSM_PASSPHRASE");
        o.kdf.log2N = static_cast<std::uint8_t>(vm["kdf-log2n"].as<int>());
        hsm = std::make_unique<SoftwareHsm>(o);
    } else if (backend == "pkcs11") {
        Pkcs11Options o;
        o.modulePath = vm["module"].as<std::string>();
        o.tokenLabel = vm["token"].as<std::string>();
        o.userPin = secretFrom(vm, "pin-file", "pin-env", "HC_HSM_PIN");
        if (vm.count("sm4-key-type")) {
            o.sm4KeyType = std::stoul(vm["sm4-key-type"].as<std::string>(), nullptr, 0);
        }
        if (vm.count("sm4-ecb-mechanism")) {
            o.sm4EcbMechanism = std::stoul(vm["sm4-ecb-mechanism"].as<std::string>(), nullptr, 0);
        }
        hsm = std::make_unique<Pkcs11Hsm>(o);
    } else {
        throw InvalidArgumentError("--backend is pkcs11 or software");
    }
    std::string auditPath = vm["audit"].as<std::string>();
    hsm->setAuditLog(std::make_shared<AuditLog>(auditPath, vm["actor"].as<std::string>()));
    return hsm;
}

int importComponents(Hsm& hsm, const po::variables_map& vm) {
    KeyRef ref = KeyRef::parse(vm["key"].as<std::string>());
    KeyAlgorithm alg = parseKeyAlgorithm(vm["alg"].as<std::string>());
    int n = vm["components"].as<int>();
    if (n < 2 || n > 3) {
        throw InvalidArgumentError("--components is 2 or 3");
    }
    std::vector<KeyComponent> parts;
    for (int i = 1; i <= n; ++i) {
        for (int attempt = 1;; ++attempt) {
            std::cerr << "Custodian " << i << " of " << n << ": type component " << i
                      << " in hex (not shown), then Enter: " << std::flush;
            SecureBytes text = readSecretLine();
            KeyComponent c;
            c.clear
                = secureFromHex(std::span(reinterpret_cast<const char*>(text.data()), text.size()));
            std::cerr << "Custodian " << i << ": type the KCV printed on your form: " << std::flush;
            c.kcv = readLine();
            try {
                std::string actual = keyCheckValue(alg, c.clear);
                bool same = c.kcv.size() >= 6
                    && std::equal(actual.begin(), actual.end(), c.kcv.begin(), [](char a, char b) {
                           return std::toupper(static_cast<unsigned char>(a))
                               == std::toupper(static_cast<unsigned char>(b));
                       });
                if (!same) {
                    throw KcvMismatchError("component " + std::to_string(i) + " has KCV " + actual
                            + ", the form says " + c.kcv + ": re-enter component "
                            + std::to_string(i),
                        i);
                }
            } catch (const Error& e) {
                std::cerr << "hsm-tool: " << e.what() << "\n";
                if (attempt >= 3) {
                    throw;
                }
                continue;
            }
            std::cerr << "Component " << i << " accepted (KCV " << keyCheckValue(alg, c.clear)
                      << ").\n";
            parts.push_back(std::move(c));
            break;
        }
    }
    std::optional<std::string> expected;
    if (vm.count("expect-kcv")) {
        expected = vm["expect-kcv"].as<std::string>();
    }
    KeyOptions options;
    options.exportable = !vm.count("no-export");
    printKey(hsm.importComponents(ref, alg, parts, expected, options));
    return 0;
}

int run(int argc, char** argv) {
    hc::ProgramOptions program("hsm-tool", "options", { "help,h", "show help" });
    program.usage(kUsage).positional("command");
    // One option a line:
    // clang-format off
    program.add()
        ("backend", po::value<std::string>()->default_value("pkcs11"), "pkcs11 or software")
        ("module", po::value<std::string>()->default_value(defaultSoftHsmModule()), "PKCS#11 module")
        ("token", po::value<std::string>()->default_value("hc-dev"), "token label")
        ("pin-file", po::value<std::string>(), "file holding the user PIN")
        ("pin-env", po::value<std::string>(), "environment variable holding the user PIN")
        ("sm4-key-type", po::value<std::string>(), "vendor CKK number for SM4 keys (e.g. 0x80000002)")
        ("sm4-ecb-mechanism", po::value<std::string>(), "vendor CKM number for SM4-ECB")
        ("so-pin-file", po::value<std::string>(), "file holding the SO PIN (init)")
        ("so-pin-env", po::value<std::string>(), "environment variable holding the SO PIN (init)")
        ("store", po::value<std::string>(), "software key-store file")
        ("passphrase-file", po::value<std::string>(), "file holding the key-store passphrase")
        ("passphrase-env", po::value<std::string>(), "variable holding the key-store passphrase")
        ("kdf-log2n", po::value<int>()->default_value(15), "scrypt cost for new key stores")
        ("audit", po::value<std::string>()->default_value(
                      std::getenv("HC_HSM_AUDIT") ? std::getenv("HC_HSM_AUDIT") : "hsm-audit.log"),
         "audit log file")
        ("actor", po::value<std::string>()->default_value(defaultActor()), "who is operating")
        ("key", po::value<std::string>(), "key label[/version]")
        ("alg", po::value<std::string>(), "des3, sm4, aes or des")
        ("length", po::value<int>()->default_value(0), "key length in bytes (0 = default)")
        ("components", po::value<int>()->default_value(2), "number of components (2 or 3)")
        ("expect-kcv", po::value<std::string>(), "KCV the combined key must have")
        ("no-export", "store the key as not exportable")
        ("transport", po::value<std::string>(), "transport key label[/version]")
        ("blob", po::value<std::string>(), "wrapped key (hex)")
        ("kcv", po::value<std::string>(), "KCV of the wrapped key")
        ("div", po::value<std::vector<std::string>>(), "8-byte diversification factor (hex); repeat for levels")
        ("session", po::value<std::string>(), "session-key data (hex)")
        ("export-under", po::value<std::string>(), "diversify: also export under this transport key")
        ("expect-head", po::value<std::string>(), "audit verify: expected hash of the last entry")
        ("command", po::value<std::vector<std::string>>(), "command");
    // clang-format on
    if (const auto exit = program.parse(argc, argv)) {
        return *exit;
    }
    const po::variables_map& vm = program.values();
    if (!vm.count("command")) {
        program.printHelp(std::cout);
        return 2;
    }
    auto command = vm["command"].as<std::vector<std::string>>();
    const std::string& cmd = command[0];

    if (cmd == "audit") {
        if (command.size() != 2 || command[1] != "verify") {
            std::cerr << "hsm-tool: the audit command is `audit verify`\n";
            return 2;
        }
        std::optional<std::string> head;
        if (vm.count("expect-head")) {
            head = vm["expect-head"].as<std::string>();
        }
        auto result = verifyAuditLog(vm["audit"].as<std::string>(), head);
        for (const auto& p : result.problems) {
            std::cout << "PROBLEM " << p << "\n";
        }
        std::cout << (result.ok ? "OK " : "FAILED ") << result.entries << " entries, head "
                  << (result.headHash.empty() ? "-" : result.headHash) << "\n";
        return result.ok ? 0 : 1;
    }
    if (cmd == "init") {
        initToken(vm["module"].as<std::string>(), vm["token"].as<std::string>(),
            secretFrom(vm, "so-pin-file", "so-pin-env", "HC_HSM_SO_PIN"),
            secretFrom(vm, "pin-file", "pin-env", "HC_HSM_PIN"));
        std::cout << "token '" << vm["token"].as<std::string>() << "' initialized\n";
        return 0;
    }
    auto hsm = openHsm(vm);
    if (cmd == "keygen") {
        if (!vm.count("key") || !vm.count("alg")) {
            throw InvalidArgumentError("keygen needs --key and --alg");
        }
        KeyOptions options;
        options.exportable = !vm.count("no-export");
        printKey(hsm->generateKey(KeyRef::parse(vm["key"].as<std::string>()),
            parseKeyAlgorithm(vm["alg"].as<std::string>()),
            static_cast<std::size_t>(vm["length"].as<int>()), options));
        return 0;
    }
    if (cmd == "import-components") {
        if (!vm.count("key") || !vm.count("alg")) {
            throw InvalidArgumentError("import-components needs --key and --alg");
        }
        return importComponents(*hsm, vm);
    }
    if (cmd == "kcv" || cmd == "diversify") {
        KeySpec spec = specFrom(vm);
        if (cmd == "diversify" && spec.path.empty()) {
            throw InvalidArgumentError("diversify needs at least one --div factor");
        }
        KeyInfo info = hsm->describe(spec);
        std::cout << spec.describe() << "  " << toString(info.algorithm) << "  KCV " << info.kcv
                  << "\n";
        if (cmd == "diversify" && vm.count("export-under")) {
            WrappedKey w
                = hsm->exportWrapped(spec, KeyRef::parse(vm["export-under"].as<std::string>()));
            std::cout << "blob " << toHex(w.blob) << "\nkcv " << w.kcv << "\n";
        }
        return 0;
    }
    if (cmd == "list") {
        for (const auto& k : hsm->listKeys()) {
            printKey(k);
        }
        return 0;
    }
    if (cmd == "export-wrapped") {
        if (!vm.count("transport")) {
            throw InvalidArgumentError("export-wrapped needs --transport");
        }
        WrappedKey w
            = hsm->exportWrapped(specFrom(vm), KeyRef::parse(vm["transport"].as<std::string>()));
        std::cout << "alg " << toString(w.algorithm) << "\nblob " << toHex(w.blob) << "\nkcv "
                  << w.kcv << "\n";
        return 0;
    }
    if (cmd == "import-wrapped") {
        if (!vm.count("key") || !vm.count("alg") || !vm.count("transport") || !vm.count("blob")
            || !vm.count("kcv")) {
            throw InvalidArgumentError("import-wrapped needs --key --alg --transport --blob --kcv");
        }
        WrappedKey w;
        w.algorithm = parseKeyAlgorithm(vm["alg"].as<std::string>());
        w.blob = fromHex(vm["blob"].as<std::string>());
        w.kcv = vm["kcv"].as<std::string>();
        KeyOptions options;
        options.exportable = !vm.count("no-export");
        printKey(hsm->importWrapped(KeyRef::parse(vm["key"].as<std::string>()), w,
            KeyRef::parse(vm["transport"].as<std::string>()), options));
        return 0;
    }
    return program.usageError("unknown command '" + cmd + "'");
}

} // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const hc::hsm::Error& e) {
        std::cerr << "hsm-tool: " << e.what() << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "hsm-tool: unexpected error: " << e.what() << "\n";
        return 1;
    }
}
