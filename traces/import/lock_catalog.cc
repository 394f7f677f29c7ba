#include "traces/import/lock_catalog.h"

#include <fmt/format.h>

#include <algorithm>

#include "models/subsystem_rules.h"
#include "traces/format/packet_decoder.h"

namespace oopsim::traces {

std::uint32_t LockCatalog::lock_for(std::uint64_t address, models::LockKind kind,
                                    std::uint64_t caller) {
  auto it = lock_ids_.find({address, kind});
  if (it != lock_ids_.end()) return it->second;
  trace::Lock l;
  l.set_id(static_cast<std::uint32_t>(locks_.size() + 1));
  l.set_address(address);
  l.set_kind(encode(kind));
  Kallsyms::Hit data, code;
  std::string name, subsystem;
  bool is_static = syms_.lookup(address, data) &&
                   (data.type == 'd' || data.type == 'D' || data.type == 'b' || data.type == 'B') &&
                   data.offset < 4096;
  bool have_caller = syms_.lookup(caller, code);
  if (is_static) {
    name = data.offset == 0 ? data.name : fmt::format("{}+{:#x}", data.name, data.offset);
  } else if (have_caller) {
    // a dynamic lock, named by where it is taken (a waitable by where it is waited on)
    name = fmt::format("{}@{}", models::waitable(kind) ? models::name(kind) : "lock", code.name);
  } else {
    name = fmt::format("lock@{:#x}", address);
  }
  if (have_caller && !code.module.empty()) {
    subsystem = code.module == "fat" || code.module == "vfat" ? "vfat" : code.module;
  } else if (have_caller) {
    subsystem = models::SubsystemRules::builtin().for_symbol(code.name);
  }
  l.set_name(name);
  if (!subsystem.empty()) l.set_subsystem(subsystem);
  locks_.push_back(l);
  lock_ids_.emplace(std::pair{address, kind}, l.id());
  return l.id();
}

std::uint32_t LockCatalog::site_for(std::uint64_t caller) {
  Kallsyms::Hit code;
  if (caller == 0 || !syms_.lookup(caller, code)) return 0;
  if (code.name.rfind("arch_rethook", 0) == 0) return 0;  // a return probe's trampoline
  auto [it, added] = site_ids_.emplace(std::pair{code.name, code.offset},
                                       static_cast<std::uint32_t>(site_ids_.size() + 1));
  return it->second;
}

void LockCatalog::place_unknown_takes(std::vector<trace::Event>& events,
                                      const CallSite& call_site) {
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::size_t> open;  // (ctx, lock) -> take
  std::vector<std::pair<std::string, std::uint64_t>> where(site_ids_.size() + 1);
  for (const auto& [w, id] : site_ids_) where[id] = w;
  for (std::size_t i = 0; i < events.size(); ++i) {
    trace::Event& e = events[i];
    if (e.lock() == 0) continue;
    std::pair key{e.context(), e.lock()};
    if (e.type() == trace::Event::LOCK_ATTEMPT || e.type() == trace::Event::LOCK_ACQUIRED) {
      if (e.site() == 0) {
        open.emplace(key, i);  // an attempt, then the acquisition that confirms it
      } else {
        open.erase(key);
      }
    } else if (e.type() == trace::Event::LOCK_RELEASE) {
      auto it = open.find(key);
      if (it == open.end()) continue;
      std::size_t take = it->second;
      open.erase(it);
      if (e.site() == 0 || e.site() >= where.size()) continue;
      const auto& [function, release_at] = where[e.site()];
      std::uint64_t at = 0;
      if (call_site && !events[take].text().empty())
        at = call_site(function, release_at, events[take].text());
      auto [sit, added] = site_ids_.emplace(std::pair{function, at},
                                            static_cast<std::uint32_t>(site_ids_.size() + 1));
      if (added) where.push_back(sit->first);
      // An attempt and the acquisition that confirms it are one take: both get the site.
      for (std::size_t j = take; j < i; ++j) {
        trace::Event& t = events[j];
        if (t.context() == e.context() && t.lock() == e.lock() && t.site() == 0 &&
            (t.type() == trace::Event::LOCK_ATTEMPT || t.type() == trace::Event::LOCK_ACQUIRED))
          t.set_site(sit->second);
      }
    }
  }
  for (trace::Event& e : events) {
    if (e.type() == trace::Event::LOCK_ATTEMPT || e.type() == trace::Event::LOCK_ACQUIRED)
      e.clear_text();
  }
}

std::vector<trace::Lock> LockCatalog::locks() const {
  std::vector<trace::Lock> out = locks_;
  for (trace::Lock& l : out) {
    if (handed_over_.count(l.id()) != 0) l.set_handed_over(true);
  }
  return out;
}

std::vector<std::pair<std::uint32_t, LockCatalog::Where>> LockCatalog::sites() const {
  std::vector<std::pair<std::uint32_t, Where>> out;
  for (const auto& [where, id] : site_ids_) out.emplace_back(id, where);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace oopsim::traces
