#include "traces/simtrace/simtrace_app.h"
#include "traces/format/file_text.h"

#include <fmt/format.h>

#include <ostream>

#include "models/fault_model.h"
#include "models/parse_number.h"
#include "traces/import/run_importer.h"

#include "traces/format/packet_writer.h"
#include "traces/format/trace_files.h"
#include "traces/format/trace_reader.h"
#include "traces/format/trace_rewrite.h"
#include "traces/format/trace_summary.h"

namespace oopsim::traces {

namespace {

int report(std::ostream& err, const TraceError& e) {
  err << "simtrace: " << e.message() << "\n";
  return e.exit_code();
}

int validate(const SimtraceConfig& c, std::ostream& out, std::ostream& err) {
  std::vector<std::string> missing;
  std::vector<std::string> files = expand_trace_inputs(c.inputs, missing);
  int rc = 0;
  for (const std::string& m : missing) {
    err << "simtrace: " << m << "\n";
    rc = static_cast<int>(ErrorKind::kNoInput);
  }
  for (const std::string& path : files) {
    TraceError e;
    auto source = open_trace(path, e);
    if (!source) {
      rc = rc ? rc : report(err, e);
      continue;
    }
    TraceReader reader(std::move(source));
    TraceReader::Item item;
    while ((item = reader.next()) != TraceReader::Item::kEnd && item != TraceReader::Item::kError) {
    }
    if (item == TraceReader::Item::kError) {
      int code = report(err, reader.error());
      rc = rc ? rc : code;
      continue;
    }
    out << fmt::format("{}: ok, {} packets, {} events{}\n", path, reader.packets(), reader.events(),
                       reader.crash() ? "" : ", no crash");
  }
  return rc;
}

int convert(const SimtraceConfig& c, std::ostream& out, std::ostream& err) {
  if (c.inputs.size() != 1) {
    err << "simtrace convert: give one input and --output\n";
    return static_cast<int>(ErrorKind::kUsage);
  }
  // "x.pb.xz" is a binary trace, compressed; "x.trace.txt.xz" a text one.
  std::string plain =
      c.output.ends_with(".xz") ? c.output.substr(0, c.output.size() - 3) : c.output;
  TraceForm form = TraceForm::kBinary;
  if (c.to == "text" || (c.to.empty() && (plain == "-" || plain.ends_with(".txt")))) {
    form = TraceForm::kText;
  } else if (!c.to.empty() && c.to != "binary") {
    err << "simtrace convert: --to is text or binary\n";
    return static_cast<int>(ErrorKind::kUsage);
  }
  RewriteOptions options;
  options.form = form;
  options.format_version = c.format_version;
  options.salvage = c.salvage;
  RewriteResult result;
  TraceError e;
  if (!rewrite_trace(c.inputs[0], c.output, options, result, e)) {
    int rc = report(err, e);
    if (!result.wrote_output) {
      if (e.kind == ErrorKind::kData) {
        err << "simtrace: no output written (use --salvage to keep the good prefix on purpose)\n";
      }
      return rc;
    }
    err << fmt::format("simtrace: salvaged the {} good packets before the error\n", result.written);
    return rc;
  }
  if (c.output != "-") out << fmt::format("{}: {} packets written\n", c.output, result.written);
  return 0;
}

int import_run(const SimtraceConfig& c, std::ostream& out, std::ostream& err) {
  RunText injected, golden;
  ImportOptions options;
  for (auto [dir, run] : {std::pair{c.injected_dir, &injected}, std::pair{c.golden_dir, &golden}}) {
    run->path = dir + "/trace.txt";
    if (!read_file_text(dir + "/trace.txt", run->ftrace)) {
      err << "simtrace: " << dir << "/trace.txt: cannot read\n";
      return static_cast<int>(ErrorKind::kNoInput);
    }
    read_file_text(dir + "/console.log", run->console);
  }
  read_file_text(c.injected_dir + "/kallsyms", options.kallsyms);
  golden.site_hits_path = c.golden_dir + "/site-hits.txt";
  read_file_text(golden.site_hits_path, golden.site_hits);
  injected.crash_state_path = c.injected_dir + "/crash-state.txt";
  read_file_text(injected.crash_state_path, injected.crash_state);
  options.sleeps = c.sleeps;
  options.observe_window_us = static_cast<std::uint64_t>(c.window_seconds * 1e6);
  if (!c.fault_type.empty()) {
    models::FaultInfo f;
    auto type = models::parse_fault_type(c.fault_type);
    if (!type) {
      err << "simtrace: unknown fault type '" << c.fault_type << "'\n";
      return static_cast<int>(ErrorKind::kUsage);
    }
    f.type = *type;
    auto site = c.fault_site.empty() ? std::optional<models::SymbolOffset>(models::SymbolOffset{})
                                     : models::parse_symbol_offset(c.fault_site);
    if (!site) {
      err << "simtrace: --fault-site '" << c.fault_site << "' is not SYMBOL or SYMBOL+OFFSET\n";
      return static_cast<int>(ErrorKind::kUsage);
    }
    f.symbol = std::string(site->symbol);
    f.offset = site->offset;
    options.fault = f;
  }
  TraceError e;
  TraceForm form =
      c.output.ends_with(".txt") || c.output == "-" ? TraceForm::kText : TraceForm::kBinary;
  auto writer = create_trace_writer(c.output, form, e);
  if (!writer) return report(err, e);
  ImportStats stats;
  if (!import_paired_run(injected, golden, options, *writer, stats, e)) return report(err, e);
  if (c.output != "-") {
    out << fmt::format(
        "{}: {} events, {} contexts, {} locks from {} lines ({} unparsed); crash {}; {} releases "
        "inferred, {} of locks taken before the window dropped, {} by another context; clocks "
        "onto the trace's: console {:+.3f} s{}, jiffies {:+.3f} s\n",
        c.output, stats.events, stats.contexts, stats.locks, stats.lines, stats.unparsed,
        stats.crashed ? crash_note(stats) : "NOT found", stats.inferred_releases,
        stats.dropped_releases, stats.foreign_releases, stats.console_offset_us / 1e6,
        borrowed_offset_note(stats), stats.jiffies_offset_us / 1e6);
    out << short_golden_warning(stats, c.output);
  }
  return 0;
}

int summary(const SimtraceConfig& c, std::ostream& out, std::ostream& err) {
  std::vector<std::string> missing;
  std::vector<std::string> files = expand_trace_inputs(c.inputs, missing);
  int rc = 0;
  for (const std::string& m : missing) {
    err << "simtrace: " << m << "\n";
    rc = static_cast<int>(ErrorKind::kNoInput);
  }
  nlohmann::ordered_json all = nlohmann::ordered_json::array();
  for (const std::string& path : files) {
    TraceError e;
    auto source = open_trace(path, e);
    if (!source) {
      rc = rc ? rc : report(err, e);
      continue;
    }
    TraceReader reader(std::move(source));
    TraceSummary s;
    if (!summarize(reader, s, e)) {
      int code = report(err, e);
      rc = rc ? rc : code;
      continue;
    }
    if (c.format == "json") {
      all.push_back(summary_json(s));
    } else {
      out << format_summary(s);
    }
  }
  if (c.format == "json") out << all.dump(2) << "\n";
  return rc;
}

}  // namespace

int run_simtrace(const SimtraceConfig& config, std::ostream& out, std::ostream& err) {
  switch (config.command) {
    case SimtraceConfig::Command::kValidate:
      return validate(config, out, err);
    case SimtraceConfig::Command::kConvert:
      return convert(config, out, err);
    case SimtraceConfig::Command::kSummary:
      return summary(config, out, err);
    case SimtraceConfig::Command::kImport:
      return import_run(config, out, err);
  }
  return static_cast<int>(ErrorKind::kUsage);
}

}  // namespace oopsim::traces
