// The consistency model: which kernel state the crash may have left wrong, and why.
//   tainted               written by the faulting context after the fault's activation
//   possibly-inconsistent guarded by a lock its holder held when it died (a critical section cut
//                         short), once a policy lets others in
// Discarding state (a subsystem restart, a rolled-back request, a reboot) makes it clean again.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace oopsim::models {

enum class StateMark { kClean, kTainted, kPossiblyInconsistent };
std::string_view name(StateMark mark);

class ConsistencyModel {
 public:
  void resize(std::size_t objects);
  std::size_t size() const { return marks_.size(); }

  // Each keeps the first reason; a tainted object stays tainted.
  void taint(std::uint32_t object, std::string why);
  // Taints the bytes [address, address + size) of the object (a recorded write): a read that
  // records its bytes finds the object bad only where they overlap tainted ones.
  void taint_bytes(std::uint32_t object, std::uint64_t address, std::uint32_t size,
                   std::string why);
  void mark_possibly_inconsistent(std::uint32_t object, std::string why);
  void discard(std::uint32_t object);

  StateMark mark(std::uint32_t object) const { return marks_[object]; }
  bool bad(std::uint32_t object) const { return marks_[object] != StateMark::kClean; }
  // Bad where the bytes [address, address + size) lie: a whole object tainted without bytes
  // recorded, or possibly inconsistent, is bad everywhere.
  bool bad_at(std::uint32_t object, std::uint64_t address, std::uint32_t size) const;
  const std::string& why(std::uint32_t object) const { return why_[object]; }

 private:
  std::vector<StateMark> marks_;
  std::vector<std::string> why_;
  struct Bytes {
    std::uint64_t begin, end;
  };
  std::vector<std::vector<Bytes>> tainted_bytes_;  // empty: the whole object (or not tainted)
  std::vector<bool> whole_;                        // tainted without bytes recorded
};

}  // namespace oopsim::models
