// Errors about trace input and output: where (file, packet and byte offset, or text line) and what.
#pragma once

#include <cstdint>
#include <string>

namespace oopsim::traces {

// Exit codes, sysexits style.
enum class ErrorKind {
  kUsage = 64,    // EX_USAGE
  kData = 65,     // EX_DATAERR: the input is malformed or inconsistent
  kNoInput = 66,  // EX_NOINPUT: a named input does not exist or cannot be opened
  kIo = 74,       // EX_IOERR: reading or writing failed
};

struct TraceError {
  ErrorKind kind = ErrorKind::kData;
  std::string file;
  std::uint64_t packet = 0;  // 1-based packet index, 0 when not known
  std::uint64_t offset = 0;  // byte offset of that packet in a binary trace
  std::uint64_t line = 0;    // 1-based line of a text trace, 0 for binary traces
  std::string what;

  // "trace.pb: packet 12 at byte 345: what" or "trace.txt:9: what".
  std::string message() const;
  int exit_code() const { return static_cast<int>(kind); }
};

}  // namespace oopsim::traces
