#include "scenario_support.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "policies/policy_registry.h"
#include "sim/engine.h"
#include "traces/format/packet_source.h"

namespace oopsim::test {

namespace fs = std::filesystem;

std::string source_dir() {
  return OOPSIM_SOURCE_DIR;
}

std::vector<std::string> scenario_files(const std::string& dir, const std::string& suffix) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(source_dir() + "/tests/" + dir)) {
    std::string p = e.path().string();
    if (p.ends_with(suffix)) out.push_back(p);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

bool predict(const std::string& path, const std::string& policy, sim::Prediction& out,
             std::string* error) {
  std::string why;
  auto p = policies::builtin_policies().create(policy, why);
  if (!p) {
    ADD_FAILURE() << why;
    return false;
  }
  traces::TraceError te;
  auto src = traces::open_trace(path, te);
  if (!src) {
    if (error) *error = te.message();
    return false;
  }
  traces::TraceReader reader(std::move(src));
  sim::Engine engine;
  if (!engine.run(reader, *p, policy, out, te)) {
    if (error) *error = te.message();
    return false;
  }
  return true;
}

std::string scenario_test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = fs::path(info.param).stem().stem().string();
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

std::vector<std::string> lines_starting(const std::string& text, const std::string& prefix) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(prefix, 0) == 0) out.push_back(line.substr(prefix.size()));
  }
  return out;
}

}  // namespace oopsim::test
