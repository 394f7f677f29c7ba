#include "sim/timeline_recorder.h"

#include <algorithm>

#include "sim/prediction.h"
#include "traces/format/trace_model.h"

namespace oopsim::sim {

using json = nlohmann::ordered_json;

namespace {
constexpr int kPid = 1;
constexpr std::uint32_t kPhaseTrack = 0;  // context tracks are index + 1
}  // namespace

void TimelineRecorder::start(const traces::TraceModel& model) {
  tps_ = model.header.ticks_per_second;
}

void TimelineRecorder::context(std::uint32_t index, const models::ContextInfo& info) {
  names_[index] = info.label();
}

void TimelineRecorder::finish(models::Ticks end, Prediction& out) {
  out.timeline = to_json(end);
}

void TimelineRecorder::slice(std::uint32_t context, const std::string& name, models::Ticks from,
                             models::Ticks to, json args) {
  if (!first_seen_.count(context)) first_seen_[context] = from;
  first_seen_[context] = std::min(first_seen_[context], from);
  json e = {{"name", name},       {"cat", phase(from)},       {"ph", "X"},
            {"ts", us(from)},     {"dur", us(to) - us(from)}, {"pid", kPid},
            {"tid", context + 1}, {"args", std::move(args)}};
  events_.push_back(std::move(e));
}

void TimelineRecorder::span(std::uint32_t context, const std::string& name, const std::string& id,
                            models::Ticks from, models::Ticks to, json args) {
  if (!first_seen_.count(context)) first_seen_[context] = from;
  first_seen_[context] = std::min(first_seen_[context], from);
  // An async span (b/e): lock holds and waits overlap without nesting (locks taken hand over
  // hand), which complete (X) slices on the context's own track cannot show. One id per context
  // and lock (a hold) or per context (a wait): the spans of one id never overlap.
  std::string cat = phase(from);
  events_.push_back({{"name", name},
                     {"cat", cat},
                     {"ph", "b"},
                     {"id", id},
                     {"ts", us(from)},
                     {"pid", kPid},
                     {"tid", context + 1}});
  events_.push_back({{"name", name},
                     {"cat", cat},
                     {"ph", "e"},
                     {"id", id},
                     {"ts", us(to)},
                     {"pid", kPid},
                     {"tid", context + 1},
                     {"args", std::move(args)}});
}

std::string TimelineRecorder::hold_id(std::uint32_t context, std::uint32_t lock) {
  return "hold/" + std::to_string(context) + "/" + std::to_string(lock);
}

std::string TimelineRecorder::wait_id(std::uint32_t context) {
  return "wait/" + std::to_string(context);
}

void TimelineRecorder::hold_begin(std::uint32_t context, std::uint32_t lock,
                                  const std::string& lock_name, models::Ticks t) {
  holds_[{context, lock}] = Open{"hold " + lock_name, t};
  if (!first_seen_.count(context)) first_seen_[context] = t;
}

void TimelineRecorder::hold_end(std::uint32_t context, std::uint32_t lock, models::Ticks t) {
  auto it = holds_.find({context, lock});
  if (it == holds_.end()) return;
  span(context, it->second.name, hold_id(context, lock), it->second.since, t, json::object());
  holds_.erase(it);
}

void TimelineRecorder::wait_begin(std::uint32_t context, std::uint32_t lock,
                                  const std::string& lock_name, models::Ticks t,
                                  const std::vector<std::uint32_t>& holders) {
  waits_[context] = Open{"wait " + lock_name, t};
  if (!first_seen_.count(context)) first_seen_[context] = t;
  (void)lock;
  for (std::uint32_t h : holders) {
    std::uint64_t id = ++flow_;
    events_.push_back({{"name", "waits for"},
                       {"cat", "flow"},
                       {"ph", "s"},
                       {"id", id},
                       {"ts", us(t)},
                       {"pid", kPid},
                       {"tid", context + 1}});
    events_.push_back({{"name", "waits for"},
                       {"cat", "flow"},
                       {"ph", "f"},
                       {"bp", "e"},
                       {"id", id},
                       {"ts", us(t)},
                       {"pid", kPid},
                       {"tid", h + 1}});
  }
}

void TimelineRecorder::wait_end(std::uint32_t context, models::Ticks t) {
  auto it = waits_.find(context);
  if (it == waits_.end()) return;
  span(context, it->second.name, wait_id(context), it->second.since, t, json{{"forever", false}});
  waits_.erase(it);
}

void TimelineRecorder::alive_end(std::uint32_t context, models::Ticks t, const std::string& why) {
  if (ended_[context]) return;
  ended_[context] = true;
  models::Ticks from = first_seen_.count(context) ? first_seen_[context] : t;
  slice(context, "alive", from, t, json{{"end", why}});
}

void TimelineRecorder::instant(std::uint32_t context, const std::string& name, models::Ticks t,
                               const std::string& detail) {
  std::uint32_t tid = context == kNoContext ? kPhaseTrack : context + 1;
  events_.push_back({{"name", name},
                     {"cat", phase(t)},
                     {"ph", "i"},
                     {"s", "t"},
                     {"ts", us(t)},
                     {"pid", kPid},
                     {"tid", tid},
                     {"args", {{"detail", detail}}}});
}

json TimelineRecorder::to_json(models::Ticks end) {
  const std::string& policy = policy_;
  for (auto& [key, open] : holds_) {
    span(key.first, open.name, hold_id(key.first, key.second), open.since, end,
         json{{"held_at_end", true}});
  }
  holds_.clear();
  for (auto& [ctx, open] : waits_)
    span(ctx, open.name, wait_id(ctx), open.since, end, json{{"forever", true}});
  waits_.clear();
  for (const auto& [ctx, name] : names_) {
    if (first_seen_.count(ctx) && !ended_[ctx]) alive_end(ctx, end, "end of replay");
  }
  json meta = json::array();
  meta.push_back({{"name", "process_name"},
                  {"ph", "M"},
                  {"pid", kPid},
                  {"args", {{"name", title_ + " under " + policy}}}});
  meta.push_back({{"name", "thread_name"},
                  {"ph", "M"},
                  {"pid", kPid},
                  {"tid", kPhaseTrack},
                  {"args", {{"name", "phase"}}}});
  for (const auto& [ctx, name] : names_) {
    meta.push_back({{"name", "thread_name"},
                    {"ph", "M"},
                    {"pid", kPid},
                    {"tid", ctx + 1},
                    {"args", {{"name", name}}}});
  }
  models::Ticks crash = std::min(crash_, end);
  meta.push_back({{"name", "injected run (recorded)"},
                  {"cat", "injected"},
                  {"ph", "X"},
                  {"ts", 0.0},
                  {"dur", us(crash)},
                  {"pid", kPid},
                  {"tid", kPhaseTrack},
                  {"args", json::object()}});
  meta.push_back({{"name", "continuation under " + policy + " (predicted)"},
                  {"cat", "continuation"},
                  {"ph", "X"},
                  {"ts", us(crash)},
                  {"dur", us(end) - us(crash)},
                  {"pid", kPid},
                  {"tid", kPhaseTrack},
                  {"args", json::object()}});
  for (auto& e : events_) meta.push_back(std::move(e));
  events_ = json::array();
  return json{{"traceEvents", std::move(meta)},
              {"displayTimeUnit", "ns"},
              {"otherData", {{"tool", "oopsim simrun"}, {"policy", policy}}}};
}

}  // namespace oopsim::sim
