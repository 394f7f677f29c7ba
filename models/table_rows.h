// The compiled-in data tables (state_classes.txt, subsystem_rules.txt, reap_path.txt) and the
// rows users add to them share one text form: whitespace-separated words, '#' to the end of a line
// is a comment, blank lines are skipped. One reader for all of them.
#pragma once

#include <fmt/format.h>

#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace oopsim::models {

// Calls `row(words)` for every row with words; `row` returns "" or what is wrong, which becomes
// `error` ("SOURCE:LINE: what") and stops the reading.
bool read_table_rows(std::string_view text, std::string_view source,
                     const std::function<std::string(const std::vector<std::string>&)>& row,
                     std::string& error);

// The built-in table, made once from its compiled-in text through T::add_rows. A bad built-in
// table is a build defect: std::logic_error at first use (the tests load every table).
template <typename T>
const T& builtin_table(const char* text, const char* source) {
  static const T table = [&] {
    T t;
    std::string error;
    if (!t.add_rows(text, source, error)) throw std::logic_error(error);
    return t;
  }();
  return table;
}

}  // namespace oopsim::models
