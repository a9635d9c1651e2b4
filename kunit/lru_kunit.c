// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite pyheap_lru: the in-kernel LRU map - lru_cache's maxsize
 * None, 0 and N, strict recency, typed keys, peek, delete, clear, value
 * lifetimes, batched lookups, keys of every short length and alignment,
 * and several threads at once.
 */

#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/err.h>
#include <linux/kref.h>
#include <linux/kthread.h>
#include <linux/slab.h>

#include <pyheap/lru.h>

/* Values are refcounted integers; the suite counts their releases. */
struct val {
	struct kref ref;
	int n;
};

static atomic_t vals_live;

static void val_free(struct kref *ref)
{
	kfree(container_of(ref, struct val, ref));
	atomic_dec(&vals_live);
}

static void val_hold(void *p)
{
	kref_get(&((struct val *)p)->ref);
}

static void val_release(void *p)
{
	kref_put(&((struct val *)p)->ref, val_free);
}

static const struct pyheap_lru_ops val_ops = {
	.hold = val_hold,
	.release = val_release,
};

static struct val *val_new(int n)
{
	struct val *v = kmalloc(sizeof(*v), GFP_KERNEL);

	if (v) {
		kref_init(&v->ref);
		v->n = n;
		atomic_inc(&vals_live);
	}
	return v;
}

static void lru_destroy_action(void *lru)
{
	pyheap_lru_destroy(lru);
}

static struct pyheap_lru *lru_new(struct kunit *test, long maxsize, bool typed)
{
	struct pyheap_lru *lru = pyheap_lru_create(maxsize, typed, &val_ops);
	int err;

	KUNIT_ASSERT_FALSE(test, IS_ERR(lru));
	err = kunit_add_action_or_reset(test, lru_destroy_action, lru);
	KUNIT_ASSERT_EQ(test, err, 0);
	return lru;
}

static struct pyheap_lru_key ikey(const int *n)
{
	return (struct pyheap_lru_key){ .len = sizeof(*n), .data = n };
}

/* set(n) = n, as @lru_cache would store demo(n) = n */
static void put_n(struct kunit *test, struct pyheap_lru *lru, int n)
{
	struct pyheap_lru_key k = ikey(&n);
	struct val *v = val_new(n);

	KUNIT_ASSERT_NOT_NULL(test, v);
	KUNIT_EXPECT_EQ(test, pyheap_lru_set(lru, &k, v), 0);
}

/* get(n): the value's n, or -1 on a miss */
static int get_n(struct pyheap_lru *lru, int n)
{
	struct pyheap_lru_key k = ikey(&n);
	void *p;
	int ret;

	if (pyheap_lru_get(lru, &k, &p))
		return -1;
	ret = ((struct val *)p)->n;
	val_release(p);
	return ret;
}

static void expect_info(struct kunit *test, struct pyheap_lru *lru,
			u64 hits, u64 misses, u64 currsize)
{
	struct pyheap_lru_info info;

	pyheap_lru_info(lru, &info);
	KUNIT_EXPECT_EQ(test, info.hits, hits);
	KUNIT_EXPECT_EQ(test, info.misses, misses);
	KUNIT_EXPECT_EQ(test, info.currsize, currsize);
}

static int lru_test_init(struct kunit *test)
{
	atomic_set(&vals_live, 0);
	return 0;
}

/* The seed's @lru_cache(5) demo: demo(0..4) twice, computed once each. */
static void lru_maxsize_5_is_the_seed_demo(struct kunit *test)
{
	struct pyheap_lru *lru = lru_new(test, 5, false);
	int round, i, computed = 0;

	for (round = 0; round < 2; round++) {
		for (i = 0; i < 5; i++) {
			if (get_n(lru, i) < 0) {
				computed++;
				put_n(test, lru, i);
			}
		}
	}
	KUNIT_EXPECT_EQ(test, computed, 5);
	expect_info(test, lru, 5, 5, 5);
}

static void lru_bounded_evicts_least_recent(struct kunit *test)
{
	struct pyheap_lru *lru = lru_new(test, 2, false);
	struct pyheap_lru_info info;

	put_n(test, lru, 1);
	put_n(test, lru, 2);
	KUNIT_EXPECT_EQ(test, get_n(lru, 1), 1);	/* 1 is now recent */
	put_n(test, lru, 3);				/* evicts 2 */
	KUNIT_EXPECT_EQ(test, get_n(lru, 2), -1);
	KUNIT_EXPECT_EQ(test, get_n(lru, 1), 1);
	KUNIT_EXPECT_EQ(test, get_n(lru, 3), 3);
	pyheap_lru_info(lru, &info);
	KUNIT_EXPECT_EQ(test, info.evictions, 1ULL);
	KUNIT_EXPECT_EQ(test, atomic_read(&vals_live), 2);
}

static void lru_maxsize_0_stores_nothing(struct kunit *test)
{
	struct pyheap_lru *lru = lru_new(test, 0, false);

	put_n(test, lru, 1);
	KUNIT_EXPECT_EQ(test, get_n(lru, 1), -1);
	KUNIT_EXPECT_EQ(test, get_n(lru, 1), -1);
	expect_info(test, lru, 0, 2, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&vals_live), 0);
}

static void lru_unbounded_never_evicts(struct kunit *test)
{
	struct pyheap_lru *lru = lru_new(test, PYHEAP_LRU_UNBOUNDED, false);
	int i;

	for (i = 0; i < 5000; i++)
		put_n(test, lru, i);
	for (i = 0; i < 5000; i++)
		KUNIT_EXPECT_EQ(test, get_n(lru, i), i);
	expect_info(test, lru, 5000, 0, 5000);
}

static void lru_typed_keys_differ_by_tag(struct kunit *test)
{
	struct pyheap_lru *untyped = lru_new(test, 8, false);
	struct pyheap_lru *typed = lru_new(test, 8, true);
	int n = 3;
	struct pyheap_lru_key as_int = { .type = 1, .len = 4, .data = &n };
	struct pyheap_lru_key as_float = { .type = 2, .len = 4, .data = &n };
	void *p;

	KUNIT_ASSERT_EQ(test, pyheap_lru_set(untyped, &as_int, val_new(1)), 0);
	KUNIT_ASSERT_EQ(test, pyheap_lru_get(untyped, &as_float, &p), 0);
	val_release(p);
	KUNIT_ASSERT_EQ(test, pyheap_lru_set(typed, &as_int, val_new(1)), 0);
	KUNIT_EXPECT_EQ(test, pyheap_lru_get(typed, &as_float, &p), -ENOENT);
}

static void lru_peek_changes_nothing(struct kunit *test)
{
	struct pyheap_lru *lru = lru_new(test, 2, false);
	int one = 1;
	struct pyheap_lru_key k = ikey(&one);
	void *p;

	put_n(test, lru, 1);
	put_n(test, lru, 2);
	KUNIT_EXPECT_EQ(test, pyheap_lru_peek(lru, &k, &p), 0);
	val_release(p);
	put_n(test, lru, 3);		/* 1 was not touched: it goes */
	KUNIT_EXPECT_EQ(test, pyheap_lru_peek(lru, &k, &p), -ENOENT);
	expect_info(test, lru, 0, 0, 2);
}

static void lru_delete_and_clear(struct kunit *test)
{
	struct pyheap_lru *lru = lru_new(test, 4, false);
	int one = 1;
	struct pyheap_lru_key k = ikey(&one);

	put_n(test, lru, 1);
	put_n(test, lru, 2);
	KUNIT_EXPECT_EQ(test, get_n(lru, 2), 2);
	KUNIT_EXPECT_EQ(test, pyheap_lru_delete(lru, &k), 0);
	KUNIT_EXPECT_EQ(test, pyheap_lru_delete(lru, &k), -ENOENT);
	expect_info(test, lru, 1, 0, 1);
	pyheap_lru_clear(lru);
	expect_info(test, lru, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&vals_live), 0);
}

/* A held value outlives its eviction until the holder lets go. */
static void lru_held_value_survives_eviction(struct kunit *test)
{
	struct pyheap_lru *lru = lru_new(test, 1, false);
	int one = 1;
	struct pyheap_lru_key k = ikey(&one);
	void *p;

	put_n(test, lru, 1);
	KUNIT_ASSERT_EQ(test, pyheap_lru_get(lru, &k, &p), 0);
	put_n(test, lru, 2);
	KUNIT_EXPECT_EQ(test, ((struct val *)p)->n, 1);	/* KASAN: no UAF */
	KUNIT_EXPECT_EQ(test, atomic_read(&vals_live), 2);
	val_release(p);
	KUNIT_EXPECT_EQ(test, atomic_read(&vals_live), 1);
}

static void lru_rejects_bad_arguments(struct kunit *test)
{
	u8 *big = kunit_kzalloc(test, PYHEAP_LRU_MAX_KEY + 1, GFP_KERNEL);
	struct pyheap_lru_key k = {
		.len = PYHEAP_LRU_MAX_KEY + 1, .data = big,
	};
	struct pyheap_lru *lru = lru_new(test, 1, false);
	void *p;

	KUNIT_ASSERT_NOT_NULL(test, big);
	KUNIT_EXPECT_EQ(test, PTR_ERR(pyheap_lru_create(-2, false, &val_ops)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(pyheap_lru_create(1, false, NULL)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, pyheap_lru_get(lru, &k, &p), -EINVAL);
	KUNIT_EXPECT_EQ(test, pyheap_lru_set(lru, &k, NULL), -EINVAL);
}

/* A batch peeked, then touched, counts and orders as the same gets. */
static void lru_peek_many_then_touch_is_get(struct kunit *test)
{
	struct pyheap_lru *lru = lru_new(test, 3, false);
	int n[4] = { 1, 9, 2, 1 };
	struct pyheap_lru_key k[4] = {
		ikey(&n[0]), ikey(&n[1]), ikey(&n[2]), ikey(&n[3]),
	};
	struct pyheap_lru_entry *e[4];
	void *v[4];
	int i;

	put_n(test, lru, 1);
	put_n(test, lru, 2);
	put_n(test, lru, 3);
	KUNIT_ASSERT_EQ(test, pyheap_lru_peek_many(lru, k, 4, v, e, true), 3);
	KUNIT_EXPECT_NULL(test, e[1]);
	for (i = 0; i < 4; i++)
		if (e[i])
			KUNIT_EXPECT_EQ(test, ((struct val *)v[i])->n, n[i]);
	expect_info(test, lru, 0, 0, 3);	/* peeking counts nothing */
	pyheap_lru_touch_many(lru, e, 4);
	expect_info(test, lru, 3, 1, 3);
	for (i = 0; i < 4; i++)
		if (e[i])
			val_release(v[i]);
	put_n(test, lru, 4);	/* 3 was not touched: it is the oldest */
	KUNIT_EXPECT_EQ(test, get_n(lru, 3), -1);
	KUNIT_EXPECT_EQ(test, get_n(lru, 2), 2);
	KUNIT_EXPECT_EQ(test, get_n(lru, 1), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&vals_live), 3);

	/* unheld: the values come back bare, their counts untouched */
	KUNIT_ASSERT_EQ(test, pyheap_lru_peek_many(lru, k, 4, v, e, false), 3);
	KUNIT_EXPECT_EQ(test, kref_read(&((struct val *)v[2])->ref), 1U);
	expect_info(test, lru, 5, 2, 3);

	k[0].len = PYHEAP_LRU_MAX_KEY + 1;
	KUNIT_EXPECT_EQ(test, pyheap_lru_peek_many(lru, k, 4, v, e, true),
			-EINVAL);
}

static atomic_t bare_releases;

static void bare_release(void *p)
{
	atomic_inc(&bare_releases);
}

/* Without a hold callback, lookups hand out the stored pointer itself. */
static void lru_without_hold_stores_bare_values(struct kunit *test)
{
	static const struct pyheap_lru_ops bare_ops = {
		.release = bare_release,
	};
	static const struct pyheap_lru_ops no_release = {
		.hold = val_hold,
	};
	struct pyheap_lru *lru = pyheap_lru_create(1, false, &bare_ops);
	int one = 1, two = 2;
	struct pyheap_lru_key k1 = ikey(&one), k2 = ikey(&two);
	void *p;

	KUNIT_ASSERT_FALSE(test, IS_ERR(lru));
	atomic_set(&bare_releases, 0);
	KUNIT_EXPECT_EQ(test, pyheap_lru_set(lru, &k1, (void *)0x11UL), 0);
	KUNIT_EXPECT_EQ(test, pyheap_lru_get(lru, &k1, &p), 0);
	KUNIT_EXPECT_PTR_EQ(test, p, (void *)0x11UL);
	KUNIT_EXPECT_EQ(test, pyheap_lru_set(lru, &k2, (void *)0x22UL), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&bare_releases), 1);	/* evicted */
	pyheap_lru_destroy(lru);
	KUNIT_EXPECT_EQ(test, atomic_read(&bare_releases), 2);
	KUNIT_EXPECT_EQ(test, PTR_ERR(pyheap_lru_create(1, false, &no_release)),
			-EINVAL);
}

/*
 * Keys of every length up to 20 bytes, looked up through copies at other
 * alignments: the word-sized hash and compare paths agree with the byte
 * path, and keys that differ in one byte stay apart.
 */
static void lru_keys_of_any_length_and_alignment(struct kunit *test)
{
	struct pyheap_lru *lru = lru_new(test, PYHEAP_LRU_UNBOUNDED, false);
	u8 *a = kunit_kzalloc(test, 64, GFP_KERNEL);
	u8 *b = kunit_kzalloc(test, 64, GFP_KERNEL);
	struct pyheap_lru_key k;
	unsigned int len, i;
	void *p;

	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	for (len = 0; len <= 20; len++) {
		for (i = 0; i < len; i++)
			a[i] = len * 16 + i;
		k = (struct pyheap_lru_key){ .len = len, .data = a };
		KUNIT_ASSERT_EQ(test, pyheap_lru_set(lru, &k, val_new(len)), 0);
	}
	for (len = 0; len <= 20; len++) {
		for (i = 0; i < len; i++)
			b[3 + i] = len * 16 + i;
		k = (struct pyheap_lru_key){ .len = len, .data = b + 3 };
		KUNIT_ASSERT_EQ(test, pyheap_lru_get(lru, &k, &p), 0);
		KUNIT_EXPECT_EQ(test, ((struct val *)p)->n, (int)len);
		val_release(p);
		if (!len)
			continue;
		b[3 + len - 1] ^= 0x80;
		KUNIT_EXPECT_EQ(test, pyheap_lru_get(lru, &k, &p), -ENOENT);
	}
}

struct lru_thread {
	struct pyheap_lru *lru;
	struct completion done;
	unsigned int seed;
	unsigned int ops;
};

static int lru_thread_fn(void *arg)
{
	struct lru_thread *t = arg;
	struct pyheap_lru_key k;
	unsigned int i;
	int n;
	void *p;

	for (i = 0; i < t->ops; i++) {
		n = (t->seed * 7919 + i * 104729) % 64;
		k = ikey(&n);
		if (!pyheap_lru_get(t->lru, &k, &p)) {
			val_release(p);
		} else {
			p = val_new(n);
			if (p && pyheap_lru_set(t->lru, &k, p))
				val_release(p);
		}
		if (!(i % 97))
			pyheap_lru_delete(t->lru, &k);
	}
	complete(&t->done);
	return 0;
}

/* Four threads hammer one map: counts add up, nothing leaks. */
static void lru_concurrent_users_keep_counts(struct kunit *test)
{
	struct pyheap_lru *lru = lru_new(test, 16, false);
	struct lru_thread t[4];
	struct pyheap_lru_info info;
	struct task_struct *task;
	int i;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		t[i].lru = lru;
		t[i].seed = i + 1;
		t[i].ops = 20000;
		init_completion(&t[i].done);
		task = kthread_run(lru_thread_fn, &t[i], "pyheap_lru%d", i);
		KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	}
	for (i = 0; i < ARRAY_SIZE(t); i++)
		wait_for_completion(&t[i].done);
	pyheap_lru_info(lru, &info);
	KUNIT_EXPECT_EQ(test, info.hits + info.misses, 4ULL * 20000);
	KUNIT_EXPECT_LE(test, info.currsize, 16ULL);
	KUNIT_EXPECT_EQ(test, (u64)atomic_read(&vals_live), info.currsize);
}

static struct kunit_case lru_cases[] = {
	KUNIT_CASE(lru_maxsize_5_is_the_seed_demo),
	KUNIT_CASE(lru_bounded_evicts_least_recent),
	KUNIT_CASE(lru_maxsize_0_stores_nothing),
	KUNIT_CASE(lru_unbounded_never_evicts),
	KUNIT_CASE(lru_typed_keys_differ_by_tag),
	KUNIT_CASE(lru_peek_changes_nothing),
	KUNIT_CASE(lru_delete_and_clear),
	KUNIT_CASE(lru_held_value_survives_eviction),
	KUNIT_CASE(lru_rejects_bad_arguments),
	KUNIT_CASE(lru_peek_many_then_touch_is_get),
	KUNIT_CASE(lru_without_hold_stores_bare_values),
	KUNIT_CASE(lru_keys_of_any_length_and_alignment),
	KUNIT_CASE_SLOW(lru_concurrent_users_keep_counts),
	{}
};

static struct kunit_suite lru_suite = {
	.name = "pyheap_lru",
	.init = lru_test_init,
	.test_cases = lru_cases,
};

kunit_test_suite(lru_suite);
