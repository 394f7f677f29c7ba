#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "tests/unit/trace_file_fixture.h"
#include "traces/format/packet_source.h"
#include "traces/format/packet_writer.h"

namespace oopsim::traces {
namespace {

using test_files::slurp;
using test_files::temp_path;
using test_files::write_binary;

std::vector<trace::TracePacket> sample_packets(int events) {
  std::vector<trace::TracePacket> out;
  trace::TracePacket h;
  h.mutable_header()->set_format_version(1);
  out.push_back(h);
  trace::TracePacket c;
  c.mutable_context()->set_id(1);
  c.mutable_context()->set_kind(trace::Context::USER_TASK);
  out.push_back(c);
  trace::TracePacket s;
  s.mutable_section()->set_kind(trace::Section::INJECTED);
  out.push_back(s);
  for (int i = 0; i < events; ++i) {
    trace::TracePacket e;
    e.mutable_event()->set_time(static_cast<std::uint64_t>(i) * 1000);
    e.mutable_event()->set_context(1);
    e.mutable_event()->set_type(trace::Event::SYSCALL_ENTER);
    e.mutable_event()->set_value(i);
    out.push_back(e);
  }
  return out;
}

TEST(BinaryReader, ReadsBackEveryPacketWritten) {
  auto packets = sample_packets(100000);  // several read buffers long
  std::string path = write_binary(packets, "roundtrip.pb");
  TraceError error;
  auto src = open_trace(path, error);
  ASSERT_TRUE(src);
  trace::TracePacket p;
  std::size_t n = 0;
  while (src->next(p)) {
    ASSERT_EQ(p.SerializeAsString(), packets[n].SerializeAsString()) << "packet " << n;
    ++n;
  }
  EXPECT_FALSE(src->error());
  EXPECT_EQ(n, packets.size());
  std::remove(path.c_str());
}

TEST(BinaryReader, TruncatedFileYieldsItsGoodPrefixThenAnError) {
  auto packets = sample_packets(20);
  std::string full = slurp(write_binary(packets, "full.pb"));
  // Packet boundaries of the full file.
  std::vector<std::size_t> ends;
  std::size_t at = 0;
  for (const auto& p : packets) {
    std::size_t size = p.ByteSizeLong();
    at += size + (size < 128 ? 1 : 2);
    ends.push_back(at);
  }
  ASSERT_EQ(at, full.size());
  for (std::size_t cut = 1; cut < full.size(); ++cut) {
    std::string path = temp_path("cut.pb");
    std::ofstream(path, std::ios::binary) << full.substr(0, cut);
    TraceError error;
    auto src = open_trace(path, error);
    ASSERT_TRUE(src);
    trace::TracePacket p;
    std::size_t n = 0;
    while (src->next(p)) ++n;
    std::size_t complete = 0;
    while (complete < ends.size() && ends[complete] <= cut) ++complete;
    EXPECT_EQ(n, complete) << "cut at " << cut;
    bool at_boundary = complete > 0 && ends[complete - 1] == cut;
    EXPECT_EQ(static_cast<bool>(src->error()), !at_boundary) << "cut at " << cut;
    if (src->error()) {
      EXPECT_NE(src->error()->what.find("truncated"), std::string::npos) << src->error()->message();
      EXPECT_EQ(src->error()->packet, complete + 1);
    }
    std::remove(path.c_str());
  }
}

std::string xz_compress(const std::string& path) {
  EXPECT_EQ(std::system(("xz -k -f -6 " + path).c_str()), 0);
  return path + ".xz";
}

TEST(BinaryReader, XzCompressedTraceReadsBackEveryPacket) {
  auto packets = sample_packets(100000);
  std::string path = xz_compress(write_binary(packets, "xz.pb"));
  TraceError error;
  auto src = open_trace(path, error);
  ASSERT_TRUE(src);
  trace::TracePacket p;
  std::size_t n = 0;
  while (src->next(p)) {
    ASSERT_EQ(p.SerializeAsString(), packets[n].SerializeAsString()) << "packet " << n;
    ++n;
  }
  EXPECT_FALSE(src->error()) << src->error()->message();
  EXPECT_EQ(n, packets.size());
  std::remove(path.c_str());
}

TEST(BinaryReader, TruncatedXzTraceYieldsAGoodPrefixThenAnError) {
  auto packets = sample_packets(100000);
  std::string full = slurp(xz_compress(write_binary(packets, "xzcut.pb")));
  std::string path = temp_path("xzcut-half.pb.xz");
  std::ofstream(path, std::ios::binary) << full.substr(0, full.size() / 2);
  TraceError error;
  auto src = open_trace(path, error);
  ASSERT_TRUE(src);
  trace::TracePacket p;
  std::size_t n = 0;
  while (src->next(p)) {
    ASSERT_EQ(p.SerializeAsString(), packets[n].SerializeAsString()) << "packet " << n;
    ++n;
  }
  EXPECT_GT(n, packets.size() / 4);
  EXPECT_LT(n, packets.size());
  ASSERT_TRUE(src->error());
  EXPECT_NE(src->error()->what.find("xz"), std::string::npos) << src->error()->message();
  // Damaged input whatever the compression (65, not an I/O error), placed in the file as stored.
  EXPECT_EQ(src->error()->kind, ErrorKind::kData);
  EXPECT_NE(
      src->error()->what.find("byte " + std::to_string(full.size() / 2) + " of the file as stored"),
      std::string::npos)
      << src->error()->message();
  std::remove(path.c_str());
}

TEST(BinaryReader, ImpossibleLengthIsReportedAsCorrupt) {
  std::string path = temp_path("biglen.pb");
  std::ofstream(path, std::ios::binary) << std::string("\x02\x0a\x00\xff\xff\xff\xff\x0f", 8);
  TraceError error;
  auto src = open_trace(path, error);
  trace::TracePacket p;
  EXPECT_TRUE(src->next(p));
  EXPECT_FALSE(src->next(p));
  ASSERT_TRUE(src->error());
  EXPECT_NE(src->error()->what.find("corrupt packet length"), std::string::npos);
  EXPECT_EQ(src->error()->offset, 3u);
  std::remove(path.c_str());
}

TEST(BinaryReader, GarbageBodyIsReportedWithItsOffset) {
  std::string path = temp_path("garbage.pb");
  std::ofstream(path, std::ios::binary) << std::string("\x02\x0a\x00\x03\xff\xff\xff", 7);
  TraceError error;
  auto src = open_trace(path, error);
  trace::TracePacket p;
  EXPECT_TRUE(src->next(p));
  EXPECT_FALSE(src->next(p));
  ASSERT_TRUE(src->error());
  EXPECT_NE(src->error()->message().find("packet 2 at byte 3"), std::string::npos)
      << src->error()->message();
  std::remove(path.c_str());
}

TEST(BinaryReader, MissingFileIsNoInput) {
  TraceError error;
  EXPECT_FALSE(open_trace("/nonexistent/trace.pb", error));
  EXPECT_EQ(error.exit_code(), 66);
}

}  // namespace
}  // namespace oopsim::traces

namespace oopsim::traces {
namespace {

TEST(TraceForm, ABinaryHeaderOfAnyLengthIsBinaryAndTextIsText) {
  // Header packets whose length byte is a letter ('A' = 65 .. 'z' = 122) used to be read as text.
  for (std::size_t pad : {0, 40, 63, 70, 100, 120, 200, 5000}) {
    trace::TracePacket p;
    p.mutable_header()->set_format_version(1);
    p.mutable_header()->set_kernel_release(std::string(pad, 'k'));
    std::string bytes;
    google::protobuf::io::StringOutputStream s(&bytes);
    {
      google::protobuf::io::CodedOutputStream out(&s);
      out.WriteVarint32(static_cast<std::uint32_t>(p.ByteSizeLong()));
      p.SerializeToCodedStream(&out);
    }
    EXPECT_FALSE(looks_like_text(bytes.substr(0, 22))) << "header of " << p.ByteSizeLong();
  }
  for (std::string text : {"header format_version=1\n", "# c\nheader\n", "\n\n\nheader\n",
                           " \nheader\n", "\theader", "", "h"})
    EXPECT_TRUE(looks_like_text(text)) << text;
}

}  // namespace
}  // namespace oopsim::traces
