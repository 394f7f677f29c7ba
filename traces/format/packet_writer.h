// Writes packets: the binary form (length-delimited, through one long-lived CodedOutputStream) or
// the text form (one line per packet).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "traces/format/trace.pb.h"
#include "traces/format/trace_error.h"

namespace oopsim::traces {

enum class TraceForm { kBinary, kText };

class PacketWriter {
 public:
  virtual ~PacketWriter() = default;
  // Returns false and sets error() when the packet cannot be written.
  virtual bool write(const trace::TracePacket& packet) = 0;
  // Flushes and closes; returns false and sets error() on failure.
  virtual bool close() = 0;
  const std::optional<TraceError>& error() const { return error_; }

 protected:
  std::optional<TraceError> error_;
};

// "-" writes to standard output. Returns nullptr and sets `error` when the file cannot be created.
std::unique_ptr<PacketWriter> create_trace_writer(const std::string& path, TraceForm form,
                                                  TraceError& error);

}  // namespace oopsim::traces
