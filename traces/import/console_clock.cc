#include "traces/import/console_clock.h"

#include <functional>
#include <limits>
#include <map>
#include <string_view>

namespace oopsim::traces {

std::optional<std::int64_t> paired_console_offset_us(
    const std::vector<FtraceLine>& trace, const std::vector<ProgressMark>& console_progress) {
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
  if (best == std::numeric_limits<std::int64_t>::max()) return std::nullopt;
  return best;
}

std::int64_t console_offset_us(const std::vector<FtraceLine>& trace,
                               const std::vector<ProgressMark>& console_progress) {
  return paired_console_offset_us(trace, console_progress).value_or(0);
}

PairedOffsets paired_offsets(std::optional<std::int64_t> injected,
                             std::optional<std::int64_t> golden) {
  PairedOffsets o;
  o.injected_us = injected.value_or(golden.value_or(0));
  o.golden_us = golden.value_or(injected.value_or(0));
  o.injected_borrowed = !injected.has_value() && golden.has_value();
  return o;
}

std::int64_t console_offset_us(const std::vector<FtraceLine>& trace, const std::string& console) {
  return console_offset_us(trace, parse_console_progress(console));
}

}  // namespace oopsim::traces
