// Ways to wait that are not locks (completions and bit waits: the wait and wake rows of
// models/lock_primitives.txt) as the trace's sleep and wakeup events, for one section.
//
// A wait's probe says who waits on what (the key: a completion, a flag bit) and in which state;
// the scheduler's tracepoints say when it sleeps inside the wait (a switch-out in state S or D)
// and who wakes it (sched_wakeup's running context). Each such sleep becomes a `sleep` naming
// the key, and the wakeup that ends it a `wakeup` of the sleeper by the waker: the engine then
// knows that the sleeper goes on only if the waker does. A sleep is kept only once its wakeup is
// seen, or when the run ends with the task still asleep in the wait: a wait that returned with no
// wakeup of that sleep in the record leaves it out, lest the replay keep the task asleep for ever.
// A wait that returned without sleeping still depended on someone: on the context that woke it
// before it could sleep, else on the last context that woke the same key before it returned (a
// completion completed first, a bit cleared first). It gets a `sleep` at its return and that
// context's `wakeup` at its time, so that a replay in which that context died first leaves the
// waiter waiting, as the kernel would.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <utility>
#include <vector>

#include "models/kernel_model.h"

#include "traces/format/trace.pb.h"
#include "traces/import/lock_inference.h"

namespace oopsim::traces {

// What a wait waits on: a completion's address, or the byte holding a waited-on bit.
struct WaitKey {
  std::uint64_t address = 0;
  models::LockKind kind = models::LockKind::kCompletion;
  auto operator<=>(const WaitKey&) const = default;
};

class WaitPairs {
 public:
  // The trace's lock id of a key, first waited on from `caller` (declared only when a sleep or a
  // wakeup names it).
  using Declare = std::function<std::uint32_t(const WaitKey& key, std::uint64_t caller)>;
  // `from`: wakes before this time are not replayed with the waits they ended (the golden run's
  // events before the crash are not replayed); 0: all are.
  WaitPairs(EventOut& out, Declare declare, std::uint64_t from)
      : out_(out), declare_(std::move(declare)), from_(from) {}

  // `ctx` enters a wait on `key` from `caller`; `reported`: in the state the hung-task detector
  // reports (D).
  void begin(std::uint32_t ctx, const WaitKey& key, std::uint64_t caller, bool reported);
  // Its wait returns.
  void end(std::uint32_t ctx, std::uint64_t t);
  // `ctx` wakes the waiters of `key` (complete(), a bit's wake).
  void wake(std::uint32_t ctx, const WaitKey& key, std::uint64_t t);
  // `ctx` switches out asleep (prev_state S or D).
  void sleeps(std::uint32_t ctx, std::uint64_t t);
  // `waker` wakes `target` (sched_wakeup).
  void woken(std::uint32_t waker, std::uint32_t target, std::uint64_t t);
  // The end of the section: the sleeps of tasks still asleep in a wait are kept.
  void finish();
  // The events placed earlier than the events around them (sleeps kept once their wakeup came,
  // wakeups of waits that did not sleep), to merge in time order.
  std::vector<trace::Event> take_early() { return std::move(early_); }

  std::uint64_t sleeps_paired() const { return paired_; }

 private:
  struct Wait {
    WaitKey key;
    std::uint64_t caller = 0;
    bool reported = true;
    bool asleep = false;          // switched out inside the wait, not yet woken
    std::uint64_t asleep_at = 0;  // when
    bool slept = false;           // slept at least once inside it
    std::uint32_t early_by = 0;   // woke it before it could sleep (0: nobody)
    std::uint64_t early_at = 0;
  };
  struct Wake {
    std::uint32_t ctx;
    std::uint64_t t;
  };
  void emit_sleep(std::uint32_t ctx, const Wait& w, std::uint64_t t, bool early);
  void emit_wakeup(std::uint32_t waker, std::uint32_t target, const Wait& w, std::uint64_t t,
                   bool early);

  EventOut& out_;
  Declare declare_;
  std::uint64_t from_;
  std::map<std::uint32_t, Wait> waits_;  // by waiting context
  std::map<WaitKey, Wake> last_wake_;
  std::vector<trace::Event> early_;
  std::uint64_t paired_ = 0;
};

}  // namespace oopsim::traces
