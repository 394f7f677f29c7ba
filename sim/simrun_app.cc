#include "sim/simrun_app.h"

#include <fmt/format.h>
#include <zlib.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <ostream>
#include <sstream>
#include <thread>
#include <tuple>

#include "models/state_class_table.h"
#include "policies/policy_registry.h"
#include "sim/engine.h"
#include "sim/report.h"
#include "sim/report_html.h"
#include "traces/format/decoded_trace.h"
#include "traces/format/packet_source.h"
#include "traces/format/recorded_trace.h"
#include "traces/format/trace_files.h"

namespace oopsim::sim {

namespace fs = std::filesystem;

namespace {

bool write_text(const fs::path& path, const std::string& text, std::ostream& err) {
  std::ofstream f(path, std::ios::binary);
  f << text;
  f.close();
  if (!f) err << "simrun: " << path.string() << ": cannot write\n";
  return static_cast<bool>(f);
}

// A gzip file (zlib) when the name ends in ".gz", else plain text.
bool write_maybe_gzip(const fs::path& path, const std::string& text, std::ostream& err) {
  if (path.extension() != ".gz") return write_text(path, text, err);
  gzFile f = gzopen(path.string().c_str(), "wb6");
  bool ok = f != nullptr;
  if (ok)
    ok = gzwrite(f, text.data(), static_cast<unsigned>(text.size())) ==
         static_cast<int>(text.size());
  if (f != nullptr && gzclose(f) != Z_OK) ok = false;
  if (!ok) err << "simrun: " << path.string() << ": cannot write\n";
  return ok;
}

std::string safe(std::string s) {
  for (char& c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') c = '_';
  }
  return s;
}

}  // namespace

// SVGs of DOT graphs, drawn by one run of Graphviz's dot over all of them (a run costs about
// 10 ms before it draws anything: hundreds of graphs drew slower than the replays that made
// them). dot writes one SVG document per input graph, each starting with an XML declaration
// (which no escaped label can contain), and names each one's top group "page0,1_graph0" where a
// run of one graph names it "graph0" (renamed back: the same bytes however graphs are batched).
// "" for each graph when dot is missing or fails; a batch dot cannot split cleanly is drawn graph
// by graph.
std::vector<std::string> dots_to_svgs(const std::vector<const std::string*>& dots) {
  static const bool have_dot = std::system("command -v dot >/dev/null 2>&1") == 0;
  std::vector<std::string> svgs(dots.size());
  if (!have_dot || dots.empty()) return svgs;
  static std::atomic<unsigned> serial{0};  // one file pair per call: calls run in parallel
  fs::path dir = fs::temp_directory_path();
  std::string stem =
      (dir / ("oopsim_dot_" + std::to_string(::getpid()) + "_" + std::to_string(serial++)))
          .string();
  {
    std::ofstream f(stem + ".dot", std::ios::binary);
    for (const std::string* dot : dots) f << *dot << "\n";
  }
  // Redirected: dot 2.43 writes only the first graph to its -o file, the others to stdout.
  std::string cmd = "dot -Tsvg '" + stem + ".dot' >'" + stem + ".svg' 2>/dev/null";
  std::string all;
  if (std::system(cmd.c_str()) == 0) {
    std::ifstream in(stem + ".svg", std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    all = text.str();
  }
  std::error_code ec;
  fs::remove(stem + ".dot", ec);
  fs::remove(stem + ".svg", ec);
  static const std::string kStart = "<?xml ";
  std::vector<std::size_t> starts;
  for (std::size_t at = all.find(kStart); at != std::string::npos; at = all.find(kStart, at + 1))
    starts.push_back(at);
  if (starts.size() == dots.size() && (starts.empty() || starts[0] == 0)) {
    starts.push_back(all.size());
    static const std::string kBatchGroup = "<g id=\"page0,1_graph0\" class=\"graph\"";
    for (std::size_t i = 0; i < dots.size(); ++i) {
      svgs[i] = all.substr(starts[i], starts[i + 1] - starts[i]);
      if (std::size_t at = svgs[i].find(kBatchGroup); at != std::string::npos)
        svgs[i].replace(at, kBatchGroup.size(), "<g id=\"graph0\" class=\"graph\"");
    }
  } else if (dots.size() > 1) {
    for (std::size_t i = 0; i < dots.size(); ++i) svgs[i] = dots_to_svgs({dots[i]})[0];
  }
  return svgs;
}

// Each distinct graph drawn once (policies often leave a trace with the same graph), in `jobs`
// batches run side by side (0: one per core).
HtmlGraphs draw_graphs(const std::vector<Prediction>& predictions, unsigned jobs) {
  std::map<std::string, std::string> svg_of;  // DOT -> SVG
  for (const Prediction& p : predictions) {
    for (const std::string* dot : {&p.wait_for_dot, &p.propagation_dot}) {
      if (!dot->empty()) svg_of.emplace(*dot, "");
    }
  }
  std::vector<std::pair<const std::string, std::string>*> todo;
  for (auto& entry : svg_of) todo.push_back(&entry);
  std::size_t n = jobs != 0 ? jobs : std::max(1u, std::thread::hardware_concurrency());
  n = std::min(n, todo.size());
  std::vector<std::thread> workers;
  for (std::size_t w = 0; w < n; ++w) {
    workers.emplace_back([&todo, w, n] {
      std::vector<const std::string*> dots;
      for (std::size_t k = w; k < todo.size(); k += n) dots.push_back(&todo[k]->first);
      std::vector<std::string> svgs = dots_to_svgs(dots);
      for (std::size_t i = 0; i < svgs.size(); ++i) todo[w + i * n]->second = std::move(svgs[i]);
    });
  }
  for (std::thread& w : workers) w.join();
  HtmlGraphs graphs;
  for (const Prediction& p : predictions) {
    graphs.wait_for_svg.push_back(p.wait_for_dot.empty() ? "" : svg_of[p.wait_for_dot]);
    graphs.propagation_svg.push_back(p.propagation_dot.empty() ? "" : svg_of[p.propagation_dot]);
  }
  return graphs;
}

int write_extras(const SimrunConfig& config, const std::vector<Prediction>& predictions,
                 std::ostream& err) {
  HtmlGraphs graphs;
  if (!config.report.empty() || !config.graph_dir.empty())
    graphs = draw_graphs(predictions, static_cast<unsigned>(std::max(0, config.jobs)));
  if (!config.report.empty()) {
    if (!write_text(config.report, render_html(predictions, graphs), err)) return 74;
  }
  if (!config.timeline.empty()) {
    fs::path base(config.timeline);
    // FILE.json or FILE.json.gz (compressed)
    std::string ext = base.extension() == ".gz" ? base.stem().extension().string() + ".gz"
                                                : base.extension().string();
    std::string stem = base.filename().string();
    stem = stem.substr(0, stem.size() - ext.size());
    for (const Prediction& p : predictions) {
      fs::path path = base;
      if (predictions.size() > 1) {  // one file per trace x policy, beside the name given
        path = base.parent_path() / (stem + "." + safe(fs::path(p.trace).stem().stem().string()) +
                                     "." + safe(p.policy) + ext);
      }
      if (!write_maybe_gzip(path, p.timeline.dump() + "\n", err)) return 74;
    }
  }
  if (!config.graph_dir.empty()) {
    std::error_code ec;
    fs::create_directories(config.graph_dir, ec);
    for (std::size_t i = 0; i < predictions.size(); ++i) {
      const Prediction& p = predictions[i];
      std::string stem = safe(fs::path(p.trace).stem().stem().string()) + "." + safe(p.policy);
      std::vector<std::tuple<std::string, std::string, std::string>> files = {
          {"waitfor", p.wait_for_dot, graphs.wait_for_svg[i]},
          {"propagation", p.propagation_dot, graphs.propagation_svg[i]}};
      for (const auto& [kind, dot, svg] : files) {
        if (dot.empty()) continue;
        fs::path path = fs::path(config.graph_dir) / (stem + "." + kind + ".dot");
        if (!write_text(path, dot, err)) return 74;
        if (!svg.empty() &&
            !write_text(fs::path(config.graph_dir) / (stem + "." + kind + ".svg"), svg, err)) {
          return 74;
        }
      }
    }
  }
  return 0;
}

std::string policy_help() {
  std::string out = "Policies (--policy=NAME[:key=value,...], or all):\n";
  for (const policies::PolicyInfo& p : policies::builtin_policies().all()) {
    out += fmt::format("  {:<18} {}\n", p.name, p.description);
  }
  return out;
}

namespace {

// One trace under every policy: its predictions, or the error that stopped them (as the reading
// of each policy would report it; the trace's first error ends its policies).
struct TraceOutcome {
  std::vector<Prediction> predictions;
  std::vector<traces::TraceError> errors;
};

// Events a trace may have to be kept in memory for all its policies (64 bytes each, packed).
constexpr std::size_t kMaxRecordedEvents = std::size_t{1} << 20;

bool predict_one(traces::TraceReader& reader, const std::string& spec,
                 const policies::PolicyRegistry& registry, const Engine& engine, TraceOutcome& o) {
  std::string error;
  std::unique_ptr<policies::Policy> policy = registry.create(spec, error);
  Prediction p;
  traces::TraceError te;
  if (!engine.run(reader, *policy, spec, p, te)) {
    o.errors.push_back(te);
    return false;
  }
  o.predictions.push_back(std::move(p));
  return true;
}

// `scratch`: the thread's recording, reused from trace to trace.
TraceOutcome predict_trace(const std::string& file, const std::vector<std::string>& specs,
                           const policies::PolicyRegistry& registry, const Engine& engine,
                           traces::RecordedTrace& scratch) {
  TraceOutcome o;
  traces::TraceError te;
  bool recorded = false;
  if (specs.size() > 1) {  // read, decode and check the trace once for all its policies
    auto source = traces::open_trace(file, te);
    if (!source) {
      o.errors.push_back(te);
      return o;
    }
    recorded = scratch.record(std::move(source), kMaxRecordedEvents);
  }
  if (recorded) {
    for (const std::string& spec : specs) {
      traces::TraceReader reader(scratch);
      if (!predict_one(reader, spec, registry, engine, o)) break;
    }
    return o;
  }
  // One policy, or a trace too long to keep: each policy reads it again, decompressed once into
  // memory for all of them (DecodedTrace).
  traces::DecodedTrace trace(file);
  for (const std::string& spec : specs) {
    auto source = trace.open(te);
    if (!source) {
      o.errors.push_back(te);
      break;
    }
    traces::TraceReader reader(std::move(source));
    if (!predict_one(reader, spec, registry, engine, o)) break;
  }
  return o;
}

}  // namespace

int run_simrun(const SimrunConfig& config, std::ostream& out, std::ostream& err) {
  const policies::PolicyRegistry& registry = policies::builtin_policies();
  std::vector<std::string> specs;
  for (const std::string& p : config.policies) {
    if (p == "all") {
      for (const policies::PolicyInfo& info : registry.all()) specs.push_back(info.name);
    } else {
      specs.push_back(p);
    }
  }
  for (const std::string& spec : specs) {  // check names and parameters before any work
    std::string error;
    if (!registry.create(spec, error)) {
      err << "simrun: " << error << "\n";
      return 64;
    }
  }
  if (config.format != "table" && config.format != "json" && config.format != "csv") {
    err << "simrun: --format is table, json or csv\n";
    return 64;
  }
  std::vector<std::string> missing;
  std::vector<std::string> files = traces::expand_trace_inputs(config.inputs, missing);
  for (const std::string& m : missing) err << "simrun: " << m << "\n";
  if (!missing.empty()) return 66;
  if (files.empty()) {
    err << "simrun: no trace files in the given inputs\n";
    return 66;
  }
  models::StateClassTable classes = models::StateClassTable::builtin();
  if (!config.state_classes.empty()) {
    std::ifstream f(config.state_classes, std::ios::binary);
    if (!f) {
      err << "simrun: " << config.state_classes << ": cannot open the state-class table\n";
      return 66;
    }
    std::stringstream text;
    text << f.rdbuf();
    std::string error;
    if (!classes.add_rows(text.str(), config.state_classes, error)) {
      err << "simrun: " << error << "\n";
      return 65;
    }
  }
  EngineConfig engine_config;
  engine_config.state_classes = &classes;
  engine_config.timeline = !config.timeline.empty();
  engine_config.graphs = !config.graph_dir.empty() || !config.report.empty();
  Engine engine(engine_config);
  // Each trace is read from disk and decompressed once for all its policies (DecodedTrace), and
  // the traces are predicted on the machine's cores; the results are then taken in input order,
  // so the output is the same bytes whatever the number of threads.
  std::vector<TraceOutcome> outcomes(files.size());
  std::atomic<std::size_t> next{0}, done{0};
  auto worker = [&] {
    traces::RecordedTrace scratch;
    for (std::size_t i = next++; i < files.size(); i = next++) {
      outcomes[i] = predict_trace(files[i], specs, registry, engine, scratch);
      ++done;
    }
  };
  std::size_t threads = std::clamp<std::size_t>(
      config.jobs > 0 ? config.jobs : std::thread::hardware_concurrency(), 1, files.size());
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
  if (config.progress) {
    std::thread bar([&] {
      while (done < files.size()) {
        std::size_t width = 30, filled = width * done / files.size();
        err << fmt::format("\r[{}{}] {}/{} traces", std::string(filled, '#'),
                           std::string(width - filled, '.'), done.load(), files.size())
            << std::flush;
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
    });
    worker();
    bar.join();
  } else {
    worker();
  }
  for (std::thread& t : pool) t.join();
  std::vector<Prediction> predictions;
  int rc = 0;
  for (TraceOutcome& o : outcomes) {
    for (const traces::TraceError& e : o.errors) {
      err << "simrun: " << e.message() << "\n";
      rc = rc ? rc : e.exit_code();
    }
    for (Prediction& p : o.predictions) predictions.push_back(std::move(p));
  }
  if (config.progress) err << fmt::format("\r{:60}\r", "") << std::flush;
  if (predictions.empty() && rc != 0) return rc;  // no report about nothing: the errors say it
  if (int out_rc = write_extras(config, predictions, err); out_rc != 0) return out_rc;
  ReportOptions options;
  options.explain = config.explain;
  std::string text;
  if (config.format == "json") {
    text = render_json(predictions, options);
  } else if (config.format == "csv") {
    text = render_csv(predictions);
  } else {
    text = render_table(predictions, options);
  }
  if (config.output == "-") {
    out << text;
    out.flush();
    if (!out) {
      err << "simrun: writing the report failed\n";
      return 74;
    }
  } else {
    std::ofstream f(config.output, std::ios::binary);
    f << text;
    f.close();
    if (!f) {
      err << "simrun: " << config.output << ": cannot write the report\n";
      return 74;
    }
  }
  return rc;
}

}  // namespace oopsim::sim
