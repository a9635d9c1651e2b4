// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite pyheap_obj: refcounted objects through the in-kernel API -
 * types, get/put, freeing without recursion, limits, deep sizes, teardown.
 */

#include <kunit/test.h>
#include <linux/err.h>
#include <linux/spinlock.h>

#include "../mod/internal.h"
#include "pyheap_kunit.h"

/*
 * A type that, like the LRU map, calls visit under a spinlock of its own:
 * a walker that sleeps in visit shows as "BUG: sleeping function called
 * from invalid context" (DEBUG_ATOMIC_SLEEP), which fails the KUnit run.
 */
#define FAN_KIDS	300

struct fan_obj {
	struct pyheap_obj ob;
	spinlock_t lock;		/* held while traversing the kids */
	struct pyheap_obj *kids[FAN_KIDS];
};

static void fan_traverse(struct pyheap_obj *obj, pyheap_visit_t visit,
			 void *arg)
{
	struct fan_obj *f = container_of(obj, struct fan_obj, ob);
	int i;

	spin_lock(&f->lock);
	for (i = 0; i < FAN_KIDS; i++)
		if (f->kids[i])
			visit(f->kids[i], arg);
	spin_unlock(&f->lock);
}

static void fan_clear(struct pyheap_heap *heap, struct pyheap_obj *obj)
{
	struct fan_obj *f = container_of(obj, struct fan_obj, ob);
	struct pyheap_obj *kid;
	int i;

	for (i = 0; i < FAN_KIDS; i++) {
		kid = f->kids[i];
		f->kids[i] = NULL;
		pyheap_obj_put(heap, kid);
	}
}

static struct pyheap_type fan_type = {
	.name = "kunit_fan",
	.traverse = fan_traverse,
	.clear = fan_clear,
};

struct obj_ctx {
	struct pyheap_heap *heap;
	unsigned int released;
};

/* The link type without ->release, its clears counted. */
static unsigned int plain_clears;

static void plain_clear(struct pyheap_heap *heap, struct pyheap_obj *obj)
{
	plain_clears++;
	pyheap_kunit_link_clear(heap, obj);
}

static struct pyheap_type plain_type = {
	.name = "kunit_plain",
	.traverse = pyheap_kunit_link_traverse,
	.clear = plain_clear,
};

static int obj_suite_init(struct kunit_suite *suite)
{
	int err = pyheap_type_register(&pyheap_kunit_link_type);

	if (err)
		return err;
	err = pyheap_type_register(&fan_type);
	if (err)
		goto err_link;
	err = pyheap_type_register(&plain_type);
	if (err)
		goto err_fan;
	return 0;

err_fan:
	pyheap_type_unregister(&fan_type);
err_link:
	pyheap_type_unregister(&pyheap_kunit_link_type);
	return err;
}

static void obj_suite_exit(struct kunit_suite *suite)
{
	pyheap_type_unregister(&plain_type);
	pyheap_type_unregister(&fan_type);
	pyheap_type_unregister(&pyheap_kunit_link_type);
}

static int obj_test_init(struct kunit *test)
{
	static const struct pyheap_limits limits = {
		.max_objects = 11000000,
		.max_bytes = 2ULL << 30,
		.max_handles = 16,
	};
	struct obj_ctx *ctx;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->heap = pyheap_kunit_heap(test, &limits);
	test->priv = ctx;
	return 0;
}

/*
 * A link object with one slot, pointing at @next if that is not NULL,
 * whose release counts in ctx->released.  Cases hold the heap lock for
 * their whole body and use only KUNIT_EXPECT_* under it, so a failure
 * never leaves it held.
 */
static struct pyheap_kunit_link *link_new(struct obj_ctx *ctx,
					  struct pyheap_obj *next)
{
	struct pyheap_obj *obj;

	obj = pyheap_kunit_link_new(ctx->heap, &pyheap_kunit_link_type, 1);
	if (!obj)
		return NULL;
	pyheap_kunit_link_of(obj)->released = &ctx->released;
	pyheap_kunit_link_set(ctx->heap, obj, 0, next);
	return pyheap_kunit_link_of(obj);
}

static void obj_put_last_reference_frees_at_once(struct kunit *test)
{
	struct obj_ctx *ctx = test->priv;
	struct pyheap_kunit_link *l;

	pyheap_heap_lock(ctx->heap);
	l = link_new(ctx, NULL);
	KUNIT_EXPECT_NOT_NULL(test, l);
	if (l) {
		KUNIT_EXPECT_EQ(test, pyheap_obj_refcnt(&l->ob), 1U);
		KUNIT_EXPECT_EQ(test, ctx->heap->nr_objects, 1ULL);
		pyheap_obj_get(&l->ob);
		pyheap_obj_put(ctx->heap, &l->ob);
		KUNIT_EXPECT_EQ(test, ctx->released, 0U);
		pyheap_obj_put(ctx->heap, &l->ob);
	}
	KUNIT_EXPECT_EQ(test, ctx->released, 1U);
	KUNIT_EXPECT_EQ(test, ctx->heap->nr_objects, 0ULL);
	KUNIT_EXPECT_EQ(test, ctx->heap->nr_bytes, 0ULL);
	pyheap_heap_unlock(ctx->heap);
}

/* A put below zero is refused, counted, and frees nothing twice. */
static void obj_put_below_zero_is_refused(struct kunit *test)
{
	struct obj_ctx *ctx = test->priv;
	struct pyheap_kunit_link *a, *b;

	pyheap_heap_lock(ctx->heap);
	a = link_new(ctx, NULL);
	b = link_new(ctx, &a->ob);
	/* b holds a; simulate a buggy extra put through a's zero count */
	a->ob.refcnt = 0;
	pyheap_obj_put(ctx->heap, &a->ob);
	KUNIT_EXPECT_EQ(test, ctx->heap->bad_puts, 1ULL);
	KUNIT_EXPECT_EQ(test, ctx->released, 0U);
	a->ob.refcnt = 1;	/* b's reference, restored */
	pyheap_obj_put(ctx->heap, &b->ob);
	KUNIT_EXPECT_EQ(test, ctx->released, 2U);
	pyheap_heap_unlock(ctx->heap);
}

static void obj_get_saturates_instead_of_wrapping(struct kunit *test)
{
	struct obj_ctx *ctx = test->priv;
	struct pyheap_kunit_link *l;

	pyheap_heap_lock(ctx->heap);
	l = link_new(ctx, NULL);
	l->ob.refcnt = PYHEAP_REFCNT_SATURATED - 1;
	pyheap_obj_get(&l->ob);
	pyheap_obj_get(&l->ob);
	KUNIT_EXPECT_EQ(test, pyheap_obj_refcnt(&l->ob),
			PYHEAP_REFCNT_SATURATED);
	pyheap_obj_put(ctx->heap, &l->ob);
	KUNIT_EXPECT_EQ(test, pyheap_obj_refcnt(&l->ob),
			PYHEAP_REFCNT_SATURATED);
	KUNIT_EXPECT_EQ(test, ctx->released, 0U);
	pyheap_heap_unlock(ctx->heap);
	/* teardown frees it anyway */
}

/*
 * Ten million objects in a chain, freed by one put.  A recursive free
 * would need ten million stack frames; this one needs one.
 */
static void obj_put_frees_long_chain_without_recursion(struct kunit *test)
{
	const unsigned int n = 10000000;
	struct obj_ctx *ctx = test->priv;
	struct pyheap_kunit_link *head = NULL, *l;
	unsigned int i;

	pyheap_heap_lock(ctx->heap);
	for (i = 0; i < n; i++) {
		l = link_new(ctx, head ? &head->ob : NULL);
		if (!l)
			break;
		if (head)
			pyheap_obj_put(ctx->heap, &head->ob);
		head = l;
		if (!(i % 65536))
			cond_resched();
	}
	KUNIT_EXPECT_EQ(test, i, n);
	KUNIT_EXPECT_EQ(test, ctx->heap->nr_objects, (u64)i);
	if (head)
		pyheap_obj_put(ctx->heap, &head->ob);
	KUNIT_EXPECT_EQ(test, ctx->released, i);
	KUNIT_EXPECT_EQ(test, ctx->heap->nr_objects, 0ULL);
	pyheap_heap_unlock(ctx->heap);
}

static void obj_new_stops_at_heap_limits(struct kunit *test)
{
	static const struct pyheap_limits limits = {
		.max_objects = 3, .max_bytes = 1 << 20, .max_handles = 1,
	};
	struct pyheap_heap *heap = pyheap_kunit_heap(test, &limits);
	const size_t size = pyheap_kunit_link_size(1);
	struct pyheap_obj *obj[4];
	int i;

	pyheap_heap_lock(heap);
	for (i = 0; i < 4; i++)
		obj[i] = pyheap_obj_new(heap, &pyheap_kunit_link_type, size);
	KUNIT_EXPECT_FALSE(test, IS_ERR(obj[2]));
	KUNIT_EXPECT_EQ(test, PTR_ERR(obj[3]), -ENOSPC);
	KUNIT_EXPECT_EQ(test, PTR_ERR(pyheap_obj_new(heap,
						     &pyheap_kunit_link_type,
						     8)), -EINVAL);
	for (i = 0; i < 3; i++)
		pyheap_obj_put(heap, obj[i]);
	/* the byte limit counts size classes */
	obj[0] = pyheap_obj_new(heap, &pyheap_kunit_link_type, (1 << 20) - 8);
	KUNIT_EXPECT_FALSE(test, IS_ERR(obj[0]));
	obj[1] = pyheap_obj_new(heap, &pyheap_kunit_link_type, size);
	KUNIT_EXPECT_EQ(test, PTR_ERR(obj[1]), -ENOSPC);
	pyheap_obj_put(heap, obj[0]);
	KUNIT_EXPECT_EQ(test, heap->nr_bytes, 0ULL);
	pyheap_heap_unlock(heap);
}

/* A ring and a tail into it: each object counted once. */
static void obj_deep_size_counts_each_object_once(struct kunit *test)
{
	struct obj_ctx *ctx = test->priv;
	struct pyheap_deep_size deep = {};
	struct pyheap_kunit_link *a, *b, *c, *t;

	pyheap_heap_lock(ctx->heap);
	c = link_new(ctx, NULL);
	b = link_new(ctx, &c->ob);
	a = link_new(ctx, &b->ob);
	/* close the ring a->b->c->a */
	pyheap_kunit_link_set(ctx->heap, &c->ob, 0, &a->ob);
	t = link_new(ctx, &a->ob);
	KUNIT_EXPECT_EQ(test, pyheap_obj_deep_size(ctx->heap, &t->ob, &deep),
			0);
	KUNIT_EXPECT_EQ(test, deep.objects, 4ULL);
	KUNIT_EXPECT_EQ(test, deep.bytes, 4 * pyheap_kunit_link_size(1));
	KUNIT_EXPECT_EQ(test, pyheap_obj_deep_size(ctx->heap, &b->ob, &deep),
			0);
	KUNIT_EXPECT_EQ(test, deep.objects, 3ULL);
	/* the walk left no mark behind */
	KUNIT_EXPECT_EQ(test, a->ob.flags | b->ob.flags | c->ob.flags, 0U);
	pyheap_obj_put(ctx->heap, &a->ob);
	pyheap_obj_put(ctx->heap, &b->ob);
	pyheap_obj_put(ctx->heap, &c->ob);
	pyheap_obj_put(ctx->heap, &t->ob);
	/* the ring is garbage now, for the collector or the teardown */
	KUNIT_EXPECT_EQ(test, ctx->heap->nr_objects, 3ULL);
	pyheap_heap_unlock(ctx->heap);
}

/*
 * A deep size of an object whose traverse holds a spinlock and visits more
 * objects than the walk's first queue holds: the queue grows between
 * traversals, never inside one.
 */
static void obj_deep_size_never_sleeps_in_visit(struct kunit *test)
{
	struct obj_ctx *ctx = test->priv;
	struct pyheap_deep_size deep = {};
	struct pyheap_obj *obj;
	struct fan_obj *f;
	struct pyheap_kunit_link *l;
	int i;

	pyheap_heap_lock(ctx->heap);
	obj = pyheap_obj_new(ctx->heap, &fan_type, sizeof(*f));
	KUNIT_EXPECT_FALSE(test, IS_ERR(obj));
	if (IS_ERR(obj))
		goto out;
	f = container_of(obj, struct fan_obj, ob);
	spin_lock_init(&f->lock);
	for (i = 0; i < FAN_KIDS; i++) {
		l = link_new(ctx, NULL);
		if (!l)
			break;
		f->kids[i] = &l->ob;
	}
	KUNIT_EXPECT_EQ(test, i, FAN_KIDS);
	KUNIT_EXPECT_EQ(test, pyheap_obj_deep_size(ctx->heap, obj, &deep), 0);
	KUNIT_EXPECT_EQ(test, deep.objects, (u64)i + 1);
	pyheap_obj_put(ctx->heap, obj);
	KUNIT_EXPECT_EQ(test, ctx->heap->nr_objects, 0ULL);
out:
	pyheap_heap_unlock(ctx->heap);
}

/*
 * A walk from two roots stops at the object, and its parents and
 * positions give the chain from the nearer root:
 * t -> a -> b -> c -> a and x -> c; roots t, x; should be x -> c.
 */
static void walk_stops_at_the_object_with_its_chain(struct kunit *test)
{
	struct obj_ctx *ctx = test->priv;
	struct pyheap_kunit_link *a, *b, *c, *t, *x;
	struct pyheap_walk w;

	pyheap_heap_lock(ctx->heap);
	c = link_new(ctx, NULL);
	b = c ? link_new(ctx, &c->ob) : NULL;
	a = b ? link_new(ctx, &b->ob) : NULL;
	t = a ? link_new(ctx, &a->ob) : NULL;
	x = t ? link_new(ctx, &c->ob) : NULL;
	KUNIT_EXPECT_TRUE(test, a && b && c && t && x);
	if (!(a && b && c && t && x))
		goto out;	/* the heap's teardown frees them */
	pyheap_kunit_link_set(ctx->heap, &c->ob, 0, &a->ob);

	pyheap_walk_init(&w, ctx->heap, &c->ob);
	KUNIT_EXPECT_EQ(test, pyheap_walk_add(&w, &t->ob), 0);
	KUNIT_EXPECT_EQ(test, pyheap_walk_add(&w, &x->ob), 0);
	KUNIT_EXPECT_EQ(test, pyheap_walk_run(&w), 0);
	/* [t, x, a, c]: c found from x (entry 1) before b was queued */
	KUNIT_EXPECT_EQ(test, w.nr, 4U);
	KUNIT_EXPECT_EQ(test, w.found, 3U);
	KUNIT_EXPECT_EQ(test, w.q[3].parent, 1U);
	KUNIT_EXPECT_EQ(test, w.q[3].pos, 0U);
	KUNIT_EXPECT_EQ(test, w.q[1].parent, PYHEAP_WALK_NONE);
	pyheap_walk_destroy(&w);
	KUNIT_EXPECT_EQ(test, (a->ob.flags | c->ob.flags | x->ob.flags) &
			      PYHEAP_OBJF_VISITED, 0U);
	pyheap_obj_put(ctx->heap, &t->ob);
	pyheap_obj_put(ctx->heap, &x->ob);
	pyheap_obj_put(ctx->heap, &a->ob);
	pyheap_obj_put(ctx->heap, &b->ob);
	pyheap_obj_put(ctx->heap, &c->ob);
out:
	pyheap_heap_unlock(ctx->heap);
}

/*
 * The cycles of a set, numbered in its order: a -> b -> c -> a, d -> a
 * (on no cycle), e -> e; listed [d, b, e, a, c, b]: 0 1 2 1 1 1.
 */
static void obj_cycles_number_components_in_set_order(struct kunit *test)
{
	static const u32 want[] = { 0, 1, 2, 1, 1, 1 };
	struct obj_ctx *ctx = test->priv;
	struct pyheap_kunit_link *a, *b, *c, *d, *e;
	struct pyheap_obj *set[6];
	u32 group[6], cycles = 0;
	int i;

	pyheap_heap_lock(ctx->heap);
	c = link_new(ctx, NULL);
	b = c ? link_new(ctx, &c->ob) : NULL;
	a = b ? link_new(ctx, &b->ob) : NULL;
	d = a ? link_new(ctx, &a->ob) : NULL;
	e = link_new(ctx, NULL);
	KUNIT_EXPECT_TRUE(test, a && b && c && d && e);
	if (!(a && b && c && d && e))
		goto out;
	pyheap_kunit_link_set(ctx->heap, &c->ob, 0, &a->ob);
	pyheap_kunit_link_set(ctx->heap, &e->ob, 0, &e->ob);
	set[0] = &d->ob;
	set[1] = &b->ob;
	set[2] = &e->ob;
	set[3] = &a->ob;
	set[4] = &c->ob;
	set[5] = &b->ob;
	KUNIT_EXPECT_EQ(test, pyheap_obj_cycles(ctx->heap, set, 6, group,
						&cycles), 0);
	KUNIT_EXPECT_EQ(test, cycles, 2U);
	for (i = 0; i < 6; i++)
		KUNIT_EXPECT_EQ_MSG(test, group[i], want[i], "entry %d", i);
	for (i = 0; i < 6; i++)
		KUNIT_EXPECT_EQ(test, set[i]->flags & PYHEAP_OBJF_VISITED, 0U);
	pyheap_obj_put(ctx->heap, &d->ob);
	pyheap_obj_put(ctx->heap, &a->ob);
	pyheap_obj_put(ctx->heap, &b->ob);
	pyheap_obj_put(ctx->heap, &c->ob);
	pyheap_obj_put(ctx->heap, &e->ob);
out:
	pyheap_heap_unlock(ctx->heap);
}

/* Destroying a heap frees cycles and self-references too (KASAN, leaks). */
static void heap_destroy_frees_cycles(struct kunit *test)
{
	struct pyheap_heap *heap = pyheap_kunit_heap(test, NULL);
	unsigned int released = 0;
	struct pyheap_obj *a, *b;

	pyheap_heap_lock(heap);
	a = pyheap_kunit_link_new(heap, &pyheap_kunit_link_type, 1);
	b = pyheap_kunit_link_new(heap, &pyheap_kunit_link_type, 1);
	KUNIT_EXPECT_NOT_NULL(test, a);
	KUNIT_EXPECT_NOT_NULL(test, b);
	if (a && b) {
		pyheap_kunit_link_of(a)->released = &released;
		pyheap_kunit_link_of(b)->released = &released;
		/* a <-> b, each owning the other */
		pyheap_kunit_link_set(heap, a, 0, b);
		pyheap_kunit_link_set(heap, b, 0, a);
	}
	pyheap_obj_put(heap, a);	/* only the cycle holds them now */
	pyheap_obj_put(heap, b);
	pyheap_heap_unlock(heap);
	pyheap_kunit_heap_destroy(test, heap);
	KUNIT_EXPECT_EQ(test, released, 2U);
}

/*
 * A pool-mode heap's teardown visits only the objects whose type has a
 * ->release: each of those is cleared and released once, even when only
 * objects that are never visited held it, and the puts its ->clear()
 * makes free nothing; every other object goes with its arena, large ones
 * (from kmalloc()) included, and the arenas go back once the reap work
 * has run.  The counters still balance.
 */
static void heap_destroy_visits_only_objects_with_release(struct kunit *test)
{
	static const struct pyheap_limits limits = {
		.max_objects = 1 << 20, .max_bytes = 1 << 28,
		.max_handles = 1024,
	};
	struct pyheap_heap *heap = pyheap_kunit_heap(test, &limits);
	struct pyheap_obj *prev = NULL, *obj, *link;
	const unsigned int n = 10000, nlinks = 100;
	unsigned int released = 0, made = 0, i;
	bool pool;
	u32 h;

	pyheap_heap_lock(heap);
	pool = pyheap_obmalloc_mode(heap->alloc) == PYHEAP_OBMALLOC_POOL;
	plain_clears = 0;
	for (i = 0; i < n; i++) {
		/* a chain; every 100th object large, in a cycle */
		obj = pyheap_kunit_link_new(heap, &plain_type,
					    i % 100 ? 2 : 100);
		if (!obj)
			break;
		made++;
		pyheap_kunit_link_set(heap, obj, 0, prev);
		pyheap_obj_put(heap, prev);
		prev = obj;
		if (i % (n / nlinks))
			continue;
		/* a released object that only the chain holds */
		link = pyheap_kunit_link_new(heap, &pyheap_kunit_link_type, 1);
		if (!link)
			break;
		made++;
		pyheap_kunit_link_of(link)->released = &released;
		pyheap_kunit_link_set(heap, link, 0, prev);
		pyheap_kunit_link_set(heap, obj, 1, link);
		pyheap_obj_put(heap, link);
	}
	KUNIT_EXPECT_EQ(test, made, n + nlinks);
	if (prev) {
		KUNIT_EXPECT_EQ(test, pyheap_handle_open(heap, prev, &h), 0);
		pyheap_obj_put(heap, prev);
	}
	KUNIT_EXPECT_EQ(test, heap->nr_objects, (u64)made);
	KUNIT_EXPECT_EQ(test, plain_clears, 0U);
	pyheap_heap_unlock(heap);

	pyheap_heap_get(heap);
	pyheap_kunit_heap_destroy(test, heap);
	KUNIT_EXPECT_EQ(test, released, nlinks);
	if (pool)
		KUNIT_EXPECT_EQ(test, plain_clears, 0U);
	else
		KUNIT_EXPECT_GE(test, plain_clears, n);
	KUNIT_EXPECT_EQ(test, heap->nr_objects, 0ULL);
	KUNIT_EXPECT_EQ(test, heap->nr_bytes, 0ULL);
	KUNIT_EXPECT_EQ(test, heap->nr_freed, (u64)made);
	KUNIT_EXPECT_EQ(test, heap->types[plain_type.id].objects, 0ULL);
	KUNIT_EXPECT_EQ(test, heap->types[plain_type.id].bytes, 0ULL);
	KUNIT_EXPECT_TRUE(test, xa_empty(&heap->released));
	for (i = 0; i < PYHEAP_GC_NR_GENS; i++)
		KUNIT_EXPECT_EQ(test, heap->gc.gens[i].nr, 0ULL);
	KUNIT_EXPECT_TRUE(test, list_empty(&heap->gc.gens[0].objects));
	/* The arenas go from the reap work, which the wait waits for. */
	pyheap_heap_reap_wait();
	KUNIT_EXPECT_NULL(test, heap->alloc);
	pyheap_heap_put(heap);
}

/*
 * A released object's entry in heap->released lives as long as the
 * object: freed by a put, it is no longer visited at teardown.
 */
static void obj_free_forgets_released_object(struct kunit *test)
{
	struct obj_ctx *ctx = test->priv;
	struct pyheap_obj *a, *b;

	pyheap_heap_lock(ctx->heap);
	a = pyheap_kunit_link_new(ctx->heap, &pyheap_kunit_link_type, 0);
	b = pyheap_kunit_link_new(ctx->heap, &plain_type, 0);
	KUNIT_EXPECT_NOT_NULL(test, a);
	KUNIT_EXPECT_NOT_NULL(test, b);
	KUNIT_EXPECT_FALSE(test, xa_empty(&ctx->heap->released));
	if (a)
		pyheap_kunit_link_of(a)->released = &ctx->released;
	pyheap_obj_put(ctx->heap, a);
	KUNIT_EXPECT_EQ(test, ctx->released, 1U);
	KUNIT_EXPECT_TRUE(test, xa_empty(&ctx->heap->released));
	pyheap_obj_put(ctx->heap, b);
	pyheap_heap_unlock(ctx->heap);
	pyheap_kunit_heap_destroy(test, ctx->heap);
	KUNIT_EXPECT_EQ(test, ctx->released, 1U);
}

/*
 * The handle table: a free entry is reused last-closed-first, the limit
 * holds for one handle and for many, and a refused HANDLE_CLOSEV (a
 * duplicate, a stale handle) leaves every handle open and unmarked.
 */
static void handles_open_close_reuse_and_refuse(struct kunit *test)
{
	struct obj_ctx *ctx = test->priv;
	struct pyheap_heap *heap = ctx->heap;
	struct pyheap_obj *objs[16];
	u32 h[16], one, bad[3];
	struct pyheap_kunit_link *l;
	int i;

	pyheap_heap_lock(heap);
	l = link_new(ctx, NULL);
	KUNIT_EXPECT_NOT_NULL(test, l);
	if (!l)
		goto out;
	for (i = 0; i < 16; i++)
		objs[i] = &l->ob;
	KUNIT_EXPECT_EQ(test, pyheap_handles_open_many(heap, objs, 16, h), 0);
	KUNIT_EXPECT_EQ(test, pyheap_obj_refcnt(&l->ob), 17U);
	for (i = 0; i < 16; i++)
		KUNIT_EXPECT_EQ(test, h[i], (u32)i + 1);
	/* max_handles is 16 here */
	KUNIT_EXPECT_EQ(test, pyheap_handle_open(heap, &l->ob, &one), -ENOSPC);
	KUNIT_EXPECT_EQ(test, pyheap_handles_open_many(heap, objs, 1, &one),
			-ENOSPC);
	KUNIT_EXPECT_EQ(test, pyheap_handle_close(heap, h[4]), 0);
	KUNIT_EXPECT_EQ(test, pyheap_handle_close(heap, h[9]), 0);
	KUNIT_EXPECT_EQ(test, pyheap_handle_close(heap, h[9]), -ENOENT);
	KUNIT_EXPECT_NULL(test, pyheap_handle_lookup(heap, h[9]));
	KUNIT_EXPECT_EQ(test, pyheap_handle_open(heap, &l->ob, &h[9]), 0);
	KUNIT_EXPECT_EQ(test, h[9], 10U);
	KUNIT_EXPECT_EQ(test, pyheap_handle_open(heap, &l->ob, &h[4]), 0);
	KUNIT_EXPECT_EQ(test, h[4], 5U);
	/* refused vectors: a duplicate, a stale handle, handle 0, past top */
	bad[0] = h[0];
	bad[1] = h[1];
	for (i = 0; i < 4; i++) {
		u32 stale[] = { h[0], 0, 17, 1000 };

		bad[2] = stale[i];
		KUNIT_EXPECT_EQ(test, pyheap_handles_close_many(heap, bad, 3),
				-ENOENT);
	}
	KUNIT_EXPECT_EQ(test, heap->nr_handles, 16ULL);
	KUNIT_EXPECT_EQ(test, pyheap_obj_refcnt(&l->ob), 17U);
	for (i = 0; i < 16; i++)
		KUNIT_EXPECT_PTR_EQ(test, pyheap_handle_lookup(heap, h[i]),
				    &l->ob);
	KUNIT_EXPECT_EQ(test, pyheap_handles_close_many(heap, h, 16), 0);
	KUNIT_EXPECT_EQ(test, heap->nr_handles, 0ULL);
	KUNIT_EXPECT_EQ(test, pyheap_obj_refcnt(&l->ob), 1U);
	pyheap_obj_put(heap, &l->ob);
	KUNIT_EXPECT_EQ(test, ctx->released, 1U);
out:
	pyheap_heap_unlock(heap);
}

static void type_register_rejects_bad_types(struct kunit *test)
{
	struct pyheap_type noname = {}, longname = {
		.name = "a_name_too_long_for_it",
	};

	KUNIT_EXPECT_EQ(test, pyheap_type_register(&noname), -EINVAL);
	KUNIT_EXPECT_EQ(test, pyheap_type_register(&longname), -EINVAL);
	KUNIT_EXPECT_EQ(test, pyheap_type_register(&pyheap_kunit_link_type),
			-EEXIST);
}

static struct kunit_case obj_cases[] = {
	KUNIT_CASE(obj_put_last_reference_frees_at_once),
	KUNIT_CASE(obj_put_below_zero_is_refused),
	KUNIT_CASE(obj_get_saturates_instead_of_wrapping),
	KUNIT_CASE_SLOW(obj_put_frees_long_chain_without_recursion),
	KUNIT_CASE(obj_new_stops_at_heap_limits),
	KUNIT_CASE(obj_deep_size_counts_each_object_once),
	KUNIT_CASE(obj_deep_size_never_sleeps_in_visit),
	KUNIT_CASE(walk_stops_at_the_object_with_its_chain),
	KUNIT_CASE(obj_cycles_number_components_in_set_order),
	KUNIT_CASE(heap_destroy_frees_cycles),
	KUNIT_CASE(heap_destroy_visits_only_objects_with_release),
	KUNIT_CASE(obj_free_forgets_released_object),
	KUNIT_CASE(handles_open_close_reuse_and_refuse),
	KUNIT_CASE(type_register_rejects_bad_types),
	{}
};

static struct kunit_suite obj_suite = {
	.name = "pyheap_obj",
	.suite_init = obj_suite_init,
	.suite_exit = obj_suite_exit,
	.init = obj_test_init,
	.test_cases = obj_cases,
};

kunit_test_suite(obj_suite);
