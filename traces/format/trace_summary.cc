#include "traces/format/trace_summary.h"

#include <fmt/format.h>

namespace oopsim::traces {

bool summarize(TraceReader& reader, TraceSummary& out, TraceError& error) {
  out.path = reader.path();
  bool crashed = false, activated = false;
  std::map<std::uint32_t, std::set<std::uint32_t>> held;  // injected: context -> locks
  std::set<std::uint32_t> held_at_crash;
  std::uint32_t crash_ctx = models::Event::kNone, activator = models::Event::kNone;
  models::Ticks crash_time = 0;
  std::string global_why;
  while (true) {
    TraceReader::Item item = reader.next();
    if (item == TraceReader::Item::kError) {
      error = reader.error();
      return false;
    }
    if (item == TraceReader::Item::kEnd) break;
    if (item != TraceReader::Item::kEvent) continue;
    const models::Event& e = reader.event();
    auto type = static_cast<std::size_t>(e.type);
    using models::EventType;
    // A trylock does not need the lock (it goes on without it): it does not make the scope.
    bool takes =
        (e.type == EventType::kLockAttempt || e.type == EventType::kLockAcquired) && !e.trylock;
    if (reader.section() == SectionKind::kGolden) {
      ++out.golden_events[type];
      if (crashed && global_why.empty() && takes && e.time > crash_time &&
          e.context_ix != crash_ctx && held_at_crash.count(e.lock_ix) != 0 &&
          !reader.model().locks[e.lock_ix].released_for_dead_holder()) {
        global_why = fmt::format("it held {} at the crash and {} takes it later",
                                 reader.model().locks[e.lock_ix].label(),
                                 reader.model().contexts[e.context_ix].label());
      }
    } else {
      ++out.injected_events[type];
      if (crashed) {
        ++out.events_after_crash;
        continue;
      }
      if (e.type == EventType::kLockAcquired) held[e.context_ix].insert(e.lock_ix);
      if (e.type == EventType::kLockRelease) held[e.context_ix].erase(e.lock_ix);
      if (e.type == EventType::kFaultActivation && !activated) {
        activated = true;
        activator = e.context_ix;
      }
      if (activated && e.type == EventType::kObjectWrite && global_why.empty() &&
          e.context_ix == activator && reader.model().objects[e.object_ix].owner == 0) {
        global_why = fmt::format("it wrote shared {} after the fault's activation",
                                 reader.model().objects[e.object_ix].name);
      }
      if (e.type == EventType::kOops) {
        crashed = true;
        crash_ctx = e.context_ix;
        crash_time = e.time;
        held_at_crash = held[e.context_ix];
      }
    }
  }
  out.model = reader.model();
  out.packets = reader.packets();
  out.crash = reader.crash();
  out.injected_end = reader.last_time(SectionKind::kInjected);
  out.golden_end = reader.last_time(SectionKind::kGolden);
  out.observed = reader.all_observed();
  if (crashed) {
    out.scope = global_why.empty() ? models::Scope::kProcessLocal : models::Scope::kKernelGlobal;
    out.scope_why = global_why.empty() ? "no lock held at the crash is taken by another context "
                                         "later, and no shared state was written after the "
                                         "fault's activation"
                                       : global_why;
  }
  return true;
}

namespace {

std::string seconds(models::Ticks t, std::uint64_t tps) {
  return fmt::format("{:.6f}s", static_cast<double>(t) / static_cast<double>(tps));
}

std::uint64_t total(const std::array<std::uint64_t, models::kEventTypes>& a) {
  std::uint64_t n = 0;
  for (auto v : a) n += v;
  return n;
}

}  // namespace

std::string format_summary(const TraceSummary& s) {
  const TraceModel& m = s.model;
  std::uint64_t tps = m.header.ticks_per_second;
  std::string out = fmt::format("trace {}\n", s.path);
  out += fmt::format("  format v{}, kernel {}, origin {}, {} ticks/s, {} packets\n",
                     m.header.format_version,
                     m.header.kernel_release.empty() ? "?" : m.header.kernel_release,
                     name(m.header.origin), tps, s.packets);
  if (m.fault) {
    const models::FaultInfo& f = *m.fault;
    const models::ContextInfo* c = m.context(f.context);
    out += fmt::format("  fault {} at {} ({:#x}) seed {}, activated by {}\n", models::name(f.type),
                       f.site(), f.address, f.seed, c ? c->label() : "nobody");
  } else {
    out += "  no fault declared\n";
  }
  out += fmt::format("  {} contexts, {} locks, {} objects, {} workloads\n", m.contexts.size(),
                     m.locks.size(), m.objects.size(), m.workloads.size());
  for (const models::WorkloadInfo& w : m.workloads) {
    out += fmt::format("    workload {}: requires {} context(s), target {} {}\n", w.name,
                       w.required.size(), w.target, w.progress.empty() ? "" : w.progress);
  }
  auto section = [&](std::string_view label,
                     const std::array<std::uint64_t, models::kEventTypes>& counts,
                     models::Ticks end) {
    out += fmt::format("  {} section: {} events, ends at {}\n", label, total(counts),
                       seconds(end, tps));
    std::string line;
    for (std::size_t i = 0; i < counts.size(); ++i) {
      if (counts[i] == 0) continue;
      line += fmt::format(" {}={}", models::name(static_cast<models::EventType>(i)), counts[i]);
    }
    if (!line.empty()) out += "   " + line + "\n";
  };
  section("injected", s.injected_events, s.injected_end);
  section("golden", s.golden_events, s.golden_end);
  if (s.crash) {
    const models::ContextInfo* c = m.context(s.crash->context);
    out +=
        fmt::format("  crash: {} in {} by {} at {} ({} injected events after it)\n",
                    models::name(s.crash->oops_kind), s.crash->text.empty() ? "?" : s.crash->text,
                    c ? c->label() : "?", seconds(s.crash->time, tps), s.events_after_crash);
  } else {
    out += "  no crash (no oops in the injected section)\n";
  }
  for (const ObservedOutcome& o : s.observed) {
    out += fmt::format("  observed {}: {}{}\n", o.workload, models::name(o.outcome),
                       o.detail.empty() ? "" : " (" + o.detail + ")");
  }
  return out;
}

nlohmann::ordered_json summary_json(const TraceSummary& s) {
  const TraceModel& m = s.model;
  nlohmann::ordered_json j;
  j["path"] = s.path;
  j["format_version"] = m.header.format_version;
  j["kernel_release"] = m.header.kernel_release;
  j["origin"] = std::string(name(m.header.origin));
  j["ticks_per_second"] = m.header.ticks_per_second;
  j["packets"] = s.packets;
  if (m.fault) {
    j["fault"] = {{"type", std::string(models::name(m.fault->type))},
                  {"site", m.fault->site()},
                  {"address", m.fault->address},
                  {"seed", m.fault->seed},
                  {"context", m.fault->context}};
  }
  j["contexts"] = m.contexts.size();
  j["locks"] = m.locks.size();
  j["objects"] = m.objects.size();
  nlohmann::ordered_json workloads = nlohmann::ordered_json::array();
  for (const models::WorkloadInfo& w : m.workloads) workloads.push_back(w.name);
  j["workloads"] = workloads;
  auto counts = [](const std::array<std::uint64_t, models::kEventTypes>& a) {
    nlohmann::ordered_json c = nlohmann::ordered_json::object();
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (a[i] != 0) c[std::string(models::name(static_cast<models::EventType>(i)))] = a[i];
    }
    return c;
  };
  j["injected_events"] = counts(s.injected_events);
  j["golden_events"] = counts(s.golden_events);
  if (s.crash) {
    j["crash"] = {{"time", s.crash->time},
                  {"context", s.crash->context},
                  {"kind", std::string(models::name(s.crash->oops_kind))},
                  {"function", s.crash->text}};
  } else {
    j["crash"] = nullptr;
  }
  nlohmann::ordered_json obs = nlohmann::ordered_json::object();
  for (const ObservedOutcome& o : s.observed)
    obs[o.workload] = std::string(models::name(o.outcome));
  j["observed"] = obs;
  return j;
}

}  // namespace oopsim::traces
