// Context identity for the importer: which kernel context each ftrace line, console report and
// site hit belongs to (a task by pid; a CPU's hard irq, softirq or idle context), its kind, its
// parent, and the workloads it belongs to; pids recorded in another boot mapped to this run's.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "models/kernel_model.h"
#include "traces/import/console_log.h"
#include "traces/import/ftrace_line.h"

namespace oopsim::traces {

struct ImportedContext {
  std::uint32_t id = 0;
  int pid = 0;
  std::string comm;
  models::ContextKind kind = models::ContextKind::kUserTask;
  std::uint32_t parent = 0;
  std::set<std::string> workloads;
};

class ImportContexts {
 public:
  // A task by pid (made at first sight: init for pid 1, a kernel thread by its name).
  std::uint32_t for_pid(int pid, const std::string& comm);
  // The context a line runs in: its CPU's hard irq, softirq or idle context, else its task.
  std::uint32_t for_line(const FtraceLine& l);
  // The context a console report names: the interrupt or idle context of its CPU when it says so
  // (an oops with <IRQ> in its stack, or in pid 0), else its task; `fallback` when it names none.
  std::uint32_t for_report(const ConsoleReport& r, std::uint32_t fallback);
  bool knows_pid(int pid) const { return keys_.count(std::to_string(pid)) != 0; }
  // The pid is another process's from here on: its next sight makes a new context.
  void forget_pid(int pid) { keys_.erase(std::to_string(pid)); }

  ImportedContext& operator[](std::uint32_t id) { return ctxs_[id - 1]; }
  const ImportedContext& operator[](std::uint32_t id) const { return ctxs_[id - 1]; }
  const std::vector<ImportedContext>& all() const { return ctxs_; }
  std::size_t size() const { return ctxs_.size(); }

  // The workloads: the processes that write a workload's progress are what it requires; their
  // descendants belong to it; a process of no workload that runs the same program as the
  // processes of exactly one workload belongs to it too (one forked before the window, such as a
  // stream's other end).
  void assign_workloads(const std::map<std::string, std::set<std::uint32_t>>& writers);

  // A pid of another boot with its (workload, program) there ("-": no workload): this run's task
  // of the same workload and program, the k-th of them by pid for the k-th there; -1 when this
  // run has a task of that program but not a k-th; the pid itself when it has none.
  int map_other_boot_pid(
      int pid, const std::map<int, std::pair<std::string, std::string>>& other_boot) const;

 private:
  std::uint32_t add(std::string key, int pid, std::string comm, models::ContextKind kind);

  std::map<std::string, std::uint32_t> keys_;
  std::vector<ImportedContext> ctxs_;
};

bool kernel_thread_name(std::string_view comm);

}  // namespace oopsim::traces
