#include "models/lock_primitives.h"

#include <fmt/format.h>

#include <utility>

#include "models/table_rows.h"

namespace oopsim::models {

extern const char* const kBuiltinLockPrimitives;

namespace {

struct ClassInfo {
  std::string_view name;
  LockKind kind;
  LockMode mode;
};
constexpr ClassInfo kClasses[] = {
    {"spinlock", LockKind::kSpinlock, LockMode::kExclusive},
    {"rwlock-read", LockKind::kRwlock, LockMode::kShared},
    {"rwlock-write", LockKind::kRwlock, LockMode::kExclusive},
    {"mutex", LockKind::kMutex, LockMode::kExclusive},
    {"rwsem-read", LockKind::kRwsem, LockMode::kShared},
    {"rwsem-write", LockKind::kRwsem, LockMode::kExclusive},
    {"semaphore", LockKind::kSemaphore, LockMode::kExclusive},
};

std::string parse_row(const std::vector<std::string>& w, LockPrimitive& p) {
  if (w.size() != 4) return fmt::format("{} words; want: symbol class op success", w.size());
  p.symbol = w[0];
  p.probe = w[0].rfind("_raw_", 0) == 0 ? w[0].substr(5) : w[0];
  const ClassInfo* cls = nullptr;
  for (const ClassInfo& c : kClasses) {
    if (c.name == w[1]) cls = &c;
  }
  if (cls == nullptr) return fmt::format("unknown class '{}'", w[1]);
  p.cls = w[1];
  p.kind = cls->kind;
  p.mode = cls->mode;
  if (w[2] == "take") {
    p.op = LockPrimitive::Op::kTake;
  } else if (w[2] == "release") {
    p.op = LockPrimitive::Op::kRelease;
  } else if (w[2] == "downgrade") {
    p.op = LockPrimitive::Op::kDowngrade;
  } else {
    return fmt::format("unknown op '{}' (take, release or downgrade)", w[2]);
  }
  bool take = p.op == LockPrimitive::Op::kTake;
  if (w[3] == "always" && take) {
    p.success = LockPrimitive::Success::kAlways;
  } else if (w[3] == "nonzero" && take) {
    p.success = LockPrimitive::Success::kNonzero;
  } else if (w[3] == "zero" && take) {
    p.success = LockPrimitive::Success::kZero;
  } else if (w[3] != "-" || take) {
    return fmt::format(
        "success '{}' does not fit op '{}' (a take: always, nonzero or zero; else -)", w[3], w[2]);
  }
  return "";
}

}  // namespace

const LockPrimitives& LockPrimitives::builtin() {
  return builtin_table<LockPrimitives>(kBuiltinLockPrimitives, "models/lock_primitives.txt");
}

bool LockPrimitives::add_rows(std::string_view text, std::string_view source, std::string& error) {
  return read_table_rows(
      text, source,
      [this](const std::vector<std::string>& w) -> std::string {
        LockPrimitive p;
        std::string bad = parse_row(w, p);
        if (!bad.empty()) return bad;
        if (by_probe(p.probe) != nullptr) return fmt::format("{} is listed twice", p.symbol);
        rows_.push_back(std::move(p));
        return "";
      },
      error);
}

const LockPrimitive* LockPrimitives::by_probe(std::string_view probe) const {
  for (const LockPrimitive& p : rows_) {
    if (p.probe == probe) return &p;
  }
  return nullptr;
}

}  // namespace oopsim::models
