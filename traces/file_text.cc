#include "traces/file_text.h"

#include <fstream>
#include <sstream>

namespace oopsim::traces {

bool read_file_text(const std::string& path, std::string& out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  std::stringstream ss;
  ss << f.rdbuf();
  out = ss.str();
  return true;
}

}  // namespace oopsim::traces
