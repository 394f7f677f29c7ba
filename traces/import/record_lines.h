// The QEMU plugin's records (site-hits.txt, crash-state.txt, mem.txt, blocked.txt) are text, one
// record a line: this reads such a text line by line, the one loop for all their parsers.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "traces/format/trace_error.h"

namespace oopsim::traces {

// Calls `on_line` with each line that is neither blank nor a `#` comment, and `on_comment` (when
// given) with each comment line. Each returns "" or what is wrong with the line; the first wrong
// line stops the reading: false, with `error` at `file` and the line, `prefix` before its text.
bool read_record_lines(std::string_view text, const std::string& file, std::string_view prefix,
                       const std::function<std::string(const std::string&)>& on_line,
                       TraceError& error,
                       const std::function<std::string(const std::string&)>& on_comment = {});

// The number after KEY= in a header line (its letters and digits: "HZ=250," is 250): false when
// it is not a number; true, `value` untouched, when the key is absent.
bool header_number(const std::string& line, std::string_view key, std::uint64_t& value);

// A record's jiffies clock from its header line ("... HZ=250, INITIAL_JIFFIES=4294892296 ..."):
// "" or what is wrong (HZ not a positive number, INITIAL_JIFFIES not a number).
std::string header_clock(const std::string& line, std::uint64_t& hz, std::uint64_t& initial);

}  // namespace oopsim::traces
