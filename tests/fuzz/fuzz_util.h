// Shared pieces of the libFuzzer targets: the input as a file (a memfd, no disk), and reading a
// whole trace through the validating reader.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "traces/format/packet_source.h"
#include "traces/format/packet_writer.h"
#include "traces/format/trace_reader.h"
#include "traces/import/run_importer.h"

namespace oopsim::fuzz {

// The bytes as a file that open_trace can read by path; closed on destruction.
class MemFile {
 public:
  MemFile(const std::uint8_t* data, std::size_t size) {
    fd_ = ::memfd_create("oopsim-fuzz", MFD_CLOEXEC);
    if (fd_ < 0) std::abort();
    std::size_t done = 0;
    while (done < size) {
      ssize_t n = ::write(fd_, data + done, size - done);
      if (n <= 0) std::abort();
      done += static_cast<std::size_t>(n);
    }
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }
  ~MemFile() { ::close(fd_); }
  MemFile(const MemFile&) = delete;
  MemFile& operator=(const MemFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  int fd_ = -1;
  std::string path_;
};

// Reads every packet; true at a clean end, false at an error (which must name a place).
inline bool read_whole_trace(const std::string& path, traces::TraceError& error) {
  auto source = traces::open_trace(path, error);
  if (!source) return false;
  traces::TraceReader reader(std::move(source));
  while (true) {
    traces::TraceReader::Item item = reader.next();
    if (item == traces::TraceReader::Item::kEnd) return true;
    if (item == traces::TraceReader::Item::kError) {
      error = reader.error();
      if (error.what.empty()) std::abort();  // an error must say what is wrong
      return false;
    }
  }
}

// Imports the paired run into a binary trace in memory. False with `error` when the importer
// refuses the input; a trace it writes must validate, else the process aborts (a finding).
inline bool import_must_validate(const traces::RunText& injected, const traces::RunText& golden,
                                 const traces::ImportOptions& options, traces::TraceError& error) {
  MemFile out(nullptr, 0);
  auto writer = traces::create_trace_writer(out.path(), traces::TraceForm::kBinary, error);
  if (!writer) std::abort();
  traces::ImportStats stats;
  if (!traces::import_paired_run(injected, golden, options, *writer, stats, error)) return false;
  writer.reset();  // flushed
  traces::TraceError invalid;
  if (!read_whole_trace(out.path(), invalid)) {
    std::fprintf(stderr, "import wrote an invalid trace: %s\n", invalid.message().c_str());
    std::abort();
  }
  return true;
}

// Splits "part\n@@@@\npart\n@@@@\n..." into `n` parts (missing ones empty): one input that feeds
// several files of a run folder.
inline std::vector<std::string> split_parts(const std::uint8_t* data, std::size_t size,
                                            std::size_t n) {
  std::string all(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> parts;
  const std::string sep = "\n@@@@\n";
  std::size_t at = 0;
  while (parts.size() + 1 < n) {
    std::size_t next = all.find(sep, at);
    if (next == std::string::npos) break;
    parts.push_back(all.substr(at, next - at));
    at = next + sep.size();
  }
  parts.push_back(all.substr(std::min(at, all.size())));
  parts.resize(n);
  return parts;
}

}  // namespace oopsim::fuzz
