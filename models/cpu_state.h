// What the CPU's preempt count says about the context an instruction ran in, as the kernel reads
// it (include/linux/preempt.h, x86-64): the low byte counts preemption disables, the next byte
// bottom-half disables (one step each, 0x200) and softirq service (0x100), then hard interrupts
// (0xf0000) and NMIs (0xf00000). x86 keeps bit 31 inverted as "no reschedule needed"; it is not
// part of the count.
#pragma once

#include <cstdint>
#include <string>

namespace oopsim::models {

inline constexpr std::uint32_t kPreemptMask = 0x000000ff;
inline constexpr std::uint32_t kSoftirqMask = 0x0000ff00;
inline constexpr std::uint32_t kSoftirqOffset = 0x00000100;  // serving a softirq
inline constexpr std::uint32_t kHardirqMask = 0x000f0000;
inline constexpr std::uint32_t kNmiMask = 0x00f00000;

// The kernel's in_interrupt(): in a hard or soft interrupt or an NMI, or with bottom halves off.
// An oops there ends in panic("Fatal exception in interrupt") (oops_end()).
inline bool in_interrupt(std::uint32_t preempt_count) {
  return (preempt_count & (kSoftirqMask | kHardirqMask | kNmiMask)) != 0;
}

// In an interrupt handler: a hard or soft interrupt being served, or an NMI (not a task that only
// turned bottom halves off).
inline bool in_handler(std::uint32_t preempt_count) {
  return (preempt_count & (kSoftirqOffset | kHardirqMask | kNmiMask)) != 0;
}

// "hard-irq", "NMI", "softirq", "bottom halves off", "preemption off" or "task", for messages.
inline std::string context_state(std::uint32_t preempt_count) {
  if (preempt_count & kNmiMask) return "NMI";
  if (preempt_count & kHardirqMask) return "hard-irq";
  if (preempt_count & kSoftirqOffset) return "softirq";
  if (preempt_count & kSoftirqMask) return "bottom halves off";
  if (preempt_count & kPreemptMask) return "preemption off";
  return "task";
}

}  // namespace oopsim::models
