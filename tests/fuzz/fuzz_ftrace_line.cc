// One line of ftrace text as the guest's trace_pipe writes it, and the payload helpers.
#include <cstdint>
#include <string>

#include "traces/import/ftrace_line.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view line(reinterpret_cast<const char*>(data), size);
  oopsim::traces::FtraceLine l;
  if (oopsim::traces::parse_ftrace_line(line, l)) {
    oopsim::traces::payload_field(l.payload, "lock");
    oopsim::traces::payload_field(l.payload, "ret");
  }
  oopsim::traces::parse_number(line);
  oopsim::traces::parse_seconds_us(line);
  return 0;
}
