#include "models/parse_number.h"

#include <charconv>
#include <limits>

namespace oopsim::models {
namespace {

// Strips a "0x" prefix when the base allows one and returns the base to read the rest in.
int strip_base(std::string_view& text, int base) {
  bool hex_prefix = text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
  if ((base == 0 || base == 16) && hex_prefix) {
    text.remove_prefix(2);
    return 16;
  }
  return base == 0 ? 10 : base;
}

std::optional<std::uint64_t> magnitude(std::string_view text, int base) {
  base = strip_base(text, base);
  if (text.empty() || text[0] == '+' || text[0] == '-') return std::nullopt;
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v, base);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

}  // namespace

std::optional<std::uint64_t> parse_u64(std::string_view text, int base) {
  return magnitude(text, base);
}

std::optional<std::int64_t> parse_i64(std::string_view text, int base) {
  bool negative = !text.empty() && text[0] == '-';
  if (negative) text.remove_prefix(1);
  auto m = magnitude(text, base);
  if (!m) return std::nullopt;
  constexpr std::uint64_t kMax = std::numeric_limits<std::int64_t>::max();
  if (*m > (negative ? kMax + 1 : kMax)) return std::nullopt;
  if (negative) return static_cast<std::int64_t>(0 - *m);
  return static_cast<std::int64_t>(*m);
}

std::optional<SymbolOffset> parse_symbol_offset(std::string_view text) {
  SymbolOffset r;
  auto plus = text.find('+');
  r.symbol = text.substr(0, plus);
  if (r.symbol.empty()) return std::nullopt;
  if (plus == std::string_view::npos) return r;
  auto off = parse_u64(text.substr(plus + 1), 0);
  if (!off) return std::nullopt;
  r.offset = *off;
  return r;
}

}  // namespace oopsim::models
