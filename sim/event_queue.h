// A context's events delivered and not yet replayed: first in, first out, in a ring whose memory
// is kept and reused. (A std::deque of events allocated a block for every two events, and a
// vector taken from the front had to be moved down: together about a tenth of the engine's
// time.) The ring doubles when full; its slots are reused as it goes round.
#pragma once

#include <cstddef>
#include <vector>

#include "models/event.h"

namespace oopsim::sim {

class EventQueue {
 public:
  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }
  void push_back(const models::Event& e) {
    if (size_ == slots_.size()) grow();
    slots_[(head_ + size_) & (slots_.size() - 1)] = e;
    ++size_;
  }
  models::Event& front() { return slots_[head_]; }
  void pop_front() {
    head_ = (head_ + 1) & (slots_.size() - 1);
    if (--size_ == 0) head_ = 0;
  }
  void clear() { head_ = size_ = 0; }
  // The i-th queued event (0: the front).
  const models::Event& operator[](std::size_t i) const {
    return slots_[(head_ + i) & (slots_.size() - 1)];
  }

 private:
  void grow() {
    std::vector<models::Event> bigger(slots_.empty() ? 16 : slots_.size() * 2);
    for (std::size_t i = 0; i < size_; ++i)
      bigger[i] = std::move(slots_[(head_ + i) & (slots_.size() - 1)]);
    slots_ = std::move(bigger);
    head_ = 0;
  }

  std::vector<models::Event> slots_;  // a power of two of them
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace oopsim::sim
