#include "traces/import/blocked_tasks.h"

#include <fmt/format.h>

#include <algorithm>
#include <sstream>

#include "models/parse_number.h"
#include "traces/import/record_lines.h"

namespace oopsim::traces {

namespace {

std::string parse_line(const std::string& line, BlockedTasks& out) {
  std::istringstream in(line.substr(1));
  std::string a, b, c;
  if (line[0] == 'W') {
    std::optional<std::uint64_t> j, n;
    if (!(in >> a >> b) || !(j = models::parse_u64(a, 10)) || !(n = models::parse_u64(b, 10)))
      return "a W line is not 'W jiffies tasks'";
    out.last_walk = *j;
    out.tasks = *n;
    return "";
  }
  if (line[0] != 'B') return "a line starts with neither W, B nor #";
  BlockedTask t;
  auto pid = (in >> a >> t.comm >> b >> c) ? models::parse_i64(a, 10) : std::nullopt;
  auto since = pid ? models::parse_u64(c, 10) : std::nullopt;
  if (!since || (b != "D" && b != "S" && b != "R"))
    return "a B line is not 'B pid comm D|S|R since address...'";
  t.state = b[0];
  t.pid = static_cast<int>(*pid);
  t.since = *since;
  while (in >> a) {
    auto addr = models::parse_u64(a, 0);
    if (!addr) return "a B line's address is not a number: '" + a + "'";
    t.stack.push_back(*addr);
  }
  out.blocked.push_back(std::move(t));
  return "";
}

}  // namespace

bool parse_blocked_tasks(std::string_view text, const std::string& file, BlockedTasks& out,
                         TraceError& error) {
  return read_record_lines(
      text, file, "blocked tasks: ", [&](const std::string& line) { return parse_line(line, out); },
      error, [&](const std::string& line) { return header_clock(line, out.hz, out.initial); });
}

std::string where_it_waits(const BlockedTask& t, const Kallsyms& syms) {
  std::optional<std::uint64_t> sched_start = syms.address_of("__sched_text_start");
  std::optional<std::uint64_t> sched_end = syms.address_of("__sched_text_end");
  bool sched = sched_start && sched_end;
  std::vector<std::string> names;
  for (std::uint64_t a : t.stack) {
    if (sched && a >= *sched_start && a < *sched_end) continue;
    Kallsyms::Hit hit;
    if (!syms.lookup(a, hit)) continue;
    if (!names.empty() && names.back() == hit.name) continue;
    names.push_back(hit.name);
    if (names.size() == 3) break;
  }
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : " <- ") + n;
  return out;
}

}  // namespace oopsim::traces
