// Copies a trace into another file, validating every packet on the way: between the binary and
// the text form, into another format version, compressed with xz when the output ends in ".xz".
// simtrace convert and the corpus export both write traces this way.
#pragma once

#include <cstdint>
#include <string>

#include "traces/format/packet_writer.h"
#include "traces/format/trace_error.h"

namespace oopsim::traces {

struct RewriteOptions {
  TraceForm form = TraceForm::kBinary;
  std::uint32_t format_version = 0;  // 0: the input's; else the header says this one
  bool salvage = false;              // on damaged input, keep the good prefix (still an error)
  int xz_preset = 6;                 // for an output ending in ".xz"
};

struct RewriteResult {
  std::uint64_t written = 0;  // packets
  bool wrote_output = false;  // false: no file was left at the output path
};

// The output goes first to a temporary beside it ("-": straight to standard output): a bad input
// leaves no output unless salvaging. Returns false and sets `error` on damaged input (the
// reader's error; with `salvage` the good prefix is written all the same), on a version this
// build cannot write, and on I/O failure.
bool rewrite_trace(const std::string& input, const std::string& output,
                   const RewriteOptions& options, RewriteResult& result, TraceError& error);

}  // namespace oopsim::traces
