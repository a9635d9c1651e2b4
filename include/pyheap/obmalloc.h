/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pyheap obmalloc: CPython's small-object allocator, in the kernel
 *
 * Requests of 1 to 512 bytes are served from fixed-size blocks, one size
 * class every 8 bytes (64 classes).  Blocks are cut from 16 KiB pools, one
 * class per pool; pools are cut from arenas of up to 1 MiB taken from the
 * page allocator.  Zero-byte and larger requests go to kmalloc().
 *
 * Limitations: an allocator is not thread-safe; its owner serialises every
 * call with the lock named at creation (a heap's mutex), and each entry
 * point asserts it.  The free functions take the size that was allocated,
 * as kmem_cache_free() takes its cache.  Every block is remembered, the
 * small ones by their arena, the others in an xarray, so that an owner
 * done with all of them can drop the allocator whole, without freeing
 * each (pyheap_obmalloc_discard()).
 */
#ifndef _PYHEAP_OBMALLOC_H
#define _PYHEAP_OBMALLOC_H

#include <linux/bits.h>
#include <linux/mutex.h>
#include <linux/types.h>

/* Largest request served from pools; larger ones go to kmalloc(). */
#define PYHEAP_SMALL_REQUEST_THRESHOLD	512
/* Size classes are this many bytes apart. */
#define PYHEAP_ALIGNMENT		8
#define PYHEAP_NR_CLASSES	\
	(PYHEAP_SMALL_REQUEST_THRESHOLD / PYHEAP_ALIGNMENT)
#define PYHEAP_POOL_SHIFT		14
#define PYHEAP_POOL_SIZE		BIT(PYHEAP_POOL_SHIFT)
/* Arenas are 2^n pools, n at most this; smaller when memory is fragmented. */
#define PYHEAP_ARENA_MAX_SHIFT		20
#define PYHEAP_ARENA_MAX_POOLS	\
	(1U << (PYHEAP_ARENA_MAX_SHIFT - PYHEAP_POOL_SHIFT))

/**
 * enum pyheap_obmalloc_mode - how an allocator serves small requests
 * @PYHEAP_OBMALLOC_POOL: arenas, pools and blocks (the default)
 * @PYHEAP_OBMALLOC_DEBUG: pools, plus a header and a trailing pad on each
 *	block: new memory is filled with 0xCD, freed memory with 0xDD, the
 *	pads with 0xFD; double, foreign and mis-sized frees and overwritten
 *	pads are reported and counted instead of corrupting the pool
 * @PYHEAP_OBMALLOC_PASSTHROUGH: every block is its own kmalloc() object,
 *	so that KASAN and kmemleak see each one; statistics are still kept
 *	per size class
 * @NR_PYHEAP_OBMALLOC_MODES: number of modes
 */
enum pyheap_obmalloc_mode {
	PYHEAP_OBMALLOC_POOL,
	PYHEAP_OBMALLOC_DEBUG,
	PYHEAP_OBMALLOC_PASSTHROUGH,
	NR_PYHEAP_OBMALLOC_MODES
};

struct pyheap_obmalloc;

/**
 * struct pyheap_class_stats - one size class, as _debugmallocstats shows it
 * @size: block size of the class in bytes
 * @pools_used: pools with both used and free blocks
 * @pools_full: pools with no free block
 * @pools_empty: empty pools whose last class was this one
 * @blocks_inuse: blocks handed out
 * @blocks_free: free blocks in used and full pools
 */
struct pyheap_class_stats {
	u32 size;
	u32 pools_used;
	u32 pools_full;
	u32 pools_empty;
	u64 blocks_inuse;
	u64 blocks_free;
};

/**
 * struct pyheap_obmalloc_stats - totals of one allocator
 * @arenas_allocated: arenas taken from the page allocator, ever
 * @arenas_reclaimed: arenas given back, ever
 * @arenas_highwater: most arenas held at once
 * @arenas_current: arenas held now
 * @arena_bytes: bytes held in arenas now
 * @pool_bytes_used: bytes in allocated blocks
 * @pool_bytes_free: bytes in free blocks of used and full pools
 * @pool_bytes_unused: bytes in pools that serve no class
 * @pool_bytes_headers: bytes taken by pool headers
 * @pool_bytes_quantization: bytes at the end of pools too small for a block
 * @pool_bytes_alignment: bytes lost aligning arenas to pools
 * @large_allocs: live zero-byte and larger-than-512 allocations
 * @large_bytes: bytes requested by them
 * @arena_fallbacks: arenas smaller than the maximum, taken because a
 *	high-order allocation failed
 * @bad_frees: double, foreign and mis-sized frees caught (debug mode)
 * @corruptions: overwritten pads or poison caught (debug mode)
 *
 * CPython's identity holds: @arena_bytes is the sum of the six
 * @pool_bytes_* fields.
 */
struct pyheap_obmalloc_stats {
	u64 arenas_allocated;
	u64 arenas_reclaimed;
	u64 arenas_highwater;
	u64 arenas_current;
	u64 arena_bytes;
	u64 pool_bytes_used;
	u64 pool_bytes_free;
	u64 pool_bytes_unused;
	u64 pool_bytes_headers;
	u64 pool_bytes_quantization;
	u64 pool_bytes_alignment;
	u64 large_allocs;
	u64 large_bytes;
	u64 arena_fallbacks;
	u64 bad_frees;
	u64 corruptions;
};

/**
 * pyheap_obmalloc_size_class() - the size class serving a request
 * @size: request in bytes
 *
 * Context: Any context.
 * Return: 0..PYHEAP_NR_CLASSES - 1, or -1 if @size goes to kmalloc().
 */
static inline int pyheap_obmalloc_size_class(size_t size)
{
	if (!size || size > PYHEAP_SMALL_REQUEST_THRESHOLD)
		return -1;
	return ((unsigned int)size - 1) / PYHEAP_ALIGNMENT;
}

/**
 * pyheap_obmalloc_usable_size() - bytes actually reserved for a request
 * @size: request in bytes
 *
 * Context: Any context.
 * Return: the block size of @size's class, or @size itself if it goes to
 * kmalloc() (which may round up further).
 */
static inline size_t pyheap_obmalloc_usable_size(size_t size)
{
	int szidx = pyheap_obmalloc_size_class(size);

	return szidx < 0 ? size : (size_t)(szidx + 1) * PYHEAP_ALIGNMENT;
}

/**
 * struct pyheap_obmalloc_span - the blocks of one pool, for a walker
 * @start: the first block, as pyheap_obmalloc_alloc() returned it
 * @stride: bytes from one block to the next
 * @nblocks: blocks carved so far, the free ones among them included
 *
 * Block k of the pool is at @start + k * @stride.  Which of them are free
 * the span does not say: a walker finds its live blocks some other way
 * and uses the span to number them.
 */
struct pyheap_obmalloc_span {
	void *start;
	u32 stride;
	u32 nblocks;
};

struct pyheap_obmalloc *pyheap_obmalloc_create(struct mutex *lock,
					       enum pyheap_obmalloc_mode mode);
void pyheap_obmalloc_destroy(struct pyheap_obmalloc *pa);
void pyheap_obmalloc_discard(struct pyheap_obmalloc *pa);
void *pyheap_obmalloc_alloc(struct pyheap_obmalloc *pa, size_t size);
void pyheap_obmalloc_free(struct pyheap_obmalloc *pa, void *p, size_t size);
bool pyheap_obmalloc_owns(struct pyheap_obmalloc *pa, const void *p);
enum pyheap_obmalloc_mode pyheap_obmalloc_mode(struct pyheap_obmalloc *pa);
void pyheap_obmalloc_stats(struct pyheap_obmalloc *pa,
			   struct pyheap_obmalloc_stats *st);
void pyheap_obmalloc_class_stats(struct pyheap_obmalloc *pa,
				 unsigned int szidx,
				 struct pyheap_class_stats *cs);
u32 pyheap_obmalloc_nr_pools(struct pyheap_obmalloc *pa);
u32 pyheap_obmalloc_spans(struct pyheap_obmalloc *pa,
			  struct pyheap_obmalloc_span *spans, u32 max);
u64 pyheap_obmalloc_nr_large(struct pyheap_obmalloc *pa);

#endif /* _PYHEAP_OBMALLOC_H */
