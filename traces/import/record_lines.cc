#include "traces/import/record_lines.h"

#include <cctype>
#include <sstream>

#include "models/parse_number.h"

namespace oopsim::traces {

bool read_record_lines(std::string_view text, const std::string& file, std::string_view prefix,
                       const std::function<std::string(const std::string&)>& on_line,
                       TraceError& error,
                       const std::function<std::string(const std::string&)>& on_comment) {
  std::istringstream in{std::string(text)};
  std::string line;
  std::uint64_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    std::string bad;
    if (line.rfind('#', 0) == 0) {
      if (on_comment) bad = on_comment(line);
    } else if (line.find_first_not_of(" \t\r") != std::string::npos) {
      bad = on_line(line);
    }
    if (!bad.empty()) {
      error.kind = ErrorKind::kData;
      error.file = file;
      error.line = line_no;
      error.what = std::string(prefix) + bad;
      return false;
    }
  }
  return true;
}

bool header_number(const std::string& line, std::string_view key, std::uint64_t& value) {
  auto at = line.find(key);
  if (at == std::string::npos) return true;
  std::string_view rest = std::string_view(line).substr(at + key.size());
  std::size_t n = 0;
  while (n < rest.size() && std::isalnum(static_cast<unsigned char>(rest[n]))) ++n;
  auto v = models::parse_u64(rest.substr(0, n), 10);
  if (v) value = *v;
  return v.has_value();
}

std::string header_clock(const std::string& line, std::uint64_t& hz, std::uint64_t& initial) {
  if (!header_number(line, "HZ=", hz) || hz == 0) return "HZ= is not a positive number";
  if (!header_number(line, "INITIAL_JIFFIES=", initial)) return "INITIAL_JIFFIES= is not a number";
  return "";
}

}  // namespace oopsim::traces
