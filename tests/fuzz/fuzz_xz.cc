// .xz traces: the streaming decoder under the reader (damaged and truncated streams must be
// answered as damaged input, placed in the file as stored).
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const char kMagic[6] = {'\xFD', '7', 'z', 'X', 'Z', '\0'};
  std::string bytes(reinterpret_cast<const char*>(data), size);
  if (bytes.compare(0, 6, std::string(kMagic, 6)) != 0) bytes = std::string(kMagic, 6) + bytes;
  oopsim::fuzz::MemFile f(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  oopsim::traces::TraceError error;
  if (!oopsim::fuzz::read_whole_trace(f.path(), error) &&
      error.kind == oopsim::traces::ErrorKind::kIo)
    std::abort();  // damaged data is never reported as an I/O failure
  return 0;
}
