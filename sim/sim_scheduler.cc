#include "sim/sim_scheduler.h"

namespace oopsim::sim {

void SimScheduler::awakened(boost::fibers::context* ctx, SimFiberProps& props) noexcept {
  // Boost.Fiber keeps its dispatcher context in the ready queue at all times. It has no
  // simulated work, so it goes last: it runs only when no fiber is ready, and never moves the
  // clock. Otherwise every switch would pass through it.
  if (ctx->is_context(boost::fibers::type::dispatcher_context)) {
    ready_.push(Entry{kNever, seq_++, ctx});
    return;
  }
  ready_.push(Entry{std::max(props.wake, now_), seq_++, ctx});
}

boost::fibers::context* SimScheduler::pick_next() noexcept {
  if (ready_.empty()) return nullptr;
  Entry e = ready_.top();
  ready_.pop();
  if (e.time != kNever) now_ = std::max(now_, e.time);
  if (!e.ctx->is_context(boost::fibers::type::dispatcher_context)) ++switches_;
  return e.ctx;
}

}  // namespace oopsim::sim
