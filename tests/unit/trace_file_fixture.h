// Trace files for the format's unit tests: a temporary path, packets written through the
// library's binary writer, a file's bytes.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "traces/format/packet_writer.h"

namespace oopsim::traces::test_files {

inline std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("oopsim_" + std::to_string(::getpid()) + "_" + name))
      .string();
}

// Returns the file's path.
inline std::string write_binary(const std::vector<trace::TracePacket>& packets,
                                const std::string& name) {
  std::string path = temp_path(name);
  TraceError error;
  auto w = create_trace_writer(path, TraceForm::kBinary, error);
  EXPECT_TRUE(w);
  for (const auto& p : packets) EXPECT_TRUE(w->write(p));
  EXPECT_TRUE(w->close());
  return path;
}

inline std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace oopsim::traces::test_files
