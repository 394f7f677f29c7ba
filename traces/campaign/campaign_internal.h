// What the campaign runner's parts share (campaign_runner.cc: preparing and running the
// experiments; campaign_followups.cc: refreshing results, re-importing, recording site hits).
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "traces/campaign/campaign_runner.h"

namespace oopsim::traces::campaign_detail {

// Each experiment leads its own process group: a timeout or an interrupt kills QEMU too.
pid_t spawn(const std::vector<std::string>& argv, const std::vector<std::string>& env,
            const std::filesystem::path& log);
// Its exit status (69 when it could not be waited for).
int wait_for(pid_t pid);
// The VM cache and saved state the campaign uses.
std::filesystem::path cache_of(const CampaignConfig& c);
std::filesystem::path state_of(const CampaignConfig& c);
// The reference golden run's folder (one per run length).
std::filesystem::path reference_of(const CampaignConfig& c);
// The environment of the campaign's VM runs: its cache, and its kernel's pin file when given.
std::vector<std::string> vm_env(const CampaignConfig& c);
// What the trace (or, without one, the console) says about the run: the crash, the observed
// outcomes, the scope.
void add_trace_facts(nlohmann::ordered_json& r, const std::filesystem::path& trace,
                     const std::string& console);

// Per fault type, the functions its sites are drawn from: the hot ones; or all learned ones
// when the hot ones have no site of that type (the allocator and free call types), which a
// dry run tells. Deterministic: the same for every worker.
class FunctionLists {
 public:
  FunctionLists(const CampaignConfig& c, const CampaignTargets& t,
                const std::vector<std::string>& env, std::ostream& err)
      : c_(c), t_(t), env_(env), err_(err) {}
  const std::string& for_type(const std::string& type);

 private:
  const CampaignConfig& c_;
  const CampaignTargets& t_;
  std::vector<std::string> env_;
  std::ostream& err_;
  std::map<std::string, std::string> lists_;
};

}  // namespace oopsim::traces::campaign_detail
