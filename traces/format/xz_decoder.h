// Decompression of .xz trace files (liblzma), so that a compressed corpus is read as it lies.
// The readers see the uncompressed bytes; offsets in errors are offsets in that stream.
#pragma once

#include <lzma.h>

#include <cstddef>
#include <string>
#include <vector>

namespace oopsim::traces {

// True when `bytes` start with the xz stream magic.
bool has_xz_magic(const char* bytes, std::size_t n);

class XzDecoder {
 public:
  // Takes the compressed bytes already read from `fd` (its first ones); does not own `fd`.
  XzDecoder(int fd, std::string first_bytes);
  ~XzDecoder();
  XzDecoder(const XzDecoder&) = delete;
  XzDecoder& operator=(const XzDecoder&) = delete;

  // Writes up to `cap` uncompressed bytes to `dst`; returns how many (0 at the end of the
  // stream) or -1 with error() set (a damaged or truncated stream, or a read failure). The bytes
  // before a damaged point are all delivered first.
  long read(char* dst, std::size_t cap);
  const std::string& error() const { return error_; }
  // The error is in the data (a damaged or truncated stream), not a failed read.
  bool damaged() const { return damaged_; }

 private:
  int fd_;
  lzma_stream strm_ = LZMA_STREAM_INIT;
  std::vector<unsigned char> in_;
  bool in_eof_ = false;
  bool done_ = false;
  bool damaged_ = false;
  std::string error_;
};

}  // namespace oopsim::traces
