/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pyheap gc: the cycle collector's controls, for any kernel code
 *
 * What Python's gc module offers a program, offered to a module that owns
 * a heap: collect a generation now, turn automatic collection off and on,
 * read and set the thresholds, freeze the objects that exist, and read
 * the counts, the statistics and the garbage list.  The figures are those
 * of user space's GC_GET and GC_STATS, in the same struct.
 *
 * Limitations: every call needs the heap's lock (pyheap_heap_lock()), as
 * every call of CPython's gc module runs under the GIL; only
 * pyheap_gc_collect() may sleep for long.  Debug flags (gc.set_debug())
 * are user space's only: what they print goes to the kernel log.
 */
#ifndef _PYHEAP_GC_H
#define _PYHEAP_GC_H

#include <linux/types.h>
#include <uapi/linux/pyheap.h>	/* PYHEAP_GC_NR_GENS, pyheap_gc_gen_stats */

struct pyheap_heap;

/**
 * DOC: Calling the collector
 *
 * Every call takes a heap the caller made with pyheap_heap_create() and
 * holds the lock of, with pyheap_heap_lock(); lockdep checks it.  The
 * lock keeps every reference where it is, so what a call reads stays
 * true until the caller unlocks, and a collection decides "dead" on a
 * graph nothing else can change.  The type callbacks a collection runs
 * (traverse, clear, finalize, release) run under the same lock: there a
 * call of pyheap_gc_collect() fails with -EBUSY, and
 * pyheap_gc_garbage_clear() must not be called at all.
 *
 * The collector runs on its own too, from a workqueue, when generation 0
 * passes its threshold and automatic collection is enabled.  That work
 * takes the heap's lock like any caller, so it never runs inside a
 * locked section; a caller that needs exact counts disables it for the
 * time it counts, as samples/pyheap/ does.
 */

long pyheap_gc_collect(struct pyheap_heap *heap, int generation);

void pyheap_gc_enable(struct pyheap_heap *heap);
void pyheap_gc_disable(struct pyheap_heap *heap);
bool pyheap_gc_isenabled(struct pyheap_heap *heap);
void pyheap_gc_get_threshold(struct pyheap_heap *heap,
			     u32 threshold[PYHEAP_GC_NR_GENS]);
void pyheap_gc_set_threshold(struct pyheap_heap *heap,
			     const u32 threshold[PYHEAP_GC_NR_GENS]);

void pyheap_gc_freeze(struct pyheap_heap *heap, bool freeze);
u64 pyheap_gc_nr_frozen(struct pyheap_heap *heap);

void pyheap_gc_get_count(struct pyheap_heap *heap,
			 u32 count[PYHEAP_GC_NR_GENS]);
void pyheap_gc_get_stats(struct pyheap_heap *heap,
			 struct pyheap_gc_gen_stats out[PYHEAP_GC_NR_GENS]);
void pyheap_gc_get_skipped(struct pyheap_heap *heap,
			   u64 skipped[PYHEAP_GC_NR_GENS]);

u64 pyheap_gc_nr_garbage(struct pyheap_heap *heap);
u64 pyheap_gc_garbage_clear(struct pyheap_heap *heap);

#endif /* _PYHEAP_GC_H */
