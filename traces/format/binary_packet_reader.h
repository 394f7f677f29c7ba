// Reads the binary form: varint length, then a serialized TracePacket, repeated. Events come out
// with absolute times in every format version.
#pragma once

#include <memory>

#include "traces/format/byte_input.h"
#include "traces/format/packet_source.h"
#include "traces/format/time_delta_codec.h"

namespace oopsim::traces {

class BinaryPacketReader : public PacketSource {
 public:
  // Packets longer than this are rejected as corrupt.
  static constexpr std::uint32_t kMaxPacketBytes = 64u << 20;

  explicit BinaryPacketReader(std::unique_ptr<ByteInput> in) : in_(std::move(in)) {}
  bool next(trace::TracePacket& packet) override;
  PacketPlace place() const override { return {packet_index_, packet_offset_, 0}; }
  const std::string& path() const override { return in_->path(); }

 private:
  bool fail(std::string what);

  std::unique_ptr<ByteInput> in_;
  TimeDeltaCodec times_;             // hands on absolute event times whatever the version
  std::uint64_t packet_index_ = 0;   // of the packet last started
  std::uint64_t packet_offset_ = 0;  // its byte offset
};

}  // namespace oopsim::traces
