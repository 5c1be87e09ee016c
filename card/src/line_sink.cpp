#include "hc/card/line_sink.hpp"

#include "hc/card/error.hpp"

#include <fstream>
#include <memory>
#include <ostream>

namespace hc::card {

LineSink ostreamSink(std::ostream& out) {
    return [&out](std::string_view line) {
        out << line << '\n';
        out.flush();
    };
}

LineSink appendFileSink(const std::filesystem::path& path) {
    auto file = std::make_shared<std::ofstream>(path, std::ios::app | std::ios::binary);
    if (!*file) {
        throw Error(
            "cannot open " + path.string() + " for appending", NextStep::CheckConfiguration);
    }
    return [file](std::string_view line) {
        *file << line << '\n';
        file->flush();
    };
}

} // namespace hc::card
