#include "traces/campaign/learned_functions.h"

#include <algorithm>
#include <map>
#include <sstream>

#include "models/parse_number.h"
#include "traces/import/ftrace_line.h"
#include "traces/import/kallsyms.h"

namespace oopsim::traces {

namespace {

std::vector<std::pair<std::string, std::size_t>> most_first(
    const std::map<std::string, std::size_t>& counts) {
  std::vector<std::pair<std::string, std::size_t>> out(counts.begin(), counts.end());
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  return out;
}

}  // namespace

std::vector<std::pair<std::string, std::size_t>> learn_functions(const std::string& trace,
                                                                 const std::string& kallsyms) {
  Kallsyms syms;
  syms.load(kallsyms);
  std::map<std::string, std::size_t> calls;
  std::istringstream in(trace);
  std::string raw;
  FtraceLine l;
  while (std::getline(in, raw)) {
    if (!parse_ftrace_line(raw, l) || l.irq != '.') continue;
    if (l.comm.rfind("oopsim-", 0) != 0 || l.comm.rfind("oopsim-stream", 0) == 0) continue;
    auto caller = payload_field(l.payload, "caller");
    if (!caller) continue;
    auto a = parse_number(*caller);
    Kallsyms::Hit h;
    if (!a || !syms.lookup(*a, h) || !h.module.empty()) continue;
    if (h.type != 'T' && h.type != 't') continue;
    if (h.name.rfind("arch_rethook", 0) == 0) continue;
    ++calls[h.name];
  }
  return most_first(calls);
}

std::vector<std::pair<std::string, std::size_t>> learn_module_functions(
    const std::string& coverage, const std::string& kallsyms,
    const std::vector<std::string>& modules) {
  Kallsyms syms;
  syms.load(kallsyms);
  std::map<std::string, std::size_t> executed;
  std::istringstream in(coverage);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto a = models::parse_u64(line.substr(0, line.find_first_of(" \t")), 16);
    Kallsyms::Hit h;
    if (!a || !syms.lookup(*a, h) || (h.type != 'T' && h.type != 't')) continue;
    if (std::find(modules.begin(), modules.end(), h.module) == modules.end()) continue;
    ++executed[h.module + ":" + h.name];
  }
  return most_first(executed);
}

}  // namespace oopsim::traces
