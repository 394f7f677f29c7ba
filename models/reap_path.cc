#include "models/reap_path.h"

#include <fmt/format.h>

#include <algorithm>

#include "models/parse_number.h"
#include "models/table_rows.h"

namespace oopsim::models {

extern const char* const kBuiltinReapPath;  // generated from models/reap_path.txt

namespace {

std::string_view base_name(std::string_view symbol) {
  return symbol.substr(0, std::min(symbol.find('.'), symbol.size()));
}

}  // namespace

const ReapPath& ReapPath::builtin() {
  return builtin_table<ReapPath>(kBuiltinReapPath, "models/reap_path.txt");
}

bool ReapPath::add_rows(std::string_view text, std::string_view source, std::string& error) {
  bool ok = read_table_rows(
      text, source,
      [&](const std::vector<std::string>& w) -> std::string {
        if (w.size() != 1) return "expected one function or function+0xoffset per line";
        std::string entry = w[0];
        std::uint64_t offset = kWhole;
        if (std::size_t plus = entry.find('+'); plus != std::string::npos) {
          std::string_view digits = std::string_view(entry).substr(plus + 1);
          auto parsed = digits.rfind("0x", 0) == 0 ? parse_u64(digits, 16) : std::nullopt;
          if (!parsed) return fmt::format("expected function+0xoffset, got '{}'", entry);
          offset = *parsed;
          entry.resize(plus);
        }
        if (entry.empty()) return "expected one function or function+0xoffset per line";
        entries_.emplace_back(std::string(base_name(entry)), offset);
        return "";
      },
      error);
  std::sort(entries_.begin(), entries_.end());
  entries_.erase(std::unique(entries_.begin(), entries_.end()), entries_.end());
  return ok;
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
