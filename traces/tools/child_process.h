// Child processes of the tools (VM scripts, simcapture, sbatch): one way to start them with the
// environment plus a few entries, their output where the caller wants it, and one way to wait.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace oopsim::traces {

struct SpawnOptions {
  std::string log;                 // "": inherit stdout and stderr; else both go to this file
  bool stdout_to_stderr = false;   // (without a log) keep the caller's stdout for its own report
  int stdout_fd = -1;              // (without a log) stdout to this descriptor, e.g. a pipe's end
  int close_fd = -1;               // a descriptor the child must not keep (the pipe's other end)
  bool own_process_group = false;  // the child leads a group: killing it takes its children too
};

// Starts argv[0] (searched in PATH) with the caller's environment plus `env` ("NAME=value").
// Returns the pid, or -1 when it cannot start.
pid_t spawn_child(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                  const SpawnOptions& options = {});

// Waits for it: its exit status, 128 + signal when killed, `on_failure` when `pid` is -1 or it
// cannot be waited for.
int wait_child(pid_t pid, int on_failure);

}  // namespace oopsim::traces
