#include "traces/format/trace_rewrite.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>

#include "traces/format/time_delta_codec.h"
#include "traces/format/trace_reader.h"
#include "traces/format/xz_encoder.h"

namespace oopsim::traces {

namespace {

// Copies the packets until the end or the reader's error (kept in `read_error`). Sets `error` and
// returns false on a write failure.
bool copy_packets(TraceReader& reader, PacketWriter& writer, std::uint32_t version,
                  RewriteResult& result, std::optional<TraceError>& read_error, TraceError& error) {
  trace::TracePacket header;
  while (true) {
    TraceReader::Item item = reader.next();
    if (item == TraceReader::Item::kEnd) return true;
    if (item == TraceReader::Item::kError) {
      read_error = reader.error();
      return true;
    }
    const trace::TracePacket* packet = &reader.packet();
    if (version != 0 && packet->has_header()) {
      header.CopyFrom(*packet);
      header.mutable_header()->set_format_version(version);
      packet = &header;
    }
    if (!writer.write(*packet)) {
      error = *writer.error();
      return false;
    }
    ++result.written;
  }
}

}  // namespace

bool rewrite_trace(const std::string& input, const std::string& output,
                   const RewriteOptions& options, RewriteResult& result, TraceError& error) {
  result = RewriteResult{};
  if (options.format_version != 0 &&
      (options.format_version < kOldestFormatVersion || options.format_version > kFormatVersion)) {
    error = TraceError{ErrorKind::kUsage,
                       output,
                       0,
                       0,
                       0,
                       fmt::format("cannot write format_version {} (versions {} to {})",
                                   options.format_version, kOldestFormatVersion, kFormatVersion)};
    return false;
  }
  auto source = open_trace(input, error);
  if (!source) return false;
  TraceReader reader(std::move(source));
  bool xz = output.ends_with(".xz");
  std::string plain = xz ? output.substr(0, output.size() - 3) : output;
  std::string tmp = output == "-" ? output : fmt::format("{}.{}.tmp", plain, ::getpid());
  auto discard = [&] {
    if (tmp != "-") std::remove(tmp.c_str());
  };
  auto writer = create_trace_writer(tmp, options.form, error);
  if (!writer) return false;
  std::optional<TraceError> read_error;
  bool ok = copy_packets(reader, *writer, options.format_version, result, read_error, error);
  if (ok && !writer->close()) {
    error = *writer->error();
    ok = false;
  }
  if (!ok) {
    discard();
    return false;
  }
  if (read_error && !options.salvage) {
    discard();
    error = *read_error;
    return false;
  }
  if (tmp != "-") {
    std::string why;
    bool moved = xz ? xz_compress_file(tmp, output, options.xz_preset, why)
                    : std::rename(tmp.c_str(), output.c_str()) == 0;
    if (!moved) {
      discard();
      error = TraceError{ErrorKind::kIo, output, 0, 0, 0, xz ? why : std::strerror(errno)};
      return false;
    }
    discard();
  }
  result.wrote_output = true;
  if (read_error) {
    error = *read_error;
    return false;
  }
  return true;
}

}  // namespace oopsim::traces
