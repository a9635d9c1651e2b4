/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pyheap heaps: the unit of isolation, as a CPython interpreter is
 *
 * A heap owns its allocator, objects, collector state, LRU maps, statistics
 * and limits.  Its mutex plays the part of the GIL: every change to the
 * heap's object graph happens under it.  Limitations: a heap is not shared
 * between processes; user space reaches one only through its own open file.
 */
#ifndef _PYHEAP_HEAP_H
#define _PYHEAP_HEAP_H

#include <linux/types.h>

struct pyheap_heap;

/**
 * struct pyheap_limits - per-heap caps, fixed when the heap is created
 * @max_objects: most live objects the heap may hold
 * @max_bytes: most bytes of object memory (size classes) it may hold
 * @max_handles: most user-space handles open at once
 */
struct pyheap_limits {
	u64 max_objects;
	u64 max_bytes;
	u64 max_handles;
};

struct pyheap_heap *pyheap_heap_create(const struct pyheap_limits *limits);
void pyheap_heap_destroy(struct pyheap_heap *heap);
void pyheap_heap_reap_wait(void);
void pyheap_heap_get(struct pyheap_heap *heap);
void pyheap_heap_put(struct pyheap_heap *heap);
u64 pyheap_heap_id(const struct pyheap_heap *heap);
void pyheap_heap_limits(const struct pyheap_heap *heap,
			struct pyheap_limits *limits);
void pyheap_heap_lock(struct pyheap_heap *heap);
void pyheap_heap_unlock(struct pyheap_heap *heap);

#endif /* _PYHEAP_HEAP_H */
