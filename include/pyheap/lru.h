/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pyheap lru: a map with functools.lru_cache semantics, for any kernel code
 *
 * Keys are byte strings, with a type tag that counts only in typed maps
 * (lru_cache(typed=True)); values are opaque pointers whose lifetime the
 * map manages through the caller's hold and release callbacks.  maxsize
 * is unbounded (%PYHEAP_LRU_UNBOUNDED, lru_cache(maxsize=None)), 0 (every
 * lookup misses, nothing is stored) or N (strict least-recently-used
 * eviction).  hits, misses, maxsize and currsize are cache_info().
 *
 * Limitations: keys are at most %PYHEAP_LRU_MAX_KEY bytes.  The map takes
 * its own spinlock; the callbacks other than hold never run under it.
 * Lookups are O(1) through a chained hash table of the map's own that
 * grows and shrinks with the map; every hit moves its entry (a strict
 * LRU, unlike the BPF LRU's approximation).  All of a map's memory is
 * charged to the memory cgroup of the caller that made it allocate; a
 * map made with pyheap_lru_create_charged() also reports every byte of
 * it through its charge callbacks.
 */
#ifndef _PYHEAP_LRU_H
#define _PYHEAP_LRU_H

#include <linux/types.h>

#define PYHEAP_LRU_UNBOUNDED	(-1L)
#define PYHEAP_LRU_MAX_KEY	4096

struct pyheap_lru;
struct pyheap_lru_entry;	/* opaque: from pyheap_lru_peek_many() */

/**
 * struct pyheap_lru_ops - what the map does with values
 * @hold: take a reference for a caller of pyheap_lru_get(); runs under the
 *	map's spinlock, so it must not sleep (a kref_get() is typical).  May
 *	be NULL for values that need no reference (plain numbers, or objects
 *	the caller keeps alive by other means); then lookups hand out the
 *	bare value and the caller must not release it.
 * @release: drop the map's (or a getter's) reference; runs without the
 *	map's lock, in the caller's context
 * @charge: for pyheap_lru_create_charged(): the map is about to allocate
 *	@bytes (the slab's rounded size: its struct, an entry, a table);
 *	return 0 to let it, or an errno the map's call then fails with (a
 *	table's growth is only skipped).  Runs without the map's lock, in
 *	the context of the map call that allocates.  May be NULL.
 * @uncharge: the map freed @bytes it had charged.  Runs without the map's
 *	lock, in the caller's context.  Set with @charge, or NULL with it.
 */
struct pyheap_lru_ops {
	void (*hold)(void *value);
	void (*release)(void *value);
	int (*charge)(void *arg, size_t bytes);
	void (*uncharge)(void *arg, size_t bytes);
};

/**
 * struct pyheap_lru_key - one key
 * @type: type tag, compared only in typed maps
 * @len: bytes in @data, 0..%PYHEAP_LRU_MAX_KEY
 * @data: the key bytes
 */
struct pyheap_lru_key {
	u32 type;
	u32 len;
	const void *data;
};

/**
 * struct pyheap_lru_info - cache_info(), and what lru_cache lacks
 * @hits: lookups that found their key
 * @misses: lookups that did not
 * @maxsize: as created (%PYHEAP_LRU_UNBOUNDED for None)
 * @currsize: entries now
 * @evictions: entries pushed out by newer ones
 * @typed: whether the type tag counts
 */
struct pyheap_lru_info {
	u64 hits;
	u64 misses;
	long maxsize;
	u64 currsize;
	u64 evictions;
	bool typed;
};

struct pyheap_lru *pyheap_lru_create(long maxsize, bool typed,
				     const struct pyheap_lru_ops *ops);
struct pyheap_lru *pyheap_lru_create_charged(long maxsize, bool typed,
					     const struct pyheap_lru_ops *ops,
					     void *charge_arg);
void pyheap_lru_destroy(struct pyheap_lru *lru);
int pyheap_lru_get(struct pyheap_lru *lru, const struct pyheap_lru_key *key,
		   void **value);
void pyheap_lru_miss(struct pyheap_lru *lru);
int pyheap_lru_peek(struct pyheap_lru *lru, const struct pyheap_lru_key *key,
		    void **value);
int pyheap_lru_peek_many(struct pyheap_lru *lru,
			 const struct pyheap_lru_key *keys, unsigned int n,
			 void **values, struct pyheap_lru_entry **entries,
			 bool hold);
void pyheap_lru_touch_many(struct pyheap_lru *lru,
			   struct pyheap_lru_entry *const *entries,
			   unsigned int n);
int pyheap_lru_set(struct pyheap_lru *lru, const struct pyheap_lru_key *key,
		   void *value);
int pyheap_lru_delete(struct pyheap_lru *lru,
		      const struct pyheap_lru_key *key);
void pyheap_lru_clear(struct pyheap_lru *lru);
unsigned long pyheap_lru_evict(struct pyheap_lru *lru, unsigned long nr);
void pyheap_lru_info(struct pyheap_lru *lru, struct pyheap_lru_info *info);
int pyheap_lru_for_each(struct pyheap_lru *lru,
			int (*fn)(const struct pyheap_lru_key *key,
				  void *value, void *arg),
			void *arg);

#endif /* _PYHEAP_LRU_H */
