#include "traces/format/binary_packet_reader.h"

#include <fmt/format.h>

namespace oopsim::traces {

bool BinaryPacketReader::fail(std::string what) {
  error_ = error_here(std::move(what));
  return false;
}

bool BinaryPacketReader::next(trace::TracePacket& packet) {
  if (error_) return false;
  std::size_t have = in_->want(10);
  if (!in_->io_error().empty()) {
    error_ = error_here(in_->damaged() ? in_->io_error() : "read failed: " + in_->io_error());
    error_->kind = in_->damaged() ? ErrorKind::kData : ErrorKind::kIo;
    return false;
  }
  if (have == 0) return false;  // clean end
  ++packet_index_;
  packet_offset_ = in_->offset();
  const auto* p = reinterpret_cast<const unsigned char*>(in_->data());
  std::uint64_t length = 0;
  std::size_t used = 0;
  for (int shift = 0;; shift += 7) {
    if (used == have) {
      return fail(have < 10 ? "truncated: the file ends inside a packet length"
                            : "corrupt packet length (varint longer than 10 bytes)");
    }
    unsigned char b = p[used++];
    length |= static_cast<std::uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) break;
    if (shift >= 63) return fail("corrupt packet length (varint longer than 10 bytes)");
  }
  if (length > kMaxPacketBytes) {
    return fail(fmt::format("corrupt packet length {} (limit {} bytes)", length, kMaxPacketBytes));
  }
  in_->skip(used);
  std::size_t body = in_->want(length);
  if (!in_->io_error().empty()) {
    error_ = error_here(in_->damaged() ? in_->io_error() : "read failed: " + in_->io_error());
    error_->kind = in_->damaged() ? ErrorKind::kData : ErrorKind::kIo;
    return false;
  }
  if (body < length) {
    return fail(
        fmt::format("truncated: packet of {} bytes, but the file ends after {}", length, body));
  }
  if (!packet.ParseFromArray(in_->data(), static_cast<int>(length))) {
    return fail(fmt::format("packet of {} bytes does not parse as a TracePacket", length));
  }
  in_->skip(length);
  std::string what;
  if (!times_.decode(packet, what)) return fail(std::move(what));
  return true;
}

}  // namespace oopsim::traces
