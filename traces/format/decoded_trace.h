// A trace read several times (once per policy) without decompressing it each time: an .xz trace
// is decompressed once into memory (a memfd), and every reader opened from it names the original
// file in its messages. A trace that is not .xz, or whose .xz stream is damaged, is opened from
// its file each time (so a damaged stream is reported exactly as a single reading reports it).
#pragma once

#include <memory>
#include <string>

#include "traces/format/packet_source.h"

namespace oopsim::traces {

class DecodedTrace {
 public:
  explicit DecodedTrace(std::string path);
  ~DecodedTrace();
  DecodedTrace(const DecodedTrace&) = delete;
  DecodedTrace& operator=(const DecodedTrace&) = delete;

  // A new reader from the start of the trace; nullptr and `error` as open_trace.
  std::unique_ptr<PacketSource> open(TraceError& error) const;

 private:
  std::string path_;
  int memfd_ = -1;  // the decompressed bytes, when the file is a sound .xz stream
};

}  // namespace oopsim::traces
