#include "traces/import/import_contexts.h"

#include <fmt/format.h>

#include <algorithm>

namespace oopsim::traces {

using models::ContextKind;

bool kernel_thread_name(std::string_view comm) {
  static const char* kPrefixes[] = {
      "kworker",    "ksoftirqd",   "kthreadd",    "rcu_",      "migration",  "jbd2/",     "kswapd",
      "khungtaskd", "watchdog",    "cpuhp",       "kcompactd", "oom_reaper", "writeback", "kblockd",
      "scsi_",      "usb-storage", "khubd",       "flush-",    "ext4-",      "kdevtmpfs", "kauditd",
      "irq/",       "card",        "kintegrityd", "kthrotld",  "ipv6_"};
  for (const char* p : kPrefixes) {
    if (comm.substr(0, std::string_view(p).size()) == p) return true;
  }
  return false;
}

std::uint32_t ImportContexts::add(std::string key, int pid, std::string comm, ContextKind kind) {
  ImportedContext c;
  c.id = static_cast<std::uint32_t>(ctxs_.size() + 1);
  c.pid = pid;
  c.comm = std::move(comm);
  c.kind = kind;
  ctxs_.push_back(c);
  keys_.emplace(std::move(key), c.id);
  return c.id;
}

std::uint32_t ImportContexts::for_pid(int pid, const std::string& comm) {
  std::string key = std::to_string(pid);
  auto it = keys_.find(key);
  if (it != keys_.end()) return it->second;
  ContextKind kind = pid == 1                   ? ContextKind::kInit
                     : kernel_thread_name(comm) ? ContextKind::kKernelThread
                                                : ContextKind::kUserTask;
  return add(std::move(key), pid, comm, kind);
}

std::uint32_t ImportContexts::for_report(const ConsoleReport& r, std::uint32_t fallback) {
  if (r.pid < 0) return fallback;
  if (r.cpu >= 0 && (r.in_interrupt || r.pid == 0)) {
    FtraceLine l;
    l.cpu = r.cpu;
    l.pid = 0;
    l.comm = r.comm;
    // ksoftirqd runs softirqs in its own task; an interrupt elsewhere is a hard irq.
    l.irq = !r.in_interrupt ? '.' : r.comm.rfind("ksoftirqd", 0) == 0 ? 's' : 'h';
    return for_line(l);
  }
  return for_pid(r.pid, r.comm);
}

std::uint32_t ImportContexts::for_line(const FtraceLine& l) {
  std::string key;
  ContextKind kind;
  if (l.irq == 'h' || l.irq == 'H') {
    key = fmt::format("hardirq/{}", l.cpu);
    kind = ContextKind::kHardIrq;
  } else if (l.irq == 's') {
    key = fmt::format("softirq/{}", l.cpu);
    kind = ContextKind::kSoftIrq;
  } else if (l.pid == 0) {
    key = fmt::format("idle/{}", l.cpu);
    kind = ContextKind::kIdle;
  } else {
    return for_pid(l.pid, l.comm);
  }
  auto it = keys_.find(key);
  if (it != keys_.end()) return it->second;
  std::string comm = key;
  return add(std::move(key), 0, std::move(comm), kind);
}

void ImportContexts::assign_workloads(
    const std::map<std::string, std::set<std::uint32_t>>& writers) {
  for (const auto& [name, ids] : writers) {
    for (std::uint32_t w : ids) ctxs_[w - 1].workloads.insert(name);
  }
  for (bool changed = true; changed;) {
    changed = false;
    for (ImportedContext& c : ctxs_) {
      if (c.parent == 0) continue;
      for (const std::string& w : ctxs_[c.parent - 1].workloads)
        changed = c.workloads.insert(w).second || changed;
    }
  }
  std::map<std::string, std::set<std::string>> program_workloads;
  for (const auto& [name, ids] : writers) {
    for (std::uint32_t w : ids) program_workloads[ctxs_[w - 1].comm].insert(name);
  }
  for (ImportedContext& c : ctxs_) {
    if (!c.workloads.empty() || c.kind != ContextKind::kUserTask) continue;
    auto it = program_workloads.find(c.comm);
    if (it != program_workloads.end() && it->second.size() == 1)
      c.workloads.insert(*it->second.begin());
  }
}

int ImportContexts::map_other_boot_pid(
    int pid, const std::map<int, std::pair<std::string, std::string>>& other_boot) const {
  auto it = other_boot.find(pid);
  if (it == other_boot.end()) return pid;
  const auto& [workload, program] = it->second;
  std::size_t rank = 0;
  for (const auto& [p, wc] : other_boot) rank += p < pid && wc == it->second;
  std::vector<int> here;
  bool program_here = false;
  for (const ImportedContext& c : ctxs_) {
    if (c.pid <= 0 || c.comm != program) continue;
    program_here = true;
    if (workload == "-" ? c.workloads.empty() : c.workloads.count(workload) != 0)
      here.push_back(c.pid);
  }
  std::sort(here.begin(), here.end());
  if (rank < here.size()) return here[rank];
  return program_here ? -1 : pid;
}

}  // namespace oopsim::traces
