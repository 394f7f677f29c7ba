// A guest console log: oops reports, detector lines, progress marks, the kernel release.
#include <cstdint>
#include <string>

#include "traces/import/console_log.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  oopsim::traces::parse_console(text);
  oopsim::traces::parse_console_progress(text);
  oopsim::traces::kernel_release_from_console(text);
  return 0;
}
