#include "models/event.h"

#include <array>

namespace oopsim::models {

std::string_view name(EventType type) {
  static constexpr std::array<std::string_view, kEventTypes> kNames = {
      "lock-attempt", "lock-acquired", "lock-release", "syscall-enter", "syscall-exit",     "fork",
      "exit",         "wakeup",        "sleep",        "progress",      "fault-activation", "oops",
      "soft-lockup",  "hung-task",     "panic",        "object-read",   "object-write",     "error",
      "site-run"};
  return kNames[static_cast<std::size_t>(type)];
}

std::string_view name(OopsKind kind) {
  static constexpr std::array<std::string_view, 10> kNames = {
      "oops",  "NULL pointer dereference", "paging fault",    "general protection fault",
      "BUG",   "invalid opcode",           "list corruption", "divide error",
      "other", "stack-protector panic"};
  return kNames[static_cast<std::size_t>(kind)];
}

bool is_report(EventType type) {
  return type == EventType::kOops || type == EventType::kSoftLockup ||
         type == EventType::kHungTask || type == EventType::kPanic;
}

}  // namespace oopsim::models
