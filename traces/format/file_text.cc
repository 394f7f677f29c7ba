#include "traces/format/file_text.h"

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

bool write_file_text(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
  f.flush();
  return static_cast<bool>(f);
}

}  // namespace oopsim::traces
