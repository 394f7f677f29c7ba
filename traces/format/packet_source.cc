#include "traces/format/packet_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

#include "traces/format/binary_packet_reader.h"
#include "traces/format/text_packet_reader.h"

namespace oopsim::traces {

namespace {

// A varint at `at`; false when the bytes end inside it or it is longer than 10 bytes.
bool varint_at(const std::string& b, std::size_t& at, std::uint64_t& value) {
  value = 0;
  for (int shift = 0; at < b.size() && shift < 70; shift += 7) {
    auto byte = static_cast<unsigned char>(b[at++]);
    value |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

}  // namespace

TraceError error_at(const std::string& file, const PacketPlace& place, std::string what) {
  TraceError e;
  e.kind = ErrorKind::kData;
  e.file = file;
  e.packet = place.packet;
  e.offset = place.offset;
  e.line = place.line;
  e.what = std::move(what);
  return e;
}

bool looks_like_text(const std::string& first_bytes) {
  // A binary trace starts with the header packet, which holds the header alone: its length L as a
  // varint, field 1's tag 0x0a, the header's length M as a varint, with L = 1 + size(M) + M.
  // (Deciding by whether the first byte is a letter misread a header of 65-90 or 97-122 bytes.)
  std::size_t at = 0;
  std::uint64_t packet = 0, header = 0;
  if (varint_at(first_bytes, at, packet) && at < first_bytes.size()) {
    if (first_bytes[at] != 0x0a) return true;
    std::size_t tag_end = ++at;
    if (varint_at(first_bytes, at, header)) return packet != (at - tag_end) + 1 + header;
    if (at < first_bytes.size()) return true;  // a varint longer than 10 bytes: not binary
  }
  // Too short to tell: text starts with a packet name, a comment or blank space.
  if (first_bytes.empty()) return true;
  auto c = static_cast<unsigned char>(first_bytes[0]);
  return std::isalpha(c) != 0 || c == '#' || c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::unique_ptr<PacketSource> open_trace(const std::string& path, TraceError& error) {
  return open_trace_named(path, path, error);
}

std::unique_ptr<PacketSource> open_trace_named(const std::string& path, const std::string& name,
                                               TraceError& error) {
  int fd = 0;
  if (path != "-") {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      error = TraceError{ErrorKind::kNoInput, name, 0, 0, 0, std::strerror(errno)};
      return nullptr;
    }
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
      ::close(fd);
      error = TraceError{ErrorKind::kNoInput, name, 0, 0, 0, "is a directory"};
      return nullptr;
    }
  }
  auto in = std::make_unique<ByteInput>(fd, path == "-" ? std::string("<stdin>") : name);
  std::size_t have = in->want(22);  // two varints and a tag
  std::string first(in->data(), have);
  if (looks_like_text(first)) return std::make_unique<TextPacketReader>(std::move(in));
  return std::make_unique<BinaryPacketReader>(std::move(in));
}

}  // namespace oopsim::traces
