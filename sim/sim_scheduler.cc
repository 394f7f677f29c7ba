#include "sim/sim_scheduler.h"

namespace oopsim::sim {

void SimScheduler::awakened(boost::fibers::context* ctx, SimFiberProps& props) noexcept {
  ready_.push(Entry{std::max(props.wake, now_), seq_++, ctx});
}

boost::fibers::context* SimScheduler::pick_next() noexcept {
  if (ready_.empty()) return nullptr;
  Entry e = ready_.top();
  ready_.pop();
  now_ = std::max(now_, e.time);
  ++switches_;
  return e.ctx;
}

}  // namespace oopsim::sim
