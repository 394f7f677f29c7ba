/*
 * oopsim's QEMU TCG plugin: exact records of what the guest kernel executes, without sampling and
 * without stopping the guest (QEMU >= 9, plugin API v4: register and guest-memory reads).
 *
 * Arguments (name=value, numbers in hex with 0x or decimal):
 *   dir=DIR               where the files go (site-hits.txt, crash-state.txt)
 *   site=ADDR             the fault's site: every execution, by any context, is a line of
 *                         site-hits.txt (traces/import/site_hits.h)
 *   oops=ADDR             the kernel's oops entry (oops_begin): each entry is a line of
 *                         crash-state.txt with the CPU's preempt count and flags register
 *   per_cpu_offset=ADDR   __per_cpu_offset[] (kallsyms)
 *   current_task=OFF      the per-CPU offsets of current_task and __preempt_count (kallsyms)
 *   preempt_count=OFF
 *   jiffies=ADDR          jiffies (kallsyms): the time of each line, in ticks of the guest's HZ
 *   hz=N                  the guest's CONFIG_HZ (250 if not given), said in each file's header
 *   task_pid=OFF          offsets in task_struct of pid and comm (the kernel's BTF)
 *   task_comm=OFF
 *   mem=1                 write mem.txt: the stores of the context that first runs the site,
 *                         and later loads of those bytes by others (mem_record.c, which lists
 *                         the layout arguments it needs from the kernel's BTF and kallsyms)
 *   tasks=1               write blocked.txt at exit: the tasks in uninterruptible sleep at the
 *                         last of the walks made each second, and where they sleep
 *                         (blocked_tasks.c lists the arguments it needs)
 *   clock=1               end each line of site-hits.txt and crash-state.txt with ns=N: the
 *                         guest's trace clock then (guest_clock.c lists its arguments)
 *   coverage=1            write coverage.txt at exit: the address of every kernel instruction
 *                         executed (each block's instructions when the block first runs whole;
 *                         a block an exception leaves mid-way counts whole, as no cheaper
 *                         hook tells where it stopped)
 *
 * Which CPU ran an instruction comes from its gs_base register (k_gs_base while the CPU is in user
 * mode or before SWAPGS) against __per_cpu_offset[]: under `-accel tcg,thread=single` the vCPU
 * index QEMU passes to callbacks is the one that translated the block, not the one executing it.
 */
#include <glib.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

struct plugin_args arg;

static struct qemu_plugin_register *reg_cs, *reg_gs_base, *reg_k_gs_base, *reg_eflags;
struct qemu_plugin_register *reg_rsp;
uint64_t pcpu[MAX_CPUS];
static bool want_coverage;
static GHashTable *blocks;  /* block start -> struct block (kernel blocks, coverage=1) */
static GHashTable *covered; /* executed kernel instruction addresses */

struct block {
    bool ran;
    size_t n;
    uint64_t insn[];
};
int ncpu = -1; /* -1: __per_cpu_offset[] not read yet */
static FILE *site_out, *crash_out;
GMutex lock;

uint64_t read_reg(struct qemu_plugin_register *r)
{
    static __thread GByteArray *buf;
    uint64_t v = 0;
    if (!r)
        return 0;
    if (!buf)
        buf = g_byte_array_new();
    g_byte_array_set_size(buf, 0);
    int n = qemu_plugin_read_register(r, buf);
    if (n > 0)
        memcpy(&v, buf->data, n < 8 ? n : 8);
    return v;
}

bool read_mem(uint64_t addr, void *out, size_t len)
{
    static __thread GByteArray *buf;
    if (!buf)
        buf = g_byte_array_new();
    g_byte_array_set_size(buf, 0);
    bool ok = qemu_plugin_read_memory_vaddr(addr, buf, len);
    if (ok)
        memcpy(out, buf->data, len);
    else
        memset(out, 0, len);
    return ok;
}

uint64_t read_u64(uint64_t addr)
{
    uint64_t v;
    read_mem(addr, &v, sizeof v);
    return v;
}

/* The per-CPU base of the CPU running now, and which CPU that is (-1: not known). */
uint64_t percpu_base(int *cpu)
{
    uint64_t gs = read_reg(reg_gs_base);
    if ((read_reg(reg_cs) & 3) != 0 || gs < KERNEL_HALF)
        gs = read_reg(reg_k_gs_base);
    if (ncpu < 0) {
        ncpu = 0;
        for (int c = 0; c < MAX_CPUS; c++) {
            pcpu[c] = read_u64(arg.per_cpu_offset + 8 * (uint64_t)c);
            if (pcpu[c] < KERNEL_HALF)
                break;
            ncpu = c + 1;
        }
    }
    *cpu = -1;
    for (int c = 0; c < ncpu; c++) {
        if (pcpu[c] == gs)
            *cpu = c;
    }
    return gs;
}

void who_runs(struct who *w)
{
    uint64_t base = percpu_base(&w->cpu);
    w->percpu = w->cpu >= 0 ? base : 0;
    w->task = read_u64(base + arg.current_task);
    w->pid = 0;
    w->preempt = 0;
    memset(w->comm, 0, sizeof w->comm);
    read_mem(w->task + arg.task_pid, &w->pid, sizeof w->pid);
    read_mem(w->task + arg.task_comm, w->comm, 16);
    read_mem(base + arg.preempt_count, &w->preempt, sizeof w->preempt);
    for (char *p = w->comm; *p; p++) {
        if (*p == ' ' || *p == '\n' || (unsigned char)*p < 0x20)
            *p = '_';
    }
    if (!w->comm[0])
        strcpy(w->comm, "?");
    w->jiffies = read_u64(arg.jiffies);
}

/* One line: JIFFIES CPU PID COMM PREEMPT_COUNT [FLAGS] [ns=N] (the running task, or the one an
 * interrupt interrupted; the preempt count tells hard and soft interrupts and NMIs apart; N: the
 * guest's trace clock, when known). */
static void record(FILE *f, bool with_flags)
{
    struct who w;
    uint64_t ns;
    who_runs(&w);
    bool timed = clock_ns(w.percpu, &ns);
    g_mutex_lock(&lock);
    fprintf(f, "%" PRIu64 " %d %d %s %#" PRIx32, w.jiffies, w.cpu, w.pid, w.comm, w.preempt);
    if (with_flags)
        fprintf(f, " %#" PRIx64, read_reg(reg_eflags));
    if (timed)
        fprintf(f, " ns=%" PRIu64, ns);
    fputc('\n', f);
    if (with_flags && arg.clock && !timed)
        fprintf(f, "# (no trace clock on the line above: %s)\n", clock_missing);
    if (with_flags)
        fflush(f); /* the machine may never come back from an oops */
    g_mutex_unlock(&lock);
}

static void on_site(unsigned int vcpu_index, void *udata)
{
    if (site_out)
        record(site_out, false);
    if (arg.mem)
        mem_on_site();
}

static void on_tick(unsigned int vcpu_index, void *udata)
{
    tasks_on_tick();
}

static void on_oops(unsigned int vcpu_index, void *udata)
{
    record(crash_out, true);
    if (arg.mem)
        mem_on_oops();
}

/* A block runs: the first time, its instructions join the coverage (later runs cost a branch). */
static void on_block(unsigned int vcpu_index, void *udata)
{
    struct block *b = udata;
    if (b->ran)
        return;
    g_mutex_lock(&lock);
    b->ran = true;
    for (size_t i = 0; i < b->n; i++)
        g_hash_table_add(covered, (gpointer)(uintptr_t)b->insn[i]);
    g_mutex_unlock(&lock);
}

/* One record per block start, kept across retranslations (a block retranslated whole is the same
 * block; one of another length replaces it, the old one left to the blocks still using it). */
static struct block *block_for(struct qemu_plugin_tb *tb, size_t n)
{
    uint64_t start = qemu_plugin_tb_vaddr(tb);
    g_mutex_lock(&lock);
    struct block *b = g_hash_table_lookup(blocks, (gpointer)(uintptr_t)start);
    if (!b || b->n != n) {
        b = g_malloc0(sizeof *b + n * sizeof b->insn[0]);
        b->n = n;
        for (size_t i = 0; i < n; i++)
            b->insn[i] = qemu_plugin_insn_vaddr(qemu_plugin_tb_get_insn(tb, i));
        g_hash_table_replace(blocks, (gpointer)(uintptr_t)start, b);
    }
    g_mutex_unlock(&lock);
    return b;
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    size_t n = qemu_plugin_tb_n_insns(tb);
    if (want_coverage && n > 0 && qemu_plugin_tb_vaddr(tb) >= KERNEL_HALF)
        qemu_plugin_register_vcpu_tb_exec_cb(tb, on_block, QEMU_PLUGIN_CB_NO_REGS,
                                             block_for(tb, n));
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        uint64_t va = qemu_plugin_insn_vaddr(insn);
        if (arg.mem && va >= KERNEL_HALF)
            mem_instrument(insn, va);
        clock_instrument(tb, i, va);
        if (arg.site && va == arg.site)
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_site, QEMU_PLUGIN_CB_R_REGS, NULL);
        if (arg.tasks && va == arg.tick)
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_tick, QEMU_PLUGIN_CB_R_REGS, NULL);
        if (arg.oops && va == arg.oops)
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_oops, QEMU_PLUGIN_CB_R_REGS, NULL);
    }
}

static void on_vcpu_init(qemu_plugin_id_t id, unsigned int vcpu_index)
{
    if (reg_cs)
        return; /* the handles are the same for every vCPU of the machine */
    GArray *regs = qemu_plugin_get_registers();
    for (guint i = 0; i < regs->len; i++) {
        qemu_plugin_reg_descriptor *d = &g_array_index(regs, qemu_plugin_reg_descriptor, i);
        if (!strcmp(d->name, "cs"))
            reg_cs = d->handle;
        else if (!strcmp(d->name, "gs_base"))
            reg_gs_base = d->handle;
        else if (!strcmp(d->name, "k_gs_base"))
            reg_k_gs_base = d->handle;
        else if (!strcmp(d->name, "eflags"))
            reg_eflags = d->handle;
        else if (!strcmp(d->name, "rsp"))
            reg_rsp = d->handle;
        clock_registers(d->name, d->handle);
    }
    g_array_free(regs, TRUE);
    if (!reg_cs || !reg_gs_base || !reg_k_gs_base || !reg_eflags || !reg_rsp)
        fprintf(stderr, "oopsim plugin: the vCPU lacks cs, gs_base, k_gs_base, eflags or rsp\n");
}

static gint by_address(gconstpointer a, gconstpointer b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void write_coverage(void)
{
    char *path = g_strdup_printf("%s/coverage.txt", arg.dir);
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "oopsim plugin: cannot write %s\n", path);
        g_free(path);
        return;
    }
    GArray *all = g_array_sized_new(FALSE, FALSE, sizeof(uint64_t), g_hash_table_size(covered));
    GHashTableIter it;
    gpointer key;
    g_hash_table_iter_init(&it, covered);
    while (g_hash_table_iter_next(&it, &key, NULL)) {
        uint64_t a = (uintptr_t)key;
        g_array_append_val(all, a);
    }
    g_array_sort(all, by_address);
    fprintf(f, "# kernel instructions executed: %u (QEMU plugin)\n", all->len);
    for (guint i = 0; i < all->len; i++)
        fprintf(f, "%" PRIx64 "\n", g_array_index(all, uint64_t, i));
    fclose(f);
    g_array_free(all, TRUE);
    g_free(path);
}

static void on_plugin_exit(qemu_plugin_id_t id, void *p)
{
    g_mutex_lock(&lock);
    if (want_coverage)
        write_coverage();
    if (site_out)
        fflush(site_out);
    if (crash_out)
        fflush(crash_out);
    if (arg.mem)
        mem_finish();
    if (arg.tasks)
        tasks_finish();
    g_mutex_unlock(&lock);
}

void clock_words(char *out, size_t len)
{
    uint64_t hz = arg.hz ? arg.hz : 250;
    snprintf(out, len, "HZ=%" PRIu64 ", INITIAL_JIFFIES=%" PRIu64, hz,
             (uint64_t)((1ull << 32) - 300 * hz));
}

FILE *open_out(const char *name, const char *header)
{
    char *path = g_strdup_printf("%s/%s", arg.dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        fprintf(stderr, "oopsim plugin: cannot write %s\n", path);
    else
        fputs(header, f);
    g_free(path);
    return f;
}

static bool parse_arg(const char *opt)
{
    static const struct {
        const char *name;
        uint64_t *where;
    } numbers[] = {
        {"site", &arg.site},
        {"oops", &arg.oops},
        {"per_cpu_offset", &arg.per_cpu_offset},
        {"current_task", &arg.current_task},
        {"preempt_count", &arg.preempt_count},
        {"jiffies", &arg.jiffies},
        {"task_pid", &arg.task_pid},
        {"task_comm", &arg.task_comm},
        {"hz", &arg.hz},
        {"task_stack", &arg.task_stack},
        {"thread_size", &arg.thread_size},
        {"kmem_cache_size", &arg.kmem_cache_size},
        {"kmem_cache_name", &arg.kmem_cache_name},
        {"slab_cache", &arg.slab_cache},
        {"pg_slab", &arg.pg_slab},
        {"pgty_slab", &arg.pgty_slab},
        {"slab_page_type", &arg.slab_page_type},
        {"page_offset_base", &arg.page_offset_base},
        {"vmemmap_base", &arg.vmemmap_base},
        {"percpu_size", &arg.percpu_size},
        {"text_start", &arg.text_start},
        {"image_end", &arg.image_end},
        {"mem_stores", &arg.mem_stores},
        {"mem_loads", &arg.mem_loads},
        {"mem_window", &arg.mem_window},
        {"mem_window_work", &arg.mem_window_work},
        {"tick", &arg.tick},
        {"init_task", &arg.init_task},
        {"task_state", &arg.task_state},
        {"task_tasks", &arg.task_tasks},
        {"task_thread_sp", &arg.task_thread_sp},
        {"text_end", &arg.text_end},
        {"cyc2ns", &arg.cyc2ns},
        {"cyc2ns_seq", &arg.cyc2ns_seq},
        {"cyc2ns_size", &arg.cyc2ns_size},
        {"cyc2ns_mul", &arg.cyc2ns_mul},
        {"cyc2ns_shift", &arg.cyc2ns_shift},
        {"cyc2ns_offset", &arg.cyc2ns_offset},
    };
    const char *eq = strchr(opt, '=');
    if (!eq)
        return false;
    size_t len = (size_t)(eq - opt);
    if (len == 3 && !strncmp(opt, "dir", 3)) {
        arg.dir = eq + 1;
        return true;
    }
    if (len == 10 && !strncmp(opt, "instrument", 10)) {
        arg.instrument = eq + 1;
        return true;
    }
    if (len == 5 && !strncmp(opt, "tasks", 5)) {
        arg.tasks = !strcmp(eq + 1, "1") || !strcmp(eq + 1, "on");
        return true;
    }
    if (len == 3 && !strncmp(opt, "mem", 3)) {
        arg.mem = !strcmp(eq + 1, "1") || !strcmp(eq + 1, "on");
        return true;
    }
    if (len == 5 && !strncmp(opt, "clock", 5)) {
        arg.clock = !strcmp(eq + 1, "1") || !strcmp(eq + 1, "on");
        return true;
    }
    if (len == 8 && !strncmp(opt, "coverage", 8)) {
        want_coverage = !strcmp(eq + 1, "1") || !strcmp(eq + 1, "on");
        return true;
    }
    for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++) {
        if (strlen(numbers[i].name) == len && !strncmp(opt, numbers[i].name, len)) {
            char *end;
            *numbers[i].where = strtoull(eq + 1, &end, 0);
            return *end == '\0';
        }
    }
    return false;
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc,
                                           char **argv)
{
    for (int i = 0; i < argc; i++) {
        if (!parse_arg(argv[i])) {
            fprintf(stderr, "oopsim plugin: bad argument '%s'\n", argv[i]);
            return -1;
        }
    }
    if (!arg.dir || !arg.per_cpu_offset || !arg.jiffies || !arg.task_comm) {
        fprintf(stderr, "oopsim plugin: dir, per_cpu_offset, jiffies, task_pid and task_comm are "
                        "required\n");
        return -1;
    }
    if (arg.site) {
        site_out = open_out("site-hits.txt", "");
        if (!site_out)
            return -1;
        char clock[64];
        clock_words(clock, sizeof clock);
        fprintf(site_out,
                "# site %#" PRIx64 "; jiffies (%s) cpu pid comm preempt_count [ns=trace clock]; "
                "every execution (QEMU plugin)\n",
                arg.site, clock);
    }
    if (arg.oops) {
        crash_out = open_out("crash-state.txt",
                             "# oops entries: jiffies cpu pid comm preempt_count eflags "
                             "[ns=trace clock]\n");
        if (!crash_out)
            return -1;
    }
    if (arg.clock && (!arg.cyc2ns || !arg.cyc2ns_size)) {
        fprintf(stderr, "oopsim plugin: clock=1 needs cyc2ns and cyc2ns_size\n");
        return -1;
    }
    if (arg.tasks && !tasks_start())
        return -1;
    if (arg.mem && (!arg.site || !mem_start()))
        return -1; /* the memory record starts at the site's first run */
    if (want_coverage) {
        blocks = g_hash_table_new(g_direct_hash, g_direct_equal);
        covered = g_hash_table_new(g_direct_hash, g_direct_equal);
    }
    qemu_plugin_register_vcpu_init_cb(id, on_vcpu_init);
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    qemu_plugin_register_atexit_cb(id, on_plugin_exit, NULL);
    return 0;
}
