// The fault injector on real Debian 6.1 kernel text (tests/unit/kernel_text_fixture.h). Expected
// bytes were checked by hand against `objdump -D -b binary -mi386:x86-64` of the same bytes.
#include "traces/inject/fault_injector.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "tests/unit/kernel_text_fixture.h"

namespace oopsim::inject {
namespace {

using models::FaultType;
using testing::KernelFunction;

std::string from_hex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

std::string to_hex(const std::string& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

CodeRegion region(const KernelFunction& f) {
  return {std::string(f.symbol), f.address, from_hex(f.hex)};
}

std::string kallsyms(std::uint64_t address) {
  for (const auto& [at, name] : testing::kKernelCallTargets) {
    if (at == address) return std::string(name);
  }
  return "";
}

const SymbolResolver kResolve = kallsyms;

const std::vector<CodeRegion>& all_regions() {
  static const std::vector<CodeRegion> regions = {
      region(testing::kSetFsPwd),           region(testing::kKvfree),
      region(testing::kAllocFwCacheEntry),  region(testing::kI2cAcpiAddDevice),
      region(testing::kFreeCpuCachedIovas), region(testing::kRawSpinUnlockIrqrestore)};
  return regions;
}

std::vector<std::uint64_t> offsets(const std::vector<Mutation>& sites) {
  std::vector<std::uint64_t> out;
  for (const auto& m : sites) out.push_back(m.offset);
  return out;
}

// The one site of `type` at `offset`, checked for before/after bytes.
void expect_site(const std::vector<Mutation>& sites, std::uint64_t offset, std::string_view before,
                 std::string_view after) {
  const auto it = std::find_if(sites.begin(), sites.end(),
                               [&](const Mutation& m) { return m.offset == offset; });
  ASSERT_NE(it, sites.end()) << "no site at +0x" << std::hex << offset;
  EXPECT_EQ(to_hex(it->before), before);
  EXPECT_EQ(to_hex(it->after), after) << it->disasm_before << " -> " << it->disasm_after;
}

TEST(FaultInjector, BranchNopsEachConditionalJump) {
  const auto sites = candidate_sites(FaultType::kBranch, region(testing::kSetFsPwd));
  EXPECT_EQ(offsets(sites), (std::vector<std::uint64_t>{0x85, 0x9d}));
  expect_site(sites, 0x85, "7408", "6690");  // je -> xchg ax,ax
  expect_site(sites, 0x9d, "750f", "6690");
  EXPECT_EQ(sites[0].disasm_before, "je 0xffffffff813ae3ff");
  EXPECT_EQ(sites[0].disasm_after, "nop");
  EXPECT_EQ(sites[0].address, testing::kSetFsPwd.address + 0x85);
}

TEST(FaultInjector, InverseFlipsTheConditionsLowBit) {
  const auto sites = candidate_sites(FaultType::kInverse, region(testing::kSetFsPwd));
  EXPECT_EQ(offsets(sites), (std::vector<std::uint64_t>{0x85, 0x9d}));
  expect_site(sites, 0x85, "7408", "7508");
  expect_site(sites, 0x9d, "750f", "740f");
  EXPECT_EQ(sites[0].disasm_after, "jne 0xffffffff813ae3ff");
}

TEST(FaultInjector, OffByOneSwapsOnlyOrderedConditions) {
  const auto sites = candidate_sites(FaultType::kOffByOne, region(testing::kI2cAcpiAddDevice));
  EXPECT_EQ(offsets(sites), (std::vector<std::uint64_t>{0x96}));
  expect_site(sites, 0x96, "76b7", "72b7");  // jbe -> jb
  EXPECT_TRUE(candidate_sites(FaultType::kOffByOne, region(testing::kSetFsPwd)).empty());
}

TEST(FaultInjector, PtrFlipsAnAddressBitOfAMemoryOperand) {
  const auto sites = candidate_sites(FaultType::kPtr, region(testing::kAllocFwCacheEntry));
  EXPECT_EQ(offsets(sites), (std::vector<std::uint64_t>{0x15, 0x3a}));
  expect_site(sites, 0x15, "488b3dec6cd100", "488b3ded6cd100");  // rip-relative: disp bit 0
  expect_site(sites, 0x3a, "48894310", "48894210");              // [rbx+0x10] -> [rdx+0x10]
  EXPECT_EQ(sites[1].disasm_after, "mov qword ptr [rdx + 0x10], rax");
}

TEST(FaultInjector, DstSrcFlipsTheModrmRegField) {
  const auto sites = candidate_sites(FaultType::kDstSrc, region(testing::kAllocFwCacheEntry));
  EXPECT_EQ(sites.size(), 11u);
  expect_site(sites, 0x12, "4889fd", "4889f5");  // mov rbp, rdi -> mov rbp, rsi
  expect_site(sites, 0x22, "4885c0", "4885c8");  // test rax, rax -> test rax, rcx
}

TEST(FaultInjector, InterfaceNopsAnArgumentLoadBeforeACall) {
  const auto sites = candidate_sites(FaultType::kInterface, region(testing::kSetFsPwd));
  EXPECT_EQ(offsets(sites), (std::vector<std::uint64_t>{0x45, 0x77, 0x87}));
  expect_site(sites, 0x45, "4c89ef", "0f1f00");  // mov rdi, r13 before _raw_spin_lock
  expect_site(sites, 0x87, "4889e7", "0f1f00");  // mov rdi, rsp before path_put
}

TEST(FaultInjector, InitNopsAnImmediateStoreToTheStack) {
  const auto sites = candidate_sites(FaultType::kInit, region(testing::kSetFsPwd));
  EXPECT_EQ(offsets(sites), (std::vector<std::uint64_t>{0x2f, 0x37}));
  expect_site(sites, 0x2f, "48c7042400000000", "0f1f840000000000");
  expect_site(sites, 0x37, "48c744240800000000", "660f1f840000000000");
}

TEST(FaultInjector, AllocMakesTheAllocatorCallReturnNull) {
  const auto sites =
      candidate_sites(FaultType::kAlloc, region(testing::kAllocFwCacheEntry), kResolve);
  EXPECT_EQ(offsets(sites), (std::vector<std::uint64_t>{0x1d}));
  expect_site(sites, 0x1d, "e8ce15baff", "31c00f1f00");  // call kmalloc_trace
  EXPECT_EQ(sites[0].disasm_after, "xor eax, eax; nop dword ptr [rax]");
  // Without a resolver the allocator cannot be recognised.
  EXPECT_TRUE(candidate_sites(FaultType::kAlloc, region(testing::kAllocFwCacheEntry)).empty());
}

TEST(FaultInjector, FreeNopsTheCallToKfree) {
  const auto sites =
      candidate_sites(FaultType::kFree, region(testing::kAllocFwCacheEntry), kResolve);
  EXPECT_EQ(offsets(sites), (std::vector<std::uint64_t>{0x52}));
  expect_site(sites, 0x52, "e8e919baff", "0f1f440000");
  // kvfree tail-jumps to kfree/vfree: deleting a tail jump is not a FREE site.
  EXPECT_TRUE(candidate_sites(FaultType::kFree, region(testing::kKvfree), kResolve).empty());
}

TEST(FaultInjector, SizeHalvesTheAllocationSize) {
  const auto sites =
      candidate_sites(FaultType::kSize, region(testing::kAllocFwCacheEntry), kResolve);
  EXPECT_EQ(offsets(sites), (std::vector<std::uint64_t>{0x7}));
  expect_site(sites, 0x7, "ba18000000", "ba0c000000");  // kmalloc_trace size (edx) 0x18 -> 0xc
}

TEST(FaultInjector, BcopyDoublesTheRepStringCount) {
  const auto sites =
      candidate_sites(FaultType::kBcopy, region(testing::kI2cAcpiAddDevice), kResolve);
  EXPECT_EQ(offsets(sites), (std::vector<std::uint64_t>{0x25}));
  expect_site(sites, 0x25, "b90a000000", "b914000000");  // mov ecx, 10 before rep stosq
}

TEST(FaultInjector, LoopBumpsTheBoundOfABackwardBranch) {
  const auto sites = candidate_sites(FaultType::kLoop, region(testing::kFreeCpuCachedIovas));
  EXPECT_EQ(offsets(sites), (std::vector<std::uint64_t>{0x5f}));
  expect_site(sites, 0x5f, "4881fd90060000", "4881fd91060000");  // cmp rbp, 0x690; jne back
  // i2c_acpi_add_device's backward `jbe` goes to a shared exit block, not a loop.
  EXPECT_TRUE(candidate_sites(FaultType::kLoop, region(testing::kI2cAcpiAddDevice)).empty());
}

TEST(FaultInjector, IrqDeletesTheInterruptRestore) {
  const auto calls =
      candidate_sites(FaultType::kIrq, region(testing::kFreeCpuCachedIovas), kResolve);
  EXPECT_EQ(offsets(calls), (std::vector<std::uint64_t>{0x5a}));
  expect_site(calls, 0x5a, "e8d1e73600", "0f1f440000");  // call _raw_spin_unlock_irqrestore
  // Inlined arch_local_irq_restore: test $0x200 (IF), je, call *pv_ops.irq.irq_enable.
  const auto inlined = candidate_sites(FaultType::kIrq, region(testing::kRawSpinUnlockIrqrestore));
  EXPECT_EQ(offsets(inlined), (std::vector<std::uint64_t>{0x13}));
  expect_site(inlined, 0x13, "ff15e71bfe00", "660f1f440000");
}

TEST(FaultInjector, VarInflatesTheFrameInPrologueAndEpilogue) {
  const auto sites = candidate_sites(FaultType::kVar, region(testing::kSetFsPwd));
  ASSERT_EQ(offsets(sites), (std::vector<std::uint64_t>{0x1b}));
  expect_site(sites, 0x1b, "4883ec18", "4883ec28");  // sub rsp, 0x18 -> 0x28
  ASSERT_EQ(sites[0].extra_writes.size(), 1u);
  EXPECT_EQ(sites[0].extra_writes[0].address, testing::kSetFsPwd.address + 0x9f);
  EXPECT_EQ(to_hex(sites[0].extra_writes[0].before), "4883c418");
  EXPECT_EQ(to_hex(sites[0].extra_writes[0].after), "4883c428");
}

TEST(FaultInjector, NullNopsTheJumpAfterATest) {
  const auto sites = candidate_sites(FaultType::kNull, region(testing::kAllocFwCacheEntry));
  EXPECT_EQ(offsets(sites), (std::vector<std::uint64_t>{0x25, 0x41}));  // test rax, rax; je
  expect_site(sites, 0x25, "7430", "6690");
  expect_site(sites, 0x41, "740c", "6690");
  // kvfree: test al, al; mov rdi, rbx; je (a move in between does not touch the flags).
  const auto kvfree = candidate_sites(FaultType::kNull, region(testing::kKvfree));
  EXPECT_EQ(offsets(kvfree), (std::vector<std::uint64_t>{0x13}));
}

TEST(FaultInjector, EveryMutationKeepsTheLengthAndMatchesTheText) {
  for (FaultType type : models::kAllFaultTypes) {
    std::size_t found = 0;
    for (const auto& r : all_regions()) {
      for (const auto& m : candidate_sites(type, r, kResolve)) {
        ++found;
        SCOPED_TRACE(std::string(models::name(type)) + " " + m.symbol + " " + m.disasm_before);
        EXPECT_EQ(m.type, type);
        EXPECT_EQ(m.symbol, r.symbol);
        EXPECT_EQ(m.address, r.address + m.offset);
        EXPECT_EQ(m.before.size(), m.after.size());
        EXPECT_NE(m.before, m.after);
        EXPECT_EQ(r.bytes.substr(m.offset, m.before.size()), m.before);
        EXPECT_FALSE(m.disasm_before.empty());
        EXPECT_FALSE(m.disasm_after.empty());
        for (const auto& w : m.extra_writes) EXPECT_EQ(w.before.size(), w.after.size());
      }
    }
    EXPECT_GT(found, 0u) << models::name(type) << " has no site in the fixtures";
  }
}

TEST(FaultInjector, ChooseMutationIsDeterministicAndSeedDependent) {
  for (FaultType type : models::kAllFaultTypes) {
    const auto a = choose_mutation(type, all_regions(), 42, kResolve);
    const auto b = choose_mutation(type, all_regions(), 42, kResolve);
    ASSERT_TRUE(a.has_value()) << models::name(type);
    ASSERT_TRUE(b.has_value());
    EXPECT_EQ(a->address, b->address);
    EXPECT_EQ(a->after, b->after);
    EXPECT_EQ(a->seed, 42u);
  }
  std::set<std::uint64_t> addresses;
  std::set<std::string> ptr_bytes;
  for (std::uint64_t seed = 0; seed < 32; ++seed) {
    addresses.insert(choose_mutation(FaultType::kBranch, all_regions(), seed, kResolve)->address);
    ptr_bytes.insert(
        choose_mutation(FaultType::kPtr, {region(testing::kSetFsPwd)}, seed, kResolve)->after);
  }
  EXPECT_GT(addresses.size(), 3u);  // 14 conditional jumps in the fixtures
  EXPECT_GT(ptr_bytes.size(), 3u);  // the site and the flipped bit both follow the seed
  EXPECT_FALSE(choose_mutation(FaultType::kAlloc, all_regions(), 1).has_value());  // no resolver
}

// Sites from executed code: with a coverage run's instructions, every draw lands on one of them,
// and none is drawn when the run executed none of the candidates.
TEST(FaultInjector, ACoverageRunRestrictsTheDrawToExecutedInstructions) {
  std::vector<std::uint64_t> branches;
  for (const auto& r : all_regions()) {
    for (const auto& m : candidate_sites(FaultType::kBranch, r, kResolve))
      branches.push_back(m.address);
  }
  ASSERT_GT(branches.size(), 3u);
  std::string text = "# kernel instructions executed: 2 (QEMU plugin)\n" +
                     fmt::format("{:x}\n0x{:x}\n", branches[1], branches[3]);
  Coverage executed;
  traces::TraceError error;
  ASSERT_TRUE(executed.parse(text, "coverage.txt", error)) << error.message();
  EXPECT_EQ(executed.size(), 2u);
  std::set<std::uint64_t> drawn;
  for (std::uint64_t seed = 0; seed < 32; ++seed) {
    drawn.insert(
        choose_mutation(FaultType::kBranch, all_regions(), seed, kResolve, &executed)->address);
  }
  EXPECT_EQ(drawn, (std::set<std::uint64_t>{branches[1], branches[3]}));
  Coverage elsewhere;
  ASSERT_TRUE(elsewhere.parse("ffffffff80000000\n", "coverage.txt", error));
  EXPECT_FALSE(choose_mutation(FaultType::kBranch, all_regions(), 1, kResolve, &elsewhere));
  EXPECT_FALSE(elsewhere.parse("ffffffff80000000\nnot-hex\n", "coverage.txt", error));
  EXPECT_EQ(error.line, 2u);
}

TEST(FaultInjector, MutationAtChecksTheOffset) {
  const CodeRegion r = region(testing::kSetFsPwd);
  std::string error;
  const auto ok = mutation_at(FaultType::kBranch, r, 0x85, error);
  ASSERT_TRUE(ok.has_value()) << error;
  EXPECT_EQ(to_hex(ok->after), "6690");

  EXPECT_FALSE(mutation_at(FaultType::kBranch, r, 0x86, error).has_value());
  EXPECT_NE(error.find("not an instruction boundary"), std::string::npos) << error;

  EXPECT_FALSE(mutation_at(FaultType::kBranch, r, 0x1b, error).has_value());
  EXPECT_NE(error.find("`sub rsp, 0x18` at set_fs_pwd+0x1b is not a BRANCH site"),
            std::string::npos)
      << error;
  EXPECT_NE(error.find("+0x85 +0x9d"), std::string::npos) << error;

  EXPECT_FALSE(mutation_at(FaultType::kBranch, r, 0x1000, error).has_value());
  EXPECT_NE(error.find("outside the function"), std::string::npos) << error;

  // A seed picks the variant at an explicit site; the same seed, the same bytes.
  const auto v1 = mutation_at(FaultType::kVar, r, 0x1b, error, {}, 7);
  const auto v2 = mutation_at(FaultType::kVar, r, 0x1b, error, {}, 7);
  ASSERT_TRUE(v1 && v2);
  EXPECT_EQ(v1->after, v2->after);
}

TEST(FaultInjector, MutationWithBytesRefusesToTearAnInstruction) {
  const CodeRegion r = region(testing::kSetFsPwd);
  std::string error;
  const auto m = mutation_with_bytes(FaultType::kBranch, r, 0x85, from_hex("6690"), error);
  ASSERT_TRUE(m.has_value()) << error;
  EXPECT_EQ(to_hex(m->before), "7408");
  EXPECT_EQ(m->disasm_after, "nop");
  EXPECT_FALSE(mutation_with_bytes(FaultType::kBranch, r, 0x85, from_hex("909090"), error));
  EXPECT_NE(error.find("tear"), std::string::npos) << error;
  EXPECT_FALSE(mutation_with_bytes(FaultType::kBranch, r, 0x85, from_hex("7408"), error));
  EXPECT_NE(error.find("already there"), std::string::npos) << error;
}

}  // namespace
}  // namespace oopsim::inject

namespace oopsim::models {
namespace {

TEST(FaultInfo, AMutationThatFillsACallWithNopsDeletesThatCall) {
  FaultInfo f;
  f.symbol = "percpu_counter_add_batch";
  f.offset = 0x5d;
  f.before = std::string("\xe8\x3e\xe6\x4e\x00", 5);  // call _raw_spin_unlock_irqrestore
  f.after = std::string("\x0f\x1f\x44\x00\x00", 5);   // nopl 0x0(%rax,%rax,1)
  EXPECT_TRUE(f.deletes_call_returning_to(0x62));
  EXPECT_FALSE(f.deletes_call_returning_to(0x5d));   // the call's own address is not its return
  f.after = std::string("\xe8\x3e\xe6\x4e\x01", 5);  // a changed target: still a call
  EXPECT_FALSE(f.deletes_call_returning_to(0x62));
  f.before = std::string("\x48\x8b\x40\x08\x90", 5);  // not a call
  f.after = std::string("\x0f\x1f\x44\x00\x00", 5);
  EXPECT_FALSE(f.deletes_call_returning_to(0x62));
  EXPECT_TRUE(all_nops(std::string("\x90\x66\x90\x0f\x1f\x00\x0f\x1f\x40\x00", 10)));
  EXPECT_TRUE(all_nops(std::string("\x66\x0f\x1f\x84\x00\x00\x00\x00\x00", 9)));
  EXPECT_FALSE(all_nops(std::string("\x0f\x1f\x44\x00", 4)));  // cut short
  EXPECT_FALSE(all_nops(""));
}

}  // namespace
}  // namespace oopsim::models
