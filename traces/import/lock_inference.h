// Lock-state inference for the importer: the trace shows lock calls, not who holds what, and it
// misses some (a release before the window, one in a context the filter hid, a holder that exited
// or oopsed). Per section, it keeps who holds and who waits for each lock and writes the lock
// events that follow: a take that conflicts waits (an attempt) until the context does anything
// else; a take the trace shows succeed releases the conflicting holders it did not see let go; a
// release by another context than the holder hands the lock over (a semaphore upped by another
// task); a release for a holder that already exited goes just before its exit.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "models/event.h"
#include "models/kernel_model.h"
#include "traces/format/trace.pb.h"
#include "traces/import/lock_catalog.h"
#include "traces/import/run_importer.h"

namespace oopsim::traces {

// Where a lock operation happened, for the events it writes.
struct OpSite {
  std::uint32_t site = 0;  // its site (0: unknown)
  std::string callee;      // the lock function of a take with no site (placed later)
  bool trylock = false;    // a trylock's take
};

// An event of `type` by context `ctx` at time `t` (the rest set by the caller).
inline trace::Event new_event(trace::Event::Type type, std::uint32_t ctx, std::uint64_t t) {
  trace::Event e;
  e.set_time(t);
  e.set_context(ctx);
  e.set_type(type);
  return e;
}

// The events of one section, in order, and the count of events written.
class EventOut {
 public:
  EventOut(std::vector<trace::Event>& events, ImportStats& stats)
      : events_(events), stats_(stats) {}
  void push(trace::Event e) {
    events_.push_back(std::move(e));
    ++stats_.events;
  }
  // An event of `type`; a lock event carries `op`'s site (or the take's callee) and trylock.
  void emit(models::EventType type, std::uint32_t ctx, std::uint64_t t, std::uint32_t lock = 0,
            models::LockMode mode = models::LockMode::kExclusive, const OpSite& op = {});
  std::vector<trace::Event>& events() { return events_; }
  ImportStats& stats() { return stats_; }

 private:
  std::vector<trace::Event>& events_;
  ImportStats& stats_;
};

class LockInference {
 public:
  LockInference(LockCatalog& catalog, EventOut& out) : catalog_(catalog), out_(out) {}

  // The context takes the lock: at once when nothing conflicts or `known_success`, else it waits.
  void acquire(std::uint32_t ctx, std::uint32_t lock, models::LockMode mode, std::uint64_t t,
               bool known_success, const OpSite& op = {});
  // It got the lock; `force`: whoever still held it in a conflicting mode let go unseen.
  void grant(std::uint32_t ctx, std::uint32_t lock, models::LockMode mode, std::uint64_t t,
             bool force, const OpSite& op = {});
  // `inferred`: the trace did not show this release.
  void release(std::uint32_t ctx, std::uint32_t lock, std::uint64_t t, bool inferred,
               const OpSite& op = {});
  // Every lock it holds (`spin_only`: only those whose waiters spin) let go at `t`.
  void release_all(std::uint32_t ctx, std::uint64_t t, bool spin_only);
  bool holds(std::uint32_t ctx, std::uint32_t lock) const;
  // A waiter that does anything else got its lock: the lock and mode it waited for.
  std::optional<std::pair<std::uint32_t, models::LockMode>> stop_waiting(std::uint32_t ctx);
  // The context's exit event is at `pos` in the section's events (later releases go before it).
  void exited_at(std::uint32_t ctx, std::size_t pos) { exit_pos_[ctx] = pos; }
  // It did not exit after all (it oopsed on its way out): its exit event goes.
  void unexit(std::uint32_t ctx);

 private:
  struct Held {
    std::uint32_t ctx;
    models::LockMode mode;
  };
  void release_before_exit(std::uint32_t ctx, std::uint32_t lock, std::size_t at);

  LockCatalog& catalog_;
  EventOut& out_;
  std::map<std::uint32_t, std::vector<Held>> holders_;
  std::map<std::uint32_t, std::vector<std::uint32_t>> held_by_;
  std::map<std::uint32_t, std::pair<std::uint32_t, models::LockMode>> waiting_;
  std::map<std::uint32_t, std::size_t> exit_pos_;  // context -> its exit event's index
};

}  // namespace oopsim::traces
