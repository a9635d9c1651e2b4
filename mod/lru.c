// SPDX-License-Identifier: GPL-2.0
/*
 * pyheap lru: functools.lru_cache semantics on a hash table and a list
 *
 * Entries sit in a chained hash table of the map's own for lookup and on
 * one list in recency order, least recent first, as lru_cache's circular
 * list does.  A hit moves its entry to the tail; a set into a full map
 * evicts the head.  Values the map lets go are collected on a local list
 * and released after the lock is dropped.  See "The LRU map" in
 * Documentation/pyheap/design.rst.
 *
 * The table is a power-of-two array of singly linked chains.  A map with
 * at most one entry uses the one chain head inside struct pyheap_lru and
 * allocates nothing; a set that would take the load past one entry per
 * chain first doubles the array, a delete that leaves it below a quarter
 * halves it (at least), and clearing returns to the inline head.  A new
 * array is allocated and charged with no lock held, then filled and
 * swapped in under lru->lock; there is no worker and nothing deferred.
 * Every allocation is GFP_KERNEL_ACCOUNT, so the caller's memory cgroup
 * sees all of it, and a map made with pyheap_lru_create_charged() also
 * reports each allocation's real size through its charge callbacks.
 *
 * Locking: lru->lock protects the table, the list and the counters.
 * Lock order: "Lock order" in mod/internal.h (4: nothing sleeps under it).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jhash.h>
#include <linux/list.h>
#include <linux/lockdep.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/prefetch.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/unaligned/packed_struct.h>	/* as jhash() reads keys */

#include <kunit/visibility.h>
#include <pyheap/lru.h>
#include "lru_internal.h"

/*
 * The largest table: 2^26 chain heads, 512 MiB on 64-bit.  A map with
 * more entries than that keeps working with a load above one.
 */
#define LRU_MAX_BITS	26

/* Tags: I: set at creation   L: lru->lock */
struct pyheap_lru_entry {
	struct pyheap_lru_entry	*next;		/* L: in its chain */
	struct list_head	node;		/* L: recency, oldest first */
	void			*value;		/* L */
	u32			type;		/* I: 0 in untyped maps */
	u32			len;		/* I */
	u8			key[];		/* I */
};

/*
 * @buckets points at @bucket0 while @mask is 0, else at an array of
 * @mask + 1 heads allocated with kvmalloc().
 */
struct pyheap_lru {
	spinlock_t		lock;		/* protects what is tagged L */
	u32			mask;		/* L: chains - 1 */
	struct pyheap_lru_entry	**buckets;	/* L */
	struct pyheap_lru_entry	*bucket0;	/* L: the table if mask is 0 */
	u32			seed;		/* I: hashes keys to chains */
	bool			typed;		/* I */
	long			maxsize;	/* I */
	struct list_head	list;		/* L: least recent first */
	u64			currsize;	/* L */
	u64			hits;		/* L */
	u64			misses;		/* L */
	u64			evictions;	/* L */
	const struct pyheap_lru_ops *ops;	/* I */
	void			*charge_arg;	/* I: for ops->charge */
	unsigned int		fail_nth;	/* KUnit fault point */
};

/*
 * One pass over the key; jhash() mixes in the length itself.  Keys of one,
 * two or three 32-bit words (integers, pointers, pairs of them: the usual
 * kernel keys) take jhash's word forms, which skip its byte-wise tail;
 * they too mix in the length, so a key hashes the same on every path.
 */
static __always_inline u32 lru_hash(u32 type, u32 len, const void *data,
				    u32 seed)
{
	const u8 *p = data;	/* keys need not be aligned */

	seed ^= type;
	switch (len) {
	case 4:
		return jhash_1word(__get_unaligned_cpu32(p), seed);
	case 8:
		return jhash_2words(__get_unaligned_cpu32(p),
				    __get_unaligned_cpu32(p + 4), seed);
	case 12:
		return jhash_3words(__get_unaligned_cpu32(p),
				    __get_unaligned_cpu32(p + 4),
				    __get_unaligned_cpu32(p + 8), seed);
	default:
		return jhash(data, len, seed);
	}
}

/* memcmp() goes byte by byte; an 8-byte key is one comparison. */
static __always_inline bool lru_key_equal(const void *a, const void *b,
					  u32 len)
{
	if (len != sizeof(u64))
		return !memcmp(a, b, len);
	return __get_unaligned_cpu64(a) == __get_unaligned_cpu64(b);
}

/* An untyped map forgets the tag, so f(3) and f(3.0) share an entry. */
static struct pyheap_lru_key lru_key(struct pyheap_lru *lru,
				     const struct pyheap_lru_key *key)
{
	struct pyheap_lru_key k = *key;

	if (!lru->typed)
		k.type = 0;
	return k;
}

static u32 lru_entry_hash(struct pyheap_lru *lru,
			  const struct pyheap_lru_entry *e)
{
	return lru_hash(e->type, e->len, e->key, lru->seed);
}

/* The chain @k hashes to. */
static __always_inline struct pyheap_lru_entry **
__lru_chain(struct pyheap_lru *lru, const struct pyheap_lru_key *k)
	__must_hold(&lru->lock)
{
	return &lru->buckets[lru_hash(k->type, k->len, k->data, lru->seed) &
			     lru->mask];
}

/*
 * The link in the chain at @pp that points at @k's entry, or at the NULL
 * that ends the chain: the caller reads the entry from it, unlinks it, or
 * appends there.
 */
static __always_inline struct pyheap_lru_entry **
__lru_chain_slot(struct pyheap_lru_entry **pp, const struct pyheap_lru_key *k)
{
	struct pyheap_lru_entry *e;

	while ((e = *pp)) {
		if (e->type == k->type && e->len == k->len &&
		    lru_key_equal(k->data, e->key, k->len))
			break;
		pp = &e->next;
	}
	return pp;
}

static __always_inline struct pyheap_lru_entry **
__lru_slot(struct pyheap_lru *lru, const struct pyheap_lru_key *k)
	__must_hold(&lru->lock)
{
	return __lru_chain_slot(__lru_chain(lru, k), k);
}

/* What a map reports it holds, as the slab allocator rounds it. */
static size_t lru_table_bytes(u32 mask)
{
	return mask ? kmalloc_size_roundup(array_size(mask + 1UL,
					   sizeof(struct pyheap_lru_entry *))) :
		      0;
}

static size_t lru_entry_bytes(u32 len)
{
	struct pyheap_lru_entry *e;

	return kmalloc_size_roundup(struct_size(e, key, len));
}

static int lru_charge(const struct pyheap_lru_ops *ops, void *arg,
		      size_t bytes)
{
	return ops->charge && bytes ? ops->charge(arg, bytes) : 0;
}

static void lru_uncharge(const struct pyheap_lru_ops *ops, void *arg,
			 size_t bytes)
{
	if (ops->uncharge && bytes)
		ops->uncharge(arg, bytes);
}

/* The KUnit fault point: the nth allocation from now fails. */
static bool lru_should_fail(struct pyheap_lru *lru)
{
	return lru->fail_nth && --lru->fail_nth == 0;
}

/**
 * pyheap_lru_fail_nth() - make a map's nth allocation from now fail
 * @lru: the map
 * @nth: 1 for the next allocation, 0 for none
 *
 * For KUnit: the allocations counted are a set's entry and every table
 * a resize asks for.  The caller must not use @lru concurrently.
 *
 * Return: what was left of the previous setting.
 */
unsigned int pyheap_lru_fail_nth(struct pyheap_lru *lru, unsigned int nth)
{
	unsigned int old = lru->fail_nth;

	lru->fail_nth = nth;
	return old;
}
EXPORT_SYMBOL_IF_KUNIT(pyheap_lru_fail_nth);

/**
 * pyheap_lru_chains() - the number of chains in a map's table now
 * @lru: the map
 *
 * For KUnit and debugging.
 *
 * Context: Any context that may take a spinlock.
 * Return: a power of two, 1 while the map uses its inline chain head.
 */
u32 pyheap_lru_chains(struct pyheap_lru *lru)
{
	u32 mask;

	spin_lock(&lru->lock);
	mask = lru->mask;
	spin_unlock(&lru->lock);
	return mask + 1;
}
EXPORT_SYMBOL_IF_KUNIT(pyheap_lru_chains);

/*
 * Move every entry into a table of @new_mask + 1 chains, charged and
 * allocated outside the lock.  Only a resize from @old_mask happens: if
 * another caller resized first, this one gives up.  A failed allocation
 * or a refused charge leaves the map as it was, working with a higher
 * (or lower) load than it wants; the next set or delete tries again.
 * Process context: may sleep.
 */
static void lru_resize(struct pyheap_lru *lru, u32 old_mask, u32 new_mask)
{
	size_t bytes = lru_table_bytes(new_mask);
	struct pyheap_lru_entry **table = NULL, **old, *e;

	if (new_mask) {
		if (lru_charge(lru->ops, lru->charge_arg, bytes))
			return;
		if (!lru_should_fail(lru))
			table = kvcalloc(new_mask + 1UL, sizeof(*table),
					 GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
		if (!table) {
			lru_uncharge(lru->ops, lru->charge_arg, bytes);
			return;
		}
	}

	spin_lock(&lru->lock);
	if (lru->mask != old_mask) {
		spin_unlock(&lru->lock);
		kvfree(table);
		lru_uncharge(lru->ops, lru->charge_arg, bytes);
		return;
	}
	old = lru->buckets;
	if (!new_mask) {
		lru->bucket0 = NULL;	/* unused while the array was */
		table = &lru->bucket0;
	}
	list_for_each_entry(e, &lru->list, node) {
		struct pyheap_lru_entry **head;

		head = &table[lru_entry_hash(lru, e) & new_mask];
		e->next = *head;
		*head = e;
	}
	lru->buckets = table;
	lru->mask = new_mask;
	spin_unlock(&lru->lock);

	if (old_mask) {
		kvfree(old);
		lru_uncharge(lru->ops, lru->charge_arg,
			     lru_table_bytes(old_mask));
	}
}

/*
 * The table a map of @n entries shrinks to: a load of a quarter to a half
 * (no array at all for 0 or 1 entries).
 */
static u32 lru_shrunk_mask(u64 n)
{
	if (n <= 1)
		return 0;
	return (2U << order_base_2(n)) - 1;
}

/* After a delete: halve (at least) a table below a quarter full. */
static void lru_maybe_shrink(struct pyheap_lru *lru)
{
	/*
	 * Lockless: a stale size or load costs a resize too few, which the
	 * next call makes good, or one too many, which lru_resize() turns
	 * down if the table changed meanwhile.
	 */
	u32 mask = data_race(lru->mask);
	/* Lockless, as the mask: a torn or stale count only misjudges. */
	u64 n = data_race(lru->currsize);

	if (mask && n * 4 < mask + 1ULL)
		lru_resize(lru, mask, lru_shrunk_mask(n));
}

/* Before a set: double a table that one more entry would overload. */
static void lru_maybe_grow(struct pyheap_lru *lru)
{
	/* Lockless, as in lru_maybe_shrink(). */
	u32 mask = data_race(lru->mask);
	/* Lockless, as in lru_maybe_shrink(). */
	u64 n = data_race(lru->currsize);

	if (n < mask + 1ULL || (lru->maxsize > 0 && n >= lru->maxsize) ||
	    mask >= (1U << LRU_MAX_BITS) - 1)
		return;
	lru_resize(lru, mask, (mask << 1) | 1);
}

/**
 * pyheap_lru_create_charged() - create an LRU map that reports its memory
 * @maxsize: %PYHEAP_LRU_UNBOUNDED, 0, or the most entries to keep
 * @typed: whether key type tags count, as lru_cache(typed=True)
 * @ops: value callbacks; @ops->release must be set, @ops->hold may be NULL;
 *	@ops->charge and @ops->uncharge both, or neither
 * @charge_arg: passed to @ops->charge and @ops->uncharge
 *
 * The map charges its own struct before allocating it, and from then on
 * each entry and each table as it allocates them; it uncharges each as
 * it frees it, the struct last, in pyheap_lru_destroy().
 *
 * Context: Process context; may sleep.
 * Return: the map, ERR_PTR(-EINVAL) for a negative @maxsize other than
 * %PYHEAP_LRU_UNBOUNDED or missing callbacks, what @ops->charge
 * returned, or ERR_PTR(-ENOMEM).
 */
struct pyheap_lru *pyheap_lru_create_charged(long maxsize, bool typed,
					     const struct pyheap_lru_ops *ops,
					     void *charge_arg)
{
	size_t bytes = kmalloc_size_roundup(sizeof(struct pyheap_lru));
	struct pyheap_lru *lru;
	int err;

	if ((maxsize < 0 && maxsize != PYHEAP_LRU_UNBOUNDED) || !ops ||
	    !ops->release || !ops->charge != !ops->uncharge)
		return ERR_PTR(-EINVAL);
	err = lru_charge(ops, charge_arg, bytes);
	if (err)
		return ERR_PTR(err);
	lru = kzalloc(sizeof(*lru), GFP_KERNEL_ACCOUNT);
	if (!lru) {
		lru_uncharge(ops, charge_arg, bytes);
		return ERR_PTR(-ENOMEM);
	}
	spin_lock_init(&lru->lock);
	lru->buckets = &lru->bucket0;
	lru->seed = get_random_u32();
	INIT_LIST_HEAD(&lru->list);
	lru->maxsize = maxsize;
	lru->typed = typed;
	lru->ops = ops;
	lru->charge_arg = charge_arg;
	return lru;
}
EXPORT_SYMBOL_GPL(pyheap_lru_create_charged);

/**
 * pyheap_lru_create() - create an LRU map
 * @maxsize: %PYHEAP_LRU_UNBOUNDED, 0, or the most entries to keep
 * @typed: whether key type tags count, as lru_cache(typed=True)
 * @ops: value callbacks; @ops->release must be set, @ops->hold may be NULL
 *
 * Context: Process context; may sleep.
 * Return: the map, ERR_PTR(-EINVAL) for a negative @maxsize other than
 * %PYHEAP_LRU_UNBOUNDED or a missing release callback, or
 * ERR_PTR(-ENOMEM).
 */
struct pyheap_lru *pyheap_lru_create(long maxsize, bool typed,
				     const struct pyheap_lru_ops *ops)
{
	return pyheap_lru_create_charged(maxsize, typed, ops, NULL);
}
EXPORT_SYMBOL_GPL(pyheap_lru_create);

/* Unlink @e, found at *@pp, and queue it on @dead; freed later. */
static void __lru_unlink(struct pyheap_lru *lru, struct pyheap_lru_entry **pp,
			 struct pyheap_lru_entry *e, struct list_head *dead)
	__must_hold(&lru->lock)
{
	lockdep_assert_held(&lru->lock);
	*pp = e->next;
	list_move_tail(&e->node, dead);
	lru->currsize--;
}

/* The link that points at @e, which is in the table. */
static struct pyheap_lru_entry **__lru_link_of(struct pyheap_lru *lru,
					       struct pyheap_lru_entry *e)
	__must_hold(&lru->lock)
{
	struct pyheap_lru_entry **pp;

	pp = &lru->buckets[lru_entry_hash(lru, e) & lru->mask];
	while (*pp != e)
		pp = &(*pp)->next;
	return pp;
}

/* Release what __lru_unlink() queued, with no lock held. */
static void lru_release_dead(struct pyheap_lru *lru, struct list_head *dead)
{
	struct pyheap_lru_entry *e, *tmp;

	list_for_each_entry_safe(e, tmp, dead, node) {
		lru->ops->release(e->value);
		lru_uncharge(lru->ops, lru->charge_arg,
			     lru_entry_bytes(e->len));
		kfree(e);
	}
}

/*
 * The entry @k names in the chain at @chain, its value (held for the
 * caller if @hold), or NULL.  @k is already lru_key()'s.
 */
static __always_inline struct pyheap_lru_entry *
__lru_find_in(struct pyheap_lru *lru, struct pyheap_lru_entry **chain,
	      const struct pyheap_lru_key *k, void **value, bool hold)
	__must_hold(&lru->lock)
{
	struct pyheap_lru_entry *e = *__lru_chain_slot(chain, k);

	if (e) {
		if (hold && lru->ops->hold)
			lru->ops->hold(e->value);
		*value = e->value;
	}
	return e;
}

/* The entry under @key, its value (held for the caller if @hold), or NULL. */
static struct pyheap_lru_entry *__lru_find(struct pyheap_lru *lru,
					   const struct pyheap_lru_key *key,
					   void **value, bool hold)
	__must_hold(&lru->lock)
{
	struct pyheap_lru_key k = lru_key(lru, key);

	lockdep_assert_held(&lru->lock);
	return __lru_find_in(lru, __lru_chain(lru, &k), &k, value, hold);
}

/* A call through lru_cache: a hit becomes the most recent. */
static void __lru_touch(struct pyheap_lru *lru, struct pyheap_lru_entry *e)
	__must_hold(&lru->lock)
{
	lockdep_assert_held(&lru->lock);
	if (e) {
		list_move_tail(&e->node, &lru->list);
		lru->hits++;
	} else {
		lru->misses++;
	}
}

static int lru_lookup(struct pyheap_lru *lru, const struct pyheap_lru_key *key,
		      void **value, bool touch)
{
	struct pyheap_lru_entry *e;

	if (key->len > PYHEAP_LRU_MAX_KEY)
		return -EINVAL;
	spin_lock(&lru->lock);
	e = __lru_find(lru, key, value, true);
	if (touch)
		__lru_touch(lru, e);
	spin_unlock(&lru->lock);
	return e ? 0 : -ENOENT;
}

/**
 * pyheap_lru_get() - look a key up, as a call through lru_cache does
 * @lru: the map
 * @key: the key
 * @value: on a hit, the value, held for the caller (release it with the
 *	map's release callback)
 *
 * A hit makes the entry the most recent and counts in hits; a miss counts
 * in misses.  With maxsize 0 every lookup misses.
 *
 * Context: Any context that may take a spinlock.
 * Return: 0 on a hit, -ENOENT on a miss, -EINVAL for an oversized key.
 */
int pyheap_lru_get(struct pyheap_lru *lru, const struct pyheap_lru_key *key,
		   void **value)
{
	return lru_lookup(lru, key, value, true);
}
EXPORT_SYMBOL_GPL(pyheap_lru_get);

/**
 * pyheap_lru_miss() - count a miss without a lookup
 * @lru: the map
 *
 * For callers that keep their own entries in the map which must look
 * absent (compute-once claims).
 *
 * Context: Any context that may take a spinlock.
 */
void pyheap_lru_miss(struct pyheap_lru *lru)
{
	spin_lock(&lru->lock);
	lru->misses++;
	spin_unlock(&lru->lock);
}
EXPORT_SYMBOL_GPL(pyheap_lru_miss);

/**
 * pyheap_lru_peek() - look a key up without touching recency or counters
 * @lru: the map
 * @key: the key
 * @value: on a hit, the value, held for the caller
 *
 * Context: Any context that may take a spinlock.
 * Return: 0 if found, -ENOENT if not, -EINVAL for an oversized key.
 */
int pyheap_lru_peek(struct pyheap_lru *lru, const struct pyheap_lru_key *key,
		    void **value)
{
	return lru_lookup(lru, key, value, false);
}
EXPORT_SYMBOL_GPL(pyheap_lru_peek);

/*
 * A batch's lookups are independent of each other, so their misses can
 * overlap where a lone lookup's cannot.  At a million entries a hit costs
 * two dependent misses, the chain head and then the entry, each as a rule
 * a TLB miss too.  So a batch goes in groups of LRU_GROUP keys: hash every
 * key of the group and prefetch its chain head, then prefetch the entry
 * each head points at, and only then compare, when both are (nearly) in
 * the cache; the values found are prefetched for the hold callback, or
 * for the caller, who reads them next.  The group's heads sit on the
 * stack: 256 bytes.
 */
#define LRU_GROUP	32U

static unsigned int __lru_find_group(struct pyheap_lru *lru,
				     const struct pyheap_lru_key *keys,
				     unsigned int n, void **values,
				     struct pyheap_lru_entry **entries,
				     bool hold)
	__must_hold(&lru->lock)
{
	struct pyheap_lru_entry **chains[LRU_GROUP];
	struct pyheap_lru_key k;
	unsigned int i, found = 0;

	lockdep_assert_held(&lru->lock);
	for (i = 0; i < n; i++) {
		k = lru_key(lru, &keys[i]);
		chains[i] = __lru_chain(lru, &k);
		prefetch(chains[i]);
	}
	for (i = 0; i < n; i++)
		prefetch(*chains[i]);
	for (i = 0; i < n; i++) {
		k = lru_key(lru, &keys[i]);
		entries[i] = __lru_find_in(lru, chains[i], &k, &values[i],
					   false);
		if (entries[i]) {
			prefetch(values[i]);
			found++;
		}
	}
	if (hold && lru->ops->hold)
		for (i = 0; i < n; i++)
			if (entries[i])
				lru->ops->hold(values[i]);
	return found;
}

/**
 * pyheap_lru_peek_many() - pyheap_lru_peek() @n keys under one lock
 * @lru: the map
 * @keys: the keys
 * @n: how many
 * @values: for each key found, its value, held for the caller if @hold
 * @entries: for each key, its entry for pyheap_lru_touch_many(), or NULL
 *	if the key is absent
 * @hold: hold each value with the map's hold callback.  Pass false only
 *	if no value can be released before the caller is done with it (the
 *	map's users all serialise on one lock of their own, as pyheap's heap
 *	maps do on the heap's)
 *
 * The first half of a batch of lookups whose answers the caller must
 * deliver before they may count: look now, touch once delivered.
 *
 * Context: Any context that may take a spinlock.
 * Return: how many keys were found, or -EINVAL if a key is oversized
 * (nothing is looked up or held).
 */
int pyheap_lru_peek_many(struct pyheap_lru *lru,
			 const struct pyheap_lru_key *keys, unsigned int n,
			 void **values, struct pyheap_lru_entry **entries,
			 bool hold)
{
	unsigned int i, found = 0;

	for (i = 0; i < n; i++)
		if (keys[i].len > PYHEAP_LRU_MAX_KEY)
			return -EINVAL;
	spin_lock(&lru->lock);
	for (i = 0; i < n; i += LRU_GROUP)
		found += __lru_find_group(lru, keys + i,
					  min(n - i, LRU_GROUP), values + i,
					  entries + i, hold);
	spin_unlock(&lru->lock);
	return found;
}
EXPORT_SYMBOL_GPL(pyheap_lru_peek_many);

/**
 * pyheap_lru_touch_many() - count peeked lookups as calls, in order
 * @lru: the map
 * @entries: entries from pyheap_lru_peek_many(); NULL counts as a miss
 * @n: how many
 *
 * Each entry becomes the most recent and counts as a hit, as if it had
 * been looked up with pyheap_lru_get() now.  The caller must ensure that
 * no entry left the map since it was peeked: nothing may delete, evict,
 * replace or clear in between (pyheap's own maps serialise every user on
 * the heap's lock).
 *
 * Context: Any context that may take a spinlock.
 */
void pyheap_lru_touch_many(struct pyheap_lru *lru,
			   struct pyheap_lru_entry *const *entries,
			   unsigned int n)
{
	unsigned int i;

	spin_lock(&lru->lock);
	for (i = 0; i < n; i++) {
		/*
		 * The neighbours a move writes are misses of their own: start
		 * them a group ahead.  Only a hint: earlier moves may have
		 * changed them by then.
		 */
		if (i + LRU_GROUP < n && entries[i + LRU_GROUP]) {
			prefetchw(entries[i + LRU_GROUP]->node.prev);
			prefetchw(entries[i + LRU_GROUP]->node.next);
		}
		__lru_touch(lru, entries[i]);
	}
	spin_unlock(&lru->lock);
}
EXPORT_SYMBOL_GPL(pyheap_lru_touch_many);

/**
 * pyheap_lru_set() - store a value, evicting the least recent if full
 * @lru: the map
 * @key: the key
 * @value: the value; the map takes over the caller's reference
 *
 * The entry becomes the most recent.  An existing value under @key is
 * replaced (and released).  With maxsize 0 nothing is stored and @value
 * is released at once, as lru_cache(0) stores nothing.  The new entry is
 * charged before it is allocated; a table that cannot grow (its charge
 * refused, or no memory for it) does not fail the set: the map goes on
 * with more than one entry per chain until a later set grows it.
 *
 * Context: Process context; may sleep.  Calls release without the lock.
 * Return: 0, -EINVAL for an oversized key, what the charge callback
 * returned (-ENOSPC from pyheap's heaps), or -ENOMEM (in each error case
 * the caller keeps its reference).
 */
int pyheap_lru_set(struct pyheap_lru *lru, const struct pyheap_lru_key *key,
		   void *value)
{
	struct pyheap_lru_key k = lru_key(lru, key);
	struct pyheap_lru_entry **pp, *e, *old;
	size_t bytes;
	LIST_HEAD(dead);
	int err;

	if (key->len > PYHEAP_LRU_MAX_KEY)
		return -EINVAL;
	if (!lru->maxsize) {
		lru->ops->release(value);
		return 0;
	}
	bytes = lru_entry_bytes(k.len);
	err = lru_charge(lru->ops, lru->charge_arg, bytes);
	if (err)
		return err;
	e = NULL;
	if (!lru_should_fail(lru))
		e = kmalloc(struct_size(e, key, k.len), GFP_KERNEL_ACCOUNT);
	if (!e) {
		lru_uncharge(lru->ops, lru->charge_arg, bytes);
		return -ENOMEM;
	}
	e->next = NULL;
	e->value = value;
	e->type = k.type;
	e->len = k.len;
	memcpy(e->key, k.data, k.len);
	lru_maybe_grow(lru);

	spin_lock(&lru->lock);
	pp = __lru_slot(lru, &k);
	old = *pp;
	if (old) {
		/* Replace in place: the old value goes, the entry is fresh. */
		swap(old->value, e->value);
		list_move_tail(&old->node, &lru->list);
		list_add(&e->node, &dead);
	} else {
		*pp = e;
		list_add_tail(&e->node, &lru->list);
		lru->currsize++;
		if (lru->maxsize > 0 && lru->currsize > lru->maxsize) {
			old = list_first_entry(&lru->list,
					       struct pyheap_lru_entry, node);
			__lru_unlink(lru, __lru_link_of(lru, old), old, &dead);
			lru->evictions++;
		}
	}
	spin_unlock(&lru->lock);
	lru_release_dead(lru, &dead);
	return 0;
}
EXPORT_SYMBOL_GPL(pyheap_lru_set);

/**
 * pyheap_lru_delete() - remove one key (which lru_cache cannot do)
 * @lru: the map
 * @key: the key
 *
 * A table left less than a quarter full shrinks; if the smaller table
 * cannot be had, the map keeps the larger one.
 *
 * Context: Process context; may sleep.  Calls release without the lock.
 * Return: 0 if the key was there, -ENOENT if not, -EINVAL if oversized.
 */
int pyheap_lru_delete(struct pyheap_lru *lru, const struct pyheap_lru_key *key)
{
	struct pyheap_lru_key k = lru_key(lru, key);
	struct pyheap_lru_entry **pp, *e;
	LIST_HEAD(dead);

	if (key->len > PYHEAP_LRU_MAX_KEY)
		return -EINVAL;
	spin_lock(&lru->lock);
	pp = __lru_slot(lru, &k);
	e = *pp;
	if (e)
		__lru_unlink(lru, pp, e, &dead);
	spin_unlock(&lru->lock);
	if (!e)
		return -ENOENT;
	lru_release_dead(lru, &dead);
	lru_maybe_shrink(lru);
	return 0;
}
EXPORT_SYMBOL_GPL(pyheap_lru_delete);

/**
 * pyheap_lru_clear() - cache_clear(): drop every entry, zero the counters
 * @lru: the map
 *
 * The table goes too; the map is back to its inline chain head.
 *
 * Context: Process context.  Calls release without the lock.
 */
void pyheap_lru_clear(struct pyheap_lru *lru)
{
	struct pyheap_lru_entry **old;
	LIST_HEAD(dead);
	u32 mask;

	spin_lock(&lru->lock);
	list_splice_init(&lru->list, &dead);
	old = lru->buckets;
	mask = lru->mask;
	lru->buckets = &lru->bucket0;
	lru->bucket0 = NULL;
	lru->mask = 0;
	lru->currsize = 0;
	lru->hits = 0;
	lru->misses = 0;
	lru->evictions = 0;
	spin_unlock(&lru->lock);
	if (mask) {
		kvfree(old);
		lru_uncharge(lru->ops, lru->charge_arg, lru_table_bytes(mask));
	}
	lru_release_dead(lru, &dead);
}
EXPORT_SYMBOL_GPL(pyheap_lru_clear);

/**
 * pyheap_lru_evict() - evict least recent entries, as a full map would
 * @lru: the map
 * @nr: the most entries to evict
 *
 * For a shrinker: each entry evicted counts in evictions, exactly as one
 * pushed out by a set into a full map.  Nothing is allocated, not even a
 * smaller table: the table shrinks at the next delete, as after any
 * eviction.
 *
 * Context: Process context.  Calls release without the lock.
 * Return: how many entries went, at most @nr.
 */
unsigned long pyheap_lru_evict(struct pyheap_lru *lru, unsigned long nr)
{
	struct pyheap_lru_entry *e;
	unsigned long n = 0;
	LIST_HEAD(dead);

	spin_lock(&lru->lock);
	while (n < nr && !list_empty(&lru->list)) {
		e = list_first_entry(&lru->list, struct pyheap_lru_entry, node);
		__lru_unlink(lru, __lru_link_of(lru, e), e, &dead);
		lru->evictions++;
		n++;
	}
	spin_unlock(&lru->lock);
	lru_release_dead(lru, &dead);
	return n;
}
EXPORT_SYMBOL_GPL(pyheap_lru_evict);

/**
 * pyheap_lru_info() - cache_info() and cache_parameters()
 * @lru: the map
 * @info: filled in
 *
 * Context: Any context that may take a spinlock.
 */
void pyheap_lru_info(struct pyheap_lru *lru, struct pyheap_lru_info *info)
{
	spin_lock(&lru->lock);
	info->hits = lru->hits;
	info->misses = lru->misses;
	info->currsize = lru->currsize;
	info->evictions = lru->evictions;
	spin_unlock(&lru->lock);
	info->maxsize = lru->maxsize;
	info->typed = lru->typed;
}
EXPORT_SYMBOL_GPL(pyheap_lru_info);

/**
 * pyheap_lru_for_each() - walk the entries, least recent first
 * @lru: the map
 * @fn: called for each entry under the map's spinlock: must not sleep;
 *	a non-zero return stops the walk
 * @arg: passed to @fn
 *
 * Neither recency nor the counters change.
 *
 * Context: Any context that may take a spinlock.
 * Return: what @fn last returned, or 0.
 */
int pyheap_lru_for_each(struct pyheap_lru *lru,
			int (*fn)(const struct pyheap_lru_key *key,
				  void *value, void *arg),
			void *arg)
{
	struct pyheap_lru_key key;
	struct pyheap_lru_entry *e;
	int ret = 0;

	spin_lock(&lru->lock);
	list_for_each_entry(e, &lru->list, node) {
		key.type = e->type;
		key.len = e->len;
		key.data = e->key;
		ret = fn(&key, e->value, arg);
		if (ret)
			break;
	}
	spin_unlock(&lru->lock);
	return ret;
}
EXPORT_SYMBOL_GPL(pyheap_lru_for_each);

/**
 * pyheap_lru_destroy() - release every value and free the map
 * @lru: the map; nobody may use it concurrently
 *
 * Context: Process context; may sleep.
 */
void pyheap_lru_destroy(struct pyheap_lru *lru)
{
	const struct pyheap_lru_ops *ops;
	void *arg;

	if (!lru)
		return;
	pyheap_lru_clear(lru);
	ops = lru->ops;
	arg = lru->charge_arg;
	kfree(lru);
	lru_uncharge(ops, arg, kmalloc_size_roundup(sizeof(*lru)));
}
EXPORT_SYMBOL_GPL(pyheap_lru_destroy);
