#include "traces/format/trace_error.h"

#include <fmt/format.h>

namespace oopsim::traces {

std::string TraceError::message() const {
  std::string where = file.empty() ? std::string("<input>") : file;
  if (line != 0) return fmt::format("{}:{}: {}", where, line, what);
  if (packet != 0) return fmt::format("{}: packet {} at byte {}: {}", where, packet, offset, what);
  return fmt::format("{}: {}", where, what);
}

}  // namespace oopsim::traces
