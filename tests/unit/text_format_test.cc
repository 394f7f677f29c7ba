#include "traces/format/text_format.h"

#include <gtest/gtest.h>

namespace oopsim::traces {
namespace {

trace::TracePacket parse(const std::string& line) {
  trace::TracePacket p;
  std::string error;
  EXPECT_EQ(parse_text_line(line, p, error), TextLine::kPacket) << error;
  return p;
}

std::string error_of(const std::string& line) {
  trace::TracePacket p;
  std::string error;
  EXPECT_EQ(parse_text_line(line, p, error), TextLine::kError) << line;
  return error;
}

TEST(TextFormat, ParsesEveryValueKind) {
  auto p = parse(
      "fault type=null symbol=set_fs_pwd offset=0x2a address=0xffffffff8129a1fa before=4885c0 "
      "after=\"\" seed=7");
  EXPECT_EQ(p.fault().type(), trace::Fault::NULL_CHECK);
  EXPECT_EQ(p.fault().offset(), 0x2au);
  EXPECT_EQ(p.fault().address(), 0xffffffff8129a1faull);
  EXPECT_EQ(p.fault().before(), std::string("\x48\x85\xc0"));
  EXPECT_TRUE(p.fault().has_after());
  EXPECT_EQ(p.fault().after(), "");
  auto w = parse("workload name=fs required_contexts=3,4 target=10  # comment");
  EXPECT_EQ(w.workload().required_contexts_size(), 2);
  auto e = parse(
      "event time=5 context=1 type=syscall-exit result=-5 text=\"a \\\"quoted\\\" \\x01 thing\"");
  EXPECT_EQ(e.event().result(), -5);
  EXPECT_EQ(e.event().text(), "a \"quoted\" \x01 thing");
}

TEST(TextFormat, PrintsWhatItParsesLosslessly) {
  const char* lines[] = {
      "header format_version=1 kernel_release=6.1.0-27-amd64 origin=captured "
      "ticks_per_second=1000000000",
      "fault type=bcopy symbol=memcpy_orig offset=0x10 address=0xffffffff81000010 before=f3a4 "
      "after=9090 context=2 seed=3 disasm_before=\"rep movsb\"",
      "context id=2 pid=812 tid=812 comm=cat kind=user-task workloads=fs,\"odd name\"",
      "lock id=1 address=0xffff888004a0c1c0 kind=rwsem name=&mm->mmap_lock subsystem=mm "
      "held_at_start=2,3 start_mode=shared",
      "event time=18446744073709551615 context=2 type=syscall-exit value=1 "
      "result=-9223372036854775808",
      "observed workload=fs outcome=survived-inconsistent detail=\"line\\nbreak\"",
  };
  for (const char* line : lines) {
    trace::TracePacket p = parse(line);
    std::string printed, error;
    ASSERT_TRUE(print_text_line(p, printed, error)) << error;
    EXPECT_EQ(printed, line);
  }
}

TEST(TextFormat, BlankAndCommentLinesAreNotPackets) {
  trace::TracePacket p;
  std::string error;
  EXPECT_EQ(parse_text_line("", p, error), TextLine::kBlank);
  EXPECT_EQ(parse_text_line("   # just a comment", p, error), TextLine::kBlank);
}

TEST(TextFormat, RejectsMalformedLinesWithAReason) {
  EXPECT_NE(error_of("evnt time=1").find("unknown packet 'evnt'"), std::string::npos);
  EXPECT_NE(error_of("event tme=1").find("no field 'tme'"), std::string::npos);
  EXPECT_NE(error_of("event time=abc").find("not an unsigned 64-bit integer"), std::string::npos);
  EXPECT_NE(error_of("event time=-1").find("not an unsigned 64-bit integer"), std::string::npos);
  EXPECT_NE(error_of("context id=4294967296").find("not an unsigned 32-bit integer"),
            std::string::npos);
  EXPECT_NE(error_of("event type=lock-grab").find("unknown value 'lock-grab'"), std::string::npos);
  EXPECT_NE(error_of("event text=\"open").find("unterminated string"), std::string::npos);
  EXPECT_NE(error_of("event time=1 time=2").find("given twice"), std::string::npos);
  EXPECT_NE(error_of("event time=1,2").find("takes one value"), std::string::npos);
  EXPECT_NE(error_of("fault before=abc").find("even number of hex digits"), std::string::npos);
  EXPECT_NE(error_of("event time").find("expected field=value"), std::string::npos);
  EXPECT_NE(error_of("event time=").find("has no value"), std::string::npos);
}

TEST(TextFormat, RefusesToPrintAPacketWithNoContent) {
  trace::TracePacket p;
  std::string line, error;
  EXPECT_FALSE(print_text_line(p, line, error));
  EXPECT_EQ(error, "packet has no content");
}

}  // namespace
}  // namespace oopsim::traces
