#include "traces/import/recorded_locks.h"

#include <map>
#include <string>

#include "models/lock_primitives.h"

namespace oopsim::traces {

namespace {

bool spins(models::LockKind k) {
  return k == models::LockKind::kSpinlock || k == models::LockKind::kRwlock;
}

// The spinning-lock primitive whose function holds `insn` (nullptr: none).
const models::LockPrimitive* primitive_at(
    std::uint64_t insn, const Kallsyms& syms,
    const std::map<std::string, const models::LockPrimitive*>& by_symbol) {
  Kallsyms::Hit hit;
  if (!syms.lookup(insn, hit) || !hit.module.empty()) return nullptr;
  auto p = by_symbol.find(hit.name);
  return p == by_symbol.end() ? nullptr : p->second;
}

}  // namespace

std::vector<RecordedHold> recorded_holds(const MemRecord& record, const Kallsyms& syms) {
  std::map<std::string, const models::LockPrimitive*> by_symbol;
  for (const models::LockPrimitive& p : models::LockPrimitives::builtin().all()) {
    if (spins(p.kind)) by_symbol[p.symbol] = &p;
  }
  // The lock functions also write the CPU's preempt count (preemption off while held): a per-CPU
  // variable, never a lock word. Where it is: the record says (the plugin was told from the
  // kernel's BTF); older records, kallsyms's __preempt_count.
  std::uint64_t preempt_count =
      record.preempt_count.value_or(syms.address_of("__preempt_count").value_or(UINT64_MAX));
  std::map<std::uint64_t, RecordedHold> held;  // by lock address
  for (const MemWrite& w : record.writes) {
    if (w.region == "stack" || (w.region == "percpu" && w.address - w.start == preempt_count))
      continue;
    const models::LockPrimitive* p = primitive_at(w.insn, syms, by_symbol);
    if (p == nullptr) continue;
    if (p->op == models::LockPrimitive::Op::kTake && !p->conditional()) {
      held.try_emplace(w.address, RecordedHold{w.address, p->kind, p->mode, w.jiffies, w.ns});
    } else if (p->op == models::LockPrimitive::Op::kRelease) {
      auto h = held.find(w.address);
      if (h != held.end() && h->second.kind == p->kind) held.erase(h);
    }
  }
  std::vector<RecordedHold> out;
  for (const auto& [address, h] : held) out.push_back(h);
  return out;
}

}  // namespace oopsim::traces
