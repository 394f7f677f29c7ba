// Trace id -> dense index. Ids are usually small and dense (1, 2, 3...), so they live in a
// vector; ids too large for that fall back to a hash map. Lookups are on every event's path.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

namespace oopsim::traces {

class IdIndex {
 public:
  static constexpr std::uint32_t kNone = UINT32_MAX;
  static constexpr std::uint32_t kDenseLimit = 1u << 20;

  // kNone when the id is unknown.
  std::uint32_t find(std::uint32_t id) const {
    if (id < dense_.size()) return dense_[id];
    if (id < kDenseLimit) return kNone;
    auto it = sparse_.find(id);
    return it == sparse_.end() ? kNone : it->second;
  }
  bool contains(std::uint32_t id) const { return find(id) != kNone; }
  // For ids that were checked to exist; an unknown id is a broken invariant.
  std::uint32_t at(std::uint32_t id) const {
    std::uint32_t i = find(id);
    if (i == kNone) throw std::out_of_range("unknown trace id " + std::to_string(id));
    return i;
  }
  // Returns false if the id is already there.
  bool insert(std::uint32_t id, std::uint32_t index) {
    if (contains(id)) return false;
    if (id < kDenseLimit) {
      if (id >= dense_.size()) dense_.resize(id + 1, kNone);
      dense_[id] = index;
    } else {
      sparse_.emplace(id, index);
    }
    return true;
  }

 private:
  std::vector<std::uint32_t> dense_;
  std::unordered_map<std::uint32_t, std::uint32_t> sparse_;
};

}  // namespace oopsim::traces
