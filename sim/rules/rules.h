// The built-in kernel rules (sim/rule.h), one file each; builtin_rules.cc lists them in order.
#pragma once

#include <memory>
#include <vector>

#include "sim/rule.h"

namespace oopsim::sim::rules {

// The fault still in the kernel text after the crash.
std::unique_ptr<Rule> make_deleted_call(Replay& replay);
std::unique_ptr<Rule> make_mutated_code_reruns(Replay& replay);
std::unique_ptr<Rule> make_reap_killed(Replay& replay);
// Locks and wakeups a death leaves behind.
std::unique_ptr<Rule> make_semaphore_let_go(Replay& replay);
std::unique_ptr<Rule> make_lost_wakeups(Replay& replay);
std::unique_ptr<Rule> make_replaced_kernel_wakeups(Replay& replay);
// A request entering a subsystem while a restart has it down.
std::unique_ptr<Rule> make_subsystem_down(Replay& replay);
// An interrupt that would answer the dead context's own later request.
std::unique_ptr<Rule> make_unanswered_interrupts(Replay& replay);
// State the crash leaves bad, and who reads it.
std::unique_ptr<Rule> make_bad_state_marks(Replay& replay);
std::unique_ptr<Rule> make_bad_state_reads(Replay& replay);
std::unique_ptr<Rule> make_recorded_errors(Replay& replay);
// At the end: who is gone, who is stuck, whether the machine stalls, the error's scope.
std::unique_ptr<Rule> make_dead_required(Replay& replay);
std::unique_ptr<Rule> make_stuck_chains(Replay& replay);
std::unique_ptr<Rule> make_all_cpus_spin(Replay& replay);
std::unique_ptr<Rule> make_runqueue_lock(Replay& replay);
std::unique_ptr<Rule> make_irq_handler_spins(Replay& replay);
// The contexts that spin for good at the end (alive, waiting on a lock whose waiters spin, stuck
// by the crash), in index order: all-cpus-spin and irq-handler-spins look at them.
std::vector<const ContextSim*> spinning_for_good(const Replay& replay, const WaitForGraph& g);
std::unique_ptr<Rule> make_machine_stall(Replay& replay);
std::unique_ptr<Rule> make_unforked_required(Replay& replay);
std::unique_ptr<Rule> make_error_scope(Replay& replay);

}  // namespace oopsim::sim::rules
