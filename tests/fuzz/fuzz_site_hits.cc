// A golden run's site-hits.txt (vmctl run --watch), imported with a small fixed run: a malformed
// file is an error naming its line, an accepted one gives a trace that validates.
#include <cstdlib>

#include "tests/fuzz/fuzz_util.h"
#include "traces/import/run_importer.h"
#include "traces/packet_writer.h"

namespace {
const char* kFtrace =
    "  oopsim-fsbench-159     [000] .....    16.000000: tracing_mark_write: PROGRESS usb 1 "
    "pid=159\n"
    "  oopsim-fsbench-158     [001] .....    16.100000: tracing_mark_write: PROGRESS vfat 1 "
    "pid=158\n";
const char* kConsole =
    "[   16.300000] BUG: kernel NULL pointer dereference, address: 0000000000000070\n"
    "[   16.300000] Oops: 0000 [#1] PREEMPT SMP NOPTI\n"
    "[   16.300000] CPU: 0 PID: 158 Comm: oopsim-fsbench Not tainted 6.1.0-56-amd64 #1\n"
    "[   16.300000] RIP: 0010:do_nanosleep+0x5/0x10\n";
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string hits(reinterpret_cast<const char*>(data), size);
  oopsim::traces::RunText injected{"injected", kFtrace, kConsole, "", ""};
  oopsim::traces::RunText golden{"golden", kFtrace, "", hits, "golden/site-hits.txt"};
  oopsim::traces::ImportOptions options;
  oopsim::fuzz::MemFile out(nullptr, 0);
  oopsim::traces::TraceError error;
  auto writer =
      oopsim::traces::create_trace_writer(out.path(), oopsim::traces::TraceForm::kBinary, error);
  if (!writer) std::abort();
  oopsim::traces::ImportStats stats;
  if (!oopsim::traces::import_paired_run(injected, golden, options, *writer, stats, error)) {
    if (error.file != "golden/site-hits.txt" || error.line == 0) std::abort();
    return 0;
  }
  writer.reset();
  oopsim::traces::TraceError invalid;
  if (!oopsim::fuzz::read_whole_trace(out.path(), invalid)) {
    fprintf(stderr, "import wrote an invalid trace: %s\n", invalid.message().c_str());
    std::abort();
  }
  return 0;
}
