#include "traces/inject/coverage.h"

#include <algorithm>

#include "models/parse_number.h"

namespace oopsim::inject {

bool Coverage::parse(std::string_view text, const std::string& file, traces::TraceError& error) {
  addresses_.clear();
  std::uint64_t line_no = 0;
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    if (line.substr(0, 2) == "0x") line.remove_prefix(2);
    auto address = models::parse_u64(line, 16);
    if (!address) {
      error = traces::TraceError{traces::ErrorKind::kData,
                                 file,
                                 0,
                                 0,
                                 line_no,
                                 "not an instruction address: '" + std::string(line) + "'"};
      return false;
    }
    addresses_.push_back(*address);
  }
  std::sort(addresses_.begin(), addresses_.end());
  addresses_.erase(std::unique(addresses_.begin(), addresses_.end()), addresses_.end());
  return true;
}

bool Coverage::contains(std::uint64_t address) const {
  return std::binary_search(addresses_.begin(), addresses_.end(), address);
}

}  // namespace oopsim::inject
