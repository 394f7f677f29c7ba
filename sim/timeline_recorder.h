// Records a replay as a Chrome / Perfetto trace-event timeline: one track per kernel context with
// a slice for the context's life, async spans (b/e) for holding and waiting for each lock (they
// overlap without nesting when locks are taken hand over hand), instants for the
// fault's activation, oopses, policy actions and predicted detector reports, flow arrows from each
// waiter to the lock's holder. Slices before the crash are in category "injected", after it in
// "continuation"; a "phase" track shows the two. Waits that never end are drawn to the end.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "models/kernel_model.h"
#include "sim/replay_observer.h"

namespace oopsim::sim {

// A replay observer (sim/replay_observer.h); kNoContext instants go on the phase track.
class TimelineRecorder final : public ReplayObserver {
 public:
  TimelineRecorder(std::string title, std::string policy)
      : title_(std::move(title)), policy_(std::move(policy)) {}

  void start(const traces::TraceModel& model) override;
  void context(std::uint32_t index, const models::ContextInfo& info) override;
  void hold_begin(std::uint32_t context, std::uint32_t lock, const std::string& lock_name,
                  models::Ticks t) override;
  void hold_end(std::uint32_t context, std::uint32_t lock, models::Ticks t) override;
  // Flow arrows go from the waiter to each holder.
  void wait_begin(std::uint32_t context, std::uint32_t lock, const std::string& lock_name,
                  models::Ticks t, const std::vector<std::uint32_t>& holders) override;
  void wait_end(std::uint32_t context, models::Ticks t) override;
  void alive_end(std::uint32_t context, models::Ticks t, const std::string& why) override;
  void instant(std::uint32_t context, const std::string& name, models::Ticks t,
               const std::string& detail) override;
  void crash(models::Ticks t) override { crash_ = t; }
  // Sets out.timeline: {"traceEvents": [...], ...}, with what is still open closed at `end`.
  void finish(models::Ticks end, Prediction& out) override;

 private:
  struct Open {
    std::string name;
    models::Ticks since = 0;
  };
  double us(models::Ticks t) const {
    return static_cast<double>(t) * 1e6 / static_cast<double>(tps_);
  }
  std::string phase(models::Ticks t) const { return t < crash_ ? "injected" : "continuation"; }
  void slice(std::uint32_t context, const std::string& name, models::Ticks from, models::Ticks to,
             nlohmann::ordered_json args);
  void span(std::uint32_t context, const std::string& name, const std::string& id,
            models::Ticks from, models::Ticks to, nlohmann::ordered_json args);
  static std::string hold_id(std::uint32_t context, std::uint32_t lock);
  static std::string wait_id(std::uint32_t context);

  nlohmann::ordered_json to_json(models::Ticks end);

  std::string title_;
  std::string policy_;
  std::uint64_t tps_ = 1;
  models::Ticks crash_ = UINT64_MAX;
  nlohmann::ordered_json events_ = nlohmann::ordered_json::array();
  std::map<std::uint32_t, std::string> names_;
  std::map<std::uint32_t, models::Ticks> first_seen_;
  std::map<std::uint32_t, bool> ended_;
  std::map<std::pair<std::uint32_t, std::uint32_t>, Open> holds_;  // (context, lock)
  std::map<std::uint32_t, Open> waits_;                            // context
  std::uint64_t flow_ = 0;
};

}  // namespace oopsim::sim
