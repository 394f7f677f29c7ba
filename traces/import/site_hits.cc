#include "traces/import/site_hits.h"

#include <fmt/format.h>

#include <cctype>
#include <sstream>

#include "models/parse_number.h"
#include "traces/import/record_lines.h"

namespace oopsim::traces {

namespace {

// "# pid-workloads 157=ext4:oopsim-fsbench ..."; "" or what is wrong.
std::string parse_pid_workloads(const std::string& line, SiteHits& out) {
  std::istringstream tags(line.substr(15));
  std::string tag;
  while (tags >> tag) {
    auto eq = tag.find('='), colon = tag.find(':');
    auto pid = models::parse_i64(std::string_view(tag).substr(0, eq), 10);
    if (eq == std::string::npos || colon == std::string::npos || colon < eq || !pid)
      return "a pid-workloads entry is not PID=WORKLOAD:PROGRAM: '" + tag + "'";
    out.other_boot[static_cast<int>(*pid)] = {tag.substr(eq + 1, colon - eq - 1),
                                              tag.substr(colon + 1)};
  }
  return "";
}

// A hit line; "" or what is wrong.
std::string parse_hit(const std::string& line, SiteHits& out) {
  std::istringstream words(line);
  std::string jiffies_text, cpu_text, pid_text, comm, pc_text;
  if (!(words >> jiffies_text >> cpu_text >> pid_text >> comm >> pc_text))
    return "a hit is not 'jiffies cpu pid comm preempt_count': '" + line + "'";
  auto jiffies = models::parse_u64(jiffies_text, 10);
  auto cpu = models::parse_i64(cpu_text, 10);
  auto pid = models::parse_i64(pid_text, 10);
  auto pc = models::parse_u64(pc_text, 0);
  if (!jiffies || !cpu || !pid || !pc)
    return "a hit has a field that is not a number: '" + line + "'";
  std::optional<std::uint64_t> flags, ns;
  for (std::string word; words >> word;) {
    if (word.rfind("ns=", 0) == 0 && !ns) {
      ns = models::parse_u64(std::string_view(word).substr(3), 10);
      if (!ns) return "a hit's ns= is not a number: '" + line + "'";
    } else if (!flags && !ns) {
      flags = models::parse_u64(word, 0);
      if (!flags) return "a hit's flags register is not a number: '" + line + "'";
    } else {
      return "a hit has more than 'jiffies cpu pid comm preempt_count [flags] [ns=N]': '" + line +
             "'";
    }
  }
  out.hits.push_back(
      {*jiffies, static_cast<int>(*cpu), static_cast<int>(*pid), std::move(comm), *pc, flags, ns});
  return "";
}

}  // namespace

bool parse_site_hits(std::string_view text, const std::string& file, SiteHits& out,
                     TraceError& error) {
  auto comment = [&](const std::string& line) -> std::string {
    if (line.rfind("# pid-workloads", 0) == 0) return parse_pid_workloads(line, out);
    return header_clock(line, out.hz, out.initial);
  };
  return read_record_lines(
      text, file, "", [&](const std::string& line) { return parse_hit(line, out); }, error,
      comment);
}

std::string format_site_hits(const SiteHits& h) {
  std::string out = fmt::format(
      "# site {:#x}; jiffies (HZ={}, INITIAL_JIFFIES={}) cpu pid comm preempt_count{}\n", h.site,
      h.hz, h.initial, h.source.empty() ? "" : " (from " + h.source + ")");
  if (!h.other_boot.empty()) {
    out += "# pid-workloads";
    for (const auto& [pid, wc] : h.other_boot)
      out += fmt::format(" {}={}:{}", pid, wc.first, wc.second);
    out += "\n";
  }
  for (const SiteHit& hit : h.hits) {
    out += fmt::format("{} {} {} {} {:#x}", hit.jiffies, hit.cpu, hit.pid, hit.comm,
                       hit.preempt_count);
    if (hit.flags) out += fmt::format(" {:#x}", *hit.flags);
    out += hit.ns ? fmt::format(" ns={}\n", *hit.ns) : std::string("\n");
  }
  return out;
}

}  // namespace oopsim::traces
