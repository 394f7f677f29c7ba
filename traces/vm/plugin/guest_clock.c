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
 * rdtscp, which it does for every trace event), the plugin reads the host's counter as the
 * instruction starts and the guest's result from RAX:RDX at the next instruction (the first of
 * the next block: TCG ends a block at a counter read) and keeps the difference (the vCPUs of
 * `-accel tcg,thread=single` take turns on one thread, so one pending read at a time); at a record line it
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
static bool calibrated; /* an offset was measured */
/* The guest's counter read now running: the host's counter then, and where the guest goes on
 * (TCG ends a block at rdtsc, so the next instruction starts another block). */
static uint64_t pending_host, pending_next, pending_percpu;
static GHashTable *after_reads; /* addresses right after a kernel rdtsc or rdtscp */

void clock_registers(const char *name, struct qemu_plugin_register *handle)
{
    if (!strcmp(name, "rax"))
        reg_rax = handle;
    else if (!strcmp(name, "rdx"))
        reg_rdx = handle;
}

/* The guest is about to read its counter (udata: the next instruction's address). */
static void on_counter_insn(unsigned int vcpu_index, void *udata)
{
    int cpu;
    pending_percpu = percpu_base(&cpu);
    pending_next = (uint64_t)(uintptr_t)udata;
    pending_host = __rdtsc();
}

/* The instruction after a counter read (udata: its address): EDX:EAX hold the counter, if this
 * CPU just read it here. */
static void on_counter_read(unsigned int vcpu_index, void *udata)
{
    int cpu;
    if (pending_next != (uint64_t)(uintptr_t)udata || percpu_base(&cpu) != pending_percpu)
        return;
    pending_next = 0;
    uint64_t guest = (read_reg(reg_rdx) << 32) | (read_reg(reg_rax) & 0xffffffffu);
    tsc_offset = (int64_t)(guest - pending_host);
    calibrated = true;
}

/* Instruction I of block TB: a kernel rdtsc or rdtscp gets a callback, and so does the
 * instruction after it, in this block or starting another. */
void clock_instrument(struct qemu_plugin_tb *tb, size_t i, uint64_t vaddr)
{
    if (!arg.clock || vaddr < KERNEL_HALF)
        return;
    if (!after_reads)
        after_reads = g_hash_table_new(g_direct_hash, g_direct_equal);
    struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
    if (g_hash_table_contains(after_reads, (gpointer)(uintptr_t)vaddr))
        qemu_plugin_register_vcpu_insn_exec_cb(insn, on_counter_read, QEMU_PLUGIN_CB_R_REGS,
                                               (void *)(uintptr_t)vaddr);
    uint8_t b[3] = {0};
    size_t n = qemu_plugin_insn_data(insn, b, sizeof b);
    bool rdtsc = n >= 2 && b[0] == 0x0f && b[1] == 0x31;
    bool rdtscp = n >= 3 && b[0] == 0x0f && b[1] == 0x01 && b[2] == 0xf9;
    if (!rdtsc && !rdtscp)
        return;
    uint64_t next = vaddr + qemu_plugin_insn_size(insn);
    g_hash_table_add(after_reads, (gpointer)(uintptr_t)next);
    qemu_plugin_register_vcpu_insn_exec_cb(insn, on_counter_insn, QEMU_PLUGIN_CB_R_REGS,
                                           (void *)(uintptr_t)next);
    if (i + 1 < qemu_plugin_tb_n_insns(tb))
        qemu_plugin_register_vcpu_insn_exec_cb(qemu_plugin_tb_get_insn(tb, i + 1),
                                               on_counter_read, QEMU_PLUGIN_CB_R_REGS,
                                               (void *)(uintptr_t)next);
}

const char *clock_missing = "clock=1 not given";

bool clock_ns(uint64_t percpu, uint64_t *ns)
{
    if (!arg.clock)
        return false;
    if (!calibrated || !percpu) {
        clock_missing = !calibrated ? "no kernel counter read seen yet" : "the CPU is not known";
        return false;
    }
    uint64_t tsc = __rdtsc() + (uint64_t)tsc_offset;
    uint64_t at = percpu + arg.cyc2ns;
    uint32_t seq = 0, mul = 0, shift = 0;
    uint64_t offset = 0;
    clock_missing = "the CPU's cyc2ns data could not be read";
    if (!read_mem(at + arg.cyc2ns_seq, &seq, sizeof seq))
        return false;
    at += (seq & 1) * arg.cyc2ns_size;
    if (!read_mem(at + arg.cyc2ns_mul, &mul, sizeof mul) ||
        !read_mem(at + arg.cyc2ns_shift, &shift, sizeof shift) ||
        !read_mem(at + arg.cyc2ns_offset, &offset, sizeof offset))
        return false;
    if (mul == 0 || shift > 63) {
        /* the kernel scales no counter: its sched_clock is not the TSC's (jiffies) */
        clock_missing = "cyc2ns has no scale (the guest's sched_clock does not use the TSC)";
        return false;
    }
    *ns = (uint64_t)(((unsigned __int128)tsc * mul) >> shift) + offset;
    return true;
}
