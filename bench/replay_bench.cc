// Replay throughput: generated traces of 1e3..1e7 events, 2..4096 contexts, low and high lock
// contention, streamed from a binary file. Counters (wall-clock rates; the replay runs on a thread
// of its own): events/s (all event packets read and validated), replayed/s (events the fibers
// replayed), peak RSS of the whole process so far.
#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>

#include "policies/policy_registry.h"
#include "sim/engine.h"
#include "trace_generator.h"
#include "traces/format/packet_source.h"

namespace {

std::string trace_for(std::uint64_t events, std::uint32_t contexts, bool high_contention,
                      std::uint64_t& written) {
  oopsim::bench::GeneratorConfig c;
  // The file holds the injected half plus the whole golden run: 1.5x the golden events.
  c.golden_events = events * 2 / 3;
  c.contexts = contexts;
  c.locks = high_contention ? std::max<std::uint32_t>(2, contexts / 16) : contexts * 4;
  std::string path = (std::filesystem::temp_directory_path() /
                      ("oopsim_bench_" + std::to_string(::getpid()) + "_" + std::to_string(events) +
                       "_" + std::to_string(contexts) + (high_contention ? "_hi" : "_lo") + ".pb"))
                         .string();
  written = oopsim::bench::generate_trace(c, path);
  return path;
}

void BM_Replay(benchmark::State& state) {
  auto events = static_cast<std::uint64_t>(state.range(0));
  auto contexts = static_cast<std::uint32_t>(state.range(1));
  bool high = state.range(2) != 0;
  std::uint64_t written = 0;
  std::string path = trace_for(events, contexts, high, written);
  if (written == 0) {
    state.SkipWithError("could not write the trace");
    return;
  }
  std::uint64_t replayed = 0;
  std::uint64_t switches = 0;
  for (auto _ : state) {
    std::string error;
    oopsim::sim::Prediction p;
    if (!oopsim::bench::replay_trace(path, "kill-faulty", p, error)) {
      state.SkipWithError(error.c_str());
      break;
    }
    replayed = p.events_replayed;
    switches = p.fiber_switches;
    benchmark::DoNotOptimize(p);
  }
  std::filesystem::remove(path);
  state.counters["events/s"] = benchmark::Counter(static_cast<double>(written),
                                                  benchmark::Counter::kIsIterationInvariantRate);
  state.counters["replayed/s"] = benchmark::Counter(static_cast<double>(replayed),
                                                    benchmark::Counter::kIsIterationInvariantRate);
  state.counters["s/event"] = benchmark::Counter(
      static_cast<double>(written),
      benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
  state.counters["switches/event"] = static_cast<double>(switches) / static_cast<double>(written);
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  state.counters["peak_rss_MiB"] = static_cast<double>(ru.ru_maxrss) / 1024.0;
}

// Memory against declared contexts: a trace that declares 1e6 contexts of which 64 have events,
// replayed under every policy one after the other (as simrun --policy=all does). Registered first
// so that peak_rss_MiB (the process's high-water mark) is its own.
void BM_DeclaredContexts(benchmark::State& state) {
  oopsim::bench::GeneratorConfig c;
  c.golden_events = static_cast<std::uint64_t>(state.range(1));
  c.contexts = 64;
  c.locks = 256;
  c.idle_contexts = static_cast<std::uint32_t>(state.range(0));
  std::string path = (std::filesystem::temp_directory_path() /
                      ("oopsim_bench_" + std::to_string(::getpid()) + "_declared.pb"))
                         .string();
  std::uint64_t written = oopsim::bench::generate_trace(c, path);
  if (written == 0) {
    state.SkipWithError("could not write the trace");
    return;
  }
  std::uint64_t runs = 0;
  for (auto _ : state) {
    for (const auto& info : oopsim::policies::builtin_policies().all()) {
      std::string error;
      oopsim::sim::Prediction p;
      if (!oopsim::bench::replay_trace(path, info.name, p, error)) {
        state.SkipWithError(error.c_str());
        break;
      }
      ++runs;
      benchmark::DoNotOptimize(p);
    }
  }
  std::filesystem::remove(path);
  state.counters["policies"] = static_cast<double>(runs);
  state.counters["events/s"] = benchmark::Counter(
      static_cast<double>(written) * static_cast<double>(runs), benchmark::Counter::kIsRate);
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  state.counters["peak_rss_MiB"] = static_cast<double>(ru.ru_maxrss) / 1024.0;
}
BENCHMARK(BM_DeclaredContexts)
    ->Args({1000000, 100000})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1)
    ->UseRealTime();

void Args(benchmark::internal::Benchmark* b) {
  for (long events : {1000L, 100000L, 10000000L}) {
    for (long contexts : {2L, 64L, 4096L}) {
      for (long high : {0L, 1L}) b->Args({events, contexts, high});
    }
  }
}

BENCHMARK(BM_Replay)->Apply(Args)->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
