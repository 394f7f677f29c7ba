// Records a replay as a Chrome / Perfetto trace-event timeline: one track per kernel context,
// slices for holding and waiting for each lock and for the context's life, instants for the
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

namespace oopsim::sim {

class TimelineRecorder {
 public:
  static constexpr std::uint32_t kNoContext = UINT32_MAX;  // instants on the phase track

  TimelineRecorder(std::string title, std::uint64_t ticks_per_second)
      : title_(std::move(title)), tps_(ticks_per_second) {}

  void context(std::uint32_t index, const std::string& name);
  void hold_begin(std::uint32_t context, std::uint32_t lock, const std::string& lock_name,
                  models::Ticks t);
  void hold_end(std::uint32_t context, std::uint32_t lock, models::Ticks t);
  // `holders`: contexts holding the lock when the wait began (flow arrows go to them).
  void wait_begin(std::uint32_t context, std::uint32_t lock, const std::string& lock_name,
                  models::Ticks t, const std::vector<std::uint32_t>& holders);
  void wait_end(std::uint32_t context, models::Ticks t);
  void alive_end(std::uint32_t context, models::Ticks t, const std::string& why);
  void instant(std::uint32_t context, const std::string& name, models::Ticks t,
               const std::string& detail);
  void crash(models::Ticks t) { crash_ = t; }

  // Closes what is still open at `end` and returns {"traceEvents": [...], ...}.
  nlohmann::ordered_json finish(models::Ticks end, const std::string& policy);

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

  std::string title_;
  std::uint64_t tps_;
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
