#include "models/reap_path.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "models/parse_number.h"
#include "models/table_rows.h"

namespace oopsim::models {

// Generated from models/reap_path*.txt (reap_path.cc.in); the first is builtin()'s.
extern const BuiltinReapPath kBuiltinReapPaths[];
extern const std::size_t kBuiltinReapPathCount;

namespace {

std::string_view base_name(std::string_view symbol) {
  return symbol.substr(0, std::min(symbol.find('.'), symbol.size()));
}

// "6.12" of "6.12.118+deb12-amd64", "6.1" of "6.1.0-56-amd64".
std::string_view major_minor(std::string_view release) {
  std::size_t dot = release.find('.');
  if (dot == std::string_view::npos) return release;
  std::size_t end = release.find_first_not_of("0123456789", dot + 1);
  return release.substr(0, end == std::string_view::npos ? release.size() : end);
}

}  // namespace

const std::vector<ReapPath>& ReapPath::tables() {
  static const std::vector<ReapPath> tables = [] {
    std::vector<ReapPath> t(kBuiltinReapPathCount);
    for (std::size_t i = 0; i < kBuiltinReapPathCount; ++i) {
      std::string error;
      if (!t[i].add_rows(kBuiltinReapPaths[i].text, kBuiltinReapPaths[i].source, error))
        throw std::logic_error(error);
      t[i].source_ = kBuiltinReapPaths[i].source;
    }
    return t;
  }();
  return tables;
}

const ReapPath& ReapPath::builtin() {
  return tables().front();
}

const ReapPath& ReapPath::for_kernel(std::string_view release) {
  const std::vector<ReapPath>& all = tables();
  for (std::size_t i = 0; i < kBuiltinReapPathCount; ++i) {
    if (release == kBuiltinReapPaths[i].release) return all[i];
  }
  for (std::size_t i = 0; i < kBuiltinReapPathCount; ++i) {
    if (!release.empty() && major_minor(release) == major_minor(kBuiltinReapPaths[i].release))
      return all[i];
  }
  return all.front();
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
