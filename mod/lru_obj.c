// SPDX-License-Identifier: GPL-2.0
/*
 * pyheap lru objects: an LRU map that is itself an object of a heap
 *
 * User space creates these with PYHEAP_IOC_LRU_NEW.  The map is the
 * in-kernel one of mod/lru.c; its values are records holding bytes or a
 * reference to an object of the same heap, so a value can keep an object
 * alive, and one that refers back to the map makes a cycle the collector
 * frees (the map's traverse visits its object values).  Everything a map
 * allocates counts against the heap's byte limit at the size the slab
 * gives it: the map's struct from its creation, each table it grows to,
 * each entry and each value record, all uncharged as they are freed.
 *
 * Locking: every caller holds heap->lock; the map's own spinlock nests
 * inside it.
 * Lock order: "Lock order" in mod/internal.h (3 -> 4, rules c and d).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/lockdep.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <pyheap/lru.h>
#include "internal.h"

/* Tags: I: set at creation   H: heap->lock */
struct lru_value {
	struct pyheap_heap	*heap;		/* I */
	struct pyheap_obj	*obj;		/* I: referenced, or NULL */
	u32			refs;		/* H: the map's, and getters' */
	bool			pending;	/* H: a compute-once claim */
	u32			len;		/* I: bytes in data */
	u64			charge;		/* I: counted in nr_bytes */
	u8			data[];		/* I */
};

struct pyheap_ulru {
	struct pyheap_obj	ob;
	struct pyheap_lru	*lru;		/* I */
	struct list_head	node;		/* H: on heap->lru_maps */
	u32			id;		/* I: debugfs name */
};

static struct pyheap_ulru *to_ulru(struct pyheap_obj *obj)
{
	return container_of(obj, struct pyheap_ulru, ob);
}

/* Runs under the map's spinlock, and the heap's lock: no sleeping. */
static void lru_value_hold(void *p)
{
	struct lru_value *v = p;

	v->refs++;
}

static void lru_value_release(void *p)
{
	struct lru_value *v = p;

	lockdep_assert_held(&v->heap->lock);
	if (--v->refs)
		return;
	if (v->pending) {
		/* A claim ends (set, given up, evicted): waiters look again. */
		WRITE_ONCE(v->heap->lru_seq, v->heap->lru_seq + 1);
		wake_up_all(&v->heap->lru_wait);
	}
	v->heap->nr_bytes -= v->charge;
	pyheap_obj_put(v->heap, v->obj);
	kfree(v);
}

/*
 * The map's own memory (its struct, table and entries) against the heap's
 * byte limit.  The map calls these without its spinlock, from calls made
 * under the heap's lock.
 */
static int ulru_charge(void *arg, size_t bytes)
{
	struct pyheap_heap *heap = arg;

	lockdep_assert_held(&heap->lock);
	if (bytes > heap->limits.max_bytes - heap->nr_bytes)
		return -ENOSPC;
	heap->nr_bytes += bytes;
	return 0;
}

static void ulru_uncharge(void *arg, size_t bytes)
{
	struct pyheap_heap *heap = arg;

	lockdep_assert_held(&heap->lock);
	heap->nr_bytes -= bytes;
}

static const struct pyheap_lru_ops lru_value_ops = {
	.hold = lru_value_hold,
	.release = lru_value_release,
	.charge = ulru_charge,
	.uncharge = ulru_uncharge,
};

struct lru_visit {
	pyheap_visit_t visit;
	void *arg;
};

static int lru_visit_value(const struct pyheap_lru_key *key, void *p,
			   void *arg)
{
	struct lru_value *v = p;
	struct lru_visit *lv = arg;

	if (v->obj)
		lv->visit(v->obj, lv->arg);
	return 0;
}

static void ulru_traverse(struct pyheap_obj *obj, pyheap_visit_t visit,
			  void *arg)
{
	struct lru_visit lv = { .visit = visit, .arg = arg };

	pyheap_lru_for_each(to_ulru(obj)->lru, lru_visit_value, &lv);
}

/* Clearing a map drops its entries (and so the objects they hold). */
static void ulru_clear(struct pyheap_heap *heap, struct pyheap_obj *obj)
{
	pyheap_lru_clear(to_ulru(obj)->lru);
}

static void ulru_release(struct pyheap_heap *heap, struct pyheap_obj *obj)
{
	list_del(&to_ulru(obj)->node);
	pyheap_lru_destroy(to_ulru(obj)->lru);
}

struct pyheap_type pyheap_ulru_type = {
	.name = "lru_cache",
	.traverse = ulru_traverse,
	.clear = ulru_clear,
	.release = ulru_release,
};

bool pyheap_is_ulru(const struct pyheap_obj *obj)
{
	return obj->type == &pyheap_ulru_type;
}

struct pyheap_lru *pyheap_ulru_map(struct pyheap_obj *obj)
{
	return to_ulru(obj)->lru;
}

struct pyheap_obj *pyheap_ulru_new(struct pyheap_heap *heap, long maxsize,
				   bool typed)
	__must_hold(&heap->lock)
{
	struct pyheap_lru *lru;
	struct pyheap_obj *obj;

	lru = pyheap_lru_create_charged(maxsize, typed, &lru_value_ops, heap);
	if (IS_ERR(lru))
		return ERR_CAST(lru);
	obj = pyheap_obj_new(heap, &pyheap_ulru_type,
			     sizeof(struct pyheap_ulru));
	if (IS_ERR(obj)) {
		pyheap_lru_destroy(lru);
		return obj;
	}
	to_ulru(obj)->lru = lru;
	to_ulru(obj)->id = ++heap->next_lru_id;
	list_add_tail(&to_ulru(obj)->node, &heap->lru_maps);
	return obj;
}

struct lru_dump {
	struct seq_file *m;
	u32 id;
	u64 rank;
};

/* Runs under the map's spinlock: seq_printf() does not sleep. */
static int lru_dump_key(const struct pyheap_lru_key *key, void *value,
			void *arg)
{
	struct lru_dump *d = arg;

	seq_printf(d->m, "  %6u %8llu %10u %6u %*phN\n", d->id, d->rank++,
		   key->type, key->len, (int)min(key->len, 32U), key->data);
	return 0;
}

/*
 * debugfs: the statistics of each map (@keys false), or every key of
 * every map in recency order, least recent first (@keys true).
 */
void pyheap_ulru_show(struct pyheap_heap *heap, struct seq_file *m, bool keys)
	__must_hold(&heap->lock)
{
	struct pyheap_lru_info info;
	struct pyheap_ulru *u;
	struct lru_dump d = { .m = m };

	list_for_each_entry(u, &heap->lru_maps, node) {
		if (keys) {
			d.id = u->id;
			d.rank = 0;
			pyheap_lru_for_each(u->lru, lru_dump_key, &d);
			continue;
		}
		pyheap_lru_info(u->lru, &info);
		seq_printf(m, "  %6u %8ld %5u %10llu %10llu %10llu %10llu\n",
			   u->id, info.maxsize, info.typed, info.hits,
			   info.misses, info.currsize, info.evictions);
	}
}

/*
 * A value record for SET: @len bytes from user memory at @ubuf, or a
 * reference to @target.  Checked against the heap's byte limit first, at
 * the record's slab size; the entry that will hold it (@key_len bytes of
 * key) is the map's to charge, in pyheap_lru_set().
 */
struct lru_value *pyheap_lru_value_new(struct pyheap_heap *heap,
				       struct pyheap_obj *target,
				       const void __user *ubuf, u32 len,
				       u32 key_len)
	__must_hold(&heap->lock)
{
	struct lru_value *v;
	u64 charge = kmalloc_size_roundup(struct_size(v, data, len));

	lockdep_assert_held(&heap->lock);
	if (charge > heap->limits.max_bytes - heap->nr_bytes)
		return ERR_PTR(-ENOSPC);
	v = kmalloc(struct_size(v, data, len), GFP_KERNEL_ACCOUNT);
	if (!v)
		return ERR_PTR(-ENOMEM);
	if (len && copy_from_user(v->data, ubuf, len)) {
		kfree(v);
		return ERR_PTR(-EFAULT);
	}
	v->heap = heap;
	v->obj = target;
	v->refs = 1;
	v->pending = false;
	v->len = len;
	v->charge = charge;
	if (target)
		pyheap_obj_get(target);
	heap->nr_bytes += charge;
	return v;
}

/* Undo pyheap_lru_value_new() for a record the map never took. */
void pyheap_lru_value_put(struct lru_value *v)
{
	lru_value_release(v);
}

bool pyheap_lru_value_pending(struct lru_value *v)
{
	return v->pending;
}

void pyheap_lru_value_set_pending(struct lru_value *v)
{
	v->pending = true;
}

struct pyheap_obj *pyheap_lru_value_obj(struct lru_value *v)
{
	return v->obj;
}

const u8 *pyheap_lru_value_data(struct lru_value *v, u32 *len)
{
	*len = v->len;
	return v->data;
}
