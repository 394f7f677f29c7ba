// simcampaign's runner: experiments of a campaign run with simcapture, `jobs` VMs at a time, each
// finished experiment written atomically to results/<id>.json (and its trace, when it crashed, to
// traces/<id>.pb), so that a worker killed at any moment, rerun or requeued, skips what is done
// and loses nothing. Every attempt works in its own runs/ folder: two workers that happen to run
// the same experiment never share files, and the result is one file per experiment id.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "traces/campaign/campaign_config.h"

namespace oopsim::traces {

// Where the injections go: the functions the workloads execute, most-called first.
struct CampaignTargets {
  std::vector<std::string> hot;  // what sites are drawn from
  std::vector<std::string> all;  // for fault types with no site in `hot` (allocator calls)
  std::string golden;            // the reference golden run every injected run is paired with
  std::string coverage;          // the executed instructions sites are drawn from ("": all code)
};

// Learns the targets once (a reference golden run; functions.txt with call counts). Returns an
// exit code. With explicit functions there is nothing to learn and each experiment records its
// own golden run. With sites from executed code (the default), a fault-free run records which
// kernel instructions ran (coverage.txt in the campaign folder: the reference run's, else its
// own run), unless --coverage names the file.
int prepare_campaign(const CampaignConfig& config, CampaignTargets& targets, std::ostream& err);
// The targets a previous prepare_campaign wrote; false and `error` when it has not run.
bool load_targets(const CampaignConfig& config, CampaignTargets& targets, std::string& error);

// Runs those of `experiments` not finished yet; returns an exit code.
int run_experiments(const CampaignConfig& config, const CampaignTargets& targets,
                    const std::vector<Experiment>& experiments, std::ostream& err);

// Recomputes what each finished experiment's trace and console say (crash, observed outcomes,
// scope) with this build's reader, e.g. after the summary learned something new. Returns the
// number of results rewritten.
int refresh_results(const std::string& dir, std::ostream& err);

// Imports again, with this build's simcapture, every crash whose raw injected run was kept
// (raw/<id>/, paired with the reference golden run, or with `golden` when given: a campaign
// whose functions were named has no reference run), replacing traces/<id>.pb; run `refresh`
// after it. Returns the number re-imported (-1: the campaign is not prepared).
int reimport_crashes(const CampaignConfig& config, std::ostream& err,
                     const std::string& golden = "");
// For each crash without one, a fault-free run from the campaign's state with a breakpoint on the
// crash's fault site (vmctl run --watch): who runs that instruction, kept as
// raw/ID/golden-site-hits.txt for the next reimport. Returns how many were recorded.
int record_site_hits(const CampaignConfig& c, std::ostream& err);

// The local engine: saves campaign.json, prepares, runs everything left, rebuilds the index.
int run_campaign(const CampaignConfig& config, std::ostream& out, std::ostream& err);

}  // namespace oopsim::traces
