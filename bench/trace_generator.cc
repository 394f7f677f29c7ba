#include "trace_generator.h"

#include <deque>
#include <vector>

#include "policies/policy_registry.h"
#include "sim/engine.h"
#include "traces/format/packet_source.h"
#include "traces/format/packet_writer.h"

namespace oopsim::bench {

namespace {

struct Rng {
  std::uint64_t s;
  std::uint64_t next() {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
  }
};

struct Step {
  trace::Event event;
};

}  // namespace

std::uint64_t generate_trace(const GeneratorConfig& c, const std::string& path) {
  // Produce the golden run in memory-light form: we generate it twice with the same seed (once
  // cut at the crash for the injected section, once whole for the golden one).
  traces::TraceError error;
  auto w = traces::create_trace_writer(path, traces::TraceForm::kBinary, error);
  if (!w) return 0;
  trace::TracePacket p;
  auto* h = p.mutable_header();
  h->set_format_version(1);
  h->set_kernel_release("synthetic");
  h->set_origin(trace::Header::GENERATED);
  h->set_ticks_per_second(1000000000);
  w->write(p);
  p.Clear();
  for (std::uint32_t i = 1; i <= c.contexts; ++i) {
    auto* ctx = p.mutable_context();
    ctx->set_id(i);
    ctx->set_pid(static_cast<std::int32_t>(1000 + i));
    ctx->set_comm("worker" + std::to_string(i));
    ctx->set_kind(trace::Context::USER_TASK);
    ctx->add_workloads(i % 2 ? "odd" : "even");
    w->write(p);
    p.Clear();
  }
  for (std::uint32_t i = c.contexts + 1; i <= c.contexts + c.idle_contexts; ++i) {
    auto* ctx = p.mutable_context();
    ctx->set_id(i);
    ctx->set_pid(static_cast<std::int32_t>(1000 + i));
    ctx->set_comm("idle" + std::to_string(i));
    ctx->set_kind(trace::Context::KERNEL_THREAD);
    w->write(p);
    p.Clear();
  }
  for (std::uint32_t i = 1; i <= c.locks; ++i) {
    auto* l = p.mutable_lock();
    l->set_id(i);
    l->set_address(0xffff888000000000ull + 64ull * i);
    l->set_kind(i % 3 == 0 ? trace::Lock::MUTEX : trace::Lock::SPINLOCK);
    l->set_name("lock" + std::to_string(i));
    w->write(p);
    p.Clear();
  }
  for (const char* name : {"odd", "even"}) {
    p.mutable_workload()->set_name(name);
    w->write(p);
    p.Clear();
  }
  p.mutable_fault()->set_type(trace::Fault::BRANCH);
  p.mutable_fault()->set_symbol("synthetic_fn");
  p.mutable_fault()->set_context(1);
  p.mutable_fault()->set_seed(c.seed);
  w->write(p);
  p.Clear();

  std::uint64_t written = 0;
  std::uint64_t crash_at = c.golden_events / 2;
  for (int section = 0; section < 2; ++section) {
    p.mutable_section()->set_kind(section == 0 ? trace::Section::INJECTED : trace::Section::GOLDEN);
    w->write(p);
    p.Clear();
    Rng rng{c.seed * 0x9E3779B97F4A7C15ull + 1};
    std::vector<std::uint32_t> holder(c.locks + 1, 0);
    std::vector<std::deque<std::uint32_t>> waiters(c.locks + 1);
    std::vector<std::uint32_t> held(c.contexts + 1, 0), waiting(c.contexts + 1, 0);
    std::vector<std::uint64_t> progress(2, 0);
    std::uint64_t t = 1000;
    auto emit = [&](std::uint32_t ctx, trace::Event::Type type, std::uint32_t lock) {
      auto* e = p.mutable_event();
      e->set_time(t);
      e->set_context(ctx);
      e->set_type(type);
      if (lock) e->set_lock(lock);
      if (type == trace::Event::PROGRESS) {
        e->set_workload(ctx % 2 ? "odd" : "even");
        e->set_value(static_cast<std::int64_t>(++progress[ctx % 2]));
      }
      if (type == trace::Event::SYSCALL_ENTER) e->set_value(1);
      w->write(p);
      p.Clear();
      ++written;
    };
    std::uint64_t n = 0;
    bool crashed = false;
    while (n < c.golden_events) {
      if (section == 0 && n >= crash_at) {
        // The crash: a context that holds and awaits nothing oopses.
        for (std::uint32_t k = 1; k <= c.contexts; ++k) {
          if (held[k] == 0 && waiting[k] == 0) {
            auto* e = p.mutable_event();
            e->set_time(t);
            e->set_context(k);
            e->set_type(trace::Event::OOPS);
            e->set_oops_kind(trace::Event::NULL_DEREFERENCE);
            e->set_text("synthetic_fn");
            w->write(p);
            p.Clear();
            ++written;
            crashed = true;
            break;
          }
        }
        if (crashed) break;
      }
      t += 1 + rng.next() % 2000;
      std::uint32_t ctx = 1 + static_cast<std::uint32_t>(rng.next() % c.contexts);
      if (waiting[ctx]) continue;  // blocked until its lock is handed over
      if (held[ctx]) {
        std::uint32_t l = held[ctx];
        emit(ctx, trace::Event::LOCK_RELEASE, l);
        ++n;
        held[ctx] = 0;
        holder[l] = 0;
        if (!waiters[l].empty()) {
          std::uint32_t next = waiters[l].front();
          waiters[l].pop_front();
          holder[l] = next;
          held[next] = l;
          waiting[next] = 0;
          emit(next, trace::Event::LOCK_ACQUIRED, l);
          ++n;
        }
        continue;
      }
      switch (rng.next() % 4) {
        case 0:
          emit(ctx, trace::Event::SYSCALL_ENTER, 0);
          ++n;
          break;
        case 1:
          emit(ctx, trace::Event::PROGRESS, 0);
          ++n;
          break;
        default: {
          std::uint32_t l = 1 + static_cast<std::uint32_t>(rng.next() % c.locks);
          emit(ctx, trace::Event::LOCK_ATTEMPT, l);
          ++n;
          if (holder[l] == 0) {
            holder[l] = ctx;
            held[ctx] = l;
            emit(ctx, trace::Event::LOCK_ACQUIRED, l);
            ++n;
          } else {
            waiting[ctx] = l;
            waiters[l].push_back(ctx);
          }
        }
      }
    }
  }
  if (!w->close()) return 0;
  return written;
}

bool replay_trace(const std::string& path, const std::string& policy, sim::Prediction& out,
                  std::string& error) {
  auto p = policies::builtin_policies().create(policy, error);
  if (!p) return false;
  traces::TraceError te;
  traces::TraceReader reader(traces::open_trace(path, te));
  if (!sim::Engine().run(reader, *p, policy, out, te)) {
    error = te.message();
    return false;
  }
  return true;
}

}  // namespace oopsim::bench
