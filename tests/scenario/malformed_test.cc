// Malformed traces: each file in tests/malformed says which error it must get
//   # error: <text the message contains>
//   # line: <the line the message names>
// and the reader (as simtrace validate and simrun use it) must report exactly that.
#include <gtest/gtest.h>

#include <filesystem>

#include "scenario_support.h"
#include "traces/format/packet_source.h"
#include "traces/format/trace_reader.h"

namespace oopsim::test {
namespace {

class MalformedTrace : public ::testing::TestWithParam<std::string> {};

TEST_P(MalformedTrace, IsRejectedWithTheExpectedMessageAndLine) {
  const std::string path = GetParam();
  const std::string text = read_file(path);
  auto wanted = lines_starting(text, "# error: ");
  auto line = lines_starting(text, "# line: ");
  ASSERT_EQ(wanted.size(), 1u) << path << " needs one '# error:' line";
  traces::TraceError e;
  auto src = traces::open_trace(path, e);
  ASSERT_TRUE(src);
  traces::TraceReader reader(std::move(src));
  traces::TraceReader::Item item;
  while ((item = reader.next()) != traces::TraceReader::Item::kEnd &&
         item != traces::TraceReader::Item::kError) {
  }
  ASSERT_EQ(item, traces::TraceReader::Item::kError) << path << " was accepted";
  EXPECT_EQ(reader.error().exit_code(), 65);
  EXPECT_NE(reader.error().message().find(wanted[0]), std::string::npos)
      << "got: " << reader.error().message() << "\nwanted: " << wanted[0];
  if (!line.empty()) {
    EXPECT_EQ(std::to_string(reader.error().line), line[0]) << reader.error().message();
  }
}

INSTANTIATE_TEST_SUITE_P(Malformed, MalformedTrace,
                         ::testing::ValuesIn(scenario_files("malformed")), scenario_test_name);

TEST(MalformedCoverage, AtLeastFifteenMalformedInputs) {
  EXPECT_GE(scenario_files("malformed").size(), 15u);
}

TEST(PredictWithoutCrash, TraceWithNoOopsIsBadDataNotAPrediction) {
  std::string path = (std::filesystem::temp_directory_path() / "oopsim_nocrash.trace.txt").string();
  write_file(path,
             "header format_version=1\ncontext id=1 pid=5 comm=a kind=user-task\n"
             "section kind=injected\nevent time=1 context=1 type=syscall-enter value=0\n"
             "section kind=golden\nevent time=1 context=1 type=syscall-enter value=0\n");
  sim::Prediction p;
  std::string error;
  EXPECT_FALSE(predict(path, "kill-faulty", p, &error));
  EXPECT_NE(error.find("no oops"), std::string::npos) << error;
}

}  // namespace
}  // namespace oopsim::test
