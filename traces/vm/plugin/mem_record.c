/*
 * The memory record (mem=1): what the context that first runs the fault's site writes, and who
 * reads it after. Lines of mem.txt (traces/import/mem_record.h reads them):
 *
 * A, W and R lines end with ns=N, the guest's trace clock then, when the plugin has it (clock=1).
 *
 *   A JIFFIES CPU PID COMM PREEMPT TASK STACK     the activation: the first run of the site
 *   W JIFFIES INSN ADDR SIZE VALUE REGION START LENGTH NAME
 *                                                 a store by that context (same task, same
 *                                                 interrupt level) from the activation until
 *                                                 the window ends, while it runs the function
 *                                                 that ran the site or what that calls; REGION
 *                                                 START LENGTH NAME is the object the bytes lie
 *                                                 in, read from the guest at the store (below)
 *   E JIFFIES WHY                                 the window ends: oops (the kernel's oops
 *                                                 entry, any context), return (a store of the
 *                                                 context with its stack pointer above the
 *                                                 site's: the function returned), cap
 *                                                 (mem_stores lines), work (mem_window_work
 *                                                 kernel stores by any context since the
 *                                                 activation: the guest's work, which host
 *                                                 load does not change as it does the
 *                                                 guest's time), time (mem_window jiffies,
 *                                                 only when given)
 *   R JIFFIES CPU PID COMM PREEMPT INSN ADDR SIZE W
 *                                                 a load by another context of bytes a W line
 *                                                 (W: its number, from 1) wrote: the first by
 *                                                 each context of each W line's bytes, until a
 *                                                 store by anyone else overwrites them
 *   S stores=N loads=N dropped_loads=N tracer_stores=N tracer_entries=N load_hits=N
 *     line_filter_passes=N window_work=N
 *                                                 at exit (tracer_stores: the context's stores
 *                                                 left out as the tracer's; the last two: how
 *                                                 many loads of watched bytes, of watched
 *                                                 64-byte lines, were checked)
 *
 * Regions: stack (the context's kernel stack), task (its task_struct), slab (NAME: the cache;
 * START LENGTH: the slab object), global (kernel image data: the importer names the symbol),
 * percpu (NAME: the CPU; START: its area), page-cache, anon-page, page (a page in the direct map
 * not in a slab: START the page), other (vmalloc, module data: START the page).
 *
 * Arguments (hex): task_stack (task_struct's stack field), how a slab page is told: pg_slab (the
 * page flag's bit, up to 6.7) or pgty_slab slab_page_type (from 6.8: the type in the top byte of
 * the page's type word, and that word's place in struct slab), thread_size (the
 * kernel stack: 16 KiB if not given), slab_cache (struct slab's), kmem_cache_size kmem_cache_name
 * (struct kmem_cache's size and name fields), page_offset_base vmemmap_base (kallsyms: the
 * variables holding the direct map's and struct page array's bases), percpu_size (__per_cpu_end),
 * text_start image_end (_stext, _end); mem_stores mem_loads (W and R lines kept: 4096 each),
 * mem_window_work (10000000), mem_window (jiffies: none); instrument=FILE (lines 'ADDRESS [ret]', hex: where the guest's
 * tracer is entered, by a call or by a return, plugin/instrument_entries.txt: what the context stores from such an entry
 * until it returns is left out).
 * Addresses are virtual: a kernel object is reached through one mapping (the direct map, the
 * vmalloc'd stack), so a load of the same bytes has the same address.
 */
#include <inttypes.h>
#include <string.h>

#include "plugin.h"

#define PAGE_SHIFT 12
#define STRUCT_PAGE_SIZE 64
#define PAGE_COMPOUND_HEAD 8 /* struct page: compound_head (bit 0: a tail page) */
#define PAGE_MAPPING 24      /* struct page: mapping (bit 0: anonymous) */
#define DIRECT_MAP_SIZE (1ull << 46)

enum phase { IDLE, WINDOW, AFTER };
static enum phase phase = IDLE;
static FILE *out;
static uint64_t act_task, act_stack, act_sp, act_jiffies, page_offset, vmemmap;
static GHashTable *entries; /* where the guest's tracer is entered (instrument=FILE) */
static uint64_t tracer_sp;  /* nonzero: the activating context is in the tracer, entered here */
static uint64_t n_tracer_stores, n_entries;
static int act_level;
static GHashTable *watched;    /* byte address -> W line number */
static uint64_t n_watched;     /* how many bytes are watched */
static GHashTable *reads_seen; /* (W line, reader) keys already written */
/* Watched bytes per bucket of 64-byte lines: most accesses are told apart from watched bytes
 * here, with no lock and no hash table (the vCPUs of `-accel tcg,thread=single` take turns). */
#define LINE_SHIFT 6
#define FILTER_BITS 18
static uint32_t line_filter[1u << FILTER_BITS];
static uint64_t n_stores, n_loads, dropped_loads, n_hits, n_filtered;
static uint64_t window_work; /* kernel stores by any context in the window */

/* The context running now: its task and interrupt level (cheaper than who_runs). Returns the
 * CPU's per-CPU base (0: the CPU is not known). */
static uint64_t running(uint64_t *task, int *level)
{
    int cpu;
    uint64_t base = percpu_base(&cpu);
    uint32_t preempt = 0;
    *task = read_u64(base + arg.current_task);
    read_mem(base + arg.preempt_count, &preempt, sizeof preempt);
    *level = irq_level(preempt);
    return cpu >= 0 ? base : 0;
}

struct object {
    const char *region;
    uint64_t start, length;
    char name[48];
};

/* Whether the head page HEAD holds a slab: its flag, or where the kernel has none its type. */
static bool is_slab(uint64_t head)
{
    if (arg.pgty_slab) {
        uint32_t type = 0;
        read_mem(head + arg.slab_page_type, &type, sizeof type);
        return type >> 24 == arg.pgty_slab;
    }
    return (read_u64(head) & (1ull << arg.pg_slab)) != 0;
}

static void slab_or_page(uint64_t addr, struct object *o)
{
    uint64_t page = vmemmap + ((addr - page_offset) >> PAGE_SHIFT) * STRUCT_PAGE_SIZE;
    uint64_t head = page, ch = read_u64(page + PAGE_COMPOUND_HEAD);
    if (ch & 1)
        head = ch - 1;
    uint64_t base = page_offset + ((head - vmemmap) / STRUCT_PAGE_SIZE << PAGE_SHIFT);
    if (is_slab(head)) {
        uint64_t cache = read_u64(head + arg.slab_cache);
        uint32_t size = 0;
        read_mem(cache + arg.kmem_cache_size, &size, sizeof size);
        read_mem(read_u64(cache + arg.kmem_cache_name), o->name, sizeof o->name - 1);
        o->region = "slab";
        o->length = size ? size : 1u << PAGE_SHIFT;
        o->start = base + (addr - base) / o->length * o->length;
        return;
    }
    uint64_t mapping = read_u64(head + PAGE_MAPPING);
    o->region = (mapping & 1) ? "anon-page" : mapping ? "page-cache" : "page";
    o->start = addr & ~((1ull << PAGE_SHIFT) - 1);
    o->length = 1u << PAGE_SHIFT;
}

/* The object the bytes at ADDR lie in, as the guest has it now. */
static void classify(uint64_t addr, struct object *o)
{
    memset(o, 0, sizeof *o);
    if (act_stack && addr >= act_stack && addr < act_stack + arg.thread_size) {
        *o = (struct object){"stack", act_stack, arg.thread_size, ""};
    } else if (addr >= arg.text_start && addr < arg.image_end) {
        *o = (struct object){"global", 0, 0, ""};
    } else {
        for (int c = 0; c < ncpu; c++) {
            if (addr >= pcpu[c] && addr < pcpu[c] + arg.percpu_size) {
                *o = (struct object){"percpu", pcpu[c], arg.percpu_size, ""};
                snprintf(o->name, sizeof o->name, "cpu%d", c);
                return;
            }
        }
        if (page_offset && addr >= page_offset && addr < page_offset + DIRECT_MAP_SIZE) {
            slab_or_page(addr, o);
            if (o->start == act_task && !strcmp(o->region, "slab")) {
                o->region = "task"; /* its own task_struct (the slab's size: the FPU state's
                                       is the CPU's, BTF's size is not the object's) */
                o->name[0] = 0;
            }
        } else {
            *o = (struct object){"other", addr & ~((1ull << PAGE_SHIFT) - 1), 1u << PAGE_SHIFT, ""};
        }
    }
    for (char *p = o->name; *p; p++) {
        if (*p <= ' ' || (unsigned char)*p >= 0x7f)
            *p = '_';
    }
    if (!o->name[0])
        strcpy(o->name, "-");
}

/* Ends a record line: with the guest's trace clock when known (clock=1). */
static void end_line(uint64_t percpu)
{
    uint64_t ns;
    if (clock_ns(percpu, &ns))
        fprintf(out, " ns=%" PRIu64, ns);
    fputc('\n', out);
}

static void end_window(const char *why)
{
    fprintf(out, "E %" PRIu64 " %s\n", read_u64(arg.jiffies), why);
    fflush(out);
    phase = AFTER;
}

static inline uint32_t *filter_of(uint64_t addr)
{
    uint64_t line = addr >> LINE_SHIFT;
    return &line_filter[(line ^ (line >> FILTER_BITS) ^ (line >> 2 * FILTER_BITS)) &
                        ((1u << FILTER_BITS) - 1)];
}

static void watch(uint64_t addr, unsigned size, uint64_t line)
{
    for (unsigned i = 0; i < size; i++) {
        gpointer key = (gpointer)(uintptr_t)(addr + i);
        if (!g_hash_table_contains(watched, key)) {
            n_watched++;
            ++*filter_of(addr + i);
        }
        g_hash_table_insert(watched, key, (gpointer)(uintptr_t)line);
    }
}

static void forget(uint64_t addr, unsigned size)
{
    for (unsigned i = 0; i < size; i++) {
        if (!g_hash_table_remove(watched, (gpointer)(uintptr_t)(addr + i)))
            continue;
        n_watched--;
        --*filter_of(addr + i);
    }
}

static inline bool maybe_watched(uint64_t addr, unsigned size)
{
    return *filter_of(addr) || *filter_of(addr + size - 1);
}

static void on_store(qemu_plugin_meminfo_t info, uint64_t addr, unsigned size, uint64_t insn)
{
    if (phase == WINDOW) {
        uint64_t task = 0, jiffies = read_u64(arg.jiffies), sp, percpu = 0;
        int level = -1;
        /* A task runs on its own stack (interrupts on the CPU's): a store from another stack is
         * not the activating task's, and one register tells. */
        sp = read_reg(reg_rsp);
        if (act_level > 0 || (sp >= act_stack && sp < act_stack + arg.thread_size))
            percpu = running(&task, &level);
        if (task == act_task && level == act_level && tracer_sp) {
            /* (a memory callback sees the stack pointer from before its instruction: a push
             * at the entry is at the entry's) */
            if (sp <= tracer_sp) {
                n_tracer_stores++; /* the tracer's footprint, not the kernel's own work */
                return;
            }
            tracer_sp = 0; /* it returned from the tracer */
        }
        if (task == act_task && level == act_level && sp > act_sp) {
            /* Its stack pointer is above the site's: the function that ran the site returned. */
            end_window("return");
        } else if (task == act_task && level == act_level) {
            qemu_plugin_mem_value v = qemu_plugin_mem_get_value(info);
            uint64_t value = v.type == QEMU_PLUGIN_MEM_VALUE_U8    ? v.data.u8
                             : v.type == QEMU_PLUGIN_MEM_VALUE_U16 ? v.data.u16
                             : v.type == QEMU_PLUGIN_MEM_VALUE_U32 ? v.data.u32
                             : v.type == QEMU_PLUGIN_MEM_VALUE_U64 ? v.data.u64
                                                                   : v.data.u128.low;
            struct object o;
            classify(addr, &o);
            n_stores++;
            fprintf(out,
                    "W %" PRIu64 " %#" PRIx64 " %#" PRIx64 " %u %#" PRIx64 " %s %#" PRIx64
                    " %#" PRIx64 " %s",
                    jiffies, insn, addr, size, value, o.region, o.start, o.length, o.name);
            end_line(percpu);
            if (strcmp(o.region, "stack") != 0) /* its own stack: no other context reads it */
                watch(addr, size, n_stores);
            if (n_stores >= arg.mem_stores)
                end_window("cap");
            return;
        }
        if (++window_work >= arg.mem_window_work)
            end_window("work");
        else if (arg.mem_window && jiffies - act_jiffies > arg.mem_window)
            end_window("time");
    }
    if (n_watched && maybe_watched(addr, size))
        forget(addr, size);
}

static void on_load(uint64_t addr, unsigned size, uint64_t insn)
{
    n_filtered++;
    if (!n_watched || !maybe_watched(addr, size))
        return;
    uint64_t line = 0;
    for (unsigned i = 0; i < size && !line; i++)
        line = (uintptr_t)g_hash_table_lookup(watched, (gpointer)(uintptr_t)(addr + i));
    if (!line)
        return;
    n_hits++;
    uint64_t task;
    int level;
    running(&task, &level);
    if (task == act_task && level == act_level)
        return;
    struct who w;
    who_runs(&w);
    gpointer key = (gpointer)(uintptr_t)((line << 42) ^ ((w.task >> 6) << 2) ^ (uint64_t)level);
    if (!g_hash_table_add(reads_seen, key))
        return;
    if (n_loads >= arg.mem_loads) {
        dropped_loads++;
        return;
    }
    n_loads++;
    fprintf(out, "R %" PRIu64 " %d %d %s %#" PRIx32 " %#" PRIx64 " %#" PRIx64 " %u %" PRIu64,
            w.jiffies, w.cpu, w.pid, w.comm, w.preempt, insn, addr, size, line);
    end_line(w.percpu);
}

static void on_mem(unsigned int vcpu_index, qemu_plugin_meminfo_t info, uint64_t vaddr, void *udata)
{
    if (phase == IDLE || vaddr < KERNEL_HALF)
        return;
    unsigned size = 1u << qemu_plugin_mem_size_shift(info);
    if (phase == AFTER && !maybe_watched(vaddr, size))
        return;
    uint64_t insn = (uintptr_t)udata;
    g_mutex_lock(&lock);
    if (qemu_plugin_mem_is_store(info))
        on_store(info, vaddr, size, insn);
    else
        on_load(vaddr, size, insn);
    g_mutex_unlock(&lock);
}

static void on_entry(unsigned int vcpu_index, void *udata)
{
    g_mutex_lock(&lock);
    n_entries++;
    if (phase == WINDOW && !tracer_sp) { /* udata: entered by a return, not by a call */
        uint64_t task;
        int level;
        running(&task, &level);
        if (task == act_task && level == act_level)
            tracer_sp = read_reg(reg_rsp) - (udata ? 8 : 0);
    }
    g_mutex_unlock(&lock);
}

void mem_instrument(struct qemu_plugin_insn *insn, uint64_t vaddr)
{
    gpointer how;
    if (entries && g_hash_table_lookup_extended(entries, (gpointer)(uintptr_t)vaddr, NULL, &how))
        qemu_plugin_register_vcpu_insn_exec_cb(insn, on_entry, QEMU_PLUGIN_CB_R_REGS, how);
    qemu_plugin_register_vcpu_mem_cb(insn, on_mem, QEMU_PLUGIN_CB_R_REGS, QEMU_PLUGIN_MEM_RW,
                                     (void *)(uintptr_t)vaddr);
}

/* The fault's site runs: the first run starts the window. */
void mem_on_site(void)
{
    g_mutex_lock(&lock);
    if (phase == IDLE) {
        struct who w;
        who_runs(&w);
        act_task = w.task;
        act_level = irq_level(w.preempt);
        act_jiffies = w.jiffies;
        act_stack = read_u64(w.task + arg.task_stack);
        act_sp = read_reg(reg_rsp);
        page_offset = read_u64(arg.page_offset_base);
        vmemmap = read_u64(arg.vmemmap_base);
        fprintf(out, "A %" PRIu64 " %d %d %s %#" PRIx32 " %#" PRIx64 " %#" PRIx64, w.jiffies,
                w.cpu, w.pid, w.comm, w.preempt, act_task, act_stack);
        end_line(w.percpu);
        phase = WINDOW;
    }
    g_mutex_unlock(&lock);
}

void mem_on_oops(void)
{
    g_mutex_lock(&lock);
    if (phase == WINDOW)
        end_window("oops");
    g_mutex_unlock(&lock);
}

static bool load_entries(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "oopsim plugin: cannot read %s\n", path);
        return false;
    }
    entries = g_hash_table_new(g_direct_hash, g_direct_equal);
    char line[64], how[8];
    unsigned long long a;
    bool ok = true;
    while (ok && fgets(line, sizeof line, f)) {
        int n = sscanf(line, "%llx %7s", &a, how);
        ok = n >= 1 && (n == 1 || !strcmp(how, "ret"));
        if (ok)
            g_hash_table_insert(entries, (gpointer)(uintptr_t)a, GINT_TO_POINTER(n == 2));
    }
    fclose(f);
    if (!ok)
        fprintf(stderr, "oopsim plugin: %s: not 'ADDRESS [ret]' lines\n", path);
    return ok;
}

bool mem_start(void)
{
    if (!arg.task_stack || !arg.kmem_cache_size || !arg.kmem_cache_name ||
        !arg.slab_cache || !(arg.pg_slab || (arg.pgty_slab && arg.slab_page_type)) ||
        !arg.page_offset_base || !arg.vmemmap_base || !arg.image_end) {
        fprintf(stderr, "oopsim plugin: mem=1 needs task_stack, kmem_cache_size, "
                        "kmem_cache_name, slab_cache, pg_slab (or pgty_slab and slab_page_type), "
                        "page_offset_base, vmemmap_base, text_start and image_end\n");
        return false;
    }
    if (!arg.thread_size)
        arg.thread_size = 4u << PAGE_SHIFT;
    if (!arg.mem_stores)
        arg.mem_stores = 4096;
    if (!arg.mem_loads)
        arg.mem_loads = 4096;
    if (!arg.mem_window_work)
        arg.mem_window_work = 10000000;
    if (arg.instrument && !load_entries(arg.instrument))
        return false;
    out = open_out("mem.txt", "");
    if (out) {
        char clock[64];
        clock_words(clock, sizeof clock);
        fprintf(out,
                "# mem (QEMU plugin) site %#" PRIx64 ": A activation, W stores by the activating "
                "context, E window end, R later loads by others, S totals; jiffies (%s); "
                "preempt_count=%" PRIu64 "\n",
                arg.site, clock, arg.preempt_count);
    }
    watched = g_hash_table_new(g_direct_hash, g_direct_equal);
    reads_seen = g_hash_table_new(g_direct_hash, g_direct_equal);
    return out != NULL;
}

void mem_finish(void)
{
    if (!out)
        return;
    fprintf(out,
            "S stores=%" PRIu64 " loads=%" PRIu64 " dropped_loads=%" PRIu64 " tracer_stores=%" PRIu64
            " tracer_entries=%" PRIu64 " load_hits=%" PRIu64 " line_filter_passes=%" PRIu64
            " window_work=%" PRIu64 "\n",
            n_stores, n_loads, dropped_loads, n_tracer_stores, n_entries, n_hits, n_filtered,
            window_work);
    fflush(out);
}
