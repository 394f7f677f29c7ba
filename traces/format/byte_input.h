// Buffered bytes from a file descriptor, with the absolute offset of every byte. The readers of
// both trace forms sit on it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace oopsim::traces {

class XzDecoder;

// An .xz file (told apart by its magic) is decompressed on the fly: the bytes and offsets are
// those of the uncompressed stream.
class ByteInput {
 public:
  // Takes ownership of `fd` (closed on destruction unless it is 0).
  ByteInput(int fd, std::string path);
  ~ByteInput();
  ByteInput(const ByteInput&) = delete;
  ByteInput& operator=(const ByteInput&) = delete;

  // Makes at least `n` bytes available from the current position if the file has them. Returns
  // the number available (less than `n` only at the end of the file). Sets io_error() on failure.
  std::size_t want(std::size_t n);
  bool compressed() const { return xz_ != nullptr; }
  const char* data() const { return buf_.data() + pos_; }
  void skip(std::size_t n) {
    pos_ += n;
    offset_ += n;
  }
  std::uint64_t offset() const { return offset_; }
  const std::string& path() const { return path_; }
  const std::string& io_error() const { return io_error_; }
  // io_error() is damaged data (a truncated or corrupt .xz stream, told where in the file as
  // stored), not a failed read: the input is bad (exit 65), not the I/O (74).
  bool damaged() const { return damaged_; }

 private:
  int fd_;
  std::string path_;
  std::vector<char> buf_;
  std::size_t pos_ = 0;  // next unread byte in buf_
  std::size_t end_ = 0;  // end of valid bytes in buf_
  std::uint64_t offset_ = 0;
  bool eof_ = false;
  std::string io_error_;
  bool damaged_ = false;
  bool started_ = false;
  std::unique_ptr<XzDecoder> xz_;

  long read_some(char* dst, std::size_t cap);
};

}  // namespace oopsim::traces
