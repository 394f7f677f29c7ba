// A stream of trace packets, read one at a time so that memory does not grow with trace length.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "traces/format/trace.pb.h"
#include "traces/format/trace_error.h"

namespace oopsim::traces {

// Where a packet is in its file: 1-based packet index, byte offset, and line of a text trace (0 in
// a binary one).
struct PacketPlace {
  std::uint64_t packet = 0;
  std::uint64_t offset = 0;
  std::uint64_t line = 0;
};

// A data error at `place` of `file`.
TraceError error_at(const std::string& file, const PacketPlace& place, std::string what);

class PacketSource {
 public:
  virtual ~PacketSource() = default;

  // Fills `packet` with the next packet and returns true; returns false at the end of the stream
  // or on an error, which error() then holds. Packets before a bad one are all delivered.
  virtual bool next(trace::TracePacket& packet) = 0;
  const std::optional<TraceError>& error() const { return error_; }

  // The place of the packet last returned by next() (or last started, after an error).
  virtual PacketPlace place() const = 0;
  // An error located there.
  TraceError error_here(std::string what) const {
    return error_at(path(), place(), std::move(what));
  }
  virtual const std::string& path() const = 0;

 protected:
  std::optional<TraceError> error_;
};

// Opens a trace file, binary or text (told apart by its first bytes). "-" reads standard input.
// Returns nullptr and sets `error` when the file cannot be opened.
std::unique_ptr<PacketSource> open_trace(const std::string& path, TraceError& error);
// The same, reading `path` but naming `name` in messages and as the reader's path.
std::unique_ptr<PacketSource> open_trace_named(const std::string& path, const std::string& name,
                                               TraceError& error);

// True when the first bytes (up to 22) are not a binary trace's start: the header packet's length,
// the header's tag 0x0a and the header's length, which fills the packet.
bool looks_like_text(const std::string& first_bytes);

}  // namespace oopsim::traces
