#include "traces/import/mem_record.h"

#include <fmt/format.h>

#include <array>
#include <limits>
#include <sstream>
#include <utility>

#include "models/parse_number.h"
#include "traces/format/trace.pb.h"
#include "traces/import/record_lines.h"

namespace oopsim::traces {

namespace {

constexpr std::array<std::pair<std::string_view, trace::Object::Region>, 9> kRegions{{
    {"stack", trace::Object::STACK},
    {"task", trace::Object::TASK},
    {"slab", trace::Object::SLAB},
    {"global", trace::Object::GLOBAL},
    {"percpu", trace::Object::PERCPU},
    {"page-cache", trace::Object::PAGE_CACHE},
    {"anon-page", trace::Object::ANON_PAGE},
    {"page", trace::Object::PAGE},
    {"other", trace::Object::OTHER},
}};

// Reads whitespace-separated words as numbers: decimal (`u`, `i`) or with a 0x prefix (`x`).
class Words {
 public:
  explicit Words(const std::string& line) : in_(line) { in_ >> tag_; }
  bool u(std::uint64_t& v) { return number(v, 10); }
  bool x(std::uint64_t& v) { return number(v, 0); }
  template <typename T>
  bool small(T& v, int base) {
    std::uint64_t w;
    if (!number(w, base) || w > static_cast<std::uint64_t>(std::numeric_limits<T>::max()))
      return false;
    v = static_cast<T>(w);
    return true;
  }
  bool i(int& v) {
    std::string w;
    if (!(in_ >> w)) return false;
    auto n = models::parse_i64(w, 10);
    if (!n || *n < INT32_MIN || *n > INT32_MAX) return false;
    v = static_cast<int>(*n);
    return true;
  }
  bool word(std::string& v) { return static_cast<bool>(in_ >> v); }
  // An optional last word `ns=N`, then the line's end.
  bool ns_done(std::optional<std::uint64_t>& ns) {
    std::string w;
    if (!(in_ >> w)) return true;
    if (w.rfind("ns=", 0) != 0) return false;
    ns = models::parse_u64(std::string_view(w).substr(3), 10);
    return ns.has_value() && done();
  }
  bool done() {
    std::string rest;
    return !(in_ >> rest);
  }

 private:
  bool number(std::uint64_t& v, int base) {
    std::string w;
    if (!(in_ >> w)) return false;
    auto n = models::parse_u64(w, base);
    if (!n) return false;
    v = *n;
    return true;
  }
  std::istringstream in_;
  std::string tag_;
};

bool who(Words& w, MemContext& c) {
  return w.u(c.jiffies) && w.i(c.cpu) && w.i(c.pid) && w.word(c.comm) &&
         w.small(c.preempt_count, 0);
}

std::string parse_line(const std::string& line, MemRecord& out) {
  Words w(line);
  switch (line[0]) {
    case 'A': {
      if (out.activation) return "a second activation (A) line";
      MemActivation a;
      if (!who(w, a.who) || !w.x(a.task) || !w.x(a.stack) || !w.ns_done(a.who.ns))
        return "an A line is not 'A jiffies cpu pid comm preempt task stack [ns=N]'";
      out.activation = std::move(a);
      return "";
    }
    case 'W': {
      MemWrite m;
      if (!w.u(m.jiffies) || !w.x(m.insn) || !w.x(m.address) || !w.small(m.size, 10) ||
          !w.x(m.value) || !w.word(m.region) || !w.x(m.start) || !w.x(m.length) ||
          !w.word(m.name) || !w.ns_done(m.ns))
        return "a W line is not 'W jiffies insn address size value region start length name "
               "[ns=N]'";
      if (mem_region_code(m.region) == 0) return "a W line names no known region: " + m.region;
      if (!out.activation) return "a W line before the activation (A) line";
      if (m.name == "-") m.name.clear();
      out.writes.push_back(std::move(m));
      return "";
    }
    case 'E': {
      std::uint64_t j;
      if (!w.u(j) || !w.word(out.end_why) || !w.done()) return "an E line is not 'E jiffies why'";
      out.end_jiffies = j;
      return "";
    }
    case 'R': {
      MemRead r;
      if (!who(w, r.who) || !w.x(r.insn) || !w.x(r.address) || !w.small(r.size, 10) ||
          !w.u(r.write) || !w.ns_done(r.who.ns))
        return "an R line is not 'R jiffies cpu pid comm preempt insn address size w [ns=N]'";
      if (r.write == 0 || r.write > out.writes.size())
        return fmt::format("an R line names W line {}, which is not before it", r.write);
      out.reads.push_back(std::move(r));
      return "";
    }
    case 'S': {
      std::istringstream in(line.substr(1));
      std::string kv;
      while (in >> kv) {
        auto eq = kv.find('=');
        auto n = eq == std::string::npos ? std::nullopt : models::parse_u64(kv.substr(eq + 1), 10);
        if (!n) return "an S line's entry is not KEY=N: '" + kv + "'";
        out.totals[kv.substr(0, eq)] = *n;
      }
      return "";
    }
    default:
      return "a line starts with neither A, W, E, R, S nor #";
  }
}

}  // namespace

int mem_region_code(std::string_view region) {
  for (const auto& [name, code] : kRegions) {
    if (name == region) return code;
  }
  return 0;
}

bool parse_mem_record(std::string_view text, const std::string& file, MemRecord& out,
                      TraceError& error) {
  return read_record_lines(
      text, file, "mem record: ", [&](const std::string& line) { return parse_line(line, out); },
      error,
      [&](const std::string& line) {
        std::string bad = header_clock(line, out.hz, out.initial);
        std::uint64_t pc = 0;
        if (bad.empty() && line.find("preempt_count=") != std::string::npos) {
          if (!header_number(line, "preempt_count=", pc))
            return std::string("preempt_count= is not a number");
          out.preempt_count = pc;
        }
        return bad;
      });
}

std::string format_mem_record(const MemRecord& r) {
  auto who = [](const MemContext& c) {
    return fmt::format("{} {} {} {} {:#x}", c.jiffies, c.cpu, c.pid, c.comm, c.preempt_count);
  };
  auto ns = [](const std::optional<std::uint64_t>& n) {
    return n ? fmt::format(" ns={}", *n) : std::string();
  };
  std::string out = fmt::format(
      "# mem (QEMU plugin); jiffies (HZ={}, INITIAL_JIFFIES={}){}\n", r.hz, r.initial,
      r.preempt_count ? fmt::format("; preempt_count={}", *r.preempt_count) : std::string());
  if (r.activation) {
    out += fmt::format("A {} {:#x} {:#x}{}\n", who(r.activation->who), r.activation->task,
                       r.activation->stack, ns(r.activation->who.ns));
  }
  for (const MemWrite& m : r.writes) {
    out += fmt::format("W {} {:#x} {:#x} {} {:#x} {} {:#x} {:#x} {}{}\n", m.jiffies, m.insn,
                       m.address, m.size, m.value, m.region, m.start, m.length,
                       m.name.empty() ? "-" : m.name, ns(m.ns));
  }
  if (r.end_jiffies) out += fmt::format("E {} {}\n", *r.end_jiffies, r.end_why);
  for (const MemRead& x : r.reads) {
    out += fmt::format("R {} {:#x} {:#x} {} {}{}\n", who(x.who), x.insn, x.address, x.size, x.write,
                       ns(x.who.ns));
  }
  if (!r.totals.empty()) {
    out += "S";
    for (const auto& [k, v] : r.totals) out += fmt::format(" {}={}", k, v);
    out += "\n";
  }
  return out;
}

}  // namespace oopsim::traces
