// The error's scope from the record (scope_tracker.h): what makes a crash kernel-global, and that
// the summary and every policy's prediction give the same scope for a trace.
#include "traces/format/scope_tracker.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "policies/policy_registry.h"
#include "sim/engine.h"
#include "traces/format/trace_summary.h"

namespace oopsim::traces {
namespace {

// A crash by context 1 (holding lock 1, taken at the saved state, and lock 2, taken in the run)
// after it wrote object `written`; `golden` is the golden section's events.
std::string trace(const std::string& written, const std::string& golden) {
  return "header format_version=1 origin=hand-written ticks_per_second=1000000\n"
         "context id=1 pid=10 comm=writer kind=user-task workloads=w\n"
         "context id=2 pid=20 comm=other kind=user-task workloads=w\n"
         "lock id=1 address=0x1000 kind=mutex name=held_at_start held_at_start=1\n"
         "lock id=2 address=0x2000 kind=spinlock name=taken_in_run\n"
         "lock id=3 address=0x3000 kind=spinlock name=let_go\n"
         "object id=1 name=own_state class=plain owner=1\n"
         "object id=2 name=shared_list class=plain owner=0\n"
         "workload name=w required_contexts=1,2 progress=ops target=1\n"
         "section kind=injected\n"
         "event time=100 context=1 type=lock-acquired lock=2\n"
         "event time=110 context=1 type=fault-activation\n" +
         (written.empty() ? ""
                          : "event time=120 context=1 type=object-write object=" + written + "\n") +
         "event time=130 context=1 type=oops oops_kind=null-dereference text=f\n"
         "section kind=golden\n" +
         golden;
}

ScopeFinding find(const std::string& text) {
  std::string path = (std::filesystem::temp_directory_path() /
                      ("oopsim_scope_" + std::to_string(::getpid()) + ".trace.txt"))
                         .string();
  std::ofstream(path) << text;
  TraceError error;
  TraceReader reader(open_trace(path, error));
  ScopeTracker tracker;
  while (true) {
    TraceReader::Item item = reader.next();
    EXPECT_NE(item, TraceReader::Item::kError) << reader.error().message();
    if (item == TraceReader::Item::kEnd || item == TraceReader::Item::kError) break;
    if (item == TraceReader::Item::kSection) tracker.on_section(reader.model(), reader.section());
    if (item == TraceReader::Item::kEvent)
      tracker.on_event(reader.model(), reader.section(), reader.event());
  }
  std::filesystem::remove(path);
  return tracker.finding(reader.model());
}

TEST(ScopeTracker, OwnWritesAndLocksNobodyTakesLaterAreProcessLocal) {
  ScopeFinding f = find(trace("1",
                              "event time=50 context=2 type=lock-acquired lock=2\n"
                              "event time=60 context=2 type=lock-release lock=2\n"
                              "event time=200 context=2 type=lock-acquired lock=2 trylock=true\n"
                              "event time=205 context=2 type=lock-release lock=2\n"
                              "event time=210 context=1 type=lock-release lock=1\n"
                              "event time=220 context=1 type=lock-acquired lock=1\n"));
  ASSERT_TRUE(f.scope);
  EXPECT_EQ(*f.scope, models::Scope::kProcessLocal) << f.why;
  EXPECT_EQ(f.held_at_crash, (std::vector<std::uint32_t>{0, 1}));  // since the saved state; taken
}

TEST(ScopeTracker, ASharedWriteAfterTheActivationIsKernelGlobal) {
  ScopeFinding f = find(trace("2", ""));
  ASSERT_TRUE(f.scope);
  EXPECT_EQ(*f.scope, models::Scope::kKernelGlobal);
  EXPECT_EQ(f.why,
            "the faulting context wrote shared object shared_list after the fault's activation");
}

TEST(ScopeTracker, ALockHeldSinceTheSavedStateTakenLaterIsKernelGlobal) {
  ScopeFinding f = find(trace("",
                              "event time=300 context=2 type=lock-attempt lock=1\n"
                              "event time=310 context=2 type=lock-acquired lock=2\n"));
  ASSERT_TRUE(f.scope);
  EXPECT_EQ(*f.scope, models::Scope::kKernelGlobal);
  EXPECT_EQ(
      f.why,
      "it held held_at_start (mutex 0x1000) at the crash and other[20] takes it later; it held "
      "taken_in_run (spinlock 0x2000) at the crash and other[20] takes it later");
}

TEST(ScopeTracker, NoCrashNoScope) {
  ScopeFinding f = find(
      "header format_version=1 origin=hand-written ticks_per_second=1000000\n"
      "context id=1 pid=10 comm=a kind=user-task\nsection kind=injected\n"
      "event time=1 context=1 type=syscall-enter value=1\n");
  EXPECT_FALSE(f.scope);
}

// One computation: the summary and every policy's prediction name the same scope and reason, for
// every golden scenario (a panic that ends a replay early included).
TEST(ScopeTracker, SummaryAndEveryPolicyAgreeOnEveryGoldenScenario) {
  sim::Engine engine;
  int traces = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(OOPSIM_SOURCE_DIR) + "/tests/golden")) {
    std::string path = entry.path().string();
    if (!path.ends_with(".trace.txt")) continue;
    TraceError error;
    TraceReader reader(open_trace(path, error));
    TraceSummary summary;
    if (!summarize(reader, summary, error) || !summary.scope) continue;
    ++traces;
    for (const policies::PolicyInfo& info : policies::builtin_policies().all()) {
      std::string why;
      auto policy = policies::builtin_policies().create(info.name, why);
      TraceReader again(open_trace(path, error));
      sim::Prediction p;
      if (!engine.run(again, *policy, info.name, p, error)) continue;
      EXPECT_EQ(p.scope, *summary.scope) << path << " " << info.name;
      EXPECT_EQ(p.scope_why, summary.scope_why) << path << " " << info.name;
    }
  }
  EXPECT_GT(traces, 30);
}

}  // namespace
}  // namespace oopsim::traces
