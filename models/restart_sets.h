// The subsystems the live recovery restarts ("sets": models/restart_sets.txt) and how long each
// step of a restart takes there, measured live (models/restart_steps.txt). One definition for the
// engine's subsystem-restart policy; the live side (recover/recoverd.c's module table) is checked
// against it by a unit test.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace oopsim::models {

// A restart's steps, in order (recover/restart.sh): stop the users, unmount, unload the modules,
// load them, mount, start the users again.
enum class RestartStep { kStop, kUmount, kRmmod, kModprobe, kMount, kStart };
constexpr std::size_t kRestartSteps = 6;

struct RestartDurations {
  int restarts = 0;                        // how many live restarts the medians come from
  std::array<double, kRestartSteps> ms{};  // median of each step
  double until(RestartStep step) const;    // ms from the restart's start to the step's end
  double total() const { return until(RestartStep::kStart); }
};

struct RestartSet {
  std::string name;
  std::vector<std::string> modules;
  std::vector<std::string> subsystems;  // the engine's names of its code and locks
  std::vector<std::string> users;       // the workloads whose processes it stops and starts
  std::optional<RestartDurations> complete, incomplete;  // measured, when it was
  bool has_module(std::string_view module) const;
  bool has_subsystem(std::string_view subsystem) const;
  bool has_user(std::string_view workload) const;
};

class RestartSets {
 public:
  static const RestartSets& builtin();
  bool add_rows(std::string_view text, std::string_view source, std::string& error);
  bool add_steps(std::string_view text, std::string_view source, std::string& error);
  // The set a module belongs to; the set whose users include a workload (the first such row);
  // the set by name. Null when none.
  const RestartSet* for_module(std::string_view module) const;
  const RestartSet* for_workload(std::string_view workload) const;
  const RestartSet* named(std::string_view name) const;
  const std::vector<RestartSet>& sets() const { return sets_; }

 private:
  std::vector<RestartSet> sets_;
};

}  // namespace oopsim::models
