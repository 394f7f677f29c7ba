/*
 * What the parts of oopsim's QEMU plugin share: its arguments, guest reads, and who runs now.
 */
#ifndef OOPSIM_PLUGIN_H
#define OOPSIM_PLUGIN_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <qemu-plugin.h>

#define MAX_CPUS 64
#define KERNEL_HALF 0xffff800000000000ull

/* The preempt count's fields (include/linux/preempt.h). */
#define SOFTIRQ_OFFSET 0x100u   /* a softirq is being served (bottom halves off is 0x200 steps) */
#define HARDIRQ_MASK 0xf0000u
#define NMI_MASK 0xf00000u

struct plugin_args {
    uint64_t site, oops, per_cpu_offset, current_task, preempt_count, jiffies, task_pid, task_comm;
    uint64_t hz; /* the guest's CONFIG_HZ: the jiffies' rate (250 if not given) */
    /* memory record (mem=1): layouts from the kernel's BTF, addresses from kallsyms */
    uint64_t task_stack, thread_size, kmem_cache_size, kmem_cache_name, slab_cache, pg_slab;
    uint64_t pgty_slab, slab_page_type; /* a slab page by its type (6.8 on): see mem_record.c */
    uint64_t page_offset_base, vmemmap_base, percpu_size, text_start, image_end;
    uint64_t mem_stores, mem_loads; /* how many W and R lines mem.txt keeps at most */
    uint64_t mem_window;            /* jiffies after the activation the window ends at most (0: no
                                     * bound by time) */
    uint64_t mem_window_work;       /* kernel stores by any context after the activation the
                                     * window ends at most */
    /* blocked tasks (tasks=1, blocked_tasks.c) */
    uint64_t tick, init_task, task_state, task_tasks, task_thread_sp, text_end;
    /* the guest's trace clock (clock=1, guest_clock.c): cyc2ns's per-CPU offset and layout */
    uint64_t cyc2ns, cyc2ns_seq, cyc2ns_size, cyc2ns_mul, cyc2ns_shift, cyc2ns_offset;
    bool clock;
    bool tasks;
    bool mem;
    const char *dir, *instrument;
};
extern struct plugin_args arg;
extern GMutex lock;
extern uint64_t pcpu[MAX_CPUS];
extern int ncpu;
extern struct qemu_plugin_register *reg_rsp;

uint64_t read_reg(struct qemu_plugin_register *r);
bool read_mem(uint64_t addr, void *out, size_t len);
uint64_t read_u64(uint64_t addr);
/* The per-CPU base of the CPU running now, and which CPU that is (-1: not known). */
uint64_t percpu_base(int *cpu);

/* Who runs now: the task (or the one an interrupt interrupted) and the CPU's preempt count. */
struct who {
    uint64_t jiffies, task, percpu;
    int cpu;
    int32_t pid;
    uint32_t preempt;
    char comm[17];
};
void who_runs(struct who *w);
/* 0 a task, 1 a softirq, 2 a hard interrupt, 3 an NMI: with the task, one context. */
static inline int irq_level(uint32_t preempt)
{
    return (preempt & NMI_MASK) ? 3 : (preempt & HARDIRQ_MASK) ? 2 : (preempt & SOFTIRQ_OFFSET) ? 1 : 0;
}

FILE *open_out(const char *name, const char *header);
/* The jiffies' clock, for the records' headers: "HZ=250, INITIAL_JIFFIES=4294892296". */
void clock_words(char *out, size_t len);

/* The guest's trace clock (guest_clock.c). */
void clock_registers(const char *name, struct qemu_plugin_register *handle);
void clock_instrument(struct qemu_plugin_tb *tb, size_t i, uint64_t vaddr);
/* The guest's trace clock now, in ns, on the CPU whose per-CPU base is PERCPU; false: not known
 * (clock=0, or the guest has not read its counter since the plugin started). */
bool clock_ns(uint64_t percpu, uint64_t *ns);
extern const char *clock_missing; /* why clock_ns last said no */

/* The memory record (mem_record.c). */
bool mem_start(void);
void mem_instrument(struct qemu_plugin_insn *insn, uint64_t vaddr);
void mem_on_site(void);
void mem_on_oops(void);
void mem_finish(void);

/* Where tasks wait (blocked_tasks.c). */
bool tasks_start(void);
void tasks_on_tick(void);
void tasks_finish(void);

#endif
