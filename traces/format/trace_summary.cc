#include "traces/format/trace_summary.h"

#include <fmt/format.h>

#include "traces/format/scope_tracker.h"

namespace oopsim::traces {

bool summarize(TraceReader& reader, TraceSummary& out, TraceError& error) {
  out.path = reader.path();
  ScopeTracker scope;
  bool crashed = false;
  while (true) {
    TraceReader::Item item = reader.next();
    if (item == TraceReader::Item::kError) {
      error = reader.error();
      return false;
    }
    if (item == TraceReader::Item::kEnd) break;
    if (item == TraceReader::Item::kSection) scope.on_section(reader.model(), reader.section());
    if (item != TraceReader::Item::kEvent) continue;
    const models::Event& e = reader.event();
    scope.on_event(reader.model(), reader.section(), e);
    auto type = static_cast<std::size_t>(e.type);
    if (e.access.size != 0 && e.type == models::EventType::kObjectWrite &&
        reader.section() == SectionKind::kInjected) {
      ++out.memory.writes;
      out.memory.harmless_writes += e.access.harmless_write();
    } else if (e.access.size != 0 && e.type == models::EventType::kObjectRead) {
      ++(reader.section() == SectionKind::kGolden ? out.memory.golden_reads
                                                  : out.memory.injected_reads);
    }
    if (reader.section() == SectionKind::kGolden) {
      ++out.golden_events[type];
    } else {
      ++out.injected_events[type];
      if (crashed) ++out.events_after_crash;
      crashed = crashed || e.type == models::EventType::kOops;
    }
  }
  out.model = reader.model();
  out.packets = reader.packets();
  out.crash = reader.crash();
  out.injected_end = reader.last_time(SectionKind::kInjected);
  out.golden_end = reader.last_time(SectionKind::kGolden);
  out.observed = reader.all_observed();
  ScopeFinding found = scope.finding(out.model);
  out.scope = found.scope;
  out.scope_why = found.why;
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
  if (!m.header.kernel_package.empty() || !m.header.kernel_build_id.empty()) {
    out += fmt::format("  kernel build {} (build id {})\n",
                       m.header.kernel_package.empty() ? "?" : m.header.kernel_package,
                       m.header.kernel_build_id.empty() ? "?" : m.header.kernel_build_id);
  }
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
  if (s.memory.any()) {
    out += fmt::format(
        "  memory record: {} writes by the activating context ({} may carry the error), reads "
        "of their bytes by others: {} injected, {} golden\n",
        s.memory.writes, s.memory.writes - s.memory.harmless_writes, s.memory.injected_reads,
        s.memory.golden_reads);
  }
  if (s.crash) {
    const models::ContextInfo* c = m.context(s.crash->context);
    out +=
        fmt::format("  crash: {} in {} by {} at {} ({} injected events after it)\n",
                    models::name(s.crash->oops_kind), s.crash->text.empty() ? "?" : s.crash->text,
                    c ? c->label() : "?", seconds(s.crash->time, tps), s.events_after_crash);
    if (s.scope) out += fmt::format("  scope: {}: {}\n", models::name(*s.scope), s.scope_why);
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
  j["kernel_package"] = m.header.kernel_package;
  j["kernel_build_id"] = m.header.kernel_build_id;
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
  if (s.memory.any()) {
    j["memory_record"] = {
        {"writes", s.memory.writes},
        {"writes_that_may_carry_the_error", s.memory.writes - s.memory.harmless_writes},
        {"injected_reads", s.memory.injected_reads},
        {"golden_reads", s.memory.golden_reads}};
  } else {
    j["memory_record"] = nullptr;
  }
  if (s.crash) {
    j["crash"] = {{"time", s.crash->time},
                  {"context", s.crash->context},
                  {"kind", std::string(models::name(s.crash->oops_kind))},
                  {"function", s.crash->text}};
  } else {
    j["crash"] = nullptr;
  }
  if (s.scope) {
    j["scope"] = std::string(models::name(*s.scope));
    j["scope_why"] = s.scope_why;
  } else {
    j["scope"] = nullptr;
  }
  nlohmann::ordered_json obs = nlohmann::ordered_json::object();
  for (const ObservedOutcome& o : s.observed)
    obs[o.workload] = std::string(models::name(o.outcome));
  j["observed"] = obs;
  return j;
}

}  // namespace oopsim::traces
