#include "traces/import/console_log.h"

#include <cstdint>
#include <cstdlib>
#include <sstream>

#include "traces/import/ftrace_line.h"

namespace oopsim::traces {

namespace {

// "[   20.005131] rest" -> time and rest.
bool split_timestamp(const std::string& line, std::uint64_t& us, std::string& rest) {
  auto open = line.find('[');
  auto close = line.find(']');
  if (open == std::string::npos || close == std::string::npos || close < open) return false;
  std::string t = line.substr(open + 1, close - open - 1);
  t.erase(0, t.find_first_not_of(' '));
  auto v = parse_seconds_us(t);
  if (!v) return false;
  us = *v;
  rest = close + 2 <= line.size() ? line.substr(close + 2) : "";
  return true;
}

// The decimal number at the start of `s` (blanks first are skipped), -1 when there is none.
int leading_int(const std::string& s) {
  const char* begin = s.c_str();
  char* end = nullptr;
  long v = std::strtol(begin, &end, 10);
  return end == begin || v < 0 || v > INT32_MAX ? -1 : static_cast<int>(v);
}

bool starts(const std::string& s, std::string_view p) {
  return s.rfind(p, 0) == 0;
}

models::OopsKind oops_kind(const std::string& first) {
  if (first.find("NULL pointer dereference") != std::string::npos)
    return models::OopsKind::kNullDereference;
  if (first.find("unable to handle page fault") != std::string::npos)
    return models::OopsKind::kPagingFault;
  if (first.find("general protection fault") != std::string::npos)
    return models::OopsKind::kGeneralProtection;
  if (first.find("kernel BUG at") != std::string::npos) return models::OopsKind::kBug;
  if (first.find("invalid opcode") != std::string::npos) return models::OopsKind::kInvalidOpcode;
  if (first.find("corruption") != std::string::npos) return models::OopsKind::kListCorruption;
  if (first.find("divide error") != std::string::npos) return models::OopsKind::kDivideError;
  return models::OopsKind::kOther;
}

bool oops_start(const std::string& rest) {
  return starts(rest, "BUG: kernel NULL pointer dereference") ||
         starts(rest, "BUG: unable to handle") || starts(rest, "general protection fault") ||
         starts(rest, "kernel BUG at") || starts(rest, "invalid opcode:") ||
         starts(rest, "divide error:") ||
         (rest.find("list_") != std::string::npos && rest.find("corruption") != std::string::npos);
}

// A line of the open oops (its CPU/PID/Comm, its RIP, an <IRQ> in its stack, its end); true when
// the line is used up. `open` becomes SIZE_MAX at the oops's end.
bool read_oops_line(ConsoleReport& o, const std::string& rest, std::size_t& open) {
  if (starts(rest, "CPU: ") && rest.find(" PID: ") != std::string::npos && o.pid < 0) {
    auto p = rest.find(" PID: ") + 6;
    // (two CPUs' lines can interleave on the serial console: an unreadable number stays -1)
    o.pid = leading_int(rest.substr(p));
    o.cpu = leading_int(rest.substr(5));
    auto c = rest.find(" Comm: ");
    if (c != std::string::npos) {
      auto e = rest.find(' ', c + 7);
      o.comm = rest.substr(c + 7, e == std::string::npos ? std::string::npos : e - c - 7);
    }
    return true;
  }
  if (starts(rest, "RIP: 0010:") && o.function.empty()) {
    std::string f = rest.substr(10);
    o.function = f.substr(0, f.find(' '));
    return true;
  }
  if (rest.find("<IRQ>") != std::string::npos) o.in_interrupt = true;
  if (starts(rest, "---[ end trace")) open = SIZE_MAX;
  return false;
}

// A report other than an oops: a soft lockup, a hung task, a panic, a workload's FAIL line.
void read_other_report(const std::string& rest, std::uint64_t us, std::vector<ConsoleReport>& out) {
  if (rest.find("soft lockup - CPU#") != std::string::npos) {
    ConsoleReport r{ConsoleReport::Type::kSoftLockup, us, -1,   "",
                    models::OopsKind::kUnspecified,   "", rest, false};
    auto b = rest.rfind('[');
    auto colon = rest.rfind(':');
    if (b != std::string::npos && colon != std::string::npos && colon > b) {
      r.comm = rest.substr(b + 1, colon - b - 1);
      r.pid = leading_int(rest.substr(colon + 1));
    }
    out.push_back(r);
  } else if (starts(rest, "INFO: task ") &&
             rest.find(" blocked for more than") != std::string::npos) {
    ConsoleReport r{ConsoleReport::Type::kHungTask, us, -1,   "",
                    models::OopsKind::kUnspecified, "", rest, false};
    std::string who = rest.substr(11, rest.find(" blocked") - 11);
    auto colon = who.rfind(':');
    if (colon != std::string::npos) {
      r.comm = who.substr(0, colon);
      r.pid = leading_int(who.substr(colon + 1));
    }
    out.push_back(r);
  } else if (starts(rest, "Kernel panic - not syncing")) {
    // The oops handler's own verdict on the oops it just reported: it ran in an interrupt.
    if (rest.find("Fatal exception in interrupt") != std::string::npos) {
      for (auto it = out.rbegin(); it != out.rend(); ++it) {
        if (it->type != ConsoleReport::Type::kOops) continue;
        it->in_interrupt = true;
        break;
      }
    }
    out.push_back(
        {ConsoleReport::Type::kPanic, us, -1, "", models::OopsKind::kUnspecified, "", rest, false});
  } else if (starts(rest,
                    "FAIL ")) {  // a workload of ours reporting an error: "FAIL <workload> ..."
    ConsoleReport r{ConsoleReport::Type::kWorkloadError, us, -1,   "",
                    models::OopsKind::kUnspecified,      "", rest, false};
    std::string w = rest.substr(5);
    r.comm = w.substr(0, w.find(' '));
    out.push_back(r);
  }
}

}  // namespace

std::vector<ConsoleReport> parse_console(const std::string& text) {
  std::vector<ConsoleReport> out;
  std::istringstream in(text);
  std::string line, rest;
  // The oops whose CPU/PID, RIP and stack lines are being read (an index: `out` grows).
  std::size_t open = SIZE_MAX;
  while (std::getline(in, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();  // serial
    std::uint64_t us = 0;
    if (!split_timestamp(line, us, rest)) continue;
    // Another report begins: the open oops's lines are over. (An open report that has not yet
    // named its task is the first line of a report still being printed, such as the
    // "list_del corruption" line that comes before its "kernel BUG at lib/list_debug.c" header
    // under TCG; it stays open for that header's task and CPU.)
    if (open != SIZE_MAX && out[open].pid >= 0 &&
        (starts(rest, "BUG: ") || starts(rest, "WARNING: ") || starts(rest, "INFO: ") ||
         starts(rest, "watchdog: ") || starts(rest, "Kernel panic") ||
         starts(rest, "kernel BUG at")) &&
        us - out[open].time_us >= 1000) {
      open = SIZE_MAX;
    }
    if (open != SIZE_MAX && read_oops_line(out[open], rest, open)) continue;
    if (starts(rest, "Oops:") || starts(rest, "#PF:")) continue;
    if (starts(rest, "Kernel panic - not syncing: stack-protector")) {
      // A panic at once, with no oops before it: the crash itself (its task's CPU/PID line
      // follows), and the panic.
      ConsoleReport r;
      r.type = ConsoleReport::Type::kOops;
      r.time_us = us;
      r.kind = models::OopsKind::kStackProtector;
      r.text = rest;
      auto in = rest.find(" corrupted in: ");
      if (in != std::string::npos) {
        std::string f = rest.substr(in + 15);
        r.function = f.substr(0, f.find(' '));
      }
      out.push_back(r);
      open = out.size() - 1;
      out.push_back({ConsoleReport::Type::kPanic, us, -1, "", models::OopsKind::kUnspecified, "",
                     rest, false});
      continue;
    }
    if (oops_start(rest)) {
      if (open != SIZE_MAX && (us - out[open].time_us < 1000 || out[open].pid < 0))
        continue;  // same oops, next line
      ConsoleReport r;
      r.type = ConsoleReport::Type::kOops;
      r.time_us = us;
      r.kind = oops_kind(rest);
      r.text = rest;
      out.push_back(r);
      open = out.size() - 1;
      continue;
    }
    read_other_report(rest, us, out);
  }
  return out;
}

bool parse_progress(std::string_view text, ProgressMark& m) {
  if (text.substr(0, 9) != "PROGRESS ") return false;
  std::istringstream words{std::string(text.substr(9))};
  return static_cast<bool>(words >> m.workload >> m.value);
}

std::vector<ProgressMark> parse_console_progress(const std::string& text) {
  std::vector<ProgressMark> out;
  std::istringstream in(text);
  std::string line, rest;
  while (std::getline(in, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    std::uint64_t us = 0;
    ProgressMark m;  // (a line cut short by another's output is not one)
    if (split_timestamp(line, us, rest) && parse_progress(rest, m)) {
      m.time_us = us;
      m.text = rest;
      out.push_back(std::move(m));
    }
  }
  return out;
}

std::string kernel_release_from_console(const std::string& text) {
  for (std::string_view marker : {"Not tainted ", "Tainted: "}) {
    auto at = text.find(marker);
    if (at == std::string::npos) continue;
    std::string rest = text.substr(at + marker.size());
    if (marker == "Tainted: ") rest = rest.substr(rest.find(' ') + 1);
    return rest.substr(0, rest.find(' '));
  }
  auto at = text.find("Linux version ");
  if (at != std::string::npos) {
    std::string rest = text.substr(at + 14);
    return rest.substr(0, rest.find(' '));
  }
  return "";
}

}  // namespace oopsim::traces
