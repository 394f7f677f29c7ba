// The seed study's published numbers (Yoshimura, Yamada, Kono, HotDep'12, Linux 2.6.38), for
// side-by-side comparison in reports. From the paper's slides ("Result").
#pragma once

#include <array>
#include <string_view>

namespace oopsim::models::seed {

// Crashes by fault type x scope (134 crashes). The seed lists 12 of the 15 types here.
struct FaultTypeRow {
  std::string_view type;
  int process_local;
  int kernel_global;
};
inline constexpr std::array<FaultTypeRow, 12> kCrashesByFaultType = {{
    {"BRANCH", 3, 1},
    {"INVERSE", 4, 3},
    {"PTR", 26, 8},
    {"DSTSRC", 15, 10},
    {"INIT", 10, 1},
    {"IRQ", 1, 0},
    {"OFFBYONE", 6, 0},
    {"SIZE", 1, 1},
    {"BCOPY", 6, 10},
    {"LOOP", 8, 1},
    {"VAR", 3, 1},
    {"NULL", 15, 0},
}};

// Reactions x scope under oops-kill (589 workload runs): not-manifest, deadlock, oops-again,
// no-proc, detect-error, panic.
inline constexpr std::array<int, 6> kReactionsKernelGlobal = {32, 59, 26, 3, 3, 3};
inline constexpr std::array<int, 6> kReactionsProcessLocal = {314, 132, 0, 10, 0, 7};

}  // namespace oopsim::models::seed
