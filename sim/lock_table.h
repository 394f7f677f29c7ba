// The simulated locks: who holds each (one exclusive holder or several shared ones), since when,
// and the FIFO queue of waiters. Pure bookkeeping: blocking and waking is the engine's job.
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

#include "models/kernel_model.h"

namespace oopsim::sim {

struct Holder {
  std::uint32_t context = 0;  // context index
  models::LockMode mode = models::LockMode::kExclusive;
  models::Ticks since = 0;
};

struct Waiter {
  std::uint32_t context = 0;
  models::LockMode mode = models::LockMode::kExclusive;
  models::Ticks since = 0;
};

class LockTable {
 public:
  explicit LockTable(std::size_t locks = 0) : locks_(locks) {}
  void resize(std::size_t locks) { locks_.resize(locks); }
  std::size_t size() const { return locks_.size(); }

  // Takes the lock if it is free for `mode` and nobody waits before; returns whether it did.
  bool try_acquire(std::uint32_t lock, std::uint32_t context, models::LockMode mode,
                   models::Ticks now);
  void enqueue(std::uint32_t lock, std::uint32_t context, models::LockMode mode, models::Ticks now);
  // Removes a waiter (it died); returns whether it was waiting.
  bool cancel_wait(std::uint32_t lock, std::uint32_t context);
  // Releases the context's hold; returns false if it did not hold the lock. The waiters that now
  // get the lock, in FIFO order (one writer, or every leading reader), are appended to `granted`.
  bool release(std::uint32_t lock, std::uint32_t context, models::Ticks now,
               std::vector<std::uint32_t>& granted);

  const std::vector<Holder>& holders(std::uint32_t lock) const { return locks_[lock].holders; }
  const std::deque<Waiter>& waiters(std::uint32_t lock) const { return locks_[lock].waiters; }
  bool holds(std::uint32_t lock, std::uint32_t context) const;

 private:
  struct State {
    std::vector<Holder> holders;
    std::deque<Waiter> waiters;
  };
  bool compatible(const State& s, models::LockMode mode) const;
  std::vector<State> locks_;
};

}  // namespace oopsim::sim
