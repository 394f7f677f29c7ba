// The live classifier: what happened to each workload after the crash in a real run, from the
// injected run's console reports, exits and progress, judged against the golden run's progress
// by the judge the engine uses too (models/outcome_judge.h).
#include "traces/import/observed_outcome.h"

#include <fmt/format.h>

#include <algorithm>
#include <string_view>

#include "models/outcome_judge.h"
#include "models/sim_time.h"
#include "traces/format/packet_decoder.h"

namespace oopsim::traces {

std::vector<ProgressMark> progress_marks(const std::vector<FtraceLine>& lines,
                                         std::vector<ProgressMark> console_progress) {
  std::vector<ProgressMark> marks = std::move(console_progress);
  for (const FtraceLine& l : lines) {
    ProgressMark m;
    m.time_us = l.time_us;
    if (l.event == "tracing_mark_write" && parse_progress(l.payload, m))
      marks.push_back(std::move(m));
  }
  return marks;
}

std::optional<std::uint64_t> recording_end_us(const std::vector<FtraceLine>& lines,
                                              std::uint64_t after_us) {
  static constexpr std::string_view kEnd = "OOPSIM TRACE END";
  for (const FtraceLine& l : lines) {
    if (l.time_us > after_us && l.event == "tracing_mark_write" &&
        std::string_view(l.payload).substr(0, kEnd.size()) == kEnd)
      return l.time_us;
  }
  return std::nullopt;
}

std::uint64_t judged_until_us(std::uint64_t crash_us, std::uint64_t window_us,
                              std::optional<std::uint64_t> injected_end,
                              std::optional<std::uint64_t> golden_end) {
  std::uint64_t end = crash_us + (window_us ? window_us : UINT64_MAX / 2);
  if (injected_end) end = std::min(end, *injected_end);
  if (golden_end) end = std::min(end, *golden_end);
  return end;
}

namespace {

// A workload's progress after `from` (until `to`): its count before, the highest after, and when
// it last rose.
struct ProgressSpan {
  std::uint64_t before = 0, after = 0;
  std::uint64_t last_rise_us = 0;  // 0: it never rose
  std::uint64_t max_gap_us = 0;    // the longest wait for a rise, from `from` on
  bool rose() const { return after > before; }
};

ProgressSpan progress_after(const std::vector<ProgressMark>& marks, const std::string& name,
                            std::uint64_t from, std::uint64_t to) {
  ProgressSpan p;
  std::vector<const ProgressMark*> mine;
  for (const ProgressMark& m : marks) {
    if (m.workload == name && m.time_us <= to) mine.push_back(&m);
  }
  std::stable_sort(mine.begin(), mine.end(), [](const ProgressMark* a, const ProgressMark* b) {
    return a->time_us < b->time_us;
  });
  std::uint64_t high = 0;
  for (const ProgressMark* m : mine) {
    if (m->time_us <= from) {
      p.before = std::max(p.before, m->value);
    } else if (m->value > std::max(high, p.before)) {
      p.max_gap_us = std::max(p.max_gap_us, m->time_us - (p.last_rise_us ? p.last_rise_us : from));
      p.last_rise_us = m->time_us;
    }
    if (m->time_us > from) p.after = std::max(p.after, m->value);
    high = std::max(high, m->value);
  }
  return p;
}

// Its required processes (the progress writers), and every process that belongs to it (their
// descendants, the same program's other processes).
void workload_pids(const ObservedRun& run, const std::string& name,
                   const std::set<std::uint32_t>& writers, std::set<int>& pids,
                   std::set<int>& members) {
  for (std::uint32_t w : writers) pids.insert(run.contexts[w].pid);
  for (const ImportedContext& c : run.contexts.all()) {
    if (c.workloads.count(name) != 0) members.insert(c.pid);
  }
  members.insert(pids.begin(), pids.end());
}

// Where the workload's processes are at the run's end, when the record says: "; at the end:
// comm[pid] asleep (uninterruptible) since 1.2s after the crash in a <- b".
std::string where_they_wait(const ObservedRun& run, const std::set<int>& members) {
  std::string out;
  for (const BlockedWait& b : run.blocked ? *run.blocked : std::vector<BlockedWait>{}) {
    if (!members.count(b.pid)) continue;
    std::string since =
        b.since_us > run.crash_us
            ? models::format_seconds(b.since_us - run.crash_us, 1000000) + " after the crash"
            : "before the crash";
    const char* state = b.state == 'D'   ? "asleep (uninterruptible)"
                        : b.state == 'S' ? "asleep (interruptible)"
                                         : "running or waiting to run";
    out += fmt::format("{} {}[{}] {} since {}{}", out.empty() ? "" : ";", b.comm, b.pid, state,
                       since, b.where.empty() ? "" : " in " + b.where);
  }
  return out.empty() ? "" : "; at the end:" + out;
}

// What the console and the exits say happened to one workload in (crash, end]: a later oops in
// any of its processes is one in a context the workload needs; only a required one's first oops
// or exit loses the workload.
std::vector<models::Finding> findings_for(const ObservedRun& run, const std::string& name,
                                          const std::set<std::uint32_t>& writers,
                                          std::uint64_t end) {
  const std::uint64_t crash_us = run.crash_us;
  const std::vector<ConsoleReport>& reports = run.reports;
  std::set<int> pids, members;
  workload_pids(run, name, writers, pids, members);
  std::vector<models::Finding> found;
  bool first = true;
  for (const ConsoleReport& r : reports) {
    if (r.time_us < crash_us || r.time_us > end) continue;
    switch (r.type) {
      case ConsoleReport::Type::kOops:
        if (first) {
          first = false;
          if (pids.count(r.pid))
            found.push_back(
                {r.time_us, models::Outcome::kNoProc,
                 fmt::format("its process {}[{}] oopsed and was killed", r.comm, r.pid)});
          continue;
        }
        if (members.count(r.pid)) found.push_back({r.time_us, models::Outcome::kOopsAgain, r.text});
        break;
      case ConsoleReport::Type::kSoftLockup:
      case ConsoleReport::Type::kHungTask:
        if (members.count(r.pid)) found.push_back({r.time_us, models::Outcome::kDeadlock, r.text});
        break;
      case ConsoleReport::Type::kPanic:
        found.push_back({r.time_us, models::Outcome::kPanic, r.text});
        break;
      case ConsoleReport::Type::kWorkloadError:
        if (r.comm == name) found.push_back({r.time_us, models::Outcome::kDetectError, r.text});
        break;
    }
  }
  // A process of the workload read state the fault changed: survived-inconsistent when nothing
  // worse follows (the judge ranks it last), as the engine's bad-state-reads rule predicts it.
  for (const BadStateRead& b : run.bad_reads ? *run.bad_reads : std::vector<BadStateRead>{}) {
    if (members.count(b.pid) && b.time_us > crash_us && b.time_us <= end)
      found.push_back({b.time_us, models::Outcome::kSurvivedInconsistent, b.what});
  }
  for (const FtraceLine& l : run.lines) {
    if (l.event == "sched_process_exit" && pids.count(l.pid) && l.time_us > crash_us &&
        l.time_us <= end) {
      found.push_back(
          {l.time_us, models::Outcome::kNoProc, fmt::format("{}[{}] exited", l.comm, l.pid)});
    }
  }
  return found;
}

}  // namespace

std::vector<trace::Observed> classify_observed(const ObservedRun& run,
                                               const std::vector<ProgressMark>& progress,
                                               const std::vector<ProgressMark>& golden_progress) {
  std::vector<trace::Observed> out;
  const std::uint64_t crash_us = run.crash_us;
  // Both runs go on after their recording stops, each for as long as its stream needs to drain,
  // and their consoles with them: judged over the span both recorded.
  const std::uint64_t end = judged_until_us(
      crash_us, run.window_us, recording_end_us(run.lines, crash_us), run.golden_recording_end_us);
  // Where its processes are at the end; and whether the machine stopped ticking: the plugin's
  // walks of the task list (one a second, from the timer tick) stopped more than 2 s before the
  // golden run's progress did (both runs last as long).
  auto waits = [&](const std::string& name, const std::set<std::uint32_t>& writers,
                   std::uint64_t golden_last_rise_us) {
    std::set<int> pids, members;
    workload_pids(run, name, writers, pids, members);
    std::string out;
    if (run.last_walk_us && golden_last_rise_us > *run.last_walk_us + 2'000'000) {
      out =
          fmt::format("; the timer tick stopped: the last walk of the task list was {} the crash",
                      *run.last_walk_us > crash_us
                          ? models::format_seconds(*run.last_walk_us - crash_us, 1000000) + " after"
                          : std::string("before"));
    }
    return out + where_they_wait(run, members);
  };
  for (const auto& [name, writers] : run.writers) {
    std::vector<models::Finding> found = findings_for(run, name, writers, end);
    ProgressSpan mine = progress_after(progress, name, crash_us, end);
    // A slow workload may report nothing in a short window: judge it against the golden run.
    ProgressSpan gold = progress_after(golden_progress, name, crash_us, end);
    bool golden_progressed = gold.rose();
    // Progress that keeps coming, and which finding decides: the judge (models/outcome_judge.h),
    // which the engine's verdict uses too.
    bool progressed = mine.rose() &&
                      (!golden_progressed ||
                       models::progress_kept_coming(mine.last_rise_us - crash_us,
                                                    gold.last_rise_us - crash_us, gold.max_gap_us));
    bool stopped_early = mine.rose() && !progressed;
    // A silent stall means blocked for good: progress that came again after the judged span (the
    // console goes on while the run's stream drains) shows a workload that was slow, not stuck.
    ProgressSpan later = progress_after(progress, name, end, UINT64_MAX / 2);
    trace::Observed o;
    o.set_workload(name);
    const models::Finding* best = models::deciding_finding(found);
    if (best != nullptr) {
      o.set_outcome(encode(best->outcome));
      o.set_detail(best->why);
    } else if (progressed) {
      o.set_outcome(trace::Observed::NOT_MANIFEST);
      o.set_detail(
          fmt::format("progress went on after the crash ({} -> {})", mine.before, mine.after));
    } else if (golden_progressed && !progressed && later.rose()) {
      o.set_outcome(trace::Observed::NOT_MANIFEST);
      o.set_detail(fmt::format(
          "progress slowed after the crash ({} -> {} in the judged {}) but came again later ({} "
          "-> {} by {} after the crash)",
          mine.before, std::max(mine.before, mine.after),
          models::format_seconds(end - crash_us, 1000000), later.before, later.after,
          models::format_seconds(later.last_rise_us - crash_us, 1000000)));
    } else if (stopped_early) {
      o.set_outcome(trace::Observed::DEADLOCK);
      o.set_detail(fmt::format(
          "progress stopped {} after the crash ({} -> {}) while the golden run's went on for {}; "
          "no detector report in the window{}",
          models::format_seconds(mine.last_rise_us - crash_us, 1000000), mine.before, mine.after,
          models::format_seconds(gold.last_rise_us - crash_us, 1000000),
          waits(name, writers, gold.last_rise_us)));
    } else if (!golden_progressed) {
      o.set_outcome(trace::Observed::NOT_MANIFEST);
      o.set_detail("no progress in the window in either run, and no failure");
    } else {
      o.set_outcome(trace::Observed::DEADLOCK);
      o.set_detail(
          "progress stopped after the crash while the golden run's went on; no detector report in "
          "the window" +
          waits(name, writers, gold.last_rise_us));
    }
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace oopsim::traces
