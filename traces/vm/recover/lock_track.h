/* SPDX-License-Identifier: GPL-2.0 */
/*
 * oopsim_recover's lock tracking (lock_track.c): the probes on the lock entry points
 * (models/lock_primitives.txt, made into oopsim_lock_probes.h by gen_headers.sh) and the table of
 * the locks each task holds, which the policy part (recover_main.c) releases at an oops.
 */
#ifndef OOPSIM_LOCK_TRACK_H
#define OOPSIM_LOCK_TRACK_H

#include <linux/atomic.h>
#include <linux/hash.h>
#include <linux/kprobes.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#define PFX "oopsim-recover: "

/* ------------------------------------------------------------ lock kinds */
enum lk_class { C_SPIN, C_READ, C_WRITE, C_MUTEX, C_RWSEM_R, C_RWSEM_W, C_SEM, C_NCLASS };
extern const char *const class_name[C_NCLASS];

/* success test on the return value */
enum { OK_ALWAYS, OK_NONZERO, OK_ZERO };

struct lockprobe {
	const char *sym;
	u8 cls;
	u8 ok;      /* acquire: when the call took the lock */
	u8 release; /* 1: an unlock entry point (kprobe); 0: acquire (kretprobe) */
	u8 downgrade; /* downgrade_write: the write hold becomes a read hold */
	u8 registered;
	u16 idx;
	union {
		struct kretprobe krp;
		struct kprobe kp;
	};
};

extern struct lockprobe probes[];
extern const size_t nprobes;
#define NPROBES nprobes

/* ------------------------------------------------------------ the table */
#define HBITS 9
#define NBUCKETS (1 << HBITS)
#define BSLOTS 8

struct held {
	void *lock;
	struct task_struct *task;
	unsigned long caller; /* return address of the lock call */
	unsigned long csw;    /* the task's context switches (nvcsw + nivcsw) when it took the lock */
	u32 seq;
	u16 probe; /* index in probes[] of the acquisition */
	u8 cls;
};

struct bucket {
	arch_spinlock_t lk;
	u32 n;
	struct held e[BSLOTS];
} ____cacheline_aligned;

extern struct bucket *table;

struct counters {
	unsigned long acq, rel, rel_unknown, dropped, downgrades;
};
DECLARE_PER_CPU(struct counters, cnt);
extern int nregistered;


static inline struct bucket *bucket_of(void *lock)
{
	return &table[hash_ptr(lock, HBITS)];
}


/* Allocates the table and registers the probes (a probe that cannot be placed is skipped and
 * counted in *bad); 0 or -errno. */
int lock_track_start(int *bad);
/* Unregisters the probes (acquisitions first, unlocks last) and frees the table. */
void lock_track_stop(void);

#endif
