// Oopses: the injected crash, the later ones the rules predict, and the findings they leave on the
// workloads. The policy decides what each oops does (policies/).
#include <fmt/format.h>

#include "models/cpu_state.h"
#include "sim/replay.h"

namespace oopsim::sim {

void Replay::oops(ContextSim& c, const models::Event& e, bool first) {
  if (first) observers_.crash(sched_->now());
  observers_.instant(c.index, first ? "oops (the crash)" : "oops", sched_->now(),
                     fmt::format("{} in {}", models::name(e.oops_kind), e.text));
  c.oopsed_in = e.text;
  if (first) crash(c, e);
  tell_policy(c, e.oops_kind, e.text, first, "");
  check_alive(c);
}

void Replay::crash(ContextSim& c, const models::Event& e) {
  crash_.crashed = true;
  crash_.faulty = c.index;
  crash_.sim_time = sched_->now();
  if (e.has_cpu_state) crash_.preempt_count = e.preempt_count;
  for (const std::unique_ptr<Rule>& r : rules_) r->on_crash(c);
  if (model_.header.window != 0) crash_.window_end = crash_.sim_time + model_.header.window;
  const models::ContextInfo& info = model_.contexts[c.index];
  out_.crash_time = crash_.sim_time;
  out_.crash_context = info.label();
  out_.crash_context_kind = std::string(models::name(info.kind));
  out_.crash_kind = e.oops_kind;
  out_.crash_function = e.text;
  std::string held;
  for (const HeldLock& h : c.held)
    held += (held.empty() ? "" : ", ") + model_.locks[h.lock].label();
  std::string cpu;
  if (crash_.preempt_count) {
    cpu = fmt::format(", on a CPU in {} (preempt count {:#x}{})",
                      models::context_state(*crash_.preempt_count), *crash_.preempt_count,
                      e.irqs_disabled ? ", interrupts off" : "");
  }
  note(fmt::format("crash: {} in {} ({} context {}{}){}", models::name(e.oops_kind),
                   e.text.empty() ? "?" : e.text, models::name(info.kind), info.label(), cpu,
                   held.empty() ? ", holding no lock" : ", holding " + held));
}

void Replay::tell_policy(ContextSim& c, models::OopsKind kind, std::string function, bool first,
                         std::string how) {
  policies::OopsView view;
  view.context = c.id;
  view.time = sched_->now();
  view.kind = kind;
  view.function = std::move(function);
  view.first = first;
  view.how = std::move(how);
  if (first) view.preempt_count = crash_.preempt_count;
  policy_.on_oops(view, *this);
}

void Replay::oops_again(ContextSim& c, models::OopsKind kind, std::string function) {
  models::Event again;
  again.type = models::EventType::kOops;
  again.oops_kind = kind;
  again.text = std::move(function);
  oops(c, again, false);
}

void Replay::oops_of(ContextSim& c, models::OopsKind kind, std::string function, std::string how,
                     std::string_view detail) {
  c.oopsed_in = function;
  observers_.instant(c.index, "oops", sched_->now(),
                     fmt::format("{} in {} ({})", models::name(kind), function, detail));
  // The policy acts on it as on any other: a killed context's fiber unwinds when it next runs
  // (kill wakes it), and init cannot be killed: the kernel panics.
  tell_policy(c, kind, std::move(function), false, std::move(how));
}

void Replay::finding(std::uint32_t context, models::Outcome outcome, std::string why,
                     bool required_only, std::optional<models::Ticks> when) {
  const models::ContextInfo& info = model_.contexts[context];
  for (std::size_t w = 0; w < model_.workloads.size(); ++w) {
    const models::WorkloadInfo& wl = model_.workloads[w];
    bool counts =
        required_only ? models::requires_context(wl, info.id) : models::needs_context(wl, info);
    if (counts) verdicts_[w].add(models::Finding{when ? *when : sched_->now(), outcome, why});
  }
}

}  // namespace oopsim::sim
