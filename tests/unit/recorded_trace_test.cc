// A recorded trace read again must be the reading that recorded it: the same items in the same
// order, the same events field by field, the same model as it grows, the same error at the same
// place. Checked over every golden scenario, every malformed trace and a corpus trace.
#include "traces/format/recorded_trace.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "sim/event_queue.h"

namespace oopsim::traces {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> fixtures() {
  std::vector<std::string> out;
  for (const char* dir : {"tests/golden", "tests/malformed"}) {
    for (const auto& entry : fs::directory_iterator(fs::path(OOPSIM_SOURCE_DIR) / dir)) {
      if (entry.path().string().ends_with(".trace.txt")) out.push_back(entry.path().string());
    }
  }
  std::sort(out.begin(), out.end());
  out.push_back(std::string(OOPSIM_SOURCE_DIR) + "/traces/corpus/traces/INTERFACE-s2.pb.xz");
  return out;
}

void expect_same_event(const models::Event& a, const models::Event& b, const std::string& where) {
  EXPECT_EQ(a.time, b.time) << where;
  EXPECT_EQ(a.context, b.context) << where;
  EXPECT_EQ(a.type, b.type) << where;
  EXPECT_EQ(a.lock, b.lock) << where;
  EXPECT_EQ(a.mode, b.mode) << where;
  EXPECT_EQ(a.object, b.object) << where;
  EXPECT_EQ(a.target, b.target) << where;
  EXPECT_EQ(a.value, b.value) << where;
  EXPECT_EQ(a.result, b.result) << where;
  EXPECT_EQ(a.oops_kind, b.oops_kind) << where;
  EXPECT_EQ(a.text, b.text) << where;
  EXPECT_EQ(a.workload, b.workload) << where;
  EXPECT_EQ(a.site, b.site) << where;
  EXPECT_EQ(a.trylock, b.trylock) << where;
  EXPECT_EQ(a.has_cpu_state, b.has_cpu_state) << where;
  EXPECT_EQ(a.preempt_count, b.preempt_count) << where;
  EXPECT_EQ(a.irqs_disabled, b.irqs_disabled) << where;
  EXPECT_EQ(a.context_ix, b.context_ix) << where;
  EXPECT_EQ(a.lock_ix, b.lock_ix) << where;
  EXPECT_EQ(a.object_ix, b.object_ix) << where;
  EXPECT_EQ(a.target_ix, b.target_ix) << where;
  EXPECT_EQ(a.workload_ix, b.workload_ix) << where;
  EXPECT_EQ(a.site_ix, b.site_ix) << where;
}

TEST(RecordedTrace, ReadsAgainAsTheReadingThatRecordedItEveryFixture) {
  RecordedTrace recorded;  // one, reused: each record() replaces what was there
  for (const std::string& file : fixtures()) {
    TraceError error;
    auto source = open_trace(file, error);
    ASSERT_TRUE(source) << error.message();
    ASSERT_TRUE(recorded.record(std::move(source), 1u << 20)) << file;
    TraceReader direct(open_trace(file, error));
    TraceReader again(recorded);
    for (std::size_t step = 0;; ++step) {
      std::string where = file + " step " + std::to_string(step);
      TraceReader::Item a = direct.next(), b = again.next();
      ASSERT_EQ(a, b) << where;
      EXPECT_EQ(direct.packets(), again.packets()) << where;
      EXPECT_EQ(direct.section(), again.section()) << where;
      EXPECT_EQ(direct.model().contexts.size(), again.model().contexts.size()) << where;
      EXPECT_EQ(direct.model().locks.size(), again.model().locks.size()) << where;
      EXPECT_EQ(direct.source_error_here("x").message(), again.source_error_here("x").message())
          << where;
      if (a == TraceReader::Item::kEvent) expect_same_event(direct.event(), again.event(), where);
      if (a == TraceReader::Item::kError) {
        EXPECT_EQ(direct.error().message(), again.error().message()) << where;
        EXPECT_EQ(direct.error().exit_code(), again.error().exit_code()) << where;
      }
      if (a == TraceReader::Item::kEnd || a == TraceReader::Item::kError) {
        EXPECT_EQ(direct.all_observed().size(), again.all_observed().size()) << where;
        EXPECT_EQ(direct.crash().has_value(), again.crash().has_value()) << where;
        EXPECT_EQ(direct.last_time(SectionKind::kInjected),
                  again.last_time(SectionKind::kInjected));
        EXPECT_EQ(direct.last_time(SectionKind::kGolden), again.last_time(SectionKind::kGolden));
        break;
      }
    }
  }
}

TEST(RecordedTrace, GivesUpBeyondItsEventBudget) {
  std::string file =
      std::string(OOPSIM_SOURCE_DIR) + "/tests/golden/01_set_fs_pwd_fs_lock_soft_lockup.trace.txt";
  TraceError error;
  RecordedTrace recorded;
  EXPECT_FALSE(recorded.record(open_trace(file, error), 3));
  EXPECT_TRUE(recorded.record(open_trace(file, error), 1u << 20));
}

TEST(EventQueue, KeepsFirstInFirstOutAcrossWrapAndGrowth) {
  sim::EventQueue q;
  std::int64_t next_in = 0, next_out = 0;
  // Push and pop at uneven rates so the ring wraps round and grows while it holds events.
  for (int round = 0; round < 200; ++round) {
    for (int i = 0; i < round % 7 + 3; ++i) {
      models::Event e;
      e.value = next_in++;
      q.push_back(e);
    }
    for (int i = 0; i < round % 5 + 1 && !q.empty(); ++i) {
      ASSERT_EQ(q.front().value, next_out++);
      q.pop_front();
    }
    ASSERT_EQ(q.size(), static_cast<std::size_t>(next_in - next_out));
    for (std::size_t i = 0; i < q.size(); ++i)
      ASSERT_EQ(q[i].value, next_out + static_cast<std::int64_t>(i));
  }
  q.clear();
  EXPECT_TRUE(q.empty());
}

}  // namespace
}  // namespace oopsim::traces
