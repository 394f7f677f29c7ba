// A campaign's crashes as a bundled corpus: each crash's trace (.pb.xz) and raw console (.xz),
// the campaign's index and plan, the functions its sites were drawn from, and CORPUS.md saying
// what it holds and how to make it again. Refuses when the result exceeds the size limit.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>

namespace oopsim::traces {

struct ExportConfig {
  std::string dir;  // the campaign
  std::string to;   // e.g. traces/corpus
  std::uint64_t max_bytes = 40ull << 20;
  int xz_preset = 9;
  std::string command;  // the command that made the campaign (written into CORPUS.md)
  // Instead of refusing when over max_bytes: the crashes' traces are taken in plan order (seeds
  // outer, types inner) while they fit; the others are left out and named in CORPUS.md (their
  // results and consoles stay).
  bool fit = false;
};

int export_corpus(const ExportConfig& config, std::ostream& out, std::ostream& err);

}  // namespace oopsim::traces
