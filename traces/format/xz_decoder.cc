#include "traces/format/xz_decoder.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace oopsim::traces {

namespace {
constexpr std::size_t kRawChunk = 1 << 16;
constexpr unsigned char kMagic[6] = {0xFD, '7', 'z', 'X', 'Z', 0x00};
}  // namespace

bool has_xz_magic(const char* bytes, std::size_t n) {
  return n >= sizeof kMagic && std::memcmp(bytes, kMagic, sizeof kMagic) == 0;
}

XzDecoder::XzDecoder(int fd, std::string first_bytes)
    : fd_(fd), in_(first_bytes.begin(), first_bytes.end()) {
  if (lzma_stream_decoder(&strm_, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK) {
    error_ = "cannot start the xz decoder";
  }
  strm_.next_in = in_.data();
  strm_.avail_in = in_.size();
}

XzDecoder::~XzDecoder() {
  lzma_end(&strm_);
}

long XzDecoder::read(char* dst, std::size_t cap) {
  if (!error_.empty()) return -1;
  if (done_ || cap == 0) return 0;
  strm_.next_out = reinterpret_cast<unsigned char*>(dst);
  strm_.avail_out = cap;
  while (strm_.avail_out == cap) {
    if (strm_.avail_in == 0 && !in_eof_) {
      in_.resize(kRawChunk);
      ssize_t got = ::read(fd_, in_.data(), in_.size());
      if (got < 0) {
        if (errno == EINTR) continue;
        error_ = std::strerror(errno);
        return -1;
      }
      in_.resize(static_cast<std::size_t>(got));
      in_eof_ = got == 0;
      strm_.next_in = in_.data();
      strm_.avail_in = in_.size();
    }
    lzma_ret rc = lzma_code(&strm_, in_eof_ ? LZMA_FINISH : LZMA_RUN);
    if (rc == LZMA_STREAM_END) {
      done_ = true;
      break;
    }
    if (rc != LZMA_OK) {
      std::size_t produced = cap - strm_.avail_out;
      // Where, in the file as stored (the compressed bytes) and in the trace's bytes.
      std::string where = "at byte " + std::to_string(strm_.total_in) +
                          " of the file as stored (byte " + std::to_string(strm_.total_out) +
                          " uncompressed)";
      error_ = rc == LZMA_BUF_ERROR
                   ? "truncated xz stream: the file ends " + where
                   : "damaged xz stream (liblzma code " + std::to_string(rc) + ") " + where;
      damaged_ = true;
      if (produced > 0) return static_cast<long>(produced);  // the good prefix first
      return -1;
    }
  }
  return static_cast<long>(cap - strm_.avail_out);
}

}  // namespace oopsim::traces
