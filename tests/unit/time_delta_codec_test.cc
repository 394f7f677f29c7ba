// Version 2 of the binary form stores event times as deltas; readers hand on absolute times.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/unit/trace_file_fixture.h"
#include "traces/format/packet_source.h"
#include "traces/format/packet_writer.h"
#include "traces/format/time_delta_codec.h"
#include "traces/format/trace_reader.h"
#include "traces/format/trace_rewrite.h"

namespace oopsim::traces {
namespace {

using test_files::slurp;
using test_files::temp_path;
using test_files::write_binary;

trace::TracePacket event_at(std::uint64_t time) {
  trace::TracePacket e;
  e.mutable_event()->set_time(time);
  e.mutable_event()->set_context(1);
  e.mutable_event()->set_type(trace::Event::SYSCALL_ENTER);
  return e;
}

// Header (of `version`), a context, then two sections of events at the given times.
std::vector<trace::TracePacket> two_sections(std::uint32_t version,
                                             const std::vector<std::uint64_t>& injected,
                                             const std::vector<std::uint64_t>& golden) {
  std::vector<trace::TracePacket> out(2);
  out[0].mutable_header()->set_format_version(version);
  out[1].mutable_context()->set_id(1);
  out[1].mutable_context()->set_kind(trace::Context::USER_TASK);
  for (auto [kind, times] : {std::pair{trace::Section::INJECTED, &injected},
                             std::pair{trace::Section::GOLDEN, &golden}}) {
    trace::TracePacket s;
    s.mutable_section()->set_kind(kind);
    out.push_back(s);
    for (std::uint64_t t : *times) out.push_back(event_at(t));
  }
  return out;
}

// Writes the packets as they are, with no encoding: what a foreign writer might produce.
std::string write_raw(const std::vector<trace::TracePacket>& packets, const std::string& name) {
  std::string path = temp_path(name);
  std::ofstream f(path, std::ios::binary);
  for (const auto& p : packets) {
    std::string body = p.SerializeAsString();
    f.put(static_cast<char>(body.size()));  // every test packet is under 128 bytes
    f << body;
  }
  return path;
}

std::vector<trace::TracePacket> read_all(const std::string& path, std::optional<TraceError>& err) {
  TraceError error;
  auto src = open_trace(path, error);
  EXPECT_TRUE(src);
  std::vector<trace::TracePacket> out;
  trace::TracePacket p;
  while (src->next(p)) out.push_back(p);
  err = src->error();
  return out;
}

// Reads every packet; returns the last item (kEnd, or kError with the reader's error).
TraceReader::Item read_to_end(TraceReader& reader) {
  TraceReader::Item item;
  while ((item = reader.next()) != TraceReader::Item::kEnd && item != TraceReader::Item::kError) {
  }
  return item;
}

TEST(TimeDeltaCodec, Version2StoresDeltasPerSectionAndReadsBackAbsoluteTimes) {
  auto packets = two_sections(2, {5'000'000, 5'000'003, 5'000'003, 6'000'000}, {7, 9});
  std::string path = write_binary(packets, "v2.pb");
  // On disk: no absolute time, the first event of each section counts from 0.
  std::vector<std::int64_t> deltas;
  std::string bytes = slurp(path);
  for (std::size_t at = 0; at < bytes.size();) {
    std::size_t len = static_cast<unsigned char>(bytes[at]);
    trace::TracePacket p;
    ASSERT_TRUE(p.ParseFromArray(bytes.data() + at + 1, static_cast<int>(len)));
    if (p.has_event()) {
      EXPECT_FALSE(p.event().has_time());
      deltas.push_back(p.event().time_delta());
    }
    at += 1 + len;
  }
  EXPECT_EQ(deltas, (std::vector<std::int64_t>{5'000'000, 3, 0, 999'997, 7, 2}));
  std::optional<TraceError> err;
  auto back = read_all(path, err);
  EXPECT_FALSE(err);
  ASSERT_EQ(back.size(), packets.size());
  for (std::size_t i = 0; i < back.size(); ++i) {
    EXPECT_EQ(back[i].SerializeAsString(), packets[i].SerializeAsString()) << "packet " << i;
  }
  std::remove(path.c_str());
}

TEST(TimeDeltaCodec, Version1KeepsAbsoluteTimes) {
  auto packets = two_sections(1, {10, 20}, {30});
  std::string path = write_binary(packets, "v1.pb");
  std::string raw = write_raw(packets, "v1raw.pb");
  EXPECT_EQ(slurp(path), slurp(raw));
  std::remove(path.c_str());
  std::remove(raw.c_str());
}

TEST(TimeDeltaCodec, AnEventOutOfOrderStillEncodesAndTheReaderNamesIt) {
  auto packets = two_sections(2, {100, 40}, {});
  std::string path = write_binary(packets, "v2order.pb");
  std::optional<TraceError> err;
  auto back = read_all(path, err);
  ASSERT_EQ(back.size(), packets.size());  // the packets decode: times 100 then 40
  EXPECT_EQ(back[4].event().time(), 40u);
  TraceError error;
  TraceReader reader(open_trace(path, error));
  TraceReader::Item item = read_to_end(reader);
  ASSERT_EQ(item, TraceReader::Item::kError);
  EXPECT_EQ(reader.error().packet, 5u);
  std::remove(path.c_str());
}

TEST(TimeDeltaCodec, AVersion2EventWithAbsoluteTimeIsAnErrorNamingThePacket) {
  auto packets = two_sections(2, {100}, {});
  std::string path = write_raw(packets, "v2abs.pb");  // time left in place
  std::optional<TraceError> err;
  auto back = read_all(path, err);
  EXPECT_EQ(back.size(), 3u);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->packet, 4u);
  EXPECT_NE(err->what.find("time_delta"), std::string::npos) << err->what;
  std::remove(path.c_str());
}

TEST(TimeDeltaCodec, AVersion1EventWithADeltaIsAnError) {
  auto packets = two_sections(1, {}, {});
  trace::TracePacket e = event_at(0);
  e.mutable_event()->clear_time();
  e.mutable_event()->set_time_delta(5);
  packets.push_back(e);
  std::string path = write_raw(packets, "v1delta.pb");
  std::optional<TraceError> err;
  read_all(path, err);
  ASSERT_TRUE(err);
  EXPECT_NE(err->what.find("format_version 1"), std::string::npos) << err->what;
  std::remove(path.c_str());
}

TEST(TimeDeltaCodec, TheTextFormRefusesADelta) {
  std::string path = temp_path("delta.trace.txt");
  std::ofstream(path) << "header format_version=2\ncontext id=1 kind=user-task\n"
                         "section kind=injected\nevent time_delta=3 context=1 type=syscall-enter\n";
  TraceError error;
  TraceReader reader(open_trace(path, error));
  TraceReader::Item item = read_to_end(reader);
  ASSERT_EQ(item, TraceReader::Item::kError);
  EXPECT_EQ(reader.error().line, 4u);
  std::remove(path.c_str());
}

TEST(TimeDeltaCodec, RewritingBetweenVersionsAndFormsKeepsTheSameBytes) {
  auto packets = two_sections(1, {1'000, 2'500, 2'500}, {3, 4'000'000'000});
  std::string v1 = write_binary(packets, "rw1.pb");
  std::string v2 = temp_path("rw2.pb"), text = temp_path("rw2.trace.txt"),
              v2again = temp_path("rw2again.pb"), v1again = temp_path("rw1again.pb");
  RewriteResult result;
  TraceError error;
  RewriteOptions to2;
  to2.format_version = 2;
  ASSERT_TRUE(rewrite_trace(v1, v2, to2, result, error)) << error.message();
  RewriteOptions as_text;
  as_text.form = TraceForm::kText;
  ASSERT_TRUE(rewrite_trace(v2, text, as_text, result, error)) << error.message();
  EXPECT_NE(slurp(text).find("header format_version=2"), std::string::npos);
  EXPECT_NE(slurp(text).find("time=4000000000"), std::string::npos);
  ASSERT_TRUE(rewrite_trace(text, v2again, RewriteOptions{}, result, error)) << error.message();
  EXPECT_EQ(slurp(v2again), slurp(v2));
  RewriteOptions to1;
  to1.format_version = 1;
  ASSERT_TRUE(rewrite_trace(v2, v1again, to1, result, error)) << error.message();
  EXPECT_EQ(slurp(v1again), slurp(v1));
  EXPECT_EQ(result.written, packets.size());
  RewriteOptions to3;
  to3.format_version = 3;
  EXPECT_FALSE(rewrite_trace(v1, v2, to3, result, error));
  EXPECT_EQ(error.kind, ErrorKind::kUsage);
  for (const auto& p : {v1, v2, text, v2again, v1again}) std::remove(p.c_str());
}

}  // namespace
}  // namespace oopsim::traces
