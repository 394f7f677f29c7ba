// A campaign's campaign.json: parsed without exceptions escaping, and every accepted plan is one
// the runner can use.
#include <cstdint>
#include <cstdlib>
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
  if (c.seeds <= 20 && !c.types.empty() &&
      oopsim::traces::plan_campaign(c).size() != c.seeds * c.types.size())
    std::abort();  // every seed of every type, once
  oopsim::traces::campaign_json(c);
  return 0;
}
