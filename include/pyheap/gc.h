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

u64 pyheap_gc_nr_garbage(struct pyheap_heap *heap);
u64 pyheap_gc_garbage_clear(struct pyheap_heap *heap);

#endif /* _PYHEAP_GC_H */
