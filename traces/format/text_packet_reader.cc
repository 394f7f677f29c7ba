#include "traces/format/text_packet_reader.h"

#include <fmt/format.h>

#include <cstring>

#include "traces/format/text_format.h"

namespace oopsim::traces {

bool TextPacketReader::next(trace::TracePacket& packet) {
  if (error_) return false;
  while (true) {
    // Find the end of the next line, reading more as needed.
    std::size_t have = in_->want(1);
    if (!in_->io_error().empty()) {
      error_ = error_here(in_->damaged() ? in_->io_error() : "read failed: " + in_->io_error());
      error_->kind = in_->damaged() ? ErrorKind::kData : ErrorKind::kIo;
      return false;
    }
    if (have == 0) return false;
    ++line_;
    line_offset_ = in_->offset();
    std::size_t want = 4096;
    const char* nl = nullptr;
    while (true) {
      have = in_->want(want);
      nl = static_cast<const char*>(std::memchr(in_->data(), '\n', have));
      if (nl != nullptr || have < want) break;
      if (want >= kMaxLineBytes) {
        error_ = error_here(fmt::format("line longer than {} bytes", kMaxLineBytes));
        return false;
      }
      want *= 2;
    }
    std::size_t len = nl != nullptr ? static_cast<std::size_t>(nl - in_->data()) : have;
    text_.assign(in_->data(), len);
    in_->skip(nl != nullptr ? len + 1 : len);
    if (text_.find('\0') != std::string::npos) {
      error_ = error_here("binary data in a text trace (NUL byte)");
      return false;
    }
    std::string what;
    switch (parse_text_line(text_, packet, what)) {
      case TextLine::kBlank:
        continue;
      case TextLine::kError:
        error_ = error_here(what);
        return false;
      case TextLine::kPacket:
        ++packets_;
        return true;
    }
  }
}

}  // namespace oopsim::traces
