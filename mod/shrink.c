// SPDX-License-Identifier: GPL-2.0
/*
 * pyheap shrink: give memory back to a memory cgroup under pressure
 *
 * One shrinker for the module, memcg- and NUMA-aware.  Its count reports
 * what each heap could give back now: the entries of its LRU maps made
 * with PYHEAP_LRU_MAY_SHRINK, and the objects tracked since its last
 * collection (the garbage it may hold).  Its scan evicts least recent
 * entries of those maps, counted in their evictions, and queues a full
 * collection on the heap's work item.  Maps without the flag are never
 * touched.  See Documentation/pyheap/shrinker.rst.
 *
 * Which heaps a call is for.  Reclaim under a cgroup's limit calls a
 * memcg-aware shrinker only for a memcg whose bit for that shrinker is
 * set (shrink_slab_memcg() in mm/shrinker.c), and no module can set the
 * bit itself: set_shrinker_bit() is not exported.  list_lru_add() sets
 * it, when the first item joins a memcg's list of a list_lru that was
 * initialised with the shrinker, and list_lru_walk_one() visits that
 * memcg's list.  So every heap has one anchor, a small object of this
 * file's own slab cache, allocated with kmem_cache_alloc_lru() (which
 * makes the list_lru's per-memcg lists for the memcg charged, something
 * nothing else exported does) and charged to the heap's memcg, the
 * creator's, as everything the heap allocates; list_lru_add_obj() puts
 * it on that memcg's list, on the anchor's node.  A call for a memcg
 * finds its heaps on that list; a memcg that goes offline has its lists,
 * anchors included, moved to its parent, as the kernel's own dentries
 * and inodes are.  The cost is that a heap is found only by reclaim of
 * the node its anchor sits on; its maps' memory may be on any node.
 *
 * Never wait for a heap.  Reclaim runs inside allocations, and the heap's
 * own allocations are made under heap->lock: a scan that waited for the
 * lock could wait for itself.  Count and scan take it with
 * mutex_trylock() only; a busy heap counts what it counted last and
 * scans nothing, and a scan that found every heap busy answers
 * SHRINK_STOP.  The walk of the list_lru only picks heaps (a reference
 * each, under the list's spinlock, which no heap lock nests in); the
 * work on them is done after it.
 *
 * Never allocate.  Evicting frees entries and values of bytes.  A value
 * that refers to an object is left to the heap's work item, since its
 * put may reach an object whose finalizer has not run, and running that
 * allocates (see lru_value_release() in mod/lru_obj.c); leaving it also
 * means that no object, and so no map, is freed during the walk of the
 * heap's maps.  A collection does allocate (its
 * index, gc.garbage, finalizer events) and can take long, so the scan
 * only queues it on the heap's work item, which charges the heap's memcg
 * as ever; it runs as soon as a worker does, after reclaim has taken what
 * the evictions gave.
 *
 * Linux 6.1 has no shrinker_alloc(): there the shrinker is a static
 * struct given to register_shrinker(), which assigns the id that the
 * list_lru needs, so the list_lru comes second and both callbacks check
 * that it is ready.
 *
 * Locking: the list_lru's node lock (the kernel's) protects the anchors'
 * list positions; heap->lock is only ever tried.
 * Lock order: "Lock order" in mod/internal.h (rule e).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/list_lru.h>
#include <linux/memcontrol.h>
#include <linux/sched/mm.h>
#include <linux/seq_file.h>
#include <linux/shrinker.h>
#include <linux/slab.h>

#include "internal.h"

/* A heap's place on its memcg's list.  Tags: I: set at creation */
struct pyheap_shrink_anchor {
	struct list_head	node;		/* on shrink_lru */
	struct pyheap_heap	*heap;		/* I */
};

/* The most heaps of one memcg that one call visits; the rest rotate in. */
#define SHRINK_HEAPS	16

struct shrink_pick {
	struct pyheap_heap	*heap[SHRINK_HEAPS];
	unsigned int		nr;
	bool			rotate;	/* scan: the next call goes on */
};

static struct kmem_cache *anchor_cache;
static struct list_lru shrink_lru;
/* The list_lru is ready: 6.1 registers the shrinker before it. */
static bool shrink_ready;

#ifdef PYHEAP_HAVE_SHRINKER_ALLOC
static struct shrinker *shrinker;
#endif

/*
 * Under the list's lock: take a reference on the anchor's heap (safe:
 * pyheap_heap_destroy() takes the anchor off the list, under this lock,
 * before it drops the creator's reference).  A scan rotates the anchor,
 * so that the next one starts with the heaps after it; a count does not,
 * so that the scan that follows it sees the heaps it counted.
 */
static enum lru_status shrink_pick_one(struct list_head *item,
				       struct list_lru_one *list,
				       spinlock_t *lock, void *arg)
{
	struct pyheap_shrink_anchor *a =
		container_of(item, struct pyheap_shrink_anchor, node);
	struct shrink_pick *p = arg;
	unsigned int i;

	for (i = 0; i < p->nr; i++)
		if (p->heap[i] == a->heap)
			return LRU_SKIP;	/* the walk came round */
	pyheap_heap_get(a->heap);
	p->heap[p->nr++] = a->heap;
	return p->rotate ? LRU_ROTATE : LRU_SKIP;
}

/* The heaps charged to @sc's memcg on @sc's node, each held. */
static void shrink_pick(struct shrink_pick *p, struct shrink_control *sc,
			bool rotate)
{
	unsigned long nr = SHRINK_HEAPS;

	p->nr = 0;
	p->rotate = rotate;
	list_lru_walk_one(&shrink_lru, sc->nid, sc->memcg, shrink_pick_one, p,
			  &nr);
}

static void shrink_put(struct shrink_pick *p)
{
	unsigned int i;

	for (i = 0; i < p->nr; i++)
		pyheap_heap_put(p->heap[i]);
}

/**
 * pyheap_shrink_heap_count() - what a heap could give back now
 * @heap: the heap, held by the caller
 *
 * The entries of its maps made with %PYHEAP_LRU_MAY_SHRINK, plus the
 * objects tracked since its last collection if a collection may run.  A
 * heap whose lock is held elsewhere counts what it counted last.
 *
 * Context: Process context, from reclaim; does not sleep or allocate.
 * Return: the count.
 */
unsigned long pyheap_shrink_heap_count(struct pyheap_heap *heap)
{
	struct pyheap_gc *gc = &heap->gc;
	unsigned long n = 0;

	atomic_long_inc(&heap->shrink.counts);
	if (!mutex_trylock(&heap->lock)) {
		atomic_long_inc(&heap->shrink.busy);
		return READ_ONCE(heap->shrink.last);	/* paired below */
	}
	if (!gc->dying) {
		n = pyheap_ulru_shrink_count(heap);
		if (gc->enabled && gc->gens[0].threshold)
			n += gc->gens[0].count;
	}
	WRITE_ONCE(heap->shrink.last, n);
	mutex_unlock(&heap->lock);
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(pyheap_shrink_heap_count);

/**
 * pyheap_shrink_heap_scan() - give back up to @nr entries of a heap
 * @heap: the heap, held by the caller
 * @nr: the most entries to evict
 *
 * Evicts least recent entries of the heap's maps made with
 * %PYHEAP_LRU_MAY_SHRINK, and queues a full collection if objects were
 * tracked since the last one.
 *
 * Context: Process context, from reclaim; does not sleep or allocate.
 * Return: the entries evicted, or -EBUSY if the heap's lock is held.
 */
long pyheap_shrink_heap_scan(struct pyheap_heap *heap, unsigned long nr)
{
	u64 freed = 0;

	atomic_long_inc(&heap->shrink.scans);
	if (!mutex_trylock(&heap->lock)) {
		atomic_long_inc(&heap->shrink.busy);
		return -EBUSY;
	}
	if (!heap->gc.dying) {
		freed = pyheap_ulru_shrink(heap, nr);
		if (pyheap_gc_shrink(heap))
			atomic_long_inc(&heap->shrink.queued);
		else if (heap->deferred)
			pyheap_gc_kick(heap);	/* it releases them */
	}
	mutex_unlock(&heap->lock);
	atomic_long_add(nr, &heap->shrink.scanned);
	atomic_long_add(freed, &heap->shrink.freed);
	return freed;
}
EXPORT_SYMBOL_IF_KUNIT(pyheap_shrink_heap_scan);

static unsigned long shrink_count(struct shrinker *s, struct shrink_control *sc)
{
	unsigned long total = 0;
	struct shrink_pick p;
	unsigned int i;

	/* Paired with the smp_store_release() in pyheap_shrink_init(). */
	if (!smp_load_acquire(&shrink_ready) ||
	    !list_lru_shrink_count(&shrink_lru, sc))
		return SHRINK_EMPTY;
	shrink_pick(&p, sc, false);
	for (i = 0; i < p.nr; i++)
		total += pyheap_shrink_heap_count(p.heap[i]);
	shrink_put(&p);
	return total;
}

static unsigned long shrink_scan(struct shrinker *s, struct shrink_control *sc)
{
	unsigned long freed = 0;
	unsigned int i, busy = 0;
	struct shrink_pick p;
	long ret;

	/* Paired with the smp_store_release() in pyheap_shrink_init(). */
	if (!smp_load_acquire(&shrink_ready))
		return SHRINK_STOP;
	shrink_pick(&p, sc, true);
	for (i = 0; i < p.nr && freed < sc->nr_to_scan; i++) {
		ret = pyheap_shrink_heap_scan(p.heap[i],
					      sc->nr_to_scan - freed);
		if (ret < 0)
			busy++;
		else
			freed += ret;
	}
	shrink_put(&p);
	return !freed && busy ? SHRINK_STOP : freed;
}

/**
 * pyheap_shrink_heap_add() - put a new heap where reclaim finds it
 * @heap: the heap, not yet on any list
 *
 * The anchor is charged to the heap's memcg, which is what puts it on
 * that memcg's list.
 *
 * Context: Process context; may sleep.
 * Return: 0 or -ENOMEM.
 */
int pyheap_shrink_heap_add(struct pyheap_heap *heap)
{
	struct pyheap_shrink_anchor *a;
	struct mem_cgroup *old;

	old = set_active_memcg(heap->memcg);
	a = kmem_cache_alloc_lru(anchor_cache, &shrink_lru, GFP_KERNEL_ACCOUNT);
	set_active_memcg(old);
	if (!a)
		return -ENOMEM;
	INIT_LIST_HEAD(&a->node);
	a->heap = heap;
	heap->shrink.anchor = a;
#ifdef PYHEAP_HAVE_LIST_LRU_ADD_OBJ
	list_lru_add_obj(&shrink_lru, &a->node);
#else
	list_lru_add(&shrink_lru, &a->node);
#endif
	return 0;
}

/**
 * pyheap_shrink_heap_remove() - hide a heap from reclaim
 * @heap: the heap; its creator's reference is still held
 *
 * A count or scan that found the heap before holds a reference of its
 * own, and finds it dying.
 *
 * Context: Process context.
 */
void pyheap_shrink_heap_remove(struct pyheap_heap *heap)
{
	struct pyheap_shrink_anchor *a = heap->shrink.anchor;

	if (!a)
		return;
#ifdef PYHEAP_HAVE_LIST_LRU_ADD_OBJ
	list_lru_del_obj(&shrink_lru, &a->node);
#else
	list_lru_del(&shrink_lru, &a->node);
#endif
	kmem_cache_free(anchor_cache, a);
	heap->shrink.anchor = NULL;
}

/*
 * debugfs, shrinker: one row per heap.
 *	counts	   count calls that visited the heap
 *	scans	   scan calls that visited it
 *	busy	   of both, those that found heap->lock held
 *	scanned	   entries the scans asked for
 *	freed	   entries they evicted
 *	queued	   collections they queued
 *	collected  of those, collections that ran
 *	last	   what the last count reported
 */
void pyheap_shrink_show(struct pyheap_heap *heap, struct seq_file *m)
	__must_hold(&heap->lock)
{
	struct pyheap_shrink *s = &heap->shrink;

	seq_printf(m, "  %6llu %9ld %9ld %7ld %10ld %10ld %7ld %9llu %10lu\n",
		   heap->id, atomic_long_read(&s->counts),
		   atomic_long_read(&s->scans), atomic_long_read(&s->busy),
		   atomic_long_read(&s->scanned), atomic_long_read(&s->freed),
		   atomic_long_read(&s->queued), heap->gc.shrink_collections,
		   READ_ONCE(s->last));
}

#ifndef PYHEAP_HAVE_SHRINKER_ALLOC
static struct shrinker pyheap_shrinker = {
	.count_objects	= shrink_count,
	.scan_objects	= shrink_scan,
	.seeks		= DEFAULT_SEEKS,
	.flags		= SHRINKER_MEMCG_AWARE | SHRINKER_NUMA_AWARE,
};

/* 6.1: the id comes with registration, so the list_lru comes after. */
static int shrink_register(void)
{
	int err;

	err = register_shrinker(&pyheap_shrinker, "pyheap");
	if (err)
		return err;
	err = list_lru_init_memcg(&shrink_lru, &pyheap_shrinker);
	if (err)
		unregister_shrinker(&pyheap_shrinker);
	return err;
}

static void shrink_unregister(void)
{
	unregister_shrinker(&pyheap_shrinker);
	list_lru_destroy(&shrink_lru);
}
#else
static int shrink_register(void)
{
	int err;

	shrinker = shrinker_alloc(SHRINKER_MEMCG_AWARE | SHRINKER_NUMA_AWARE,
				  "pyheap");
	if (!shrinker)
		return -ENOMEM;
	err = list_lru_init_memcg(&shrink_lru, shrinker);
	if (err) {
		shrinker_free(shrinker);
		return err;
	}
	shrinker->count_objects = shrink_count;
	shrinker->scan_objects = shrink_scan;
	shrinker_register(shrinker);
	return 0;
}

static void shrink_unregister(void)
{
	shrinker_free(shrinker);	/* waits for the calls in flight */
	list_lru_destroy(&shrink_lru);
}
#endif /* PYHEAP_HAVE_SHRINKER_ALLOC */

int pyheap_shrink_init(void)
{
	int err;

	anchor_cache = KMEM_CACHE(pyheap_shrink_anchor, SLAB_ACCOUNT);
	if (!anchor_cache)
		return -ENOMEM;
	err = shrink_register();
	if (err) {
		kmem_cache_destroy(anchor_cache);
		return err;
	}
	/* Paired with the smp_load_acquire()s of the callbacks. */
	smp_store_release(&shrink_ready, true);
	return 0;
}

/* Every heap is gone: no anchor is left. */
void pyheap_shrink_exit(void)
{
	shrink_unregister();
	kmem_cache_destroy(anchor_cache);
}
