#include "traces/import/console_clock.h"

#include <functional>
#include <limits>
#include <map>
#include <string_view>

namespace oopsim::traces {

std::int64_t console_offset_us(const std::vector<FtraceLine>& trace,
                               const std::vector<ProgressMark>& console_progress) {
  // By the whole line (a count can stay the same over several lines; the rest of the line then
  // tells them apart), its first time.
  std::map<std::string, std::uint64_t, std::less<>> on_console;
  for (const ProgressMark& m : console_progress) on_console.try_emplace(m.text, m.time_us);
  std::int64_t best = std::numeric_limits<std::int64_t>::max();
  for (const FtraceLine& l : trace) {
    if (l.event != "tracing_mark_write") continue;
    std::string_view text = l.payload;
    while (!text.empty() && (text.back() == ' ' || text.back() == '\r')) text.remove_suffix(1);
    auto c = on_console.find(text);
    if (c == on_console.end()) continue;
    std::int64_t gap = static_cast<std::int64_t>(l.time_us) - static_cast<std::int64_t>(c->second);
    if (gap < best) best = gap;
  }
  return best == std::numeric_limits<std::int64_t>::max() ? 0 : best;
}

std::int64_t console_offset_us(const std::vector<FtraceLine>& trace, const std::string& console) {
  return console_offset_us(trace, parse_console_progress(console));
}

}  // namespace oopsim::traces
