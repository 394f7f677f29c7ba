#include "models/reap_path.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <sstream>
#include <stdexcept>

namespace oopsim::models {

extern const char* const kBuiltinReapPath;  // generated from models/reap_path.txt

namespace {

std::string_view base_name(std::string_view symbol) {
  return symbol.substr(0, std::min(symbol.find('.'), symbol.size()));
}

}  // namespace

const ReapPath& ReapPath::builtin() {
  static const ReapPath path = [] {
    ReapPath p;
    std::string error;
    if (!p.add_rows(kBuiltinReapPath, "models/reap_path.txt", error)) {
      throw std::logic_error(error);  // a bad built-in table is a build defect
    }
    return p;
  }();
  return path;
}

bool ReapPath::add_rows(std::string_view text, std::string_view source, std::string& error) {
  std::istringstream in{std::string(text)};
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    std::istringstream words(line);
    std::string entry, extra;
    if (!(words >> entry)) continue;
    std::uint64_t offset = kWhole;
    std::size_t plus = entry.find('+');
    if (plus != std::string::npos) {
      std::string digits = entry.substr(plus + 1);
      char* end = nullptr;
      offset = std::strtoull(digits.c_str(), &end, 16);
      if (digits.rfind("0x", 0) != 0 || digits.size() < 3 || *end != '\0') {
        error = fmt::format("{}:{}: expected function+0xoffset, got '{}'", source, n, entry);
        return false;
      }
      entry.resize(plus);
    }
    if (entry.empty() || (words >> extra)) {
      error = fmt::format("{}:{}: expected one function or function+0xoffset per line", source, n);
      return false;
    }
    entries_.emplace_back(std::string(base_name(entry)), offset);
  }
  std::sort(entries_.begin(), entries_.end());
  entries_.erase(std::unique(entries_.begin(), entries_.end()), entries_.end());
  return true;
}

bool ReapPath::calls(std::string_view symbol) const {
  std::string base(base_name(symbol));
  auto it =
      std::lower_bound(entries_.begin(), entries_.end(), std::make_pair(base, std::uint64_t{0}));
  return !base.empty() && it != entries_.end() && it->first == base;
}

bool ReapPath::contains(std::string_view symbol, std::uint64_t offset) const {
  std::string base(base_name(symbol));
  if (base.empty()) return false;
  return std::binary_search(entries_.begin(), entries_.end(), std::make_pair(base, offset)) ||
         std::binary_search(entries_.begin(), entries_.end(), std::make_pair(base, kWhole));
}

}  // namespace oopsim::models
