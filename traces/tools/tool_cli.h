// What every tool's command line shares (simrun, simtrace, simcapture, simcampaign, vmcheck):
// --version, defaults and value names in --help, list options that take one value per use.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace oopsim::traces {

// "oopsim 0.1.0 (git <describe>), trace format v1".
std::string version_text();

// Call right after making the app (before adding options): --version, and every option's
// default shown in --help.
void standard_cli(CLI::App& app);

// A list option that takes one value per use (repeat it; with `comma`, "a,b" also gives two),
// so that paths after it are never taken as more values.
CLI::Option* one_value_per_use(CLI::Option* option, bool comma = true);

}  // namespace oopsim::traces
