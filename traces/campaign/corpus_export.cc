#include "traces/campaign/corpus_export.h"

#include <fmt/format.h>

#include <filesystem>
#include <map>
#include <ostream>

#include "traces/campaign/campaign_config.h"
#include "traces/campaign/campaign_figures.h"
#include "traces/campaign/campaign_index.h"
#include "traces/format/file_text.h"
#include "traces/format/packet_source.h"
#include "traces/format/time_delta_codec.h"
#include "traces/format/trace_reader.h"
#include "traces/format/trace_rewrite.h"
#include "traces/format/xz_encoder.h"

namespace oopsim::traces {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

namespace {

std::uint64_t tree_bytes(const fs::path& p) {
  std::uint64_t n = 0;
  std::error_code ec;
  for (const auto& e : fs::recursive_directory_iterator(p, ec)) {
    if (e.is_regular_file(ec)) n += e.file_size(ec);
  }
  return n;
}

std::string kernel_of(const std::string& trace) {
  TraceError e;
  auto src = open_trace(trace, e);
  if (!src) return "";
  TraceReader reader(std::move(src));
  reader.next();
  return reader.model().header.kernel_release;
}

}  // namespace

int export_corpus(const ExportConfig& c, std::ostream& out, std::ostream& err) {
  fs::path dir(c.dir), to(c.to);
  CampaignConfig plan;
  std::string error;
  if (!load_campaign(c.dir, plan, error)) {
    err << "simcampaign: " << error << "\n";
    return 66;
  }
  std::ostringstream ignore;
  campaign_status(c.dir, ignore);  // index.csv up to date
  std::vector<json> results = read_results(c.dir);
  // Plan order (seeds outer, types inner): with `fit`, the traces that come first are kept.
  std::map<std::string, std::size_t> rank;
  for (const Experiment& x : plan_campaign(plan)) rank.emplace(x.id, rank.size());
  std::stable_sort(results.begin(), results.end(), [&](const json& a, const json& b) {
    auto ra = rank.find(a["id"].get<std::string>()), rb = rank.find(b["id"].get<std::string>());
    return (ra == rank.end() ? rank.size() : ra->second) <
           (rb == rank.end() ? rank.size() : rb->second);
  });
  std::vector<std::string> left_out;
  std::error_code ec;
  fs::remove_all(to / "traces", ec);
  fs::remove_all(to / "consoles", ec);
  fs::remove_all(to / "results", ec);
  fs::create_directories(to / "traces");
  fs::create_directories(to / "consoles");
  fs::create_directories(to / "results");
  int traces = 0, consoles = 0;
  std::string kernel;
  long long first = 0, last = 0;
  double busy = 0;
  for (const json& r : results) {
    std::string id = r["id"].get<std::string>();
    long long at = r.value("finished_at", 0LL);
    busy += r.value("seconds", 0.0);
    if (at > 0) {
      long long start = at - static_cast<long long>(r.value("seconds", 0.0));
      first = first == 0 ? start : std::min(first, start);
      last = std::max(last, at);
    }
    if (!r.value("crashed", false)) continue;
    // The result goes along (the figures are computed from results/).
    json slim = r;
    slim.erase("worker");
    write_file_text((to / "results" / (id + ".json")).string(), slim.dump(1) + "\n");
    fs::path console = dir / "consoles" / (id + ".console.log");
    if (fs::exists(console)) {
      if (!xz_compress_file(console.string(), (to / "consoles" / (id + ".console.log.xz")).string(),
                            c.xz_preset, error)) {
        err << "simcampaign: " << error << "\n";
        return 74;
      }
      ++consoles;
    }
    fs::path trace = dir / "traces" / (id + ".pb");
    if (!r.contains("scope") || !fs::exists(trace)) continue;  // a crash without a usable trace
    if (kernel.empty()) kernel = kernel_of(trace.string());
    fs::path packed = to / "traces" / (id + ".pb.xz");
    // Written at the newest format version (version 2's delta times: 40% smaller packed), checked
    // packet by packet on the way.
    RewriteOptions rewrite;
    rewrite.format_version = kFormatVersion;
    rewrite.xz_preset = c.xz_preset;
    RewriteResult rewritten;
    TraceError bad;
    if (!rewrite_trace(trace.string(), packed.string(), rewrite, rewritten, bad)) {
      err << "simcampaign: " << bad.message() << "\n";
      return bad.exit_code();
    }
    // Room kept for what follows the traces (index, plan, CORPUS.md).
    constexpr std::uint64_t kRoom = 64 << 10;
    if (c.fit && tree_bytes(to) + kRoom > c.max_bytes) {
      fs::remove(packed, ec);
      left_out.push_back(id);
      continue;
    }
    ++traces;
  }
  fs::copy_file(dir / "index.csv", to / "index.csv", fs::copy_options::overwrite_existing, ec);
  fs::copy_file(dir / "functions.txt", to / "functions.txt", fs::copy_options::overwrite_existing,
                ec);
  json j = json::parse(campaign_json(plan));
  for (const char* local : {"simcapture", "repo", "cache", "state"}) j.erase(local);
  write_file_text((to / "campaign.json").string(), j.dump(1) + "\n");
  std::string types =
      plan.types.empty() ? std::string("all 15") : fmt::format("{}", fmt::join(plan.types, ","));
  std::string md = fmt::format(
      "# oopsim corpus: real crashes of a real kernel\n\n"
      "Made by `simcampaign` (generated by `simcampaign export`; do not edit by hand).\n\n"
      "- kernel: Debian {} (linux-image-{}-unsigned), QEMU TCG, 2 vCPUs, the six workloads of "
      "traces/vm\n"
      "- plan: fault types {}, seeds {}..{}, sites in {}, {} s runs, each injected run paired "
      "with {}{}\n"
      "- {} experiments, {} crashes; {} traces here (crashes whose trace survived the crash{}), "
      "{} consoles\n"
      "- wall time: {:.1f} h for the experiments here ({:.1f} h of experiment time, two at a "
      "time)\n\n"
      "To make it again: the same seeds over the same functions give the same sites and "
      "mutations ({}):\n\n"
      "```sh\n{}\nbuild/bin/simcampaign export DIR --to {}{}\n```\n\n"
      "## Figures\n\n{}",
      kernel, kernel, types, plan.first_seed, plan.first_seed + plan.seeds - 1,
      plan.functions.empty()
          ? fmt::format("the {} most-called functions the workloads run (functions.txt, learned "
                        "from a golden run)",
                        plan.hot)
          : fmt::format("the {} functions the command names", plan.functions.size()),
      plan.seconds,
      plan.functions.empty()
          ? "one reference golden run"
          : "a golden run of its own from the same state (the QEMU plugin recording the site's "
            "runs and the memory record in both)",
      plan.only.empty()
          ? std::string()
          : fmt::format("; of these, only the {} experiments campaign.json lists under `only` "
                        "(a chosen set captured again: the yield below is not the plan's)",
                        plan.only.size()),
      results.size(),
      std::count_if(results.begin(), results.end(),
                    [](const json& r) { return r.value("crashed", false); }),
      traces,
      left_out.empty()
          ? std::string()
          : fmt::format("; left out to stay within {} MiB, the later ones in plan order: {}",
                        c.max_bytes >> 20, fmt::join(left_out, ", ")),
      consoles, last > first ? (last - first) / 3600.0 : 0.0, busy / 3600.0,
      plan.functions.empty()
          ? fmt::format("give the {} first names of functions.txt with `--functions`; a new "
                        "reference golden run may learn a slightly different list",
                        plan.hot)
          : std::string("functions.txt's names, in its order, with `--functions`"),
      c.command.empty() ? std::string("build/bin/simcampaign run DIR ...") : c.command, c.to,
      c.fit ? fmt::format(" --fit --max-mib {}", c.max_bytes >> 20) : std::string(),
      campaign_figures(c.dir));
  write_file_text((to / "CORPUS.md").string(), md);
  std::uint64_t bytes = tree_bytes(to);
  out << fmt::format("simcampaign: {} traces, {} consoles in {}: {:.1f} MiB\n", traces, consoles,
                     c.to, static_cast<double>(bytes) / (1 << 20));
  if (bytes > c.max_bytes) {
    err << fmt::format("simcampaign: {} holds {:.1f} MiB, over the limit of {:.1f} MiB\n", c.to,
                       static_cast<double>(bytes) / (1 << 20),
                       static_cast<double>(c.max_bytes) / (1 << 20));
    return 65;
  }
  return 0;
}

}  // namespace oopsim::traces
