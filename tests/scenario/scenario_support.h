// Helpers for the scenario tests: find the scenario files, replay one under a policy.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sim/prediction.h"

namespace oopsim::test {

std::string source_dir();
// Files under tests/<dir> ending in `suffix`, sorted.
std::vector<std::string> scenario_files(const std::string& dir,
                                        const std::string& suffix = ".trace.txt");
std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& text);

// Replays `path` under `policy`; fails the test (and returns false) on error.
bool predict(const std::string& path, const std::string& policy, sim::Prediction& out,
             std::string* error = nullptr);

// A gtest parameter name from a scenario path: its file name without extensions, '_' for the rest.
std::string scenario_test_name(const ::testing::TestParamInfo<std::string>& info);

// Lines of `text` that start with `prefix`, with the prefix removed.
std::vector<std::string> lines_starting(const std::string& text, const std::string& prefix);

}  // namespace oopsim::test
