// The importer's locks and sites: each lock (an address and a kind: memory freed and reused for
// another kind of lock is another lock, FORMAT.md) gets an id, a name (a static lock by its
// symbol, a dynamic one by the function that takes it) and a subsystem (its module, else the
// symbol rules in models/subsystem_rules.txt); each site (a function and offset that takes or
// releases a lock) gets an id.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "models/kernel_model.h"
#include "traces/format/trace.pb.h"
#include "traces/import/kallsyms.h"

namespace oopsim::traces {

class LockCatalog {
 public:
  using Where = std::pair<std::string, std::uint64_t>;  // function, offset
  // The offset in `function` of the return address of its last call to `callee` at or before
  // `before` (0: unknown), read from the kernel's text.
  using CallSite = std::function<std::uint64_t(const std::string& function, std::uint64_t before,
                                               const std::string& callee)>;

  explicit LockCatalog(const Kallsyms& syms) : syms_(syms) {}

  // The lock at `address` of `kind`, first taken at `caller` (a return address; 0: unknown).
  std::uint32_t lock_for(std::uint64_t address, models::LockKind kind, std::uint64_t caller);
  // The site of a return address (0: unknown, or a return probe's trampoline).
  std::uint32_t site_for(std::uint64_t caller);
  // A take whose caller is unknown (a return probe's trampoline stood in for it) happened, most
  // likely, in the function that releases the lock next: it gets a site in that function, at its
  // last call to the take's lock function (the take's text) before the release, or at offset 0
  // (somewhere before the release) when the text does not say. Clears the takes' texts.
  void place_unknown_takes(std::vector<trace::Event>& events, const CallSite& call_site);
  // Released by a context that did not take it (a semaphore upped by another task).
  void hand_over(std::uint32_t lock) { handed_over_.insert(lock); }

  models::LockKind kind(std::uint32_t lock) const {
    return static_cast<models::LockKind>(locks_[lock - 1].kind() - 1);
  }
  // The locks as packets (handed_over set), and the sites by id.
  std::vector<trace::Lock> locks() const;
  std::vector<std::pair<std::uint32_t, Where>> sites() const;
  std::size_t lock_count() const { return locks_.size(); }

 private:
  const Kallsyms& syms_;
  std::map<std::pair<std::uint64_t, models::LockKind>, std::uint32_t> lock_ids_;
  std::vector<trace::Lock> locks_;
  std::set<std::uint32_t> handed_over_;
  std::map<Where, std::uint32_t> site_ids_;
};

}  // namespace oopsim::traces
