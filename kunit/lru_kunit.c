// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite pyheap_lru: the in-kernel LRU map - lru_cache's maxsize
 * None, 0 and N, strict recency, typed keys, peek, delete, clear, value
 * lifetimes, batched lookups, keys of every short length and alignment,
 * several threads at once, and the map's own hash table: how it grows and
 * shrinks, what it charges, and that a refused charge or a failed
 * allocation at any point leaves the map as it was.
 */

#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/err.h>
#include <linux/kref.h>
#include <linux/kthread.h>
#include <linux/slab.h>

#include <pyheap/lru.h>
#include "../mod/lru_internal.h"

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

/*
 * A charge account: what a map made with pyheap_lru_create_charged() has
 * charged and not uncharged, and a budget it may not pass.
 */
struct account {
	long charged;
	long budget;
	unsigned int refused;
};

static int account_charge(void *arg, size_t bytes)
{
	struct account *a = arg;

	if (a->charged + (long)bytes > a->budget) {
		a->refused++;
		return -ENOSPC;
	}
	a->charged += bytes;
	return 0;
}

static void account_uncharge(void *arg, size_t bytes)
{
	struct account *a = arg;

	a->charged -= bytes;
}

static const struct pyheap_lru_ops charged_ops = {
	.hold = val_hold,
	.release = val_release,
	.charge = account_charge,
	.uncharge = account_uncharge,
};

/* Freed after the maps of the test, which charge it until destroyed. */
static struct account *account_new(struct kunit *test)
{
	struct account *a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, a);
	a->budget = LONG_MAX;
	return a;
}

static struct pyheap_lru *lru_new_charged(struct kunit *test, long maxsize,
					  struct account *a)
{
	struct pyheap_lru *lru;
	int err;

	lru = pyheap_lru_create_charged(maxsize, false, &charged_ops, a);
	KUNIT_ASSERT_FALSE(test, IS_ERR(lru));
	err = kunit_add_action_or_reset(test, lru_destroy_action, lru);
	KUNIT_ASSERT_EQ(test, err, 0);
	return lru;
}

/* Keys 0..n-1 are there, with their values; n..2n-1 are not. */
static void expect_keys(struct kunit *test, struct pyheap_lru *lru, int lo,
			int n)
{
	struct pyheap_lru_key k;
	void *p;
	int i;

	for (i = lo; i < lo + n; i++) {
		k = ikey(&i);
		if (pyheap_lru_peek(lru, &k, &p)) {
			KUNIT_FAIL(test, "key %d of %d..%d missing", i, lo,
				   lo + n - 1);
			return;
		}
		KUNIT_EXPECT_EQ(test, ((struct val *)p)->n, i);
		val_release(p);
	}
	for (i = lo + n; i < lo + 2 * n; i++) {
		k = ikey(&i);
		KUNIT_EXPECT_EQ(test, pyheap_lru_peek(lru, &k, &p), -ENOENT);
	}
}

/*
 * The table starts as the inline chain head, doubles as a set would take
 * the load past 1, and shrinks once a delete leaves it below a quarter,
 * back to the inline head when the map is empty.
 */
static void lru_table_grows_and_shrinks(struct kunit *test)
{
	struct pyheap_lru *lru = lru_new(test, PYHEAP_LRU_UNBOUNDED, false);
	struct pyheap_lru_key k;
	u32 chains, most = 0;
	int i;

	KUNIT_EXPECT_EQ(test, pyheap_lru_chains(lru), 1U);
	for (i = 0; i < 1000; i++) {
		put_n(test, lru, i);
		chains = pyheap_lru_chains(lru);
		/* the smallest power of two that holds i + 1 entries */
		KUNIT_EXPECT_EQ(test, chains,
				(u32)roundup_pow_of_two(i + 1));
	}
	most = pyheap_lru_chains(lru);
	KUNIT_EXPECT_EQ(test, most, 1024U);
	expect_keys(test, lru, 0, 1000);
	for (i = 999; i >= 0; i--) {
		k = ikey(&i);
		KUNIT_EXPECT_EQ(test, pyheap_lru_delete(lru, &k), 0);
		chains = pyheap_lru_chains(lru);
		KUNIT_EXPECT_TRUE_MSG(test, chains == 1 || chains <= 4U * i,
				      "%u chains for %d entries", chains, i);
		KUNIT_EXPECT_LE(test, chains, most);
		most = chains;
		if (!(i % 100))
			expect_keys(test, lru, 0, i);
	}
	KUNIT_EXPECT_EQ(test, pyheap_lru_chains(lru), 1U);
	KUNIT_EXPECT_EQ(test, atomic_read(&vals_live), 0);

	/* cache_clear() drops the table at once */
	for (i = 0; i < 100; i++)
		put_n(test, lru, i);
	KUNIT_EXPECT_EQ(test, pyheap_lru_chains(lru), 128U);
	pyheap_lru_clear(lru);
	KUNIT_EXPECT_EQ(test, pyheap_lru_chains(lru), 1U);
	expect_info(test, lru, 0, 0, 0);
	put_n(test, lru, 7);
	KUNIT_EXPECT_EQ(test, get_n(lru, 7), 7);
}

/* A bounded map's table never outgrows maxsize; maxsize 1 never grows. */
static void lru_bounded_table_stays_small(struct kunit *test)
{
	struct pyheap_lru *one = lru_new(test, 1, false);
	struct pyheap_lru *lru = lru_new(test, 1000, false);
	struct pyheap_lru_info info;
	int i;

	for (i = 0; i < 5000; i++) {
		put_n(test, one, i);
		put_n(test, lru, i);
	}
	KUNIT_EXPECT_EQ(test, pyheap_lru_chains(one), 1U);
	KUNIT_EXPECT_EQ(test, pyheap_lru_chains(lru), 1024U);
	expect_keys(test, lru, 4000, 1000);
	KUNIT_EXPECT_EQ(test, get_n(one, 4999), 4999);
	KUNIT_EXPECT_EQ(test, get_n(one, 4998), -1);
	pyheap_lru_info(lru, &info);
	KUNIT_EXPECT_EQ(test, info.evictions, 4000ULL);
	KUNIT_EXPECT_EQ(test, info.currsize, 1000ULL);
	/* the oldest goes first, whichever chain it is on */
	for (i = 4000; i < 4010; i++)
		KUNIT_EXPECT_EQ(test, get_n(lru, i), i);
	put_n(test, lru, 5000);
	KUNIT_EXPECT_EQ(test, get_n(lru, 4010), -1);
	KUNIT_EXPECT_EQ(test, get_n(lru, 4000), 4000);
}

/* Many entries, many keys per chain position, every one found. */
static void lru_many_entries(struct kunit *test)
{
	struct pyheap_lru *lru = lru_new(test, PYHEAP_LRU_UNBOUNDED, false);
	struct pyheap_lru_key k;
	int i;

	for (i = 0; i < 50000; i++)
		put_n(test, lru, i);
	KUNIT_EXPECT_EQ(test, pyheap_lru_chains(lru), 65536U);
	expect_keys(test, lru, 0, 50000);
	/* delete every other one: the rest stay reachable */
	for (i = 0; i < 50000; i += 2) {
		k = ikey(&i);
		KUNIT_EXPECT_EQ(test, pyheap_lru_delete(lru, &k), 0);
	}
	for (i = 0; i < 50000; i++)
		KUNIT_EXPECT_EQ(test, get_n(lru, i), i & 1 ? i : -1);
	expect_info(test, lru, 25000, 25000, 25000);
	KUNIT_EXPECT_EQ(test, atomic_read(&vals_live), 25000);
}

/*
 * What a charged map charges: its struct at creation, each entry at its
 * slab size, and its table; all of it is uncharged again.
 */
static void lru_charges_what_it_allocates(struct kunit *test)
{
	struct account a = { .budget = LONG_MAX };
	struct pyheap_lru_entry *entry;
	struct pyheap_lru *lru;
	struct pyheap_lru_key k;
	long base, per_entry;
	void *p;
	u32 chains;
	int i;

	lru = pyheap_lru_create_charged(PYHEAP_LRU_UNBOUNDED, false,
					&charged_ops, &a);
	KUNIT_ASSERT_FALSE(test, IS_ERR(lru));
	base = a.charged;
	KUNIT_EXPECT_GT(test, base, 0L);
	put_n(test, lru, 0);
	per_entry = a.charged - base;
	i = 0;
	k = ikey(&i);
	KUNIT_ASSERT_EQ(test, pyheap_lru_peek_many(lru, &k, 1, &p, &entry,
						   false), 1);
	KUNIT_EXPECT_EQ(test, per_entry, (long)ksize(entry));
	for (i = 1; i < 300; i++) {
		put_n(test, lru, i);
		chains = pyheap_lru_chains(lru);
		KUNIT_EXPECT_EQ(test, a.charged,
				base + (i + 1) * per_entry +
				(chains > 1 ? chains * (long)sizeof(void *) :
				 0));
	}
	/* replacing a value charges nothing more for long */
	put_n(test, lru, 5);
	KUNIT_EXPECT_EQ(test, a.charged, base + 300 * per_entry +
			512 * (long)sizeof(void *));
	pyheap_lru_clear(lru);
	KUNIT_EXPECT_EQ(test, a.charged, base);
	pyheap_lru_destroy(lru);
	KUNIT_EXPECT_EQ(test, a.charged, 0L);
	KUNIT_EXPECT_EQ(test, atomic_read(&vals_live), 0);

	/* a map whose struct does not fit is not made */
	a.budget = 16;
	lru = pyheap_lru_create_charged(1, false, &charged_ops, &a);
	KUNIT_EXPECT_EQ(test, PTR_ERR(lru), -ENOSPC);
	KUNIT_EXPECT_EQ(test, a.charged, 0L);
	/* charge and uncharge come together */
	lru = pyheap_lru_create_charged(1, false, &(struct pyheap_lru_ops){
		.release = val_release, .charge = account_charge }, &a);
	KUNIT_EXPECT_EQ(test, PTR_ERR(lru), -EINVAL);
}

/* The state a failed call must leave untouched. */
struct lru_state {
	struct pyheap_lru_info info;
	u32 chains;
	long charged;
	int live;
};

static void lru_state(struct pyheap_lru *lru, struct account *a,
		      struct lru_state *s)
{
	memset(s, 0, sizeof(*s));	/* memcmp() sees the padding */
	pyheap_lru_info(lru, &s->info);
	s->chains = pyheap_lru_chains(lru);
	s->charged = a->charged;
	s->live = atomic_read(&vals_live);
}

/*
 * A refused charge: for the entry, the set fails with the charge's errno
 * and nothing changes; for a bigger table, the set succeeds and the
 * table stays as it was, to grow on a later set once the charge fits.
 */
static void lru_refused_charge_leaves_map(struct kunit *test)
{
	struct account *a = account_new(test);
	struct pyheap_lru *lru = lru_new_charged(test, PYHEAP_LRU_UNBOUNDED, a);
	struct lru_state before, after;
	struct pyheap_lru_key k;
	long per_entry;
	struct val *v;
	int n = 4;

	put_n(test, lru, 0);
	per_entry = a->charged;
	put_n(test, lru, 1);
	put_n(test, lru, 2);
	put_n(test, lru, 3);
	per_entry = (a->charged - per_entry - 4 * sizeof(void *)) / 3;
	KUNIT_ASSERT_EQ(test, pyheap_lru_chains(lru), 4U);

	/* no room for the entry */
	a->budget = a->charged + per_entry - 1;
	v = val_new(n);
	KUNIT_ASSERT_NOT_NULL(test, v);
	lru_state(lru, a, &before);
	k = ikey(&n);
	KUNIT_EXPECT_EQ(test, pyheap_lru_set(lru, &k, v), -ENOSPC);
	lru_state(lru, a, &after);
	KUNIT_EXPECT_EQ(test, memcmp(&before, &after, sizeof(before)), 0);
	expect_keys(test, lru, 0, 4);

	/* room for the entry, not for 8 chains: the set works, no growth */
	a->budget = a->charged + per_entry;
	KUNIT_EXPECT_EQ(test, pyheap_lru_set(lru, &k, v), 0);
	KUNIT_EXPECT_EQ(test, pyheap_lru_chains(lru), 4U);
	KUNIT_EXPECT_GE(test, a->refused, 2U);
	expect_keys(test, lru, 0, 5);

	/* the next set that may grow the table does */
	a->budget = LONG_MAX;
	put_n(test, lru, 5);
	KUNIT_EXPECT_EQ(test, pyheap_lru_chains(lru), 8U);
	expect_keys(test, lru, 0, 6);
}

/*
 * Fail each allocation of a set that grows the table, and of a delete
 * that shrinks it, in turn: a failed entry fails the set and changes
 * nothing; a failed table changes nothing but the entry's arrival.
 */
static void lru_alloc_failure_at_every_point(struct kunit *test)
{
	struct account *a = account_new(test);
	struct pyheap_lru *lru = lru_new_charged(test, PYHEAP_LRU_UNBOUNDED, a);
	struct lru_state before, after;
	struct pyheap_lru_key k;
	unsigned int nth, pending;
	struct val *v;
	int i, n, err;

	for (i = 0; i < 64; i++)
		put_n(test, lru, i);
	KUNIT_ASSERT_EQ(test, pyheap_lru_chains(lru), 64U);

	/* the 65th entry needs 128 chains: entry first, then the table */
	n = 64;
	k = ikey(&n);
	for (nth = 1; nth < 10; nth++) {
		v = val_new(n);
		KUNIT_ASSERT_NOT_NULL(test, v);
		lru_state(lru, a, &before);
		pyheap_lru_fail_nth(lru, nth);
		err = pyheap_lru_set(lru, &k, v);
		pending = pyheap_lru_fail_nth(lru, 0);
		lru_state(lru, a, &after);
		if (nth == 1) {
			KUNIT_EXPECT_EQ(test, err, -ENOMEM);
			val_release(v);
			KUNIT_EXPECT_EQ(test, memcmp(&before, &after,
						     sizeof(before)), 0);
			expect_keys(test, lru, 0, 64);
			continue;
		}
		KUNIT_EXPECT_EQ(test, err, 0);
		expect_keys(test, lru, 0, 65);
		if (pending) {		/* nothing failed: the table grew */
			KUNIT_EXPECT_EQ(test, after.chains, 128U);
			break;
		}
		/* the table failed: the set went on without it */
		KUNIT_EXPECT_EQ(test, after.chains, 64U);
		KUNIT_EXPECT_EQ(test, pyheap_lru_delete(lru, &k), 0);
		KUNIT_EXPECT_EQ(test, pyheap_lru_chains(lru), 64U);
	}
	KUNIT_EXPECT_EQ(test, nth, 3U);
	KUNIT_EXPECT_EQ(test, pyheap_lru_delete(lru, &k), 0);

	/* a delete that would shrink 128 chains to 64, its table failing */
	for (i = 63; i >= 32; i--) {
		k = ikey(&i);
		KUNIT_EXPECT_EQ(test, pyheap_lru_delete(lru, &k), 0);
	}
	KUNIT_EXPECT_EQ(test, pyheap_lru_chains(lru), 128U);
	i = 31;
	k = ikey(&i);
	lru_state(lru, a, &before);
	pyheap_lru_fail_nth(lru, 1);
	KUNIT_EXPECT_EQ(test, pyheap_lru_delete(lru, &k), 0);
	KUNIT_EXPECT_EQ(test, pyheap_lru_fail_nth(lru, 0), 0U);
	KUNIT_EXPECT_EQ(test, pyheap_lru_chains(lru), 128U);
	expect_keys(test, lru, 0, 31);
	i = 30;
	KUNIT_EXPECT_EQ(test, pyheap_lru_delete(lru, &k), 0);
	KUNIT_EXPECT_EQ(test, pyheap_lru_chains(lru), 64U);
	expect_keys(test, lru, 0, 30);
	KUNIT_EXPECT_EQ(test, atomic_read(&vals_live), 30);
}

/* The shrinker's eviction: least recent first, counted, no further. */
static void lru_evict_takes_least_recent(struct kunit *test)
{
	struct pyheap_lru *lru = lru_new(test, PYHEAP_LRU_UNBOUNDED, false);
	struct pyheap_lru_info info;
	int i;

	for (i = 0; i < 10; i++)
		put_n(test, lru, i);
	/* 0 becomes the most recent */
	KUNIT_EXPECT_EQ(test, get_n(lru, 0), 0);
	KUNIT_EXPECT_EQ(test, pyheap_lru_evict(lru, 3), 3UL);
	for (i = 1; i <= 3; i++)
		KUNIT_EXPECT_EQ(test, get_n(lru, i), -1);
	KUNIT_EXPECT_EQ(test, get_n(lru, 0), 0);
	KUNIT_EXPECT_EQ(test, get_n(lru, 4), 4);
	KUNIT_EXPECT_EQ(test, atomic_read(&vals_live), 7);
	pyheap_lru_info(lru, &info);
	KUNIT_EXPECT_EQ(test, info.evictions, 3ULL);
	KUNIT_EXPECT_EQ(test, info.currsize, 7ULL);
	KUNIT_EXPECT_EQ(test, pyheap_lru_evict(lru, 0), 0UL);
	KUNIT_EXPECT_EQ(test, pyheap_lru_evict(lru, 100), 7UL);
	KUNIT_EXPECT_EQ(test, pyheap_lru_evict(lru, 100), 0UL);
	KUNIT_EXPECT_EQ(test, atomic_read(&vals_live), 0);
	pyheap_lru_info(lru, &info);
	KUNIT_EXPECT_EQ(test, info.evictions, 10ULL);
	KUNIT_EXPECT_EQ(test, info.currsize, 0ULL);
	/* the map works on: a set after evictions finds its chain */
	put_n(test, lru, 42);
	KUNIT_EXPECT_EQ(test, get_n(lru, 42), 42);
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
	KUNIT_CASE(lru_table_grows_and_shrinks),
	KUNIT_CASE(lru_bounded_table_stays_small),
	KUNIT_CASE_SLOW(lru_many_entries),
	KUNIT_CASE(lru_charges_what_it_allocates),
	KUNIT_CASE(lru_refused_charge_leaves_map),
	KUNIT_CASE(lru_alloc_failure_at_every_point),
	KUNIT_CASE(lru_evict_takes_least_recent),
	{}
};

static struct kunit_suite lru_suite = {
	.name = "pyheap_lru",
	.init = lru_test_init,
	.test_cases = lru_cases,
};

kunit_test_suite(lru_suite);
