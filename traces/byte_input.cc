#include "traces/byte_input.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace oopsim::traces {

namespace {
constexpr std::size_t kChunk = 1 << 20;
}

ByteInput::ByteInput(int fd, std::string path) : fd_(fd), path_(std::move(path)), buf_(kChunk) {}

ByteInput::~ByteInput() {
  if (fd_ > 0) ::close(fd_);
}

std::size_t ByteInput::want(std::size_t n) {
  while (end_ - pos_ < n && !eof_ && io_error_.empty()) {
    if (pos_ > 0) {  // keep only the unread bytes, at the front
      std::memmove(buf_.data(), buf_.data() + pos_, end_ - pos_);
      end_ -= pos_;
      pos_ = 0;
    }
    if (buf_.size() - end_ < kChunk / 2 || buf_.size() < n)
      buf_.resize(std::max(buf_.size() * 2, n));
    ssize_t got = ::read(fd_, buf_.data() + end_, buf_.size() - end_);
    if (got < 0) {
      if (errno == EINTR) continue;
      io_error_ = std::strerror(errno);
    } else if (got == 0) {
      eof_ = true;
    } else {
      end_ += static_cast<std::size_t>(got);
    }
  }
  return std::min(n, end_ - pos_);
}

}  // namespace oopsim::traces
