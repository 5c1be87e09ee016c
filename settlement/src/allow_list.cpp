#include "hc/settle/allow_list.hpp"

#include "hc/settle/error.hpp"

#include <fstream>
#include <sstream>

namespace hc::settle {

AllowList parseAllowList(const std::string& text, const std::string& source) {
    AllowList byKey;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') {
            continue;
        }
        std::istringstream ss(line);
        std::string id, key;
        ss >> id >> key;
        if (key.size() != 40) {
            throw InputError(source, "bad line (need 'terminal-id z85-public-key'): " + line);
        }
        byKey[key] = id;
    }
    return byKey;
}

AllowList readAllowList(const std::string& file) {
    std::ifstream f(file);
    if (!f) {
        throw InputError(file, "cannot read allow-list");
    }
    std::ostringstream ss;
    ss << f.rdbuf();
    return parseAllowList(ss.str(), file);
}

} // namespace hc::settle
