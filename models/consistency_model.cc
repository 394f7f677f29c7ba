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
}

void ConsistencyModel::taint(std::uint32_t object, std::string why) {
  if (marks_[object] == StateMark::kTainted) return;
  marks_[object] = StateMark::kTainted;
  why_[object] = std::move(why);
}

void ConsistencyModel::mark_possibly_inconsistent(std::uint32_t object, std::string why) {
  if (marks_[object] != StateMark::kClean) return;
  marks_[object] = StateMark::kPossiblyInconsistent;
  why_[object] = std::move(why);
}

void ConsistencyModel::discard(std::uint32_t object) {
  marks_[object] = StateMark::kClean;
  why_[object].clear();
}

}  // namespace oopsim::models
