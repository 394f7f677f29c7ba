#include "traces/capture/capture_runner.h"
#include "traces/format/file_text.h"
#include "traces/tools/child_process.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <optional>
#include <ostream>
#include <sstream>

#include "models/fault_model.h"
#include "models/parse_number.h"
#include "traces/format/packet_writer.h"
#include "traces/import/console_log.h"
#include "traces/import/run_importer.h"
#include "traces/inject/call_sites.h"
#include "traces/inject/fault_injector.h"
#include "traces/inject/kernel_image.h"
#include "traces/inject/module_text.h"

namespace oopsim::traces {

namespace fs = std::filesystem;

int run_command(const std::vector<std::string>& argv, const std::vector<std::string>& env) {
  return wait_child(spawn_child(argv, env), 127);
}

int run_command_stdout_to_stderr(const std::vector<std::string>& argv,
                                 const std::vector<std::string>& env) {
  SpawnOptions o;
  o.stdout_to_stderr = true;
  return wait_child(spawn_child(argv, env, o), 127);
}

namespace {

std::string hex(const std::string& bytes) {
  std::string out;
  for (unsigned char b : bytes) out += fmt::format("{:02x}", b);
  return out;
}

// Whether the site or a function is a module's ("module:function").
bool names_module_function(const CaptureConfig& c) {
  auto in_module = [](const std::string& f) {
    return !inject::split_module_function(f).first.empty();
  };
  return in_module(c.site) || std::any_of(c.functions.begin(), c.functions.end(), in_module);
}

// The mutation of kernel text that the config asks for, or nullopt with `error`.
std::optional<inject::Mutation> plan_mutation(const CaptureConfig& c, const fs::path& cache,
                                              const fs::path& kallsyms, std::string& error) {
  inject::KernelImage image;
  if (!image.open((cache / "vmlinuz").string(), (cache / "vmlinux").string(), error)) {
    return std::nullopt;
  }
  std::string syms;
  if (!read_file_text(kallsyms, syms)) {
    error = kallsyms.string() + ": missing (make a saved state first, or give --kallsyms)";
    return std::nullopt;
  }
  image.add_symbols(syms);
  if (names_module_function(c) &&
      !image.add_module_text((kallsyms.parent_path() / "modtext").string(), syms, error)) {
    return std::nullopt;
  }
  auto type = models::parse_fault_type(c.fault_type);
  if (!type) {
    error = "unknown fault type '" + c.fault_type + "'";
    return std::nullopt;
  }
  inject::SymbolResolver resolve = [&image](std::uint64_t a) { return image.symbol_at(a); };
  if (!c.site.empty()) {
    auto site = models::parse_symbol_offset(c.site);
    if (!site) {
      error = "--site '" + c.site + "' is not SYMBOL or SYMBOL+OFFSET";
      return std::nullopt;
    }
    inject::CodeRegion region;
    if (!image.function(std::string(site->symbol), region, error)) return std::nullopt;
    return inject::mutation_at(*type, region, site->offset, error, resolve, c.seed);
  }
  std::vector<inject::CodeRegion> regions;
  for (const std::string& f : c.functions) {
    inject::CodeRegion r;
    if (!image.function(f, r, error)) return std::nullopt;
    regions.push_back(std::move(r));
  }
  inject::Coverage executed;
  if (!c.coverage.empty()) {
    std::string text;
    traces::TraceError e;
    if (!read_file_text(c.coverage, text)) {
      error = c.coverage + ": cannot read the coverage";
      return std::nullopt;
    }
    if (!executed.parse(text, c.coverage, e)) {
      error = e.message();
      return std::nullopt;
    }
  }
  auto m = inject::choose_mutation(*type, regions, c.seed, resolve,
                                   c.coverage.empty() ? nullptr : &executed);
  if (!m) {
    error = fmt::format("no {} site in the given functions{}", models::name(*type),
                        c.coverage.empty() ? "" : " that the coverage run executed");
  }
  return m;
}

std::string describe(const inject::Mutation& m) {
  std::string out =
      fmt::format("{} at {}+{:#x} ({:#x}), seed {}\n  before {}  {}\n  after  {}  {}\n",
                  models::name(m.type), m.symbol, m.offset, m.address, m.seed, hex(m.before),
                  m.disasm_before, hex(m.after), m.disasm_after);
  for (const auto& x : m.extra_writes) {
    out += fmt::format("  also at {:#x}: {} -> {}\n", x.address, hex(x.before), hex(x.after));
  }
  return out;
}

// A rerun is the same experiment only on the kernel build the trace was captured with: false
// (and why, on `err`) when the cache holds another.
bool same_kernel_build(const std::string& expected, const fs::path& cache, std::ostream& err) {
  inject::KernelImage image;
  std::string error;
  if (!image.open((cache / "vmlinuz").string(), (cache / "vmlinux").string(), error)) {
    err << "simcapture: cannot check the kernel build: " << error << "\n";
    return false;
  }
  if (image.build_id() != expected) {
    err << fmt::format(
        "simcapture: refusing: the trace was captured on the kernel build {}, the cache holds "
        "{} (traces/vm/kernel.pin names the build; OOPSIM_KERNEL chooses another)\n",
        expected, image.build_id().empty() ? "one without a build id" : image.build_id());
    return false;
  }
  return true;
}

// The folders of one paired run.
struct RunDirs {
  fs::path injected, golden, runs;
};

// Whether the injected run's text patch was hit (vmctl run's timing.json).
bool fault_activated(const fs::path& injected) {
  std::string timing;
  read_file_text(injected / "timing.json", timing);
  return timing.find("\"activated\": true") != std::string::npos;
}

// Imports the paired run into c.output (the injected run's files, the golden run's, the kernel's
// text and build); an exit code.
int import_runs(const CaptureConfig& c, const fs::path& cache, const RunDirs& dirs,
                const std::optional<inject::Mutation>& mutation, std::ostream& out,
                std::ostream& err) {
  const fs::path& injected = dirs.injected;
  const fs::path& golden = dirs.golden;
  const fs::path& runs = dirs.runs;
  RunText inj, gold;
  ImportOptions options;
  for (auto [dir, run] : {std::pair{injected, &inj}, std::pair{golden, &gold}}) {
    run->path = (dir / "trace.txt").string();
    if (!read_file_text(dir / "trace.txt", run->ftrace)) {
      err << "simcapture: " << run->path << ": missing\n";
      return 66;
    }
    read_file_text(dir / "console.log", run->console);
  }
  read_file_text(injected / "kallsyms", options.kallsyms);
  // Who runs the fault's site in a fault-free run (vmctl run --watch): beside the golden run, or
  // kept with the injected run (a campaign's runs share one golden run).
  if (!c.site_hits.empty()) {
    gold.site_hits_path = c.site_hits;
  } else if (gold.site_hits_path = (golden / "site-hits.txt").string();
             !std::filesystem::exists(gold.site_hits_path)) {
    gold.site_hits_path = (injected / "golden-site-hits.txt").string();
  }
  read_file_text(gold.site_hits_path, gold.site_hits);
  inj.crash_state_path = (injected / "crash-state.txt").string();
  read_file_text(inj.crash_state_path, inj.crash_state);
  // The QEMU plugin's memory record from the site's first run: the injected run's, and the
  // golden run's when it watched the same site (a golden run reused from elsewhere may not).
  inj.blocked_path = (injected / "blocked.txt").string();
  read_file_text(inj.blocked_path, inj.blocked);
  inj.mem_path = (injected / "mem.txt").string();
  read_file_text(inj.mem_path, inj.mem);
  gold.mem_path = (golden / "mem.txt").string();
  if (mutation && read_file_text(gold.mem_path, gold.mem) &&
      gold.mem.find(fmt::format("site {:#x}:", mutation->address)) == std::string::npos)
    gold.mem.clear();
  models::FaultInfo fault;
  bool activated = true;
  if (mutation) {
    fault = mutation->to_fault_info();
    activated = fault_activated(injected);
  } else {
    auto type = models::parse_fault_type(c.fault_type);
    if (!type) {
      err << "simcapture: unknown fault type '" << c.fault_type << "'\n";
      return 64;
    }
    fault.type = *type;
    fault.symbol = c.inject.substr(0, c.inject.find(':'));
  }
  options.fault = fault;
  // The kernel build (setup.sh's kernel-version: "PACKAGE VERSION UNAME-R").
  if (std::string kv; read_file_text(cache / "kernel-version", kv)) {
    std::istringstream words(kv);
    std::string package, version;
    if (words >> package >> version) options.kernel_package = package + " " + version;
  }
  // The kernel's text places lock takes whose caller the trace lacks (without it they get the
  // releasing function at offset 0).
  inject::KernelImage image;
  std::string image_error;
  std::optional<inject::CallSites> call_sites;
  if (image.open((cache / "vmlinuz").string(), (cache / "vmlinux").string(), image_error)) {
    options.kernel_build_id = image.build_id();
    image.add_symbols(options.kallsyms);
    call_sites.emplace(image);
    options.call_site = [&call_sites](const std::string& function, std::uint64_t before,
                                      const std::string& callee) {
      return call_sites->last_call_before(function, before, callee);
    };
  } else {
    err << "simcapture: no kernel text to place lock takes (" << image_error << ")\n";
  }
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
  out << fmt::format(
      "{}: {} events, {} contexts, {} locks; fault {}; crash {}; clocks onto the trace's: console "
      "{:+.3f} s{}, jiffies {:+.3f} s; runs in {}\n",
      c.output, stats.events, stats.contexts, stats.locks,
      activated ? "activated" : "NOT activated (not a crash, not a survival)",
      stats.crashed ? crash_note(stats) : "NOT found", stats.console_offset_us / 1e6,
      borrowed_offset_note(stats), stats.jiffies_offset_us / 1e6, runs.string());
  out << short_golden_warning(stats, c.output);
  return 0;
}

}  // namespace

int run_capture(const CaptureConfig& c, const CommandRunner& runner, std::ostream& out,
                std::ostream& err) {
  bool mutate = !c.functions.empty() || !c.site.empty();
  if ((c.inject.empty() && !mutate) || (c.output.empty() && !c.dry_run)) {
    err << "simcapture: give --inject SYMBOL:REG=VALUE, or --fault-type with --functions or "
           "--site; and -o TRACE\n";
    return 64;
  }
  fs::path vm = fs::path(c.repo) / "traces" / "vm";
  fs::path cache = c.cache.empty() ? fs::path(c.repo) / ".cache" / "vm" : fs::path(c.cache);
  fs::path state = c.state.empty() ? cache / "state" : fs::path(c.state);
  std::optional<inject::Mutation> mutation;
  if (c.dry_run) {
    if (!mutate) {
      out << "simcapture: would force " << c.inject << " through the gdb stub\n";
      return 0;
    }
    std::string error;
    fs::path syms = c.kallsyms.empty() ? state / "kallsyms" : fs::path(c.kallsyms);
    mutation = plan_mutation(c, cache, syms, error);
    if (!mutation) {
      err << "simcapture: " << error << "\n";
      return 65;
    }
    out << describe(*mutation);
    return 0;
  }
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
  if (!c.import_only &&
      step("setup (kernel package, initramfs, disks)", {(vm / "setup.sh").string()}) != 0) {
    return 69;
  }
  if (!c.expect_build_id.empty() && !same_kernel_build(c.expect_build_id, cache, err)) return 65;
  if (!c.import_only && (c.resave || !fs::exists(state / "vmstate.zst"))) {
    if (step("boot and save the state in steady state",
             {(vm / "save.sh").string(), state.string()}) != 0) {
      return 69;
    }
  }
  // A module's sites come from its live text at the state (STATE/modtext), read once.
  if (mutate && names_module_function(c) && !c.import_only &&
      step("module text at the state",
           {"python3", (vm / "vmctl.py").string(), "modtext", state.string()}) != 0) {
    return 69;
  }
  if (mutate) {
    std::string error;
    mutation = plan_mutation(c, cache, state / "kallsyms", error);
    if (!mutation) {
      err << "simcapture: " << error << "\n";
      return 65;
    }
    err << "simcapture: " << describe(*mutation);
    if (c.expect && !inject::same_mutation(*c.expect, *mutation)) {
      err << fmt::format(
          "simcapture: refusing: the trace's injection ({:#x}: {} -> {}) is not what this "
          "kernel's text gives at {} ({:#x}: {} -> {}): another kernel build?\n",
          c.expect->address, hex(c.expect->before), hex(c.expect->after), c.expect->site(),
          mutation->address, hex(mutation->before), hex(mutation->after));
      return 65;
    }
  }
  std::string secs = fmt::format("{}", c.seconds);
  fs::path golden = c.golden.empty() ? runs / "golden" : fs::path(c.golden);
  fs::path injected = runs / "injected";
  if (!c.golden.empty()) {
    if (!fs::exists(golden / "trace.txt")) {
      err << "simcapture: " << (golden / "trace.txt").string() << ": no golden run there\n";
      return 66;
    }
    err << "simcapture: golden run reused from " << golden.string() << "\n";
  } else if (!c.import_only) {
    std::vector<std::string> gold_argv{(vm / "run_from_state.sh").string(), state.string(),
                                       golden.string(), "--seconds", secs};
    // With the QEMU plugin, the golden run records who runs the fault's site, every execution,
    // at no cost to the run (a breakpoint would sample it and slow the run: left to a campaign's
    // `sitehits`).
    if (mutation && fs::exists(cache / "oopsim_plugin.so"))
      gold_argv.insert(gold_argv.end(), {"--watch", fmt::format("{:#x}", mutation->address)});
    if (step("golden run", gold_argv) != 0) return 69;
  }
  std::vector<std::string> argv{(vm / "run_from_state.sh").string(), state.string(),
                                injected.string(), "--seconds", secs};
  if (mutation) {
    std::string spec =
        fmt::format("{:x}:{}:{}", mutation->address, hex(mutation->before), hex(mutation->after));
    for (const auto& x : mutation->extra_writes) {
      spec += fmt::format(";{:x}:{}:{}", x.address, hex(x.before), hex(x.after));
    }
    argv.insert(argv.end(), {"--patch", spec});
    if (c.activation_wait > 0)
      argv.insert(argv.end(), {"--activation-wait", fmt::format("{}", c.activation_wait)});
    if (!c.live_policy.empty()) argv.insert(argv.end(), {"--policy", c.live_policy});
  } else {
    argv.insert(argv.end(),
                {"--inject", c.inject, "--inject-after", fmt::format("{}", c.inject_after)});
  }
  if (c.stop_quiet > 0) argv.insert(argv.end(), {"--stop-quiet", fmt::format("{}", c.stop_quiet)});
  // A run without a crash is not imported: its trace need not be drained (traces/vm/FACTS.md).
  if (c.import_crashes_only) argv.push_back("--drain-crashes-only");
  if (c.import_only) {
    if (!fs::exists(injected / "trace.txt") && !fs::exists(injected / "console.log")) {
      err << "simcapture: " << injected.string() << ": no injected run to import\n";
      return 66;
    }
    err << "simcapture: importing the runs already in " << runs.string() << "\n";
  } else if (step("injected run", argv) != 0) {
    return 69;
  }
  if (c.import_crashes_only) {
    std::string console;
    read_file_text(injected / "console.log", console);
    auto reports = parse_console(console);
    if (std::none_of(reports.begin(), reports.end(),
                     [](const ConsoleReport& r) { return r.type == ConsoleReport::Type::kOops; })) {
      // The campaign reads activation from this line ("fault activated"), as from the import's.
      err << "simcapture: " << kNotImported << "; fault "
          << (!mutation || fault_activated(injected) ? "activated" : "NOT activated") << "\n";
      return 0;
    }
  }
  return import_runs(c, cache, {injected, golden, runs}, mutation, out, err);
}

}  // namespace oopsim::traces
