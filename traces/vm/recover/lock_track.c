// SPDX-License-Identifier: GPL-2.0
/*
 * oopsim_recover's lock tracking: kretprobes on the takes record a lock when the call returns
 * holding it, kprobes on the releases forget it (lock_track.h; the policy part is recover_main.c).
 */
#include <linux/kernel.h>
#include <linux/slab.h>

#include "lock_track.h"

const char *const class_name[C_NCLASS] = { "spinlock", "rwlock-read", "rwlock-write", "mutex",
					  "rwsem-read", "rwsem-write", "semaphore" };


#define ACQ(s, c, o) { .sym = s, .cls = c, .ok = o, .release = 0 }
#define REL(s, c) { .sym = s, .cls = c, .release = 1 }
#define DOWNGRADE(s) { .sym = s, .cls = C_RWSEM_W, .release = 1, .downgrade = 1 }
struct lockprobe probes[] = {
	/* unlocks first: registered before the acquisitions, unregistered after */
#include "oopsim_lock_probes.h"
};
const size_t nprobes = ARRAY_SIZE(probes);

/* ------------------------------------------------------------ the table */
struct bucket *table;
static atomic_t seqno = ATOMIC_INIT(0);
DEFINE_PER_CPU(struct counters, cnt);
int nregistered;

static void record(void *lock, u8 cls, u16 probe, unsigned long caller)
{
	struct bucket *b = bucket_of(lock);
	unsigned long flags;

	local_irq_save(flags);
	arch_spin_lock(&b->lk);
	if (b->n < BSLOTS) {
		struct held *h = &b->e[b->n++];

		h->lock = lock;
		h->task = current;
		h->caller = caller;
		h->csw = current->nvcsw + current->nivcsw;
		h->cls = cls;
		h->probe = probe;
		h->seq = atomic_inc_return(&seqno);
		this_cpu_inc(cnt.acq);
	} else {
		this_cpu_inc(cnt.dropped);
	}
	arch_spin_unlock(&b->lk);
	local_irq_restore(flags);
}

/* forget one hold of `lock` (class cls); downgrade: turn a write hold into a read hold */
static void forget(void *lock, u8 cls, bool downgrade)
{
	struct bucket *b = bucket_of(lock);
	unsigned long flags;
	int i, mine = -1, oldest = -1;

	local_irq_save(flags);
	arch_spin_lock(&b->lk);
	for (i = 0; i < b->n; i++) {
		struct held *h = &b->e[i];

		if (h->lock != lock || h->cls != cls)
			continue;
		if (h->task == current) {
			mine = i;
			break;
		}
		if (oldest < 0 || (s32)(h->seq - b->e[oldest].seq) < 0)
			oldest = i;
	}
	i = mine >= 0 ? mine : oldest;
	if (i < 0) {
		this_cpu_inc(cnt.rel_unknown);
	} else if (downgrade) {
		b->e[i].cls = C_RWSEM_R;
		this_cpu_inc(cnt.downgrades);
	} else {
		b->e[i] = b->e[--b->n];
		this_cpu_inc(cnt.rel);
	}
	arch_spin_unlock(&b->lk);
	local_irq_restore(flags);
}

/* ------------------------------------------------------------ probes */
static int acq_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	*(void **)ri->data = (void *)regs->di;
	return 0;
}

static int acq_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct lockprobe *p = container_of(get_kretprobe(ri), struct lockprobe, krp);
	long ret = (int)regs_return_value(regs);
	void *lock = *(void **)ri->data;

	if (!lock)
		return 0;
	if ((p->ok == OK_NONZERO && ret == 0) || (p->ok == OK_ZERO && ret != 0))
		return 0;
	record(lock, p->cls, p->idx, get_kretprobe_retaddr(ri));
	return 0;
}

static int rel_pre(struct kprobe *kp, struct pt_regs *regs)
{
	struct lockprobe *p = container_of(kp, struct lockprobe, kp);
	void *lock = (void *)regs->di;

	if (lock)
		forget(lock, p->cls, p->downgrade);
	return 0;
}


/* ------------------------------------------------------------ init / exit */
static void unregister_all(void)
{
	int i;

	/* acquisitions first, unlocks last (reverse of registration) */
	for (i = NPROBES - 1; i >= 0; i--) {
		struct lockprobe *p = &probes[i];

		if (!p->registered)
			continue;
		if (p->release)
			unregister_kprobe(&p->kp);
		else
			unregister_kretprobe(&p->krp);
		p->registered = 0;
	}
}


int lock_track_start(int *bad)
{
	int i, r;

	table = kcalloc(NBUCKETS, sizeof(*table), GFP_KERNEL);
	if (!table)
		return -ENOMEM;
	for (i = 0; i < NBUCKETS; i++)
		table[i].lk = (arch_spinlock_t)__ARCH_SPIN_LOCK_UNLOCKED;
	for (i = 0; i < NPROBES; i++) {
		struct lockprobe *p = &probes[i];

		p->idx = i;
		if (p->release) {
			memset(&p->kp, 0, sizeof(p->kp));
			p->kp.symbol_name = p->sym;
			p->kp.pre_handler = rel_pre;
			r = register_kprobe(&p->kp);
		} else {
			memset(&p->krp, 0, sizeof(p->krp));
			p->krp.kp.symbol_name = p->sym;
			p->krp.entry_handler = acq_entry;
			p->krp.handler = acq_ret;
			p->krp.data_size = sizeof(void *);
			/* sleeping locks keep an instance while they wait */
			p->krp.maxactive = p->cls >= C_MUTEX ? 256 : 64;
			r = register_kretprobe(&p->krp);
		}
		if (r) {
			pr_warn(PFX "cannot probe %s: %d\n", p->sym, r);
			(*bad)++;
			continue;
		}
		p->registered = 1;
		nregistered++;
	}
	return 0;
}

void lock_track_stop(void)
{
	unregister_all();
	kfree(table);
}
