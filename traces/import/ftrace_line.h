// One line of ftrace text output (trace / trace_pipe):
//   <comm>-<pid> [<cpu>] <flags> <seconds>.<micros>: <event>: <payload>
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace oopsim::traces {

struct FtraceLine {
  std::string comm;
  int pid = 0;
  int cpu = 0;
  char irq = '.';  // 'h' hard irq, 's' softirq, 'H' hard irq in softirq, '.' task
  std::uint64_t time_us = 0;
  std::string event;
  std::string payload;
};

// False for comment, header and unparseable lines.
bool parse_ftrace_line(std::string_view line, FtraceLine& out);
// The value of `key=` in a payload (up to the next space), if present.
std::optional<std::string_view> payload_field(std::string_view payload, std::string_view key);
// "0x..." or decimal; nullopt if not a number.
std::optional<std::uint64_t> parse_number(std::string_view text);
// "<seconds>.<digits>" -> microseconds.
std::optional<std::uint64_t> parse_seconds_us(std::string_view text);

}  // namespace oopsim::traces
