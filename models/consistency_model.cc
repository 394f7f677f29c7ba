#include "models/consistency_model.h"

namespace oopsim::models {

std::string_view name(StateMark mark) {
  switch (mark) {
    case StateMark::kClean:
      return "clean";
    case StateMark::kTainted:
      return "tainted";
    case StateMark::kPossiblyInconsistent:
      return "possibly-inconsistent";
  }
  return "?";
}

void ConsistencyModel::resize(std::size_t objects) {
  marks_.resize(objects, StateMark::kClean);
  why_.resize(objects);
  tainted_bytes_.resize(objects);
  whole_.resize(objects, false);
}

void ConsistencyModel::taint(std::uint32_t object, std::string why) {
  whole_[object] = true;
  if (marks_[object] == StateMark::kTainted) return;
  marks_[object] = StateMark::kTainted;
  why_[object] = std::move(why);
}

void ConsistencyModel::taint_bytes(std::uint32_t object, std::uint64_t address, std::uint32_t size,
                                   std::string why) {
  tainted_bytes_[object].push_back({address, address + size});
  if (marks_[object] == StateMark::kTainted) return;
  marks_[object] = StateMark::kTainted;
  why_[object] = std::move(why);
}

bool ConsistencyModel::bad_at(std::uint32_t object, std::uint64_t address,
                              std::uint32_t size) const {
  if (marks_[object] != StateMark::kTainted || whole_[object]) return bad(object);
  for (const Bytes& b : tainted_bytes_[object]) {
    if (address < b.end && b.begin < address + size) return true;
  }
  return false;
}

void ConsistencyModel::mark_possibly_inconsistent(std::uint32_t object, std::string why) {
  if (marks_[object] != StateMark::kClean) return;
  marks_[object] = StateMark::kPossiblyInconsistent;
  why_[object] = std::move(why);
}

void ConsistencyModel::discard(std::uint32_t object) {
  marks_[object] = StateMark::kClean;
  why_[object].clear();
  tainted_bytes_[object].clear();
  whole_[object] = false;
}

}  // namespace oopsim::models
