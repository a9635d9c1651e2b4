// SPDX-License-Identifier: GPL-2.0
/*
 * pyheap gc API: gc.enable(), gc.disable() and the thresholds, for modules
 *
 * The collector keeps its parameters as one struct pyheap_gc_params, which
 * mod/gcmodule.c reads and writes whole for GC_GET and GC_SET.  Kernel
 * callers get CPython's finer calls instead, built here on the same two
 * accessors; the rest of include/pyheap/gc.h is exported by mod/gc.c.
 *
 * Locking: every call runs under heap->lock, which the caller holds.
 * Lock order: "Lock order" in mod/internal.h (3).
 */

#include <linux/lockdep.h>
#include <linux/module.h>
#include <linux/string.h>

#include <pyheap/gc.h>
#include "internal.h"

static void gc_set_enabled(struct pyheap_heap *heap, bool enabled)
	__must_hold(&heap->lock)
{
	struct pyheap_gc_params p;

	pyheap_gc_get_params(heap, &p);
	p.enabled = enabled;
	pyheap_gc_set_params(heap, &p);
}

/**
 * pyheap_gc_enable() - gc.enable(): collect automatically again
 * @heap: the heap
 *
 * A heap starts enabled.  Nothing is collected by this call: the next
 * allocation that finds generation 0 over its threshold queues the
 * collector's work item.
 *
 * Context: Process context.  Caller holds heap->lock.
 */
void pyheap_gc_enable(struct pyheap_heap *heap)
	__must_hold(&heap->lock)
{
	lockdep_assert_held(&heap->lock);
	gc_set_enabled(heap, true);
}
EXPORT_SYMBOL_GPL(pyheap_gc_enable);

/**
 * pyheap_gc_disable() - gc.disable(): no automatic collection
 * @heap: the heap
 *
 * pyheap_gc_collect() still collects.  A work item already queued finds
 * the collector disabled when it gets the lock, and does nothing.
 *
 * Context: Process context.  Caller holds heap->lock.
 */
void pyheap_gc_disable(struct pyheap_heap *heap)
	__must_hold(&heap->lock)
{
	lockdep_assert_held(&heap->lock);
	gc_set_enabled(heap, false);
}
EXPORT_SYMBOL_GPL(pyheap_gc_disable);

/**
 * pyheap_gc_isenabled() - gc.isenabled()
 * @heap: the heap
 *
 * Context: Process context.  Caller holds heap->lock.
 * Return: true if automatic collection is enabled.
 */
bool pyheap_gc_isenabled(struct pyheap_heap *heap)
	__must_hold(&heap->lock)
{
	struct pyheap_gc_params p;

	lockdep_assert_held(&heap->lock);
	pyheap_gc_get_params(heap, &p);
	return p.enabled;
}
EXPORT_SYMBOL_GPL(pyheap_gc_isenabled);

/**
 * pyheap_gc_get_threshold() - gc.get_threshold()
 * @heap: the heap
 * @threshold: filled with the three thresholds
 *
 * Context: Process context.  Caller holds heap->lock.
 */
void pyheap_gc_get_threshold(struct pyheap_heap *heap,
			     u32 threshold[PYHEAP_GC_NR_GENS])
	__must_hold(&heap->lock)
{
	struct pyheap_gc_params p;

	lockdep_assert_held(&heap->lock);
	pyheap_gc_get_params(heap, &p);
	memcpy(threshold, p.threshold, sizeof(p.threshold));
}
EXPORT_SYMBOL_GPL(pyheap_gc_get_threshold);

/**
 * pyheap_gc_set_threshold() - gc.set_threshold()
 * @heap: the heap
 * @threshold: the three thresholds, any values: threshold[0] is the
 *	allocations minus deallocations that queue a collection of
 *	generation 0 (0 turns automatic collection off, as in CPython);
 *	threshold[1] and threshold[2] are the collections of the younger
 *	generation that make the next one include the older
 *
 * Context: Process context.  Caller holds heap->lock.
 */
void pyheap_gc_set_threshold(struct pyheap_heap *heap,
			     const u32 threshold[PYHEAP_GC_NR_GENS])
	__must_hold(&heap->lock)
{
	struct pyheap_gc_params p;

	lockdep_assert_held(&heap->lock);
	pyheap_gc_get_params(heap, &p);
	memcpy(p.threshold, threshold, sizeof(p.threshold));
	pyheap_gc_set_params(heap, &p);
}
EXPORT_SYMBOL_GPL(pyheap_gc_set_threshold);
