// Numbers read from text (trace text, ftrace lines, consoles, site-hit files, command-line
// values) without exceptions: the whole text must be the number, otherwise no value. Every
// reader in the project parses numbers through these, so a malformed number becomes the
// reader's error value (with its file and line) and never an escaping std::invalid_argument.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace oopsim::models {

// base 0: "0x"/"0X" means hexadecimal, anything else decimal. base 16 accepts an optional "0x".
// Unsigned: no sign. Signed: an optional '-'. Out of range, empty or trailing text: nullopt.
std::optional<std::uint64_t> parse_u64(std::string_view text, int base = 0);
std::optional<std::int64_t> parse_i64(std::string_view text, int base = 0);

// "SYMBOL+OFFSET" (OFFSET as parse_u64 with base 0; no '+' means offset 0). nullopt when the
// symbol is empty or the offset is not a number.
struct SymbolOffset {
  std::string_view symbol;
  std::uint64_t offset = 0;
};
std::optional<SymbolOffset> parse_symbol_offset(std::string_view text);

}  // namespace oopsim::models
