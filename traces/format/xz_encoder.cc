#include "traces/format/xz_encoder.h"

#include <lzma.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <vector>

namespace oopsim::traces {

bool xz_compress_file(const std::string& in, const std::string& out, int preset,
                      std::string& error) {
  std::ifstream src(in, std::ios::binary);
  if (!src) {
    error = in + ": cannot read";
    return false;
  }
  std::string tmp = out + ".tmp";
  std::ofstream dst(tmp, std::ios::binary);
  if (!dst) {
    error = tmp + ": cannot write";
    return false;
  }
  lzma_stream strm = LZMA_STREAM_INIT;
  if (lzma_easy_encoder(&strm, static_cast<std::uint32_t>(preset), LZMA_CHECK_CRC64) != LZMA_OK) {
    error = "cannot start the xz encoder";
    return false;
  }
  std::vector<char> ibuf(1 << 20), obuf(1 << 20);
  bool ok = true;
  lzma_action action = LZMA_RUN;
  for (;;) {
    if (strm.avail_in == 0 && action == LZMA_RUN) {
      src.read(ibuf.data(), static_cast<std::streamsize>(ibuf.size()));
      strm.next_in = reinterpret_cast<const std::uint8_t*>(ibuf.data());
      strm.avail_in = static_cast<std::size_t>(src.gcount());
      if (src.eof()) action = LZMA_FINISH;
    }
    strm.next_out = reinterpret_cast<std::uint8_t*>(obuf.data());
    strm.avail_out = obuf.size();
    lzma_ret rc = lzma_code(&strm, action);
    dst.write(obuf.data(), static_cast<std::streamsize>(obuf.size() - strm.avail_out));
    if (rc == LZMA_STREAM_END) break;
    if (rc != LZMA_OK) {
      error = "xz encoder failed (liblzma code " + std::to_string(rc) + ")";
      ok = false;
      break;
    }
  }
  lzma_end(&strm);
  dst.flush();
  if (ok && !dst) {
    error = tmp + ": write failed";
    ok = false;
  }
  dst.close();
  std::error_code ec;
  if (ok) std::filesystem::rename(tmp, out, ec);
  if (ok && ec) {
    error = out + ": " + ec.message();
    ok = false;
  }
  if (!ok) std::filesystem::remove(tmp, ec);
  return ok;
}

}  // namespace oopsim::traces
