// The human-writable text form of a trace: one packet per line,
//   <packet> <field>=<value> <field>=<value> ...   # comment
// where <packet> names the TracePacket field that is set (header, fault, context, lock, object,
// workload, section, event, observed) and the fields are that message's fields. It is generic over
// the protobuf descriptors, so every field of the binary form has a text spelling (see FORMAT.md).
#pragma once

#include <string>
#include <string_view>

#include "traces/format/trace.pb.h"

namespace oopsim::traces {

enum class TextLine { kPacket, kBlank, kError };

// Parses one line. kBlank for empty and comment-only lines; kError with `error` set otherwise.
TextLine parse_text_line(std::string_view line, trace::TracePacket& packet, std::string& error);

// Prints one packet as a line without the newline. Returns false with `error` set when the packet
// cannot be printed losslessly (no field or several set, unknown fields).
bool print_text_line(const trace::TracePacket& packet, std::string& line, std::string& error);

}  // namespace oopsim::traces
