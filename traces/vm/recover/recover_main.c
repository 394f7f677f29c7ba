// SPDX-License-Identifier: GPL-2.0
/*
 * oopsim_recover: enforce oopsim's recovery policies live in the guest.
 *
 * Built out of tree against Debian's linux-headers-6.1.0-NN-amd64 (build.sh
 * beside this file) and loaded by the guest's /init when the kernel cmdline
 * has oopsim.recover=1 (recover/start.sh).
 *
 * Policy: the module parameter `mode` (variable oopsim_recover_mode, a
 * uniquely named global so that the host can find it in kallsyms and write it
 * through QEMU's gdb stub), read at every oops:
 *   0 kill-faulty        do nothing: Linux's default (oops_end kills the task,
 *                        its locks stay held).  The module loads disarmed (0).
 *   1 panic              set panic_on_oops=1, so that oops_end panics
 *                        ("Kernel panic - not syncing: Fatal exception").
 *   2 lock-release       release every lock the dying task holds (as far as
 *                        the tracking below knows), one console line each.
 *   3 subsystem-restart  as 2; the guest daemon oopsim-recoverd then restarts
 *                        the faulting subsystem (kill users, umount, rmmod,
 *                        modprobe, mount, restart users).
 *
 * Lock tracking.  kretprobes on the lock entry points (models/lock_primitives.txt,
 * the same list the tracer probes: gen_headers.sh makes oopsim_lock_probes.h
 * from it) record a lock when the call
 * RETURNS having taken it (trylock / interruptible / killable / timeout
 * variants only on success), kprobes on the unlock entry points forget it.
 * Acquisition is recorded on return, not on entry, so that a task spinning or
 * sleeping on a lock is never mistaken for its holder.
 * The record is a global hash table keyed by the lock's address (not a
 * per-task list): an unlock by any task forgets the lock, which is needed
 * because some locks are released by another task than the one that took them
 * (the runqueue lock is taken by the task that schedules out and released by
 * the one that comes in; semaphores are often up()'d by another task).  For
 * shared holds (read locks, counting semaphores) the unlocking task's own
 * record goes first, else the oldest record of that lock.
 * Each bucket is a fixed array protected by an arch spinlock taken with
 * interrupts off (never sleeps, never calls a probed function); a full bucket
 * drops the record (the lock is then not released at an oops: the safe
 * direction).  kprobe handlers do not nest on one CPU (a probe hit while a
 * handler runs on that CPU is counted as missed by the kprobes core), so a
 * bucket lock is never taken recursively.
 *
 * What is released at an oops (mode 2/3), in reverse order of acquisition,
 * after checking that the lock is still held (and, where the lock records its
 * owner, that the owner is the dying task):
 *   (spin and rw locks only when the task has not context-switched since it took them:
 *    a holder of a spinning lock cannot, so an older record is stale)
 *   spinlock       arch unlock (queued_spin_unlock) – preempt count, irq and
 *                  bh state are left to make_task_dead(), which resets them
 *                  ("note: ... exited with irqs disabled / preempt_count N")
 *   rwlock         queued_read_unlock / queued_write_unlock (same remark)
 *   mutex          mutex_unlock (only if mutex owner == current)
 *   rwsem          up_write (only if owner == current) / up_read
 *   semaphore      up (only if its count is 0)
 * The release runs in the die notifier (DIE_OOPS), before oops_end().
 *
 * LIMITS (what this cannot see or undo):
 *  - locks taken or released by paths that are not these functions: inlined
 *    fast paths (bit spinlocks, lockref's cmpxchg fast path, seqcount readers,
 *    arch_spin_lock users, local_lock/per-cpu locks, percpu_rw_semaphore's
 *    fast path, rt_mutex/PI futexes, ww_mutex_lock, *_non_owner variants);
 *    a lock taken before the module was loaded is unknown;
 *  - a missed probe (nmissed: an interrupt taking a lock while a kprobe
 *    handler, ours or the tracer's, runs on that CPU; no free kretprobe
 *    instance; measured ~0.5% of the operations at boot) loses a record: a missed
 *    acquisition only means the lock is not released; a missed release leaves
 *    a stale record, which the checks above catch for mutexes and write-held
 *    rwsems (owner), spinlocks and rwlocks (context switches), but not for
 *    read-held rwsems and semaphores (a stale record of a lock that is held
 *    by others at the oops would release their hold);
 *  - only the dying task's own locks are released: locks of other contexts
 *    (interrupted contexts, kernel threads waiting on the dead task, work it
 *    queued) are not touched; an oops in interrupt or bh-disabled context
 *    (in_interrupt()) panics anyway and nothing is released;
 *  - RCU read-side sections, preempt/irq/bh disable counts and the task's
 *    half-done updates are not undone (do_exit's exit_rcu() and
 *    make_task_dead() reset the counts; the guarded data stays as it was);
 *  - reference counts, allocations, page locks, buffer locks, journal
 *    handles, wait-queue entries of the dying task are not released;
 *  - releasing a lock opens possibly inconsistent data to the next holder:
 *    that is the policy being measured, not a bug of this module.
 */
#include <linux/hash.h>
#include <linux/kdebug.h>
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/percpu.h>
#include <linux/ptrace.h>
#include <linux/rwsem.h>
#include <linux/sched.h>
#include <linux/semaphore.h>
#include <linux/spinlock.h>

#include "lock_track.h"

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("oopsim: live recovery policies (kill-faulty, panic, lock-release, subsystem-restart)");


/* --------------------------------------------------------------- policy */
#include "oopsim_policy_ids.h" /* MODE_*, NMODES, mode_name[]: from recover/policy_ids.txt */
int oopsim_recover_mode; /* global on purpose: found by name in kallsyms */
static int mode_set(const char *val, const struct kernel_param *kp)
{
	int v, r = kstrtoint(val, 0, &v);

	if (r)
		return r;
	if (v < 0 || v >= NMODES)
		return -EINVAL;
	WRITE_ONCE(oopsim_recover_mode, v);
	return 0;
}
static const struct kernel_param_ops mode_ops = {
	.set = mode_set,
	.get = param_get_int,
};
module_param_cb(mode, &mode_ops, &oopsim_recover_mode, 0644);
MODULE_PARM_DESC(mode, "0 kill-faulty (default), 1 panic, 2 lock-release, 3 subsystem-restart");

static atomic_t oopses = ATOMIC_INIT(0), released_total = ATOMIC_INIT(0);
static atomic_t in_oops = ATOMIC_INIT(0);

/* ------------------------------------------------------------ release at oops */
/* kernel/locking internals of 6.1 (not in the headers) */
#define MUTEX_FLAGS 0x07UL
#define RWSEM_WRITER_LOCKED (1UL << 0)
#define RWSEM_READER_SHIFT 8
#define RWSEM_READER_OWNED (1UL << 0)
#define RWSEM_OWNER_FLAGS_MASK 0x3UL

static int *panic_on_oops_p;

/* kallsyms_lookup_name is not exported since 5.7: its address is the one a kprobe resolves */
static unsigned long lookup_name(const char *name)
{
	struct kprobe kp = { .symbol_name = "kallsyms_lookup_name" };
	unsigned long (*fn)(const char *);

	if (register_kprobe(&kp))
		return 0;
	fn = (void *)kp.addr;
	unregister_kprobe(&kp);
	return fn ? fn(name) : 0;
}

#define MAXREL 64

/* returns NULL when released, else why not */
static const char *release_one(struct held *h)
{
	void *l = h->lock;

	/* a spinning lock is held with preemption off: a holder never context-switches, so a
	 * spin/rw record older than the task's last context switch is stale (its release was
	 * missed), whatever state the lock is in now */
	if (h->cls <= C_WRITE && h->csw != current->nvcsw + current->nivcsw)
		return "stale (the task context-switched since)";
	switch (h->cls) {
	case C_SPIN: {
		arch_spinlock_t *a = &((raw_spinlock_t *)l)->raw_lock;

		if (!arch_spin_is_locked(a))
			return "not locked";
		arch_spin_unlock(a);
		return NULL;
	}
	case C_READ: {
		struct qrwlock *q = &((rwlock_t *)l)->raw_lock;

		if ((atomic_read(&q->cnts) >> _QR_SHIFT) == 0)
			return "no reader";
		queued_read_unlock(q);
		return NULL;
	}
	case C_WRITE: {
		struct qrwlock *q = &((rwlock_t *)l)->raw_lock;

		if ((atomic_read(&q->cnts) & _QW_WMASK) != _QW_LOCKED)
			return "not write-locked";
		queued_write_unlock(q);
		return NULL;
	}
	case C_MUTEX: {
		struct mutex *m = l;

		if ((atomic_long_read(&m->owner) & ~MUTEX_FLAGS) != (unsigned long)current)
			return "owner is another task";
		mutex_unlock(m);
		return NULL;
	}
	case C_RWSEM_W: {
		struct rw_semaphore *s = l;
		unsigned long o = atomic_long_read(&s->owner);

		if (!(atomic_long_read(&s->count) & RWSEM_WRITER_LOCKED) || (o & RWSEM_READER_OWNED) ||
		    (o & ~RWSEM_OWNER_FLAGS_MASK) != (unsigned long)current)
			return "not write-held by this task";
		up_write(s);
		return NULL;
	}
	case C_RWSEM_R: {
		struct rw_semaphore *s = l;

		if ((atomic_long_read(&s->count) >> RWSEM_READER_SHIFT) <= 0)
			return "no reader";
		up_read(s);
		return NULL;
	}
	case C_SEM: {
		struct semaphore *s = l;

		if (READ_ONCE(s->count) != 0)
			return "count not 0";
		up(s);
		return NULL;
	}
	}
	return "unknown kind";
}

static void release_current(int mode)
{
	static struct held got[MAXREL]; /* one oops at a time: die_lock + in_oops */
	int n = 0, i, j, rel = 0, busy = 0, more = 0;

	/* take the dying task's records out of the table first: the unlocks below go through
	 * probed functions again (mutex_unlock takes wait_lock, ...) */
	for (i = 0; i < NBUCKETS; i++) {
		struct bucket *b = &table[i];
		int tries = 1000;

		while (!arch_spin_trylock(&b->lk)) {
			if (--tries == 0)
				break;
			cpu_relax();
		}
		if (!tries) {
			busy++;
			continue;
		}
		for (j = 0; j < b->n;) {
			if (b->e[j].task == current) {
				if (n < MAXREL)
					got[n++] = b->e[j];
				else
					more++;
				b->e[j] = b->e[--b->n];
			} else {
				j++;
			}
		}
		arch_spin_unlock(&b->lk);
	}
	/* newest first */
	for (i = 1; i < n; i++) {
		struct held t = got[i];

		for (j = i - 1; j >= 0 && (s32)(got[j].seq - t.seq) < 0; j--)
			got[j + 1] = got[j];
		got[j + 1] = t;
	}
	for (i = 0; i < n; i++) {
		const char *why = release_one(&got[i]);

		if (!why)
			rel++;
		pr_emerg(PFX "%s %s %px (taken by %s at %pS) pid %d%s%s\n", why ? "kept" : "released",
			 class_name[got[i].cls], got[i].lock, probes[got[i].probe].sym,
			 (void *)got[i].caller, task_pid_nr(current), why ? ": " : "", why ? why : "");
	}
	atomic_add(rel, &released_total);
	pr_emerg(PFX "%s: pid %d (%s) released %d of %d tracked locks%s%s (preempt_count %#x)\n",
		 mode_name[mode], task_pid_nr(current), current->comm, rel, n,
		 more ? ", table overflow" : "", busy ? ", some buckets busy" : "", preempt_count());
}

static int die_cb(struct notifier_block *nb, unsigned long val, void *data)
{
	struct die_args *args = data;
	int mode = READ_ONCE(oopsim_recover_mode);

	if (val != DIE_OOPS || mode <= MODE_KILL_FAULTY || mode >= NMODES)
		return NOTIFY_DONE;
	if (atomic_xchg(&in_oops, 1)) /* an oops inside our own release: do nothing more */
		return NOTIFY_DONE;
	atomic_inc(&oopses);
	pr_emerg(PFX "oops (%s) pid %d (%s) at %pS, policy %s\n", args->str, task_pid_nr(current),
		 current->comm, args->regs ? (void *)instruction_pointer(args->regs) : NULL,
		 mode_name[mode]);
	if (mode == MODE_PANIC) {
		if (panic_on_oops_p) {
			WRITE_ONCE(*panic_on_oops_p, 1);
			pr_emerg(PFX "panic: panic_on_oops=1, oops_end() will panic\n");
		} else {
			pr_emerg(PFX "panic: panic_on_oops not found\n");
		}
	} else if (in_interrupt()) {
		pr_emerg(PFX "%s: oops in interrupt or bh-disabled context (the kernel panics): nothing released\n",
			 mode_name[mode]);
	} else {
		release_current(mode);
	}
	atomic_set(&in_oops, 0);
	return NOTIFY_DONE;
}

static struct notifier_block die_nb = {
	.notifier_call = die_cb,
	.priority = 0,
};

/* ------------------------------------------------------------ stats (read-only param) */
static int stats_get(char *buf, const struct kernel_param *kp)
{
	struct counters s = { 0 };
	unsigned long missed_acq = 0, missed_rel = 0;
	int cpu, i, held = 0;

	for_each_possible_cpu(cpu) {
		struct counters *c = per_cpu_ptr(&cnt, cpu);

		s.acq += c->acq;
		s.rel += c->rel;
		s.rel_unknown += c->rel_unknown;
		s.dropped += c->dropped;
		s.downgrades += c->downgrades;
	}
	for (i = 0; i < NPROBES; i++) {
		if (!probes[i].registered)
			continue;
		if (probes[i].release)
			missed_rel += probes[i].kp.nmissed;
		else
			missed_acq += probes[i].krp.nmissed + probes[i].krp.kp.nmissed;
	}
	for (i = 0; i < NBUCKETS; i++)
		held += READ_ONCE(table[i].n);
	return scnprintf(buf, PAGE_SIZE,
			 "probes=%d/%zu acquired=%lu released=%lu release_unknown=%lu dropped=%lu downgrades=%lu missed_acquire=%lu missed_release=%lu held_now=%d oopses=%d released_at_oops=%d\n",
			 nregistered, NPROBES, s.acq, s.rel, s.rel_unknown, s.dropped, s.downgrades,
			 missed_acq, missed_rel, held, atomic_read(&oopses), atomic_read(&released_total));
}
static const struct kernel_param_ops stats_ops = { .get = stats_get };
module_param_cb(stats, &stats_ops, NULL, 0444);
MODULE_PARM_DESC(stats, "counters of the lock tracking");

static int __init oopsim_recover_init(void)
{
	int r, bad = 0;

	panic_on_oops_p = (int *)lookup_name("panic_on_oops");
	r = lock_track_start(&bad);
	if (r)
		return r;
	r = register_die_notifier(&die_nb);
	if (r) {
		lock_track_stop();
		return r;
	}
	pr_info(PFX "loaded: %d/%zu lock probes (%d failed), mode %d (%s) at %px, panic_on_oops at %px\n",
		nregistered, NPROBES, bad, oopsim_recover_mode, mode_name[oopsim_recover_mode],
		&oopsim_recover_mode, panic_on_oops_p);
	return 0;
}

static void __exit oopsim_recover_exit(void)
{
	unregister_die_notifier(&die_nb);
	lock_track_stop();
	pr_info(PFX "unloaded\n");
}

module_init(oopsim_recover_init);
module_exit(oopsim_recover_exit);
