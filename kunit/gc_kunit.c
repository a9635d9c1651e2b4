// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suites pyheap_gc, pyheap_gc_index and pyheap_gc_slice: the cycle
 * collector through the in-kernel API - the graph shapes, generations and
 * counts, PEP 442 finalizers and resurrection, legacy finalizers and the
 * garbage list, DEBUG_SAVEALL, freeze, the work item and the long-lived
 * guard.  The same cases run three times: full collections by the list
 * walk (pyheap_gc), with the dense index (pyheap_gc_index), whose own
 * corners (objects from kmalloc(), counts past a byte, a full side table,
 * references back to objects scanned already) have cases of their own
 * here too, and in slices (pyheap_gc_slice, mod/gcslice.c; the cases that
 * change the graph between slices are in gcslice_kunit.c).
 */

#include <kunit/test.h>
#include <linux/bitops.h>
#include <linux/err.h>
#include <linux/overflow.h>
#include <linux/workqueue.h>

#include "../mod/internal.h"
#include "pyheap_kunit.h"

static unsigned int fin_calls;
static struct pyheap_obj *fin_resurrect;	/* finalizer keeps this */
static bool fin_drop;		/* finalizers drop their references */

static int fin_finalize(struct pyheap_heap *heap, struct pyheap_obj *obj)
{
	fin_calls++;
	if (fin_drop)
		pyheap_kunit_link_clear(heap, obj);
	if (fin_resurrect == obj)
		pyheap_obj_get(obj);	/* like __del__ storing self away */
	return 0;
}

/* Link objects with a finalizer that may resurrect. */
static struct pyheap_type fin_type = {
	.name = "kunit_fin",
	.traverse = pyheap_kunit_link_traverse,
	.clear = pyheap_kunit_link_clear,
	.finalize = fin_finalize,
};

/*
 * Objects whose references are an array the collector may read in place
 * (struct pyheap_type.refs_offset), in two types: one that declares the
 * array and one that does not, each counting the calls of its traverse.
 */
struct arr_obj {
	struct pyheap_obj ob;
	u32 nr;
	struct pyheap_obj *refs[];
};

static unsigned int arr_traversed[2];	/* [declared] */

static void arr_visit_all(struct pyheap_obj *obj, pyheap_visit_t visit,
			  void *arg)
{
	struct arr_obj *a = container_of(obj, struct arr_obj, ob);
	u32 i;

	for (i = 0; i < a->nr; i++)
		if (a->refs[i])
			visit(a->refs[i], arg);
}

static void arr_traverse_declared(struct pyheap_obj *obj,
				  pyheap_visit_t visit, void *arg)
{
	arr_traversed[1]++;
	arr_visit_all(obj, visit, arg);
}

static void arr_traverse_plain(struct pyheap_obj *obj, pyheap_visit_t visit,
			       void *arg)
{
	arr_traversed[0]++;
	arr_visit_all(obj, visit, arg);
}

static void arr_clear(struct pyheap_heap *heap, struct pyheap_obj *obj)
{
	struct arr_obj *a = container_of(obj, struct arr_obj, ob);
	struct pyheap_obj *old;
	u32 i;

	for (i = 0; i < a->nr; i++) {
		old = a->refs[i];
		a->refs[i] = NULL;
		pyheap_obj_put(heap, old);
	}
}

static struct pyheap_type arr_types[2] = {
	{
		.name = "kunit_arr",
		.traverse = arr_traverse_plain,
		.clear = arr_clear,
	}, {
		.name = "kunit_arr_in",
		.traverse = arr_traverse_declared,
		.clear = arr_clear,
		.refs_offset = offsetof(struct arr_obj, refs),
		.nrefs_offset = offsetof(struct arr_obj, nr),
	},
};

static int gc_suite_init(struct kunit_suite *suite)
{
	int err = pyheap_type_register(&fin_type);

	if (!err)
		err = pyheap_type_register(&arr_types[0]);
	if (!err)
		err = pyheap_type_register(&arr_types[1]);
	return err;
}

static void gc_suite_exit(struct kunit_suite *suite)
{
	pyheap_type_unregister(&arr_types[1]);
	pyheap_type_unregister(&arr_types[0]);
	pyheap_type_unregister(&fin_type);
}

static int gc_test_init_index(struct kunit *test, enum pyheap_gc_index index)
{
	static const struct pyheap_limits limits = {
		.max_objects = 11000000,
		.max_bytes = 1ULL << 30,
		.max_handles = 1024,
	};
	struct pyheap_heap *heap = pyheap_kunit_heap(test, &limits);

	/* Only explicit collections, unless a case says otherwise. */
	heap->gc.enabled = false;
	heap->gc.index = index;
	fin_calls = 0;
	fin_resurrect = NULL;
	fin_drop = false;
	test->priv = heap;
	return 0;
}

static int gc_test_init(struct kunit *test)
{
	return gc_test_init_index(test, PYHEAP_GC_INDEX_NEVER);
}

static int gc_index_test_init(struct kunit *test)
{
	return gc_test_init_index(test, PYHEAP_GC_INDEX_ALWAYS);
}

static int gc_slice_test_init(struct kunit *test)
{
	struct pyheap_heap *heap;

	gc_test_init_index(test, PYHEAP_GC_INDEX_NEVER);
	heap = test->priv;
	heap->gc.slice.budget_us = 1;
	return 0;
}

/*
 * Helpers for graphs of user-space objects (N slots each).  Cases hold
 * the heap lock for their whole body and use only KUNIT_EXPECT_* under
 * it, so that a failure never leaves it held.
 */
static struct pyheap_obj *node(struct pyheap_heap *heap, u32 nslots)
{
	struct pyheap_obj *obj = pyheap_uobj_new(heap, nslots, 0, 0);

	return IS_ERR(obj) ? NULL : obj;
}

static void link(struct pyheap_heap *heap, struct pyheap_obj *from, u32 i,
		 struct pyheap_obj *to)
{
	pyheap_uobj_set_slot(heap, from, i, to);
}

static void gc_collect_frees_self_loop(struct kunit *test)
{
	struct pyheap_heap *heap = test->priv;
	struct pyheap_obj *a;

	pyheap_heap_lock(heap);
	a = node(heap, 1);
	link(heap, a, 0, a);
	pyheap_obj_put(heap, a);
	KUNIT_EXPECT_EQ(test, heap->nr_objects, 1ULL);
	KUNIT_EXPECT_EQ(test, pyheap_gc_collect(heap, 0), 1L);
	KUNIT_EXPECT_EQ(test, heap->nr_objects, 0ULL);
	KUNIT_EXPECT_EQ(test, heap->gc.gens[0].collected, 1ULL);
	pyheap_heap_unlock(heap);
}

/*
 * A ring of ten million: a chain closed on itself, collected in one pass.
 * A recursive traversal would need ten million stack frames.
 */
static void gc_collect_frees_long_ring(struct kunit *test)
{
	const unsigned int n = 10000000;
	struct pyheap_heap *heap = test->priv;
	struct pyheap_obj *first, *prev, *cur;
	unsigned int i;

	pyheap_heap_lock(heap);
	first = node(heap, 1);
	prev = first;
	for (i = 1; i < n && prev; i++) {
		cur = node(heap, 1);
		link(heap, prev, 0, cur);
		pyheap_obj_put(heap, cur);
		prev = cur;
		if (!(i % 65536))
			cond_resched();
	}
	link(heap, prev, 0, first);
	pyheap_obj_put(heap, first);
	KUNIT_EXPECT_EQ(test, heap->nr_objects, (u64)n);
	KUNIT_EXPECT_EQ(test, pyheap_gc_collect(heap, 2), (long)n);
	KUNIT_EXPECT_EQ(test, heap->nr_objects, 0ULL);
	pyheap_heap_unlock(heap);
}

/* A cycle hanging off a live object stays; cut it loose and it goes. */
static void gc_collect_keeps_cycle_reachable_from_live(struct kunit *test)
{
	struct pyheap_heap *heap = test->priv;
	struct pyheap_obj *root, *a, *b;

	pyheap_heap_lock(heap);
	root = node(heap, 1);
	a = node(heap, 1);
	b = node(heap, 1);
	link(heap, root, 0, a);
	link(heap, a, 0, b);
	link(heap, b, 0, a);
	pyheap_obj_put(heap, a);
	pyheap_obj_put(heap, b);
	KUNIT_EXPECT_EQ(test, pyheap_gc_collect(heap, 2), 0L);
	KUNIT_EXPECT_EQ(test, heap->nr_objects, 3ULL);
	link(heap, root, 0, NULL);
	KUNIT_EXPECT_EQ(test, pyheap_gc_collect(heap, 2), 2L);
	KUNIT_EXPECT_EQ(test, heap->nr_objects, 1ULL);
	pyheap_obj_put(heap, root);
	pyheap_heap_unlock(heap);
}

/* A diamond has no cycle: reference counting frees it, GC finds nothing. */
static void gc_collect_diamond_is_refcounting_only(struct kunit *test)
{
	struct pyheap_heap *heap = test->priv;
	struct pyheap_obj *top, *l, *r, *bottom;

	pyheap_heap_lock(heap);
	top = node(heap, 2);
	l = node(heap, 1);
	r = node(heap, 1);
	bottom = node(heap, 0);
	link(heap, top, 0, l);
	link(heap, top, 1, r);
	link(heap, l, 0, bottom);
	link(heap, r, 0, bottom);
	pyheap_obj_put(heap, l);
	pyheap_obj_put(heap, r);
	pyheap_obj_put(heap, bottom);
	KUNIT_EXPECT_EQ(test, pyheap_gc_collect(heap, 2), 0L);
	pyheap_obj_put(heap, top);
	KUNIT_EXPECT_EQ(test, heap->nr_objects, 0ULL);
	pyheap_heap_unlock(heap);
}

/* Survivors move up a generation; the counts follow CPython's. */
static void gc_survivors_are_promoted(struct kunit *test)
{
	struct pyheap_heap *heap = test->priv;
	struct pyheap_gc *gc = &heap->gc;
	struct pyheap_obj *a, *b;

	pyheap_heap_lock(heap);
	a = node(heap, 1);
	b = node(heap, 1);
	KUNIT_EXPECT_EQ(test, gc->gens[0].count, 2U);
	KUNIT_EXPECT_EQ(test, gc->gens[0].nr, 2ULL);
	pyheap_gc_collect(heap, 0);
	KUNIT_EXPECT_EQ(test, gc->gens[0].nr, 0ULL);
	KUNIT_EXPECT_EQ(test, gc->gens[1].nr, 2ULL);
	KUNIT_EXPECT_EQ(test, gc->gens[0].count, 0U);
	KUNIT_EXPECT_EQ(test, gc->gens[1].count, 1U);
	pyheap_gc_collect(heap, 1);
	KUNIT_EXPECT_EQ(test, gc->gens[2].nr, 2ULL);
	KUNIT_EXPECT_EQ(test, gc->gens[1].count, 0U);
	KUNIT_EXPECT_EQ(test, gc->gens[2].count, 1U);
	KUNIT_EXPECT_EQ(test, gc->long_lived_pending, 2ULL);
	pyheap_gc_collect(heap, 2);
	KUNIT_EXPECT_EQ(test, gc->gens[2].nr, 2ULL);
	KUNIT_EXPECT_EQ(test, gc->long_lived_total, 2ULL);
	KUNIT_EXPECT_EQ(test, gc->long_lived_pending, 0ULL);
	/* an old object dying lowers the long-lived count */
	pyheap_obj_put(heap, a);
	KUNIT_EXPECT_EQ(test, gc->long_lived_total, 1ULL);
	KUNIT_EXPECT_EQ(test, gc->gens[2].nr, 1ULL);
	pyheap_obj_put(heap, b);
	KUNIT_EXPECT_EQ(test, gc->gens[0].collections, 1ULL);
	KUNIT_EXPECT_EQ(test, gc->gens[1].collections, 1ULL);
	KUNIT_EXPECT_EQ(test, gc->gens[2].collections, 1ULL);
	pyheap_heap_unlock(heap);
}

/*
 * PEP 442: the finalizer of a cycle runs once; if it resurrects the
 * object, the cycle survives; the next time it is unreachable it is
 * freed without a second finalizer call.
 */
static void gc_finalizer_runs_once_even_after_resurrection(struct kunit *test)
{
	struct pyheap_heap *heap = test->priv;
	struct pyheap_obj *a, *b;

	pyheap_heap_lock(heap);
	a = pyheap_kunit_link_new(heap, &fin_type, 1);
	b = pyheap_kunit_link_new(heap, &fin_type, 1);
	pyheap_kunit_link_set(heap, a, 0, b);
	pyheap_kunit_link_set(heap, b, 0, a);
	pyheap_obj_put(heap, a);
	pyheap_obj_put(heap, b);
	fin_resurrect = a;

	KUNIT_EXPECT_EQ(test, pyheap_gc_collect(heap, 2), 0L);
	KUNIT_EXPECT_EQ(test, fin_calls, 2U);
	KUNIT_EXPECT_EQ(test, heap->nr_objects, 2ULL);
	KUNIT_EXPECT_TRUE(test, a->flags & PYHEAP_OBJF_FINALIZED);

	fin_resurrect = NULL;
	pyheap_obj_put(heap, a);	/* the resurrecting reference */
	KUNIT_EXPECT_EQ(test, pyheap_gc_collect(heap, 2), 2L);
	KUNIT_EXPECT_EQ(test, fin_calls, 2U);
	KUNIT_EXPECT_EQ(test, heap->nr_objects, 0ULL);
	pyheap_heap_unlock(heap);
}

/* Only what the resurrected object reaches survives; the rest goes. */
static void gc_resurrection_keeps_only_what_it_reaches(struct kunit *test)
{
	struct pyheap_heap *heap = test->priv;
	struct pyheap_obj *a, *c, *d;

	pyheap_heap_lock(heap);
	a = pyheap_kunit_link_new(heap, &fin_type, 1);
	pyheap_kunit_link_set(heap, a, 0, a);	/* a -> a, resurrected */
	pyheap_obj_put(heap, a);
	c = node(heap, 1);			/* c <-> d, no finalizer */
	d = node(heap, 1);
	link(heap, c, 0, d);
	link(heap, d, 0, c);
	pyheap_obj_put(heap, c);
	pyheap_obj_put(heap, d);
	fin_resurrect = a;
	KUNIT_EXPECT_EQ(test, pyheap_gc_collect(heap, 0), 2L);
	KUNIT_EXPECT_EQ(test, heap->nr_objects, 1ULL);
	fin_resurrect = NULL;
	pyheap_obj_put(heap, a);
	KUNIT_EXPECT_EQ(test, pyheap_gc_collect(heap, 2), 1L);
	pyheap_heap_unlock(heap);
}

/*
 * An object whose last reference goes before any collection found it
 * runs its finalizer then, and only then is freed: CPython's __del__ of
 * "a = C(); del a".  Before finalizers ran at a count of zero, the object
 * was freed without one (fin_calls 0).
 */
static void gc_finalizer_runs_at_refcount_zero(struct kunit *test)
{
	struct pyheap_heap *heap = test->priv;
	struct pyheap_obj *a, *b;
	u64 changes;

	pyheap_heap_lock(heap);
	a = pyheap_kunit_link_new(heap, &fin_type, 1);
	b = pyheap_kunit_link_new(heap, &fin_type, 1);
	pyheap_kunit_link_set(heap, a, 0, b);	/* a -> b: a chain */
	pyheap_obj_put(heap, b);
	pyheap_obj_put(heap, a);
	KUNIT_EXPECT_EQ(test, fin_calls, 2U);
	KUNIT_EXPECT_EQ(test, heap->nr_objects, 0ULL);

	/* a finalizer that keeps its object resurrects it, once */
	a = pyheap_kunit_link_new(heap, &fin_type, 1);
	fin_resurrect = a;
	changes = heap->head.changes;
	pyheap_obj_put(heap, a);
	KUNIT_EXPECT_EQ(test, fin_calls, 3U);
	KUNIT_EXPECT_EQ(test, heap->nr_objects, 1ULL);
	KUNIT_EXPECT_EQ(test, pyheap_obj_refcnt(a), 1U);
	KUNIT_EXPECT_TRUE(test, a->flags & PYHEAP_OBJF_FINALIZED);
	/* the put, and the resurrection: a repeat collection must scan */
	KUNIT_EXPECT_EQ(test, heap->head.changes, changes + 2);
	fin_resurrect = NULL;
	pyheap_obj_put(heap, a);
	KUNIT_EXPECT_EQ(test, fin_calls, 3U);
	KUNIT_EXPECT_EQ(test, heap->nr_objects, 0ULL);
	pyheap_heap_unlock(heap);
}

/*
 * A finalizer that drops the last reference to another object with an
 * unrun finalizer does not run that one inside itself, which down a chain
 * would recurse: the other is freed unfinalized, and counted.
 */
static void gc_finalizer_inside_a_finalizer_does_not_nest(struct kunit *test)
{
	struct pyheap_heap *heap = test->priv;
	struct pyheap_obj *a, *b;

	pyheap_heap_lock(heap);
	a = pyheap_kunit_link_new(heap, &fin_type, 1);
	b = pyheap_kunit_link_new(heap, &fin_type, 1);
	pyheap_kunit_link_set(heap, a, 0, b);	/* a -> b */
	pyheap_obj_put(heap, b);
	fin_drop = true;
	pyheap_obj_put(heap, a);	/* a's finalizer drops b */
	fin_drop = false;
	KUNIT_EXPECT_EQ(test, fin_calls, 1U);
	KUNIT_EXPECT_EQ(test, heap->lost_finalizers, 1ULL);
	KUNIT_EXPECT_EQ(test, heap->nr_objects, 0ULL);
	pyheap_heap_unlock(heap);
}

/*
 * What a collected cycle alone kept, outside the generations collected,
 * dies by its count when the cycle is cleared: its finalizer runs then,
 * in the same collection, as CPython's does in delete_garbage().
 */
static void gc_finalizer_of_what_a_cycle_held_runs(struct kunit *test)
{
	struct pyheap_heap *heap = test->priv;
	struct pyheap_obj *f, *c, *d;

	pyheap_heap_lock(heap);
	f = pyheap_kunit_link_new(heap, &fin_type, 1);
	KUNIT_EXPECT_EQ(test, pyheap_gc_collect(heap, 0), 0L);
	KUNIT_EXPECT_EQ(test, pyheap_gc_generation(f), 1U);
	c = node(heap, 2);
	d = node(heap, 1);
	link(heap, c, 0, d);
	link(heap, d, 0, c);
	link(heap, c, 1, f);
	pyheap_obj_put(heap, c);
	pyheap_obj_put(heap, d);
	pyheap_obj_put(heap, f);
	KUNIT_EXPECT_EQ(test, fin_calls, 0U);
	KUNIT_EXPECT_EQ(test, pyheap_gc_collect(heap, 0), 2L);
	KUNIT_EXPECT_EQ(test, fin_calls, 1U);
	KUNIT_EXPECT_EQ(test, heap->nr_objects, 0ULL);
	pyheap_heap_unlock(heap);
}

/*
 * A user-space object at a count of zero is handed back as an event
 * whose handle holds it; closing that handle frees it, without a second
 * event.  Without a handle to give (the heap's limit), it is freed
 * unfinalized and counted.
 */
static void gc_uobj_at_refcount_zero_queues_an_event(struct kunit *test)
{
	struct pyheap_heap *heap = test->priv;
	struct pyheap_obj *a;
	u32 h;

	pyheap_heap_lock(heap);
	a = pyheap_uobj_new(heap, 0, 0, PYHEAP_OBJ_FINALIZER);
	KUNIT_EXPECT_FALSE(test, IS_ERR(a));
	if (IS_ERR(a))
		goto out;
	pyheap_obj_put(heap, a);
	KUNIT_EXPECT_EQ(test, heap->events.nr, 1ULL);
	KUNIT_EXPECT_EQ(test, heap->nr_objects, 1ULL);
	KUNIT_EXPECT_EQ(test, heap->nr_handles, 1ULL);
	h = pyheap_event_take(heap);
	KUNIT_EXPECT_PTR_EQ(test, pyheap_handle_lookup(heap, h), a);
	KUNIT_EXPECT_TRUE(test, a->flags & PYHEAP_OBJF_FINALIZED);
	KUNIT_EXPECT_EQ(test, pyheap_handle_close(heap, h), 0);
	KUNIT_EXPECT_EQ(test, heap->events.nr, 0ULL);
	KUNIT_EXPECT_EQ(test, heap->nr_objects, 0ULL);

	heap->limits.max_handles = 0;
	a = pyheap_uobj_new(heap, 0, 0, PYHEAP_OBJ_FINALIZER);
	if (!IS_ERR(a))
		pyheap_obj_put(heap, a);
	KUNIT_EXPECT_EQ(test, heap->events.nr, 0ULL);
	KUNIT_EXPECT_EQ(test, heap->nr_objects, 0ULL);
	KUNIT_EXPECT_EQ(test, heap->lost_finalizers, 1ULL);
out:
	pyheap_heap_unlock(heap);
}

/* A cycle of two, @a with a finalizer, with no reference left from outside. */
static struct pyheap_obj *handed_pair(struct kunit *test,
				      struct pyheap_heap *heap)
{
	struct pyheap_obj *a = pyheap_uobj_new(heap, 1, 0,
					       PYHEAP_OBJ_FINALIZER);
	struct pyheap_obj *b = node(heap, 1);

	KUNIT_EXPECT_FALSE(test, IS_ERR(a));
	KUNIT_EXPECT_NOT_NULL(test, b);
	if (IS_ERR(a) || !b)
		return NULL;
	link(heap, a, 0, b);
	link(heap, b, 0, a);
	pyheap_obj_put(heap, a);
	pyheap_obj_put(heap, b);
	return a;
}

/* A cycle of two plain objects, garbage at once. */
static void garbage_pair(struct pyheap_heap *heap)
{
	struct pyheap_obj *c = node(heap, 1), *d = node(heap, 1);

	if (!c || !d)
		return;
	link(heap, c, 0, d);
	link(heap, d, 0, c);
	pyheap_obj_put(heap, c);
	pyheap_obj_put(heap, d);
}

/*
 * What a collection hands to finalizer events stays alive, tagged, in the
 * generation collected, until pyheap_gc_collect_handed() decides it
 * again: alone, so that garbage made meanwhile waits for the next
 * collection; what an open handle still holds moves to the next
 * generation, untagged.
 */
static void gc_collect_handed_decides_what_was_handed(struct kunit *test)
{
	struct pyheap_heap *heap = test->priv;
	struct pyheap_obj *a;
	u32 h;

	pyheap_heap_lock(heap);
	a = handed_pair(test, heap);
	if (!a)
		goto out;
	KUNIT_EXPECT_EQ(test, pyheap_gc_collect(heap, 0), 0L);
	KUNIT_EXPECT_TRUE(test, a->flags & PYHEAP_OBJF_HANDED);
	KUNIT_EXPECT_EQ(test, pyheap_gc_generation(a), 0U);
	KUNIT_EXPECT_EQ(test, heap->gc.gens[0].nr_handed, 2ULL);
	h = pyheap_event_take(heap);
	garbage_pair(heap);
	/* the event's handle holds it: resurrected, as CPython would */
	KUNIT_EXPECT_EQ(test, pyheap_gc_collect_handed(heap, 0), 0L);
	KUNIT_EXPECT_FALSE(test, a->flags & PYHEAP_OBJF_HANDED);
	KUNIT_EXPECT_EQ(test, pyheap_gc_generation(a), 1U);
	KUNIT_EXPECT_EQ(test, heap->nr_objects, 4ULL);
	KUNIT_EXPECT_EQ(test, pyheap_handle_close(heap, h), 0);
	KUNIT_EXPECT_EQ(test, pyheap_gc_collect_handed(heap, 2), 0L);
	KUNIT_EXPECT_EQ(test, pyheap_gc_collect(heap, 2), 4L);

	/* the same by a full collection, whichever way the suite makes it */
	a = handed_pair(test, heap);
	if (!a)
		goto out;
	KUNIT_EXPECT_EQ(test, pyheap_gc_collect(heap, 2), 0L);
	KUNIT_EXPECT_TRUE(test, a->flags & PYHEAP_OBJF_HANDED);
	KUNIT_EXPECT_EQ(test, pyheap_handle_close(heap,
						  pyheap_event_take(heap)), 0);
	garbage_pair(heap);
	KUNIT_EXPECT_EQ(test, pyheap_gc_collect_handed(heap, 3), -EINVAL);
	KUNIT_EXPECT_EQ(test, pyheap_gc_collect_handed(heap, 2), 2L);
	KUNIT_EXPECT_EQ(test, heap->nr_objects, 2ULL);
	KUNIT_EXPECT_EQ(test, pyheap_gc_collect(heap, 2), 2L);
	KUNIT_EXPECT_EQ(test, heap->nr_objects, 0ULL);

	/* what dies meanwhile, and what is frozen, is kept no longer */
	a = handed_pair(test, heap);
	if (!a)
		goto out;
	KUNIT_EXPECT_EQ(test, pyheap_gc_collect(heap, 0), 0L);
	KUNIT_EXPECT_EQ(test, pyheap_handle_close(heap,
						  pyheap_event_take(heap)), 0);
	link(heap, a, 0, NULL);
	KUNIT_EXPECT_EQ(test, heap->nr_objects, 0ULL);
	KUNIT_EXPECT_EQ(test, heap->gc.gens[0].nr_handed, 0ULL);
	KUNIT_EXPECT_EQ(test, pyheap_gc_collect_handed(heap, 0), 0L);
	a = handed_pair(test, heap);
	if (!a)
		goto out;
	KUNIT_EXPECT_EQ(test, pyheap_gc_collect(heap, 0), 0L);
	pyheap_gc_freeze(heap, true);
	KUNIT_EXPECT_FALSE(test, a->flags & PYHEAP_OBJF_HANDED);
	KUNIT_EXPECT_EQ(test, heap->gc.gens[0].nr_handed, 0ULL);
	pyheap_gc_freeze(heap, false);
	KUNIT_EXPECT_EQ(test, pyheap_handle_close(heap,
						  pyheap_event_take(heap)), 0);
	KUNIT_EXPECT_EQ(test, pyheap_gc_collect_handed(heap, 2), 0L);
	KUNIT_EXPECT_EQ(test, pyheap_gc_collect(heap, 2), 2L);
	KUNIT_EXPECT_EQ(test, heap->nr_objects, 0ULL);
out:
	pyheap_heap_unlock(heap);
}

/* A heap going away runs no finalizer: its cycles are freed as they are. */
static void gc_no_finalizer_runs_at_heap_destroy(struct kunit *test)
{
	struct pyheap_heap *heap = test->priv;
	struct pyheap_obj *a, *b;

	pyheap_heap_lock(heap);
	a = pyheap_kunit_link_new(heap, &fin_type, 1);
	b = pyheap_kunit_link_new(heap, &fin_type, 1);
	pyheap_kunit_link_set(heap, a, 0, b);
	pyheap_kunit_link_set(heap, b, 0, a);
	pyheap_obj_put(heap, a);
	pyheap_obj_put(heap, b);
	pyheap_heap_unlock(heap);
	pyheap_kunit_heap_destroy(test, heap);
	KUNIT_EXPECT_EQ(test, fin_calls, 0U);
}

/*
 * The seed's leak: a cycle through an object with __del__ is
 * uncollectable; it goes to gc.garbage, together with what it reaches.
 */
static void gc_legacy_finalizer_cycle_goes_to_garbage(struct kunit *test)
{
	struct pyheap_heap *heap = test->priv;
	struct pyheap_obj *conn, *handler, *extra;

	pyheap_heap_lock(heap);
	conn = pyheap_uobj_new(heap, 2, 0, PYHEAP_OBJ_LEGACY_FINALIZER);
	handler = node(heap, 1);
	extra = node(heap, 1);
	link(heap, conn, 0, handler);
	link(heap, handler, 0, conn);
	link(heap, conn, 1, extra);
	pyheap_obj_put(heap, conn);
	pyheap_obj_put(heap, handler);
	pyheap_obj_put(heap, extra);
	KUNIT_EXPECT_EQ(test, pyheap_gc_collect(heap, 2), 3L);
	KUNIT_EXPECT_EQ(test, heap->gc.gens[2].uncollectable, 3ULL);
	KUNIT_EXPECT_EQ(test, heap->gc.nr_garbage, 3ULL);
	KUNIT_EXPECT_EQ(test, heap->nr_objects, 3ULL);
	/* del gc.garbage[:]: unreachable again, and uncollectable again */
	KUNIT_EXPECT_EQ(test, pyheap_gc_garbage_clear(heap), 3ULL);
	KUNIT_EXPECT_EQ(test, pyheap_gc_collect(heap, 2), 3L);
	KUNIT_EXPECT_EQ(test, heap->gc.nr_garbage, 3ULL);
	pyheap_heap_unlock(heap);
}

static void gc_saveall_keeps_everything_in_garbage(struct kunit *test)
{
	struct pyheap_heap *heap = test->priv;
	struct pyheap_obj *a;

	pyheap_heap_lock(heap);
	heap->gc.debug = PYHEAP_GC_DEBUG_SAVEALL;
	a = node(heap, 1);
	link(heap, a, 0, a);
	pyheap_obj_put(heap, a);
	KUNIT_EXPECT_EQ(test, pyheap_gc_collect(heap, 0), 1L);
	KUNIT_EXPECT_EQ(test, heap->gc.nr_garbage, 1ULL);
	KUNIT_EXPECT_EQ(test, heap->nr_objects, 1ULL);
	heap->gc.debug = 0;
	pyheap_gc_garbage_clear(heap);
	KUNIT_EXPECT_EQ(test, pyheap_gc_collect(heap, 2), 1L);
	KUNIT_EXPECT_EQ(test, heap->nr_objects, 0ULL);
	pyheap_heap_unlock(heap);
}

static void gc_freeze_hides_objects_until_unfreeze(struct kunit *test)
{
	struct pyheap_heap *heap = test->priv;
	struct pyheap_obj *a;

	pyheap_heap_lock(heap);
	a = node(heap, 1);
	link(heap, a, 0, a);
	pyheap_obj_put(heap, a);
	pyheap_gc_freeze(heap, true);
	KUNIT_EXPECT_EQ(test, heap->gc.nr_permanent, 1ULL);
	KUNIT_EXPECT_EQ(test, pyheap_gc_collect(heap, 2), 0L);
	pyheap_gc_freeze(heap, false);
	KUNIT_EXPECT_EQ(test, heap->gc.nr_permanent, 0ULL);
	KUNIT_EXPECT_EQ(test, heap->gc.gens[2].nr, 1ULL);
	KUNIT_EXPECT_EQ(test, pyheap_gc_collect(heap, 2), 1L);
	pyheap_heap_unlock(heap);
}

/* Crossing threshold 0 queues the work item, which collects. */
static void gc_work_collects_after_threshold(struct kunit *test)
{
	struct pyheap_heap *heap = test->priv;
	struct pyheap_obj *a;
	int i;

	pyheap_heap_lock(heap);
	heap->gc.enabled = true;
	heap->gc.gens[0].threshold = 10;
	for (i = 0; i < 11; i++) {
		a = node(heap, 1);
		link(heap, a, 0, a);
		pyheap_obj_put(heap, a);
	}
	pyheap_heap_unlock(heap);
	flush_work(&heap->gc.work);
	pyheap_heap_lock(heap);
	KUNIT_EXPECT_EQ(test, heap->gc.gens[0].collections, 1ULL);
	KUNIT_EXPECT_EQ(test, heap->nr_objects, 0ULL);
	pyheap_heap_unlock(heap);
}

/*
 * A full collection waits while few objects were promoted since the last
 * one (long_lived_pending < long_lived_total / 4), but not forever.
 */
static void gc_full_collection_guard_has_a_ceiling(struct kunit *test)
{
	struct pyheap_heap *heap = test->priv;
	struct pyheap_gc *gc = &heap->gc;
	int i;

	pyheap_heap_lock(heap);
	gc->long_lived_total = 1000;
	gc->long_lived_pending = 10;
	gc->gens[2].count = 11;
	KUNIT_EXPECT_EQ(test, pyheap_gc_select_generation(gc), -1);
	gc->gens[1].count = 11;
	KUNIT_EXPECT_EQ(test, pyheap_gc_select_generation(gc), 1);
	for (i = 2; i < 16; i++)
		pyheap_gc_select_generation(gc);
	/* the 17th time, the full collection happens */
	KUNIT_EXPECT_EQ(test, pyheap_gc_select_generation(gc), 2);
	gc->long_lived_pending = 300;
	gc->full_deferrals = 0;
	KUNIT_EXPECT_EQ(test, pyheap_gc_select_generation(gc), 2);
	pyheap_heap_unlock(heap);
}

/*
 * include/pyheap/gc.h, as another module calls it: each control changes
 * the collector's own state and reads back what it set, and each reading
 * matches that state.
 */
static void gc_api_controls_read_back_the_collectors_state(struct kunit *test)
{
	static const u32 want[PYHEAP_GC_NR_GENS] = { 5, 3, 2 };
	struct pyheap_gc_gen_stats st[PYHEAP_GC_NR_GENS];
	u32 got[PYHEAP_GC_NR_GENS], count[PYHEAP_GC_NR_GENS];
	struct pyheap_heap *heap = test->priv;
	struct pyheap_obj *a;
	int i;

	pyheap_heap_lock(heap);
	pyheap_gc_enable(heap);
	KUNIT_EXPECT_TRUE(test, heap->gc.enabled);
	KUNIT_EXPECT_TRUE(test, pyheap_gc_isenabled(heap));
	pyheap_gc_disable(heap);
	KUNIT_EXPECT_FALSE(test, heap->gc.enabled);
	KUNIT_EXPECT_FALSE(test, pyheap_gc_isenabled(heap));

	pyheap_gc_set_threshold(heap, want);
	pyheap_gc_get_threshold(heap, got);
	for (i = 0; i < PYHEAP_GC_NR_GENS; i++) {
		KUNIT_EXPECT_EQ_MSG(test, got[i], want[i], "gen %d", i);
		KUNIT_EXPECT_EQ_MSG(test, heap->gc.gens[i].threshold, want[i],
				    "gen %d", i);
	}
	KUNIT_EXPECT_FALSE(test, pyheap_gc_isenabled(heap));

	a = node(heap, 1);
	link(heap, a, 0, a);
	pyheap_gc_get_count(heap, count);
	KUNIT_EXPECT_EQ(test, count[0], heap->gc.gens[0].count);
	pyheap_gc_freeze(heap, true);
	KUNIT_EXPECT_EQ(test, pyheap_gc_nr_frozen(heap), 1ULL);
	pyheap_gc_freeze(heap, false);
	KUNIT_EXPECT_EQ(test, pyheap_gc_nr_frozen(heap), 0ULL);
	pyheap_obj_put(heap, a);
	KUNIT_EXPECT_EQ(test, pyheap_gc_collect(heap, 2), 1L);
	pyheap_gc_get_stats(heap, st);
	KUNIT_EXPECT_EQ(test, st[2].collections, 1ULL);
	KUNIT_EXPECT_EQ(test, st[2].collected, 1ULL);
	KUNIT_EXPECT_EQ(test, st[2].objects, 0ULL);
	KUNIT_EXPECT_EQ(test, pyheap_gc_nr_garbage(heap), 0ULL);
	KUNIT_EXPECT_EQ(test, pyheap_gc_garbage_clear(heap), 0ULL);
	pyheap_heap_unlock(heap);
}

/* Whether a full collection of this heap goes through the dense index. */
static bool indexed(struct pyheap_heap *heap)
{
	return heap->gc.index == PYHEAP_GC_INDEX_ALWAYS;
}

/* The suite's method is the one used: the index, or the list walk. */
static void gc_full_collection_uses_the_suites_method(struct kunit *test)
{
	struct pyheap_heap *heap = test->priv;
	struct pyheap_obj *a;

	pyheap_heap_lock(heap);
	a = node(heap, 1);
	link(heap, a, 0, a);
	pyheap_obj_put(heap, a);
	KUNIT_EXPECT_EQ(test, pyheap_gc_collect(heap, 1), 1L);
	KUNIT_EXPECT_EQ(test, heap->gc.index_collections, 0ULL);
	a = node(heap, 1);
	link(heap, a, 0, a);
	pyheap_obj_put(heap, a);
	KUNIT_EXPECT_EQ(test, pyheap_gc_collect(heap, 2), 1L);
	KUNIT_EXPECT_EQ(test, heap->gc.index_collections, 0ULL + indexed(heap));
	KUNIT_EXPECT_EQ(test, heap->nr_objects, 0ULL);
	pyheap_heap_unlock(heap);
}

/*
 * Objects of more than 512 bytes come from kmalloc(), outside the pools:
 * cycles through them, and a live one holding a small cycle.
 */
static void gc_collect_objects_outside_the_pools(struct kunit *test)
{
	struct pyheap_heap *heap = test->priv;
	struct pyheap_obj *big1, *big2, *small, *root, *a, *b;

	pyheap_heap_lock(heap);
	big1 = node(heap, 100);			/* big1 <-> small <-> big2 */
	big2 = node(heap, 100);
	small = node(heap, 2);
	link(heap, big1, 99, small);
	link(heap, small, 0, big1);
	link(heap, small, 1, big2);
	link(heap, big2, 0, small);
	pyheap_obj_put(heap, big1);
	pyheap_obj_put(heap, big2);
	pyheap_obj_put(heap, small);
	root = node(heap, 80);			/* root -> a <-> b, kept */
	a = node(heap, 1);
	b = node(heap, 1);
	link(heap, root, 79, a);
	link(heap, a, 0, b);
	link(heap, b, 0, a);
	pyheap_obj_put(heap, a);
	pyheap_obj_put(heap, b);
	KUNIT_EXPECT_EQ(test, pyheap_gc_collect(heap, 2), 3L);
	KUNIT_EXPECT_EQ(test, heap->nr_objects, 3ULL);
	pyheap_obj_put(heap, root);
	KUNIT_EXPECT_EQ(test, pyheap_gc_collect(heap, 2), 2L);
	KUNIT_EXPECT_EQ(test, heap->nr_objects, 0ULL);
	pyheap_heap_unlock(heap);
}

/*
 * A target with @refs references from one referrer's slots, in a cycle
 * with it; and the same held from outside.  The index counts up to 252
 * in a byte and the rest in its side table.
 */
static void gc_many_refs_case(struct kunit *test, u32 refs)
{
	struct pyheap_heap *heap = test->priv;
	struct pyheap_obj *hub, *t;
	u32 i;

	hub = node(heap, refs);
	t = node(heap, 1);
	for (i = 0; i < refs; i++)
		link(heap, hub, i, t);
	link(heap, t, 0, hub);
	pyheap_obj_put(heap, hub);
	KUNIT_EXPECT_EQ_MSG(test, pyheap_gc_collect(heap, 2), 0L,
			    "%u references, one from outside", refs);
	pyheap_obj_put(heap, t);
	KUNIT_EXPECT_EQ_MSG(test, pyheap_gc_collect(heap, 2), 2L,
			    "%u references, none from outside", refs);
	KUNIT_EXPECT_EQ(test, heap->nr_objects, 0ULL);
}

static void gc_collect_counts_past_a_byte(struct kunit *test)
{
	static const u32 refs[] = { 1, 252, 253, 254, 255, 256, 300, 4000 };
	struct pyheap_heap *heap = test->priv;
	unsigned int i;

	pyheap_heap_lock(heap);
	for (i = 0; i < ARRAY_SIZE(refs); i++)
		gc_many_refs_case(test, refs[i]);
	pyheap_heap_unlock(heap);
}

/*
 * More heavily referenced objects than the index's side table holds: the
 * collection falls back to the list walk, and finds the same.
 */
static void gc_full_side_table_falls_back(struct kunit *test)
{
	const u32 n = 1100, refs = 260;
	struct pyheap_heap *heap = test->priv;
	struct pyheap_obj *hub, *t, *first = NULL, *prev = NULL;
	u32 i, k;

	pyheap_heap_lock(heap);
	for (i = 0; i < n; i++) {		/* a ring of hubs and targets */
		hub = node(heap, refs + 1);
		t = node(heap, 1);
		for (k = 0; k < refs; k++)
			link(heap, hub, k, t);
		link(heap, t, 0, hub);
		if (prev)
			link(heap, prev, refs, hub);
		else
			first = hub;
		prev = hub;
		pyheap_obj_put(heap, t);
		if (hub != first)
			pyheap_obj_put(heap, hub);
	}
	link(heap, prev, refs, first);
	KUNIT_EXPECT_EQ(test, pyheap_gc_collect(heap, 2), 0L);
	pyheap_obj_put(heap, first);
	KUNIT_EXPECT_EQ(test, pyheap_gc_collect(heap, 2), 2L * n);
	KUNIT_EXPECT_EQ(test, heap->nr_objects, 0ULL);
	KUNIT_EXPECT_EQ(test, heap->gc.index_collections, 0ULL);
	pyheap_heap_unlock(heap);
}

/*
 * Each object references the one made before it, and only the last one
 * made is held: a scan in address order passes every object before the
 * reference that keeps it, and must take each one back.
 */
static void gc_collect_chain_held_at_its_end(struct kunit *test)
{
	const u32 n = 20000;
	struct pyheap_heap *heap = test->priv;
	struct pyheap_obj *first, *prev, *cur;
	u32 i;

	pyheap_heap_lock(heap);
	first = node(heap, 1);
	prev = first;
	for (i = 1; i < n; i++) {
		cur = node(heap, 1);
		link(heap, cur, 0, prev);
		pyheap_obj_put(heap, prev);
		prev = cur;
	}
	link(heap, first, 0, prev);		/* close the ring */
	KUNIT_EXPECT_EQ(test, pyheap_gc_collect(heap, 2), 0L);
	KUNIT_EXPECT_EQ(test, heap->nr_objects, (u64)n);
	KUNIT_EXPECT_EQ(test, pyheap_gc_collect(heap, 2), 0L);
	pyheap_obj_put(heap, prev);
	KUNIT_EXPECT_EQ(test, pyheap_gc_collect(heap, 2), (long)n);
	KUNIT_EXPECT_EQ(test, heap->nr_objects, 0ULL);
	pyheap_heap_unlock(heap);
}

/* A frozen object's references keep what they reach, and only that. */
static void gc_frozen_referrer_keeps_its_cycle(struct kunit *test)
{
	struct pyheap_heap *heap = test->priv;
	struct pyheap_obj *frozen, *a, *b, *c, *d;

	pyheap_heap_lock(heap);
	frozen = node(heap, 1);
	pyheap_gc_freeze(heap, true);
	a = node(heap, 1);
	b = node(heap, 1);
	c = node(heap, 1);
	d = node(heap, 1);
	link(heap, frozen, 0, a);
	link(heap, a, 0, b);
	link(heap, b, 0, a);
	link(heap, c, 0, d);
	link(heap, d, 0, c);
	pyheap_obj_put(heap, a);
	pyheap_obj_put(heap, b);
	pyheap_obj_put(heap, c);
	pyheap_obj_put(heap, d);
	KUNIT_EXPECT_EQ(test, pyheap_gc_collect(heap, 2), 2L);
	KUNIT_EXPECT_EQ(test, heap->nr_objects, 3ULL);
	pyheap_gc_freeze(heap, false);
	pyheap_obj_put(heap, frozen);
	KUNIT_EXPECT_EQ(test, pyheap_gc_collect(heap, 2), 2L);
	KUNIT_EXPECT_EQ(test, heap->nr_objects, 0ULL);
	pyheap_heap_unlock(heap);
}

/*
 * In the default mode, a full collection of many objects takes the index
 * while the last one found references crossing pools, the list walk once
 * it found them local (a chain made in order), and the index again once
 * they are scattered.
 */
static void gc_index_auto_follows_the_scatter(struct kunit *test)
{
	const u32 n = 8192;
	struct pyheap_heap *heap = test->priv;
	struct pyheap_obj **objs;
	u32 i, seed = 1;

	if (heap->gc.slice.budget_us)
		kunit_skip(test, "collections in slices use no index");
	objs = kunit_kcalloc(test, n, sizeof(*objs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	pyheap_heap_lock(heap);
	heap->gc.index = PYHEAP_GC_INDEX_AUTO;
	for (i = 0; i < n; i++)
		objs[i] = node(heap, 2);
	for (i = 0; i + 1 < n; i++)
		link(heap, objs[i], 0, objs[i + 1]);
	KUNIT_EXPECT_EQ(test, pyheap_gc_collect(heap, 2), 0L);
	KUNIT_EXPECT_EQ(test, heap->gc.index_collections, 1ULL);
	KUNIT_EXPECT_FALSE(test, heap->gc.scattered);
	KUNIT_EXPECT_EQ(test, pyheap_gc_collect(heap, 2), 0L);
	KUNIT_EXPECT_EQ(test, heap->gc.index_collections, 1ULL);
	for (i = 0; i < n; i++) {
		seed = seed * 1103515245 + 12345;
		link(heap, objs[i], 1, objs[(seed >> 8) % n]);
	}
	KUNIT_EXPECT_EQ(test, pyheap_gc_collect(heap, 2), 0L);
	KUNIT_EXPECT_TRUE(test, heap->gc.scattered);
	KUNIT_EXPECT_EQ(test, pyheap_gc_collect(heap, 2), 0L);
	KUNIT_EXPECT_EQ(test, heap->gc.index_collections, 2ULL);
	for (i = 0; i < n; i++)
		pyheap_obj_put(heap, objs[i]);
	pyheap_gc_collect(heap, 2);	/* what refcounting left */
	KUNIT_EXPECT_EQ(test, heap->nr_objects, 0ULL);
	pyheap_heap_unlock(heap);
}

/*
 * Numbering the cycles of a set (GC_GARBAGE's groups) borrows heap_priv,
 * which a collection counts from 0: it must leave 0 behind.  Two held
 * self-loops; after the numbering, a collection finds neither.
 */
static void gc_after_numbering_cycles_counts_from_zero(struct kunit *test)
{
	struct pyheap_heap *heap = test->priv;
	struct pyheap_obj *set[2];
	u32 group[2], cycles = 0;
	long collected;

	pyheap_heap_lock(heap);
	set[0] = node(heap, 1);
	set[1] = node(heap, 1);
	KUNIT_EXPECT_TRUE(test, set[0] && set[1]);
	if (!(set[0] && set[1]))
		goto out;	/* the heap's teardown frees them */
	link(heap, set[0], 0, set[0]);
	link(heap, set[1], 0, set[1]);
	KUNIT_EXPECT_EQ(test, pyheap_obj_cycles(heap, set, 2, group, &cycles),
			0);
	KUNIT_EXPECT_EQ(test, cycles, 2U);
	collected = pyheap_gc_collect(heap, 2);
	KUNIT_EXPECT_EQ(test, collected, 0L);
	if (collected)
		goto out;	/* freed under our references: touch nothing */
	KUNIT_EXPECT_EQ(test, heap->nr_objects, 2ULL);
	pyheap_obj_put(heap, set[0]);
	pyheap_obj_put(heap, set[1]);
	KUNIT_EXPECT_EQ(test, pyheap_gc_collect(heap, 2), 2L);
out:
	pyheap_heap_unlock(heap);
}

/*
 * Skipped collections.  The graph: a handle holds r, r -> a, and a <-> b
 * is a cycle that only r keeps alive.
 */
struct skip_graph {
	struct pyheap_obj *r, *a, *b;
	u32 h;
};

static void skip_graph_make(struct pyheap_heap *heap, struct skip_graph *g)
{
	g->r = node(heap, 1);
	g->a = node(heap, 1);
	g->b = node(heap, 1);
	if (!g->r || !g->a || !g->b)
		return;
	link(heap, g->r, 0, g->a);
	link(heap, g->a, 0, g->b);
	link(heap, g->b, 0, g->a);
	pyheap_handle_open(heap, g->r, &g->h);
	pyheap_obj_put(heap, g->r);
	pyheap_obj_put(heap, g->a);
	pyheap_obj_put(heap, g->b);
}

/* The objects of generations 0 to 2: a full collection's candidates. */
static u64 skip_tracked(struct pyheap_heap *heap)
{
	return heap->gc.gens[0].nr + heap->gc.gens[1].nr + heap->gc.gens[2].nr;
}

/* What a collection of @gen changed in the figures a case compares. */
struct skip_delta {
	long found;
	u64 skipped, collections, candidates;
};

static struct skip_delta skip_collect(struct pyheap_heap *heap, int gen)
{
	struct pyheap_gc_gen_stats st[PYHEAP_GC_NR_GENS];
	u64 skipped[PYHEAP_GC_NR_GENS];
	struct skip_delta d;

	pyheap_gc_get_stats(heap, st);
	pyheap_gc_get_skipped(heap, skipped);
	d.skipped = skipped[gen];
	d.collections = st[gen].collections;
	d.candidates = st[gen].candidates;
	d.found = pyheap_gc_collect(heap, gen);
	pyheap_gc_get_stats(heap, st);
	pyheap_gc_get_skipped(heap, skipped);
	d.skipped = skipped[gen] - d.skipped;
	d.collections = st[gen].collections - d.collections;
	d.candidates = st[gen].candidates - d.candidates;
	return d;
}

/*
 * A repeat collection of an unchanged graph is skipped, counted, and
 * otherwise reports what the scan would have: the same candidates,
 * nothing found, the counts CPython keeps.
 */
static void gc_repeat_collection_is_skipped(struct kunit *test)
{
	struct pyheap_heap *heap = test->priv;
	u32 count[PYHEAP_GC_NR_GENS];
	struct skip_graph g;
	struct skip_delta d;
	int i;

	pyheap_heap_lock(heap);
	skip_graph_make(heap, &g);
	d = skip_collect(heap, 2);
	KUNIT_EXPECT_EQ(test, d.found, 0L);
	KUNIT_EXPECT_EQ(test, d.skipped, 0ULL);
	KUNIT_EXPECT_EQ(test, d.candidates, 3ULL);
	for (i = 0; i < 3; i++) {
		d = skip_collect(heap, 2);
		KUNIT_EXPECT_EQ_MSG(test, d.found, 0L, "repeat %d", i);
		KUNIT_EXPECT_EQ_MSG(test, d.skipped, 1ULL, "repeat %d", i);
		KUNIT_EXPECT_EQ_MSG(test, d.collections, 1ULL, "repeat %d", i);
		KUNIT_EXPECT_EQ_MSG(test, d.candidates, 3ULL, "repeat %d", i);
	}
	KUNIT_EXPECT_EQ(test, heap->gc.gens[2].nr, 3ULL);
	KUNIT_EXPECT_EQ(test, heap->gc.long_lived_total, 3ULL);
	KUNIT_EXPECT_EQ(test, heap->gc.gens[2].collections, 4ULL);
	KUNIT_EXPECT_EQ(test, heap->gc.gens[2].skipped, 3ULL);
	/* an empty generation 0, twice: the second is skipped */
	d = skip_collect(heap, 0);
	KUNIT_EXPECT_EQ(test, d.skipped, 0ULL);
	d = skip_collect(heap, 0);
	KUNIT_EXPECT_EQ(test, d.skipped, 1ULL);
	KUNIT_EXPECT_EQ(test, d.candidates, 0ULL);
	pyheap_gc_get_count(heap, count);
	KUNIT_EXPECT_EQ(test, count[0], 0U);
	KUNIT_EXPECT_EQ(test, count[1], 2U);
	KUNIT_EXPECT_EQ(test, count[2], 0U);
	/* the graph is still there, and collectable once let go */
	KUNIT_EXPECT_EQ(test, pyheap_handle_close(heap, g.h), 0);
	d = skip_collect(heap, 2);
	KUNIT_EXPECT_EQ(test, d.found, 2L);
	KUNIT_EXPECT_EQ(test, d.skipped, 0ULL);
	KUNIT_EXPECT_EQ(test, heap->nr_objects, 0ULL);
	pyheap_heap_unlock(heap);
}

/* One change to the graph of skip_graph_make(), and what it leaves. */
struct skip_change {
	const char *desc;
	/* returns the unreachable objects a full collection finds next */
	long (*change)(struct pyheap_heap *heap, struct skip_graph *g);
};

static long skip_new_object(struct pyheap_heap *heap, struct skip_graph *g)
{
	struct pyheap_obj *o = node(heap, 1);

	link(heap, o, 0, o);
	pyheap_obj_put(heap, o);
	return 1;
}

static long skip_slot_set(struct pyheap_heap *heap, struct skip_graph *g)
{
	link(heap, g->r, 0, NULL);
	return 2;
}

static long skip_handle_close(struct pyheap_heap *heap, struct skip_graph *g)
{
	pyheap_handle_close(heap, g->h);	/* frees r, not its cycle */
	return 2;
}

/* A reference taken and dropped again: a change, though nothing moved. */
static long skip_get_put(struct pyheap_heap *heap, struct skip_graph *g)
{
	pyheap_obj_get(g->a);
	pyheap_obj_put(heap, g->a);
	return 0;
}

/* Frozen objects are not candidates: the scan has none to count. */
static long skip_freeze(struct pyheap_heap *heap, struct skip_graph *g)
{
	pyheap_gc_freeze(heap, true);
	return 0;
}

static long skip_unfreeze(struct pyheap_heap *heap, struct skip_graph *g)
{
	struct pyheap_obj *o = node(heap, 1);

	link(heap, o, 0, o);
	pyheap_gc_freeze(heap, true);
	pyheap_obj_put(heap, o);	/* a frozen cycle, alone */
	pyheap_gc_collect(heap, 2);
	pyheap_gc_collect(heap, 2);
	pyheap_gc_freeze(heap, false);
	return 1;
}

static long skip_debug_flags(struct pyheap_heap *heap, struct skip_graph *g)
{
	struct pyheap_gc_params p;

	pyheap_gc_get_params(heap, &p);
	p.debug = PYHEAP_GC_DEBUG_SAVEALL;
	pyheap_gc_set_params(heap, &p);
	return 0;
}

/*
 * Generation 0's collection feeds generation 1 a survivor; the younger
 * collection itself, not only the object's creation, is a change.
 */
static long skip_younger_feeds(struct pyheap_heap *heap, struct skip_graph *g)
{
	struct pyheap_obj *o;
	u64 before, skipped;
	bool ok;

	pyheap_gc_collect(heap, 1);
	pyheap_gc_collect(heap, 1);	/* generation 1's last: nothing */
	o = node(heap, 1);
	link(heap, o, 0, o);
	before = heap->head.changes;
	pyheap_gc_collect(heap, 0);	/* o to generation 1 */
	ok = heap->head.changes != before;
	skipped = heap->gc.gens[1].skipped;
	pyheap_gc_collect(heap, 1);	/* scans o, moves it on */
	ok &= heap->gc.gens[1].skipped == skipped && heap->gc.gens[2].nr == 4;
	pyheap_obj_put(heap, o);
	return ok ? 1 : -1;	/* -1: no answer is right */
}

static const struct skip_change skip_changes[] = {
	{ "new object", skip_new_object },
	{ "slot set", skip_slot_set },
	{ "handle close", skip_handle_close },
	{ "get and put", skip_get_put },
	{ "freeze", skip_freeze },
	{ "unfreeze", skip_unfreeze },
	{ "debug flags", skip_debug_flags },
	{ "younger generation", skip_younger_feeds },
};

static void skip_change_desc(const struct skip_change *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(skip_change, skip_changes, skip_change_desc);

/*
 * After each kind of change a full collection scans, finds what the
 * change left unreachable, and counts its candidates; once the graph
 * settles, the next one is skipped again.
 */
static void gc_change_forces_a_scan(struct kunit *test)
{
	const struct skip_change *c = test->param_value;
	struct pyheap_heap *heap = test->priv;
	struct skip_graph g;
	struct skip_delta d;
	u64 tracked;
	long want;

	pyheap_heap_lock(heap);
	skip_graph_make(heap, &g);
	skip_collect(heap, 2);
	d = skip_collect(heap, 2);
	KUNIT_EXPECT_EQ(test, d.skipped, 1ULL);
	want = c->change(heap, &g);
	tracked = skip_tracked(heap);
	d = skip_collect(heap, 2);
	KUNIT_EXPECT_EQ(test, d.found, want);
	KUNIT_EXPECT_EQ(test, d.skipped, 0ULL);
	KUNIT_EXPECT_EQ(test, d.candidates, tracked);
	if (d.found) {
		d = skip_collect(heap, 2);
		KUNIT_EXPECT_EQ(test, d.found, 0L);
		KUNIT_EXPECT_EQ(test, d.skipped, 0ULL);
	}
	tracked = skip_tracked(heap);
	d = skip_collect(heap, 2);
	KUNIT_EXPECT_EQ(test, d.found, 0L);
	KUNIT_EXPECT_EQ(test, d.skipped, 1ULL);
	KUNIT_EXPECT_EQ(test, d.candidates, tracked);
	pyheap_heap_unlock(heap);
}

/*
 * An object without slots can never hold a reference: it is not tracked,
 * on no generation's list and not in count 0, as a CPython object of a
 * type without Py_TPFLAGS_HAVE_GC (bytes, int).  One with slots is, and
 * so is one with a finalizer, as every class with __del__ is a GC type.
 */
static void gc_object_without_slots_is_untracked(struct kunit *test)
{
	struct pyheap_heap *heap = test->priv;
	struct pyheap_gc *gc = &heap->gc;
	struct pyheap_obj *leaf, *fin, *legacy, *box, *inner;

	pyheap_heap_lock(heap);
	leaf = node(heap, 0);
	KUNIT_EXPECT_EQ(test, pyheap_gc_generation(leaf),
			(u32)PYHEAP_GEN_UNTRACKED);
	KUNIT_EXPECT_EQ(test, gc->gens[0].count, 0U);
	KUNIT_EXPECT_EQ(test, pyheap_gc_nr_tracked(heap), 0ULL);
	fin = pyheap_uobj_new(heap, 0, 0, PYHEAP_OBJ_FINALIZER);
	legacy = pyheap_uobj_new(heap, 0, 8, PYHEAP_OBJ_LEGACY_FINALIZER);
	box = node(heap, 1);
	KUNIT_EXPECT_EQ(test, pyheap_gc_generation(fin), 0U);
	KUNIT_EXPECT_EQ(test, pyheap_gc_generation(legacy), 0U);
	KUNIT_EXPECT_EQ(test, pyheap_gc_generation(box), 0U);
	KUNIT_EXPECT_EQ(test, gc->gens[0].count, 3U);
	/* a collection neither sees nor moves it */
	KUNIT_EXPECT_EQ(test, pyheap_gc_collect(heap, 0), 0L);
	KUNIT_EXPECT_EQ(test, gc->gens[0].candidates, 3ULL);
	KUNIT_EXPECT_EQ(test, pyheap_gc_generation(leaf),
			(u32)PYHEAP_GEN_UNTRACKED);
	pyheap_gc_freeze(heap, true);
	KUNIT_EXPECT_EQ(test, pyheap_gc_nr_frozen(heap), 3ULL);
	pyheap_gc_freeze(heap, false);
	/* its death does not count either (freezing cleared count 0) */
	inner = node(heap, 1);
	link(heap, box, 0, inner);
	pyheap_obj_put(heap, inner);
	pyheap_obj_put(heap, leaf);
	KUNIT_EXPECT_EQ(test, gc->gens[0].count, 1U);
	/* its finalizer's event holds it, until the handle is closed */
	pyheap_obj_put(heap, fin);
	KUNIT_EXPECT_EQ(test, gc->gens[0].count, 1U);
	KUNIT_EXPECT_EQ(test, pyheap_handle_close(heap,
						  pyheap_event_take(heap)), 0);
	KUNIT_EXPECT_EQ(test, gc->gens[0].count, 0U);
	pyheap_obj_put(heap, box);
	pyheap_obj_put(heap, legacy);
	KUNIT_EXPECT_EQ(test, heap->nr_objects, 0ULL);
	pyheap_heap_unlock(heap);
}

/*
 * What a cycle holds that cannot be tracked is freed with the cycle, by
 * its count, and counts in no collection: gc.collect() of a pair holding
 * a bytes object returns 2, and gc.garbage of a legacy pair holding one
 * lists the pair only.
 */
static void gc_untracked_object_of_a_cycle_is_not_counted(struct kunit *test)
{
	struct pyheap_heap *heap = test->priv;
	struct pyheap_obj *a, *b, *leaf;
	int legacy;

	pyheap_heap_lock(heap);
	for (legacy = 0; legacy < 2; legacy++) {
		a = pyheap_uobj_new(heap, 2, 0, legacy ?
				    PYHEAP_OBJ_LEGACY_FINALIZER : 0);
		b = node(heap, 1);
		leaf = pyheap_uobj_new(heap, 0, 100, 0);
		link(heap, a, 0, b);
		link(heap, b, 0, a);
		link(heap, a, 1, leaf);
		pyheap_obj_put(heap, a);
		pyheap_obj_put(heap, b);
		pyheap_obj_put(heap, leaf);
		KUNIT_EXPECT_EQ_MSG(test, pyheap_gc_collect(heap, 2), 2L,
				    "legacy %d", legacy);
		KUNIT_EXPECT_EQ_MSG(test, pyheap_gc_nr_garbage(heap),
				    legacy ? 2ULL : 0ULL, "legacy %d", legacy);
		KUNIT_EXPECT_EQ_MSG(test, heap->nr_objects,
				    legacy ? 3ULL : 0ULL, "legacy %d", legacy);
	}
	pyheap_gc_garbage_clear(heap);
	KUNIT_EXPECT_EQ(test, pyheap_gc_collect(heap, 2), 2L);
	pyheap_gc_garbage_clear(heap);
	pyheap_heap_unlock(heap);
}

#define ARR_N		3000
#define ARR_REFS	4
#define ARR_ROOTS	8
#define ARR_STEP	(ARR_N / 2 / ARR_ROOTS)	/* root i is node i * step */

/*
 * The same random graph in each of the two array types, against a
 * breadth-first search of it here: a collection frees what the search
 * does not reach, in both, and calls the traverse only of the type that
 * keeps its array to itself.  The graph is two halves with no edge
 * between them, the roots in the first: the second is cyclic garbage.
 */
static void gc_reads_reference_arrays_in_place(struct kunit *test)
{
	struct pyheap_heap *heap = test->priv;
	struct pyheap_obj **objs[2];
	u32 *edge, *queue, seed = 12345, i, j, head = 0, tail = 0;
	unsigned long *seen;
	struct arr_obj *a;
	long live = 0;
	u64 before;
	int t;

	objs[0] = kunit_kcalloc(test, ARR_N, sizeof(*objs[0]), GFP_KERNEL);
	objs[1] = kunit_kcalloc(test, ARR_N, sizeof(*objs[1]), GFP_KERNEL);
	edge = kunit_kcalloc(test, ARR_N * ARR_REFS, sizeof(*edge), GFP_KERNEL);
	queue = kunit_kcalloc(test, ARR_N, sizeof(*queue), GFP_KERNEL);
	seen = kunit_kcalloc(test, BITS_TO_LONGS(ARR_N), sizeof(long),
			     GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, objs[0] && objs[1] && edge && queue && seen);

	/* edges, U32_MAX for an empty slot; the search from the roots */
	for (i = 0; i < ARR_N * ARR_REFS; i++) {
		seed = seed * 1103515245 + 12345;
		edge[i] = (seed >> 8) % (ARR_N / 2) +
			  (i < ARR_N * ARR_REFS / 2 ? 0 : ARR_N / 2);
		if (!((seed >> 20) % 5))
			edge[i] = U32_MAX;
	}
	for (i = 0; i < ARR_ROOTS; i++) {
		__set_bit(i * ARR_STEP, seen);
		queue[tail++] = i * ARR_STEP;
	}
	while (head < tail) {
		i = queue[head++];
		for (j = 0; j < ARR_REFS; j++) {
			u32 to = edge[i * ARR_REFS + j];

			if (to != U32_MAX && !__test_and_set_bit(to, seen))
				queue[tail++] = to;
		}
	}
	live = tail;

	pyheap_heap_lock(heap);
	for (t = 0; t < 2; t++) {
		for (i = 0; i < ARR_N; i++) {
			objs[t][i] = pyheap_obj_new(heap, &arr_types[t],
						    struct_size(a, refs,
								ARR_REFS));
			if (IS_ERR(objs[t][i]))
				break;
			container_of(objs[t][i], struct arr_obj, ob)->nr =
				ARR_REFS;
		}
		KUNIT_EXPECT_EQ(test, i, (u32)ARR_N);
		if (i < ARR_N)
			goto out;
	}
	for (t = 0; t < 2; t++) {
		for (i = 0; i < ARR_N * ARR_REFS; i++) {
			if (edge[i] == U32_MAX)
				continue;
			a = container_of(objs[t][i / ARR_REFS], struct arr_obj,
					 ob);
			a->refs[i % ARR_REFS] = objs[t][edge[i]];
			pyheap_obj_get(objs[t][edge[i]]);
		}
		/* only the roots keep their creation reference */
		for (i = 0; i < ARR_N; i++)
			if (i % ARR_STEP || i / ARR_STEP >= ARR_ROOTS)
				pyheap_obj_put(heap, objs[t][i]);
	}
	arr_traversed[0] = 0;
	arr_traversed[1] = 0;
	/* what the counts could not free, the collection does */
	before = heap->nr_objects;
	KUNIT_EXPECT_GT(test, before, 2ULL * live);
	KUNIT_EXPECT_EQ(test, pyheap_gc_collect(heap, 2),
			(long)(before - 2 * live));
	KUNIT_EXPECT_EQ(test, heap->nr_objects, 2ULL * live);
	KUNIT_EXPECT_EQ(test, arr_traversed[1], 0U);
	KUNIT_EXPECT_GE(test, arr_traversed[0], (unsigned int)live);
	for (t = 0; t < 2; t++)
		for (i = 0; i < ARR_ROOTS; i++)
			pyheap_obj_put(heap, objs[t][i * ARR_STEP]);
	before = heap->nr_objects;
	KUNIT_EXPECT_EQ(test, pyheap_gc_collect(heap, 2), (long)before);
	KUNIT_EXPECT_EQ(test, heap->nr_objects, 0ULL);
out:
	pyheap_heap_unlock(heap);
}

/* A reference array must lie after the header, aligned, length first. */
static void gc_type_with_a_misplaced_array_is_refused(struct kunit *test)
{
	static const struct {
		u16 refs, nrefs;
		bool traverse;
	} bad[] = {
		{ sizeof(struct pyheap_obj) + 8, sizeof(struct pyheap_obj),
		  false },
		{ sizeof(struct pyheap_obj), 8, true },
		{ sizeof(struct pyheap_obj) + sizeof(void *) / 2,
		  sizeof(struct pyheap_obj), true },
		{ sizeof(struct pyheap_obj) + 8, sizeof(struct pyheap_obj) + 1,
		  true },
		{ sizeof(struct pyheap_obj), sizeof(struct pyheap_obj), true },
		{ 0, sizeof(struct pyheap_obj), true },
	};
	struct pyheap_type type = { .name = "kunit_bad" };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		type.refs_offset = bad[i].refs;
		type.nrefs_offset = bad[i].nrefs;
		type.traverse = bad[i].traverse ? arr_traverse_plain : NULL;
		KUNIT_EXPECT_EQ_MSG(test, pyheap_type_register(&type), -EINVAL,
				    "refs at %u, length at %u", bad[i].refs,
				    bad[i].nrefs);
	}
}

static struct kunit_case gc_cases[] = {
	KUNIT_CASE(gc_collect_frees_self_loop),
	KUNIT_CASE_SLOW(gc_collect_frees_long_ring),
	KUNIT_CASE(gc_collect_keeps_cycle_reachable_from_live),
	KUNIT_CASE(gc_collect_diamond_is_refcounting_only),
	KUNIT_CASE(gc_survivors_are_promoted),
	KUNIT_CASE(gc_finalizer_runs_once_even_after_resurrection),
	KUNIT_CASE(gc_resurrection_keeps_only_what_it_reaches),
	KUNIT_CASE(gc_finalizer_runs_at_refcount_zero),
	KUNIT_CASE(gc_finalizer_inside_a_finalizer_does_not_nest),
	KUNIT_CASE(gc_finalizer_of_what_a_cycle_held_runs),
	KUNIT_CASE(gc_uobj_at_refcount_zero_queues_an_event),
	KUNIT_CASE(gc_collect_handed_decides_what_was_handed),
	KUNIT_CASE(gc_no_finalizer_runs_at_heap_destroy),
	KUNIT_CASE(gc_legacy_finalizer_cycle_goes_to_garbage),
	KUNIT_CASE(gc_saveall_keeps_everything_in_garbage),
	KUNIT_CASE(gc_freeze_hides_objects_until_unfreeze),
	KUNIT_CASE(gc_work_collects_after_threshold),
	KUNIT_CASE(gc_full_collection_guard_has_a_ceiling),
	KUNIT_CASE(gc_api_controls_read_back_the_collectors_state),
	KUNIT_CASE(gc_full_collection_uses_the_suites_method),
	KUNIT_CASE(gc_collect_objects_outside_the_pools),
	KUNIT_CASE(gc_collect_counts_past_a_byte),
	KUNIT_CASE(gc_full_side_table_falls_back),
	KUNIT_CASE(gc_collect_chain_held_at_its_end),
	KUNIT_CASE(gc_frozen_referrer_keeps_its_cycle),
	KUNIT_CASE(gc_index_auto_follows_the_scatter),
	KUNIT_CASE(gc_after_numbering_cycles_counts_from_zero),
	KUNIT_CASE(gc_repeat_collection_is_skipped),
	KUNIT_CASE_PARAM(gc_change_forces_a_scan, skip_change_gen_params),
	KUNIT_CASE(gc_object_without_slots_is_untracked),
	KUNIT_CASE(gc_untracked_object_of_a_cycle_is_not_counted),
	KUNIT_CASE(gc_reads_reference_arrays_in_place),
	KUNIT_CASE(gc_type_with_a_misplaced_array_is_refused),
	{}
};

static struct kunit_suite gc_suite = {
	.name = "pyheap_gc",
	.suite_init = gc_suite_init,
	.suite_exit = gc_suite_exit,
	.init = gc_test_init,
	.test_cases = gc_cases,
};

/* The same cases, with the dense index for every full collection. */
static struct kunit_suite gc_index_suite = {
	.name = "pyheap_gc_index",
	.suite_init = gc_suite_init,
	.suite_exit = gc_suite_exit,
	.init = gc_index_test_init,
	.test_cases = gc_cases,
};

/* The same cases again, every full collection in slices. */
static struct kunit_suite gc_slice_suite = {
	.name = "pyheap_gc_slice",
	.suite_init = gc_suite_init,
	.suite_exit = gc_suite_exit,
	.init = gc_slice_test_init,
	.test_cases = gc_cases,
};

kunit_test_suites(&gc_suite, &gc_index_suite, &gc_slice_suite);
