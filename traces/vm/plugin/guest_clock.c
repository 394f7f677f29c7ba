/*
 * The guest's own trace clock at any instruction (clock=1): the nanoseconds the guest kernel's
 * tracer would stamp an event with there, so that a record line falls exactly among the trace's
 * events instead of within a jiffy (4 ms at HZ=250).
 *
 * The tracer's clock ("local") is sched_clock(): the CPU's time stamp counter scaled by that CPU's
 * cyc2ns data (arch/x86/kernel/tsc.c: ns = (tsc * mul >> shift) + offset, two copies under a latch
 * sequence). Under TCG without icount, QEMU makes the guest's counter from the host's: guest =
 * host + an offset that stays the same while the machine runs (it moves when the machine stops,
 * e.g. for a debugger's memory write). So each time the guest kernel reads its counter (rdtsc or
 * rdtscp, which it does for every trace event), the plugin reads the result from RAX:RDX at the
 * next instruction and notes the offset from the host's counter read then; at a record line it
 * reads the host's counter, adds the offset and scales with the CPU's cyc2ns data from guest
 * memory. Arguments: cyc2ns (the per-CPU offset, kallsyms), cyc2ns_seq, cyc2ns_size and the
 * cyc2ns_data fields' offsets (the kernel's BTF).
 */
#include <inttypes.h>
#include <string.h>
#include <x86intrin.h>

#include "plugin.h"

static struct qemu_plugin_register *reg_rax, *reg_rdx;
static int64_t tsc_offset; /* guest counter - host counter */
static uint64_t calibrations;

void clock_registers(const char *name, struct qemu_plugin_register *handle)
{
    if (!strcmp(name, "rax"))
        reg_rax = handle;
    else if (!strcmp(name, "rdx"))
        reg_rdx = handle;
}

/* Right after the guest read its counter: EDX:EAX hold it. */
static void on_counter_read(unsigned int vcpu_index, void *udata)
{
    uint64_t host = __rdtsc();
    uint64_t guest = (read_reg(reg_rdx) << 32) | (read_reg(reg_rax) & 0xffffffffu);
    __atomic_store_n(&tsc_offset, (int64_t)(guest - host), __ATOMIC_RELAXED);
    __atomic_add_fetch(&calibrations, 1, __ATOMIC_RELAXED);
}

/* Instruction I of block TB: a kernel rdtsc or rdtscp gets a callback on the instruction after
 * it (in the same block: when it ends the block, that read is not used). */
void clock_instrument(struct qemu_plugin_tb *tb, size_t i, uint64_t vaddr)
{
    if (!arg.clock || vaddr < KERNEL_HALF || i + 1 >= qemu_plugin_tb_n_insns(tb))
        return;
    uint8_t b[3] = {0};
    struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
    size_t n = qemu_plugin_insn_data(insn, b, sizeof b);
    bool rdtsc = n >= 2 && b[0] == 0x0f && b[1] == 0x31;
    bool rdtscp = n >= 3 && b[0] == 0x0f && b[1] == 0x01 && b[2] == 0xf9;
    if (!rdtsc && !rdtscp)
        return;
    qemu_plugin_register_vcpu_insn_exec_cb(qemu_plugin_tb_get_insn(tb, i + 1), on_counter_read,
                                           QEMU_PLUGIN_CB_R_REGS, NULL);
}

bool clock_ns(uint64_t percpu, uint64_t *ns)
{
    if (!arg.clock || !__atomic_load_n(&calibrations, __ATOMIC_RELAXED) || !percpu)
        return false;
    uint64_t tsc = __rdtsc() + (uint64_t)__atomic_load_n(&tsc_offset, __ATOMIC_RELAXED);
    uint64_t at = percpu + arg.cyc2ns;
    uint32_t seq = 0, mul = 0, shift = 0;
    uint64_t offset = 0;
    if (!read_mem(at + arg.cyc2ns_seq, &seq, sizeof seq))
        return false;
    at += (seq & 1) * arg.cyc2ns_size;
    if (!read_mem(at + arg.cyc2ns_mul, &mul, sizeof mul) ||
        !read_mem(at + arg.cyc2ns_shift, &shift, sizeof shift) ||
        !read_mem(at + arg.cyc2ns_offset, &offset, sizeof offset) || mul == 0 || shift > 63)
        return false;
    *ns = (uint64_t)(((unsigned __int128)tsc * mul) >> shift) + offset;
    return true;
}

uint64_t clock_calibrations(void)
{
    return __atomic_load_n(&calibrations, __ATOMIC_RELAXED);
}
