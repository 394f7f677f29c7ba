#include "traces/tools/tool_cli.h"

#include <fmt/format.h>

namespace oopsim::traces {

extern const char* const kGitDescribe;  // generated (traces/tools/version.cc.in)
extern const char* const kProjectVersion;

std::string version_text() {
  return fmt::format("oopsim {} (git {}), trace format v1", kProjectVersion, kGitDescribe);
}

void standard_cli(CLI::App& app) {
  app.set_version_flag("--version", version_text(), "print the version and exit");
  app.option_defaults()->always_capture_default();
}

CLI::Option* one_value_per_use(CLI::Option* option, bool comma) {
  if (comma) option->delimiter(',');
  return option->expected(1)->allow_extra_args(false)->multi_option_policy(
      CLI::MultiOptionPolicy::TakeAll);
}

}  // namespace oopsim::traces
