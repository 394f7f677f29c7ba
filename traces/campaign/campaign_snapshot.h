// A campaign's record, small enough to commit as it goes: its plan (campaign.json without the
// machine's paths), its learned functions, the coverage its sites are drawn from (xz), index.csv
// and every result on one line each (results.jsonl, sorted by id, without the worker's name). A
// long campaign that runs over many sessions is committed this way after each; `simcampaign
// figures` reads the snapshot as it reads a campaign folder, and so do read_results() callers.
#pragma once

#include <iosfwd>
#include <string>

namespace oopsim::traces {

// Writes the snapshot of campaign folder `dir` into `to` (made if missing; its files replaced).
// Returns an exit code (0, 66 when `dir` is no campaign, 74 when `to` cannot be written).
int snapshot_campaign(const std::string& dir, const std::string& to, std::ostream& out,
                      std::ostream& err);

// The reverse, to go on with a campaign on another machine: makes campaign folder `to` from
// snapshot `from` (its plan, functions, unpacked coverage and results/<id>.json for each result
// line), so that `simcampaign run` with the plan's flags draws the same sites and skips every
// finished experiment. Results already in `to` are kept (a result is never overwritten). Returns
// an exit code (0, 66 when `from` is no snapshot, 65 when a line of it is bad, 74 when `to`
// cannot be written).
int restore_campaign(const std::string& from, const std::string& to, std::ostream& out,
                     std::ostream& err);

}  // namespace oopsim::traces
