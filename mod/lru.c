// SPDX-License-Identifier: GPL-2.0
/*
 * pyheap lru: functools.lru_cache semantics on an rhashtable and a list
 *
 * Entries sit in an rhashtable for lookup and on one list in recency
 * order, least recent first, as lru_cache's circular list does.  A hit
 * moves its entry to the tail; a set into a full map evicts the head.
 * Values the map lets go are collected on a local list and released after
 * the lock is dropped.  See "The LRU map" in Documentation/pyheap/design.rst.
 *
 * Locking: lru->lock protects the table's contents, the list and the
 * counters; the rhashtable's own locks nest inside it.
 * Lock order: (heap->lock ->) lru->lock -> rhashtable bucket locks
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jhash.h>
#include <linux/list.h>
#include <linux/lockdep.h>
#include <linux/module.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/unaligned/packed_struct.h>	/* as jhash() reads keys */

#include <pyheap/lru.h>
#include "internal.h"

/* Tags: I: set at creation   L: lru->lock */
struct pyheap_lru_entry {
	struct rhash_head	hnode;		/* L */
	struct list_head	node;		/* L: recency, oldest first */
	void			*value;		/* L */
	u32			type;		/* I: 0 in untyped maps */
	u32			len;		/* I */
	u8			key[];		/* I */
};

struct pyheap_lru {
	spinlock_t		lock;		/* protects what is tagged L */
	struct rhashtable	table;		/* L */
	struct list_head	list;		/* L: least recent first */
	long			maxsize;	/* I */
	bool			typed;		/* I */
	const struct pyheap_lru_ops *ops;	/* I */
	u64			currsize;	/* L */
	u64			hits;		/* L */
	u64			misses;		/* L */
	u64			evictions;	/* L */
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

static inline u32 lru_key_hashfn(const void *data, u32 len, u32 seed)
{
	const struct pyheap_lru_key *key = data;

	return lru_hash(key->type, key->len, key->data, seed);
}

static u32 lru_obj_hashfn(const void *data, u32 len, u32 seed)
{
	const struct pyheap_lru_entry *e = data;

	return lru_hash(e->type, e->len, e->key, seed);
}

static inline int lru_obj_cmpfn(struct rhashtable_compare_arg *arg,
				const void *obj)
{
	const struct pyheap_lru_key *key = arg->key;
	const struct pyheap_lru_entry *e = obj;

	return key->type != e->type || key->len != e->len ||
	       !lru_key_equal(key->data, e->key, e->len);
}

static const struct rhashtable_params lru_params = {
	.head_offset = offsetof(struct pyheap_lru_entry, hnode),
	.hashfn = lru_key_hashfn,
	.obj_hashfn = lru_obj_hashfn,
	.obj_cmpfn = lru_obj_cmpfn,
	.automatic_shrinking = true,
};

/* An untyped map forgets the tag, so f(3) and f(3.0) share an entry. */
static struct pyheap_lru_key lru_key(struct pyheap_lru *lru,
				     const struct pyheap_lru_key *key)
{
	struct pyheap_lru_key k = *key;

	if (!lru->typed)
		k.type = 0;
	return k;
}

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
	struct pyheap_lru *lru;
	int err;

	if ((maxsize < 0 && maxsize != PYHEAP_LRU_UNBOUNDED) || !ops ||
	    !ops->release)
		return ERR_PTR(-EINVAL);
	lru = kzalloc(sizeof(*lru), GFP_KERNEL_ACCOUNT);
	if (!lru)
		return ERR_PTR(-ENOMEM);
	err = rhashtable_init(&lru->table, &lru_params);
	if (err) {
		kfree(lru);
		return ERR_PTR(err);
	}
	spin_lock_init(&lru->lock);
	INIT_LIST_HEAD(&lru->list);
	lru->maxsize = maxsize;
	lru->typed = typed;
	lru->ops = ops;
	return lru;
}
EXPORT_SYMBOL_GPL(pyheap_lru_create);

/* Unlink @e and queue it on @dead; its value is released later. */
static void __lru_unlink(struct pyheap_lru *lru,
			 struct pyheap_lru_entry *e, struct list_head *dead)
	__must_hold(&lru->lock)
{
	lockdep_assert_held(&lru->lock);
	rhashtable_remove_fast(&lru->table, &e->hnode, lru_params);
	list_move_tail(&e->node, dead);
	lru->currsize--;
}

/* Release what __lru_unlink() queued, with no lock held. */
static void lru_release_dead(struct pyheap_lru *lru, struct list_head *dead)
{
	struct pyheap_lru_entry *e, *tmp;

	list_for_each_entry_safe(e, tmp, dead, node) {
		lru->ops->release(e->value);
		kfree(e);
	}
}

/* The entry under @key, its value (held for the caller if @hold), or NULL. */
static struct pyheap_lru_entry *__lru_find(struct pyheap_lru *lru,
					   const struct pyheap_lru_key *key,
					   void **value, bool hold)
	__must_hold(&lru->lock)
{
	struct pyheap_lru_key k = lru_key(lru, key);
	struct pyheap_lru_entry *e;

	lockdep_assert_held(&lru->lock);
	e = rhashtable_lookup_fast(&lru->table, &k, lru_params);
	if (e) {
		if (hold && lru->ops->hold)
			lru->ops->hold(e->value);
		*value = e->value;
	}
	return e;
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
	struct pyheap_lru_entry *e;

	for (i = 0; i < n; i++)
		if (keys[i].len > PYHEAP_LRU_MAX_KEY)
			return -EINVAL;
	spin_lock(&lru->lock);
	for (i = 0; i < n; i++) {
		e = __lru_find(lru, &keys[i], &values[i], hold);
		entries[i] = e;
		found += !!e;
	}
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
	for (i = 0; i < n; i++)
		__lru_touch(lru, entries[i]);
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
 * is released at once, as lru_cache(0) stores nothing.
 *
 * Context: Process context; may sleep.  Calls release without the lock.
 * Return: 0, -EINVAL for an oversized key, or -ENOMEM (the caller keeps
 * its reference).
 */
int pyheap_lru_set(struct pyheap_lru *lru, const struct pyheap_lru_key *key,
		   void *value)
{
	struct pyheap_lru_key k = lru_key(lru, key);
	struct pyheap_lru_entry *e, *old;
	LIST_HEAD(dead);
	int err;

	if (key->len > PYHEAP_LRU_MAX_KEY)
		return -EINVAL;
	if (!lru->maxsize) {
		lru->ops->release(value);
		return 0;
	}
	e = kmalloc(struct_size(e, key, k.len), GFP_KERNEL_ACCOUNT);
	if (!e)
		return -ENOMEM;
	e->value = value;
	e->type = k.type;
	e->len = k.len;
	memcpy(e->key, k.data, k.len);

	spin_lock(&lru->lock);
	old = rhashtable_lookup_get_insert_key(&lru->table, &k, &e->hnode,
					       lru_params);
	if (IS_ERR(old)) {
		spin_unlock(&lru->lock);
		kfree(e);
		return PTR_ERR(old);
	}
	if (old) {
		/* Replace in place: the old value goes, the entry is fresh. */
		swap(old->value, e->value);
		list_move_tail(&old->node, &lru->list);
		list_add(&e->node, &dead);
		err = 0;
	} else {
		list_add_tail(&e->node, &lru->list);
		lru->currsize++;
		if (lru->maxsize > 0 && lru->currsize > lru->maxsize) {
			old = list_first_entry(&lru->list,
					       struct pyheap_lru_entry, node);
			__lru_unlink(lru, old, &dead);
			lru->evictions++;
		}
		err = 0;
	}
	spin_unlock(&lru->lock);
	lru_release_dead(lru, &dead);
	return err;
}
EXPORT_SYMBOL_GPL(pyheap_lru_set);

/**
 * pyheap_lru_delete() - remove one key (which lru_cache cannot do)
 * @lru: the map
 * @key: the key
 *
 * Context: Process context.  Calls release without the lock.
 * Return: 0 if the key was there, -ENOENT if not, -EINVAL if oversized.
 */
int pyheap_lru_delete(struct pyheap_lru *lru, const struct pyheap_lru_key *key)
{
	struct pyheap_lru_key k = lru_key(lru, key);
	struct pyheap_lru_entry *e;
	LIST_HEAD(dead);

	if (key->len > PYHEAP_LRU_MAX_KEY)
		return -EINVAL;
	spin_lock(&lru->lock);
	e = rhashtable_lookup_fast(&lru->table, &k, lru_params);
	if (e)
		__lru_unlink(lru, e, &dead);
	spin_unlock(&lru->lock);
	lru_release_dead(lru, &dead);
	return e ? 0 : -ENOENT;
}
EXPORT_SYMBOL_GPL(pyheap_lru_delete);

/**
 * pyheap_lru_clear() - cache_clear(): drop every entry, zero the counters
 * @lru: the map
 *
 * Context: Process context.  Calls release without the lock.
 */
void pyheap_lru_clear(struct pyheap_lru *lru)
{
	struct pyheap_lru_entry *e, *tmp;
	LIST_HEAD(dead);

	spin_lock(&lru->lock);
	list_for_each_entry_safe(e, tmp, &lru->list, node)
		__lru_unlink(lru, e, &dead);
	lru->hits = 0;
	lru->misses = 0;
	lru->evictions = 0;
	spin_unlock(&lru->lock);
	lru_release_dead(lru, &dead);
}
EXPORT_SYMBOL_GPL(pyheap_lru_clear);

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
	if (!lru)
		return;
	pyheap_lru_clear(lru);
	rhashtable_destroy(&lru->table);
	kfree(lru);
}
EXPORT_SYMBOL_GPL(pyheap_lru_destroy);
