// The order matters where two rules use the same hook: at the end, findings are added in this
// order (a tie in time goes to the first), and the stall sources are asked in this order.
#include "sim/rules/rules.h"

namespace oopsim::sim {

RuleList builtin_rules(Replay& replay) {
  using namespace rules;
  RuleList out;
  out.push_back(make_deleted_call(replay));
  out.push_back(make_mutated_code_reruns(replay));
  out.push_back(make_reap_killed(replay));
  out.push_back(make_semaphore_let_go(replay));
  out.push_back(make_lost_wakeups(replay));
  out.push_back(make_replaced_kernel_wakeups(replay));
  out.push_back(make_subsystem_down(replay));
  out.push_back(make_unanswered_interrupts(replay));
  out.push_back(make_bad_state_marks(replay));
  out.push_back(make_bad_state_reads(replay));
  out.push_back(make_recorded_errors(replay));
  out.push_back(make_dead_required(replay));
  out.push_back(make_stuck_chains(replay));
  out.push_back(make_all_cpus_spin(replay));
  out.push_back(make_runqueue_lock(replay));
  out.push_back(make_irq_handler_spins(replay));
  out.push_back(make_machine_stall(replay));
  out.push_back(make_unforked_required(replay));
  out.push_back(make_error_scope(replay));
  return out;
}

}  // namespace oopsim::sim
