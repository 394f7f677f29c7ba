#include "traces/campaign/campaign_snapshot.h"

#include <fmt/format.h>

#include <fcntl.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>

#include "traces/campaign/campaign_config.h"
#include "traces/campaign/campaign_index.h"
#include "traces/format/byte_input.h"
#include "traces/format/file_text.h"
#include "traces/format/xz_encoder.h"

namespace oopsim::traces {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

int snapshot_campaign(const std::string& dir, const std::string& to, std::ostream& out,
                      std::ostream& err) {
  CampaignConfig config;
  std::string error;
  if (!load_campaign(dir, config, error)) {
    err << "simcampaign: " << error << "\n";
    return 66;
  }
  std::vector<json> results = read_results(dir);
  std::string lines;
  int crashed = 0;
  for (json r : results) {
    r.erase("worker");  // the machine's, not the experiment's
    crashed += r.value("crashed", false);
    lines += r.dump() + "\n";
  }
  std::string index;
  std::error_code ec;
  fs::create_directories(to, ec);
  json plan = json::parse(campaign_json(config));
  // The machine's paths are blanked (the plan still parses: a resume names its own).
  for (const char* local : {"simcapture", "repo", "cache", "state"}) plan[local] = "";
  std::string functions;
  read_file_text(fs::path(dir) / "functions.txt", functions);
  index = index_csv(results);  // the running campaign writes its own only at the end
  for (const auto& [name, text] :
       {std::pair<std::string, std::string>{"campaign.json", plan.dump(1) + "\n"},
        {"functions.txt", functions},
        {"index.csv", index},
        {"results.jsonl", lines}}) {
    if (text.empty() && name != "results.jsonl") continue;
    if (!write_atomically((fs::path(to) / name).string(), text, &error)) {
      err << "simcampaign: " << error << "\n";
      return 74;
    }
  }
  // The executed instructions its sites are drawn from (the same sites on a resume elsewhere).
  fs::path coverage = fs::path(dir) / "coverage.txt";
  if (fs::exists(coverage) &&
      !xz_compress_file(coverage.string(), (fs::path(to) / "coverage.txt.xz").string(), 9, error)) {
    err << "simcampaign: " << error << "\n";
    return 74;
  }
  out << fmt::format("simcampaign: {} results ({} crashes) of {} planned in {}\n", results.size(),
                     crashed, plan_campaign(config).size(), to);
  return 0;
}

namespace {

// The whole uncompressed text of an .xz file; false and `error` when it cannot be read.
bool read_xz_text(const fs::path& path, std::string& text, std::string& error) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = path.string() + ": cannot open";
    return false;
  }
  ByteInput in(fd, path.string());
  text.clear();
  constexpr std::size_t kChunk = 1 << 20;
  for (std::size_t n; (n = in.want(kChunk)) > 0;) {
    text.append(in.data(), n);
    in.skip(n);
  }
  if (!in.io_error().empty()) {
    error = path.string() + ": " + in.io_error();
    return false;
  }
  return true;
}

// Writes results/<id>.json for each line of `lines` not already there; returns how many, or -1
// with `error` (a bad line, with its number, or a write that failed: `code` tells which).
int restore_results(const std::string& lines, const fs::path& results, const fs::path& from,
                    std::string& error, int& code) {
  std::istringstream in(lines);
  int written = 0, number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    if (line.empty()) continue;
    json r = json::parse(line, nullptr, false);
    if (!r.is_object() || !r.contains("id") || !r["id"].is_string() ||
        r["id"].get<std::string>().find('/') != std::string::npos) {
      error = fmt::format("{}:{}: not a result (a JSON object with an id)",
                          (from / "results.jsonl").string(), number);
      code = 65;
      return -1;
    }
    fs::path path = results / (r["id"].get<std::string>() + ".json");
    if (fs::exists(path)) continue;
    if (!write_atomically(path.string(), r.dump(1) + "\n", &error)) {
      code = 74;
      return -1;
    }
    ++written;
  }
  return written;
}

}  // namespace

int restore_campaign(const std::string& from, const std::string& to, std::ostream& out,
                     std::ostream& err) {
  fs::path src(from), dst(to);
  std::string plan, functions, lines, coverage, error;
  if (!read_file_text(src / "campaign.json", plan) ||
      !read_file_text(src / "results.jsonl", lines)) {
    err << "simcampaign: " << from << ": no snapshot (campaign.json and results.jsonl)\n";
    return 66;
  }
  CampaignConfig config;
  if (!parse_campaign_json(plan, (src / "campaign.json").string(), config, error)) {
    err << "simcampaign: " << error << "\n";
    return 65;
  }
  config.dir = to;
  std::error_code ec;
  fs::create_directories(dst / "results", ec);
  // save_campaign refuses a folder that holds another plan.
  if (!save_campaign(config, error)) {
    err << "simcampaign: " << error << "\n";
    return ec ? 74 : 65;
  }
  if (read_file_text(src / "functions.txt", functions) &&
      !write_atomically((dst / "functions.txt").string(), functions, &error)) {
    err << "simcampaign: " << error << "\n";
    return 74;
  }
  if (fs::exists(src / "coverage.txt.xz")) {
    if (!read_xz_text(src / "coverage.txt.xz", coverage, error)) {
      err << "simcampaign: " << error << "\n";
      return 65;
    }
    if (!write_atomically((dst / "coverage.txt").string(), coverage, &error)) {
      err << "simcampaign: " << error << "\n";
      return 74;
    }
  }
  int code = 0;
  int written = restore_results(lines, dst / "results", src, error, code);
  if (written < 0) {
    err << "simcampaign: " << error << "\n";
    return code;
  }
  out << fmt::format(
      "simcampaign: {} results restored into {} ({} planned); `simcampaign run {}` with the "
      "plan's flags goes on from there\n",
      written, to, plan_campaign(config).size(), to);
  return 0;
}

}  // namespace oopsim::traces
