#include "traces/format/trace_files.h"

#include <algorithm>
#include <filesystem>

namespace oopsim::traces {

namespace fs = std::filesystem;

namespace {

bool is_trace_file(const fs::path& p) {
  std::string name = p.filename().string();
  if (name.ends_with(".xz")) name.resize(name.size() - 3);  // compressed: read as it lies
  return name.ends_with(".trace.txt") || name.ends_with(".pb") || name.ends_with(".trace");
}

}  // namespace

std::vector<std::string> expand_trace_inputs(const std::vector<std::string>& inputs,
                                             std::vector<std::string>& problems) {
  std::vector<std::string> files;
  for (const std::string& in : inputs) {
    std::error_code ec;
    if (in != "-" && fs::is_directory(in, ec)) {
      std::vector<std::string> found;
      for (auto it = fs::recursive_directory_iterator(in, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file(ec) && is_trace_file(it->path()))
          found.push_back(it->path().string());
      }
      std::sort(found.begin(), found.end());
      if (found.empty())
        problems.push_back(
            in + ": no trace files (*.trace.txt, *.pb, *.trace, or .xz of them) in this directory");
      files.insert(files.end(), found.begin(), found.end());
    } else if (in == "-" || fs::exists(in, ec)) {
      files.push_back(in);
    } else {
      problems.push_back(in + ": no such file or directory");
    }
  }
  return files;
}

}  // namespace oopsim::traces
