// SPDX-License-Identifier: GPL-2.0
/*
 * pyheap gc: full collections in slices, with heap->lock dropped between
 *
 * A full collection of a large heap holds heap->lock for as long as it
 * takes to traverse every object (51 ms for a million objects of random
 * references): every ioctl on the heap waits that long.  With the
 * gc_slice_us module parameter set, a full collection from the work item
 * or from GC_COLLECT works instead for about that many microseconds at a
 * time, lets the mutators in, and goes on.  It finds the same garbage as
 * gc_collect() would have found when it began (an object that dies while
 * it runs waits for the next one), and it always ends: each candidate is
 * watched, counted, decided and traversed once, whatever the mutators do.
 *
 * The candidates go through the lists of struct pyheap_gc_slice, one
 * phase after the other, always taken from the head of a list, so no
 * cursor points at an object that a mutator may free meanwhile (a free
 * only unlinks the object, from whichever list holds it):
 *
 *  1. watch:   pending -> count; set PYHEAP_OBJF_WATCHED, zero heap_priv.
 *  2. count:   count -> counted; traverse, and add each reference to a
 *		watched object to its heap_priv.
 *  3. mark:    an object of counted with refcnt > heap_priv, or grey,
 *		goes to grey, the others to unreach; an object of grey is
 *		traversed, which moves what it reaches from counted or
 *		unreach to grey, and goes to black.
 *  4. declare: when grey and counted are both empty, in the same hold,
 *		unreach is the garbage.  Without a finalizer among it, it
 *		is freed as step 9 frees it, in the slices that follow:
 *		unreach -> pinned (4b, free: a reference taken on each),
 *		pinned -> cleared (4c, clear: its references dropped),
 *		cleared -> the oldest generation (4d, unpin: the pin
 *		dropped, which frees it).  With one, steps 6 to 10 of
 *		gc_collect() (__pyheap_gc_finish()) take it, in that hold.
 *  5. release: black -> the oldest generation, flags cleared.
 *
 * The barrier: pyheap_obj_put() of a watched object calls
 * pyheap_gc_slice_put(), which makes the object grey (in phases 1 and 2
 * only a flag; in phase 3 it moves to grey).  No barrier on a get: see
 * "Collections in slices" in Documentation/pyheap/gc.rst for why the
 * objects left on unreach are garbage, and why nothing can reach them.
 *
 * Flags while a collection in slices runs (the GEN bits keep each
 * candidate's generation, and gens[].nr keeps counting it there, until
 * phase 4 or 5 moves it; gens[].nr_handed too, until the watch):
 *
 *	list		WATCHED  GREY  UNREACHABLE  heap_priv
 *	pending		   0	  0	   0	     0
 *	count		   1	 0/1	   0	     references counted
 *	counted		   1	 0/1	   0	     references counted
 *	grey, black	   1	  1	   0	     (any)
 *	unreach		   1	  0	   1	     references counted
 *	pinned, cleared	   1	  0	   1	     references counted
 *
 * GREY on count or counted: a reference to the object went; it will be
 * decided reachable.
 *
 * Locking: every function here runs under heap->lock; the ones that let
 * it go (pyheap_gc_slice_work(), pyheap_gc_slice_run()) say so.  No young
 * collection runs while a full one is in slices (pyheap_gc_collect()
 * finishes it first), since the young generation's counts would reach
 * the candidates' heap_priv.  Lock order: "Lock order" in mod/internal.h
 * (3, rule a).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ktime.h>
#include <linux/lockdep.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/string.h>

#include <uapi/linux/pyheap.h>
#include "internal.h"

#define NR_GENS		PYHEAP_GC_NR_GENS
#define OLDEST		(NR_GENS - 1)

/* Objects of work between two reads of the clock. */
#define SLICE_CLOCK	16

/*
 * SLICE_CLOCK objects take a few microseconds; a stretch between two
 * reads this long is time the CPU spent elsewhere (the host took the
 * VM's CPU away, an interrupt), or one traverse of a very large object.
 */
#define SLICE_GAP_NS	(50 * NSEC_PER_USEC)

static unsigned int gc_slice_us;
module_param(gc_slice_us, uint, 0644);
MODULE_PARM_DESC(gc_slice_us,
		 "Full collections of new heaps hold the heap lock about this many microseconds at a time (0: in one piece, default)");

enum slice_phase {
	SLICE_IDLE,
	SLICE_WATCH,
	SLICE_COUNT,
	SLICE_MARK,
	SLICE_FREE,
	SLICE_CLEAR,
	SLICE_UNPIN,
	SLICE_RELEASE,
	NR_SLICE_PHASES,
};

/* The row of debugfs gc_slices for the holds of pyheap_gc_slice_finish() */
#define SLICE_ROW_FINISH	NR_SLICE_PHASES
static_assert(SLICE_ROW_FINISH + 1 == PYHEAP_GC_SLICE_PHASES);

static const char * const slice_row_names[PYHEAP_GC_SLICE_PHASES] = {
	"idle", "watch", "count", "mark", "free", "clear", "unpin", "release",
	"finish",
};

/* What one unit of work left to do. */
enum slice_next {
	SLICE_MORE,	/* go on, if the budget allows */
	SLICE_YIELD,	/* the garbage was declared: end this hold */
	SLICE_DONE,	/* the collection is over */
};

static u32 slice_gen_of(const struct pyheap_obj *obj)
{
	return (obj->flags & PYHEAP_OBJF_GEN_MASK) >> PYHEAP_OBJF_GEN_SHIFT;
}

static void slice_set_gen(struct pyheap_obj *obj, u32 gen)
{
	obj->flags = (obj->flags & ~PYHEAP_OBJF_GEN_MASK) |
		     (gen << PYHEAP_OBJF_GEN_SHIFT);
}

/* Empty every list of a sliced collection, without a look at them. */
static void slice_lists_init(struct pyheap_gc_slice *s)
{
	INIT_LIST_HEAD(&s->pending);
	INIT_LIST_HEAD(&s->count);
	INIT_LIST_HEAD(&s->counted);
	INIT_LIST_HEAD(&s->grey);
	INIT_LIST_HEAD(&s->black);
	INIT_LIST_HEAD(&s->unreach);
	INIT_LIST_HEAD(&s->pinned);
	INIT_LIST_HEAD(&s->cleared);
}

void pyheap_gc_slice_init(struct pyheap_heap *heap)
{
	struct pyheap_gc_slice *s = &heap->gc.slice;

	slice_lists_init(s);
	s->budget_us = READ_ONCE(gc_slice_us);
}

/* Whether full collections of @heap run in slices. */
bool pyheap_gc_slice_mode(struct pyheap_heap *heap)
	__must_hold(&heap->lock)
{
	return heap->gc.slice.budget_us;
}

/* Whether a collection in slices has begun and not ended. */
bool pyheap_gc_slice_active(struct pyheap_heap *heap)
	__must_hold(&heap->lock)
{
	return heap->gc.slice.phase != SLICE_IDLE;
}
EXPORT_SYMBOL_IF_KUNIT(pyheap_gc_slice_active);

static bool slice_has_finalizer(const struct pyheap_obj *obj)
{
	u32 f = obj->flags & (PYHEAP_OBJF_FINALIZER | PYHEAP_OBJF_FINALIZED);

	return (obj->flags & PYHEAP_OBJF_LEGACY) || f == PYHEAP_OBJF_FINALIZER;
}

/* Reachable: to be traversed, unless it is already. */
static void slice_shade(struct pyheap_gc_slice *s, struct pyheap_obj *obj)
{
	if (obj->flags & PYHEAP_OBJF_UNREACHABLE) {
		s->nr_unreach--;
		s->nr_finalizers -= slice_has_finalizer(obj);
	}
	obj->flags = (obj->flags | PYHEAP_OBJF_GREY) & ~PYHEAP_OBJF_UNREACHABLE;
	list_move_tail(&obj->node, &s->grey);
}

/**
 * pyheap_gc_slice_put() - the barrier: a reference to @obj is going
 * @heap: the heap
 * @obj: a watched object (PYHEAP_OBJF_WATCHED), before its count drops
 *
 * The object can no longer be trusted to be garbage just because its
 * count is all from candidates: it is made reachable.  Called from
 * __pyheap_obj_put() only.
 *
 * Context: Caller holds heap->lock.
 */
void pyheap_gc_slice_put(struct pyheap_heap *heap, struct pyheap_obj *obj)
	__must_hold(&heap->lock)
{
	struct pyheap_gc_slice *s = &heap->gc.slice;

	switch (s->phase) {
	case SLICE_WATCH:
	case SLICE_COUNT:
		obj->flags |= PYHEAP_OBJF_GREY;		/* decided later */
		break;
	case SLICE_MARK:
		if (!(obj->flags & PYHEAP_OBJF_GREY))
			slice_shade(s, obj);
		break;
	default:
		return;		/* declared already: nothing to watch */
	}
	s->dirtied++;
}

static void visit_slice_count(struct pyheap_obj *target, void *arg)
{
	if (target->flags & PYHEAP_OBJF_WATCHED)
		target->heap_priv++;
}

static void visit_slice_mark(struct pyheap_obj *target, void *arg)
{
	struct pyheap_gc_slice *s = arg;

	if ((target->flags & (PYHEAP_OBJF_WATCHED | PYHEAP_OBJF_GREY)) ==
	    PYHEAP_OBJF_WATCHED)
		slice_shade(s, target);
}

/**
 * pyheap_gc_slice_begin() - begin a full collection in slices
 * @heap: the heap, with no collection in slices running
 *
 * Takes every object of generations 0 to 2 as a candidate; objects made
 * from now on join generation 0 and are not candidates.  O(1).
 *
 * Context: Caller holds heap->lock.
 */
VISIBLE_IF_KUNIT void pyheap_gc_slice_begin(struct pyheap_heap *heap)
	__must_hold(&heap->lock)
{
	struct pyheap_gc *gc = &heap->gc;
	struct pyheap_gc_slice *s = &gc->slice;
	int i;

	lockdep_assert_held(&heap->lock);
	if (WARN_ON_ONCE(s->phase != SLICE_IDLE))
		return;
	s->candidates = 0;
	s->survivors = 0;
	s->nr_unreach = 0;
	s->nr_finalizers = 0;
	s->found = 0;
	s->collected = 0;
	s->uncollectable = 0;
	s->held_ns = 0;
	s->max_hold_ns = 0;
	s->start_ns = ktime_get_ns();
	s->dirty = false;
	s->started++;
	for (i = 0; i < NR_GENS; i++) {
		gc->gens[i].count = 0;
		s->candidates += gc->gens[i].nr;
	}
	/*
	 * Nothing changed since the last collection in slices, which found
	 * nothing: the answer is known, and the survivors' order is one that
	 * the phases keep ("Skipping a collection" in mod/gc.c).  End with
	 * phase 5 and nothing on black.
	 */
	if (__pyheap_gc_unchanged(heap, true)) {
		gc->gens[OLDEST].skipped++;
		s->survivors = s->candidates;
		s->phase = SLICE_RELEASE;
		s->changes = heap->head.changes;
		return;
	}
	for (i = 0; i < NR_GENS; i++)
		list_splice_tail_init(&gc->gens[i].objects, &s->pending);
	pyheap_heap_changed(heap);	/* the candidates left their lists */
	s->changes = heap->head.changes;
	s->phase = SLICE_WATCH;
}
EXPORT_SYMBOL_IF_KUNIT(pyheap_gc_slice_begin);

/*
 * 4a. No finalizer among the garbage, and no DEBUG_ flag that needs it
 * whole: the garbage is freed in the slices that follow (phases 4b to
 * 4d), as step 9 frees it, since nothing can reach it any more.
 */
static bool slice_free_in_slices(struct pyheap_heap *heap)
{
	const struct pyheap_gc *gc = &heap->gc;

	return !gc->slice.nr_finalizers &&
	       !(gc->debug & (PYHEAP_GC_DEBUG_SAVEALL |
			      PYHEAP_GC_DEBUG_COLLECTABLE));
}

/*
 * 4b to 4d.  The garbage is freed as gc_delete_garbage() frees it (each
 * object pinned, cleared, unpinned), but each step over all of it before
 * the next: clearing one object then frees nothing of the garbage, all
 * of it pinned, so no hold frees a whole component of it at once through
 * the to-free loop.  The references cleared go to other garbage, or to
 * objects no collection watches (untracked or frozen ones).  Nothing
 * else can reach the garbage meanwhile, so only the collector moves it.
 */
static void slice_clear(struct pyheap_heap *heap, struct pyheap_obj *obj)
	__must_hold(&heap->lock)
{
	struct pyheap_gc *gc = &heap->gc;

	list_move_tail(&obj->node, &gc->slice.cleared);
	gc->collecting = true;		/* no collection from a callback */
	obj->type->clear(heap, obj);
	gc->collecting = false;
}

/* 4d: into the oldest generation, and unpinned; most are freed here. */
static void slice_unpin(struct pyheap_heap *heap, struct pyheap_obj *obj)
	__must_hold(&heap->lock)
{
	struct pyheap_gc *gc = &heap->gc;

	gc->gens[slice_gen_of(obj)].nr--;
	obj->flags &= ~(PYHEAP_OBJF_WATCHED | PYHEAP_OBJF_GREY |
			PYHEAP_OBJF_UNREACHABLE);
	obj->heap_priv = 0;
	list_move_tail(&obj->node, &gc->gens[OLDEST].objects);
	slice_set_gen(obj, OLDEST);
	gc->gens[OLDEST].nr++;
	gc->collecting = true;
	pyheap_obj_put(heap, obj);
	gc->collecting = false;
}

/*
 * 4. Grey and counted are empty: what is on unreach is garbage.  Free it
 * in slices (4a), or give it the flags gc_move_unreachable() leaves and
 * finish as gc_collect() does, in this hold.
 */
static void slice_declare(struct pyheap_heap *heap)
	__must_hold(&heap->lock)
{
	struct pyheap_gc *gc = &heap->gc;
	struct pyheap_gc_slice *s = &gc->slice;
	struct pyheap_obj *obj;
	bool finalizers = false;
	u64 n = 0, collected, uncollectable;
	LIST_HEAD(unreachable);

	if (slice_free_in_slices(heap)) {
		/* puts from here on watch nothing: see the barrier */
		s->phase = SLICE_FREE;
		s->collected = s->nr_unreach;
		s->uncollectable = 0;
		s->found = s->nr_unreach;
		return;
	}
	list_splice_init(&s->unreach, &unreachable);
	list_for_each_entry(obj, &unreachable, node) {
		gc->gens[slice_gen_of(obj)].nr--;
		obj->flags &= ~(PYHEAP_OBJF_WATCHED | PYHEAP_OBJF_GREY);
		obj->flags |= PYHEAP_OBJF_COLLECTING | PYHEAP_OBJF_UNREACHABLE;
		slice_set_gen(obj, PYHEAP_GEN_NONE);
		finalizers |= slice_has_finalizer(obj);
		if (!(++n % 1024))
			cond_resched();
	}
	/* Puts from here on, on survivors or garbage, watch nothing. */
	s->phase = SLICE_RELEASE;
	gc->collecting = true;
	collected = __pyheap_gc_finish(heap, OLDEST, &unreachable, finalizers,
				       n, &uncollectable);
	gc->collecting = false;
	/* for the statistics at the end of phase 5 */
	s->collected = collected;
	s->uncollectable = uncollectable;
	s->found = collected + uncollectable;
}

/* 5. A survivor joins the oldest generation. */
static void slice_release(struct pyheap_gc *gc, struct pyheap_obj *obj)
{
	gc->gens[slice_gen_of(obj)].nr--;
	obj->flags &= ~(PYHEAP_OBJF_WATCHED | PYHEAP_OBJF_GREY);
	obj->heap_priv = 0;
	list_move_tail(&obj->node, &gc->gens[OLDEST].objects);
	slice_set_gen(obj, OLDEST);
	gc->gens[OLDEST].nr++;
	gc->slice.survivors++;
}

/* The end: counts and statistics, as gc_collect()'s steps 5 and 11. */
static void slice_end(struct pyheap_heap *heap)
	__must_hold(&heap->lock)
{
	struct pyheap_gc *gc = &heap->gc;
	struct pyheap_gc_slice *s = &gc->slice;

	gc->long_lived_pending = 0;
	gc->long_lived_total = s->survivors;
	gc->full_deferrals = 0;
	__pyheap_gc_account(heap, OLDEST, s->candidates, s->collected,
			    s->uncollectable, s->held_ns);
	/*
	 * 12. What the next one may skip: nothing if the mutators changed
	 * the graph between two holds, since the barrier may have kept an
	 * object that became garbage meanwhile.
	 */
	__pyheap_gc_note_sliced(heap, !s->found && !s->dirty);
	s->phase = SLICE_IDLE;
	s->finished++;
	WRITE_ONCE(gc->behind, false);		/* paired: throttle */
}

/* One object's worth of work, in whichever phase the collection is. */
static enum slice_next slice_one(struct pyheap_heap *heap)
	__must_hold(&heap->lock)
{
	struct pyheap_gc_slice *s = &heap->gc.slice;
	struct pyheap_obj *obj;

	switch (s->phase) {
	case SLICE_WATCH:
		obj = list_first_entry_or_null(&s->pending, struct pyheap_obj,
					       node);
		if (!obj) {
			s->phase = SLICE_COUNT;
			return SLICE_MORE;
		}
		if (obj->flags & PYHEAP_OBJF_HANDED) {
			/* a candidate forgets being handed out */
			u64 *nr = &heap->gc.gens[slice_gen_of(obj)].nr_handed;

			if (!WARN_ON_ONCE(!*nr))
				(*nr)--;
			obj->flags &= ~PYHEAP_OBJF_HANDED;
		}
		obj->flags |= PYHEAP_OBJF_WATCHED;
		obj->heap_priv = 0;
		list_move_tail(&obj->node, &s->count);
		return SLICE_MORE;
	case SLICE_COUNT:
		obj = list_first_entry_or_null(&s->count, struct pyheap_obj,
					       node);
		if (!obj) {
			s->phase = SLICE_MARK;
			return SLICE_MORE;
		}
		__pyheap_gc_traverse(obj, visit_slice_count, NULL);
		list_move_tail(&obj->node, &s->counted);
		return SLICE_MORE;
	case SLICE_MARK:
		obj = list_first_entry_or_null(&s->grey, struct pyheap_obj,
					       node);
		if (obj) {
			__pyheap_gc_traverse(obj, visit_slice_mark, s);
			list_move_tail(&obj->node, &s->black);
			return SLICE_MORE;
		}
		obj = list_first_entry_or_null(&s->counted, struct pyheap_obj,
					       node);
		if (!obj) {
			slice_declare(heap);
			return SLICE_YIELD;
		}
		/* a saturated count is above any count of references */
		if ((obj->flags & PYHEAP_OBJF_GREY) ||
		    obj->refcnt > obj->heap_priv) {
			slice_shade(s, obj);
		} else {
			obj->flags |= PYHEAP_OBJF_UNREACHABLE;
			list_move_tail(&obj->node, &s->unreach);
			s->nr_unreach++;
			s->nr_finalizers += slice_has_finalizer(obj);
		}
		return SLICE_MORE;
	case SLICE_FREE:	/* 4b: pin */
		obj = list_first_entry_or_null(&s->unreach, struct pyheap_obj,
					       node);
		if (!obj) {
			s->phase = SLICE_CLEAR;
			return SLICE_MORE;
		}
		pyheap_obj_get(obj);
		list_move_tail(&obj->node, &s->pinned);
		return SLICE_MORE;
	case SLICE_CLEAR:	/* 4c */
		obj = list_first_entry_or_null(&s->pinned, struct pyheap_obj,
					       node);
		if (!obj) {
			s->phase = SLICE_UNPIN;
			return SLICE_MORE;
		}
		slice_clear(heap, obj);
		return SLICE_MORE;
	case SLICE_UNPIN:	/* 4d */
		obj = list_first_entry_or_null(&s->cleared, struct pyheap_obj,
					       node);
		if (!obj) {
			s->phase = SLICE_RELEASE;
			return SLICE_MORE;
		}
		slice_unpin(heap, obj);
		return SLICE_MORE;
	case SLICE_RELEASE:
		obj = list_first_entry_or_null(&s->black, struct pyheap_obj,
					       node);
		if (!obj)
			return SLICE_DONE;
		slice_release(&heap->gc, obj);
		return SLICE_MORE;
	default:
		return SLICE_DONE;
	}
}

/* One hold's figures, for debugfs gc_slices. */
static void slice_note(struct pyheap_gc_slice *s, u32 row, u64 ns, u64 n,
		       u64 gaps, bool switched)
{
	struct pyheap_gc_slice_phase *p = &s->by_phase[row];

	p->holds++;
	p->objects += n;
	p->held_ns += ns;
	if (ns > p->max_ns) {
		p->max_ns = ns;
		p->max_objects = n;
		p->max_gap_ns = gaps;
	}
	if (ns > NSEC_PER_MSEC) {
		p->over_1ms++;
		p->over_1ms_gaps += gaps > ns / 2;
	}
	p->max_busy_ns = max(p->max_busy_ns, ns - gaps);
	p->switched += switched;
}

/**
 * pyheap_gc_slice_step() - one slice of a collection in slices
 * @heap: the heap
 * @budget_ns: stop after about this long; 0 for one object's worth of
 *	work (the KUnit cases' single step), U64_MAX for as far as the
 *	declaration of the garbage, or the end
 *
 * A slice never goes past the declaration of the garbage (phase 4), which
 * is a hold of its own.  The time taken counts as one hold of heap->lock
 * in generation 2's max_pause_ns and pause histogram.  A bounded slice
 * never lets the CPU go (no cond_resched()): on a kernel without
 * preemption another task would run inside the hold, for up to a tick.
 *
 * Context: Process context; may sleep.  Caller holds heap->lock.
 * Return: true if no collection in slices is running any more.
 */
VISIBLE_IF_KUNIT bool pyheap_gc_slice_step(struct pyheap_heap *heap,
					   u64 budget_ns)
	__must_hold(&heap->lock)
{
	struct pyheap_gc_slice *s = &heap->gc.slice;
	bool whole = budget_ns == U64_MAX;
	unsigned long csw = current->nvcsw + current->nivcsw;
	u64 t0, last, now, gaps = 0;
	enum slice_next next;
	u32 row = whole ? SLICE_ROW_FINISH : s->phase;
	unsigned int n = 0;

	lockdep_assert_held(&heap->lock);
	if (s->phase == SLICE_IDLE)
		return true;
	/* Any change since the last hold was a mutator's. */
	if (heap->head.changes != s->changes)
		s->dirty = true;
	t0 = ktime_get_ns();
	last = t0;
	for (;;) {
		next = slice_one(heap);
		if (next != SLICE_MORE || !budget_ns)
			break;
		if (!(++n % 1024) && whole)
			cond_resched();
		if (whole || n % SLICE_CLOCK)
			continue;
		now = ktime_get_ns();
		if (now - last > SLICE_GAP_NS)
			gaps += now - last;
		last = now;
		if (now - t0 >= budget_ns)
			break;
	}
	now = ktime_get_ns();
	if (!whole && now - last > SLICE_GAP_NS)
		gaps += now - last;
	now -= t0;
	s->held_ns += now;
	s->max_hold_ns = max(s->max_hold_ns, now);
	s->slices++;
	slice_note(s, row, now, n + 1, gaps,
		   current->nvcsw + current->nivcsw != csw);
	__pyheap_gc_note_hold(heap, OLDEST, now);
	if (next == SLICE_DONE)
		slice_end(heap);
	s->changes = heap->head.changes;
	return s->phase == SLICE_IDLE;
}
EXPORT_SYMBOL_IF_KUNIT(pyheap_gc_slice_step);

/*
 * Run the collection in slices that is running, if one is, to its end in
 * this hold: for callers that need the generations' lists whole, or a
 * collection's scratch (heap_priv) free.
 */
void pyheap_gc_slice_finish(struct pyheap_heap *heap)
	__must_hold(&heap->lock)
{
	lockdep_assert_held(&heap->lock);
	while (!pyheap_gc_slice_step(heap, U64_MAX))
		;
}
EXPORT_SYMBOL_IF_KUNIT(pyheap_gc_slice_finish);

/*
 * A full collection in slices, all of them in this hold (from
 * pyheap_gc_collect(): a batch, a KUnit case, an in-kernel caller).
 * Returns what it found.
 */
u64 pyheap_gc_slice_collect(struct pyheap_heap *heap)
	__must_hold(&heap->lock)
{
	pyheap_gc_slice_finish(heap);
	pyheap_gc_slice_begin(heap);
	pyheap_gc_slice_finish(heap);
	return heap->gc.slice.found;
}
EXPORT_SYMBOL_IF_KUNIT(pyheap_gc_slice_collect);

/* The budget of one slice. */
static u64 slice_budget_ns(struct pyheap_heap *heap)
{
	return (u64)max(heap->gc.slice.budget_us, 1U) * NSEC_PER_USEC;
}

/* Let the mutators in: drop heap->lock, and take it again. */
static void slice_yield(struct pyheap_heap *heap)
	__must_hold(&heap->lock)
{
	mutex_unlock(&heap->lock);
	cond_resched();
	mutex_lock(&heap->lock);
}

/**
 * pyheap_gc_slice_work() - the work item's full collection, in slices
 * @heap: the heap
 *
 * Begins one if none is running, and runs it to its end, letting
 * heap->lock go between slices; stops early if the heap is going.
 *
 * Context: Process context (the work item).  Caller holds heap->lock;
 * drops and takes it again between slices.
 */
void pyheap_gc_slice_work(struct pyheap_heap *heap)
	__must_hold(&heap->lock)
{
	lockdep_assert_held(&heap->lock);
	if (!pyheap_gc_slice_active(heap))
		pyheap_gc_slice_begin(heap);
	while (!pyheap_gc_slice_step(heap, slice_budget_ns(heap))) {
		slice_yield(heap);
		if (heap->gc.dying)
			return;
	}
}

/*
 * The collection GC_COLLECT must wait for: the next one to begin, so
 * that what is garbage now is gone when it ends.
 */
u64 pyheap_gc_slice_target(struct pyheap_heap *heap)
	__must_hold(&heap->lock)
{
	return heap->gc.slice.started + 1;
}
EXPORT_SYMBOL_IF_KUNIT(pyheap_gc_slice_target);

/*
 * What the last collection in slices found, and in @uncollectable how
 * many of those went to gc.garbage.
 */
u64 pyheap_gc_slice_found(struct pyheap_heap *heap, u64 *uncollectable)
	__must_hold(&heap->lock)
{
	*uncollectable = heap->gc.slice.uncollectable;
	return heap->gc.slice.found;
}

/**
 * pyheap_gc_slice_run() - GC_COLLECT's full collection, in slices
 * @heap: the heap
 * @target: run collections until this many have ended
 *
 * Context: Process context.  Takes and releases heap->lock, between
 * slices too.
 * Return: 0, or -EINTR if a fatal signal came while waiting for the lock.
 */
int pyheap_gc_slice_run(struct pyheap_heap *heap, u64 target)
{
	struct pyheap_gc_slice *s = &heap->gc.slice;

	if (mutex_lock_killable(&heap->lock))
		return -EINTR;
	while (s->finished < target && !heap->gc.dying) {
		if (!pyheap_gc_slice_active(heap))
			pyheap_gc_slice_begin(heap);
		if (pyheap_gc_slice_step(heap, slice_budget_ns(heap)) &&
		    s->finished >= target)
			break;
		mutex_unlock(&heap->lock);
		cond_resched();
		if (mutex_lock_killable(&heap->lock))
			return -EINTR;
	}
	mutex_unlock(&heap->lock);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(pyheap_gc_slice_run);

/*
 * The heap is going (pyheap_gc_gather()): every candidate, wherever the
 * collection left it, onto @all.  Puts on them watch nothing from now on.
 */
void pyheap_gc_slice_gather(struct pyheap_heap *heap, struct list_head *all)
	__must_hold(&heap->lock)
{
	struct pyheap_gc_slice *s = &heap->gc.slice;

	list_splice_tail_init(&s->pending, all);
	list_splice_tail_init(&s->count, all);
	list_splice_tail_init(&s->counted, all);
	list_splice_tail_init(&s->grey, all);
	list_splice_tail_init(&s->black, all);
	list_splice_tail_init(&s->unreach, all);
	list_splice_tail_init(&s->pinned, all);
	list_splice_tail_init(&s->cleared, all);
	s->phase = SLICE_IDLE;
}

/*
 * The heap's objects go with their arenas (pyheap_gc_discard()): forget
 * the candidates without touching them.
 */
void pyheap_gc_slice_discard(struct pyheap_heap *heap)
	__must_hold(&heap->lock)
{
	struct pyheap_gc_slice *s = &heap->gc.slice;

	slice_lists_init(s);
	s->phase = SLICE_IDLE;
}

/*
 * debugfs's gc_slices, written "0": every row starts again from nothing,
 * so that a benchmark can take the longest hold of each of its rounds.
 * The collection in flight, if any, goes on.
 */
void pyheap_gc_slice_clear(struct pyheap_heap *heap)
	__must_hold(&heap->lock)
{
	lockdep_assert_held(&heap->lock);
	memset(heap->gc.slice.by_phase, 0, sizeof(heap->gc.slice.by_phase));
}

/*
 * debugfs's gc_slices table, one heap's rows: one per phase a hold began
 * in, and one (finish) for the holds that ran a collection to its end for
 * a caller that needed it whole.
 *
 *	holds		holds of heap->lock
 *	objects		units of work done in them (an object watched,
 *			traversed, decided, freed or released), summed
 *	held_ns		their time, summed
 *	max_ns		the longest
 *	max_objects	its units of work
 *	max_gap_ns	its gaps (SLICE_GAP_NS), summed
 *	over_1ms	holds longer than a millisecond
 *	over_1ms_gaps	those of them more than half in gaps
 *	max_busy_ns	the longest hold less its gaps
 *	switched	holds in which the collector's task was scheduled
 *			out (in the guest: the host's preemption is only
 *			seen as gaps)
 */
void pyheap_gc_slice_show(struct pyheap_heap *heap, struct seq_file *m)
	__must_hold(&heap->lock)
{
	const struct pyheap_gc_slice_phase *p;
	int i;

	lockdep_assert_held(&heap->lock);
	for (i = SLICE_WATCH; i < PYHEAP_GC_SLICE_PHASES; i++) {
		p = &heap->gc.slice.by_phase[i];
		seq_printf(m, "  %6llu %-7s %8llu %10llu %12llu %10llu %11llu %10llu %8llu %13llu %11llu %8llu\n",
			   pyheap_heap_id(heap), slice_row_names[i], p->holds,
			   p->objects, p->held_ns, p->max_ns, p->max_objects,
			   p->max_gap_ns, p->over_1ms, p->over_1ms_gaps,
			   p->max_busy_ns, p->switched);
	}
}
