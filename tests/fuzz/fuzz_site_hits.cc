// A golden run's site-hits.txt (vmctl run --watch), imported with a small fixed run: a malformed
// file is an error naming its line, an accepted one gives a trace that validates.
#include <cstdlib>

#include "tests/fuzz/fuzz_util.h"

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
  oopsim::traces::RunText injected{"injected", kFtrace, kConsole, "", "", "", "", "", ""};
  oopsim::traces::RunText golden{"golden", kFtrace, "", hits, "golden/site-hits.txt",
                                 "",       "",      "", ""};
  oopsim::traces::ImportOptions options;
  oopsim::traces::TraceError error;
  if (!oopsim::fuzz::import_must_validate(injected, golden, options, error) &&
      (error.file != "golden/site-hits.txt" || error.line == 0))
    std::abort();  // a malformed file is refused naming its line
  return 0;
}
