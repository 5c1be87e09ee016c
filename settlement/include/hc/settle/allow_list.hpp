// The terminals settlementd serves: an allow-list file of "terminal-id z85-public-key" lines
// ('#' comments and blank lines allowed). The key (CURVE, Z85, 40 characters) is what the
// terminal proves it holds; the id is the name every request of that terminal runs under.
#pragma once

#include <map>
#include <string>

namespace hc::settle {

/** Z85 public key (40 chars) → terminal id. */
using AllowList = std::map<std::string, std::string>;

/** Reads an allow-list file. Throws InputError naming the file and, for a bad line, the line. */
AllowList readAllowList(const std::string& file);

/** Parses allow-list text (a file's content); `source` names it in errors. */
AllowList parseAllowList(const std::string& text, const std::string& source);

} // namespace hc::settle
