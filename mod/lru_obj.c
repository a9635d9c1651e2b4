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
#include "ucmd.h"

/* Tags: I: set at creation   H: heap->lock */
struct lru_value {
	struct pyheap_heap	*heap;		/* I */
	struct pyheap_obj	*obj;		/* I: referenced, or NULL */
	union {
		struct {
			u32	refs;		/* H: the map's, and getters' */
			bool	pending;	/* H: a compute-once claim */
		};
		/* H: on heap->deferred, once refs is 0 (reclaim only) */
		struct lru_value *next;
	};
	u32			len;		/* I: bytes in data */
	u64			charge;		/* I: counted in nr_bytes */
	u8			data[];		/* I */
};

struct pyheap_ulru {
	struct pyheap_obj	ob;
	struct pyheap_lru	*lru;		/* I */
	struct list_head	node;		/* H: on heap->lru_maps */
	u32			id;		/* I: debugfs name */
	bool			may_shrink;	/* I: PYHEAP_LRU_MAY_SHRINK */
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

static void lru_value_free(struct lru_value *v)
{
	v->heap->nr_bytes -= v->charge;
	pyheap_obj_put(v->heap, v->obj);
	kfree(v);
}

static void lru_value_release(void *p)
{
	struct lru_value *v = p;
	struct pyheap_heap *heap = v->heap;

	lockdep_assert_held(&heap->lock);
	if (--v->refs)
		return;
	if (v->pending) {
		/* A claim ends (set, given up, evicted): waiters look again. */
		WRITE_ONCE(heap->lru_seq, heap->lru_seq + 1);
		wake_up_all(&heap->lru_wait);
	}
	/*
	 * In reclaim, the put of the value's object may reach an object
	 * whose finalizer has not run, and running one allocates (an event
	 * and a handle for user space): the heap's work item makes the put
	 * instead, soon after (pyheap_ulru_release_deferred()).
	 */
	if (v->obj && unlikely(heap->reclaiming)) {
		v->next = heap->deferred;
		heap->deferred = v;
		return;
	}
	lru_value_free(v);
}

/**
 * pyheap_ulru_release_deferred() - release the values reclaim evicted
 * @heap: the heap
 *
 * Context: Process context; may sleep (a finalizer may run).  Caller
 * holds heap->lock.
 */
void pyheap_ulru_release_deferred(struct pyheap_heap *heap)
	__must_hold(&heap->lock)
{
	struct lru_value *v;

	lockdep_assert_held(&heap->lock);
	while ((v = heap->deferred)) {
		heap->deferred = v->next;
		lru_value_free(v);
	}
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
				   bool typed, bool may_shrink)
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
	to_ulru(obj)->may_shrink = may_shrink;
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
		seq_printf(m, "  %6u %8ld %5u %10llu %10llu %10llu %10llu %10u\n",
			   u->id, info.maxsize, info.typed, info.hits,
			   info.misses, info.currsize, info.evictions,
			   u->may_shrink);
	}
}

/*
 * Memory pressure (mod/shrink.c).  What the heap's maps that opted in
 * could give back now: their entries, claims included (an evicted claim
 * ends as an evicted claim always has: its waiters look again).
 */
u64 pyheap_ulru_shrink_count(struct pyheap_heap *heap)
	__must_hold(&heap->lock)
{
	struct pyheap_lru_info info;
	struct pyheap_ulru *u;
	u64 n = 0;

	lockdep_assert_held(&heap->lock);
	list_for_each_entry(u, &heap->lru_maps, node) {
		if (!u->may_shrink)
			continue;
		pyheap_lru_info(u->lru, &info);
		n += info.currsize;
	}
	return n;
}

/*
 * Evict up to @nr least recent entries from the maps that opted in, a
 * share of each in turn so that no one map pays for all: each map gives
 * at most its share of what is left, rounded up.  The heap's lock keeps
 * the maps still.  A value that refers to an object is not released here
 * but left for the heap's work item (see lru_value_release()), so nothing
 * here allocates or runs a finalizer, and no object is freed: a map that
 * only such a value held stays on heap->lru_maps for the walk.  The
 * caller queues that work.
 */
u64 pyheap_ulru_shrink(struct pyheap_heap *heap, u64 nr)
	__must_hold(&heap->lock)
{
	struct pyheap_ulru *u;
	u64 maps = 0, done = 0;

	lockdep_assert_held(&heap->lock);
	list_for_each_entry(u, &heap->lru_maps, node)
		maps += u->may_shrink;
	heap->reclaiming = true;
	list_for_each_entry(u, &heap->lru_maps, node) {
		if (!u->may_shrink || done >= nr)
			continue;
		done += pyheap_lru_evict(u->lru,
					 DIV_ROUND_UP_ULL(nr - done, maps));
		maps--;
	}
	heap->reclaiming = false;
	return done;
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
	pyheap_heap_changed(heap);	/* a reference the map will hold */
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

/* The LRU ioctls. */

int pyheap_ioc_lru_new(struct pyheap_ucmd *ucmd)
	__must_hold(&ucmd->heap->lock)
{
	struct pyheap_lru_new *cmd = ucmd->cmd;
	struct pyheap_heap *heap = ucmd->heap;
	struct pyheap_obj *obj;
	int err;

	lockdep_assert_held(&ucmd->heap->lock);
	if ((cmd->flags & ~(PYHEAP_LRU_TYPED | PYHEAP_LRU_MAY_SHRINK)) ||
	    cmd->__reserved ||
	    cmd->out_handle ||
	    (cmd->maxsize < 0 && cmd->maxsize != PYHEAP_LRU_MAXSIZE_NONE) ||
	    cmd->maxsize > LONG_MAX)
		return -EINVAL;
	obj = pyheap_ulru_new(heap, cmd->maxsize < 0 ? PYHEAP_LRU_UNBOUNDED :
			      (long)cmd->maxsize,
			      cmd->flags & PYHEAP_LRU_TYPED,
			      cmd->flags & PYHEAP_LRU_MAY_SHRINK);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	err = ucmd_respond_handle(ucmd, obj, &cmd->out_handle, sizeof(*cmd));
	pyheap_obj_put(heap, obj);
	return err;
}

/* The LRU map an open handle names; -ENOENT, or -EINVAL if not a map. */
static struct pyheap_lru *ucmd_lru(struct pyheap_ucmd *ucmd, u32 handle)
	__must_hold(&ucmd->heap->lock)
{
	struct pyheap_obj *obj = ucmd_obj(ucmd, handle);

	if (IS_ERR(obj))
		return ERR_CAST(obj);
	if (!pyheap_is_ulru(obj))
		return ERR_PTR(-EINVAL);
	return pyheap_ulru_map(obj);
}

/* A key read from user memory: short ones stay on the stack. */
struct lru_key_buf {
	u8 small[64];
	void *big;	/* a kmalloc()ed copy of a longer key, or NULL */
};

static struct pyheap_lru *lru_op_load(struct pyheap_ucmd *ucmd,
				      struct pyheap_lru_key *key,
				      struct lru_key_buf *kb)
	__must_hold(&ucmd->heap->lock)
{
	struct pyheap_lru_op *cmd = ucmd->cmd;
	struct pyheap_lru *lru;

	if (cmd->key_len > PYHEAP_LRU_MAX_KEY_SIZE ||
	    cmd->out_hit || cmd->out_value_len || cmd->out_value_handle)
		return ERR_PTR(-EINVAL);
	lru = ucmd_lru(ucmd, cmd->handle);
	if (IS_ERR(lru))
		return lru;
	kb->big = NULL;
	key->data = kb->small;
	if (cmd->key_len > sizeof(kb->small)) {
		kb->big = memdup_user(u64_to_user_ptr(cmd->key), cmd->key_len);
		if (IS_ERR(kb->big))
			return ERR_CAST(kb->big);
		key->data = kb->big;
	} else if (copy_from_user(kb->small, u64_to_user_ptr(cmd->key),
				  cmd->key_len)) {
		return ERR_PTR(-EFAULT);
	}
	key->type = cmd->key_type;
	key->len = cmd->key_len;
	return lru;
}

/*
 * GET and GETV are one path.  lru_look() looks every key up without
 * touching anything and answers each hit; the handler copies the answer
 * out; only then does lru_touch() count the calls and move the entries,
 * so that a failed call changes nothing.  heap->lock keeps the map still
 * from the look to the touch.  GET is the one-key case, with compute-once
 * around it.
 */
struct lru_look {
	const struct pyheap_lru_key *keys;
	u32 n;
	void **values;
	struct pyheap_lru_entry **entries;
	struct pyheap_lru_result *res;
	u8 *slots;		/* GETV: @n slots of @value_len bytes */
	void __user *uvalue;	/* GET: the caller's one value buffer */
	u32 value_len;
	u32 hits;
	u32 claimed;		/* keys claimed for compute-once: misses */
};

/*
 * Answer hit @i: its length and its handle or bytes; with @lengths_only
 * (after another hit failed), only its length.
 */
static int lru_answer(struct pyheap_ucmd *ucmd, struct lru_look *look,
		      u32 i, bool lengths_only)
{
	struct pyheap_lru_result *res = &look->res[i];
	struct lru_value *v = look->values[i];
	const u8 *data;
	u32 len;

	data = pyheap_lru_value_data(v, &len);
	res->out_hit = PYHEAP_LRU_HIT;
	res->out_value_len = len;
	if (lengths_only)
		return 0;
	if (pyheap_lru_value_obj(v))
		return ucmd_open_handle(ucmd, pyheap_lru_value_obj(v),
					&res->out_value_handle);
	if (len > look->value_len)
		return -EOVERFLOW;
	if (look->slots)
		memcpy(look->slots + (size_t)i * look->value_len, data, len);
	else if (copy_to_user(look->uvalue, data, len))
		return -EFAULT;
	return 0;
}

static int lru_look(struct pyheap_ucmd *ucmd, struct pyheap_lru *lru,
		    struct lru_look *look)
{
	int err, ret;
	u32 i;

	/*
	 * The values are not held: under heap->lock nothing can release
	 * one before this call ends.
	 */
	err = pyheap_lru_peek_many(lru, look->keys, look->n, look->values,
				   look->entries, false);
	if (err < 0)
		return err;
	memset(look->res, 0, look->n * sizeof(*look->res));
	err = 0;
	for (i = 0; i < look->n; i++) {
		if (!look->entries[i])
			continue;
		if (pyheap_lru_value_pending(look->values[i])) {
			look->entries[i] = NULL;
			look->claimed++;
			continue;
		}
		look->hits++;
		ret = lru_answer(ucmd, look, i, err);
		if (!err)
			err = ret;
	}
	return err;
}

/* The answer is out: count each key as a call, and move each hit. */
static void lru_touch(struct pyheap_lru *lru, struct lru_look *look,
		      u32 flags)
{
	if (!(flags & PYHEAP_LRU_PEEK))
		pyheap_lru_touch_many(lru, look->entries, look->n);
}

/*
 * A COMPUTE GET found the key claimed by another caller: wait for the
 * value, outside the heap lock, and run again; or EAGAIN.
 */
static int lru_get_wait(struct pyheap_ucmd *ucmd)
{
	struct pyheap_lru_op *cmd = ucmd->cmd;

	if (ucmd->in_batch || ucmd->nonblock || !cmd->timeout_ms ||
	    ucmd->wait_jiffies == 0)
		return -EAGAIN;
	if (ucmd->wait_jiffies < 0)	/* first time round */
		ucmd->wait_jiffies = msecs_to_jiffies(cmd->timeout_ms);
	ucmd->wait_seq = ucmd->heap->lru_seq;
	return -PYHEAP_EWAIT;
}

/* A COMPUTE GET missed: claim the key for this caller, who computes it. */
static int lru_get_claim(struct pyheap_ucmd *ucmd, struct pyheap_lru *lru,
			 const struct pyheap_lru_key *key)
{
	struct pyheap_lru_op *cmd = ucmd->cmd;
	struct lru_value *pending;
	int err;

	pending = pyheap_lru_value_new(ucmd->heap, NULL, NULL, 0, key->len);
	if (IS_ERR(pending))
		return PTR_ERR(pending);
	pyheap_lru_value_set_pending(pending);
	/*
	 * Inserting the claim into a full map evicts its least recent entry,
	 * which no delete gives back: prove the answer writable first.  If
	 * the answer still fails, the claim is taken back.
	 */
	err = ucmd_prove_writable(ucmd, sizeof(*cmd));
	if (!err)
		err = pyheap_lru_set(lru, key, pending);
	if (err) {
		pyheap_lru_value_put(pending);
		return err;
	}
	cmd->out_hit = PYHEAP_LRU_CLAIMED;
	err = ucmd_respond(ucmd, sizeof(*cmd));
	if (err)
		pyheap_lru_delete(lru, key);	/* nobody knows of it */
	else
		pyheap_lru_miss(lru);
	return err;
}

/* GET: GETV of one key, whose value goes straight to the caller. */
int pyheap_ioc_lru_get(struct pyheap_ucmd *ucmd)
	__must_hold(&ucmd->heap->lock)
{
	struct pyheap_lru_op *cmd = ucmd->cmd;
	struct pyheap_lru_entry *entry;
	struct pyheap_lru_result res;
	struct pyheap_lru_key key;
	struct pyheap_lru *lru;
	struct lru_key_buf kb;
	struct lru_look look = {
		.keys = &key, .n = 1, .entries = &entry, .res = &res,
		.uvalue = u64_to_user_ptr(cmd->value),
		.value_len = cmd->value_len,
	};
	void *value;
	int err;

	lockdep_assert_held(&ucmd->heap->lock);
	if ((cmd->flags & ~(PYHEAP_LRU_PEEK | PYHEAP_LRU_COMPUTE)) ||
	    ((cmd->flags & PYHEAP_LRU_PEEK) &&
	     (cmd->flags & PYHEAP_LRU_COMPUTE)) ||
	    (!(cmd->flags & PYHEAP_LRU_COMPUTE) && cmd->timeout_ms))
		return -EINVAL;
	lru = lru_op_load(ucmd, &key, &kb);
	if (IS_ERR(lru))
		return PTR_ERR(lru);
	look.values = &value;
	err = lru_look(ucmd, lru, &look);
	if (err)
		goto out;
	if (cmd->flags & PYHEAP_LRU_COMPUTE) {
		if (look.claimed) {
			err = lru_get_wait(ucmd);
			goto out;
		}
		if (!look.hits) {
			err = lru_get_claim(ucmd, lru, &key);
			goto out;
		}
	}
	cmd->out_hit = res.out_hit;
	cmd->out_value_len = res.out_value_len;
	cmd->out_value_handle = res.out_value_handle;
	err = ucmd_respond(ucmd, sizeof(*cmd));
	if (!err)
		lru_touch(lru, &look, cmd->flags);
out:
	kfree(kb.big);
	return err;
}

int pyheap_ioc_lru_set(struct pyheap_ucmd *ucmd)
	__must_hold(&ucmd->heap->lock)
{
	struct pyheap_lru_op *cmd = ucmd->cmd;
	struct pyheap_obj *target = NULL;
	struct pyheap_lru_key key;
	struct pyheap_lru *lru;
	struct lru_value *v;
	struct lru_key_buf kb;
	int err;

	lockdep_assert_held(&ucmd->heap->lock);
	if (cmd->flags & ~PYHEAP_LRU_VALUE_OBJECT)
		return -EINVAL;
	if (cmd->flags & PYHEAP_LRU_VALUE_OBJECT) {
		if (cmd->value_len || cmd->value)
			return -EINVAL;
		target = ucmd_obj(ucmd, cmd->value_handle);
		if (IS_ERR(target))
			return PTR_ERR(target);
	} else if (cmd->value_handle ||
		   cmd->value_len > PYHEAP_LRU_MAX_VALUE_SIZE) {
		return -EINVAL;
	}
	lru = lru_op_load(ucmd, &key, &kb);
	if (IS_ERR(lru))
		return PTR_ERR(lru);
	v = pyheap_lru_value_new(ucmd->heap, target,
				 u64_to_user_ptr(cmd->value), cmd->value_len,
				 cmd->key_len);
	if (IS_ERR(v)) {
		err = PTR_ERR(v);
	} else {
		err = pyheap_lru_set(lru, &key, v);
		if (err)
			pyheap_lru_value_put(v);
	}
	kfree(kb.big);
	return err;
}

int pyheap_ioc_lru_delete(struct pyheap_ucmd *ucmd)
	__must_hold(&ucmd->heap->lock)
{
	struct pyheap_lru_op *cmd = ucmd->cmd;
	struct pyheap_lru_key key;
	struct pyheap_lru *lru;
	struct lru_key_buf kb;
	void *p;
	int err;

	lockdep_assert_held(&ucmd->heap->lock);
	if (cmd->flags || cmd->value_handle || cmd->value || cmd->value_len)
		return -EINVAL;
	lru = lru_op_load(ucmd, &key, &kb);
	if (IS_ERR(lru))
		return PTR_ERR(lru);
	/* peek first, so that an unwritable answer changes nothing */
	err = pyheap_lru_peek(lru, &key, &p);
	cmd->out_hit = !err;
	if (!err)
		pyheap_lru_value_put(p);
	err = ucmd_respond(ucmd, sizeof(*cmd));
	if (!err && cmd->out_hit)
		pyheap_lru_delete(lru, &key);
	kfree(kb.big);
	return err;
}

int pyheap_ioc_lru_info(struct pyheap_ucmd *ucmd)
	__must_hold(&ucmd->heap->lock)
{
	struct pyheap_lru_cache_info *cmd = ucmd->cmd;
	struct pyheap_lru_info info;
	struct pyheap_lru *lru;
	int err;

	lockdep_assert_held(&ucmd->heap->lock);
	if (cmd->flags & ~PYHEAP_LRU_CLEAR)
		return -EINVAL;
	lru = ucmd_lru(ucmd, cmd->handle);
	if (IS_ERR(lru))
		return PTR_ERR(lru);
	pyheap_lru_info(lru, &info);
	cmd->out_typed = info.typed;
	cmd->out_maxsize = info.maxsize < 0 ? PYHEAP_LRU_MAXSIZE_NONE :
			   info.maxsize;
	cmd->out_hits = info.hits;
	cmd->out_misses = info.misses;
	cmd->out_currsize = info.currsize;
	cmd->out_evictions = info.evictions;
	err = ucmd_respond(ucmd, sizeof(*cmd));
	if (!err && (cmd->flags & PYHEAP_LRU_CLEAR))
		pyheap_lru_clear(lru);
	return err;
}

int pyheap_ioc_lru_getv(struct pyheap_ucmd *ucmd)
	__must_hold(&ucmd->heap->lock)
{
	struct pyheap_lru_getv *cmd = ucmd->cmd;
	struct pyheap_lru_entry **entries;
	struct pyheap_lru_result *res;
	struct pyheap_lru_key *keys;
	size_t kbytes, vbytes, i, n;
	struct pyheap_lru *lru;
	struct lru_look look = {
		.n = cmd->count, .value_len = cmd->value_len,
	};
	void **values;
	u8 *kbuf, *vbuf;
	int err;

	lockdep_assert_held(&ucmd->heap->lock);
	if ((cmd->flags & ~PYHEAP_LRU_PEEK) || cmd->out_hits ||
	    !cmd->count || cmd->count > PYHEAP_LRU_GETV_MAX ||
	    cmd->key_len > PYHEAP_LRU_MAX_KEY_SIZE ||
	    cmd->value_len > PYHEAP_LRU_GETV_MAX_BYTES)
		return -EINVAL;
	n = cmd->count;
	kbytes = n * cmd->key_len;
	vbytes = n * cmd->value_len;
	if (kbytes > PYHEAP_LRU_GETV_MAX_BYTES ||
	    vbytes > PYHEAP_LRU_GETV_MAX_BYTES)
		return -EINVAL;
	lru = ucmd_lru(ucmd, cmd->handle);
	if (IS_ERR(lru))
		return PTR_ERR(lru);

	/* One buffer: keys, values, entries, results, key bytes, slots. */
	keys = kvmalloc(n * (sizeof(*keys) + sizeof(*values) +
			     sizeof(*entries) + sizeof(*res)) +
			kbytes + vbytes, GFP_KERNEL_ACCOUNT);
	if (!keys)
		return -ENOMEM;
	values = (void **)(keys + n);
	entries = (struct pyheap_lru_entry **)(values + n);
	res = (struct pyheap_lru_result *)(entries + n);
	kbuf = (u8 *)(res + n);
	vbuf = kbuf + kbytes;
	if (copy_from_user(kbuf, u64_to_user_ptr(cmd->keys), kbytes)) {
		err = -EFAULT;
		goto out_free;
	}
	for (i = 0; i < n; i++) {
		keys[i].type = cmd->key_type;
		keys[i].len = cmd->key_len;
		keys[i].data = kbuf + i * cmd->key_len;
	}
	look.keys = keys;
	look.values = values;
	look.entries = entries;
	look.res = res;
	look.slots = vbuf;
	memset(vbuf, 0, vbytes);
	err = lru_look(ucmd, lru, &look);
	cmd->out_hits = look.hits;
	if (!err && (copy_to_user(u64_to_user_ptr(cmd->values), vbuf,
				  vbytes) ||
		     copy_to_user(u64_to_user_ptr(cmd->results), res,
				  n * sizeof(*res))))
		err = -EFAULT;
	if (!err)
		err = ucmd_respond(ucmd, sizeof(*cmd));
	if (!err)
		lru_touch(lru, &look, cmd->flags);
	/*
	 * Tell a caller short of room how much each value needs; the handles
	 * opened before the overflow are closed again, so none is reported.
	 */
	if (err == -EOVERFLOW) {
		for (i = 0; i < n; i++)
			res[i].out_value_handle = PYHEAP_HANDLE_NONE;
		if (copy_to_user(u64_to_user_ptr(cmd->results), res,
				 n * sizeof(*res)))
			err = -EFAULT;
	}
out_free:
	kvfree(keys);
	return err;
}
