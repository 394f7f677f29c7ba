// The run importer, fed a run folder's files (injected trace.txt and console.log, golden
// trace.txt and console.log, kallsyms, the golden run's site-hits.txt, split by "\n@@@@\n"):
// it either refuses with an error naming a file, or writes a trace that validates.
#include <cstdlib>

#include "tests/fuzz/fuzz_util.h"
#include "traces/import/run_importer.h"
#include "traces/packet_writer.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> parts = oopsim::fuzz::split_parts(data, size, 6);
  oopsim::traces::RunText injected{"injected", parts[0], parts[1], "", ""};
  oopsim::traces::RunText golden{"golden", parts[2], parts[3], parts[5], "golden/site-hits.txt"};
  oopsim::traces::ImportOptions options;
  options.kallsyms = parts[4];
  oopsim::fuzz::MemFile out(nullptr, 0);
  oopsim::traces::TraceError error;
  auto writer =
      oopsim::traces::create_trace_writer(out.path(), oopsim::traces::TraceForm::kBinary, error);
  if (!writer) std::abort();
  oopsim::traces::ImportStats stats;
  if (!oopsim::traces::import_paired_run(injected, golden, options, *writer, stats, error)) {
    if (error.what.empty()) std::abort();
    return 0;
  }
  writer.reset();  // flushed
  oopsim::traces::TraceError invalid;
  if (!oopsim::fuzz::read_whole_trace(out.path(), invalid)) {
    // A finding: the importer wrote a trace that does not validate.
    fprintf(stderr, "import wrote an invalid trace: %s\n", invalid.message().c_str());
    std::abort();
  }
  return 0;
}
