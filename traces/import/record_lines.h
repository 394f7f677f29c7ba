// The QEMU plugin's records (site-hits.txt, crash-state.txt, mem.txt, blocked.txt) are text, one
// record a line: this reads such a text line by line, the one loop for all their parsers.
#pragma once

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

}  // namespace oopsim::traces
