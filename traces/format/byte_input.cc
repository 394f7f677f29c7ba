#include "traces/format/byte_input.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "traces/format/xz_decoder.h"

namespace oopsim::traces {

namespace {
constexpr std::size_t kChunk = 1 << 20;
}

ByteInput::ByteInput(int fd, std::string path) : fd_(fd), path_(std::move(path)), buf_(kChunk) {}

ByteInput::~ByteInput() {
  xz_.reset();
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
    long got = read_some(buf_.data() + end_, buf_.size() - end_);
    if (got < 0) {
      if (xz_ == nullptr && errno == EINTR) continue;
      if (io_error_.empty()) io_error_ = std::strerror(errno);
    } else if (got == 0) {
      eof_ = true;
    } else {
      end_ += static_cast<std::size_t>(got);
    }
  }
  return std::min(n, end_ - pos_);
}

long ByteInput::read_some(char* dst, std::size_t cap) {
  if (!started_) {  // the first bytes say whether the file is xz-compressed
    started_ = true;
    std::string head;
    char b[6];
    while (head.size() < sizeof b) {
      ssize_t got = ::read(fd_, b, sizeof b - head.size());
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) return -1;
      if (got == 0) break;
      head.append(b, static_cast<std::size_t>(got));
    }
    if (has_xz_magic(head.data(), head.size())) {
      xz_ = std::make_unique<XzDecoder>(fd_, std::move(head));
    } else {
      std::memcpy(dst, head.data(), std::min(cap, head.size()));  // cap >= kChunk / 2
      return static_cast<long>(head.size());
    }
  }
  if (xz_ == nullptr) return ::read(fd_, dst, cap);
  long got = xz_->read(dst, cap);
  if (got < 0) {
    io_error_ = xz_->error();
    damaged_ = xz_->damaged();
  }
  return got;
}

}  // namespace oopsim::traces
