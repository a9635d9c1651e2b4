// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite pyheap_gc_slice_steps: full collections in slices
 * (mod/gcslice.c) with the graph changed between slices.  Each case runs
 * the collection one object's worth of work at a time
 * (pyheap_gc_slice_step() with no budget), changes references or frees
 * candidates at a chosen point, and checks that the collection frees
 * exactly the garbage it began with: nothing reachable, and every cycle
 * that was garbage when it began.  The cases that need no change between
 * slices are gc_kunit.c's, run once more as pyheap_gc_slice.
 */

#include <kunit/test.h>
#include <linux/err.h>

#include "../mod/internal.h"
#include "pyheap_kunit.h"

static int slice_test_init(struct kunit *test)
{
	struct pyheap_heap *heap = pyheap_kunit_heap(test, NULL);

	heap->gc.enabled = false;	/* only the collections of a case */
	heap->gc.slice.budget_us = 1;
	test->priv = heap;
	return 0;
}

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

/* A garbage cycle of two, made now: only each other hold them. */
static void garbage_pair(struct pyheap_heap *heap)
{
	struct pyheap_obj *a = node(heap, 1), *b = node(heap, 1);

	link(heap, a, 0, b);
	link(heap, b, 0, a);
	pyheap_obj_put(heap, a);
	pyheap_obj_put(heap, b);
}

static bool on_list(const struct list_head *head, const struct pyheap_obj *obj)
{
	const struct pyheap_obj *pos;

	list_for_each_entry(pos, head, node)
		if (pos == obj)
			return true;
	return false;
}

/* Step until every candidate is counted and none is decided yet. */
static void step_until_counted(struct pyheap_heap *heap)
{
	struct pyheap_gc_slice *s = &heap->gc.slice;

	while (!list_empty(&s->pending) || !list_empty(&s->count))
		pyheap_gc_slice_step(heap, 0);
}

/* Step until @obj is traversed (on black); at most @max steps. */
static bool step_until_black(struct pyheap_heap *heap, struct pyheap_obj *obj,
			     unsigned int max)
{
	while (max--) {
		if (on_list(&heap->gc.slice.black, obj))
			return true;
		pyheap_gc_slice_step(heap, 0);
	}
	return false;
}

/* Finish the collection running; return what it found. */
static u64 finish(struct pyheap_heap *heap)
{
	pyheap_gc_slice_finish(heap);
	return heap->gc.slice.found;
}

/*
 * A reference moves from an object not traversed yet to one traversed
 * already (SLOT_SET, then SLOT_SET of NULL): its target, counted as held
 * by candidates only, must survive.  Without the barrier on the put, it
 * would be declared garbage while a live object holds it.
 */
static void slice_moved_reference_keeps_its_target(struct kunit *test)
{
	struct pyheap_heap *heap = test->priv;
	struct pyheap_obj *done, *todo, *x;

	pyheap_heap_lock(heap);
	done = node(heap, 1);		/* ours: a root, traversed first */
	todo = node(heap, 1);		/* ours: a root, traversed later */
	x = node(heap, 1);		/* a slot, so tracked: a candidate */
	link(heap, todo, 0, x);
	pyheap_obj_put(heap, x);	/* only todo holds x */
	garbage_pair(heap);
	pyheap_gc_slice_begin(heap);
	step_until_counted(heap);
	KUNIT_EXPECT_TRUE(test, step_until_black(heap, done, 8));
	link(heap, done, 0, x);
	link(heap, todo, 0, NULL);
	KUNIT_EXPECT_EQ(test, finish(heap), 2ULL);
	KUNIT_EXPECT_EQ(test, heap->nr_objects, 3ULL);
	KUNIT_EXPECT_EQ(test, pyheap_obj_refcnt(x), 1U);
	pyheap_obj_put(heap, done);
	pyheap_obj_put(heap, todo);
	KUNIT_EXPECT_EQ(test, heap->nr_objects, 0ULL);
	pyheap_heap_unlock(heap);
}

/*
 * Candidates freed by refcounting while the collection runs, each one at
 * the head of the list the collection works on next (its cursor): in
 * the watch phase, the count phase and the mark phase.
 */
static void slice_candidates_freed_at_the_cursor(struct kunit *test)
{
	struct pyheap_heap *heap = test->priv;
	struct pyheap_gc_slice *s = &heap->gc.slice;
	struct pyheap_obj *obj;
	unsigned int i;

	pyheap_heap_lock(heap);
	for (i = 0; i < 6; i++)
		node(heap, 1);		/* ours, each */
	garbage_pair(heap);
	pyheap_gc_slice_begin(heap);
	obj = list_first_entry(&s->pending, struct pyheap_obj, node);
	pyheap_obj_put(heap, obj);	/* not watched yet */
	pyheap_gc_slice_step(heap, 0);
	obj = list_first_entry(&s->count, struct pyheap_obj, node);
	pyheap_gc_slice_step(heap, 0);
	pyheap_obj_put(heap, obj);	/* watched, being counted */
	step_until_counted(heap);
	obj = list_first_entry(&s->counted, struct pyheap_obj, node);
	pyheap_obj_put(heap, obj);	/* counted, not decided */
	pyheap_gc_slice_step(heap, 0);	/* to the mark phase */
	pyheap_gc_slice_step(heap, 0);	/* one decided grey */
	KUNIT_EXPECT_FALSE(test, list_empty(&s->grey));
	obj = list_first_entry(&s->grey, struct pyheap_obj, node);
	pyheap_obj_put(heap, obj);	/* grey, not traversed */
	KUNIT_EXPECT_EQ(test, heap->nr_objects, 4ULL);
	KUNIT_EXPECT_EQ(test, finish(heap), 2ULL);
	KUNIT_EXPECT_EQ(test, heap->nr_objects, 2ULL);
	KUNIT_EXPECT_EQ(test, heap->gc.gens[2].nr, 2ULL);
	KUNIT_EXPECT_EQ(test, heap->gc.gens[0].nr, 0ULL);
	pyheap_heap_unlock(heap);
}

/* Objects made while it runs are not its candidates: the next finds them. */
static void slice_new_garbage_waits_for_the_next(struct kunit *test)
{
	struct pyheap_heap *heap = test->priv;

	pyheap_heap_lock(heap);
	garbage_pair(heap);
	pyheap_gc_slice_begin(heap);
	pyheap_gc_slice_step(heap, 0);
	garbage_pair(heap);
	step_until_counted(heap);
	garbage_pair(heap);
	KUNIT_EXPECT_EQ(test, finish(heap), 2ULL);
	KUNIT_EXPECT_EQ(test, heap->nr_objects, 4ULL);
	KUNIT_EXPECT_EQ(test, heap->gc.gens[0].nr, 4ULL);
	KUNIT_EXPECT_EQ(test, pyheap_gc_collect(heap, 2), 4L);
	KUNIT_EXPECT_EQ(test, heap->nr_objects, 0ULL);
	pyheap_heap_unlock(heap);
}

/*
 * A cycle cut loose from its root after the count stays for this
 * collection (a reference to it went) and goes in the next; an explicit
 * collection meanwhile finishes this one and then runs one of its own.
 */
static void slice_garbage_made_meanwhile(struct kunit *test)
{
	struct pyheap_heap *heap = test->priv;
	struct pyheap_obj *root, *a, *b;
	int round;

	pyheap_heap_lock(heap);
	for (round = 0; round < 2; round++) {
		root = node(heap, 1);
		a = node(heap, 1);
		b = node(heap, 1);
		link(heap, root, 0, a);
		link(heap, a, 0, b);
		link(heap, b, 0, a);
		pyheap_obj_put(heap, a);
		pyheap_obj_put(heap, b);
		pyheap_gc_slice_begin(heap);
		step_until_counted(heap);
		pyheap_obj_put(heap, root);	/* frees root, cuts a loose */
		if (!round) {
			KUNIT_EXPECT_EQ(test, finish(heap), 0ULL);
			KUNIT_EXPECT_EQ(test, heap->nr_objects, 2ULL);
			KUNIT_EXPECT_EQ(test, pyheap_gc_collect(heap, 2), 2L);
		} else {
			KUNIT_EXPECT_EQ(test, pyheap_gc_collect(heap, 2), 2L);
			KUNIT_EXPECT_FALSE(test, pyheap_gc_slice_active(heap));
		}
		KUNIT_EXPECT_EQ(test, heap->nr_objects, 0ULL);
	}
	pyheap_heap_unlock(heap);
}

/*
 * An object decided unreachable before its referrer is traversed comes
 * back from unreach when it is; one whose reference goes while it is on
 * unreach comes back through the barrier (and here, is freed).
 */
static void slice_unreach_comes_back(struct kunit *test)
{
	struct pyheap_heap *heap = test->priv;
	struct pyheap_gc_slice *s = &heap->gc.slice;
	struct pyheap_obj *x, *y, *root;

	pyheap_heap_lock(heap);
	x = node(heap, 1);		/* slots, so tracked: candidates */
	y = node(heap, 1);
	root = node(heap, 2);		/* ours */
	link(heap, root, 0, x);
	link(heap, root, 1, y);
	pyheap_obj_put(heap, x);
	pyheap_obj_put(heap, y);
	pyheap_gc_slice_begin(heap);
	step_until_counted(heap);
	pyheap_gc_slice_step(heap, 0);	/* to the mark phase */
	pyheap_gc_slice_step(heap, 0);	/* x: no reference from outside */
	pyheap_gc_slice_step(heap, 0);	/* y: the same */
	KUNIT_EXPECT_TRUE(test, on_list(&s->unreach, x));
	KUNIT_EXPECT_TRUE(test, on_list(&s->unreach, y));
	link(heap, root, 1, NULL);	/* y's reference goes: freed */
	KUNIT_EXPECT_EQ(test, heap->nr_objects, 2ULL);
	KUNIT_EXPECT_EQ(test, finish(heap), 0ULL);
	KUNIT_EXPECT_EQ(test, heap->nr_objects, 2ULL);
	KUNIT_EXPECT_EQ(test, x->flags & PYHEAP_OBJF_GEN_MASK,
			2U << PYHEAP_OBJF_GEN_SHIFT);
	pyheap_obj_put(heap, root);
	KUNIT_EXPECT_EQ(test, heap->nr_objects, 0ULL);
	pyheap_heap_unlock(heap);
}

/*
 * GC_COLLECT's way: slices with the lock dropped between them.  Many
 * slices, the garbage of when it began gone, the rest promoted.
 */
static void slice_run_lets_the_lock_go(struct kunit *test)
{
	const unsigned int n = 20000;
	struct pyheap_heap *heap = test->priv;
	struct pyheap_gc_slice *s = &heap->gc.slice;
	struct pyheap_obj *root, *prev, *obj;
	u64 slices, target;
	unsigned int i;

	pyheap_heap_lock(heap);
	root = node(heap, 1);
	prev = root;
	for (i = 0; i < n; i++) {
		obj = node(heap, 2);
		link(heap, prev, 0, obj);
		pyheap_obj_put(heap, obj);
		prev = obj;
		if (!(i % 64))
			garbage_pair(heap);
	}
	slices = s->slices;
	target = pyheap_gc_slice_target(heap);
	pyheap_heap_unlock(heap);

	KUNIT_EXPECT_EQ(test, pyheap_gc_slice_run(heap, target), 0);

	pyheap_heap_lock(heap);
	KUNIT_EXPECT_GT(test, s->slices - slices, 4ULL);
	KUNIT_EXPECT_EQ(test, s->found, 2ULL * ((n + 63) / 64));
	KUNIT_EXPECT_EQ(test, heap->nr_objects, n + 1ULL);
	KUNIT_EXPECT_EQ(test, heap->gc.gens[2].nr, n + 1ULL);
	KUNIT_EXPECT_FALSE(test, pyheap_gc_slice_active(heap));
	pyheap_obj_put(heap, root);
	KUNIT_EXPECT_EQ(test, heap->nr_objects, 0ULL);
	pyheap_heap_unlock(heap);
}

/* The heap goes in the middle of a collection: nothing leaks. */
static void slice_heap_destroyed_mid_way(struct kunit *test)
{
	struct pyheap_heap *heap = test->priv;
	struct pyheap_obj *root;

	pyheap_heap_lock(heap);
	root = node(heap, 1);
	link(heap, root, 0, root);
	garbage_pair(heap);
	pyheap_gc_slice_begin(heap);
	step_until_counted(heap);
	pyheap_gc_slice_step(heap, 0);
	pyheap_gc_slice_step(heap, 0);
	pyheap_obj_put(heap, root);	/* and so a cycle, decided reachable */
	KUNIT_EXPECT_TRUE(test, pyheap_gc_slice_active(heap));
	KUNIT_EXPECT_EQ(test, heap->nr_objects, 3ULL);
	pyheap_heap_unlock(heap);
	pyheap_kunit_heap_destroy(test, heap);	/* frees what is on its lists */
}

/*
 * A garbage ring, each object held only by the one before it, is freed
 * one object per step: clearing the first must not free the rest through
 * the to-free loop in that same step (one hold freeing all of it).
 */
static void slice_garbage_ring_freed_in_steps(struct kunit *test)
{
	const unsigned int n = 1000;
	struct pyheap_heap *heap = test->priv;
	struct pyheap_obj *first, *prev, *obj;
	u64 before, most = 0;
	unsigned int i;

	pyheap_heap_lock(heap);
	first = node(heap, 1);
	prev = first;
	for (i = 1; i < n; i++) {
		obj = node(heap, 1);
		link(heap, prev, 0, obj);
		pyheap_obj_put(heap, obj);
		prev = obj;
	}
	link(heap, prev, 0, first);
	pyheap_obj_put(heap, first);
	KUNIT_EXPECT_EQ(test, heap->nr_objects, (u64)n);
	pyheap_gc_slice_begin(heap);
	while (pyheap_gc_slice_active(heap)) {
		before = heap->nr_objects;
		pyheap_gc_slice_step(heap, 0);
		most = max(most, before - heap->nr_objects);
	}
	KUNIT_EXPECT_EQ(test, heap->gc.slice.found, (u64)n);
	KUNIT_EXPECT_EQ(test, heap->nr_objects, 0ULL);
	KUNIT_EXPECT_LE(test, most, 1ULL);
	pyheap_heap_unlock(heap);
}

/* Whether generation 2's list holds @objs[0..@n) in that order, alone. */
static bool gen2_order_is(struct pyheap_heap *heap, struct pyheap_obj **objs,
			  unsigned int n)
{
	struct pyheap_obj *pos;
	unsigned int i = 0;

	list_for_each_entry(pos, &heap->gc.gens[2].objects, node)
		if (i >= n || pos != objs[i++])
			return false;
	return i == n;
}

/*
 * A collection in slices of a graph that did not change since the last
 * one, which found nothing, is skipped; it leaves the survivors in the
 * order a real one would.  A change between two slices (a put, which the
 * barrier sees) makes the next collection scan, though the one it came
 * in found nothing; the one after that may skip again.
 */
static void slice_skip_only_unchanged(struct kunit *test)
{
	struct pyheap_heap *heap = test->priv;
	struct pyheap_gc_gen *g = &heap->gc.gens[2];
	struct pyheap_obj *root, *mid, *leaf, *pos, *order[3];
	u64 skipped;
	int i;

	pyheap_heap_lock(heap);
	leaf = node(heap, 1);
	mid = node(heap, 1);
	root = node(heap, 1);		/* ours */
	link(heap, root, 0, mid);
	link(heap, mid, 0, leaf);
	pyheap_obj_put(heap, mid);
	pyheap_obj_put(heap, leaf);
	KUNIT_EXPECT_EQ(test, pyheap_gc_slice_collect(heap), 0ULL);
	skipped = g->skipped;
	i = 0;
	list_for_each_entry(pos, &g->objects, node) {
		if (i == 3)
			break;
		order[i++] = pos;
	}
	KUNIT_ASSERT_EQ(test, i, 3);
	KUNIT_EXPECT_PTR_EQ(test, order[0], root);

	/* unchanged: skipped, the order kept */
	KUNIT_EXPECT_EQ(test, pyheap_gc_slice_collect(heap), 0ULL);
	KUNIT_EXPECT_EQ(test, g->skipped, skipped + 1);
	KUNIT_EXPECT_TRUE(test, gen2_order_is(heap, order, 3));

	/* a put between collections: a real scan, in the same order */
	pyheap_obj_get(mid);
	pyheap_obj_put(heap, mid);
	KUNIT_EXPECT_EQ(test, pyheap_gc_slice_collect(heap), 0ULL);
	KUNIT_EXPECT_EQ(test, g->skipped, skipped + 1);
	KUNIT_EXPECT_TRUE(test, gen2_order_is(heap, order, 3));

	/* a put between two slices: seen by the barrier, and no skip next */
	pyheap_obj_get(root);		/* a change first: this one scans */
	pyheap_obj_put(heap, root);
	pyheap_gc_slice_begin(heap);
	KUNIT_EXPECT_TRUE(test, pyheap_gc_slice_active(heap));
	step_until_counted(heap);
	pyheap_obj_get(leaf);
	pyheap_obj_put(heap, leaf);
	KUNIT_EXPECT_TRUE(test, leaf->flags & PYHEAP_OBJF_GREY);
	KUNIT_EXPECT_EQ(test, finish(heap), 0ULL);
	KUNIT_EXPECT_EQ(test, g->skipped, skipped + 1);
	KUNIT_EXPECT_EQ(test, pyheap_gc_slice_collect(heap), 0ULL);
	KUNIT_EXPECT_EQ(test, g->skipped, skipped + 1);
	KUNIT_EXPECT_EQ(test, pyheap_gc_slice_collect(heap), 0ULL);
	KUNIT_EXPECT_EQ(test, g->skipped, skipped + 2);

	/* garbage made since: found, though nothing else changed */
	garbage_pair(heap);
	KUNIT_EXPECT_EQ(test, pyheap_gc_slice_collect(heap), 2ULL);
	KUNIT_EXPECT_EQ(test, heap->nr_objects, 3ULL);
	pyheap_obj_put(heap, root);
	KUNIT_EXPECT_EQ(test, heap->nr_objects, 0ULL);
	pyheap_heap_unlock(heap);
}

/*
 * gc.get_objects() in the middle of a collection in slices sees every
 * tracked object, though the candidates are off the generations' lists:
 * the collection is finished first.
 */
static void slice_objects_sees_the_candidates(struct kunit *test)
{
	struct pyheap_heap *heap = test->priv;
	struct pyheap_obj *objs[4], *seen[8], *root;
	int i;

	pyheap_heap_lock(heap);
	root = node(heap, 1);
	for (i = 0; i < 4; i++) {
		objs[i] = node(heap, 1);
		link(heap, objs[i], 0, root);
	}
	pyheap_gc_slice_begin(heap);
	pyheap_gc_slice_step(heap, 0);
	pyheap_gc_slice_step(heap, 0);
	KUNIT_EXPECT_EQ(test, pyheap_gc_objects_get(heap, -1, 0, 8, seen), 5U);
	KUNIT_EXPECT_FALSE(test, pyheap_gc_slice_active(heap));
	KUNIT_EXPECT_EQ(test, pyheap_gc_objects_total(heap, -1), 5ULL);
	for (i = 0; i < 4; i++)
		pyheap_obj_put(heap, objs[i]);
	pyheap_obj_put(heap, root);
	KUNIT_EXPECT_EQ(test, heap->nr_objects, 0ULL);
	pyheap_heap_unlock(heap);
}

static struct kunit_case slice_cases[] = {
	KUNIT_CASE(slice_moved_reference_keeps_its_target),
	KUNIT_CASE(slice_candidates_freed_at_the_cursor),
	KUNIT_CASE(slice_new_garbage_waits_for_the_next),
	KUNIT_CASE(slice_garbage_made_meanwhile),
	KUNIT_CASE(slice_unreach_comes_back),
	KUNIT_CASE(slice_run_lets_the_lock_go),
	KUNIT_CASE(slice_heap_destroyed_mid_way),
	KUNIT_CASE(slice_garbage_ring_freed_in_steps),
	KUNIT_CASE(slice_skip_only_unchanged),
	KUNIT_CASE(slice_objects_sees_the_candidates),
	{}
};

static struct kunit_suite slice_suite = {
	.name = "pyheap_gc_slice_steps",
	.init = slice_test_init,
	.test_cases = slice_cases,
};

kunit_test_suite(slice_suite);
