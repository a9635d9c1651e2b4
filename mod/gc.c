// SPDX-License-Identifier: GPL-2.0
/*
 * pyheap gc: CPython's generational cycle collector, one per heap
 *
 * For a high-level view of a collection, read gc_collect(): its phases
 * follow CPython's gc_collect_main().  Scheduling, generations and the
 * long-lived heuristic are in "The collector" in
 * Documentation/pyheap/gc.rst.
 *
 * Temporary per-object state during a collection by the list walk
 * (obj->flags, and obj->heap_priv counting the references from other
 * candidates, so that gc_refs is refcnt - heap_priv):
 *
 *	state			COLLECTING  UNREACHABLE  heap_priv
 *	not a candidate		    0	        0	  0
 *	candidate, counted	    1	        0	  internal references
 *	reached, not scanned	    1	        0	  0
 *	reachable, scanned	    0	        0	  0
 *	tentatively unreachable	    1	        1	  internal references
 *	legacy finalizer set	    0	        0	  (any)
 *
 * heap_priv is 0 outside a collection: objects start zeroed, and every
 * survivor leaves with 0.  At step 7a, only when a finalizer could not
 * start, heap_priv of each unreachable object holds its index for the
 * union-find instead, and PYHEAP_OBJF_KEEP tags the objects kept for a
 * later collection; step 8 counts again, and nothing kept is tagged after
 * 7a.  A full collection may keep this state in the dense index instead
 * (see "The dense index" below), and leaves the same flags behind.
 *
 * Locking: a collection runs under heap->lock from start to end (stop the
 * world, like the GIL), so no reference changes under its "is it dead?"
 * decision; every path that creates a reference takes the same lock.  A
 * full collection in slices (mod/gcslice.c) drops it between slices, and
 * keeps its own state meanwhile: every entry point here that walks the
 * generations' lists or a collection's scratch first finishes it.
 * Lock order: "Lock order" in mod/internal.h (3, rule a).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hash.h>
#include <linux/ktime.h>
#include <linux/lockdep.h>
#include <linux/log2.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/ratelimit.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include <uapi/linux/pyheap.h>
#include "internal.h"

#define NR_GENS		PYHEAP_GC_NR_GENS
#define OLDEST		(NR_GENS - 1)

/*
 * A full collection waits until the objects promoted into the oldest
 * generation since the last one are a quarter of it (Martin von Loewis'
 * guard against quadratic behaviour, as in CPython), but never more than
 * this many times in a row: a heap that only grows its old generation
 * would otherwise never be scanned in full (gh-98801).
 */
#define GC_MAX_FULL_DEFERRALS	16

/*
 * The collector is behind when the youngest generation holds this many
 * times its threshold; allocating ioctls then wait for it
 * (pyheap_gc_throttle()).
 */
#define GC_BEHIND_FACTOR	8

/*
 * A full collection of this many candidates or more uses the dense index
 * if the last one found more than one reference in GC_INDEX_FAR_SHARE
 * per candidate going from one pool to another: below that the list
 * walk's misses cost less than building the index (in the benchmark
 * UML: a chain of a million objects, 7 ms against 13; a million objects
 * with three random references each, 144 ms against 51).
 */
#define GC_INDEX_MIN		4096
#define GC_INDEX_FAR_SHARE	4

static unsigned int gc_threshold[NR_GENS] = { 700, 10, 10 };
static int gc_threshold_count = NR_GENS;
module_param_array(gc_threshold, uint, &gc_threshold_count, 0644);
MODULE_PARM_DESC(gc_threshold,
		 "Collector thresholds of new heaps (default 700,10,10)");

static const char * const gc_index_names[] = {
	[PYHEAP_GC_INDEX_AUTO] = "auto",
	[PYHEAP_GC_INDEX_ALWAYS] = "always",
	[PYHEAP_GC_INDEX_NEVER] = "never",
};

static int gc_index_set(const char *val, const struct kernel_param *kp)
{
	int i = sysfs_match_string(gc_index_names, val);

	if (i < 0)
		return -EINVAL;
	WRITE_ONCE(*(int *)kp->arg, i);
	return 0;
}

static int gc_index_get(char *buf, const struct kernel_param *kp)
{
	int i = READ_ONCE(*(int *)kp->arg);

	return sysfs_emit(buf, "%s\n", gc_index_names[i]);
}

static const struct kernel_param_ops gc_index_ops = {
	.set = gc_index_set,
	.get = gc_index_get,
};

static int gc_index = PYHEAP_GC_INDEX_AUTO;
module_param_cb(gc_index, &gc_index_ops, &gc_index, 0644);
MODULE_PARM_DESC(gc_index,
		 "Full collections of new heaps use the dense index: auto (when references are scattered, default), always or never");

static struct workqueue_struct *pyheap_gc_wq;

/*
 * The DEBUG_* flags are any device user's to set, so what they print is
 * one summary per collection (per type, not per object, for COLLECTABLE
 * and UNCOLLECTABLE), and all heaps together print at most ten lines every
 * five seconds: opening more heaps buys no more of the kernel log.  The
 * figures themselves are always in GC_STATS and debugfs.
 */
static DEFINE_RATELIMIT_STATE(gc_debug_rs, 5 * HZ, 10);

/* What a collection found, by type, for the DEBUG_* summaries. */
struct gc_debug_counts {
	u64 collectable[PYHEAP_MAX_TYPES];
	u64 uncollectable[PYHEAP_MAX_TYPES];
};

static u32 gc_gen_of(const struct pyheap_obj *obj)
{
	return (obj->flags & PYHEAP_OBJF_GEN_MASK) >> PYHEAP_OBJF_GEN_SHIFT;
}

static void gc_set_gen(struct pyheap_obj *obj, u32 gen)
{
	obj->flags = (obj->flags & ~PYHEAP_OBJF_GEN_MASK) |
		     (gen << PYHEAP_OBJF_GEN_SHIFT);
}

static struct list_head *gc_list(struct pyheap_gc *gc, u32 gen)
{
	return gen == PYHEAP_GEN_PERMANENT ? &gc->permanent :
	       gen == PYHEAP_GEN_UNTRACKED ? &gc->untracked :
	       &gc->gens[gen].objects;
}

static u64 *gc_nr(struct pyheap_gc *gc, u32 gen)
{
	return gen == PYHEAP_GEN_PERMANENT ? &gc->nr_permanent :
	       gen == PYHEAP_GEN_UNTRACKED ? &gc->nr_untracked :
	       &gc->gens[gen].nr;
}

/* Put @obj at the end of generation @gen's list and count it there. */
static void __gc_move(struct pyheap_gc *gc, struct pyheap_obj *obj, u32 gen)
{
	pyheap_heap_changed(container_of(gc, struct pyheap_heap, gc));
	list_move_tail(&obj->node, gc_list(gc, gen));
	gc_set_gen(obj, gen);
	obj->heap_priv = 0;
	(*gc_nr(gc, gen))++;
}

void pyheap_gc_heap_init(struct pyheap_heap *heap)
{
	struct pyheap_gc *gc = &heap->gc;
	int i;

	pyheap_gc_slice_discard(heap);
	for (i = 0; i < NR_GENS; i++) {
		INIT_LIST_HEAD(&gc->gens[i].objects);
		gc->gens[i].threshold = READ_ONCE(gc_threshold[i]);
	}
	INIT_LIST_HEAD(&gc->permanent);
	INIT_LIST_HEAD(&gc->untracked);
	xa_init_flags(&gc->garbage, XA_FLAGS_ACCOUNT);
	INIT_WORK(&gc->work, pyheap_gc_work);
	gc->enabled = true;
	gc->index = READ_ONCE(gc_index);
	gc->scattered = true;	/* until a full collection says otherwise */
	pyheap_gc_slice_init(heap);
}

static void __gc_maybe_queue(struct pyheap_heap *heap)
	__must_hold(&heap->lock)
{
	struct pyheap_gc *gc = &heap->gc;
	u32 t0 = gc->gens[0].threshold;

	if (!gc->enabled || !t0 || gc->collecting || gc->dying ||
	    gc->gens[0].count <= t0)
		return;
	queue_work(pyheap_gc_wq, &gc->work);
	if (gc->gens[0].count > GC_BEHIND_FACTOR * t0)
		WRITE_ONCE(gc->behind, true);	/* paired: throttle */
}

/*
 * A new object joins the youngest generation if it is @tracked, or else
 * the untracked list: an object that can never hold a reference cannot
 * be in a cycle, and like an object of a CPython type without
 * Py_TPFLAGS_HAVE_GC it is neither collected nor counted in count 0.
 * Tracking one may start a collection, later, from the workqueue.
 */
void pyheap_gc_track(struct pyheap_heap *heap, struct pyheap_obj *obj,
		     bool tracked)
	__must_hold(&heap->lock)
{
	struct pyheap_gc *gc = &heap->gc;

	lockdep_assert_held(&heap->lock);
	pyheap_heap_changed(heap);
	if (!tracked) {
		list_add_tail(&obj->node, &gc->untracked);
		gc_set_gen(obj, PYHEAP_GEN_UNTRACKED);
		gc->nr_untracked++;
		return;
	}
	list_add_tail(&obj->node, &gc->gens[0].objects);
	gc_set_gen(obj, 0);
	gc->gens[0].nr++;
	gc->gens[0].count++;
	__gc_maybe_queue(heap);
}

/* A dying object leaves its generation's counts. */
void pyheap_gc_forget(struct pyheap_heap *heap, struct pyheap_obj *obj)
	__must_hold(&heap->lock)
{
	struct pyheap_gc *gc = &heap->gc;
	u32 gen = gc_gen_of(obj);

	if (gen == PYHEAP_GEN_NONE)
		return;
	(*gc_nr(gc, gen))--;
	if (gen == PYHEAP_GEN_UNTRACKED)
		return;
	if (gen <= OLDEST && (obj->flags & PYHEAP_OBJF_HANDED) &&
	    !WARN_ON_ONCE(!gc->gens[gen].nr_handed))
		gc->gens[gen].nr_handed--;
	if (gc->gens[0].count)
		gc->gens[0].count--;
	if (gen == OLDEST) {
		/* Old objects dying make a full collection less urgent. */
		if (gc->long_lived_total)
			gc->long_lived_total--;
		if (gc->long_lived_pending)
			gc->long_lived_pending--;
	}
}

/*
 * What steps 2 to 4 tell the rest of a collection: how many survived and
 * how many did not, how many references crossed from one pool to another
 * (the measure of scatter that chooses the next full collection's
 * method), whether an unreachable object has a finalizer still to run
 * or a legacy one, and whether the dense index found them.
 */
struct gc_deduced {
	u64 survivors;
	u64 unreachable;
	u64 far;
	bool finalizers;
	bool index;
};

/* Whether step 6 or 7 has anything to do with @obj, found unreachable. */
static bool gc_has_finalizer(const struct pyheap_obj *obj)
{
	u32 f = obj->flags & (PYHEAP_OBJF_FINALIZER | PYHEAP_OBJF_FINALIZED);

	return (obj->flags & PYHEAP_OBJF_LEGACY) || f == PYHEAP_OBJF_FINALIZER;
}

/* Not in one pool: a reference that the list walk pays a miss for. */
static bool gc_far(const void *from, const void *to)
{
	return ((unsigned long)from ^ (unsigned long)to) >> PYHEAP_POOL_SHIFT;
}

struct gc_count {
	const struct pyheap_obj *from;	/* the object being traversed */
	u32 gen;			/* candidates are of gen 0..@gen */
	u64 far;
};

static void visit_count(struct pyheap_obj *target, void *arg)
{
	struct gc_count *c = arg;

	c->far += gc_far(c->from, target);
	if (gc_gen_of(target) <= c->gen)
		target->heap_priv++;
}

static void visit_count_collecting(struct pyheap_obj *target, void *arg)
{
	if (target->flags & PYHEAP_OBJF_COLLECTING)
		target->heap_priv++;
}

/*
 * 2-3. For every candidate, count in heap_priv the references to it that
 * come from other candidates: its gc_refs is then refcnt - heap_priv.
 * CPython first copies each count (update_refs) and then subtracts; since
 * heap_priv is 0 outside a collection, counting up needs no first pass.
 * A target is a candidate if its generation is one being collected: the
 * candidates get their COLLECTING flag only as this pass reaches them.
 */
static u64 gc_count_refs(struct list_head *young, u32 gen)
{
	struct gc_count c = { .gen = gen };
	struct pyheap_obj *obj;
	unsigned int n = 0;

	list_for_each_entry(obj, young, node) {
		obj->flags = (obj->flags & ~PYHEAP_OBJF_HANDED) |
			     PYHEAP_OBJF_COLLECTING;
		c.from = obj;
		__pyheap_gc_traverse(obj, visit_count, &c);
		if (!(++n % 1024))
			cond_resched();
	}
	return c.far;
}

/*
 * The same for the unreachable objects of step 8, whose generation is
 * PYHEAP_GEN_NONE: they carry COLLECTING already, and heap_priv is reset
 * first, since a union-find at step 7a may have used it.
 */
static void gc_recount_refs(struct list_head *unreachable)
{
	struct pyheap_obj *obj;
	unsigned int n = 0;

	list_for_each_entry(obj, unreachable, node)
		obj->heap_priv = 0;
	list_for_each_entry(obj, unreachable, node) {
		__pyheap_gc_traverse(obj, visit_count_collecting, NULL);
		if (!(++n % 1024))
			cond_resched();
	}
}

/* Referenced from outside the candidates, or reached from such a one. */
static bool gc_is_reachable(const struct pyheap_obj *obj)
{
	return obj->refcnt > obj->heap_priv;
}

struct gc_move {
	struct list_head *young;
	struct gc_deduced *out;
};

static void visit_reachable(struct pyheap_obj *target, void *arg)
{
	struct gc_move *m = arg;

	if (!(target->flags & PYHEAP_OBJF_COLLECTING))
		return;		/* not a candidate, or scanned already */
	if (target->flags & PYHEAP_OBJF_UNREACHABLE) {
		/* Moved away too early: back to the end of young. */
		target->flags &= ~PYHEAP_OBJF_UNREACHABLE;
		list_move_tail(&target->node, m->young);
		target->heap_priv = 0;
		m->out->unreachable--;
	} else if (!gc_is_reachable(target)) {
		target->heap_priv = 0;	/* reachable now; to be scanned */
	}
}

/*
 * 4. Everything with gc_refs > 0 is referenced from outside the
 * candidates; whatever it reaches stays too.  The rest moves to
 * @unreachable.  Survivors are stamped with generation @dest and leave
 * with heap_priv 0.  No recursion: visit_reachable() appends to the list
 * being scanned.
 */
static void gc_move_unreachable(struct list_head *young,
				struct list_head *unreachable, u32 dest,
				struct gc_deduced *out)
{
	struct gc_move m = { .young = young, .out = out };
	struct list_head *pos = young->next, *next;
	struct pyheap_obj *obj;
	unsigned int n = 0;

	while (pos != young) {
		obj = list_entry(pos, struct pyheap_obj, node);
		next = pos->next;
		if (gc_is_reachable(obj)) {
			__pyheap_gc_traverse(obj, visit_reachable, &m);
			obj->flags &= ~PYHEAP_OBJF_COLLECTING;
			gc_set_gen(obj, dest);
			obj->heap_priv = 0;
			out->survivors++;
			next = pos->next;	/* the visit may append */
		} else {
			obj->flags |= PYHEAP_OBJF_UNREACHABLE;
			gc_set_gen(obj, PYHEAP_GEN_NONE);
			out->finalizers |= gc_has_finalizer(obj);
			out->unreachable++;
			list_move_tail(pos, unreachable);
		}
		pos = next;
		if (!(++n % 1024))
			cond_resched();
	}
}

/*
 * The dense index: steps 2 to 4 of a full collection without reaching
 * into headers at random.
 *
 * On a graph whose references point anywhere in the heap, the list walk
 * above pays a cache and TLB miss at nearly every reference, twice: once
 * to count it, once to follow it.  The index numbers every block of the
 * pools holding objects (pyheap_obmalloc_spans()) and every kmalloc()ed
 * object as it is met, so that an object's number follows from its
 * address and a small hash table of pools, and keeps the state of each
 * number in one byte of a dense array, which stays in the cache when the
 * headers do not.  A collection then takes three steps:
 *
 *  1. count: walk the list of candidates once; set each one's bit in
 *     @cand, and add each reference to its target's byte (any object's:
 *     a non-candidate's count is never read);
 *  2. scan: pool by pool, in the order the list first met them, block by
 *     block in address order, decide each candidate as
 *     gc_move_unreachable() does: reachable if refcnt > its count, or if
 *     a scanned object reached it first (which sets the count to 0).  A
 *     candidate passed as unreachable that a later one reaches is pushed
 *     on a stack, linked through heap_priv, and scanned from there;
 *  3. only if some are unreachable, move them to their list with the
 *     flags the list walk would have left on them.
 *
 * The bytes hold 0..GC_IDX_SAT - 1, a count; GC_IDX_SAT, a count that
 * goes on in the side table (objects referenced that many times from
 * inside the heap are few); and for candidates the scan has passed,
 * GC_IDX_UNREACH or GC_IDX_SCANNED.  Step 1 changes no object, so when
 * memory or the side table runs out there, the collection goes back to
 * the list walk, which finds the same objects.
 */
#define GC_IDX_NONE	U32_MAX		/* no number: not in this heap */
#define GC_IDX_SAT	253		/* the count goes on in the side one */
#define GC_IDX_UNREACH	254		/* passed by the scan, unreachable */
#define GC_IDX_SCANNED	255		/* reachable, traversed */
#define GC_IDX_SIDE	1024		/* objects the side table holds */

/* A pool in the hash table of the index, keyed by its frame. */
struct gc_pool_slot {
	unsigned long	start;		/* its block 0; 0: a free slot */
	u32		base;		/* the number of block 0 */
	u32		inv;		/* 2^32 / stride, rounded up */
};

/* An object from kmalloc() in the index, keyed by address. */
struct gc_large_slot {
	unsigned long	addr;		/* 0: a free slot */
	u32		nr;
};

/* The count of an object referenced GC_IDX_SAT times or more. */
struct gc_side_slot {
	u32		nr;		/* its number + 1; 0: a free slot */
	u32		extra;		/* references beyond GC_IDX_SAT */
};

struct gc_index {
	u8			*refs;		/* a byte per number */
	unsigned long		*cand;		/* the candidates, by number */
	u32			n;		/* numbers in all */
	struct pyheap_obmalloc_span *spans;	/* by address */
	u32			*span_base;	/* number of each block 0 */
	u32			nr_spans;
	u32			*order;		/* spans, in list order */
	unsigned long		*seen;		/* spans in @order now */
	u32			nr_order;
	struct gc_pool_slot	*pools;		/* @spans, hashed by frame */
	u32			pool_bits;
	struct gc_pool_slot	*last;		/* the last pool looked up */
	struct gc_pool_slot	nowhere;	/* @last until the first one */
	struct gc_large_slot	*large;		/* hashed by address */
	u32			large_bits;
	struct pyheap_obj	**large_objs;	/* by number - @large_base */
	u32			large_base;
	u32			nr_large;
	u32			max_large;
	struct gc_side_slot	*side;
	bool			counting;	/* step 1: large objects join */
	bool			failed;		/* step 1 must be given up */
	const struct pyheap_obj	*from;		/* step 1: being traversed */
	u32			stack;		/* step 2: pushed, or NONE */
	u64			unreachable;	/* step 2: so far */
	u32			dest;
	struct gc_deduced	*out;
};

static u32 gc_index_large(struct gc_index *d, const struct pyheap_obj *obj)
{
	unsigned long addr = (unsigned long)obj;
	u32 mask = BIT(d->large_bits) - 1, i;
	struct gc_large_slot *s;

	if (!d->max_large)
		return GC_IDX_NONE;
	for (i = hash_long(addr, d->large_bits);; i = (i + 1) & mask) {
		s = &d->large[i];
		if (s->addr == addr)
			return s->nr;
		if (!s->addr)
			break;
	}
	if (!d->counting)
		return GC_IDX_NONE;	/* not met in step 1: no candidate */
	if (WARN_ON_ONCE(d->nr_large == d->max_large)) {
		d->failed = true;
		return GC_IDX_NONE;
	}
	s->addr = addr;
	s->nr = d->large_base + d->nr_large;
	d->large_objs[d->nr_large++] = (struct pyheap_obj *)obj;
	return s->nr;
}

/* An object's number: its pool's from the hash table, and its block's. */
static __always_inline u32 gc_index_of(struct gc_index *d,
				       const struct pyheap_obj *obj)
{
	unsigned long addr = (unsigned long)obj;
	unsigned long frame = addr >> PYHEAP_POOL_SHIFT;
	struct gc_pool_slot *s = d->last;
	u32 mask, i;

	if (s->start >> PYHEAP_POOL_SHIFT != frame) {
		mask = BIT(d->pool_bits) - 1;
		for (i = hash_long(frame, d->pool_bits);; i = (i + 1) & mask) {
			s = &d->pools[i];
			if (s->start >> PYHEAP_POOL_SHIFT == frame)
				break;
			if (!s->start)
				return gc_index_large(d, obj);
		}
		d->last = s;
	}
	/* exact: the offset is a multiple of the stride below 2^14 */
	return s->base + (u32)(((addr - s->start) * s->inv) >> 32);
}

/* The span holding pool number @nr: the last whose base is not above. */
static u32 gc_index_span(const struct gc_index *d, u32 nr)
{
	u32 lo = 0, hi = d->nr_spans, mid;

	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (d->span_base[mid] <= nr)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

static struct pyheap_obj *gc_index_obj(const struct gc_index *d, u32 nr)
{
	const struct pyheap_obmalloc_span *sp;
	u32 k;

	if (nr >= d->large_base)
		return d->large_objs[nr - d->large_base];
	k = gc_index_span(d, nr);
	sp = &d->spans[k];
	return sp->start + (nr - d->span_base[k]) * sp->stride;
}

static struct gc_side_slot *gc_index_side(struct gc_index *d, u32 nr,
					  bool add)
{
	u32 mask = GC_IDX_SIDE - 1, i, probes;

	for (i = hash_32(nr, ilog2(GC_IDX_SIDE)), probes = 0;
	     probes < GC_IDX_SIDE; i = (i + 1) & mask, probes++) {
		if (d->side[i].nr == nr + 1)
			return &d->side[i];
		if (!d->side[i].nr) {
			if (!add)
				return NULL;
			d->side[i].nr = nr + 1;
			return &d->side[i];
		}
	}
	return NULL;
}

/* The internal references counted for number @nr, side table included. */
static u64 gc_index_count(struct gc_index *d, u32 nr)
{
	struct gc_side_slot *s;

	if (d->refs[nr] != GC_IDX_SAT)
		return d->refs[nr];
	s = gc_index_side(d, nr, false);
	return GC_IDX_SAT + (s ? s->extra : 0);
}

static void visit_index_count(struct pyheap_obj *target, void *arg)
{
	struct gc_index *d = arg;
	struct gc_side_slot *s;
	u32 nr = gc_index_of(d, target);

	d->out->far += gc_far(d->from, target);
	if (nr == GC_IDX_NONE)
		return;
	if (likely(d->refs[nr] < GC_IDX_SAT)) {
		d->refs[nr]++;
		return;
	}
	s = gc_index_side(d, nr, true);
	if (s)
		s->extra++;
	else
		d->failed = true;
}

static void visit_index_reach(struct pyheap_obj *target, void *arg)
{
	struct gc_index *d = arg;
	u32 nr = gc_index_of(d, target);
	u8 v;

	if (nr == GC_IDX_NONE)
		return;
	v = d->refs[nr];
	if (unlikely(v == GC_IDX_UNREACH)) {
		/* passed too early: push it, to be scanned now */
		d->refs[nr] = GC_IDX_SCANNED;
		d->unreachable--;
		target->heap_priv = d->stack;
		d->stack = nr;
		return;
	}
	/*
	 * Not passed yet (or not a candidate): reachable now.  No branch on
	 * the byte, which is likely a cache miss: a mispredicted branch on
	 * it would wait for memory, where a store does not.
	 */
	d->refs[nr] = v == GC_IDX_SCANNED ? GC_IDX_SCANNED : 0;
}

static void gc_index_free(struct gc_index *d)
{
	kvfree(d->refs);
	kvfree(d->cand);
	kvfree(d->spans);
	kvfree(d->span_base);
	kvfree(d->order);
	kvfree(d->seen);
	kvfree(d->pools);
	kvfree(d->large);
	kvfree(d->large_objs);
	kvfree(d->side);
}

static int gc_span_cmp(const void *a, const void *b)
{
	const struct pyheap_obmalloc_span *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* Number the pools' blocks in address order, and hash the pools. */
static int gc_index_number(struct gc_index *d)
{
	u32 mask = BIT(d->pool_bits) - 1, i, k;
	struct gc_pool_slot *s;
	u64 n = 0;

	sort(d->spans, d->nr_spans, sizeof(*d->spans), gc_span_cmp, NULL);
	for (k = 0; k < d->nr_spans; k++) {
		unsigned long start = (unsigned long)d->spans[k].start;
		u32 stride = d->spans[k].stride;

		i = hash_long(start >> PYHEAP_POOL_SHIFT, d->pool_bits);
		while (d->pools[i].start)
			i = (i + 1) & mask;
		s = &d->pools[i];
		s->start = start;
		s->base = n;
		s->inv = div_u64(BIT_ULL(32) + stride - 1, stride);
		d->span_base[k] = n;
		n += d->spans[k].nblocks;
	}
	if (n + d->max_large >= GC_IDX_NONE)
		return -E2BIG;
	d->large_base = n;
	d->n = n + d->max_large;
	return 0;
}

#define GC_IDX_GFP	(GFP_KERNEL_ACCOUNT | __GFP_NOWARN)

static int gc_index_init(struct pyheap_heap *heap, struct gc_index *d)
{
	struct pyheap_obmalloc *pa = heap->alloc;
	u32 nr_pools = pyheap_obmalloc_nr_pools(pa);
	u64 nr_large = pyheap_obmalloc_nr_large(pa);

	if (pyheap_obmalloc_mode(pa) == PYHEAP_OBMALLOC_PASSTHROUGH ||
	    nr_large >= U32_MAX / 2)
		return -EOPNOTSUPP;
	d->last = &d->nowhere;
	d->max_large = nr_large;
	d->pool_bits = order_base_2(2 * (nr_pools + 1));
	d->spans = kvmalloc_array(nr_pools, sizeof(*d->spans), GC_IDX_GFP);
	d->span_base = kvmalloc_array(nr_pools, sizeof(u32), GC_IDX_GFP);
	d->order = kvmalloc_array(nr_pools, sizeof(u32), GC_IDX_GFP);
	d->seen = kvcalloc(BITS_TO_LONGS(nr_pools), sizeof(long), GC_IDX_GFP);
	d->pools = kvcalloc(BIT(d->pool_bits), sizeof(*d->pools), GC_IDX_GFP);
	d->side = kvcalloc(GC_IDX_SIDE, sizeof(*d->side), GC_IDX_GFP);
	if (!d->spans || !d->span_base || !d->order || !d->seen ||
	    !d->pools || !d->side)
		return -ENOMEM;
	if (nr_large) {
		d->large_bits = order_base_2(2 * nr_large);
		d->large = kvcalloc(BIT(d->large_bits), sizeof(*d->large),
				    GC_IDX_GFP);
		d->large_objs = kvmalloc_array(nr_large, sizeof(void *),
					       GC_IDX_GFP);
		if (!d->large || !d->large_objs)
			return -ENOMEM;
	}
	d->nr_spans = pyheap_obmalloc_spans(pa, d->spans, nr_pools);
	if (gc_index_number(d))
		return -E2BIG;
	d->refs = kvzalloc(d->n, GC_IDX_GFP);
	d->cand = kvcalloc(BITS_TO_LONGS(d->n), sizeof(long), GC_IDX_GFP);
	return d->refs && d->cand ? 0 : -ENOMEM;
}

/* Step 1 for @obj, a candidate: its bit, its pool's place, its counts. */
static void gc_index_count_refs(struct gc_index *d, struct pyheap_obj *obj,
				struct gc_pool_slot **pool)
{
	u32 nr = gc_index_of(d, obj), k;

	if (nr == GC_IDX_NONE) {
		d->failed = true;	/* an object of no pool of the heap */
		return;
	}
	__set_bit(nr, d->cand);
	if (nr < d->large_base && d->last != *pool) {
		*pool = d->last;
		k = gc_index_span(d, nr);
		if (!__test_and_set_bit(k, d->seen))
			d->order[d->nr_order++] = k;
	}
	d->from = obj;
	__pyheap_gc_traverse(obj, visit_index_count, d);
}

static void gc_index_keep(struct gc_index *d, struct pyheap_obj *obj)
{
	/* (no store to a header that need not change: see the scan) */
	if (unlikely(obj->flags & PYHEAP_OBJF_HANDED))
		obj->flags &= ~PYHEAP_OBJF_HANDED;
	if (gc_gen_of(obj) != d->dest)
		gc_set_gen(obj, d->dest);
	d->out->survivors++;
	__pyheap_gc_traverse(obj, visit_index_reach, d);
}

/* Step 2 for candidate @nr, and for whatever it pushes. */
static void gc_index_scan(struct gc_index *d, u32 nr, struct pyheap_obj *obj)
{
	if (obj->refcnt <= gc_index_count(d, nr)) {
		d->refs[nr] = GC_IDX_UNREACH;
		d->unreachable++;
		return;
	}
	d->refs[nr] = GC_IDX_SCANNED;
	gc_index_keep(d, obj);
	while (d->stack != GC_IDX_NONE) {
		obj = gc_index_obj(d, d->stack);
		d->stack = obj->heap_priv;
		obj->heap_priv = 0;
		gc_index_keep(d, obj);
	}
}

/* Step 3: as gc_move_unreachable() leaves an unreachable object. */
static void gc_index_unlink(struct pyheap_obj *obj,
			    struct list_head *unreachable,
			    struct gc_deduced *out)
{
	obj->flags &= ~PYHEAP_OBJF_HANDED;
	obj->flags |= PYHEAP_OBJF_UNREACHABLE | PYHEAP_OBJF_COLLECTING;
	gc_set_gen(obj, PYHEAP_GEN_NONE);
	out->finalizers |= gc_has_finalizer(obj);
	list_move_tail(&obj->node, unreachable);
}

/* Where the scan is: the order's pool @k, its block @j; or large @j. */
struct gc_index_iter {
	u32 k;
	u32 j;
	u32 nr;		/* the number of the candidate returned */
};

/*
 * The next candidate in the scan's order: pools as the list met them,
 * blocks in address order, then the large objects; NULL after the last.
 */
static struct pyheap_obj *gc_index_next(const struct gc_index *d,
					struct gc_index_iter *it)
{
	const struct pyheap_obmalloc_span *sp;
	u32 base;

	for (; it->k < d->nr_order; it->k++, it->j = 0) {
		sp = &d->spans[d->order[it->k]];
		base = d->span_base[d->order[it->k]];
		for (; it->j < sp->nblocks; it->j++) {
			if (test_bit(base + it->j, d->cand)) {
				it->nr = base + it->j;
				return sp->start + it->j++ * sp->stride;
			}
		}
	}
	for (; it->j < d->nr_large; it->j++) {
		if (test_bit(d->large_base + it->j, d->cand)) {
			it->nr = d->large_base + it->j;
			return d->large_objs[it->j++];
		}
	}
	return NULL;
}

/*
 * Steps 2 to 4 with the index.  Returns 0, or an errno if the index
 * could not be had; the candidates are then as they were.
 */
static int gc_index_deduce(struct pyheap_heap *heap, struct list_head *young,
			   struct list_head *unreachable, u32 dest,
			   struct gc_deduced *out)
{
	struct gc_pool_slot *pool = NULL;
	struct gc_index_iter it = {};
	struct pyheap_obj *obj;
	struct gc_index *d;
	unsigned int n = 0;
	int err;

	d = kzalloc(sizeof(*d), GC_IDX_GFP);
	if (!d)
		return -ENOMEM;
	d->out = out;
	err = gc_index_init(heap, d);
	if (err)
		goto out;

	/* 1. count the internal references */
	d->counting = true;
	list_for_each_entry(obj, young, node) {
		gc_index_count_refs(d, obj, &pool);
		if (d->failed)
			break;
		if (!(++n % 1024))
			cond_resched();
	}
	if (d->failed) {
		out->far = 0;
		err = -ENOSPC;
		goto out;
	}

	/* 2. decide, scanning in address order */
	d->counting = false;
	d->dest = dest;
	d->stack = GC_IDX_NONE;
	while ((obj = gc_index_next(d, &it))) {
		gc_index_scan(d, it.nr, obj);
		if (!(++n % 1024))
			cond_resched();
	}

	/* 3. the unreachable to their list */
	out->unreachable = d->unreachable;
	it = (struct gc_index_iter){};
	while (d->unreachable && (obj = gc_index_next(d, &it))) {
		if (d->refs[it.nr] == GC_IDX_UNREACH)
			gc_index_unlink(obj, unreachable, out);
		if (!(++n % 1024))
			cond_resched();
	}
out:
	gc_index_free(d);
	kfree(d);
	return err;
}

/* Whether a full collection of @candidates objects uses the dense index. */
static bool gc_index_wanted(const struct pyheap_gc *gc, u64 candidates)
{
	switch (gc->index) {
	case PYHEAP_GC_INDEX_ALWAYS:
		return true;
	case PYHEAP_GC_INDEX_NEVER:
		return false;
	default:
		return candidates >= GC_INDEX_MIN && gc->scattered;
	}
}

/*
 * Steps 2 to 4, CPython's deduce_unreachable(): by the list walk, or for
 * a full collection of a heap whose references were scattered the last
 * time, with the dense index.  Either way the survivors stay on @young,
 * stamped with generation @dest, and the rest moves to @unreachable.
 */
static void gc_deduce_unreachable(struct pyheap_heap *heap,
				  struct list_head *young,
				  struct list_head *unreachable, int generation,
				  u32 dest, u64 candidates,
				  struct gc_deduced *out)
	__must_hold(&heap->lock)
{
	struct pyheap_gc *gc = &heap->gc;

	if (generation == OLDEST && gc_index_wanted(gc, candidates) &&
	    !gc_index_deduce(heap, young, unreachable, dest, out)) {
		gc->index_collections++;
		out->index = true;
	} else {
		out->far = gc_count_refs(young, generation);
		gc_move_unreachable(young, unreachable, dest, out);
	}
	if (generation == OLDEST)
		gc->scattered = out->far > candidates / GC_INDEX_FAR_SHARE;
}

/*
 * Skipping a collection
 *
 * Steps 2 to 4 need not run when their answer is known: when the last
 * collection of this generation found nothing unreachable and the graph
 * has not changed since (as unix_gc skips its walk while no edge of the
 * graph changed).  heap->head.changes counts the changes: every put,
 * every object made, every reference a slot or an LRU entry adds, every
 * object moved between the collector's lists (by a collection, a freeze
 * or an unfreeze), every change of the debug flags.  Each generation
 * keeps the count its last collection left, and whether that one found
 * nothing.
 *
 * With the same count the candidates are the same objects with the same
 * references, and at least the same reference counts: a reference taken
 * without a put (pyheap_obj_get() alone, as a new handle) only adds
 * reachability, and nothing was reachable less.  So each one is
 * reachable again, and the scan would move none of them: the list walk
 * leaves its survivors in an order that a second walk keeps (each
 * object not referenced from outside follows one that reaches it), and
 * the index moves no survivor at all.  That holds only for the method
 * that made the order, so a full collection whose method would differ
 * from the last one's scans.  The measure of scatter stays what the last
 * scan left: it counts the references of the same candidates.  A
 * reference added by a type of another module with pyheap_obj_get()
 * alone is the one change not counted; it cannot change the answer, only
 * how scattered the next full collection believes the heap to be.
 *
 * Everything else runs as it would: the counts, the promotion of the
 * survivors, the statistics and the DEBUG_STATS lines; the skip is seen
 * only in the generation's skipped count.
 */
static bool gc_unchanged(struct pyheap_heap *heap, int generation,
			 u64 candidates, struct gc_deduced *out)
	__must_hold(&heap->lock)
{
	struct pyheap_gc *gc = &heap->gc;
	struct pyheap_gc_gen *g = &gc->gens[generation];
	bool index = generation == OLDEST && gc_index_wanted(gc, candidates);

	if (!g->base_ok || g->base != heap->head.changes || g->base_sliced ||
	    index != g->base_index || (generation < OLDEST && candidates) ||
	    g->nr_handed)
		return false;
	if (index)
		gc->index_collections++;
	out->survivors = candidates;
	out->index = index;
	return true;
}

/*
 * 12. What the next collection of @generation may skip.  Moving objects
 * into the next generation, or merging the younger ones into this one, is
 * a change for the other generations: count it before keeping the count.
 */
static void gc_note_base(struct pyheap_heap *heap, int generation,
			 u64 merged, const struct gc_deduced *found)
	__must_hold(&heap->lock)
{
	struct pyheap_gc_gen *g = &heap->gc.gens[generation];

	if (merged || (generation < OLDEST && found->survivors))
		pyheap_heap_changed(heap);
	g->base = heap->head.changes;
	g->base_ok = !found->unreachable;
	g->base_index = found->index;
	g->base_sliced = false;
}

/*
 * The same two for a full collection in slices (mod/gcslice.c), whose
 * survivors' order only another one in slices keeps: whether it may be
 * answered without a scan, and, at its end, what the next one may skip.
 * @clean: it found nothing, and no change came between its holds (its
 * own, in them, are the collection's work, as a whole one's are).
 */
bool __pyheap_gc_unchanged(struct pyheap_heap *heap, bool sliced)
	__must_hold(&heap->lock)
{
	struct pyheap_gc *gc = &heap->gc;
	struct pyheap_gc_gen *g = &gc->gens[OLDEST];

	lockdep_assert_held(&heap->lock);
	return g->base_ok && g->base == heap->head.changes &&
	       g->base_sliced == sliced && !gc->gens[0].nr && !gc->gens[1].nr &&
	       !g->nr_handed;
}

void __pyheap_gc_note_sliced(struct pyheap_heap *heap, bool clean)
	__must_hold(&heap->lock)
{
	struct pyheap_gc_gen *g = &heap->gc.gens[OLDEST];

	lockdep_assert_held(&heap->lock);
	pyheap_heap_changed(heap);	/* the lists moved, for gens 0 and 1 */
	g->base = heap->head.changes;
	g->base_ok = clean;
	g->base_index = false;
	g->base_sliced = true;
}

static void visit_move_legacy(struct pyheap_obj *target, void *arg)
{
	struct list_head *finalizers = arg;

	if (!(target->flags & PYHEAP_OBJF_UNREACHABLE))
		return;
	target->flags &= ~(PYHEAP_OBJF_UNREACHABLE | PYHEAP_OBJF_COLLECTING);
	list_move_tail(&target->node, finalizers);
}

/*
 * 6. Objects with a legacy finalizer, and everything unreachable they
 * reach, cannot be freed safely: set them apart for the garbage list.
 */
static void gc_move_legacy_finalizers(struct list_head *unreachable,
				      struct list_head *finalizers)
{
	struct pyheap_obj *obj, *tmp;

	list_for_each_entry_safe(obj, tmp, unreachable, node) {
		if (obj->flags & PYHEAP_OBJF_LEGACY) {
			obj->flags &= ~(PYHEAP_OBJF_UNREACHABLE |
					PYHEAP_OBJF_COLLECTING);
			list_move_tail(&obj->node, finalizers);
		}
	}
	list_for_each_entry(obj, finalizers, node)
		obj->type->traverse(obj, visit_move_legacy, finalizers);
}

/*
 * 7. PEP 442: run each finalizer once.  Puts made meanwhile only queue
 * (heap->draining), so nothing on @unreachable is freed under the loop;
 * objects whose count reaches zero leave the list for the to-free list,
 * after running their own finalizer if it had not run (mod/obj.c), which
 * may keep them on the list instead.
 * Returns false if a finalizer could not be started (no memory, or no
 * event for user space); such objects are tagged PYHEAP_OBJF_KEEP, for
 * gc_keep_unfinalized().
 */
static bool gc_finalize_garbage(struct pyheap_heap *heap,
				struct list_head *unreachable)
	__must_hold(&heap->lock)
{
	struct pyheap_obj *obj;
	bool ok = true, was_draining = heap->draining;
	LIST_HEAD(seen);

	heap->draining = true;
	while ((obj = list_first_entry_or_null(unreachable, struct pyheap_obj,
					       node))) {
		list_move_tail(&obj->node, &seen);
		if (!(obj->flags & PYHEAP_OBJF_FINALIZER) ||
		    (obj->flags & PYHEAP_OBJF_FINALIZED))
			continue;
		obj->flags |= PYHEAP_OBJF_FINALIZED;
		if (obj->type->finalize(heap, obj)) {
			obj->flags &= ~PYHEAP_OBJF_FINALIZED;
			obj->flags |= PYHEAP_OBJF_KEEP;
			ok = false;
		}
	}
	list_splice(&seen, unreachable);
	heap->draining = was_draining;
	if (!was_draining)
		pyheap_obj_drain(heap);
	return ok;
}

/* Put every object of @list into generation @gen, flags cleared. */
static void gc_move_all(struct pyheap_gc *gc, struct list_head *list, u32 gen)
{
	struct pyheap_obj *obj;

	while ((obj = list_first_entry_or_null(list, struct pyheap_obj,
					       node))) {
		obj->flags &= ~(PYHEAP_OBJF_COLLECTING |
				PYHEAP_OBJF_UNREACHABLE);
		__gc_move(gc, obj, gen);
	}
}

static u64 gc_list_count(struct list_head *list)
{
	struct list_head *pos;
	u64 n = 0;

	list_for_each(pos, list)
		n++;
	return n;
}

/*
 * 7a. A finalizer that could not start must run in a later collection, so
 * its object may not be freed now, nor anything it reaches (it would see
 * them freed), nor anything that reaches it (clearing that would drop the
 * object's count, and free it unfinalized when nothing else holds it).
 * The smallest set closed both ways is the object's weakly connected
 * component within @unreachable: find the components with a union-find
 * over the edges between unreachable objects (indices in heap_priv, which
 * holds nothing here), and send the components of the tagged objects back
 * to @old.  Everything else, unrelated cycles included, goes on to be
 * freed in this collection.  If the union-find's arrays cannot be had,
 * gc_keep_spread() finds the same components more slowly, in place.
 */
struct gc_components {
	u32 *parent;
	u32 self;	/* the object being traversed */
};

static u32 gc_find(u32 *parent, u32 x)
{
	while (parent[x] != x) {
		parent[x] = parent[parent[x]];	/* path halving */
		x = parent[x];
	}
	return x;
}

static void visit_union(struct pyheap_obj *target, void *arg)
{
	struct gc_components *c = arg;
	u32 a, b;

	if (!(target->flags & PYHEAP_OBJF_UNREACHABLE))
		return;
	a = gc_find(c->parent, c->self);
	b = gc_find(c->parent, target->heap_priv);
	if (a != b)
		c->parent[max(a, b)] = min(a, b);
}

/*
 * The same components without memory, for when the union-find's arrays
 * cannot be had (the likely case when a finalizer failed for want of
 * memory): spread the KEEP tag along every edge between unreachable
 * objects, both ways, until a pass changes nothing.  Each pass is one
 * traverse of each object; the number of passes is bounded by the
 * components' diameter.
 */
struct gc_spread {
	bool hit;	/* the traversed object references a kept one */
	bool keep;	/* the traversed object is kept */
	bool changed;
};

static void visit_spread(struct pyheap_obj *target, void *arg)
{
	struct gc_spread *sp = arg;

	if (!(target->flags & PYHEAP_OBJF_UNREACHABLE))
		return;
	if (target->flags & PYHEAP_OBJF_KEEP) {
		sp->hit = true;
	} else if (sp->keep) {
		target->flags |= PYHEAP_OBJF_KEEP;
		sp->changed = true;
	}
}

static void gc_keep_spread(struct list_head *unreachable)
{
	struct gc_spread sp;
	struct pyheap_obj *obj;
	unsigned int n = 0;

	do {
		sp.changed = false;
		list_for_each_entry(obj, unreachable, node) {
			sp.keep = obj->flags & PYHEAP_OBJF_KEEP;
			sp.hit = false;
			obj->type->traverse(obj, visit_spread, &sp);
			if (!sp.keep && sp.hit) {
				obj->flags |= PYHEAP_OBJF_KEEP;
				sp.changed = true;
			}
			if (!(++n % 1024))
				cond_resched();
		}
	} while (sp.changed);
}

static void gc_keep_unfinalized(struct pyheap_gc *gc,
				struct list_head *unreachable, u32 old)
{
	struct gc_components c;
	struct pyheap_obj *obj, *tmp;
	unsigned long *keep;
	u64 n = gc_list_count(unreachable);
	u32 i = 0;

	c.parent = n <= U32_MAX ?
		   kvmalloc_array(n, sizeof(*c.parent),
				  GFP_KERNEL_ACCOUNT | __GFP_NOWARN) : NULL;
	keep = c.parent ? kvcalloc(BITS_TO_LONGS(n), sizeof(*keep),
				   GFP_KERNEL_ACCOUNT | __GFP_NOWARN) : NULL;
	if (!keep) {
		kvfree(c.parent);
		gc_keep_spread(unreachable);
		goto move;
	}
	list_for_each_entry(obj, unreachable, node) {
		obj->heap_priv = i;
		c.parent[i] = i;
		i++;
	}
	list_for_each_entry(obj, unreachable, node) {
		c.self = obj->heap_priv;
		obj->type->traverse(obj, visit_union, &c);
		if (!(c.self % 1024))
			cond_resched();
	}
	list_for_each_entry(obj, unreachable, node)
		if (obj->flags & PYHEAP_OBJF_KEEP)
			__set_bit(gc_find(c.parent, obj->heap_priv), keep);
	list_for_each_entry(obj, unreachable, node)
		if (test_bit(gc_find(c.parent, obj->heap_priv), keep))
			obj->flags |= PYHEAP_OBJF_KEEP;
	kvfree(keep);
	kvfree(c.parent);
move:
	list_for_each_entry_safe(obj, tmp, unreachable, node) {
		if (!(obj->flags & PYHEAP_OBJF_KEEP))
			continue;
		obj->flags &= ~(PYHEAP_OBJF_KEEP | PYHEAP_OBJF_COLLECTING |
				PYHEAP_OBJF_UNREACHABLE);
		__gc_move(gc, obj, old);
	}
}

/*
 * 8. A finalizer may have made objects reachable again (resurrection).
 * Run the deduction again on what is left; the resurrected survive into
 * @old: the next older generation, or the one collected when the
 * finalizers handed their objects to user space (@handed, see
 * __pyheap_gc_finish()), tagged PYHEAP_OBJF_HANDED for the collection
 * that finishes the job (pyheap_gc_collect_handed()).
 */
static void gc_check_resurrected(struct pyheap_gc *gc,
				 struct list_head *unreachable,
				 struct list_head *still, u32 old, bool handed)
{
	struct gc_deduced again = {};
	struct pyheap_obj *obj;

	list_for_each_entry(obj, unreachable, node)
		obj->flags &= ~PYHEAP_OBJF_UNREACHABLE;
	gc_recount_refs(unreachable);
	gc_move_unreachable(unreachable, still, old, &again);
	list_for_each_entry(obj, still, node)
		obj->flags &= ~PYHEAP_OBJF_UNREACHABLE;
	if (!handed) {
		gc_move_all(gc, unreachable, old);
		return;
	}
	/* at the head of the list, where pyheap_gc_collect_handed() looks */
	while ((obj = list_first_entry_or_null(unreachable, struct pyheap_obj,
					       node))) {
		obj->flags &= ~(PYHEAP_OBJF_COLLECTING |
				PYHEAP_OBJF_UNREACHABLE);
		obj->flags |= PYHEAP_OBJF_HANDED;
		__gc_move(gc, obj, old);
		list_move(&obj->node, gc_list(gc, old));
		gc->gens[old].nr_handed++;
	}
}

static int gc_garbage_append(struct pyheap_heap *heap, struct pyheap_obj *obj)
	__must_hold(&heap->lock)
{
	struct pyheap_gc *gc = &heap->gc;
	int err;

	err = xa_err(xa_store(&gc->garbage, gc->nr_garbage, obj,
			      GFP_KERNEL_ACCOUNT));
	if (err)
		return err;
	pyheap_obj_get(obj);
	gc->nr_garbage++;
	return 0;
}

/*
 * 9. Break the cycles: clear each object (pinned, so that it cannot go
 * under its own ->clear()), which drops its references; counts reach zero
 * and the to-free loop frees the objects.  Whatever survives its clear
 * stays in @old.  With DEBUG_SAVEALL everything goes to the garbage list
 * instead.
 */
static void gc_delete_garbage(struct pyheap_heap *heap, struct list_head *still,
			      u32 old)
	__must_hold(&heap->lock)
{
	struct pyheap_gc *gc = &heap->gc;
	struct pyheap_obj *obj;
	unsigned int n = 0;

	while ((obj = list_first_entry_or_null(still, struct pyheap_obj,
					       node))) {
		obj->flags &= ~(PYHEAP_OBJF_COLLECTING |
				PYHEAP_OBJF_UNREACHABLE);
		__gc_move(gc, obj, old);
		if (gc->debug & PYHEAP_GC_DEBUG_SAVEALL) {
			gc_garbage_append(heap, obj);
			continue;
		}
		pyheap_obj_get(obj);
		obj->type->clear(heap, obj);
		pyheap_obj_put(heap, obj);
		if (!(++n % 1024))
			cond_resched();
	}
}

/* 10. The legacy-finalizer set goes to the garbage list, alive. */
static void gc_keep_legacy_finalizers(struct pyheap_heap *heap,
				      struct list_head *finalizers, u32 old)
	__must_hold(&heap->lock)
{
	struct pyheap_gc *gc = &heap->gc;
	struct pyheap_obj *obj;

	while ((obj = list_first_entry_or_null(finalizers, struct pyheap_obj,
					       node))) {
		__gc_move(gc, obj, old);
		gc_garbage_append(heap, obj);
	}
}

/* Count the objects of @list by type, into @counts. */
static void gc_debug_count(struct list_head *list, u64 *counts)
{
	struct pyheap_obj *obj;

	list_for_each_entry(obj, list, node)
		counts[obj->type->id]++;
}

/* DEBUG_COLLECTABLE and DEBUG_UNCOLLECTABLE: one line per type found. */
static void gc_debug_report(struct pyheap_heap *heap,
			    const struct gc_debug_counts *dc)
	__must_hold(&heap->lock)
{
	u32 debug = heap->gc.debug;
	const struct pyheap_type *type;
	int i;

	for (i = 0; i < PYHEAP_MAX_TYPES; i++) {
		type = READ_ONCE(pyheap_types[i]);
		if (!type)
			continue;
		if ((debug & PYHEAP_GC_DEBUG_COLLECTABLE) &&
		    dc->collectable[i] && __ratelimit(&gc_debug_rs))
			pr_info("gc: heap %llu: collectable: %llu <%s>\n",
				heap->id, dc->collectable[i], type->name);
		if ((debug & PYHEAP_GC_DEBUG_UNCOLLECTABLE) &&
		    dc->uncollectable[i] && __ratelimit(&gc_debug_rs))
			pr_info("gc: heap %llu: uncollectable: %llu <%s>\n",
				heap->id, dc->uncollectable[i], type->name);
	}
}

/*
 * One hold of heap->lock by a collection of @generation, @ns long: a
 * whole collection, or one slice of a collection in slices.
 */
void __pyheap_gc_note_hold(struct pyheap_heap *heap, int generation, u64 ns)
	__must_hold(&heap->lock)
{
	struct pyheap_gc_gen *g = &heap->gc.gens[generation];
	unsigned int bucket = ilog2(div_u64(ns, NSEC_PER_USEC) | 1);

	g->max_pause_ns = max(g->max_pause_ns, ns);
	g->pause_hist[min_t(unsigned int, bucket, PYHEAP_GC_HIST - 1)]++;
}

/*
 * 11. Statistics, and DEBUG_STATS to the kernel log.  @ns is the time the
 * collection held heap->lock, in one hold or summed over its slices (each
 * hold is noted by __pyheap_gc_note_hold()).
 */
void __pyheap_gc_account(struct pyheap_heap *heap, int generation,
			 u64 candidates, u64 collected, u64 uncollectable,
			 u64 ns)
	__must_hold(&heap->lock)
{
	struct pyheap_gc_gen *g = &heap->gc.gens[generation];

	g->collections++;
	g->collected += collected;
	g->uncollectable += uncollectable;
	g->candidates += candidates;
	g->duration_ns += ns;
	if ((heap->gc.debug & PYHEAP_GC_DEBUG_STATS) &&
	    __ratelimit(&gc_debug_rs))
		pr_info("gc: heap %llu: done, %llu unreachable, %llu uncollectable, %llu.%06llus elapsed\n",
			heap->id, collected + uncollectable, uncollectable,
			ns / NSEC_PER_SEC, (ns % NSEC_PER_SEC) / NSEC_PER_USEC);
}

/*
 * Steps 6 to 10 for the objects found unreachable on @unreachable (with
 * the flags gc_move_unreachable() leaves): finalizers, resurrection, the
 * cycles broken, the garbage list.  @finalizers: whether any of them has
 * a finalizer left to run or a legacy one.  Returns how many were freed,
 * and in @uncollectable how many went to the garbage list.  Shared by
 * gc_collect() and the collections in slices of mod/gcslice.c.
 */
u64 __pyheap_gc_finish(struct pyheap_heap *heap, int generation,
		       struct list_head *unreachable, bool finalizers,
		       u64 nr_unreachable, u64 *uncollectable)
	__must_hold(&heap->lock)
{
	struct pyheap_gc *gc = &heap->gc;
	u32 old = min(generation + 1, OLDEST);
	struct gc_debug_counts dc = {};
	u64 collected, nr_uncollectable, events;
	LIST_HEAD(finalizers_list);
	LIST_HEAD(still);
	bool handed;

	lockdep_assert_held(&heap->lock);
	/*
	 * 6 to 8 only if an unreachable object has a finalizer left to run
	 * or a legacy one: only a finalizer can make an object reachable
	 * again, so without one all of them are still unreachable.
	 */
	if (finalizers) {
		/* 6. legacy finalizers: set apart with what they reach */
		gc_move_legacy_finalizers(unreachable, &finalizers_list);

		/* 7. finalizers, once each (PEP 442) */
		events = heap->events.nr;
		if (!gc_finalize_garbage(heap, unreachable))
			gc_keep_unfinalized(gc, unreachable, old);

		/*
		 * 8. resurrected objects survive.  What the events hold
		 * is not resurrected yet: user space runs the finalizers
		 * and then collects what they were handed again
		 * (pyheap_gc_collect_handed()), which must find there what
		 * CPython's one collection frees.  So no promotion for it
		 * yet: a plain collection of this generation, the older
		 * way to finish, must find it there and nothing older.
		 */
		handed = heap->events.nr != events;
		gc_check_resurrected(gc, unreachable, &still,
				     handed ? generation : old, handed);
		collected = gc_list_count(&still);
	} else {
		list_splice_init(unreachable, &still);
		collected = nr_unreachable;
	}

	/* 9. break the cycles of what is still unreachable, and free it */
	if (gc->debug & PYHEAP_GC_DEBUG_COLLECTABLE)
		gc_debug_count(&still, dc.collectable);
	gc_delete_garbage(heap, &still, old);

	/*
	 * 10. uncollectable cycles go to the garbage list.  Counted only now,
	 * as CPython counts them: step 9 may have freed a legacy-finalizer
	 * object that only the collectable objects held.
	 */
	nr_uncollectable = gc_list_count(&finalizers_list);
	if (gc->debug & PYHEAP_GC_DEBUG_UNCOLLECTABLE)
		gc_debug_count(&finalizers_list, dc.uncollectable);
	if (gc->debug & (PYHEAP_GC_DEBUG_COLLECTABLE |
			 PYHEAP_GC_DEBUG_UNCOLLECTABLE))
		gc_debug_report(heap, &dc);
	gc_keep_legacy_finalizers(heap, &finalizers_list, old);
	*uncollectable = nr_uncollectable;
	return collected;
}

/*
 * Steps 6 to 11 of a collection that began at @start, in one hold: what
 * __pyheap_gc_finish() does with what @found, and the statistics.
 */
static u64 gc_finish_account(struct pyheap_heap *heap, int generation,
			     struct list_head *unreachable,
			     const struct gc_deduced *found, u64 candidates,
			     u64 start, u64 *uncollectable)
	__must_hold(&heap->lock)
{
	u64 collected, ns;

	collected = __pyheap_gc_finish(heap, generation, unreachable,
				       found->finalizers, found->unreachable,
				       uncollectable);
	/* 11. statistics */
	ns = ktime_get_ns() - start;
	__pyheap_gc_note_hold(heap, generation, ns);
	__pyheap_gc_account(heap, generation, candidates, collected,
			    *uncollectable, ns);
	return collected;
}

/*
 * This is the main function.  Read this to understand how a collection
 * works: it is CPython's gc_collect_main(), step by step.  Returns the
 * number of unreachable objects found (collected plus uncollectable).
 */
static u64 gc_collect(struct pyheap_heap *heap, int generation)
	__must_hold(&heap->lock)
{
	struct pyheap_gc *gc = &heap->gc;
	u32 old = min(generation + 1, OLDEST);
	struct list_head *young = &gc->gens[generation].objects;
	u64 start = ktime_get_ns(), candidates, survivors, collected;
	u64 uncollectable, merged = 0;
	struct gc_deduced found = {};
	LIST_HEAD(unreachable);
	int i;

	lockdep_assert_held(&heap->lock);
	gc->collecting = true;
	if ((gc->debug & PYHEAP_GC_DEBUG_STATS) && __ratelimit(&gc_debug_rs))
		pr_info("gc: heap %llu: collecting generation %d, objects in each generation: %llu %llu %llu, permanent %llu\n",
			heap->id, generation, gc->gens[0].nr, gc->gens[1].nr,
			gc->gens[2].nr, gc->nr_permanent);

	/* Counts, as CPython keeps them. */
	if (generation < OLDEST)
		gc->gens[generation + 1].count++;
	for (i = 0; i <= generation; i++)
		gc->gens[i].count = 0;

	/* 1. merge the younger generations into the one collected */
	for (i = 0; i < generation; i++) {
		list_splice_tail_init(&gc->gens[i].objects, young);
		merged += gc->gens[i].nr;
		gc->gens[i].nr = 0;
		gc->gens[generation].nr_handed += gc->gens[i].nr_handed;
		gc->gens[i].nr_handed = 0;
	}
	gc->gens[generation].nr += merged;
	candidates = gc->gens[generation].nr;

	/*
	 * 2 to 4. find what is unreachable from outside the candidates,
	 * unless nothing changed since the last time (see "Skipping a
	 * collection" above)
	 */
	if (gc_unchanged(heap, generation, candidates, &found)) {
		gc->gens[generation].skipped++;
	} else {
		gc_deduce_unreachable(heap, young, &unreachable, generation,
				      old, candidates, &found);
		/* every candidate forgot being handed out */
		gc->gens[generation].nr_handed = 0;
	}
	survivors = found.survivors;

	/* 5. promote the survivors */
	gc->gens[generation].nr = 0;
	if (generation < OLDEST) {
		if (generation == OLDEST - 1)
			gc->long_lived_pending += survivors;
		list_splice_tail_init(young, &gc->gens[old].objects);
	} else {
		gc->long_lived_pending = 0;
		gc->long_lived_total = survivors;
		gc->full_deferrals = 0;
	}
	gc->gens[old].nr += survivors;

	collected = gc_finish_account(heap, generation, &unreachable, &found,
				      candidates, start, &uncollectable);
	gc_note_base(heap, generation, merged, &found);
	gc->collecting = false;
	WRITE_ONCE(gc->behind, false);		/* paired: throttle */
	return collected + uncollectable;
}

/**
 * pyheap_gc_collect() - collect a generation now
 * @heap: the heap
 * @generation: oldest generation to collect, 0..2
 *
 * Like gc.collect(generation): runs even when automatic collection is
 * disabled.
 *
 * Context: Process context; may sleep.  Caller holds heap->lock.
 * Return: unreachable objects found, or -EINVAL for a bad @generation,
 * or -EBUSY if called from inside a collection (a type callback).
 */
long pyheap_gc_collect(struct pyheap_heap *heap, int generation)
	__must_hold(&heap->lock)
{
	lockdep_assert_held(&heap->lock);
	if (generation < 0 || generation >= NR_GENS)
		return -EINVAL;
	if (heap->gc.collecting || heap->draining)
		return -EBUSY;
	/* What was garbage before this call is gone when it returns. */
	pyheap_gc_slice_finish(heap);
	if (generation == OLDEST && pyheap_gc_slice_mode(heap))
		return pyheap_gc_slice_collect(heap);
	return gc_collect(heap, generation);
}
EXPORT_SYMBOL_GPL(pyheap_gc_collect);

/*
 * Take the objects tagged PYHEAP_OBJF_HANDED out of generations 0 to
 * @generation onto @young, as candidates (COLLECTING) that forget the
 * tag.  Returns how many.  The collection that tagged them put them at
 * the head of their list, counted; nothing else puts an object there,
 * and a tag is only ever taken off with the object's count (a scan, the
 * sliced collector's watch, a freeze, a death), never moved, so the
 * walk ends after them.
 */
static u64 gc_take_handed(struct pyheap_gc *gc, int generation,
			  struct list_head *young)
{
	struct pyheap_gc_gen *g;
	struct pyheap_obj *obj, *tmp;
	unsigned int n = 0;
	u64 taken = 0, left;
	int i;

	for (i = 0; i <= generation; i++) {
		g = &gc->gens[i];
		left = g->nr_handed;
		list_for_each_entry_safe(obj, tmp, &g->objects, node) {
			if (!left)
				break;
			if (!(++n % 1024))
				cond_resched();
			if (!(obj->flags & PYHEAP_OBJF_HANDED))
				continue;
			obj->flags = (obj->flags & ~PYHEAP_OBJF_HANDED) |
				     PYHEAP_OBJF_COLLECTING;
			list_move_tail(&obj->node, young);
			g->nr--;
			left--;
		}
		taken += g->nr_handed - left;
		WARN_ON_ONCE(left);
		g->nr_handed = 0;
	}
	return taken;
}

/**
 * pyheap_gc_collect_handed() - finish a collection whose finalizers ran
 * @heap: the heap
 * @generation: the generation the collection was of, 0..2
 *
 * A collection that hands the objects of PEP 442 finalizers to user space
 * (finalizer events) cannot run those finalizers itself, so it keeps what
 * it found unreachable alive, in @generation, for user space to finish:
 * once the finalizers have run and the events' handles are closed, this
 * decides again only what was kept so, counting every reference from
 * anywhere else as a root, as CPython's handle_resurrected_objects()
 * does after its finalizers; frees what is still unreachable and moves
 * the rest to the next older generation.  Objects made or cut loose by
 * the finalizers meanwhile wait for the next collection, as in CPython.
 * An object stops being "kept" at the next collection that has it as a
 * candidate, and when frozen.  The kept objects are counted per
 * generation (&pyheap_gc_gen.nr_handed) and wait at the head of its list,
 * so finding them costs what they are, not the generation.  Counted in
 * @generation's statistics; the counts of gc.get_count() do not move.
 *
 * Context: Process context; may sleep.  Caller holds heap->lock.
 * Return: unreachable objects found, -EINVAL for a bad @generation, or
 * -EBUSY from inside a collection.
 */
long pyheap_gc_collect_handed(struct pyheap_heap *heap, int generation)
	__must_hold(&heap->lock)
{
	struct pyheap_gc *gc = &heap->gc;
	u32 old = min(generation + 1, OLDEST);
	u64 start = ktime_get_ns(), candidates, collected, uncollectable;
	struct gc_deduced found = {};
	LIST_HEAD(unreachable);
	LIST_HEAD(young);

	lockdep_assert_held(&heap->lock);
	if (generation < 0 || generation >= NR_GENS)
		return -EINVAL;
	if (gc->collecting || heap->draining)
		return -EBUSY;
	pyheap_gc_slice_finish(heap);
	gc->collecting = true;
	candidates = gc_take_handed(gc, generation, &young);
	if (candidates)
		pyheap_heap_changed(heap);	/* objects moved lists */
	gc_recount_refs(&young);
	gc_move_unreachable(&young, &unreachable, old, &found);
	list_splice_tail_init(&young, &gc->gens[old].objects);
	gc->gens[old].nr += found.survivors;
	collected = gc_finish_account(heap, generation, &unreachable, &found,
				      candidates, start, &uncollectable);
	gc->collecting = false;
	return collected + uncollectable;
}
EXPORT_SYMBOL_IF_KUNIT(pyheap_gc_collect_handed);

/*
 * Which generation to collect, as CPython's gc_collect_generations()
 * picks it: the oldest whose count passed its threshold, except that a
 * full collection waits for the long-lived guard (within its ceiling).
 */
VISIBLE_IF_KUNIT int pyheap_gc_select_generation(struct pyheap_gc *gc)
{
	int i;

	for (i = OLDEST; i >= 0; i--) {
		if (gc->gens[i].count <= gc->gens[i].threshold)
			continue;
		if (i == OLDEST &&
		    gc->long_lived_pending < gc->long_lived_total / 4 &&
		    gc->full_deferrals < GC_MAX_FULL_DEFERRALS) {
			gc->full_deferrals++;
			continue;
		}
		return i;
	}
	return -1;
}
EXPORT_SYMBOL_IF_KUNIT(pyheap_gc_select_generation);

void pyheap_gc_work(struct work_struct *work)
{
	struct pyheap_gc *gc = container_of(work, struct pyheap_gc, work);
	struct pyheap_heap *heap = container_of(gc, struct pyheap_heap, gc);
	struct mem_cgroup *memcg;
	int gen;

	/*
	 * What the collection allocates (the garbage list, finalizer events
	 * and the names user space gets for them) is the heap's, not the
	 * kworker's: charge the memory cgroup of the heap's creator, as a
	 * call from it would.
	 */
	memcg = set_active_memcg(heap->memcg);
	mutex_lock(&heap->lock);
	/* Values the shrinker evicted, which may run finalizers. */
	if (!gc->dying)
		pyheap_ulru_release_deferred(heap);
	if (pyheap_gc_slice_active(heap)) {
		pyheap_gc_slice_work(heap);	/* drops the lock between */
	} else if (gc->enabled && !gc->dying && gc->gens[0].threshold) {
		gen = pyheap_gc_select_generation(gc);
		if (gc->shrink) {
			gen = OLDEST;
			gc->shrink_collections++;
		}
		if (gen == OLDEST && pyheap_gc_slice_mode(heap))
			pyheap_gc_slice_work(heap);
		else if (gen >= 0)
			gc_collect(heap, gen);
	}
	gc->shrink = false;
	WRITE_ONCE(gc->behind, false);
	mutex_unlock(&heap->lock);
	set_active_memcg(memcg);
}

/*
 * Memory pressure (mod/shrink.c): queue a full collection for the work
 * item, if anything was tracked since the last one and the collector may
 * run on its own.  Queueing neither sleeps nor allocates; the collection,
 * which does both, runs later from the workqueue.
 * Return: whether this call queued one.
 */
bool pyheap_gc_shrink(struct pyheap_heap *heap)
	__must_hold(&heap->lock)
{
	struct pyheap_gc *gc = &heap->gc;

	lockdep_assert_held(&heap->lock);
	if (!gc->enabled || gc->dying || !gc->gens[0].threshold ||
	    !gc->gens[0].count || gc->shrink)
		return false;
	gc->shrink = true;
	queue_work(pyheap_gc_wq, &gc->work);
	return true;
}

/*
 * Run the work item for what it does besides collecting: release the
 * values the shrinker evicted (pyheap_ulru_release_deferred()).  Queueing
 * neither sleeps nor allocates.
 */
void pyheap_gc_kick(struct pyheap_heap *heap)
	__must_hold(&heap->lock)
{
	lockdep_assert_held(&heap->lock);
	if (!heap->gc.dying)
		queue_work(pyheap_gc_wq, &heap->gc.work);
}

/*
 * Allocators that outrun the collector wait for it, outside the heap lock
 * (as unix_gc's wait_for_unix_gc() does).
 */
void pyheap_gc_throttle(struct pyheap_heap *heap)
{
	if (READ_ONCE(heap->gc.behind))		/* paired: __gc_maybe_queue() */
		flush_work(&heap->gc.work);
}

/*
 * The file is going: no collection may start or run after this.  Called
 * without heap->lock, since the work item takes it.
 */
void pyheap_gc_shutdown(struct pyheap_heap *heap)
{
	mutex_lock(&heap->lock);
	heap->gc.dying = true;
	mutex_unlock(&heap->lock);
#ifdef PYHEAP_HAVE_DISABLE_WORK
	disable_work_sync(&heap->gc.work);
#else
	cancel_work_sync(&heap->gc.work);	/* ->dying stops requeueing */
#endif /* PYHEAP_HAVE_DISABLE_WORK */
}

/* Drop the garbage list's references and forget undelivered events. */
void pyheap_gc_release(struct pyheap_heap *heap)
	__must_hold(&heap->lock)
{
	pyheap_gc_garbage_clear(heap);
}

/* Move every object of every list onto @all, for the heap's teardown. */
void pyheap_gc_gather(struct pyheap_heap *heap, struct list_head *all)
	__must_hold(&heap->lock)
{
	struct pyheap_gc *gc = &heap->gc;
	struct pyheap_obj *obj;
	int i;

	pyheap_gc_slice_gather(heap, all);
	for (i = 0; i < NR_GENS; i++) {
		list_splice_tail_init(&gc->gens[i].objects, all);
		gc->gens[i].nr = 0;
		gc->gens[i].nr_handed = 0;
	}
	list_splice_tail_init(&gc->permanent, all);
	list_splice_tail_init(&gc->untracked, all);
	gc->nr_permanent = 0;
	gc->nr_untracked = 0;
	/* they are off every list now: their deaths count nowhere */
	list_for_each_entry(obj, all, node)
		gc_set_gen(obj, PYHEAP_GEN_NONE);
}

/*
 * Forget every object at once, for a teardown that frees them with their
 * arenas: the lists are emptied without a walk, and the objects on them
 * are never touched again.
 */
void pyheap_gc_discard(struct pyheap_heap *heap)
	__must_hold(&heap->lock)
{
	struct pyheap_gc *gc = &heap->gc;
	int i;

	pyheap_gc_slice_discard(heap);
	for (i = 0; i < NR_GENS; i++) {
		INIT_LIST_HEAD(&gc->gens[i].objects);
		gc->gens[i].nr = 0;
		gc->gens[i].nr_handed = 0;
		gc->gens[i].count = 0;
	}
	INIT_LIST_HEAD(&gc->permanent);
	INIT_LIST_HEAD(&gc->untracked);
	gc->nr_permanent = 0;
	gc->nr_untracked = 0;
	gc->long_lived_total = 0;
	gc->long_lived_pending = 0;
}

/**
 * pyheap_gc_garbage_clear() - empty the garbage list, as del gc.garbage[:]
 * @heap: the heap
 *
 * Drops the list's reference on each object on it.  What nothing else
 * holds is freed now, unless it is in a cycle: then it waits for the next
 * collection, which finds it again.
 *
 * Context: Process context; may sleep.  Caller holds heap->lock, and is
 * not a type callback run by a collection.
 * Return: the number of objects the list held.
 */
u64 pyheap_gc_garbage_clear(struct pyheap_heap *heap)
	__must_hold(&heap->lock)
{
	struct pyheap_gc *gc = &heap->gc;
	struct pyheap_obj *obj;
	unsigned long i;
	u64 n = 0;

	lockdep_assert_held(&heap->lock);
	xa_for_each(&gc->garbage, i, obj) {
		xa_erase(&gc->garbage, i);
		pyheap_obj_put(heap, obj);
		n++;
	}
	gc->nr_garbage = 0;
	return n;
}
EXPORT_SYMBOL_GPL(pyheap_gc_garbage_clear);

/**
 * pyheap_gc_freeze() - gc.freeze() and gc.unfreeze()
 * @heap: the heap
 * @freeze: true to move every object of generations 0 to 2 to the
 *	permanent generation, which no collection scans; false to move the
 *	permanent generation back into the oldest one
 *
 * Freezing resets the generations' counts, as CPython's does.  Objects
 * made afterwards join generation 0 as usual.
 *
 * Context: Process context.  Caller holds heap->lock.
 */
void pyheap_gc_freeze(struct pyheap_heap *heap, bool freeze)
	__must_hold(&heap->lock)
{
	struct pyheap_gc *gc = &heap->gc;
	struct pyheap_obj *obj;
	int i;

	lockdep_assert_held(&heap->lock);
	pyheap_gc_slice_finish(heap);	/* its candidates are off the lists */
	pyheap_heap_changed(heap);
	if (freeze) {
		for (i = 0; i < NR_GENS; i++) {
			/* (and what was handed out stops being so) */
			list_for_each_entry(obj, &gc->gens[i].objects, node) {
				obj->flags &= ~PYHEAP_OBJF_HANDED;
				gc_set_gen(obj, PYHEAP_GEN_PERMANENT);
			}
			gc->gens[i].nr_handed = 0;
			list_splice_tail_init(&gc->gens[i].objects,
					      &gc->permanent);
			gc->nr_permanent += gc->gens[i].nr;
			gc->gens[i].nr = 0;
			gc->gens[i].count = 0;
		}
		return;
	}
	list_for_each_entry(obj, &gc->permanent, node)
		gc_set_gen(obj, OLDEST);
	list_splice_tail_init(&gc->permanent, &gc->gens[OLDEST].objects);
	gc->gens[OLDEST].nr += gc->nr_permanent;
	gc->nr_permanent = 0;
}
EXPORT_SYMBOL_GPL(pyheap_gc_freeze);

/*
 * What the collector tells the rest of the module.  Its interface to user
 * space (mod/gcmodule.c), debugfs and the tests read and change its state
 * through these, never its fields.  All of them: caller holds heap->lock.
 */

/**
 * pyheap_gc_generation() - the generation an object is in
 * @obj: a live object
 *
 * Return: 0..2, %PYHEAP_GEN_PERMANENT (frozen), %PYHEAP_GEN_UNTRACKED or
 * %PYHEAP_GEN_NONE (being collected, or dying).
 */
u32 pyheap_gc_generation(const struct pyheap_obj *obj)
{
	return gc_gen_of(obj);
}
EXPORT_SYMBOL_IF_KUNIT(pyheap_gc_generation);

/* Whether an object's PEP 442 finalizer has run. */
bool pyheap_gc_is_finalized(const struct pyheap_obj *obj)
{
	return obj->flags & PYHEAP_OBJF_FINALIZED;
}

void pyheap_gc_get_params(struct pyheap_heap *heap, struct pyheap_gc_params *p)
	__must_hold(&heap->lock)
{
	struct pyheap_gc *gc = &heap->gc;
	int i;

	lockdep_assert_held(&heap->lock);
	p->enabled = gc->enabled;
	p->debug = gc->debug;
	for (i = 0; i < NR_GENS; i++)
		p->threshold[i] = gc->gens[i].threshold;
}
EXPORT_SYMBOL_IF_KUNIT(pyheap_gc_get_params);

/* Set every parameter at once; the caller has checked them. */
void pyheap_gc_set_params(struct pyheap_heap *heap,
			  const struct pyheap_gc_params *p)
	__must_hold(&heap->lock)
{
	struct pyheap_gc *gc = &heap->gc;
	int i;

	lockdep_assert_held(&heap->lock);
	if (gc->debug != p->debug)
		pyheap_heap_changed(heap);
	gc->enabled = p->enabled;
	gc->debug = p->debug;
	for (i = 0; i < NR_GENS; i++)
		gc->gens[i].threshold = p->threshold[i];
}
EXPORT_SYMBOL_IF_KUNIT(pyheap_gc_set_params);

/**
 * pyheap_gc_get_count() - gc.get_count()
 * @heap: the heap
 * @count: filled with each generation's count, as CPython keeps it:
 *	allocations minus deallocations for generation 0, collections of
 *	the younger generation for the others
 *
 * Context: Process context.  Caller holds heap->lock.
 */
void pyheap_gc_get_count(struct pyheap_heap *heap, u32 count[NR_GENS])
	__must_hold(&heap->lock)
{
	int i;

	lockdep_assert_held(&heap->lock);
	for (i = 0; i < NR_GENS; i++)
		count[i] = heap->gc.gens[i].count;
}
EXPORT_SYMBOL_GPL(pyheap_gc_get_count);

/**
 * pyheap_gc_nr_frozen() - gc.get_freeze_count()
 * @heap: the heap
 *
 * Context: Process context.  Caller holds heap->lock.
 * Return: the number of objects in the permanent generation.
 */
u64 pyheap_gc_nr_frozen(struct pyheap_heap *heap)
	__must_hold(&heap->lock)
{
	lockdep_assert_held(&heap->lock);
	return heap->gc.nr_permanent;
}
EXPORT_SYMBOL_GPL(pyheap_gc_nr_frozen);

/* The objects of generations 0 to 2: what a freeze would move. */
u64 pyheap_gc_nr_tracked(struct pyheap_heap *heap)
	__must_hold(&heap->lock)
{
	u64 n = 0;
	int i;

	lockdep_assert_held(&heap->lock);
	for (i = 0; i < NR_GENS; i++)
		n += heap->gc.gens[i].nr;
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(pyheap_gc_nr_tracked);

/**
 * pyheap_gc_nr_garbage() - len(gc.garbage)
 * @heap: the heap
 *
 * Context: Process context.  Caller holds heap->lock.
 * Return: the number of objects on the garbage list: unreachable objects
 * with a legacy finalizer and what they reach, or every unreachable object
 * when %PYHEAP_GC_DEBUG_SAVEALL is set.
 */
u64 pyheap_gc_nr_garbage(struct pyheap_heap *heap)
	__must_hold(&heap->lock)
{
	lockdep_assert_held(&heap->lock);
	return heap->gc.nr_garbage;
}
EXPORT_SYMBOL_GPL(pyheap_gc_nr_garbage);

/**
 * pyheap_gc_get_stats() - gc.get_stats()
 * @heap: the heap
 * @out: filled with one entry per generation, what ioctl(PYHEAP_IOC_GC_STATS)
 *	reports
 *
 * Context: Process context.  Caller holds heap->lock.
 */
void pyheap_gc_get_stats(struct pyheap_heap *heap,
			 struct pyheap_gc_gen_stats out[NR_GENS])
	__must_hold(&heap->lock)
{
	const struct pyheap_gc_gen *g;
	int i;

	lockdep_assert_held(&heap->lock);
	for (i = 0; i < NR_GENS; i++) {
		g = &heap->gc.gens[i];
		out[i] = (struct pyheap_gc_gen_stats) {
			.collections = g->collections,
			.collected = g->collected,
			.uncollectable = g->uncollectable,
			.candidates = g->candidates,
			.duration_ns = g->duration_ns,
			.max_pause_ns = g->max_pause_ns,
			.objects = g->nr,
		};
	}
}
EXPORT_SYMBOL_GPL(pyheap_gc_get_stats);

/**
 * pyheap_gc_get_skipped() - collections answered without a scan
 * @heap: the heap
 * @skipped: filled with the count of each generation: collections that
 *	found the graph as the last one of the generation had left it, and
 *	nothing unreachable then, so answered without steps 2 to 4.  Each is
 *	counted in the generation's collections as well.
 *
 * Context: Process context.  Caller holds heap->lock.
 */
void pyheap_gc_get_skipped(struct pyheap_heap *heap, u64 skipped[NR_GENS])
	__must_hold(&heap->lock)
{
	int i;

	lockdep_assert_held(&heap->lock);
	for (i = 0; i < NR_GENS; i++)
		skipped[i] = heap->gc.gens[i].skipped;
}
EXPORT_SYMBOL_GPL(pyheap_gc_get_skipped);

/*
 * debugfs's gc table, one heap's rows: one per generation, with the
 * counters of GC_STATS and the threshold and count of GC_GET.
 *	heap, gen	heap id, generation
 *	threshold	gc.get_threshold()[gen]
 *	count		gc.get_count()[gen]
 *	objects		objects in the generation now
 *	collections	collections of the generation
 *	collected	unreachable objects they freed
 *	uncollectable	unreachable objects they moved to gc.garbage
 *	candidates	objects they examined, summed
 *	duration_ns	time they took, summed
 *	max_pause_ns	the longest of them
 *	skipped		those of them answered without a scan (1.1)
 */
void pyheap_gc_show(struct pyheap_heap *heap, struct seq_file *m)
	__must_hold(&heap->lock)
{
	const struct pyheap_gc_gen *g;
	int i;

	lockdep_assert_held(&heap->lock);
	for (i = 0; i < NR_GENS; i++) {
		g = &heap->gc.gens[i];
		seq_printf(m, "  %6llu %3d %9u %7u %9llu %11llu %10llu %13llu %12llu %14llu %12llu %11llu\n",
			   pyheap_heap_id(heap), i, g->threshold, g->count,
			   g->nr, g->collections, g->collected,
			   g->uncollectable, g->candidates, g->duration_ns,
			   g->max_pause_ns, g->skipped);
	}
}

/*
 * debugfs's gc_pauses table, one heap's rows: one per generation, where
 * column k counts the collections that took from 2^k to 2^(k+1)
 * microseconds (the first one everything under 2 us, the last one
 * everything from 2^15 us up).
 */
void pyheap_gc_show_pauses(struct pyheap_heap *heap, struct seq_file *m)
	__must_hold(&heap->lock)
{
	int i, j;

	lockdep_assert_held(&heap->lock);
	for (i = 0; i < NR_GENS; i++) {
		seq_printf(m, "  %6llu %3d", pyheap_heap_id(heap), i);
		for (j = 0; j < PYHEAP_GC_HIST; j++)
			seq_printf(m, " %7u", heap->gc.gens[i].pause_hist[j]);
		seq_puts(m, "\n");
	}
}

/* Call @fn on each object of gc.garbage, in order. */
void pyheap_gc_for_each_garbage(struct pyheap_heap *heap, pyheap_visit_t fn,
				void *arg)
	__must_hold(&heap->lock)
{
	struct pyheap_obj *obj;
	unsigned long i;

	lockdep_assert_held(&heap->lock);
	xa_for_each(&heap->gc.garbage, i, obj)
		fn(obj, arg);
}

/*
 * Up to @max objects of gc.garbage from entry @start on, in order, into
 * @objs (borrowed); returns how many.  A page of a long list costs the
 * page, not what comes before it.
 */
u32 pyheap_gc_garbage_get(struct pyheap_heap *heap, u64 start, u32 max,
			  struct pyheap_obj **objs)
	__must_hold(&heap->lock)
{
	struct pyheap_obj *obj;
	unsigned long i;
	u32 n = 0;

	lockdep_assert_held(&heap->lock);
	if (!max || start >= heap->gc.nr_garbage)
		return 0;
	xa_for_each_start(&heap->gc.garbage, i, obj, start) {
		objs[n++] = obj;
		if (n == max)
			break;
	}
	return n;
}

/*
 * gc.get_objects(): the tracked objects of generation @gen, or of 0 to 2
 * if @gen is -1, in that order and each list from its oldest object.
 * pyheap_gc_objects_total() counts them; pyheap_gc_objects_get() puts up
 * to @max of them from entry @start on into @objs (borrowed) and returns
 * how many, walking only the list that holds entry @start up to it.
 */
u64 pyheap_gc_objects_total(struct pyheap_heap *heap, int gen)
	__must_hold(&heap->lock)
{
	lockdep_assert_held(&heap->lock);
	pyheap_gc_slice_finish(heap);	/* its candidates are off the lists */
	return gen < 0 ? pyheap_gc_nr_tracked(heap) : heap->gc.gens[gen].nr;
}
EXPORT_SYMBOL_IF_KUNIT(pyheap_gc_objects_total);

u32 pyheap_gc_objects_get(struct pyheap_heap *heap, int gen, u64 start,
			  u32 max, struct pyheap_obj **objs)
	__must_hold(&heap->lock)
{
	struct pyheap_gc *gc = &heap->gc;
	int g = gen < 0 ? 0 : gen, last = gen < 0 ? OLDEST : gen;
	struct pyheap_obj *obj;
	unsigned int i = 0;
	u32 n = 0;

	lockdep_assert_held(&heap->lock);
	pyheap_gc_slice_finish(heap);	/* its candidates are off the lists */
	for (; g <= last && n < max; g++) {
		if (start >= gc->gens[g].nr) {
			start -= gc->gens[g].nr;
			continue;
		}
		list_for_each_entry(obj, &gc->gens[g].objects, node) {
			if (start) {
				start--;
			} else {
				objs[n++] = obj;
				if (n == max)
					break;
			}
			if (!(++i % 1024))
				cond_resched();
		}
	}
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(pyheap_gc_objects_get);

struct gc_referrer_probe {
	const struct pyheap_obj *match;
	bool found;
};

static void visit_match(struct pyheap_obj *target, void *arg)
{
	struct gc_referrer_probe *probe = arg;

	probe->found |= target == probe->match;
}

/**
 * pyheap_gc_for_each_referrer() - gc.get_referrers() for one object
 * @heap: the heap
 * @match: the object referred to
 * @fn: called once for each tracked object (generations 0 to 2 and the
 *	permanent one) whose traverse visits @match, under heap->lock only
 * @arg: passed to @fn
 *
 * Context: Process context; may sleep.  Caller holds heap->lock.
 */
void pyheap_gc_for_each_referrer(struct pyheap_heap *heap,
				 const struct pyheap_obj *match,
				 pyheap_visit_t fn, void *arg)
	__must_hold(&heap->lock)
{
	struct gc_referrer_probe probe = { .match = match };
	struct pyheap_gc *gc = &heap->gc;
	struct pyheap_obj *obj;
	unsigned int n = 0;
	u32 gen;

	lockdep_assert_held(&heap->lock);
	/* Its candidates are off the lists, and may be garbage to name. */
	pyheap_gc_slice_finish(heap);
	for (gen = 0; gen <= PYHEAP_GEN_PERMANENT; gen++) {
		list_for_each_entry(obj, gc_list(gc, gen), node) {
			probe.found = false;
			obj->type->traverse(obj, visit_match, &probe);
			if (probe.found)
				fn(obj, arg);
			if (!(++n % 1024))
				cond_resched();
		}
	}
}

/**
 * pyheap_gc_for_each_object() - visit every live object of a heap once
 * @heap: the heap
 * @fn: called for each object of generations 0 to 2, the permanent one
 *	and the untracked list, in list order, under heap->lock only
 * @arg: passed to @fn
 *
 * Read-only: @fn must not free, track or move an object.  Between
 * collections every live object is on one of these lists; heap->lock
 * keeps a collection from running meanwhile, and a collection in slices
 * that was running is finished first (which may free its garbage).
 *
 * Context: Process context; may sleep.  Caller holds heap->lock.
 */
void pyheap_gc_for_each_object(struct pyheap_heap *heap, pyheap_visit_t fn,
			       void *arg)
	__must_hold(&heap->lock)
{
	struct pyheap_gc *gc = &heap->gc;
	struct pyheap_obj *obj;
	unsigned int n = 0;
	u32 gen;

	lockdep_assert_held(&heap->lock);
	pyheap_gc_slice_finish(heap);	/* its candidates are off the lists */
	for (gen = 0; gen <= PYHEAP_GEN_UNTRACKED; gen++) {
		list_for_each_entry(obj, gc_list(gc, gen), node) {
			fn(obj, arg);
			if (!(++n % 4096))
				cond_resched();
		}
	}
}

int pyheap_gc_init(void)
{
	pyheap_gc_wq = alloc_workqueue("pyheap_gc", WQ_UNBOUND, 0);
	return pyheap_gc_wq ? 0 : -ENOMEM;
}

void pyheap_gc_exit(void)
{
	destroy_workqueue(pyheap_gc_wq);
}
