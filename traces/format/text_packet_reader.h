// Reads the text form (text_format.h) line by line.
#pragma once

#include <memory>

#include "traces/format/byte_input.h"
#include "traces/format/packet_source.h"

namespace oopsim::traces {

class TextPacketReader : public PacketSource {
 public:
  static constexpr std::size_t kMaxLineBytes = 1 << 20;

  explicit TextPacketReader(std::unique_ptr<ByteInput> in) : in_(std::move(in)) {}
  bool next(trace::TracePacket& packet) override;
  PacketPlace place() const override { return {packets_, line_offset_, line_}; }
  const std::string& path() const override { return in_->path(); }

 private:
  std::unique_ptr<ByteInput> in_;
  std::uint64_t line_ = 0;
  std::uint64_t packets_ = 0;
  std::uint64_t line_offset_ = 0;
  std::string text_;
};

}  // namespace oopsim::traces
