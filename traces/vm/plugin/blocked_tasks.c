/*
 * Where tasks wait (tasks=1): every 250 jiffies (one second), from the timer tick
 * (update_process_times), the plugin walks the kernel's task list and keeps each task's state
 * (D: uninterruptible sleep, not TASK_NOLOAD: what the hung-task detector watches; S:
 * interruptible sleep; R: running or waiting to run), since when it has been in that state at
 * every walk, and the kernel text addresses on its stack from its saved stack pointer up (a scan,
 * innermost first: return addresses, and maybe stale ones; for a running task, where it last
 * switched). At exit, blocked.txt (traces/import/blocked_tasks.h reads it):
 *
 *   # blocked ...
 *   W JIFFIES TASKS                      the last walk: when, and how many tasks it saw
 *   B PID COMM STATE SINCE ADDR...       a task at the last walk: its state (D, S, R) since
 *                                        SINCE (jiffies)
 *
 * Every way a task waits for another (a page or buffer lock, a completion, a wait queue, a bit,
 * an RCU grace period) shows here as the functions it sleeps in, whatever the primitive: a task
 * blocked for good after a crash names what it waits on, with no detector report needed.
 *
 * Arguments (hex): tick (update_process_times), init_task (kallsyms), task_state task_tasks
 * task_thread_sp (task_struct's __state, tasks and thread.sp, from BTF), text_end (_etext).
 * Only thread-group leaders are on the task list: other threads of a process are not walked.
 */
#include <inttypes.h>
#include <string.h>

#include "plugin.h"

#define TASK_INTERRUPTIBLE 0x1u
#define TASK_UNINTERRUPTIBLE 0x2u
#define TASK_NOLOAD 0x400u
#define MAX_TASKS 4096
#define MAX_RETS 16
#define WALK_JIFFIES 250

struct blocked_task {
    int32_t pid;
    char comm[17];
    char state;
    uint64_t since;
    int n;
    uint64_t ret[MAX_RETS];
    uint64_t walk; /* the walk that last saw it blocked */
};

static GHashTable *blocked; /* pid -> struct blocked_task */
static uint64_t last_walk_jiffies, walks, last_walk_tasks;

static void scan_stack(uint64_t task, struct blocked_task *b)
{
    static uint64_t words[(64u << 10) / 8]; /* up to a 64 KiB stack */
    uint64_t sp = read_u64(task + arg.task_thread_sp);
    uint64_t base = read_u64(task + arg.task_stack);
    b->n = 0;
    if (sp < base || sp >= base + arg.thread_size)
        return;
    size_t len = (size_t)(base + arg.thread_size - sp);
    if (len > sizeof words)
        len = sizeof words;
    if (!read_mem(sp, words, len))
        return;
    for (size_t i = 0; i < len / 8 && b->n < MAX_RETS; i++) {
        if (words[i] >= arg.text_start && words[i] < arg.text_end)
            b->ret[b->n++] = words[i];
    }
}

static void note_task(uint64_t task, char state, uint64_t jiffies)
{
    int32_t pid = 0;
    read_mem(task + arg.task_pid, &pid, sizeof pid);
    struct blocked_task *b = g_hash_table_lookup(blocked, GINT_TO_POINTER(pid));
    if (!b || b->walk != walks - 1 || b->state != state) { /* new to this state */
        if (!b) {
            b = g_new0(struct blocked_task, 1);
            g_hash_table_insert(blocked, GINT_TO_POINTER(pid), b);
        }
        b->pid = pid;
        b->state = state;
        b->since = jiffies;
    }
    read_mem(task + arg.task_comm, b->comm, 16);
    for (char *p = b->comm; *p; p++) {
        if (*p <= ' ' || (unsigned char)*p >= 0x7f)
            *p = '_';
    }
    scan_stack(task, b);
    b->walk = walks;
}

static gboolean not_blocked_now(gpointer key, gpointer value, gpointer data)
{
    return ((struct blocked_task *)value)->walk != walks;
}

/* The timer ticked: walk the task list once a second. */
void tasks_on_tick(void)
{
    g_mutex_lock(&lock);
    uint64_t jiffies = read_u64(arg.jiffies);
    if (!walks || jiffies - last_walk_jiffies >= WALK_JIFFIES) {
        last_walk_jiffies = jiffies;
        walks++;
        uint64_t head = arg.init_task + arg.task_tasks, p = read_u64(head);
        uint64_t n = 0;
        for (; p && p != head && n < MAX_TASKS; p = read_u64(p), n++) {
            uint64_t task = p - arg.task_tasks;
            uint32_t state = 0;
            read_mem(task + arg.task_state, &state, sizeof state);
            if ((state & TASK_UNINTERRUPTIBLE) && !(state & TASK_NOLOAD))
                note_task(task, 'D', jiffies);
            else if (state & TASK_INTERRUPTIBLE)
                note_task(task, 'S', jiffies);
            else if (state == 0)
                note_task(task, 'R', jiffies);
        }
        last_walk_tasks = n;
        g_hash_table_foreach_remove(blocked, not_blocked_now, NULL);
    }
    g_mutex_unlock(&lock);
}

bool tasks_start(void)
{
    if (!arg.tick || !arg.init_task || !arg.task_state || !arg.task_tasks ||
        !arg.task_thread_sp || !arg.task_stack || !arg.text_start || !arg.text_end) {
        fprintf(stderr, "oopsim plugin: tasks=1 needs tick, init_task, task_state, task_tasks, "
                        "task_thread_sp, task_stack, text_start and text_end\n");
        return false;
    }
    if (!arg.thread_size)
        arg.thread_size = 16u << 10;
    blocked = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    return true;
}

static gint by_pid(gconstpointer a, gconstpointer b)
{
    const struct blocked_task *x = *(struct blocked_task *const *)a;
    const struct blocked_task *y = *(struct blocked_task *const *)b;
    return (x->pid > y->pid) - (x->pid < y->pid);
}

void tasks_finish(void)
{
    if (!blocked)
        return;
    FILE *f = open_out("blocked.txt", "");
    if (!f)
        return;
    char clock[64];
    clock_words(clock, sizeof clock);
    fprintf(f, "# blocked (QEMU plugin): W last walk (jiffies, tasks); B pid comm state "
               "since_jiffies kernel text addresses on its stack; jiffies (%s)\n",
            clock);
    fprintf(f, "W %" PRIu64 " %" PRIu64 "\n", last_walk_jiffies, last_walk_tasks);
    GPtrArray *all = g_ptr_array_new();
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, blocked);
    while (g_hash_table_iter_next(&it, NULL, &value))
        g_ptr_array_add(all, value);
    g_ptr_array_sort(all, by_pid);
    for (guint i = 0; i < all->len; i++) {
        struct blocked_task *b = g_ptr_array_index(all, i);
        fprintf(f, "B %d %s %c %" PRIu64, b->pid, b->comm[0] ? b->comm : "?", b->state, b->since);
        for (int k = 0; k < b->n; k++)
            fprintf(f, " %#" PRIx64, b->ret[k]);
        fputc('\n', f);
    }
    g_ptr_array_free(all, TRUE);
    fclose(f);
}
