#include "traces/capture/capture_runner.h"

#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>

#include "models/fault_model.h"
#include "traces/import/run_importer.h"
#include "traces/packet_writer.h"

extern char** environ;

namespace oopsim::traces {

namespace fs = std::filesystem;

int run_command(const std::vector<std::string>& argv, const std::vector<std::string>& env) {
  std::vector<std::string> envs;
  for (char** e = environ; *e != nullptr; ++e) envs.emplace_back(*e);
  envs.insert(envs.end(), env.begin(), env.end());
  std::vector<char*> a, e;
  for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
  a.push_back(nullptr);
  for (const auto& s : envs) e.push_back(const_cast<char*>(s.c_str()));
  e.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawnp(&pid, a[0], nullptr, nullptr, a.data(), e.data()) != 0) return 127;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return 127;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

namespace {

bool slurp(const fs::path& path, std::string& text) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  std::stringstream ss;
  ss << f.rdbuf();
  text = ss.str();
  return true;
}

}  // namespace

int run_capture(const CaptureConfig& c, const CommandRunner& runner, std::ostream& out,
                std::ostream& err) {
  if (c.inject.empty() || c.output.empty()) {
    err << "simcapture: give --inject SYMBOL:REG=VALUE and -o TRACE\n";
    return 64;
  }
  fs::path vm = fs::path(c.repo) / "traces" / "vm";
  fs::path cache = c.cache.empty() ? fs::path(c.repo) / ".cache" / "vm" : fs::path(c.cache);
  fs::path state = c.state.empty() ? cache / "state" : fs::path(c.state);
  fs::path runs =
      c.runs.empty() ? cache / "runs" / fs::path(c.output).stem().stem() : fs::path(c.runs);
  std::vector<std::string> env{"OOPSIM_CACHE=" + cache.string()};
  if (!c.workloads.empty()) env.push_back("OOPSIM_WORKLOADS=" + c.workloads);
  auto step = [&](const std::string& what, const std::vector<std::string>& argv) {
    err << "simcapture: " << what << "\n" << std::flush;
    int rc = runner(argv, env);
    if (rc != 0) err << fmt::format("simcapture: {} failed (exit {})\n", what, rc);
    return rc;
  };
  if (step("setup (kernel package, initramfs, disks)", {(vm / "setup.sh").string()}) != 0)
    return 69;
  if (c.resave || !fs::exists(state / "vmstate.zst")) {
    if (step("boot and save the state in steady state",
             {(vm / "save.sh").string(), state.string()}) != 0) {
      return 69;
    }
  }
  std::string secs = fmt::format("{}", c.seconds);
  fs::path golden = runs / "golden", injected = runs / "injected";
  if (step("golden run", {(vm / "run_from_state.sh").string(), state.string(), golden.string(),
                          "--seconds", secs}) != 0) {
    return 69;
  }
  if (step("injected run (" + c.inject + ")",
           {(vm / "run_from_state.sh").string(), state.string(), injected.string(), "--seconds",
            secs, "--inject", c.inject, "--inject-after", fmt::format("{}", c.inject_after)}) !=
      0) {
    return 69;
  }
  RunText inj, gold;
  ImportOptions options;
  for (auto [dir, run] : {std::pair{injected, &inj}, std::pair{golden, &gold}}) {
    run->path = (dir / "trace.txt").string();
    if (!slurp(dir / "trace.txt", run->ftrace)) {
      err << "simcapture: " << run->path << ": missing\n";
      return 66;
    }
    slurp(dir / "console.log", run->console);
  }
  slurp(injected / "kallsyms", options.kallsyms);
  models::FaultInfo fault;
  auto type = models::parse_fault_type(c.fault_type);
  if (!type) {
    err << "simcapture: unknown fault type '" << c.fault_type << "'\n";
    return 64;
  }
  fault.type = *type;
  fault.symbol = c.inject.substr(0, c.inject.find(':'));
  options.fault = fault;
  TraceError e;
  TraceForm form = c.output.ends_with(".txt") ? TraceForm::kText : TraceForm::kBinary;
  auto writer = create_trace_writer(c.output, form, e);
  if (!writer) {
    err << "simcapture: " << e.message() << "\n";
    return e.exit_code();
  }
  ImportStats stats;
  if (!import_paired_run(inj, gold, options, *writer, stats, e)) {
    err << "simcapture: " << e.message() << "\n";
    return e.exit_code();
  }
  out << fmt::format("{}: {} events, {} contexts, {} locks; crash {}; runs in {}\n", c.output,
                     stats.events, stats.contexts, stats.locks,
                     stats.crashed ? "found" : "NOT found", runs.string());
  return stats.crashed ? 0 : 65;
}

}  // namespace oopsim::traces
