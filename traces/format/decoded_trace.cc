#include "traces/format/decoded_trace.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "traces/format/byte_input.h"
#include "traces/format/xz_decoder.h"

namespace oopsim::traces {

namespace {

bool write_all(int fd, const char* data, std::size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, data, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    data += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

}  // namespace

DecodedTrace::DecodedTrace(std::string path) : path_(std::move(path)) {
  if (path_ == "-") return;
  int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;  // open() reports it
  char head[6];
  ssize_t got = ::read(fd, head, sizeof head);
  if (got != static_cast<ssize_t>(sizeof head) || !has_xz_magic(head, sizeof head)) {
    ::close(fd);
    return;
  }
  ::lseek(fd, 0, SEEK_SET);
  ByteInput in(fd, path_);  // owns and closes fd
  int mem = ::memfd_create("oopsim-trace", MFD_CLOEXEC);
  if (mem < 0) return;
  constexpr std::size_t kChunk = 1 << 20;
  while (true) {
    std::size_t have = in.want(kChunk);
    if (!in.io_error().empty() || !write_all(mem, in.data(), have)) {
      ::close(mem);  // damaged or unreadable: read from the file each time, as a single reading
      return;
    }
    if (have == 0) break;
    in.skip(have);
  }
  memfd_ = mem;
}

DecodedTrace::~DecodedTrace() {
  if (memfd_ >= 0) ::close(memfd_);
}

std::unique_ptr<PacketSource> DecodedTrace::open(TraceError& error) const {
  if (memfd_ < 0) return open_trace(path_, error);
  return open_trace_named("/proc/self/fd/" + std::to_string(memfd_), path_, error);
}

}  // namespace oopsim::traces
