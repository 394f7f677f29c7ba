// The text form of traces (tokenizer, enum and number parsing, the validating reader).
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Seeded with text traces (the reader picks the binary form for inputs that start like it).
  oopsim::fuzz::MemFile f(data, size);
  oopsim::traces::TraceError error;
  oopsim::fuzz::read_whole_trace(f.path(), error);
  return 0;
}
