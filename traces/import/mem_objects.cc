#include "traces/import/mem_objects.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

namespace oopsim::traces {

namespace {

constexpr std::uint64_t kKernelHalf = 0xffff800000000000ull;

bool kernel_address(std::uint64_t v) {
  return v >= kKernelHalf;
}

// The vmlinux symbol whose bytes hold `address` (up to the next symbol; the last one: 8 bytes).
bool symbol_at(const Kallsyms& syms, std::uint64_t address, std::string& name, std::uint64_t& start,
               std::uint64_t& size) {
  const Kallsyms::Sym* at = nullptr;
  std::uint64_t end = 0;
  if (!syms.span(address, at, end) || !at->module.empty()) return false;
  name = at->name;
  start = at->address;
  size = end == 0 ? 8 : end - start;
  return true;
}

struct Placed {  // the object a W line's bytes lie in
  int region = 0;
  std::uint64_t start = 0, size = 0;
  std::string name;
};

Placed place(const MemWrite& w, const MemActivation& a, const Kallsyms* syms) {
  Placed p{mem_region_code(w.region), w.start, w.length, ""};
  std::string sym;
  std::uint64_t s = 0, n = 0;
  if (w.region == "stack") {
    p.name = fmt::format("stack of {}[{}]", a.who.comm, a.who.pid);
  } else if (w.region == "task") {
    p.name = fmt::format("task_struct of {}[{}]", a.who.comm, a.who.pid);
  } else if (w.region == "global") {
    if (syms && symbol_at(*syms, w.address, sym, s, n)) {
      p = {p.region, s, n, sym};
    } else {
      p = {p.region, w.address & ~7ull, 8, fmt::format("global@{:#x}", w.address & ~7ull)};
    }
  } else if (w.region == "percpu") {
    if (syms && symbol_at(*syms, w.address - w.start, sym, s, n) && !kernel_address(s)) {
      p = {p.region, w.start + s, n, fmt::format("{} ({})", sym, w.name)};
    } else {
      p.name = fmt::format("percpu+{:#x} ({})", w.address - w.start, w.name);
      p.start = w.address & ~7ull;
      p.size = 8;
    }
  } else if (w.region == "slab") {
    p.name = fmt::format("{}@{:#x}", w.name.empty() ? "slab" : w.name, w.start);
  } else {
    p.name = fmt::format("{}@{:#x}", w.region, w.start);
  }
  return p;
}

struct Builder {
  const MemImportInput& in;
  MemImport out;
  std::vector<std::uint32_t> object_of_write;  // by W line (0-based): object index
  std::map<std::tuple<int, std::uint64_t>, std::uint32_t> by_key;  // (region, start)
  std::vector<std::set<std::uint32_t>> readers;  // by object: contexts recorded reading it
  std::vector<bool> pointer;                     // by object: a changed write involves an address

  std::optional<std::uint32_t> object_at(std::uint64_t address, std::uint32_t size) const {
    for (std::uint32_t i = 0; i < out.objects.size(); ++i) {
      const trace::Object& o = out.objects[i];
      if (address < o.address() + o.size() && o.address() < address + size) return i;
    }
    return std::nullopt;
  }

  std::optional<std::uint64_t> time_before_crash(std::uint64_t jiffies,
                                                 std::optional<std::uint64_t> ns) const {
    auto t = in.time(jiffies, ns);
    if (t && in.crash_time && *t >= *in.crash_time) t = *in.crash_time > 0 ? *in.crash_time - 1 : 0;
    return t;
  }

  void objects(const MemActivation& a) {
    for (const MemWrite& w : in.injected->writes) {
      Placed p = place(w, a, in.syms);
      auto [it, added] = by_key.emplace(std::tuple{p.region, p.start},
                                        static_cast<std::uint32_t>(out.objects.size()));
      if (added) {
        trace::Object o;
        o.set_id(in.first_object_id + static_cast<std::uint32_t>(out.objects.size()));
        o.set_name(p.name);
        o.set_region(static_cast<trace::Object::Region>(p.region));
        o.set_address(p.start);
        o.set_size(std::max<std::uint64_t>(p.size, 1));
        if (p.region == trace::Object::STACK || p.region == trace::Object::TASK)
          o.set_owner(out.activator);
        out.objects.push_back(std::move(o));
        readers.emplace_back();
        pointer.push_back(false);
      }
      object_of_write.push_back(it->second);
    }
  }

  // The values the fault-free run's activating context wrote, by (bytes, size) and by
  // (instruction, size): the same store instruction writing the same value is the same write
  // to another task's copy (its stack, its task_struct) when the runs' activating tasks differ.
  using Writes = std::map<std::tuple<std::uint64_t, std::uint32_t>, std::set<std::uint64_t>>;
  std::pair<Writes, Writes> golden_writes() const {
    Writes by_bytes, by_insn;
    if (in.golden) {
      for (const MemWrite& w : in.golden->writes) {
        by_bytes[{w.address, w.size}].insert(w.value);
        by_insn[{w.insn, w.size}].insert(w.value);
      }
    }
    return {by_bytes, by_insn};
  }

  void writes(std::uint64_t activation_time) {
    auto [golden, golden_insn] = golden_writes();
    for (std::size_t i = 0; i < in.injected->writes.size(); ++i) {
      const MemWrite& w = in.injected->writes[i];
      auto t = time_before_crash(w.jiffies, w.ns);
      if (!t) continue;
      trace::Event e;
      e.set_time(std::max(*t, activation_time));
      e.set_context(out.activator);
      e.set_type(trace::Event::OBJECT_WRITE);
      e.set_object(out.objects[object_of_write[i]].id());
      e.set_address(w.address);
      e.set_size(w.size);
      bool same = false;
      if (in.golden) {
        auto g = golden.find({w.address, w.size});
        auto gi = golden_insn.find({w.insn, w.size});
        same = (g != golden.end() && g->second.count(w.value) != 0) ||
               (gi != golden_insn.end() && gi->second.count(w.value) != 0);
        e.set_fault_free(same);
      }
      bool mutated = true;
      if (in.mutated_code) {
        mutated = w.insn >= in.mutated_code->first && w.insn < in.mutated_code->second;
        e.set_by_mutated_code(mutated);
      }
      if (!same && mutated) {
        bool was_pointer = false;
        if (auto g = golden.find({w.address, w.size}); g != golden.end()) {
          was_pointer = std::any_of(g->second.begin(), g->second.end(), kernel_address);
        }
        if (kernel_address(w.value) || was_pointer) pointer[object_of_write[i]] = true;
      }
      out.injected.push_back(std::move(e));
    }
  }

  // R lines as object-read events; `injected` also says which objects are read by whom.
  void reads(const MemRecord& r, bool injected, std::vector<trace::Event>& events) {
    for (const MemRead& x : r.reads) {
      std::optional<std::uint32_t> o;
      if (injected) {
        o = object_of_write[x.write - 1];
      } else {
        o = object_at(x.address, x.size);
      }
      if (!o) continue;
      std::uint32_t ctx = in.context(x.who);
      auto t = in.time(x.who.jiffies, x.who.ns);
      if (ctx == 0 || !t || ctx == out.activator) continue;
      if (injected && in.crash_time && *t >= *in.crash_time) {
        // after the crash: ground truth, which says nothing of the object's owner
      } else {
        readers[*o].insert(ctx);
      }
      trace::Event e;
      e.set_time(*t);
      e.set_context(ctx);
      e.set_type(trace::Event::OBJECT_READ);
      e.set_object(out.objects[*o].id());
      e.set_address(x.address);
      e.set_size(x.size);
      events.push_back(std::move(e));
    }
  }

  void finish() {
    for (std::size_t i = 0; i < out.objects.size(); ++i) {
      trace::Object& o = out.objects[i];
      o.set_class_(pointer[i] ? trace::Object::POINTER : trace::Object::PLAIN);
      if (!o.has_owner() && readers[i].empty()) o.set_owner(out.activator);
    }
    auto by_time = [](const trace::Event& a, const trace::Event& b) { return a.time() < b.time(); };
    std::stable_sort(out.injected.begin(), out.injected.end(), by_time);
    std::stable_sort(out.golden.begin(), out.golden.end(), by_time);
  }
};

}  // namespace

MemImport import_memory(const MemImportInput& in) {
  Builder b{in, {}, {}, {}, {}, {}};
  if (!in.injected || !in.injected->activation) return {};
  const MemActivation& a = *in.injected->activation;
  b.out.activator = in.context(a.who);
  auto t = in.time(a.who.jiffies, a.who.ns);
  if (b.out.activator == 0 || !t) return {};
  std::uint64_t activation_time = *t;
  if (in.crash_time && activation_time >= *in.crash_time)
    activation_time = *in.crash_time > 0 ? *in.crash_time - 1 : 0;
  trace::Event act;
  act.set_time(activation_time);
  act.set_context(b.out.activator);
  act.set_type(trace::Event::FAULT_ACTIVATION);
  b.out.injected.push_back(std::move(act));
  b.objects(a);
  b.writes(activation_time);
  b.reads(*in.injected, true, b.out.injected);
  if (in.golden) b.reads(*in.golden, false, b.out.golden);
  b.finish();
  return std::move(b.out);
}

}  // namespace oopsim::traces
