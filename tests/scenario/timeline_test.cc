// The timeline (Perfetto / chrome://tracing JSON) and the Graphviz graphs of a replay: structure
// and key events, on the seed's set_fs_pwd case and the mutex chain.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "policies/policy_registry.h"
#include "scenario_support.h"
#include "sim/engine.h"
#include "traces/format/packet_source.h"

namespace oopsim::test {
namespace {

sim::Prediction replay(const std::string& name, const std::string& policy) {
  std::string error;
  auto p = policies::builtin_policies().create(policy, error);
  traces::TraceError te;
  traces::TraceReader reader(traces::open_trace(source_dir() + "/tests/golden/" + name, te));
  sim::EngineConfig config;
  config.timeline = true;
  config.graphs = true;
  sim::Prediction out;
  EXPECT_TRUE(sim::Engine(config).run(reader, *p, policy, out, te)) << te.message();
  return out;
}

TEST(Timeline, HasNamedTracksSlicesInstantsFlowsAndBothPhases) {
  sim::Prediction p = replay("01_set_fs_pwd_fs_lock_soft_lockup.trace.txt", "kill-faulty");
  const auto& events = p.timeline.at("traceEvents");
  ASSERT_TRUE(events.is_array());
  std::set<std::string> threads, instants, categories;
  int flows_out = 0, flows_in = 0;
  bool forever_wait = false;
  for (const auto& e : events) {
    ASSERT_TRUE(e.contains("ph") && e.contains("pid")) << e.dump();
    std::string ph = e["ph"];
    if (ph == "M" && e["name"] == "thread_name")
      threads.insert(e["args"]["name"].get<std::string>());
    if (ph == "i") instants.insert(e["name"].get<std::string>());
    if (ph == "X") {
      EXPECT_GE(e["dur"].get<double>(), 0.0) << e.dump();
      categories.insert(e["cat"].get<std::string>());
    }
    if (ph == "b") categories.insert(e["cat"].get<std::string>());
    if (ph == "e" && e["name"] == "wait fs->lock" && e["args"]["forever"] == true)
      forever_wait = true;
    flows_out += ph == "s";
    flows_in += ph == "f";
  }
  EXPECT_TRUE(threads.count("bash[2210]"));
  EXPECT_TRUE(threads.count("ps[2291]"));
  EXPECT_TRUE(threads.count("phase"));
  EXPECT_TRUE(instants.count("fault activation"));
  EXPECT_TRUE(instants.count("oops (the crash)"));
  EXPECT_TRUE(instants.count("killed"));
  EXPECT_TRUE(instants.count("soft lockup (predicted)"));
  EXPECT_TRUE(categories.count("injected"));
  EXPECT_TRUE(categories.count("continuation"));
  EXPECT_TRUE(forever_wait) << "ps's wait for fs->lock must be drawn to the end";
  EXPECT_EQ(flows_out, flows_in);
  EXPECT_GE(flows_out, 1) << "an arrow from the waiter to the holder";
}

// Perfetto drops complete (X) slices that overlap without nesting on one track; locks taken hand
// over hand would give such slices, so holds and waits are async spans. On a real crash's trace:
// the X slices of each track nest, and every async span begins before it ends, once per id at a
// time.
TEST(Timeline, SlicesNestOnEachTrackAndEveryAsyncSpanEndsOnce) {
  std::string error;
  auto policy = policies::builtin_policies().create("kill-faulty", error);
  traces::TraceError te;
  traces::TraceReader reader(
      traces::open_trace(source_dir() + "/traces/corpus/traces/VAR-s20.pb.xz", te));
  sim::EngineConfig config;
  config.timeline = true;
  sim::Prediction p;
  ASSERT_TRUE(sim::Engine(config).run(reader, *policy, "kill-faulty", p, te)) << te.message();
  std::map<int, std::vector<std::pair<double, double>>> slices;  // tid -> (start, end)
  std::map<std::string, double> open;                            // async id -> its begin
  std::size_t spans = 0;
  for (const auto& e : p.timeline.at("traceEvents")) {
    std::string ph = e["ph"];
    if (ph == "X") {
      double ts = e["ts"].get<double>();
      slices[e["tid"].get<int>()].emplace_back(ts, ts + e["dur"].get<double>());
    } else if (ph == "b") {
      ASSERT_TRUE(open.emplace(e["id"].get<std::string>(), e["ts"].get<double>()).second)
          << "two spans open at once on " << e.dump();
    } else if (ph == "e") {
      auto it = open.find(e["id"].get<std::string>());
      ASSERT_NE(it, open.end()) << "an end with no begin: " << e.dump();
      EXPECT_LE(it->second, e["ts"].get<double>()) << e.dump();
      open.erase(it);
      ++spans;
    }
  }
  EXPECT_TRUE(open.empty()) << open.size() << " spans never end";
  EXPECT_GT(spans, 100u);
  for (auto& [tid, v] : slices) {
    std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first < b.first : a.second > b.second;
    });
    std::vector<double> ends;  // the enclosing slices' ends
    for (const auto& [from, to] : v) {
      while (!ends.empty() && ends.back() <= from) ends.pop_back();
      if (!ends.empty()) {
        EXPECT_LE(to, ends.back()) << "track " << tid << " misnests at " << from;
      }
      ends.push_back(to);
    }
  }
}

TEST(Timeline, PolicyActionsAppearAsInstants) {
  sim::Prediction p = replay("01_set_fs_pwd_fs_lock_soft_lockup.trace.txt", "lock-release");
  bool release = false;
  for (const auto& e : p.timeline.at("traceEvents")) {
    if (e["ph"] == "i" && e["name"] == "policy: release fs->lock") release = true;
  }
  EXPECT_TRUE(release);
}

TEST(Graphs, WaitForGraphHighlightsTheDeadlockChainAndPropagationShowsTheScope) {
  sim::Prediction p = replay("02_i_mutex_chain_hung_task.trace.txt", "kill-faulty");
  EXPECT_NE(p.wait_for_dot.find("digraph"), std::string::npos);
  EXPECT_NE(p.wait_for_dot.find("rm[3133]\\nwaiting for a lock\", color=red"), std::string::npos)
      << p.wait_for_dot;
  EXPECT_NE(p.wait_for_dot.find("dd[3120]\\ndead"), std::string::npos);
  EXPECT_NE(p.wait_for_dot.find("penwidth=2"), std::string::npos);
  EXPECT_NE(p.propagation_dot.find("error propagation: kernel-global"), std::string::npos)
      << p.propagation_dot;
  EXPECT_NE(p.propagation_dot.find("taken by"), std::string::npos);
}

}  // namespace
}  // namespace oopsim::test
