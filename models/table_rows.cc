#include "models/table_rows.h"

#include <sstream>

namespace oopsim::models {

bool read_table_rows(std::string_view text, std::string_view source,
                     const std::function<std::string(const std::vector<std::string>&)>& row,
                     std::string& error) {
  std::istringstream in{std::string(text)};
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    std::istringstream words_in(line);
    std::vector<std::string> words;
    for (std::string w; words_in >> w;) words.push_back(std::move(w));
    if (words.empty()) continue;
    if (std::string what = row(words); !what.empty()) {
      error = fmt::format("{}:{}: {}", source, n, what);
      return false;
    }
  }
  return true;
}

}  // namespace oopsim::models
