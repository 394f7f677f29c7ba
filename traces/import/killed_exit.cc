#include "traces/import/killed_exit.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace oopsim::traces {

std::size_t add_exits_the_trace_lost(
    const std::vector<FtraceLine>& lines, const std::vector<ProgressMark>& console_progress,
    const std::vector<ConsoleReport>& reports,
    const std::function<std::uint32_t(const ConsoleReport&)>& context_of,
    const std::function<bool(std::uint32_t)>& killable, std::vector<trace::Event>& events) {
  if (lines.empty()) return 0;
  for (const ConsoleReport& r : reports) {
    if (r.type == ConsoleReport::Type::kPanic) return 0;  // the kernel stopped: nobody exits
  }
  std::uint64_t trace_end = 0;
  for (const FtraceLine& l : lines) trace_end = std::max(trace_end, l.time_us);
  std::uint64_t console_end = 0;
  for (const ProgressMark& m : console_progress) console_end = std::max(console_end, m.time_us);
  if (console_end < trace_end + kStreamDeathWindowUs) return 0;  // the stream did not die
  std::size_t added = 0;
  std::set<std::uint32_t> seen;
  for (const ConsoleReport& r : reports) {
    if (r.type != ConsoleReport::Type::kOops || r.in_interrupt || r.pid <= 0) continue;
    if (r.time_us > trace_end || trace_end - r.time_us > kStreamDeathWindowUs) continue;
    std::uint32_t ctx = context_of(r);
    if (ctx == 0 || !killable(ctx) || !seen.insert(ctx).second) continue;
    // Not when the trace shows its exit, or anything of it after the stream's end (a console
    // report naming it later: it did not exit).
    bool shown = std::any_of(events.begin(), events.end(), [&](const trace::Event& e) {
      return e.context() == ctx &&
             ((e.type() == trace::Event::EXIT && e.time() >= r.time_us) || e.time() > trace_end);
    });
    if (shown) continue;
    trace::Event e;
    e.set_time(trace_end);
    e.set_context(ctx);
    e.set_type(trace::Event::EXIT);
    e.set_text(fmt::format(
        "from the console: killed after its oops at {}.{:06} s; the trace stream ended {} ms "
        "later, the console went on to {}.{:06} s",
        r.time_us / 1000000, r.time_us % 1000000, (trace_end - r.time_us) / 1000,
        console_end / 1000000, console_end % 1000000));
    auto at = std::upper_bound(events.begin(), events.end(), trace_end,
                               [](std::uint64_t t, const trace::Event& x) { return t < x.time(); });
    events.insert(at, std::move(e));
    ++added;
  }
  return added;
}

}  // namespace oopsim::traces
