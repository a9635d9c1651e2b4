// SPDX-License-Identifier: GPL-2.0
/*
 * pyheap_bench: in-kernel benchmarks of pyheap against its kernel peers
 *
 * Loaded by tools/bench/run inside a VM; prints one "bench" line per case
 * to the kernel log and fails its own load (-ECANCELED) so that nothing
 * stays behind.  Each case runs interleaved rounds (pyheap, then the
 * peer), and reports the median of the per-round ratios and their spread:
 *
 *   bench <case>: pyheap <ns> ns/op, <peer> <ns> ns/op, ratio <r> (<lo>..<hi>)
 *
 * With mode=lru_1m it instead builds two maps of @entries entries and
 * stays loaded: each write of "bare" or "hold" to its lru_round parameter
 * times one round of @iters hits ("batch" and "batch_hold": the same hits
 * 64 to a call, as LRU_GETV makes them), which reading the parameter reports in
 * picoseconds per hit, so that bench.py can interleave the rounds with a
 * functools.lru_cache in the same VM (bench lru_hit_1m).
 *
 * Build: make -C <kernel> M=$PWD CONFIG_PYHEAP_BENCH=m
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jhash.h>
#include <linux/kref.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/refcount.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/vmalloc.h>

#include <pyheap/gc.h>
#include <pyheap/heap.h>
#include <pyheap/lru.h>
#include <pyheap/obj.h>
#include <pyheap/obmalloc.h>

static unsigned int rounds = 15;
module_param(rounds, uint, 0444);
MODULE_PARM_DESC(rounds, "Interleaved rounds per case (default 15)");

static unsigned int iters = 100000;
module_param(iters, uint, 0444);
MODULE_PARM_DESC(iters, "Operations per round (default 100000)");

#define MAX_ROUNDS	64

static unsigned int nr_cases;	/* reported so far */

struct bench_case {
	const char *name;
	const char *peer;
	u64 (*run_pyheap)(void *ctx);	/* returns ns for all ops */
	u64 (*run_peer)(void *ctx);
	void *ctx;
	unsigned int ops;		/* per run; 0: iters */
	u64 *mine, *theirs;		/* if set: each run's ns, sorted */
};

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* Ratios in thousandths, so that the kernel needs no floating point. */
static void bench_report(const struct bench_case *bc)
{
	u64 mine[MAX_ROUNDS], theirs[MAX_ROUNDS], ratio[MAX_ROUNDS];
	unsigned int i, n = min_t(unsigned int, rounds, MAX_ROUNDS);
	unsigned int ops = bc->ops ?: iters;

	bc->run_pyheap(bc->ctx);	/* warm up */
	bc->run_peer(bc->ctx);
	for (i = 0; i < n; i++) {
		mine[i] = bc->run_pyheap(bc->ctx);
		theirs[i] = bc->run_peer(bc->ctx);
		ratio[i] = div64_u64(mine[i] * 1000, max_t(u64, theirs[i], 1));
		cond_resched();
	}
	sort(mine, n, sizeof(u64), cmp_u64, NULL);
	sort(theirs, n, sizeof(u64), cmp_u64, NULL);
	sort(ratio, n, sizeof(u64), cmp_u64, NULL);
	pr_info("bench %s: pyheap %llu.%03llu ns/op, %s %llu.%03llu ns/op, ratio %llu.%03llu (%llu.%03llu..%llu.%03llu)\n",
		bc->name,
		div_u64(mine[n / 2], ops),
		div_u64(mine[n / 2] * 1000, ops) % 1000,
		bc->peer, div_u64(theirs[n / 2], ops),
		div_u64(theirs[n / 2] * 1000, ops) % 1000,
		ratio[n / 2] / 1000, ratio[n / 2] % 1000,
		ratio[0] / 1000, ratio[0] % 1000,
		ratio[n - 1] / 1000, ratio[n - 1] % 1000);
	if (bc->mine) {
		memcpy(bc->mine, mine, n * sizeof(u64));
		memcpy(bc->theirs, theirs, n * sizeof(u64));
	}
	nr_cases++;
}

/* LRU hit against a bare rhashtable lookup of the same 8-byte keys. */

#define NKEYS	1024

struct rh_entry {
	struct rhash_head node;
	u64 key;
	u64 holds;	/* what the LRU's hold callback counts */
};

static const struct rhashtable_params rh_params = {
	.head_offset = offsetof(struct rh_entry, node),
	.key_offset = offsetof(struct rh_entry, key),
	.key_len = sizeof(u64),
};

struct lru_ctx {
	struct pyheap_lru *lru;		/* values need no hold, as the peer's */
	struct pyheap_lru *held;	/* a hold callback on every hit */
	struct rhashtable rh;
	struct rh_entry *entries;
	struct lru_batch *batch;
};

/* As a kref_get() would, without the atomic: the map's lock is held. */
static void count_hold(void *v)
{
	((struct rh_entry *)v)->holds++;
}

static void nop_release(void *v)
{
}

static const struct pyheap_lru_ops bare_ops = {
	.release = nop_release,
};

static const struct pyheap_lru_ops held_ops = {
	.hold = count_hold,
	.release = nop_release,
};

static u64 lru_hit_loop(struct pyheap_lru *lru)
{
	struct pyheap_lru_key k = { .len = sizeof(u64) };
	u64 key, t = ktime_get_ns();
	unsigned int i;
	void *v;

	for (i = 0; i < iters; i++) {
		key = i % NKEYS;
		k.data = &key;
		if (!pyheap_lru_get(lru, &k, &v))
			barrier_data(v);
	}
	return ktime_get_ns() - t;
}

static u64 lru_hits(void *p)
{
	return lru_hit_loop(((struct lru_ctx *)p)->lru);
}

static u64 lru_held_hits(void *p)
{
	return lru_hit_loop(((struct lru_ctx *)p)->held);
}

/* The same hits, 64 to a call: peek all, then touch all. */
#define NBATCH	64U

struct lru_batch {
	struct pyheap_lru_entry *entries[NBATCH];
	struct pyheap_lru_key k[NBATCH];
	void *values[NBATCH];
	u64 keys[NBATCH];
};

static u64 lru_batch_hits(void *p)
{
	struct lru_ctx *c = p;
	struct lru_batch *b = c->batch;
	u64 t = ktime_get_ns();
	unsigned int i, j, n;

	for (j = 0; j < NBATCH; j++) {
		b->k[j].type = 0;
		b->k[j].len = sizeof(u64);
		b->k[j].data = &b->keys[j];
	}
	for (i = 0; i < iters; i += n) {
		n = min(NBATCH, iters - i);
		for (j = 0; j < n; j++)
			b->keys[j] = (i + j) % NKEYS;
		if (pyheap_lru_peek_many(c->lru, b->k, n, b->values,
					 b->entries, false) >= 0)
			pyheap_lru_touch_many(c->lru, b->entries, n);
	}
	return ktime_get_ns() - t;
}

static u64 rh_lookups(void *p)
{
	struct lru_ctx *c = p;
	u64 key, t = ktime_get_ns();
	struct rh_entry *e;
	unsigned int i;

	for (i = 0; i < iters; i++) {
		key = i % NKEYS;
		rcu_read_lock();
		e = rhashtable_lookup(&c->rh, &key, rh_params);
		if (e)
			barrier_data(e);
		rcu_read_unlock();
	}
	return ktime_get_ns() - t;
}

static int lru_ctx_init(struct lru_ctx *c)
{
	struct pyheap_lru_key k = { .len = sizeof(u64) };
	u64 i;
	int err;

	c->entries = NULL;
	c->batch = NULL;
	c->lru = pyheap_lru_create(NKEYS, false, &bare_ops);
	if (IS_ERR(c->lru))
		return PTR_ERR(c->lru);
	c->held = pyheap_lru_create(NKEYS, false, &held_ops);
	err = PTR_ERR_OR_ZERO(c->held);
	if (err)
		goto err_lru;
	err = rhashtable_init(&c->rh, &rh_params);
	if (err)
		goto err_held;
	c->entries = kcalloc(NKEYS, sizeof(*c->entries), GFP_KERNEL);
	c->batch = kmalloc(sizeof(*c->batch), GFP_KERNEL);
	err = -ENOMEM;
	if (!c->entries || !c->batch)
		goto err_entries;
	for (i = 0; i < NKEYS; i++) {
		k.data = &i;
		c->entries[i].key = i;
		err = pyheap_lru_set(c->lru, &k, &c->entries[i]);
		if (!err)
			err = pyheap_lru_set(c->held, &k, &c->entries[i]);
		if (!err)
			err = rhashtable_insert_fast(&c->rh,
						     &c->entries[i].node,
						     rh_params);
		if (err)
			goto err_entries;
	}
	return 0;

err_entries:
	rhashtable_destroy(&c->rh);
err_held:
	pyheap_lru_destroy(c->held);
err_lru:
	pyheap_lru_destroy(c->lru);
	kfree(c->batch);
	kfree(c->entries);
	return err;
}

static void lru_ctx_exit(struct lru_ctx *c)
{
	rhashtable_destroy(&c->rh);
	pyheap_lru_destroy(c->held);
	pyheap_lru_destroy(c->lru);
	kfree(c->batch);
	kfree(c->entries);
}

/* obmalloc alloc+free pairs against kmem_cache and kmalloc, 64 bytes. */

struct alloc_ctx {
	struct mutex lock;	/* the allocator's owner lock */
	struct pyheap_obmalloc *pa;
	struct kmem_cache *cache;
};

/*
 * Alloc+free pairs of 64 bytes.  In the steady state another block of the
 * class stays live, as in any heap at work; in the churn case the pool
 * empties on every free and goes back to its arena, the allocator's worst
 * case (CPython's pymalloc does the same).
 */
static u64 obmalloc_run(struct alloc_ctx *c, bool churn)
{
	u64 t = ktime_get_ns();
	void *b, *live = NULL;
	unsigned int i;

	mutex_lock(&c->lock);
	if (!churn)
		live = pyheap_obmalloc_alloc(c->pa, 64);
	for (i = 0; i < iters; i++) {
		b = pyheap_obmalloc_alloc(c->pa, 64);
		barrier_data(b);
		pyheap_obmalloc_free(c->pa, b, 64);
	}
	pyheap_obmalloc_free(c->pa, live, 64);
	mutex_unlock(&c->lock);
	return ktime_get_ns() - t;
}

static u64 obmalloc_pairs(void *p)
{
	return obmalloc_run(p, false);
}

static u64 obmalloc_churn_pairs(void *p)
{
	return obmalloc_run(p, true);
}

static u64 kmem_cache_pairs(void *p)
{
	struct alloc_ctx *c = p;
	u64 t = ktime_get_ns();
	unsigned int i;
	void *b;

	for (i = 0; i < iters; i++) {
		b = kmem_cache_alloc(c->cache, GFP_KERNEL);
		barrier_data(b);
		kmem_cache_free(c->cache, b);
	}
	return ktime_get_ns() - t;
}

static u64 kmalloc_pairs(void *p)
{
	u64 t = ktime_get_ns();
	unsigned int i;
	void *b;

	for (i = 0; i < iters; i++) {
		b = kmalloc(64, GFP_KERNEL);
		barrier_data(b);
		kfree(b);
	}
	return ktime_get_ns() - t;
}

/* Object get+put pairs (under the heap lock) against refcount_t and kref. */

struct ref_ctx {
	struct pyheap_heap *heap;
	struct pyheap_obj *obj;
	refcount_t rc;
	struct kref kref;
};

static u64 obj_ref_pairs(void *p)
{
	struct ref_ctx *c = p;
	u64 t = ktime_get_ns();
	unsigned int i;

	pyheap_heap_lock(c->heap);
	for (i = 0; i < iters; i++) {
		pyheap_obj_get(c->obj);
		pyheap_obj_put(c->heap, c->obj);
	}
	pyheap_heap_unlock(c->heap);
	return ktime_get_ns() - t;
}

static u64 refcount_pairs(void *p)
{
	struct ref_ctx *c = p;
	u64 t = ktime_get_ns();
	unsigned int i;

	for (i = 0; i < iters; i++) {
		refcount_inc(&c->rc);
		if (refcount_dec_and_test(&c->rc))
			pr_warn("refcount fell to 0\n");
	}
	return ktime_get_ns() - t;
}

static void kref_nop(struct kref *k)
{
}

static u64 kref_pairs(void *p)
{
	struct ref_ctx *c = p;
	u64 t = ktime_get_ns();
	unsigned int i;

	for (i = 0; i < iters; i++) {
		kref_get(&c->kref);
		kref_put(&c->kref, kref_nop);
	}
	return ktime_get_ns() - t;
}

/*
 * The map of a million entries, hit in bench.py's order: the 65536 keys
 * (i * 7919) % entries, over and over, as its functools.lru_cache peer
 * is.  "bare" values are never touched; "hold" values are 8-byte counts
 * the hold callback increments, the touch a value record costs the
 * ioctl path and an incref of the result costs lru_cache.
 */
#define BIG_KEYS	65536

static char *mode = "";
module_param(mode, charp, 0444);
MODULE_PARM_DESC(mode, "lru_1m: build the big maps and stay loaded for lru_round (default: run every case once)");

static unsigned int entries = 1U << 20;
module_param(entries, uint, 0444);
MODULE_PARM_DESC(entries, "Entries of the big maps (default 1048576)");

static struct {
	struct pyheap_lru	*bare, *held;
	u64			*keys;		/* BIG_KEYS, in hit order */
	u64			*vals;		/* @entries counts */
	u64			last_ps;	/* the last round, per hit */
	struct lru_batch	*batch;		/* for the batch rounds */
} big;

static void big_hold(void *v)
{
	(*(u64 *)v)++;
}

static const struct pyheap_lru_ops big_bare_ops = {
	.release = nop_release,
};

static const struct pyheap_lru_ops big_held_ops = {
	.hold = big_hold,
	.release = nop_release,
};

static u64 big_hits(struct pyheap_lru *lru)
{
	struct pyheap_lru_key k = { .len = sizeof(u64) };
	u64 t = ktime_get_ns();
	unsigned int i;
	void *v;

	for (i = 0; i < iters; i++) {
		k.data = &big.keys[i % BIG_KEYS];
		if (!pyheap_lru_get(lru, &k, &v))
			barrier_data(v);
	}
	return ktime_get_ns() - t;
}

/*
 * The same hits NBATCH to a call, as LRU_GETV makes them: peek them all
 * under one lock, then touch them all; holding each value if @hold.
 */
static u64 big_batch_hits(struct pyheap_lru *lru, bool hold)
{
	struct lru_batch *b = big.batch;
	unsigned int i, j, n;
	u64 t;

	for (j = 0; j < NBATCH; j++) {
		b->k[j].type = 0;
		b->k[j].len = sizeof(u64);
	}
	t = ktime_get_ns();
	for (i = 0; i < iters; i += n) {
		n = min(NBATCH, iters - i);
		for (j = 0; j < n; j++)
			b->k[j].data = &big.keys[(i + j) % BIG_KEYS];
		if (pyheap_lru_peek_many(lru, b->k, n, b->values, b->entries,
					 hold) >= 0)
			pyheap_lru_touch_many(lru, b->entries, n);
	}
	return ktime_get_ns() - t;
}

static int lru_round_set(const char *val, const struct kernel_param *kp)
{
	struct pyheap_lru *lru;
	bool batch = false;

	if (sysfs_streq(val, "bare") || sysfs_streq(val, "batch"))
		lru = big.bare;
	else if (sysfs_streq(val, "hold") || sysfs_streq(val, "batch_hold"))
		lru = big.held;
	else
		return -EINVAL;
	if (!lru || !iters)
		return -ENODEV;
	batch = !strncmp(val, "batch", 5);
	big.last_ps = div_u64((batch ? big_batch_hits(lru, lru == big.held) :
					big_hits(lru)) * 1000, iters);
	return 0;
}

static int lru_round_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%llu\n", big.last_ps);
}

static const struct kernel_param_ops lru_round_ops = {
	.set = lru_round_set,
	.get = lru_round_get,
};

module_param_cb(lru_round, &lru_round_ops, NULL, 0644);
MODULE_PARM_DESC(lru_round, "Write bare, hold, batch or batch_hold: time one round of hits; read: picoseconds per hit");

static void big_destroy(void)
{
	if (!IS_ERR_OR_NULL(big.held))
		pyheap_lru_destroy(big.held);
	if (!IS_ERR_OR_NULL(big.bare))
		pyheap_lru_destroy(big.bare);
	kvfree(big.vals);
	kvfree(big.keys);
	kfree(big.batch);
	big.batch = NULL;
	big.bare = NULL;
	big.held = NULL;
}

static int big_build(void)
{
	struct pyheap_lru_key k = { .len = sizeof(u64) };
	u64 i;
	int err = -ENOMEM;

	if (!entries)
		return -EINVAL;
	big.keys = kvmalloc_array(BIG_KEYS, sizeof(u64), GFP_KERNEL);
	big.vals = kvcalloc(entries, sizeof(u64), GFP_KERNEL);
	big.batch = kmalloc(sizeof(*big.batch), GFP_KERNEL);
	if (!big.keys || !big.vals || !big.batch)
		goto err;
	for (i = 0; i < BIG_KEYS; i++)
		big.keys[i] = i * 7919 % entries;
	big.bare = pyheap_lru_create(entries, false, &big_bare_ops);
	big.held = pyheap_lru_create(entries, false, &big_held_ops);
	err = PTR_ERR_OR_ZERO(big.bare) ?: PTR_ERR_OR_ZERO(big.held);
	if (err)
		goto err;
	for (i = 0; i < entries && !err; i++) {
		k.data = &i;
		err = pyheap_lru_set(big.bare, &k, &big.vals[i]) ?:
		      pyheap_lru_set(big.held, &k, &big.vals[i]);
		if (!(i % 4096))
			cond_resched();
	}
	if (err)
		goto err;
	return 0;

err:
	big_destroy();
	return err;
}

static void bench_lru(void)
{
	struct lru_ctx lc;
	struct bench_case bc = {
		.name = "lru_hit_1k", .peer = "rhashtable_lookup",
		.run_pyheap = lru_hits, .run_peer = rh_lookups, .ctx = &lc,
	};

	if (lru_ctx_init(&lc))
		return;
	bench_report(&bc);
	bc.name = "lru_hit_1k_hold";
	bc.run_pyheap = lru_held_hits;
	bench_report(&bc);
	bc.name = "lru_hit_1k_batch64";
	bc.run_pyheap = lru_batch_hits;
	bench_report(&bc);
	lru_ctx_exit(&lc);
}

static void bench_alloc(void)
{
	struct alloc_ctx ac;
	struct bench_case bc = {
		.name = "alloc_free_64", .run_pyheap = obmalloc_pairs,
		.ctx = &ac,
	};

	mutex_init(&ac.lock);
	ac.pa = pyheap_obmalloc_create(&ac.lock, PYHEAP_OBMALLOC_POOL);
	if (IS_ERR(ac.pa))
		return;
	ac.cache = kmem_cache_create("pyheap_bench64", 64, 8, 0, NULL);
	if (ac.cache) {
		bc.peer = "kmem_cache";
		bc.run_peer = kmem_cache_pairs;
		bench_report(&bc);
		bc.peer = "kmalloc";
		bc.run_peer = kmalloc_pairs;
		bench_report(&bc);
		bc.name = "alloc_free_64_churn";
		bc.run_pyheap = obmalloc_churn_pairs;
		bc.peer = "kmem_cache";
		bc.run_peer = kmem_cache_pairs;
		bench_report(&bc);
		kmem_cache_destroy(ac.cache);
	}
	mutex_lock(&ac.lock);
	pyheap_obmalloc_destroy(ac.pa);
	mutex_unlock(&ac.lock);
}

static struct pyheap_type bench_type = {
	.name = "bench",
};

static void bench_refs(void)
{
	struct ref_ctx rc;
	struct bench_case bc = {
		.name = "ref_pair", .run_pyheap = obj_ref_pairs, .ctx = &rc,
	};

	rc.heap = pyheap_heap_create(NULL);
	if (IS_ERR(rc.heap))
		return;
	pyheap_heap_lock(rc.heap);
	rc.obj = pyheap_obj_new(rc.heap, &bench_type,
				sizeof(struct pyheap_obj));
	pyheap_heap_unlock(rc.heap);
	refcount_set(&rc.rc, 1);
	kref_init(&rc.kref);
	if (!IS_ERR(rc.obj)) {
		bc.peer = "refcount_t";
		bc.run_peer = refcount_pairs;
		bench_report(&bc);
		bc.peer = "kref";
		bc.run_peer = kref_pairs;
		bench_report(&bc);
		pyheap_heap_lock(rc.heap);
		pyheap_obj_put(rc.heap, rc.obj);
		pyheap_heap_unlock(rc.heap);
	}
	pyheap_heap_destroy(rc.heap);
}

/*
 * Closing a heap of N small objects, a chain each holding the next, against
 * freeing as many objects of a kmem_cache and destroying it: the heap's
 * arenas go whole, without a visit to its objects, so its time should stay
 * flat from 1K to 1M objects where the cache's grows with N.  One op is
 * one close; building the heap or filling the cache is not timed.
 */
#define CLOSE_OBJ_SIZE	48

struct close_obj {
	struct pyheap_obj ob;
	struct pyheap_obj *next;
};

static void close_traverse(struct pyheap_obj *obj, pyheap_visit_t visit,
			   void *arg)
{
	struct close_obj *c = container_of(obj, struct close_obj, ob);

	if (c->next)
		visit(c->next, arg);
}

static void close_clear(struct pyheap_heap *heap, struct pyheap_obj *obj)
{
	struct close_obj *c = container_of(obj, struct close_obj, ob);
	struct pyheap_obj *next = c->next;

	c->next = NULL;
	pyheap_obj_put(heap, next);
}

static struct pyheap_type close_type = {
	.name = "bench_close",
	.traverse = close_traverse,
	.clear = close_clear,
};

/*
 * Building a million objects leaves the caches and the TLB cold for the
 * close that follows, and a thousand does not; every close starts after
 * a walk over this much memory, so that each size starts as cold and the
 * figures differ by the work alone.
 */
#define CLOSE_COLD_BYTES	(64UL << 20)

struct close_ctx {
	unsigned int n;
	bool reaped;		/* time the arenas' return as well */
	void **objs;		/* the peer's objects */
	u8 *cold;		/* CLOSE_COLD_BYTES to walk before each close */
};

static void close_chill(struct close_ctx *c)
{
	size_t i;

	for (i = 0; i < CLOSE_COLD_BYTES; i += L1_CACHE_BYTES)
		WRITE_ONCE(c->cold[i], c->cold[i] + 1);
}

static u64 heap_close_run(void *p)
{
	static const struct pyheap_limits limits = {
		.max_objects = 2U << 20, .max_bytes = 1ULL << 30,
		.max_handles = 16,
	};
	struct close_ctx *c = p;
	struct pyheap_obj *obj, *head = NULL;
	struct pyheap_heap *heap;
	unsigned int i;
	u64 t;

	heap = pyheap_heap_create(&limits);
	if (IS_ERR(heap))
		return 0;
	pyheap_heap_lock(heap);
	/* A collection in flight would be waited for, and timed. */
	pyheap_gc_disable(heap);
	for (i = 0; i < c->n; i++) {
		obj = pyheap_obj_new(heap, &close_type, CLOSE_OBJ_SIZE);
		if (IS_ERR(obj))
			break;
		container_of(obj, struct close_obj, ob)->next = head;
		head = obj;	/* the creation reference passes down */
	}
	pyheap_heap_unlock(heap);
	close_chill(c);
	t = ktime_get_ns();
	pyheap_heap_destroy(heap);
	if (c->reaped)
		pyheap_heap_reap_wait();
	t = ktime_get_ns() - t;
	/* The next round starts with every arena back. */
	pyheap_heap_reap_wait();
	return t;
}

static u64 kmem_cache_close_run(void *p)
{
	struct close_ctx *c = p;
	struct kmem_cache *cache;
	unsigned int i, n;
	u64 t;

	cache = kmem_cache_create("pyheap_bench_close", CLOSE_OBJ_SIZE, 8, 0,
				  NULL);
	if (!cache)
		return 0;
	for (n = 0; n < c->n; n++) {
		c->objs[n] = kmem_cache_alloc(cache, GFP_KERNEL_ACCOUNT);
		if (!c->objs[n])
			break;
	}
	close_chill(c);
	t = ktime_get_ns();
	for (i = 0; i < n; i++)
		kmem_cache_free(cache, c->objs[i]);
	kmem_cache_destroy(cache);
	return ktime_get_ns() - t;
}

/* a / b in thousandths */
static u64 ratio_milli(u64 a, u64 b)
{
	return div64_u64(a * 1000, max_t(u64, b, 1));
}

static void bench_close(void)
{
	static const unsigned int sizes[] = { 1000, 10000, 100000, 1000000 };
	static const char * const names[] = {
		"heap_close_1k", "heap_close_10k", "heap_close_100k",
		"heap_close_1m",
	};
	static const char * const reaped[] = {
		"heap_close_reaped_1k", "heap_close_reaped_10k",
		"heap_close_reaped_100k", "heap_close_reaped_1m",
	};
	static u64 mine[ARRAY_SIZE(sizes)][MAX_ROUNDS];
	static u64 theirs[ARRAY_SIZE(sizes)][MAX_ROUNDS];
	unsigned int i, last = 0, n = min_t(unsigned int, rounds, MAX_ROUNDS);
	struct close_ctx cc = {};
	struct bench_case bc = {
		.peer = "kmem_cache_close", .run_pyheap = heap_close_run,
		.run_peer = kmem_cache_close_run, .ctx = &cc, .ops = 1,
	};
	u64 r, lo, hi;

	if (pyheap_type_register(&close_type))
		return;
	cc.objs = kvmalloc_array(sizes[ARRAY_SIZE(sizes) - 1], sizeof(void *),
				 GFP_KERNEL);
	cc.cold = vzalloc(CLOSE_COLD_BYTES);
	if (!cc.objs || !cc.cold)
		goto out;
	/* The smoke run's few iterations stop at the smaller sizes. */
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		if (i && sizes[i] > 10ULL * iters)
			break;
		cc.n = sizes[i];
		bc.name = names[i];
		bc.mine = mine[i];
		bc.theirs = theirs[i];
		bench_report(&bc);
		last = i;
	}
	/*
	 * How much longer the largest close took than the 1K one, for each
	 * side, medians; the spread pairs the extremes of the rounds.
	 */
	r = ratio_milli(ratio_milli(mine[last][n / 2], mine[0][n / 2]),
			ratio_milli(theirs[last][n / 2], theirs[0][n / 2]));
	lo = ratio_milli(ratio_milli(mine[last][0], mine[0][n - 1]),
			 ratio_milli(theirs[last][n - 1], theirs[0][0]));
	hi = ratio_milli(ratio_milli(mine[last][n - 1], mine[0][0]),
			 ratio_milli(theirs[last][0], theirs[0][n - 1]));
	pr_info("bench heap_close_scaling_%s_1k: pyheap %llu.%03llu x, kmem_cache_close %llu.%03llu x, ratio %llu.%03llu (%llu.%03llu..%llu.%03llu)\n",
		names[last] + strlen("heap_close_"),
		div_u64(ratio_milli(mine[last][n / 2], mine[0][n / 2]), 1000),
		ratio_milli(mine[last][n / 2], mine[0][n / 2]) % 1000,
		div_u64(ratio_milli(theirs[last][n / 2], theirs[0][n / 2]),
			1000),
		ratio_milli(theirs[last][n / 2], theirs[0][n / 2]) % 1000,
		r / 1000, r % 1000, lo / 1000, lo % 1000, hi / 1000, hi % 1000);
	nr_cases++;
	/*
	 * The arenas go back from a work item after the close returns: the
	 * close and that work together, at the largest size.
	 */
	cc.n = sizes[last];
	cc.reaped = true;
	bc.name = reaped[last];
	bc.mine = mine[0];
	bc.theirs = theirs[0];
	bench_report(&bc);
out:
	vfree(cc.cold);
	kvfree(cc.objs);
	pyheap_type_unregister(&close_type);
}

static int __init pyheap_bench_init(void)
{
	int err;

	if (!strcmp(mode, "lru_1m"))
		return big_build();
	if (*mode)
		return -EINVAL;
	bench_lru();
	bench_alloc();
	err = pyheap_type_register(&bench_type);
	if (err)
		return err;
	bench_refs();
	pyheap_type_unregister(&bench_type);
	bench_close();
	pr_info("bench done: %u cases\n", nr_cases);
	return -ECANCELED;	/* nothing to keep loaded */
}

static void __exit pyheap_bench_exit(void)
{
	big_destroy();
}

module_init(pyheap_bench_init);
module_exit(pyheap_bench_exit);

MODULE_DESCRIPTION("pyheap benchmarks against SLUB, kmalloc, refcount_t, kref and rhashtable");
MODULE_LICENSE("GPL");
