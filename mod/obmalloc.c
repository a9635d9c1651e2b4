// SPDX-License-Identifier: GPL-2.0
/*
 * pyheap obmalloc: arenas -> pools -> blocks, after CPython's obmalloc.c
 *
 * The layers, the size-class table and the pool states are described in
 * "The allocator" in Documentation/pyheap/design.rst.
 *
 * Locking: the owner's lock (pa->lock, a heap's mutex) serialises every
 * entry point, like the GIL serialises pymalloc, so the fast paths need no
 * atomics.  The xarrays take their own internal spinlock.
 * Lock order: "Lock order" in mod/internal.h (pa->lock is heap->lock, 3
 * -> 5: the xa_lock of pa->pool_map or pa->blocks).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": obmalloc: " fmt

#include <linux/bitmap.h>
#include <linux/gfp.h>
#include <linux/list.h>
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/xarray.h>

#include <pyheap/obmalloc.h>
#include "internal.h"

#define POOL_ORDER	(PYHEAP_POOL_SHIFT - PAGE_SHIFT)
#define ARENA_MAX_ORDER	(PYHEAP_ARENA_MAX_SHIFT - PAGE_SHIFT)
#define INDEX2SIZE(i)	(((i) + 1) * PYHEAP_ALIGNMENT)

/*
 * Debug-mode blocks carry CPython's debug-hook layout:
 *	[u32 size][u32 state] size bytes of data [8 x 0xFD]
 * New data is 0xCD, freed data 0xDD.  A freed pool block keeps its header,
 * so a second free sees DEBUG_FREED; its free-list link lives in the data.
 */
#define DEBUG_HEAD	8
#define DEBUG_TAIL	8
#define DEBUG_OVERHEAD	(DEBUG_HEAD + DEBUG_TAIL)
#define DEBUG_ALLOCATED	0xa110c8edU
#define DEBUG_FREED	0xdeadf7eeU
#define CLEANBYTE	0xcd
#define DEADBYTE	0xdd
#define FORBIDDENBYTE	0xfd

struct obm_debug_head {
	u32 size;
	u32 state;
};

/*
 * Tags: I: set when created, then read-only   P: pa->lock
 *
 * The pool header sits at the start of every pool, so a block finds its
 * pool by masking its address.
 */
struct pyheap_pool {
	void			*freeblock;	/* P: freed blocks, LIFO */
	struct list_head	node;		/* P: see "Pool states" */
	struct obm_arena	*arena;		/* I: arena holding it */
	u32			ref;		/* P: blocks in use */
	u32			szidx;		/* P: class; stale if empty */
	u32			nextoffset;	/* P: first unused block */
	u32			maxnextoffset;	/* P: last fitting offset */
};

#define POOL_OVERHEAD	round_up(sizeof(struct pyheap_pool), PYHEAP_ALIGNMENT)

/*
 * Pool states (as in CPython):
 *	used	ref > 0 and a free block left: on class->used; the first pool
 *		there serves every allocation of the class
 *	full	no free block: on class->full
 *	empty	ref == 0: on arena->freepools, class forgotten but remembered
 *		in szidx for the pools_empty statistic
 * plus "never carved": the arena's pools past ->ncarved.
 */
struct obm_arena {
	unsigned long		base;		/* I: address of pool 0 */
	unsigned int		order;		/* I: page order */
	unsigned int		npools;		/* I: pools in the arena */
	unsigned int		nfreepools;	/* P: empty + never carved */
	unsigned int		ncarved;	/* P: pools carved so far */
	struct list_head	freepools;	/* P: empty pools */
	struct list_head	node;		/* P: pa->arenas[nfreepools] */
};

struct obm_class {
	struct list_head	used;		/* P: pools with a free block */
	struct list_head	full;		/* P: pools without one */
	u32			pools_used;	/* P */
	u32			pools_full;	/* P */
	u32			pools_empty;	/* P: empty, last of here */
	u64			blocks_inuse;	/* P */
};

struct pyheap_obmalloc {
	struct mutex		*lock;		/* I: the owner's lock */
	enum pyheap_obmalloc_mode mode;		/* I */
	struct obm_class	classes[PYHEAP_NR_CLASSES];	/* P */
	/*
	 * Arenas bucketed by nfreepools.  Allocation takes a pool from the
	 * arena with the fewest free pools, so that nearly empty arenas
	 * drain and can go back; a bitmap of non-empty buckets finds it in
	 * O(1) and a pool changing state moves its arena in O(1).  This is
	 * CPython's sorted usable_arenas list with its nfp2lasta fingers,
	 * flattened into buckets.
	 */
	struct list_head	arenas[PYHEAP_ARENA_MAX_POOLS + 1];	/* P */
	DECLARE_BITMAP(arena_mask, PYHEAP_ARENA_MAX_POOLS + 1);	/* P */
	unsigned int		nempty_arenas;	/* P: wholly free, at most 1 */
	u64			nfreepools;	/* P: over all arenas */
	struct xarray		pool_map;	/* P: pool frame -> arena */
	/* P: debug and passthrough kmalloc() blocks, by 8-byte frame */
	struct xarray		blocks;
	/* P: pool mode's kmalloc() blocks, for pyheap_obmalloc_discard() */
	struct xarray		large;
	/* P: counters; the pool_bytes_* ones are computed on demand */
	struct pyheap_obmalloc_stats st;
	unsigned int		fail_nth;	/* P: KUnit fault point */
};

static void obm_assert_held(struct pyheap_obmalloc *pa)
	__must_hold(pa->lock)
{
	lockdep_assert_held(pa->lock);
}

/*
 * Each allocation of backing memory first asks here, so KUnit can fail
 * the Nth one and check that nothing changed and nothing leaked.
 */
static bool obm_fault(struct pyheap_obmalloc *pa)
{
	return pa->fail_nth && --pa->fail_nth == 0;
}

static unsigned long pool_key(const void *p)
{
	return __pa(p) >> PYHEAP_POOL_SHIFT;
}

static unsigned long block_key(const void *p)
{
	return __pa(p) >> 3;
}

/*
 * Pool mode's blocks of more than 512 bytes, in pa->large, by 512-byte
 * frame: two such blocks never start in the same frame, and the blocks of
 * one slab get neighbouring keys, which share xarray nodes.
 */
static unsigned long large_key(const void *p)
{
	return __pa(p) >> 9;
}

static struct pyheap_pool *pool_of(const void *p)
{
	return (struct pyheap_pool *)((unsigned long)p &
				      ~(PYHEAP_POOL_SIZE - 1));
}

static bool pool_is_full(const struct pyheap_pool *pool)
{
	return !pool->freeblock && pool->nextoffset > pool->maxnextoffset;
}

/* Move @arena to the bucket of its new free-pool count. */
static void __arena_set_nfree(struct pyheap_obmalloc *pa,
			      struct obm_arena *arena, unsigned int nfree)
	__must_hold(pa->lock)
{
	unsigned int old = arena->nfreepools;

	list_move(&arena->node, &pa->arenas[nfree]);
	arena->nfreepools = nfree;
	if (list_empty(&pa->arenas[old]))
		__clear_bit(old, pa->arena_mask);
	__set_bit(nfree, pa->arena_mask);
}

static void __arena_unmap(struct pyheap_obmalloc *pa, struct obm_arena *arena,
			  unsigned int npools)
	__must_hold(pa->lock)
{
	unsigned long key = pool_key((void *)arena->base);
	unsigned int i;

	for (i = 0; i < npools; i++)
		xa_erase(&pa->pool_map, key + i);
}

/*
 * Take a new arena from the page allocator: the largest order first, then
 * smaller ones down to a single pool, without retrying or warning, so a
 * fragmented machine gets small arenas instead of a failure.  The pages
 * are charged to the memory cgroup once, here, not per block.
 */
static struct obm_arena *__arena_new(struct pyheap_obmalloc *pa)
	__must_hold(pa->lock)
{
	gfp_t gfp = GFP_KERNEL_ACCOUNT | __GFP_NOWARN;
	struct obm_arena *arena;
	struct page *page = NULL;
	unsigned long key;
	unsigned int order, i;

	/* Debug mode checks stale headers, so it needs zeroed arenas. */
	if (pa->mode == PYHEAP_OBMALLOC_DEBUG)
		gfp |= __GFP_ZERO;
	if (obm_fault(pa))
		return NULL;
	arena = kzalloc(sizeof(*arena), GFP_KERNEL_ACCOUNT);
	if (!arena)
		return NULL;

	for (order = ARENA_MAX_ORDER; order >= POOL_ORDER; order--) {
		gfp_t flags = gfp | (order > POOL_ORDER ? __GFP_NORETRY : 0);

		page = obm_fault(pa) ? NULL : alloc_pages(flags, order);
		if (page || order == POOL_ORDER)
			break;
	}
	if (!page)
		goto err_free_arena;

	arena->base = (unsigned long)page_address(page);
	arena->order = order;
	arena->npools = 1U << (order - POOL_ORDER);
	INIT_LIST_HEAD(&arena->freepools);

	key = pool_key((void *)arena->base);
	for (i = 0; i < arena->npools; i++) {
		if (obm_fault(pa) ||
		    xa_err(xa_store(&pa->pool_map, key + i, arena,
				    GFP_KERNEL_ACCOUNT)))
			goto err_unmap;
	}

	arena->nfreepools = arena->npools;
	list_add(&arena->node, &pa->arenas[arena->npools]);
	__set_bit(arena->npools, pa->arena_mask);
	pa->nfreepools += arena->npools;
	pa->nempty_arenas++;
	pa->st.arenas_allocated++;
	pa->st.arenas_current++;
	pa->st.arenas_highwater = max(pa->st.arenas_highwater,
				      pa->st.arenas_current);
	pa->st.arena_bytes += PAGE_SIZE << order;
	if (order < ARENA_MAX_ORDER)
		pa->st.arena_fallbacks++;
	return arena;

err_unmap:
	__arena_unmap(pa, arena, i);
	__free_pages(page, order);
err_free_arena:
	kfree(arena);
	return NULL;
}

/* Give a wholly free arena back to the page allocator. */
static void __arena_release(struct pyheap_obmalloc *pa, struct obm_arena *arena)
	__must_hold(pa->lock)
{
	struct pyheap_pool *pool;

	list_for_each_entry(pool, &arena->freepools, node)
		pa->classes[pool->szidx].pools_empty--;
	list_del(&arena->node);
	if (list_empty(&pa->arenas[arena->nfreepools]))
		__clear_bit(arena->nfreepools, pa->arena_mask);
	__arena_unmap(pa, arena, arena->npools);
	pa->nfreepools -= arena->npools;
	pa->st.arenas_reclaimed++;
	pa->st.arenas_current--;
	pa->st.arena_bytes -= PAGE_SIZE << arena->order;
	__free_pages(virt_to_page((void *)arena->base), arena->order);
	kfree(arena);
}

/*
 * Take an empty or never-carved pool from the arena with the fewest free
 * pools, and set it up for class @szidx.
 */
static struct pyheap_pool *__pool_new(struct pyheap_obmalloc *pa,
				      unsigned int szidx)
	__must_hold(pa->lock)
{
	struct obm_class *class = &pa->classes[szidx];
	unsigned int size = INDEX2SIZE(szidx), nfree;
	struct obm_arena *arena;
	struct pyheap_pool *pool;

	nfree = find_next_bit(pa->arena_mask, PYHEAP_ARENA_MAX_POOLS + 1, 1);
	if (nfree > PYHEAP_ARENA_MAX_POOLS) {
		arena = __arena_new(pa);
		if (!arena)
			return NULL;
	} else {
		arena = list_first_entry(&pa->arenas[nfree], struct obm_arena,
					 node);
	}

	if (!list_empty(&arena->freepools)) {
		pool = list_first_entry(&arena->freepools, struct pyheap_pool,
					node);
		list_del(&pool->node);
		pa->classes[pool->szidx].pools_empty--;
	} else {
		pool = (void *)(arena->base +
				arena->ncarved++ * PYHEAP_POOL_SIZE);
		pool->arena = arena;
	}
	if (arena->nfreepools == arena->npools)
		pa->nempty_arenas--;
	__arena_set_nfree(pa, arena, arena->nfreepools - 1);
	pa->nfreepools--;

	pool->freeblock = NULL;
	pool->ref = 0;
	pool->szidx = szidx;
	pool->nextoffset = POOL_OVERHEAD;
	pool->maxnextoffset = PYHEAP_POOL_SIZE - size;
	list_add(&pool->node, &class->used);
	class->pools_used++;
	return pool;
}

/*
 * An empty pool goes back to its arena.  A wholly free arena is kept as
 * the one spare against alloc/free thrash at an arena boundary
 * (bpo-37257); any other goes back to the page allocator.
 */
static void __pool_empty(struct pyheap_obmalloc *pa, struct pyheap_pool *pool)
	__must_hold(pa->lock)
{
	struct obm_class *class = &pa->classes[pool->szidx];
	struct obm_arena *arena = pool->arena;

	list_move(&pool->node, &arena->freepools);
	class->pools_used--;
	class->pools_empty++;
	__arena_set_nfree(pa, arena, arena->nfreepools + 1);
	pa->nfreepools++;
	if (arena->nfreepools < arena->npools)
		return;
	if (pa->nempty_arenas)
		__arena_release(pa, arena);
	else
		pa->nempty_arenas++;
}

/*
 * @link is where a free block keeps its free-list link: at the start in
 * pool mode, after the header in debug mode (the header must survive).
 * Callers pass a constant, so the pool-mode path pays nothing for it.
 */
static void *__pool_alloc(struct pyheap_obmalloc *pa, unsigned int szidx,
			  unsigned int link)
	__must_hold(pa->lock)
{
	struct obm_class *class = &pa->classes[szidx];
	struct pyheap_pool *pool;
	void *bp;

	pool = list_first_entry_or_null(&class->used, struct pyheap_pool,
					node);
	if (unlikely(!pool)) {
		pool = __pool_new(pa, szidx);
		if (!pool)
			return NULL;
	}

	bp = pool->freeblock;
	if (bp) {
		pool->freeblock = *(void **)(bp + link);
	} else {
		/* Carve lazily: never touch a block before it is needed. */
		bp = (void *)pool + pool->nextoffset;
		pool->nextoffset += INDEX2SIZE(szidx);
	}
	pool->ref++;
	class->blocks_inuse++;
	if (pool_is_full(pool)) {
		list_move(&pool->node, &class->full);
		class->pools_used--;
		class->pools_full++;
	}
	return bp;
}

static void __pool_free(struct pyheap_obmalloc *pa, void *bp,
			unsigned int link)
	__must_hold(pa->lock)
{
	struct pyheap_pool *pool = pool_of(bp);
	struct obm_class *class = &pa->classes[pool->szidx];

	if (pool_is_full(pool)) {
		list_move(&pool->node, &class->used);
		class->pools_full--;
		class->pools_used++;
	}
	*(void **)(bp + link) = pool->freeblock;
	pool->freeblock = bp;
	class->blocks_inuse--;
	if (--pool->ref == 0)
		__pool_empty(pa, pool);
}

/*
 * Zero-byte and large requests, and every request in passthrough mode, go
 * to kmalloc(), and each such block is remembered, so that
 * pyheap_obmalloc_discard() can find it.  The debug and passthrough modes
 * remember each block by its 8-byte frame, with its size, to tell their
 * own blocks from foreign pointers; pool mode keeps its blocks of more
 * than 512 bytes in pa->large, by pointer, and its zero-byte ones with
 * the others' in pa->blocks.
 */
static struct xarray *__large_xa(struct pyheap_obmalloc *pa, size_t size,
				 unsigned long *key, const void *p)
	__must_hold(pa->lock)
{
	if (pa->mode == PYHEAP_OBMALLOC_POOL && size) {
		*key = large_key(p);
		return &pa->large;
	}
	*key = block_key(p);
	return &pa->blocks;
}

static void *__large_alloc(struct pyheap_obmalloc *pa, size_t size)
	__must_hold(pa->lock)
{
	unsigned long key;
	struct xarray *xa;
	void *p, *entry;

	if (obm_fault(pa))
		return NULL;
	p = kmalloc(max_t(size_t, size, 1), GFP_KERNEL_ACCOUNT);
	if (!p)
		return NULL;
	xa = __large_xa(pa, size, &key, p);
	entry = xa == &pa->large ? p : xa_mk_value(size);
	if (obm_fault(pa) ||
	    xa_err(xa_store(xa, key, entry, GFP_KERNEL_ACCOUNT))) {
		kfree(p);
		return NULL;
	}
	if (pyheap_obmalloc_size_class(size) < 0) {
		pa->st.large_allocs++;
		pa->st.large_bytes += size;
	} else {
		pa->classes[pyheap_obmalloc_size_class(size)].blocks_inuse++;
	}
	return p;
}

/* The size a tracked kmalloc() block was allocated with, or -1. */
static long __large_tracked(struct pyheap_obmalloc *pa, const void *p)
	__must_hold(pa->lock)
{
	void *entry;

	if (!virt_addr_valid(p))
		return -1;
	entry = xa_load(&pa->blocks, block_key(p));
	return entry ? xa_to_value(entry) : -1;
}

static void __large_free(struct pyheap_obmalloc *pa, void *p, size_t size)
	__must_hold(pa->lock)
{
	unsigned long key;
	struct xarray *xa = __large_xa(pa, size, &key, p);

	xa_erase(xa, key);
	if (pyheap_obmalloc_size_class(size) < 0) {
		pa->st.large_allocs--;
		pa->st.large_bytes -= size;
	} else {
		pa->classes[pyheap_obmalloc_size_class(size)].blocks_inuse--;
	}
	kfree(p);
}

static void obm_report_foreign(struct pyheap_obmalloc *pa, size_t size)
{
	pa->st.bad_frees++;
	pr_err_ratelimited("free of a pointer this heap does not own (size %zu)\n",
			   size);
}

static void obm_report_missized(struct pyheap_obmalloc *pa, size_t was,
				size_t size)
{
	pa->st.bad_frees++;
	pr_err_ratelimited("block of %zu bytes freed as %zu\n", was, size);
}

/* Debug mode: is @bp a live block of one of our pools, at a boundary? */
static bool __pool_block_valid(struct pyheap_obmalloc *pa, const void *bp)
	__must_hold(pa->lock)
{
	struct pyheap_pool *pool = pool_of(bp);
	unsigned long off = (unsigned long)bp - (unsigned long)pool;

	if (!virt_addr_valid(bp) || !xa_load(&pa->pool_map, pool_key(bp)))
		return false;
	if (!pool->ref || off < POOL_OVERHEAD || off >= pool->nextoffset)
		return false;
	return (off - POOL_OVERHEAD) % INDEX2SIZE(pool->szidx) == 0;
}

static void *__debug_alloc(struct pyheap_obmalloc *pa, size_t size)
	__must_hold(pa->lock)
{
	size_t total = size + DEBUG_OVERHEAD;
	int szidx = pyheap_obmalloc_size_class(total);
	struct obm_debug_head *head;
	u8 *data;

	if (szidx < 0) {
		head = __large_alloc(pa, total);
	} else {
		head = __pool_alloc(pa, szidx, DEBUG_HEAD);
		/* A reused block must still hold the poison its free left. */
		if (head && head->state == DEBUG_FREED && head->size > 8 &&
		    memchr_inv((u8 *)(head + 1) + 8, DEADBYTE,
			       head->size - 8)) {
			pa->st.corruptions++;
			pr_err_ratelimited("write to a freed %u-byte block detected\n",
					   head->size);
		}
	}
	if (!head)
		return NULL;
	head->size = size;
	head->state = DEBUG_ALLOCATED;
	data = (u8 *)(head + 1);
	memset(data, CLEANBYTE, size);
	memset(data + size, FORBIDDENBYTE, DEBUG_TAIL);
	return data;
}

static void __debug_free(struct pyheap_obmalloc *pa, void *p, size_t size)
	__must_hold(pa->lock)
{
	struct obm_debug_head *head = (struct obm_debug_head *)p - 1;
	bool small = pyheap_obmalloc_size_class(size + DEBUG_OVERHEAD) >= 0;
	u8 *data = p;

	if (small ? !__pool_block_valid(pa, head) :
		    __large_tracked(pa, head) < 0) {
		obm_report_foreign(pa, size);
		return;
	}
	if (head->state != DEBUG_ALLOCATED) {
		pa->st.bad_frees++;
		pr_err_ratelimited("%s of a %zu-byte block\n",
				   head->state == DEBUG_FREED ? "double free" :
				   "free of a corrupted block", size);
		return;
	}
	if (head->size != size) {
		obm_report_missized(pa, head->size, size);
		return;
	}
	if (memchr_inv(data + size, FORBIDDENBYTE, DEBUG_TAIL)) {
		pa->st.corruptions++;
		pr_err_ratelimited("write past the end of a %zu-byte block detected\n",
				   size);
	}
	head->state = DEBUG_FREED;
	memset(data, DEADBYTE, size);
	if (small)
		__pool_free(pa, head, DEBUG_HEAD);
	else
		__large_free(pa, head, size + DEBUG_OVERHEAD);
}

/**
 * pyheap_obmalloc_alloc() - allocate @size bytes
 * @pa: allocator
 * @size: bytes wanted; 0 is allowed and returns a unique pointer
 *
 * Requests of 1 to 512 bytes come from the pool of their size class; the
 * others come from kmalloc().  Memory is charged to the current task's
 * memory cgroup, per arena for pooled blocks.  The memory is not zeroed
 * (in debug mode it is filled with 0xCD).
 *
 * Context: Process context; may sleep.  Caller holds the allocator's lock.
 * Return: the block, aligned to 8 bytes, or NULL when out of memory.
 */
void *pyheap_obmalloc_alloc(struct pyheap_obmalloc *pa, size_t size)
{
	int szidx = pyheap_obmalloc_size_class(size);

	obm_assert_held(pa);
	switch (pa->mode) {
	case PYHEAP_OBMALLOC_POOL:
		if (likely(szidx >= 0))
			return __pool_alloc(pa, szidx, 0);
		return __large_alloc(pa, size);
	case PYHEAP_OBMALLOC_DEBUG:
		return __debug_alloc(pa, size);
	default:
		return __large_alloc(pa, size);
	}
}
EXPORT_SYMBOL_GPL(pyheap_obmalloc_alloc);

/**
 * pyheap_obmalloc_free() - free a block from pyheap_obmalloc_alloc()
 * @pa: the allocator that returned @p
 * @p: the block; NULL is ignored
 * @size: the size that was asked for when @p was allocated
 *
 * An emptied pool goes back to its arena; a wholly free arena goes back to
 * the page allocator, except one spare.  In the debug and passthrough
 * modes a foreign pointer, a double free or a wrong @size is reported,
 * counted in bad_frees and otherwise ignored; in debug mode an overwritten
 * pad is reported and counted in corruptions.
 *
 * Context: Process context.  Caller holds the allocator's lock.
 */
void pyheap_obmalloc_free(struct pyheap_obmalloc *pa, void *p, size_t size)
{
	int szidx = pyheap_obmalloc_size_class(size);
	long tracked;

	obm_assert_held(pa);
	if (!p)
		return;
	switch (pa->mode) {
	case PYHEAP_OBMALLOC_POOL:
		if (likely(szidx >= 0))
			__pool_free(pa, p, 0);
		else
			__large_free(pa, p, size);
		break;
	case PYHEAP_OBMALLOC_DEBUG:
		__debug_free(pa, p, size);
		break;
	default:
		tracked = __large_tracked(pa, p);
		if (tracked >= 0 && (size_t)tracked == size)
			__large_free(pa, p, size);
		else if (tracked < 0)
			obm_report_foreign(pa, size);
		else
			obm_report_missized(pa, tracked, size);
		break;
	}
}
EXPORT_SYMBOL_GPL(pyheap_obmalloc_free);

/**
 * pyheap_obmalloc_owns() - does @p point into this allocator's pools?
 * @pa: allocator
 * @p: any pointer, including one from elsewhere or garbage
 *
 * O(1): one lookup of @p's pool frame, without touching the memory @p
 * points to, so foreign pointers are safe.  Blocks from kmalloc() (zero
 * bytes, more than 512 bytes, or any block in passthrough mode) count as
 * owned only in the debug and passthrough modes, which track them.
 *
 * Context: Process context.  Caller holds the allocator's lock.
 * Return: true if @p lies in one of @pa's arenas or tracked blocks.
 */
bool pyheap_obmalloc_owns(struct pyheap_obmalloc *pa, const void *p)
{
	obm_assert_held(pa);
	if (!p || !virt_addr_valid(p))
		return false;
	if (xa_load(&pa->pool_map, pool_key(p)))
		return true;
	if (pa->mode == PYHEAP_OBMALLOC_DEBUG)
		p = (const struct obm_debug_head *)p - 1;
	return pa->mode != PYHEAP_OBMALLOC_POOL && __large_tracked(pa, p) >= 0;
}
EXPORT_SYMBOL_GPL(pyheap_obmalloc_owns);

/**
 * pyheap_obmalloc_mode() - the mode an allocator was created with
 * @pa: allocator
 *
 * Context: Any context.
 * Return: the mode.
 */
enum pyheap_obmalloc_mode pyheap_obmalloc_mode(struct pyheap_obmalloc *pa)
{
	return pa->mode;
}
EXPORT_SYMBOL_GPL(pyheap_obmalloc_mode);

/**
 * pyheap_obmalloc_class_stats() - statistics of one size class
 * @pa: allocator
 * @szidx: class, 0..PYHEAP_NR_CLASSES - 1
 * @cs: filled in
 *
 * Context: Process context.  Caller holds the allocator's lock.
 */
void pyheap_obmalloc_class_stats(struct pyheap_obmalloc *pa,
				 unsigned int szidx,
				 struct pyheap_class_stats *cs)
{
	const struct obm_class *class;
	u32 size, per_pool;

	obm_assert_held(pa);
	memset(cs, 0, sizeof(*cs));
	if (WARN_ON_ONCE(szidx >= PYHEAP_NR_CLASSES))
		return;
	class = &pa->classes[szidx];
	size = INDEX2SIZE(szidx);
	per_pool = (PYHEAP_POOL_SIZE - POOL_OVERHEAD) / size;
	cs->size = size;
	cs->pools_used = class->pools_used;
	cs->pools_full = class->pools_full;
	cs->pools_empty = class->pools_empty;
	cs->blocks_inuse = class->blocks_inuse;
	if (pa->mode != PYHEAP_OBMALLOC_PASSTHROUGH)
		cs->blocks_free = (u64)(cs->pools_used + cs->pools_full) *
				  per_pool - cs->blocks_inuse;
}
EXPORT_SYMBOL_GPL(pyheap_obmalloc_class_stats);

/**
 * pyheap_obmalloc_stats() - totals of an allocator
 * @pa: allocator
 * @st: filled in; the pool_bytes_* fields are computed now, as
 *	_PyObject_DebugMallocStats() computes them
 *
 * Context: Process context.  Caller holds the allocator's lock.
 */
void pyheap_obmalloc_stats(struct pyheap_obmalloc *pa,
			   struct pyheap_obmalloc_stats *st)
{
	struct pyheap_class_stats cs;
	unsigned int i;

	obm_assert_held(pa);
	*st = pa->st;
	st->pool_bytes_used = 0;
	st->pool_bytes_free = 0;
	st->pool_bytes_headers = 0;
	st->pool_bytes_quantization = 0;
	st->pool_bytes_alignment = 0;	/* arenas are pool-aligned pages */
	st->pool_bytes_unused = pa->nfreepools * PYHEAP_POOL_SIZE;
	if (pa->mode == PYHEAP_OBMALLOC_PASSTHROUGH)
		return;

	for (i = 0; i < PYHEAP_NR_CLASSES; i++) {
		u64 npools, per_pool;

		pyheap_obmalloc_class_stats(pa, i, &cs);
		npools = cs.pools_used + cs.pools_full;
		per_pool = (PYHEAP_POOL_SIZE - POOL_OVERHEAD) / cs.size;
		st->pool_bytes_used += cs.blocks_inuse * cs.size;
		st->pool_bytes_free += cs.blocks_free * cs.size;
		st->pool_bytes_headers += npools * POOL_OVERHEAD;
		st->pool_bytes_quantization += npools *
			(PYHEAP_POOL_SIZE - POOL_OVERHEAD - per_pool * cs.size);
	}
}
EXPORT_SYMBOL_GPL(pyheap_obmalloc_stats);

/**
 * pyheap_obmalloc_nr_pools() - pools holding blocks now
 * @pa: allocator
 *
 * Context: Process context.  Caller holds the allocator's lock.
 * Return: the used and full pools of every class; 0 in passthrough mode,
 * which has none.
 */
u32 pyheap_obmalloc_nr_pools(struct pyheap_obmalloc *pa)
{
	u32 n = 0;
	int i;

	obm_assert_held(pa);
	if (pa->mode == PYHEAP_OBMALLOC_PASSTHROUGH)
		return 0;
	for (i = 0; i < PYHEAP_NR_CLASSES; i++)
		n += pa->classes[i].pools_used + pa->classes[i].pools_full;
	return n;
}
EXPORT_SYMBOL_GPL(pyheap_obmalloc_nr_pools);

static u32 obm_fill_spans(const struct pyheap_obmalloc *pa,
			  const struct list_head *pools,
			  struct pyheap_obmalloc_span *spans, u32 n, u32 max)
{
	unsigned int head = pa->mode == PYHEAP_OBMALLOC_DEBUG ? DEBUG_HEAD : 0;
	const struct pyheap_pool *pool;

	list_for_each_entry(pool, pools, node) {
		if (n == max)
			break;
		spans[n].start = (void *)pool + POOL_OVERHEAD + head;
		spans[n].stride = INDEX2SIZE(pool->szidx);
		spans[n].nblocks = (pool->nextoffset - POOL_OVERHEAD) /
				   spans[n].stride;
		n++;
	}
	return n;
}

/**
 * pyheap_obmalloc_spans() - describe every pool holding blocks
 * @pa: allocator
 * @spans: room for @max spans
 * @max: at most this many are filled in
 *
 * One span per used or full pool, as many as pyheap_obmalloc_nr_pools()
 * counts, each pool's blocks in address order.  The collector numbers
 * the objects of a heap with them, without touching the objects.
 *
 * Context: Process context.  Caller holds the allocator's lock.
 * Return: the number of spans filled in.
 */
u32 pyheap_obmalloc_spans(struct pyheap_obmalloc *pa,
			  struct pyheap_obmalloc_span *spans, u32 max)
{
	u32 n = 0;
	int i;

	obm_assert_held(pa);
	if (pa->mode == PYHEAP_OBMALLOC_PASSTHROUGH)
		return 0;
	for (i = 0; i < PYHEAP_NR_CLASSES; i++) {
		n = obm_fill_spans(pa, &pa->classes[i].full, spans, n, max);
		n = obm_fill_spans(pa, &pa->classes[i].used, spans, n, max);
	}
	return n;
}
EXPORT_SYMBOL_GPL(pyheap_obmalloc_spans);

/**
 * pyheap_obmalloc_nr_large() - blocks served by kmalloc() instead of pools
 * @pa: allocator
 *
 * Context: Process context.  Caller holds the allocator's lock.
 * Return: live blocks of zero or more than 512 bytes (debug headers
 * included); in passthrough mode, where every block is such, U64_MAX.
 */
u64 pyheap_obmalloc_nr_large(struct pyheap_obmalloc *pa)
{
	obm_assert_held(pa);
	if (pa->mode == PYHEAP_OBMALLOC_PASSTHROUGH)
		return U64_MAX;
	return pa->st.large_allocs;
}
EXPORT_SYMBOL_GPL(pyheap_obmalloc_nr_large);

/**
 * pyheap_obmalloc_create() - create an allocator
 * @lock: the lock that will serialise every call; asserted on each
 * @mode: pool, debug or passthrough
 *
 * No arena is taken until the first small allocation.
 *
 * Context: Process context; may sleep.
 * Return: the allocator, or ERR_PTR(-EINVAL) for an unknown @mode, or
 * ERR_PTR(-ENOMEM).
 */
struct pyheap_obmalloc *pyheap_obmalloc_create(struct mutex *lock,
					       enum pyheap_obmalloc_mode mode)
{
	struct pyheap_obmalloc *pa;
	unsigned int i;

	if (mode >= NR_PYHEAP_OBMALLOC_MODES)
		return ERR_PTR(-EINVAL);
	pa = kzalloc(sizeof(*pa), GFP_KERNEL_ACCOUNT);
	if (!pa)
		return ERR_PTR(-ENOMEM);
	pa->lock = lock;
	pa->mode = mode;
	for (i = 0; i < PYHEAP_NR_CLASSES; i++) {
		INIT_LIST_HEAD(&pa->classes[i].used);
		INIT_LIST_HEAD(&pa->classes[i].full);
	}
	for (i = 0; i <= PYHEAP_ARENA_MAX_POOLS; i++)
		INIT_LIST_HEAD(&pa->arenas[i]);
	xa_init(&pa->pool_map);
	xa_init(&pa->blocks);
	xa_init(&pa->large);
	return pa;
}
EXPORT_SYMBOL_GPL(pyheap_obmalloc_create);

/**
 * pyheap_obmalloc_discard() - free an allocator with the blocks still in it
 * @pa: allocator; NULL is ignored
 *
 * Every block goes at once, without being visited: the arenas back to the
 * page allocator whole, and the kmalloc() blocks, which every mode
 * remembers (see __large_alloc()), one kfree() each.  The cost grows with
 * the arenas and the blocks of more than 512 bytes, not with the small
 * blocks, and the memory cgroup is uncharged as the pages and objects go.
 * A heap's teardown calls this once no object needs its ->release().
 *
 * Context: Process context; may sleep.  Caller holds the allocator's lock
 * (it is not touched after this returns).
 */
void pyheap_obmalloc_discard(struct pyheap_obmalloc *pa)
{
	struct obm_arena *arena, *tmp;
	unsigned long index;
	unsigned int i;
	void *entry;

	if (!pa)
		return;
	obm_assert_held(pa);
	for (i = 0; i <= PYHEAP_ARENA_MAX_POOLS; i++) {
		list_for_each_entry_safe(arena, tmp, &pa->arenas[i], node) {
			__free_pages(virt_to_page((void *)arena->base),
				     arena->order);
			kfree(arena);
		}
		if (!(i % 16))
			cond_resched();
	}
	xa_for_each(&pa->blocks, index, entry)
		kfree(__va(index << 3));
	xa_for_each(&pa->large, index, entry)
		kfree(entry);
	xa_destroy(&pa->blocks);
	xa_destroy(&pa->large);
	xa_destroy(&pa->pool_map);
	kfree(pa);
}
EXPORT_SYMBOL_GPL(pyheap_obmalloc_discard);

/**
 * pyheap_obmalloc_destroy() - free an allocator and all its arenas
 * @pa: allocator; every block should have been freed
 *
 * Blocks still allocated are a bug in the caller: they are freed anyway,
 * as by pyheap_obmalloc_discard(), and a warning names the count.
 *
 * Context: Process context; may sleep.  Caller holds the allocator's lock
 * (it is not touched after this returns).
 */
void pyheap_obmalloc_destroy(struct pyheap_obmalloc *pa)
{
	u64 inuse = 0;
	unsigned int i;

	if (!pa)
		return;
	obm_assert_held(pa);
	for (i = 0; i < PYHEAP_NR_CLASSES; i++)
		inuse += pa->classes[i].blocks_inuse;
	WARN_ONCE(inuse || pa->st.large_allocs,
		  "pyheap: obmalloc destroyed with %llu small and %llu large blocks in use\n",
		  inuse, pa->st.large_allocs);
	pyheap_obmalloc_discard(pa);
}
EXPORT_SYMBOL_GPL(pyheap_obmalloc_destroy);

#if IS_ENABLED(CONFIG_KUNIT)
/*
 * Fail the @nth allocation of backing memory from now on (0: never).
 * Returns what was left of the previous count: non-zero if its failure
 * point was never reached.
 */
unsigned int pyheap_obmalloc_fail_nth(struct pyheap_obmalloc *pa,
				      unsigned int nth)
{
	unsigned int old = pa->fail_nth;

	obm_assert_held(pa);
	pa->fail_nth = nth;
	return old;
}
EXPORT_SYMBOL_IF_KUNIT(pyheap_obmalloc_fail_nth);

/* Wholly free arenas kept as spares; at most one. */
unsigned int pyheap_obmalloc_nempty_arenas(struct pyheap_obmalloc *pa)
{
	obm_assert_held(pa);
	return pa->nempty_arenas;
}
EXPORT_SYMBOL_IF_KUNIT(pyheap_obmalloc_nempty_arenas);
#endif
