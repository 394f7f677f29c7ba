// Real instruction bytes of a few functions of Debian's linux-image-6.1.0-56-amd64 (x86-64), the
// kernel simcapture boots, for the fault injector's tests.
//
// How they were obtained: the bzImage .cache/vm/kpkg/boot/vmlinuz-6.1.0-56-amd64 carries an xz
// payload; `tail -c +$((OFFSET+1)) vmlinuz | xz -dc > vmlinux` with OFFSET the first "\xfd7zXZ\0"
// (21196) gives the ELF vmlinux, whose .text is loaded at 0xffffffff81000000 from file offset
// 0x200000. Each function runs from its address in the guest's /proc/kallsyms
// (.cache/vm/runs/plain/kallsyms; the guest boots with nokaslr, so addresses match) to the next
// symbol. These are the bytes on disk, before boot-time patching (the first 5 bytes are the
// `call __fentry__` that ftrace turns into a NOP; returns are `jmp __x86_return_thunk`).
// Disassembly for hand-checking: `objdump -D -b binary -mi386:x86-64 --adjust-vma=ADDR f.bin`.
#pragma once

#include <cstdint>
#include <string_view>
#include <utility>

namespace oopsim::testing {

struct KernelFunction {
  std::string_view symbol;
  std::uint64_t address;
  std::string_view hex;
};

// clang-format off
// set_fs_pwd: 192 bytes at 0xffffffff813ae370.
inline constexpr KernelFunction kSetFsPwd = {
    "set_fs_pwd", 0xffffffff813ae370ull,
    "e8db82ccff554889e5415541544989f4534889fb4889f74c8d6b044883ec1865488b04252800000048894424"
    "1031c048c704240000000048c744240800000000e84b6efcff4c89efe843bc6a0083430801488b4328488b53"
    "3048890424498b04244889542408498b5424084889432848895330834308014c89efe8a1bc6a0048837c2408"
    "0074084889e7e8316efcff488b44241065482b042528000000750f4883c4185b415c415d5de91239a500e8cd"
    "a2690066662e0f1f8400000000006690"};

// kvfree: 48 bytes at 0xffffffff812acd10.
inline constexpr KernelFunction kKvfree = {
    "kvfree", 0xffffffff812acd10ull,
    "e83b99dcff534889fbe8e2d703004889df84c074065be9d53604005be92fc2000066662e0f1f840000000000"
    "0f1f4000"};

// alloc_fw_cache_entry: 96 bytes at 0xffffffff81717520.
inline constexpr KernelFunction kAllocFwCacheEntry = {
    "alloc_fw_cache_entry", 0xffffffff81717520ull,
    "e82bf195ff4154ba18000000be200b0000554889fd488b3dec6cd10053e8ce15baff4885c07430be200a0000"
    "4889ef4889c34989c4e80654b9ff488943104885c0740c4c89e05b5d415ce9c1a76e004889dfe8e919baff45"
    "31e4ebe70f1f4000"};

// i2c_acpi_add_device: 176 bytes at 0xffffffff8176c290.
inline constexpr KernelFunction kI2cAcpiAddDevice = {
    "i2c_acpi_add_device", 0xffffffff8176c290ull,
    "e8bba390ff4154554889d5534883ec5865488b042528000000488944245031c0e89bd6e8ffb90a0000004989"
    "e44889c331c04c89e7f348ab4885db74124889ea4c89e64889dfe8f5fcffff85c0741f488b44245065482b04"
    "252800000075424883c45831c05b5d415ce9325a69004889dfe87aefe9ff84c075d5808bf4000000104c89e6"
    "4889ef804b7440e8d0b7ffff483d00f0ffff76b780a3f4000000efebaee8bac32d00662e0f1f840000000000"};

// free_cpu_cached_iovas: 128 bytes at 0xffffffff816eb350.
inline constexpr KernelFunction kFreeCpuCachedIovas = {
    "free_cpu_cached_iovas", 0xffffffff816eb350ull,
    "e8fbb298ff415641554189fd41544989f45531ed53498b442468488b9c28100100004881c5180100004a031c"
    "ed60cb41824889dfe867e73600488b7b084c89e64989c6e8d8feffff488b7b104c89e6e8ccfeffff4c89f648"
    "89dfe8d1e736004881fd9006000075ad5b5d415c415d415ee96b69710066662e0f1f840000000000"};

// _raw_spin_unlock_irqrestore: 64 bytes at 0xffffffff81a59b80.
inline constexpr KernelFunction kRawSpinUnlockIrqrestore = {
    "_raw_spin_unlock_irqrestore", 0xffffffff81a59b80ull,
    "e8cbca61ffff15751dfe00f7c6000200007406ff15e71bfe0065ff0da05f5c7e7405e989813a00e8e4693a00"
    "e97f813a0066662e0f1f8400000000000f1f4000"};
// clang-format on

// kallsyms names of the call and jump targets in the functions above.
inline constexpr std::pair<std::uint64_t, std::string_view> kKernelCallTargets[] = {
    {0xffffffff81076650ull, "__fentry__"},
    {0xffffffff812ac960ull, "kstrdup_const"},
    {0xffffffff812b8b10ull, "kmalloc_trace"},
    {0xffffffff812b8f60ull, "kfree"},
    {0xffffffff812ea500ull, "is_vmalloc_addr"},
    {0xffffffff812f0400ull, "vfree"},
    {0xffffffff81375200ull, "path_get"},
    {0xffffffff81375230ull, "path_put"},
    {0xffffffff815f9950ull, "acpi_fetch_acpi_dev"},
    {0xffffffff8160b280ull, "acpi_quirk_skip_i2c_client_enumeration"},
    {0xffffffff816eb270ull, "iova_magazine_free_pfns"},
    {0xffffffff81767af0ull, "i2c_new_client_device"},
    {0xffffffff8176bfd0ull, "i2c_acpi_get_info"},
    {0xffffffff81a486f0ull, "__stack_chk_fail"},
    {0xffffffff81a59af0ull, "_raw_spin_lock_irqsave"},
    {0xffffffff81a59b80ull, "_raw_spin_unlock_irqrestore"},
    {0xffffffff81a5a000ull, "_raw_spin_lock"},
    {0xffffffff81a5a090ull, "_raw_spin_unlock"},
    {0xffffffff81e00590ull, "__SCT__preempt_schedule"},
    {0xffffffff81e01d30ull, "__x86_return_thunk"},
};

}  // namespace oopsim::testing
