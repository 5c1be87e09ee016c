// Standalone driver for the fuzz targets when libFuzzer is not available (the normal GCC build).
//
//   <target> [--iterations N] [--seed S] [--max-len L] PATH...
//
// Every PATH that is a file is run once; every directory contributes its regular files (sorted by
// name) as seeds; a PATH that does not exist is noted and skipped. After the seeds, N (default
// 20000) pseudo-random mutations of them are run; the mutations depend only on the seeds and S, so
// a failure reproduces. When an input crashes the target (abort, uncaught exception), its hex is
// printed to stderr first.
#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <unistd.h>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

using Input = std::vector<std::uint8_t>;

const Input* g_current = nullptr;

void dumpCurrent() {
    if (g_current == nullptr) {
        return;
    }
    static const char kDigits[] = "0123456789ABCDEF";
    const char head[] = "\nfuzz: crashing input (hex): ";
    (void)!::write(2, head, sizeof head - 1);
    for (std::uint8_t b : *g_current) {
        const char pair[2] = { kDigits[b >> 4], kDigits[b & 0x0F] };
        (void)!::write(2, pair, 2);
    }
    (void)!::write(2, "\n", 1);
}

extern "C" void onSignal(int sig) {
    dumpCurrent();
    std::signal(sig, SIG_DFL);
    std::raise(sig);
}

class Rng {
public:
    explicit Rng(std::uint64_t seed)
        : m_state(seed == 0 ? 0x9E3779B97F4A7C15ULL : seed) { }
    std::uint64_t next() {
        m_state ^= m_state << 13;
        m_state ^= m_state >> 7;
        m_state ^= m_state << 17;
        return m_state;
    }
    std::size_t below(std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(next() % n); }
    std::uint8_t byte() { return static_cast<std::uint8_t>(next()); }

private:
    std::uint64_t m_state;
};

constexpr std::uint8_t kInteresting[] = { 0x00, 0x01, 0x02, 0x03, 0x04, 0x0F, 0x10, 0x1F, 0x20,
    0x3B, 0x3F, 0x61, 0x6C, 0x7F, 0x80, 0x81, 0x82, 0x83, 0x84, 0x90, 0x9F, 0xBF, 0xFE, 0xFF, '"',
    '*', '{', '}', ':', ',', '\n' };

Input mutate(const std::vector<Input>& seeds, Rng& rng, std::size_t maxLen) {
    Input in = seeds.empty() ? Input {} : seeds[rng.below(seeds.size())];
    const std::size_t rounds = 1 + rng.below(4);
    for (std::size_t r = 0; r < rounds; ++r) {
        switch (rng.below(9)) {
        case 0: // flip a bit
            if (!in.empty()) {
                in[rng.below(in.size())] ^= static_cast<std::uint8_t>(1u << rng.below(8));
            }
            break;
        case 1: // random byte
            if (!in.empty()) {
                in[rng.below(in.size())] = rng.byte();
            }
            break;
        case 2: // interesting byte
            if (!in.empty()) {
                in[rng.below(in.size())] = kInteresting[rng.below(sizeof kInteresting)];
            }
            break;
        case 3: // insert a byte
            in.insert(in.begin() + static_cast<std::ptrdiff_t>(rng.below(in.size() + 1)),
                kInteresting[rng.below(sizeof kInteresting)]);
            break;
        case 4: // delete a byte
            if (!in.empty()) {
                in.erase(in.begin() + static_cast<std::ptrdiff_t>(rng.below(in.size())));
            }
            break;
        case 5: // truncate
            in.resize(rng.below(in.size() + 1));
            break;
        case 6: { // duplicate a chunk
            if (in.empty()) {
                break;
            }
            const std::size_t from = rng.below(in.size());
            const std::size_t len = 1 + rng.below(std::min<std::size_t>(16, in.size() - from));
            const Input chunk(in.begin() + static_cast<std::ptrdiff_t>(from),
                in.begin() + static_cast<std::ptrdiff_t>(from + len));
            in.insert(in.begin() + static_cast<std::ptrdiff_t>(rng.below(in.size() + 1)),
                chunk.begin(), chunk.end());
            break;
        }
        case 7: { // splice with another seed
            if (seeds.empty()) {
                break;
            }
            const Input& other = seeds[rng.below(seeds.size())];
            in.resize(rng.below(in.size() + 1));
            const std::size_t from = rng.below(other.size() + 1);
            in.insert(in.end(), other.begin() + static_cast<std::ptrdiff_t>(from), other.end());
            break;
        }
        default: // append random bytes
            for (std::size_t i = 1 + rng.below(8); i > 0; --i) {
                in.push_back(rng.byte());
            }
            break;
        }
    }
    if (in.size() > maxLen) {
        in.resize(maxLen);
    }
    return in;
}

Input readFile(const std::filesystem::path& p) {
    std::ifstream f(p, std::ios::binary);
    return Input(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

void run(const Input& in) {
    g_current = &in;
    LLVMFuzzerTestOneInput(in.data(), in.size());
    g_current = nullptr;
}

} // namespace

int main(int argc, char** argv) {
    std::size_t iterations = 20000;
    std::uint64_t seed = 1;
    std::size_t maxLen = 8192;
    std::vector<std::filesystem::path> paths;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if ((arg == "--iterations" || arg == "--seed" || arg == "--max-len") && i + 1 < argc) {
            const auto v = std::strtoull(argv[++i], nullptr, 10);
            if (arg == "--iterations") {
                iterations = static_cast<std::size_t>(v);
            } else if (arg == "--seed") {
                seed = v;
            } else {
                maxLen = static_cast<std::size_t>(v);
            }
        } else if (arg.starts_with("--")) {
            std::fprintf(
                stderr, "usage: %s [--iterations N] [--seed S] [--max-len L] PATH...\n", argv[0]);
            return 2;
        } else {
            paths.emplace_back(arg);
        }
    }

    std::signal(SIGABRT, onSignal);
    std::signal(SIGSEGV, onSignal);
    std::signal(SIGFPE, onSignal);
    std::signal(SIGILL, onSignal);
    std::set_terminate([] {
        dumpCurrent();
        std::abort();
    });

    std::vector<Input> seeds;
    for (const auto& p : paths) {
        if (std::filesystem::is_directory(p)) {
            std::vector<std::filesystem::path> files;
            for (const auto& e : std::filesystem::directory_iterator(p)) {
                if (e.is_regular_file()) {
                    files.push_back(e.path());
                }
            }
            std::sort(files.begin(), files.end());
            for (const auto& f : files) {
                seeds.push_back(readFile(f));
            }
        } else if (std::filesystem::is_regular_file(p)) {
            seeds.push_back(readFile(p));
        } else {
            // A target may not have committed seeds yet: fuzz from the empty input.
            std::fprintf(
                stderr, "fuzz: note: no seed corpus at %s, mutating the empty input\n", p.c_str());
        }
    }

    const auto start = std::chrono::steady_clock::now();
    run(Input {});
    for (const auto& s : seeds) {
        run(s);
    }
    Rng rng(seed);
    for (std::size_t i = 0; i < iterations; ++i) {
        run(mutate(seeds, rng, maxLen));
    }
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start)
                        .count();
    std::printf("fuzz: %zu seeds + %zu mutations, no crash, %lld ms\n", seeds.size(), iterations,
        static_cast<long long>(ms));
    return 0;
}
