// The run importer, fed a run folder's files (injected trace.txt and console.log, golden
// trace.txt and console.log, kallsyms, the golden run's site-hits.txt, the injected run's
// crash-state.txt, the injected and golden runs' mem.txt, split by "\n@@@@\n"):
// it either refuses with an error naming a file, or writes a trace that validates.
#include <cstdlib>

#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> parts = oopsim::fuzz::split_parts(data, size, 9);
  oopsim::traces::RunText injected{
      "injected", parts[0],          parts[1], "", "", parts[6], "injected/crash-state.txt",
      parts[7],   "injected/mem.txt"};
  oopsim::traces::RunText golden{
      "golden", parts[2], parts[3], parts[5],        "golden/site-hits.txt",
      "",       "",       parts[8], "golden/mem.txt"};
  oopsim::traces::ImportOptions options;
  options.kallsyms = parts[4];
  oopsim::traces::TraceError error;
  if (!oopsim::fuzz::import_must_validate(injected, golden, options, error) && error.what.empty())
    std::abort();  // a refusal says what is wrong
  return 0;
}
