#include "traces/import/record_lines.h"

#include <sstream>

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

}  // namespace oopsim::traces
