// simcapture's work: one paired run of a real kernel in QEMU (traces/vm/ harness) and its import.
// Setup (kernel package, initramfs, disks; idempotent), a saved state with the workloads in steady
// state (made once), a golden run and an injected run from that state, then the import of the
// pair into a v1 trace. Commands run through a CommandRunner so that tests can see them.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "models/fault_model.h"

namespace oopsim::traces {

// What simcapture says when it leaves a run without a crash unimported (import_crashes_only).
inline constexpr const char* kNotImported = "no crash on the console: not imported";

struct CaptureConfig {
  std::string repo;         // the project's top folder (for traces/vm/)
  std::string cache;        // OOPSIM_CACHE ("": <repo>/.cache/vm)
  std::string state;        // saved state folder ("": <cache>/state)
  std::string runs;         // where the two run folders go ("": <cache>/runs/<output stem>)
  std::string workloads;    // "": all six
  double seconds = 20;      // each run's length after restore
  std::string inject;       // SYMBOL:REG=VALUE for the gdb stub ("" : golden only is refused)
  double inject_after = 2;  // seconds after restore before the breakpoint is armed
  // The injected run's early stops (vmctl run): not activated within `activation_wait` seconds;
  // no crash on the console `stop_quiet` seconds after activation. 0: off.
  double activation_wait = 0;
  double stop_quiet = 0;
  // Import only a run whose console shows a crash (an oops): a campaign keeps no other trace.
  bool import_crashes_only = false;
  std::string fault_type = "interface";
  std::string output;   // the trace
  bool resave = false;  // make a fresh saved state even if one exists
  // Kernel-text mutation (the seed's fault types) instead of a register injection:
  std::vector<std::string> functions;  // candidate functions (vmlinux text symbols)
  std::string site;                    // or an explicit SYMBOL+OFFSET
  std::uint64_t seed = 1;
  // coverage.txt of a fault-free run with the QEMU plugin (vmctl run --coverage): sites only from
  // the instructions it executed ("" : from all of the functions' code).
  std::string coverage;
  bool dry_run = false;  // print the chosen site and mutation, run nothing
  std::string kallsyms;  // for --dry-run without a saved state
  // A golden run already recorded from the same saved state, workloads and length (a campaign
  // records one and pairs every injected run with it): "" records a fresh one.
  std::string golden;
  // A live rerun: the recovery policy the guest enforces (traces/vm: kill-faulty, panic,
  // lock-release, subsystem-restart; "" the kernel's default), and the injection the trace
  // recorded, which the planned mutation must equal (else the capture refuses).
  std::string live_policy;
  // Run nothing: import the runs already in `runs` (a re-import with a newer importer).
  bool import_only = false;
  std::optional<models::FaultInfo> expect;
  // The kernel build the trace was captured with (its header's build id): a rerun on another
  // build is refused ("": not checked).
  std::string expect_build_id;
  // Who runs the fault's site in a fault-free run (site-hits.txt form), when it is kept apart from
  // the golden run (a rerun of a trace that has them).
  std::string site_hits;
};

// Runs argv with extra environment entries; returns the exit status.
using CommandRunner =
    std::function<int(const std::vector<std::string>& argv, const std::vector<std::string>& env)>;
int run_command(const std::vector<std::string>& argv, const std::vector<std::string>& env);
// The same, with the command's standard output sent to standard error (a tool whose own output
// is a report keeps it clean).
int run_command_stdout_to_stderr(const std::vector<std::string>& argv,
                                 const std::vector<std::string>& env);

// Returns an exit code (0, or sysexits). Progress lines go to `err`.
int run_capture(const CaptureConfig& config, const CommandRunner& runner, std::ostream& out,
                std::ostream& err);

}  // namespace oopsim::traces
