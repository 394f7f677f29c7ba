// A wakeup that never comes. When the context that would wake a sleeper is dead or stuck for good,
// its wakeup events are never replayed: the sleeper waits on it (a wait-for edge from the sleeper
// to the sender). A sleeper also waits on a blocked context that still has its wakeup queued.
// Captured traces carry these pairs for the ways to wait that are not locks (a completion, a
// folio's or buffer's bit: traces/import/wait_pairs.h), including a wait whose wakeup came before
// it slept.
#include <algorithm>
#include <map>

#include "sim/replay.h"
#include "sim/rules/rules.h"

namespace oopsim::sim::rules {
namespace {

class LostWakeups final : public Rule {
 public:
  using Rule::Rule;
  std::string_view name() const override { return "lost-wakeups"; }
  std::vector<std::string_view> scenarios() const override {
    return {"13_jbd2_commit_wakeup_never_comes",
            "06_usb_storage_kthread_required_no_proc",
            "48_flush_work_completion_never_completed_by_dead_worker_hung_task",
            "49_folio_lock_holder_dies_reader_hung_task",
            "51_completion_done_before_the_wait_still_needs_its_completer",
            "52_timed_wait_woken_by_the_timer_interrupt_goes_on"};
  }

  void on_dropped(const ContextSim& sender, const models::Event& e) override {
    if (e.type != models::EventType::kWakeup) return;
    // A replaced kernel serves it (replaced_kernel_wakeups.cc): not lost.
    if (replay_.of_replaced_kernel(sender)) return;
    replay_.sim(e.target_ix);  // the target gets a state: it is a vertex of the wait-for graph
    std::vector<std::uint32_t>& wakers = lost_[e.target_ix];
    if (std::find(wakers.begin(), wakers.end(), sender.index) == wakers.end()) {
      wakers.push_back(sender.index);
    }
  }

  void on_kernel_replaced() override {
    for (auto& [target, wakers] : lost_) {
      std::erase_if(wakers, [&](std::uint32_t w) {
        const ContextSim* s = replay_.peek(w);
        return s != nullptr && replay_.of_replaced_kernel(*s);
      });
    }
  }

  void add_wait_edges(WaitForGraph& g) const override {
    const auto& states = replay_.states();
    for (const auto& [target, wakers] : lost_) {
      const ContextSim* t = states[target].get();
      if (t->dead || t->state != NodeState::kSleeping) continue;
      for (std::uint32_t w : wakers) g.add_edge(target, w, UINT32_MAX);
    }
    for (const auto& c : states) {
      if (!c || (c->state != NodeState::kWaitingLock && c->state != NodeState::kSleeping)) continue;
      for (std::size_t i = 0; i < c->queue.size(); ++i) {
        const models::Event& e = c->queue[i];
        if (e.type != models::EventType::kWakeup) continue;
        const ContextSim* t = replay_.peek(e.target_ix);
        if (t != nullptr && t->state == NodeState::kSleeping)
          g.add_edge(e.target_ix, c->index, UINT32_MAX);
      }
    }
  }

 private:
  std::map<std::uint32_t, std::vector<std::uint32_t>> lost_;  // sleeper -> senders it still needs
};

}  // namespace

std::unique_ptr<Rule> make_lost_wakeups(Replay& replay) {
  return std::make_unique<LostWakeups>(replay);
}

}  // namespace oopsim::sim::rules
