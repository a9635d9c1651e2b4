// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite pyheap_pool: the obmalloc allocator, in each of its modes
 * (pool, debug, passthrough) where the behaviour is common, and per mode
 * where it differs.
 */

#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/prandom.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "../mod/internal.h"

struct pool_ctx {
	struct mutex lock;	/* the allocator's owner lock */
	struct pyheap_obmalloc *pa;
};

static void pool_ctx_destroy(void *arg)
{
	struct pool_ctx *ctx = arg;

	mutex_lock(&ctx->lock);
	pyheap_obmalloc_destroy(ctx->pa);
	mutex_unlock(&ctx->lock);
	mutex_destroy(&ctx->lock);
}

/*
 * A private allocator, destroyed when the test ends.  Cases take
 * ctx->lock around their work and use only KUNIT_EXPECT_* while holding
 * it, so that a failure never leaves the lock held for the cleanup.
 */
static struct pool_ctx *pool_ctx_new(struct kunit *test,
				     enum pyheap_obmalloc_mode mode)
{
	struct pool_ctx *ctx;
	int err;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	mutex_init(&ctx->lock);
	ctx->pa = pyheap_obmalloc_create(&ctx->lock, mode);
	KUNIT_ASSERT_FALSE(test, IS_ERR(ctx->pa));
	err = kunit_add_action_or_reset(test, pool_ctx_destroy, ctx);
	KUNIT_ASSERT_EQ(test, err, 0);
	return ctx;
}

static const enum pyheap_obmalloc_mode modes[] = {
	PYHEAP_OBMALLOC_POOL,
	PYHEAP_OBMALLOC_DEBUG,
	PYHEAP_OBMALLOC_PASSTHROUGH,
};

static void mode_desc(const enum pyheap_obmalloc_mode *mode, char *desc)
{
	static const char * const names[] = { "pool", "debug", "passthrough" };

	strscpy(desc, names[*mode], KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(mode, modes, mode_desc);

static enum pyheap_obmalloc_mode test_mode(struct kunit *test)
{
	return *(const enum pyheap_obmalloc_mode *)test->param_value;
}

/* The class whose statistics a request of @size shows up in, or -1. */
static int stat_class(enum pyheap_obmalloc_mode mode, size_t size)
{
	if (mode == PYHEAP_OBMALLOC_DEBUG)
		return pyheap_obmalloc_size_class(size + 16);
	return pyheap_obmalloc_size_class(size);
}

static u64 class_inuse(struct pool_ctx *ctx, int szidx)
{
	struct pyheap_class_stats cs;

	pyheap_obmalloc_class_stats(ctx->pa, szidx, &cs);
	return cs.blocks_inuse;
}

static struct pyheap_obmalloc_stats pool_stats(struct pool_ctx *ctx)
{
	struct pyheap_obmalloc_stats st;

	pyheap_obmalloc_stats(ctx->pa, &st);
	return st;
}

static u64 total_inuse(struct pool_ctx *ctx)
{
	u64 sum = 0;
	int i;

	for (i = 0; i < PYHEAP_NR_CLASSES; i++)
		sum += class_inuse(ctx, i);
	return sum;
}

/* CPython's identity: arena bytes are fully accounted for. */
static void expect_byte_identity(struct kunit *test, struct pool_ctx *ctx)
{
	struct pyheap_obmalloc_stats st = pool_stats(ctx);

	KUNIT_EXPECT_EQ(test, st.arena_bytes,
			st.pool_bytes_used + st.pool_bytes_free +
			st.pool_bytes_unused + st.pool_bytes_headers +
			st.pool_bytes_quantization + st.pool_bytes_alignment);
	if (!st.arena_fallbacks)
		KUNIT_EXPECT_EQ(test, st.arena_bytes, st.arenas_current *
				(1ULL << PYHEAP_ARENA_MAX_SHIFT));
}

static void size_class_maps_every_size(struct kunit *test)
{
	size_t size;

	KUNIT_EXPECT_EQ(test, pyheap_obmalloc_size_class(0), -1);
	KUNIT_EXPECT_EQ(test, pyheap_obmalloc_usable_size(0), 0UL);
	for (size = 1; size <= 600; size++) {
		int want = size <= 512 ? (size - 1) / 8 : -1;

		KUNIT_EXPECT_EQ_MSG(test, pyheap_obmalloc_size_class(size),
				    want, "size %zu", size);
		KUNIT_EXPECT_EQ_MSG(test, pyheap_obmalloc_usable_size(size),
				    size <= 512 ? round_up(size, 8) : size,
				    "size %zu", size);
	}
	KUNIT_EXPECT_EQ(test, PYHEAP_NR_CLASSES, 64);
}

/* Three blocks of every class: aligned, writable, owned and counted. */
static void alloc_every_class_is_aligned_and_counted(struct kunit *test)
{
	enum pyheap_obmalloc_mode mode = test_mode(test);
	struct pool_ctx *ctx = pool_ctx_new(test, mode);
	void *(*p)[3];
	size_t size;
	int i;

	p = kunit_kcalloc(test, PYHEAP_NR_CLASSES, sizeof(*p), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	mutex_lock(&ctx->lock);
	for (size = 8; size <= 512; size += 8) {
		int szidx = pyheap_obmalloc_size_class(size);
		int sc = stat_class(mode, size);
		u64 before = sc >= 0 ? class_inuse(ctx, sc) : 0;

		for (i = 0; i < 3; i++) {
			p[szidx][i] = pyheap_obmalloc_alloc(ctx->pa, size);
			if (!p[szidx][i])
				continue;
			memset(p[szidx][i], 0x5a, size);
			KUNIT_EXPECT_TRUE_MSG(test, IS_ALIGNED((unsigned long)
							       p[szidx][i], 8),
					      "size %zu", size);
			KUNIT_EXPECT_TRUE_MSG(test,
					      pyheap_obmalloc_owns(ctx->pa,
								   p[szidx][i]),
					      "size %zu", size);
		}
		if (sc >= 0)
			KUNIT_EXPECT_EQ_MSG(test, class_inuse(ctx, sc),
					    before + 3, "size %zu", size);
	}
	expect_byte_identity(test, ctx);
	for (size = 8; size <= 512; size += 8) {
		int szidx = pyheap_obmalloc_size_class(size);

		for (i = 0; i < 3; i++)
			pyheap_obmalloc_free(ctx->pa, p[szidx][i], size);
	}
	KUNIT_EXPECT_EQ(test, total_inuse(ctx), 0ULL);
	KUNIT_EXPECT_EQ(test, pool_stats(ctx).large_allocs, 0ULL);
	KUNIT_EXPECT_EQ(test, pool_stats(ctx).bad_frees, 0ULL);
	expect_byte_identity(test, ctx);
	mutex_unlock(&ctx->lock);
}

/* 0, 1, 8, 9, 511, 512, 513 and huge: where each goes and comes back. */
static void alloc_edge_sizes_go_where_documented(struct kunit *test)
{
	static const size_t sizes[] = { 0, 1, 8, 9, 511, 512, 513, 4096,
					1 << 20 };
	enum pyheap_obmalloc_mode mode = test_mode(test);
	struct pool_ctx *ctx = pool_ctx_new(test, mode);
	void *p[ARRAY_SIZE(sizes)];
	u64 large = 0, large_bytes = 0;
	int i;

	mutex_lock(&ctx->lock);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		size_t kbytes = mode == PYHEAP_OBMALLOC_DEBUG ?
				sizes[i] + 16 : sizes[i];

		p[i] = pyheap_obmalloc_alloc(ctx->pa, sizes[i]);
		KUNIT_EXPECT_NOT_NULL_MSG(test, p[i], "size %zu", sizes[i]);
		if (p[i])
			memset(p[i], 0xa5, sizes[i]);
		if (stat_class(mode, sizes[i]) < 0) {
			large++;
			large_bytes += kbytes;
		}
		KUNIT_EXPECT_EQ_MSG(test, pool_stats(ctx).large_allocs, large,
				    "size %zu", sizes[i]);
		KUNIT_EXPECT_EQ_MSG(test, pool_stats(ctx).large_bytes,
				    large_bytes, "size %zu", sizes[i]);
	}
	KUNIT_EXPECT_PTR_NE(test, p[0], p[1]);
	for (i = 0; i < ARRAY_SIZE(sizes); i++)
		pyheap_obmalloc_free(ctx->pa, p[i], sizes[i]);
	KUNIT_EXPECT_EQ(test, pool_stats(ctx).large_allocs, 0ULL);
	KUNIT_EXPECT_EQ(test, pool_stats(ctx).large_bytes, 0ULL);
	KUNIT_EXPECT_EQ(test, total_inuse(ctx), 0ULL);
	mutex_unlock(&ctx->lock);
}

static void owns_rejects_foreign_pointers(struct kunit *test)
{
	enum pyheap_obmalloc_mode mode = test_mode(test);
	struct pool_ctx *ctx = pool_ctx_new(test, mode);
	struct pool_ctx *other = pool_ctx_new(test, mode);
	void *mine, *theirs, *km, *vm;
	int on_stack;

	km = kunit_kmalloc(test, 64, GFP_KERNEL);
	vm = vmalloc(PAGE_SIZE);
	KUNIT_ASSERT_NOT_NULL(test, vm);

	mutex_lock(&other->lock);
	theirs = pyheap_obmalloc_alloc(other->pa, 64);
	mutex_unlock(&other->lock);

	mutex_lock(&ctx->lock);
	mine = pyheap_obmalloc_alloc(ctx->pa, 64);
	KUNIT_EXPECT_TRUE(test, pyheap_obmalloc_owns(ctx->pa, mine));
	KUNIT_EXPECT_FALSE(test, pyheap_obmalloc_owns(ctx->pa, theirs));
	KUNIT_EXPECT_FALSE(test, pyheap_obmalloc_owns(ctx->pa, km));
	KUNIT_EXPECT_FALSE(test, pyheap_obmalloc_owns(ctx->pa, vm));
	KUNIT_EXPECT_FALSE(test, pyheap_obmalloc_owns(ctx->pa, &on_stack));
	KUNIT_EXPECT_FALSE(test, pyheap_obmalloc_owns(ctx->pa, NULL));
	KUNIT_EXPECT_FALSE(test, pyheap_obmalloc_owns(ctx->pa, (void *)1));
	pyheap_obmalloc_free(ctx->pa, mine, 64);
	mutex_unlock(&ctx->lock);

	mutex_lock(&other->lock);
	pyheap_obmalloc_free(other->pa, theirs, 64);
	mutex_unlock(&other->lock);
	vfree(vm);
}

/* Blocks of 512 bytes that fill @narenas arenas exactly. */
#define BLOCKS_PER_POOL_512	((PYHEAP_POOL_SIZE - 48) / 512)
#define BLOCKS_PER_ARENA_512	(BLOCKS_PER_POOL_512 * PYHEAP_ARENA_MAX_POOLS)

static void **fill_arenas(struct kunit *test, struct pool_ctx *ctx,
			  unsigned int narenas)
{
	unsigned int i, n = narenas * BLOCKS_PER_ARENA_512;
	void **p = kunit_kcalloc(test, n, sizeof(*p), GFP_KERNEL);

	if (!p)
		return NULL;
	for (i = 0; i < n; i++) {
		p[i] = pyheap_obmalloc_alloc(ctx->pa, 512);
		if (!p[i])
			break;
	}
	return p;
}

static void pool_states_follow_blocks(struct kunit *test)
{
	struct pool_ctx *ctx = pool_ctx_new(test, PYHEAP_OBMALLOC_POOL);
	int szidx = pyheap_obmalloc_size_class(512);
	void *p[BLOCKS_PER_POOL_512 + 1];
	struct pyheap_class_stats cs;
	int i;

	mutex_lock(&ctx->lock);
	for (i = 0; i < BLOCKS_PER_POOL_512; i++)
		p[i] = pyheap_obmalloc_alloc(ctx->pa, 512);
	pyheap_obmalloc_class_stats(ctx->pa, szidx, &cs);
	/* should be: one full pool */
	KUNIT_EXPECT_EQ(test, cs.pools_full, 1U);
	KUNIT_EXPECT_EQ(test, cs.pools_used, 0U);
	KUNIT_EXPECT_EQ(test, cs.blocks_free, 0ULL);

	p[i] = pyheap_obmalloc_alloc(ctx->pa, 512);
	pyheap_obmalloc_class_stats(ctx->pa, szidx, &cs);
	/* should be: full -> a second pool, used */
	KUNIT_EXPECT_EQ(test, cs.pools_full, 1U);
	KUNIT_EXPECT_EQ(test, cs.pools_used, 1U);

	pyheap_obmalloc_free(ctx->pa, p[0], 512);
	pyheap_obmalloc_class_stats(ctx->pa, szidx, &cs);
	/* should be: the full pool is used again */
	KUNIT_EXPECT_EQ(test, cs.pools_full, 0U);
	KUNIT_EXPECT_EQ(test, cs.pools_used, 2U);

	pyheap_obmalloc_free(ctx->pa, p[BLOCKS_PER_POOL_512], 512);
	pyheap_obmalloc_class_stats(ctx->pa, szidx, &cs);
	/* should be: the second pool is empty */
	KUNIT_EXPECT_EQ(test, cs.pools_used, 1U);
	KUNIT_EXPECT_EQ(test, cs.pools_empty, 1U);
	expect_byte_identity(test, ctx);

	for (i = 1; i < BLOCKS_PER_POOL_512; i++)
		pyheap_obmalloc_free(ctx->pa, p[i], 512);
	pyheap_obmalloc_class_stats(ctx->pa, szidx, &cs);
	KUNIT_EXPECT_EQ(test, cs.pools_used, 0U);
	KUNIT_EXPECT_EQ(test, cs.pools_empty, 2U);
	mutex_unlock(&ctx->lock);
}

/* An emptied pool serves another class: the first level of reuse. */
static void empty_pool_serves_another_class(struct kunit *test)
{
	struct pool_ctx *ctx = pool_ctx_new(test, PYHEAP_OBMALLOC_POOL);
	void *a, *b;

	mutex_lock(&ctx->lock);
	a = pyheap_obmalloc_alloc(ctx->pa, 16);
	pyheap_obmalloc_free(ctx->pa, a, 16);
	b = pyheap_obmalloc_alloc(ctx->pa, 200);
	KUNIT_EXPECT_EQ(test, (unsigned long)a >> PYHEAP_POOL_SHIFT,
			(unsigned long)b >> PYHEAP_POOL_SHIFT);
	KUNIT_EXPECT_EQ(test, pool_stats(ctx).arenas_allocated, 1ULL);
	pyheap_obmalloc_free(ctx->pa, b, 200);
	mutex_unlock(&ctx->lock);
}

/* Emptied arenas go back to the page allocator, except one spare. */
static void free_all_returns_arenas_but_one(struct kunit *test)
{
	struct pool_ctx *ctx = pool_ctx_new(test, PYHEAP_OBMALLOC_POOL);
	struct pyheap_obmalloc_stats st;
	unsigned int i;
	void **p;

	mutex_lock(&ctx->lock);
	p = fill_arenas(test, ctx, 3);
	st = pool_stats(ctx);
	KUNIT_EXPECT_EQ(test, st.arenas_current, 3ULL);
	KUNIT_EXPECT_EQ(test, st.pool_bytes_unused, 0ULL);
	expect_byte_identity(test, ctx);
	for (i = 0; p && i < 3 * BLOCKS_PER_ARENA_512; i++)
		pyheap_obmalloc_free(ctx->pa, p[i], 512);
	st = pool_stats(ctx);
	KUNIT_EXPECT_EQ(test, st.arenas_current, 1ULL);
	KUNIT_EXPECT_EQ(test, st.arenas_reclaimed, 2ULL);
	KUNIT_EXPECT_EQ(test, st.arenas_highwater, 3ULL);
	KUNIT_EXPECT_EQ(test, pyheap_obmalloc_nempty_arenas(ctx->pa), 1U);
	expect_byte_identity(test, ctx);
	mutex_unlock(&ctx->lock);
}

/* The spare arena stops alloc/free thrash at an arena boundary. */
static void spare_arena_prevents_thrash(struct kunit *test)
{
	struct pool_ctx *ctx = pool_ctx_new(test, PYHEAP_OBMALLOC_POOL);
	unsigned int i;
	void **p, *q;

	mutex_lock(&ctx->lock);
	p = fill_arenas(test, ctx, 1);
	for (i = 0; i < 1000; i++) {
		q = pyheap_obmalloc_alloc(ctx->pa, 8);
		pyheap_obmalloc_free(ctx->pa, q, 8);
	}
	KUNIT_EXPECT_EQ(test, pool_stats(ctx).arenas_allocated, 2ULL);
	KUNIT_EXPECT_EQ(test, pool_stats(ctx).arenas_reclaimed, 0ULL);
	for (i = 0; p && i < BLOCKS_PER_ARENA_512; i++)
		pyheap_obmalloc_free(ctx->pa, p[i], 512);
	/* two wholly free arenas: one goes back, one stays */
	KUNIT_EXPECT_EQ(test, pool_stats(ctx).arenas_current, 1ULL);
	mutex_unlock(&ctx->lock);
}

static unsigned long arena_of(const void *p)
{
	return (unsigned long)p & ~((1UL << PYHEAP_ARENA_MAX_SHIFT) - 1);
}

/*
 * New pools come from the arena with the fewest free pools, so a nearly
 * empty arena drains.  Arena A gets 32 free pools, arena B gets 1; the
 * next pools must come from B, then from A.
 */
static void new_pool_comes_from_fullest_arena(struct kunit *test)
{
	struct pool_ctx *ctx = pool_ctx_new(test, PYHEAP_OBMALLOC_POOL);
	unsigned int i, n = BLOCKS_PER_ARENA_512;
	unsigned long a, b;
	void **p, *q, *r;

	mutex_lock(&ctx->lock);
	p = fill_arenas(test, ctx, 2);
	if (!p || !p[2 * n - 1] || pool_stats(ctx).arena_fallbacks) {
		KUNIT_FAIL(test, "could not fill two full-size arenas");
		goto out;
	}
	a = arena_of(p[0]);
	b = arena_of(p[n]);
	KUNIT_EXPECT_NE(test, a, b);
	/* free the first 32 pools of A and the first pool of B */
	for (i = 0; i < 32 * BLOCKS_PER_POOL_512; i++) {
		pyheap_obmalloc_free(ctx->pa, p[i], 512);
		p[i] = NULL;
	}
	for (i = n; i < n + BLOCKS_PER_POOL_512; i++) {
		pyheap_obmalloc_free(ctx->pa, p[i], 512);
		p[i] = NULL;
	}
	q = pyheap_obmalloc_alloc(ctx->pa, 64);
	KUNIT_EXPECT_EQ(test, arena_of(q), b);
	r = pyheap_obmalloc_alloc(ctx->pa, 128);
	KUNIT_EXPECT_EQ(test, arena_of(r), a);
	pyheap_obmalloc_free(ctx->pa, q, 64);
	pyheap_obmalloc_free(ctx->pa, r, 128);
out:
	for (i = 0; p && i < 2 * n; i++)
		pyheap_obmalloc_free(ctx->pa, p[i], 512);
	mutex_unlock(&ctx->lock);
}

/*
 * Freeing every other block keeps every pool in use (fragmentation), so
 * nothing goes back; freeing the rest drains all but the spare arena.
 */
static void fragmentation_holds_arenas_until_drained(struct kunit *test)
{
	struct pool_ctx *ctx = pool_ctx_new(test, PYHEAP_OBMALLOC_POOL);
	unsigned int i, n = 2 * BLOCKS_PER_ARENA_512;
	void **p;

	mutex_lock(&ctx->lock);
	p = fill_arenas(test, ctx, 2);
	for (i = 0; p && i < n; i += 2)
		pyheap_obmalloc_free(ctx->pa, p[i], 512);
	KUNIT_EXPECT_EQ(test, pool_stats(ctx).arenas_current, 2ULL);
	KUNIT_EXPECT_EQ(test, pool_stats(ctx).pool_bytes_unused, 0ULL);
	expect_byte_identity(test, ctx);
	for (i = 1; p && i < n; i += 2)
		pyheap_obmalloc_free(ctx->pa, p[i], 512);
	KUNIT_EXPECT_EQ(test, pool_stats(ctx).arenas_current, 1ULL);
	expect_byte_identity(test, ctx);
	mutex_unlock(&ctx->lock);
}

#define RANDOM_SLOTS	2048

/* Random sizes, random frees; the identity holds all along. */
static void byte_identity_holds_after_random_workload(struct kunit *test)
{
	enum pyheap_obmalloc_mode mode = test_mode(test);
	struct pool_ctx *ctx = pool_ctx_new(test, mode);
	struct rnd_state rnd;
	size_t *size;
	void **p;
	int i;

	p = kunit_kcalloc(test, RANDOM_SLOTS, sizeof(*p), GFP_KERNEL);
	size = kunit_kcalloc(test, RANDOM_SLOTS, sizeof(*size), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, size);
	prandom_seed_state(&rnd, 42);

	mutex_lock(&ctx->lock);
	for (i = 0; i < 40000; i++) {
		u32 r = prandom_u32_state(&rnd);
		int slot = r % RANDOM_SLOTS;

		if (p[slot]) {
			pyheap_obmalloc_free(ctx->pa, p[slot], size[slot]);
			p[slot] = NULL;
			continue;
		}
		/* mostly small, sometimes 0 or large */
		size[slot] = (r >> 12) % 16 ? (r >> 16) % 513 :
			     (r >> 16) % 3000;
		p[slot] = pyheap_obmalloc_alloc(ctx->pa, size[slot]);
		if (p[slot])
			memset(p[slot], r, size[slot]);
		if (i % 4000 == 0)
			expect_byte_identity(test, ctx);
	}
	expect_byte_identity(test, ctx);
	for (i = 0; i < RANDOM_SLOTS; i++)
		pyheap_obmalloc_free(ctx->pa, p[i], size[i]);
	KUNIT_EXPECT_EQ(test, total_inuse(ctx), 0ULL);
	KUNIT_EXPECT_EQ(test, pool_stats(ctx).large_allocs, 0ULL);
	KUNIT_EXPECT_LE(test, pool_stats(ctx).arenas_current, 1ULL);
	KUNIT_EXPECT_EQ(test, pool_stats(ctx).bad_frees, 0ULL);
	KUNIT_EXPECT_EQ(test, pool_stats(ctx).corruptions, 0ULL);
	expect_byte_identity(test, ctx);
	mutex_unlock(&ctx->lock);
}

/* The span holding @p as one of its blocks, or NULL; @n spans. */
static const struct pyheap_obmalloc_span *
span_of(const struct pyheap_obmalloc_span *spans, u32 n, const void *p)
{
	u32 i;

	for (i = 0; i < n; i++) {
		const u8 *start = spans[i].start;
		size_t off = (const u8 *)p - start;

		if ((const u8 *)p >= start &&
		    off < (size_t)spans[i].nblocks * spans[i].stride &&
		    !(off % spans[i].stride))
			return &spans[i];
	}
	return NULL;
}

/*
 * The spans the collector numbers objects with: one per pool in use, and
 * every live pooled block is block k of one of them.
 */
static void spans_number_every_live_block(struct kunit *test)
{
	enum pyheap_obmalloc_mode mode = test_mode(test);
	struct pool_ctx *ctx = pool_ctx_new(test, mode);
	struct pyheap_obmalloc_span *spans;
	u32 nr_pools, n, i, found;
	struct rnd_state rnd;
	size_t *size;
	void **p;

	p = kunit_kcalloc(test, RANDOM_SLOTS, sizeof(*p), GFP_KERNEL);
	size = kunit_kcalloc(test, RANDOM_SLOTS, sizeof(*size), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, size);
	prandom_seed_state(&rnd, 7);

	mutex_lock(&ctx->lock);
	for (i = 0; i < 3 * RANDOM_SLOTS; i++) {
		u32 r = prandom_u32_state(&rnd), slot = r % RANDOM_SLOTS;

		pyheap_obmalloc_free(ctx->pa, p[slot], size[slot]);
		size[slot] = (r >> 12) % 16 ? 1 + (r >> 16) % 512 : 1000;
		p[slot] = pyheap_obmalloc_alloc(ctx->pa, size[slot]);
	}
	nr_pools = pyheap_obmalloc_nr_pools(ctx->pa);
	if (mode == PYHEAP_OBMALLOC_PASSTHROUGH) {
		KUNIT_EXPECT_EQ(test, nr_pools, 0U);
		KUNIT_EXPECT_EQ(test, pyheap_obmalloc_nr_large(ctx->pa),
				U64_MAX);
		goto out;
	}
	KUNIT_EXPECT_EQ(test, pyheap_obmalloc_nr_large(ctx->pa),
			pool_stats(ctx).large_allocs);
	spans = kvmalloc_array(nr_pools + 1, sizeof(*spans), GFP_KERNEL);
	if (!spans) {
		KUNIT_FAIL(test, "no memory for %u spans", nr_pools);
		goto out;
	}
	n = pyheap_obmalloc_spans(ctx->pa, spans, nr_pools + 1);
	KUNIT_EXPECT_EQ(test, n, nr_pools);
	KUNIT_EXPECT_EQ(test, pyheap_obmalloc_spans(ctx->pa, spans, 1),
			min(1U, nr_pools));
	n = pyheap_obmalloc_spans(ctx->pa, spans, nr_pools);
	for (i = 0, found = 0; i < RANDOM_SLOTS; i++) {
		if (!p[i] || stat_class(mode, size[i]) < 0)
			continue;
		KUNIT_EXPECT_NOT_NULL_MSG(test, span_of(spans, n, p[i]),
					  "a %zu-byte block", size[i]);
		found++;
	}
	KUNIT_EXPECT_GT(test, found, 0U);
	kvfree(spans);
out:
	for (i = 0; i < RANDOM_SLOTS; i++)
		pyheap_obmalloc_free(ctx->pa, p[i], size[i]);
	mutex_unlock(&ctx->lock);
}

/*
 * Fail the Nth allocation of backing memory, for every N an allocation
 * reaches.  A failed allocation must leave every statistic as it was; a
 * failed high-order arena must fall back to a smaller one.  KASAN and
 * kmemleak check that nothing leaked.
 */
static void alloc_failure_at_every_point_changes_nothing(struct kunit *test)
{
	static const size_t sizes[] = { 64, 700 };
	enum pyheap_obmalloc_mode mode = test_mode(test);
	struct pyheap_obmalloc_stats before, after;
	unsigned int nth, fails, pending, s;
	struct pool_ctx *ctx;
	void *p;

	for (s = 0; s < ARRAY_SIZE(sizes); s++) {
		fails = 0;
		for (nth = 1; nth < 200; nth++) {
			ctx = pool_ctx_new(test, mode);
			mutex_lock(&ctx->lock);
			before = pool_stats(ctx);
			pyheap_obmalloc_fail_nth(ctx->pa, nth);
			p = pyheap_obmalloc_alloc(ctx->pa, sizes[s]);
			pending = pyheap_obmalloc_fail_nth(ctx->pa, 0);
			after = pool_stats(ctx);
			if (!p) {
				fails++;
				KUNIT_EXPECT_EQ_MSG(test,
						    memcmp(&before, &after,
							   sizeof(before)), 0,
						    "size %zu, nth %u",
						    sizes[s], nth);
				KUNIT_EXPECT_EQ(test, total_inuse(ctx), 0ULL);
			}
			/* point 2 is the first, highest-order, arena attempt */
			if (nth == 2 && after.arenas_allocated)
				KUNIT_EXPECT_EQ_MSG(test, after.arena_fallbacks,
						    1ULL, "size %zu", sizes[s]);
			pyheap_obmalloc_free(ctx->pa, p, sizes[s]);
			mutex_unlock(&ctx->lock);
			kunit_release_action(test, pool_ctx_destroy, ctx);
			/* the Nth point was never reached: all covered */
			if (pending)
				break;
		}
		KUNIT_EXPECT_GE_MSG(test, fails, 1U, "size %zu", sizes[s]);
		KUNIT_EXPECT_LT_MSG(test, nth, 200U, "size %zu", sizes[s]);
	}
}

static void debug_mode_poisons_and_catches_bad_frees(struct kunit *test)
{
	struct pool_ctx *ctx = pool_ctx_new(test, PYHEAP_OBMALLOC_DEBUG);
	u8 *a, *b, *big, *km;

	km = kunit_kmalloc(test, 64, GFP_KERNEL);
	mutex_lock(&ctx->lock);
	a = pyheap_obmalloc_alloc(ctx->pa, 40);
	b = pyheap_obmalloc_alloc(ctx->pa, 40);
	big = pyheap_obmalloc_alloc(ctx->pa, 1000);
	if (!a || !b || !big || !km) {
		KUNIT_FAIL(test, "allocation failed");
		goto out;
	}
	KUNIT_EXPECT_TRUE(test, !memchr_inv(a, 0xcd, 40));

	/* a freed block is poisoned past its free-list link */
	pyheap_obmalloc_free(ctx->pa, a, 40);
	KUNIT_EXPECT_TRUE(test, !memchr_inv(a + 8, 0xdd, 32));
	KUNIT_EXPECT_EQ(test, pool_stats(ctx).bad_frees, 0ULL);

	pyheap_obmalloc_free(ctx->pa, a, 40);		/* double */
	KUNIT_EXPECT_EQ(test, pool_stats(ctx).bad_frees, 1ULL);
	pyheap_obmalloc_free(ctx->pa, km, 40);		/* foreign */
	KUNIT_EXPECT_EQ(test, pool_stats(ctx).bad_frees, 2ULL);
	pyheap_obmalloc_free(ctx->pa, b, 48);		/* wrong size */
	KUNIT_EXPECT_EQ(test, pool_stats(ctx).bad_frees, 3ULL);
	pyheap_obmalloc_free(ctx->pa, b + 8, 32);	/* interior */
	KUNIT_EXPECT_EQ(test, pool_stats(ctx).bad_frees, 4ULL);
	pyheap_obmalloc_free(ctx->pa, big + 8, 1000);	/* interior, large */
	KUNIT_EXPECT_EQ(test, pool_stats(ctx).bad_frees, 5ULL);

	b[40] = 0;					/* overflow */
	pyheap_obmalloc_free(ctx->pa, b, 40);
	KUNIT_EXPECT_EQ(test, pool_stats(ctx).corruptions, 1ULL);
	big[1000] = 0;
	pyheap_obmalloc_free(ctx->pa, big, 1000);
	KUNIT_EXPECT_EQ(test, pool_stats(ctx).corruptions, 2ULL);

	/* use after free: caught when the block is handed out again */
	a[20] = 1;
	b = pyheap_obmalloc_alloc(ctx->pa, 40);
	a = pyheap_obmalloc_alloc(ctx->pa, 40);
	KUNIT_EXPECT_EQ(test, pool_stats(ctx).corruptions, 3ULL);
	pyheap_obmalloc_free(ctx->pa, a, 40);
	pyheap_obmalloc_free(ctx->pa, b, 40);
	KUNIT_EXPECT_EQ(test, total_inuse(ctx), 0ULL);
	KUNIT_EXPECT_EQ(test, pool_stats(ctx).large_allocs, 0ULL);
out:
	mutex_unlock(&ctx->lock);
}

static void passthrough_mode_catches_bad_frees(struct kunit *test)
{
	struct pool_ctx *ctx = pool_ctx_new(test, PYHEAP_OBMALLOC_PASSTHROUGH);
	void *a, *km;

	km = kunit_kmalloc(test, 64, GFP_KERNEL);
	mutex_lock(&ctx->lock);
	a = pyheap_obmalloc_alloc(ctx->pa, 40);
	KUNIT_EXPECT_EQ(test, pool_stats(ctx).arenas_allocated, 0ULL);
	KUNIT_EXPECT_EQ(test, class_inuse(ctx, pyheap_obmalloc_size_class(40)),
			1ULL);
	pyheap_obmalloc_free(ctx->pa, a, 48);		/* wrong size */
	KUNIT_EXPECT_EQ(test, pool_stats(ctx).bad_frees, 1ULL);
	pyheap_obmalloc_free(ctx->pa, a, 40);
	pyheap_obmalloc_free(ctx->pa, a, 40);		/* double */
	KUNIT_EXPECT_EQ(test, pool_stats(ctx).bad_frees, 2ULL);
	pyheap_obmalloc_free(ctx->pa, km, 64);		/* foreign */
	KUNIT_EXPECT_EQ(test, pool_stats(ctx).bad_frees, 3ULL);
	KUNIT_EXPECT_EQ(test, total_inuse(ctx), 0ULL);
	mutex_unlock(&ctx->lock);
}

/*
 * Discarding an allocator frees the blocks still in it, of every kind:
 * small ones with their arenas, zero-byte and large ones, which pool mode
 * used to leave behind (kmemleak, checked by tools/vm/kunit, names any).
 */
static void discard_frees_blocks_in_use(struct kunit *test)
{
	const enum pyheap_obmalloc_mode *mode = test->param_value;
	static const size_t sizes[] = { 0, 8, 512, 513, 4096, 40000 };
	struct pyheap_obmalloc_stats st;
	struct pyheap_obmalloc *pa;
	struct mutex lock;	/* the allocator's owner lock */
	unsigned int i, n = 0;

	mutex_init(&lock);
	pa = pyheap_obmalloc_create(&lock, *mode);
	KUNIT_ASSERT_FALSE(test, IS_ERR(pa));
	mutex_lock(&lock);
	for (i = 0; i < 3 * ARRAY_SIZE(sizes); i++)
		n += !!pyheap_obmalloc_alloc(pa, sizes[i % ARRAY_SIZE(sizes)]);
	KUNIT_EXPECT_EQ(test, n, 3 * (unsigned int)ARRAY_SIZE(sizes));
	pyheap_obmalloc_stats(pa, &st);
	KUNIT_EXPECT_EQ(test, st.large_allocs, 12ULL);
	pyheap_obmalloc_discard(pa);
	mutex_unlock(&lock);
	mutex_destroy(&lock);
}

static void create_rejects_unknown_mode(struct kunit *test)
{
	struct pyheap_obmalloc *pa;
	struct mutex lock;	/* unused: creation fails first */

	mutex_init(&lock);
	pa = pyheap_obmalloc_create(&lock, NR_PYHEAP_OBMALLOC_MODES);
	KUNIT_EXPECT_EQ(test, PTR_ERR(pa), -EINVAL);
	mutex_destroy(&lock);
}

static struct kunit_case pool_cases[] = {
	KUNIT_CASE(size_class_maps_every_size),
	KUNIT_CASE_PARAM(alloc_every_class_is_aligned_and_counted,
			 mode_gen_params),
	KUNIT_CASE_PARAM(alloc_edge_sizes_go_where_documented, mode_gen_params),
	KUNIT_CASE_PARAM(owns_rejects_foreign_pointers, mode_gen_params),
	KUNIT_CASE(pool_states_follow_blocks),
	KUNIT_CASE(empty_pool_serves_another_class),
	KUNIT_CASE(free_all_returns_arenas_but_one),
	KUNIT_CASE(spare_arena_prevents_thrash),
	KUNIT_CASE(new_pool_comes_from_fullest_arena),
	KUNIT_CASE(fragmentation_holds_arenas_until_drained),
	KUNIT_CASE_PARAM(byte_identity_holds_after_random_workload,
			 mode_gen_params),
	KUNIT_CASE_PARAM(spans_number_every_live_block, mode_gen_params),
	KUNIT_CASE_PARAM(alloc_failure_at_every_point_changes_nothing,
			 mode_gen_params),
	KUNIT_CASE(debug_mode_poisons_and_catches_bad_frees),
	KUNIT_CASE(passthrough_mode_catches_bad_frees),
	KUNIT_CASE_PARAM(discard_frees_blocks_in_use, mode_gen_params),
	KUNIT_CASE(create_rejects_unknown_mode),
	{}
};

static struct kunit_suite pool_suite = {
	.name = "pyheap_pool",
	.test_cases = pool_cases,
};

kunit_test_suite(pool_suite);
