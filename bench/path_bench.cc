// The regression benches (BM_Path*): the whole path a trace takes, each step on its own, quick
// enough to repeat (scripts/bench-compare.sh runs them with repetitions and compares against
// bench/baseline.json with Google Benchmark's compare.py and its U test):
// reading a trace (binary, text, .xz: packets read and validated), replaying it under each policy,
// importing a real run (the fixture in tests/import/fixtures), and writing the reports (table,
// JSON, CSV, HTML). Counters: events/s and bytes/s (input bytes; for the reports, bytes written).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "policies/policy_registry.h"
#include "sim/engine.h"
#include "sim/report.h"
#include "sim/report_html.h"
#include "trace_generator.h"
#include "traces/format/packet_source.h"
#include "traces/format/packet_writer.h"
#include "traces/format/recorded_trace.h"
#include "traces/format/trace_rewrite.h"
#include "traces/format/xz_encoder.h"
#include "traces/import/run_importer.h"

namespace {

namespace fs = std::filesystem;
using oopsim::traces::TraceError;

// One generated trace (64 contexts, 100k golden events) in the three forms, made once.
struct PathTrace {
  std::string binary, text, xz;
  std::string binary_v2, xz_v2;  // format version 2: event times as deltas
  std::uint64_t events = 0;
  bool ok = false;
};

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool copy_as_text(const std::string& from, const std::string& to) {
  TraceError e;
  auto src = oopsim::traces::open_trace(from, e);
  auto out = oopsim::traces::create_trace_writer(to, oopsim::traces::TraceForm::kText, e);
  if (!src || !out) return false;
  oopsim::trace::TracePacket p;
  while (src->next(p)) out->write(p);
  return out->close();
}

bool as_version_2(const std::string& from, const std::string& to) {
  oopsim::traces::RewriteOptions options;
  options.format_version = 2;
  oopsim::traces::RewriteResult result;
  TraceError e;
  return oopsim::traces::rewrite_trace(from, to, options, result, e);
}

const PathTrace& path_trace() {
  static const PathTrace t = [] {
    PathTrace r;
    std::string base =
        (fs::temp_directory_path() / ("oopsim_pathbench_" + std::to_string(::getpid()))).string();
    r.binary = base + ".pb";
    r.text = base + ".trace.txt";
    r.xz = base + ".pb.xz";
    r.binary_v2 = base + ".v2.pb";
    r.xz_v2 = base + ".v2.pb.xz";
    oopsim::bench::GeneratorConfig c;
    c.golden_events = 100000;
    c.contexts = 64;
    c.locks = 256;
    r.events = oopsim::bench::generate_trace(c, r.binary);
    std::string error;
    r.ok = r.events != 0 && copy_as_text(r.binary, r.text) &&
           oopsim::traces::xz_compress_file(r.binary, r.xz, 6, error) &&
           as_version_2(r.binary, r.binary_v2) &&
           oopsim::traces::xz_compress_file(r.binary_v2, r.xz_v2, 6, error);
    static std::string made = base;  // removed when the process ends
    std::atexit([] {
      std::error_code ec;
      for (const char* ext : {".pb", ".trace.txt", ".pb.xz", ".v2.pb", ".v2.pb.xz"}) {
        fs::remove(made + ext, ec);
      }
    });
    return r;
  }();
  return t;
}

void set_rates(benchmark::State& state, std::uint64_t events, std::uint64_t bytes) {
  state.counters["events/s"] = benchmark::Counter(static_cast<double>(events),
                                                  benchmark::Counter::kIsIterationInvariantRate);
  state.counters["bytes/s"] =
      benchmark::Counter(static_cast<double>(bytes), benchmark::Counter::kIsIterationInvariantRate);
}

// Reads every packet through the validating reader.
void read_all(benchmark::State& state, const std::string& path) {
  const PathTrace& t = path_trace();
  if (!t.ok) {
    state.SkipWithError("could not make the trace");
    return;
  }
  for (auto _ : state) {
    TraceError e;
    oopsim::traces::TraceReader reader(oopsim::traces::open_trace(path, e));
    std::uint64_t n = 0;
    while (true) {
      auto item = reader.next();
      if (item == oopsim::traces::TraceReader::Item::kEnd) break;
      if (item == oopsim::traces::TraceReader::Item::kError) {
        state.SkipWithError(reader.error().message().c_str());
        return;
      }
      n += item == oopsim::traces::TraceReader::Item::kEvent;
    }
    benchmark::DoNotOptimize(n);
  }
  set_rates(state, t.events, fs::file_size(path));
  state.counters["file_bytes"] = static_cast<double>(fs::file_size(path));
}

void BM_PathReadBinary(benchmark::State& state) {
  read_all(state, path_trace().binary);
}
void BM_PathReadText(benchmark::State& state) {
  read_all(state, path_trace().text);
}
void BM_PathReadXz(benchmark::State& state) {
  read_all(state, path_trace().xz);
}
// The same trace stored as format version 2 (the importer's and the corpus's): its file_bytes
// beside the version-1 runs' give the size ratio, its time the cost of decoding the deltas.
void BM_PathReadBinaryV2(benchmark::State& state) {
  read_all(state, path_trace().binary_v2);
}
void BM_PathReadXzV2(benchmark::State& state) {
  read_all(state, path_trace().xz_v2);
}

// One replay of the trace under each built-in policy (state.range(0): its index).
void BM_PathReplay(benchmark::State& state) {
  const PathTrace& t = path_trace();
  const auto& all = oopsim::policies::builtin_policies().all();
  const std::string& name = all[static_cast<std::size_t>(state.range(0))].name;
  state.SetLabel(name);
  for (auto _ : state) {
    std::string error;
    oopsim::sim::Prediction p;
    if (!oopsim::bench::replay_trace(t.binary, name, p, error)) {
      state.SkipWithError(error.c_str());
      return;
    }
    benchmark::DoNotOptimize(p);
  }
  set_rates(state, t.events, fs::file_size(t.binary));
}

// simrun --policy=all's path: the .xz trace read, decoded and checked once into a recording,
// then replayed under all six policies from it (traces/format/recorded_trace.h).
void BM_PathAllPoliciesRecorded(benchmark::State& state) {
  const PathTrace& t = path_trace();
  oopsim::sim::Engine engine;
  oopsim::traces::RecordedTrace recorded;
  for (auto _ : state) {
    TraceError e;
    if (!recorded.record(oopsim::traces::open_trace(t.xz, e), std::size_t{1} << 20)) {
      state.SkipWithError("the trace did not fit the recording");
      return;
    }
    for (const auto& info : oopsim::policies::builtin_policies().all()) {
      std::string error;
      auto policy = oopsim::policies::builtin_policies().create(info.name, error);
      oopsim::traces::TraceReader reader(recorded);
      oopsim::sim::Prediction p;
      if (!engine.run(reader, *policy, info.name, p, e)) {
        state.SkipWithError(e.message().c_str());
        return;
      }
      benchmark::DoNotOptimize(p);
    }
  }
  set_rates(state, t.events * oopsim::policies::builtin_policies().all().size(),
            fs::file_size(t.xz));
}

// The importer on the real-run fixture (tests/import/fixtures: a paired run's ftrace and consoles).
void BM_PathImport(benchmark::State& state) {
  std::string dir = std::string(OOPSIM_SOURCE_DIR) + "/tests/import/fixtures/";
  oopsim::traces::RunText injected, golden;
  injected.path = "injected";
  injected.ftrace = read_text(dir + "injected.ftrace.txt");
  injected.console = read_text(dir + "injected.console.log");
  golden.path = "golden";
  golden.ftrace = read_text(dir + "golden.ftrace.txt");
  golden.console = read_text(dir + "golden.console.log");
  oopsim::traces::ImportOptions options;
  options.kallsyms = read_text(dir + "kallsyms.txt");
  std::string out = (fs::temp_directory_path() /
                     ("oopsim_pathbench_import_" + std::to_string(::getpid()) + ".pb"))
                        .string();
  std::uint64_t events = 0;
  for (auto _ : state) {
    TraceError e;
    auto writer = oopsim::traces::create_trace_writer(out, oopsim::traces::TraceForm::kBinary, e);
    oopsim::traces::ImportStats stats;
    if (!writer ||
        !oopsim::traces::import_paired_run(injected, golden, options, *writer, stats, e)) {
      state.SkipWithError(e.message().c_str());
      return;
    }
    events = stats.events;
  }
  fs::remove(out);
  set_rates(state, events, injected.ftrace.size() + golden.ftrace.size());
}

// The report writers on the trace's predictions under every policy (state.range(0): 0 table,
// 1 JSON, 2 CSV, 3 HTML).
void BM_PathReport(benchmark::State& state) {
  const PathTrace& t = path_trace();
  std::vector<oopsim::sim::Prediction> predictions;
  for (const auto& info : oopsim::policies::builtin_policies().all()) {
    std::string error;
    oopsim::sim::Prediction p;
    if (!oopsim::bench::replay_trace(t.binary, info.name, p, error)) {
      state.SkipWithError(error.c_str());
      return;
    }
    predictions.push_back(std::move(p));
  }
  const char* kNames[] = {"table", "json", "csv", "html"};
  state.SetLabel(kNames[state.range(0)]);
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::string out;
    switch (state.range(0)) {
      case 0:
        out = oopsim::sim::render_table(predictions, {true});
        break;
      case 1:
        out = oopsim::sim::render_json(predictions, {true});
        break;
      case 2:
        out = oopsim::sim::render_csv(predictions);
        break;
      default:
        out = oopsim::sim::render_html(predictions, {});
        break;
    }
    bytes = out.size();
    benchmark::DoNotOptimize(out);
  }
  set_rates(state, 0, bytes);
  state.counters.erase("events/s");
}

BENCHMARK(BM_PathReadBinary)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PathReadText)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PathReadXz)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PathReadBinaryV2)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PathReadXzV2)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PathReplay)->DenseRange(0, 5)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_PathAllPoliciesRecorded)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_PathImport)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PathReport)->DenseRange(0, 3)->Unit(benchmark::kMillisecond);

}  // namespace
