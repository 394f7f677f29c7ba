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
    {"completion", LockKind::kCompletion, LockMode::kExclusive},
    {"bit-wait", LockKind::kBitWait, LockMode::kExclusive},
    {"folio-lock", LockKind::kBitWait, LockMode::kExclusive},  // bit 0 (PG_locked) of the folio
};

std::string parse_op(const std::string& w, LockPrimitive& p) {
  using Op = LockPrimitive::Op;
  constexpr std::pair<std::string_view, Op> kOps[] = {{"take", Op::kTake},
                                                      {"release", Op::kRelease},
                                                      {"downgrade", Op::kDowngrade},
                                                      {"wait", Op::kWait},
                                                      {"wake", Op::kWake}};
  for (const auto& [name, op] : kOps) {
    if (w == name) {
      p.op = op;
      if (p.waits() != waitable(p.kind))
        return fmt::format(
            "op '{}' does not fit class '{}' (a lock is taken and released, a completion or a "
            "bit-wait is waited on and woken)",
            w, p.cls);
      return "";
    }
  }
  return fmt::format("unknown op '{}' (take, release, downgrade, wait or wake)", w);
}

std::string parse_detail(const std::string& w, const std::string& op, LockPrimitive& p) {
  using S = LockPrimitive::SleepState;
  constexpr std::pair<std::string_view, LockPrimitive::Success> kSuccess[] = {
      {"always", LockPrimitive::Success::kAlways},
      {"nonzero", LockPrimitive::Success::kNonzero},
      {"zero", LockPrimitive::Success::kZero}};
  constexpr std::pair<std::string_view, S> kStates[] = {
      {"D", S::kUninterruptible}, {"K", S::kKillable}, {"S", S::kInterruptible}};
  if (p.op == LockPrimitive::Op::kTake) {
    for (const auto& [name, s] : kSuccess) {
      if (w != name) continue;
      p.success = s;
      return "";
    }
  } else if (p.op == LockPrimitive::Op::kWait) {
    for (const auto& [name, s] : kStates) {
      if (w != name) continue;
      p.state = s;
      return "";
    }
    // argN: the state is the caller's Nth argument (wait_on_bit's 4th, 6.12's
    // wait_for_completion_state's 2nd).
    if (w.size() == 4 && w.rfind("arg", 0) == 0 && w[3] >= '1' && w[3] <= '6') {
      p.state = S::kArgument;
      p.state_arg = static_cast<unsigned>(w[3] - '0');
      return "";
    }
  } else if (w == "-") {
    return "";
  }
  return fmt::format(
      "detail '{}' does not fit op '{}' (a take: always, nonzero or zero; a wait: D, K, S or "
      "arg1-arg6; else -)",
      w, op);
}

std::string parse_row(const std::vector<std::string>& w, LockPrimitive& p) {
  if (w.size() != 4) return fmt::format("{} words; want: symbol class op detail", w.size());
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
  std::string bad = parse_op(w[2], p);
  return bad.empty() ? parse_detail(w[3], w[2], p) : bad;
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
