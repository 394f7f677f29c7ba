// The binary trace reader (length-delimited packets, the validating TraceReader on top): any
// input ends cleanly or with an error that names where and what; never a crash.
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Seeded with binary traces (the reader picks the text form for inputs that start like text).
  oopsim::fuzz::MemFile f(data, size);
  oopsim::traces::TraceError error;
  oopsim::fuzz::read_whole_trace(f.path(), error);
  return 0;
}
