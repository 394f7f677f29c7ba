#include "traces/packet_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

#include "traces/binary_packet_reader.h"
#include "traces/text_packet_reader.h"

namespace oopsim::traces {

bool looks_like_text(const std::string& first_bytes) {
  if (first_bytes.empty()) return true;
  unsigned char c = static_cast<unsigned char>(first_bytes[0]);
  // A binary trace starts with a packet length and then field 1's tag (0x0a); text starts with a
  // packet name, a comment or blank space.
  if (first_bytes.size() >= 2 && static_cast<unsigned char>(first_bytes[1]) == 0x0a && c < 0x20) {
    return false;
  }
  return std::isalpha(c) != 0 || c == '#' || c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::unique_ptr<PacketSource> open_trace(const std::string& path, TraceError& error) {
  int fd = 0;
  if (path != "-") {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      error = TraceError{ErrorKind::kNoInput, path, 0, 0, 0, std::strerror(errno)};
      return nullptr;
    }
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
      ::close(fd);
      error = TraceError{ErrorKind::kNoInput, path, 0, 0, 0, "is a directory"};
      return nullptr;
    }
  }
  auto in = std::make_unique<ByteInput>(fd, path == "-" ? std::string("<stdin>") : path);
  std::size_t have = in->want(2);
  std::string first(in->data(), have);
  if (looks_like_text(first)) return std::make_unique<TextPacketReader>(std::move(in));
  return std::make_unique<BinaryPacketReader>(std::move(in));
}

}  // namespace oopsim::traces
