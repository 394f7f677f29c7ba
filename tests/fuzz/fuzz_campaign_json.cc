// A campaign's campaign.json: parsed without exceptions escaping, and every accepted plan is one
// the runner can use.
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>

#include "traces/campaign/campaign_config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  oopsim::traces::CampaignConfig c;
  std::string error;
  if (!oopsim::traces::parse_campaign_json(text, "campaign.json", c, error)) {
    if (error.empty()) std::abort();
    return 0;
  }
  if (c.jobs < 1 || c.seeds > oopsim::traces::kMaxSeeds) std::abort();
  std::set<std::string> only(c.only.begin(), c.only.end());
  if (c.seeds <= 20 && !c.types.empty() &&
      oopsim::traces::plan_campaign(c).size() !=
          (only.empty() ? c.seeds * c.types.size() : only.size()))
    std::abort();  // every seed of every type once, or every experiment `only` lists once
  oopsim::traces::campaign_json(c);
  return 0;
}
