// SPDX-License-Identifier: GPL-2.0
/*
 * pyheap misc device: /dev/pyheap, one heap per open file
 *
 * open() creates a heap and release() destroys it, so the file's own
 * reference counting bounds the heap's life.  Every ioctl is looked up in
 * pyheap_ioctl_ops[], its argument is copied in once with
 * copy_struct_from_user(), and its handler runs under the heap's lock.  See
 * "ABI rules" in include/uapi/linux/pyheap.h.
 *
 * Locking: the dispatcher takes heap->lock around each handler (a batch
 * holds it for all its operations), so the handlers and everything they
 * call run under it.  They copy to and from user memory under it too.
 * Lock order: "Lock order" in mod/internal.h (3, rules a and c).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/stddef.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/siphash.h>
#include <linux/uaccess.h>

#include <pyheap/lru.h>
#include <uapi/linux/pyheap.h>
#include "internal.h"

/**
 * struct pyheap_ucmd - one ioctl call in flight
 * @heap: the file's heap, locked while the handler runs
 * @ubuffer: the caller's argument
 * @user_size: the caller's idea of the argument's size
 * @cmd: the kernel copy of the argument
 * @in_batch: run as one operation of PYHEAP_IOC_BATCH (which never waits)
 * @nonblock: the file is O_NONBLOCK: never wait either
 * @wait_jiffies: how long the call may still wait; -1 before it first has
 * @wait_seq: the heap's lru_seq the call waits to see change
 */
struct pyheap_ucmd {
	struct pyheap_heap *heap;
	void __user *ubuffer;
	u32 user_size;
	void *cmd;
	bool in_batch;
	bool nonblock;
	long wait_jiffies;
	u64 wait_seq;
};

/*
 * A handler returns this (never seen by user space) to have the
 * dispatcher drop the heap lock, wait until heap->lru_seq moves past
 * ucmd->wait_seq or ucmd->wait_jiffies run out, and run it again.
 */
#define PYHEAP_EWAIT	EINPROGRESS

/* Copy a handler's result back, never more than the caller's struct holds. */
static int ucmd_respond(struct pyheap_ucmd *ucmd, size_t cmd_len)
{
	if (copy_to_user(ucmd->ubuffer, ucmd->cmd,
			 min_t(size_t, ucmd->user_size, cmd_len)))
		return -EFAULT;
	return 0;
}

static int pyheap_ioc_version(struct pyheap_ucmd *ucmd)
	__must_hold(&ucmd->heap->lock)
{
	struct pyheap_version *cmd = ucmd->cmd;

	lockdep_assert_held(&ucmd->heap->lock);
	if (cmd->flags)
		return -EINVAL;

	cmd->out_abi_major = PYHEAP_ABI_MAJOR;
	cmd->out_abi_minor = PYHEAP_ABI_MINOR;
	cmd->out_heap_id = pyheap_heap_id(ucmd->heap);
	return ucmd_respond(ucmd, sizeof(*cmd));
}

/* The object an open handle names, or -ENOENT. */
static struct pyheap_obj *ucmd_obj(struct pyheap_ucmd *ucmd, u32 handle)
	__must_hold(&ucmd->heap->lock)
{
	struct pyheap_obj *obj = pyheap_handle_lookup(ucmd->heap, handle);

	return obj ?: ERR_PTR(-ENOENT);
}

/*
 * Answer with a new handle on @obj (none if @obj is NULL) in *@out: open
 * it, copy the answer out, and close it again if the copy fails, so that
 * a failed call leaves no handle behind.
 */
static int ucmd_respond_handle(struct pyheap_ucmd *ucmd,
			       struct pyheap_obj *obj, u32 *out, size_t len)
	__must_hold(&ucmd->heap->lock)
{
	int err;

	if (obj) {
		err = pyheap_handle_open(ucmd->heap, obj, out);
		if (err)
			return err;
	}
	err = ucmd_respond(ucmd, len);
	if (err && obj)
		pyheap_handle_close(ucmd->heap, *out);
	return err;
}

static int pyheap_ioc_obj_new(struct pyheap_ucmd *ucmd)
	__must_hold(&ucmd->heap->lock)
{
	struct pyheap_obj_new *cmd = ucmd->cmd;
	struct pyheap_heap *heap = ucmd->heap;
	struct pyheap_obj *obj;
	int err;

	if (cmd->__reserved || cmd->out_handle)
		return -EINVAL;
	obj = pyheap_uobj_new(heap, cmd->nslots, cmd->payload_size,
			      cmd->flags);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	/* The handle takes its own reference; ours goes either way. */
	err = ucmd_respond_handle(ucmd, obj, &cmd->out_handle, sizeof(*cmd));
	pyheap_obj_put(heap, obj);
	return err;
}

static int pyheap_ioc_handle_dup(struct pyheap_ucmd *ucmd)
	__must_hold(&ucmd->heap->lock)
{
	struct pyheap_handle_dup *cmd = ucmd->cmd;
	struct pyheap_obj *obj;

	if (cmd->flags || cmd->out_handle)
		return -EINVAL;
	obj = ucmd_obj(ucmd, cmd->handle);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	return ucmd_respond_handle(ucmd, obj, &cmd->out_handle, sizeof(*cmd));
}

static int pyheap_ioc_handle_close(struct pyheap_ucmd *ucmd)
	__must_hold(&ucmd->heap->lock)
{
	struct pyheap_handle_close *cmd = ucmd->cmd;

	if (cmd->flags || cmd->__reserved)
		return -EINVAL;
	return pyheap_handle_close(ucmd->heap, cmd->handle);
}

/*
 * Objects and handles of OBJ_NEWV and HANDLE_CLOSEV: one buffer each way,
 * kvmalloc()ed, its size capped by PYHEAP_VEC_MAX before it is computed.
 */
static int pyheap_ioc_obj_newv(struct pyheap_ucmd *ucmd)
	__must_hold(&ucmd->heap->lock)
{
	struct pyheap_obj_newv *cmd = ucmd->cmd;
	struct pyheap_heap *heap = ucmd->heap;
	struct pyheap_obj **objs;
	u32 *handles, i, n = cmd->count;
	int err;

	lockdep_assert_held(&heap->lock);
	if (cmd->__reserved || !n || n > PYHEAP_VEC_MAX ||
	    !pyheap_uobj_shape_ok(cmd->nslots, cmd->payload_size, cmd->flags))
		return -EINVAL;
	objs = kvmalloc_array(n, sizeof(*objs) + sizeof(*handles),
			      GFP_KERNEL_ACCOUNT);
	if (!objs)
		return -ENOMEM;
	handles = (u32 *)(objs + n);
	/* Room for the handles first: past here only ENOMEM undoes work. */
	err = pyheap_handles_reserve(heap, n);
	if (!err)
		err = pyheap_uobj_new_many(heap, cmd->nslots,
					   cmd->payload_size, cmd->flags, n,
					   objs);
	if (err)
		goto out_free;
	/* Reserved, so it succeeds; the handles take references, ours go. */
	err = pyheap_handles_open_many(heap, objs, n, handles);
	for (i = 0; i < n; i++)
		pyheap_obj_put(heap, objs[i]);
	if (err)
		goto out_free;
	if (copy_to_user(u64_to_user_ptr(cmd->handles), handles,
			 n * sizeof(*handles))) {
		pyheap_handles_close_many(heap, handles, n);
		err = -EFAULT;
	}
out_free:
	kvfree(objs);
	return err;
}

static int pyheap_ioc_handle_closev(struct pyheap_ucmd *ucmd)
	__must_hold(&ucmd->heap->lock)
{
	struct pyheap_handle_closev *cmd = ucmd->cmd;
	u32 *handles, n = cmd->count;
	int err;

	lockdep_assert_held(&ucmd->heap->lock);
	if (cmd->flags || cmd->__reserved || !n || n > PYHEAP_VEC_MAX)
		return -EINVAL;
	handles = kvmalloc_array(n, sizeof(*handles), GFP_KERNEL_ACCOUNT);
	if (!handles)
		return -ENOMEM;
	if (copy_from_user(handles, u64_to_user_ptr(cmd->handles),
			   n * sizeof(*handles)))
		err = -EFAULT;
	else
		err = pyheap_handles_close_many(ucmd->heap, handles, n);
	kvfree(handles);
	return err;
}

static int pyheap_ioc_slot_set(struct pyheap_ucmd *ucmd)
	__must_hold(&ucmd->heap->lock)
{
	struct pyheap_slot *cmd = ucmd->cmd;
	struct pyheap_obj *obj, *target = NULL;

	if (cmd->flags || cmd->out_handle)
		return -EINVAL;
	obj = ucmd_obj(ucmd, cmd->handle);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	if (cmd->target != PYHEAP_HANDLE_NONE) {
		target = ucmd_obj(ucmd, cmd->target);
		if (IS_ERR(target))
			return PTR_ERR(target);
	}
	return pyheap_uobj_set_slot(ucmd->heap, obj, cmd->index, target);
}

static int pyheap_ioc_slot_get(struct pyheap_ucmd *ucmd)
	__must_hold(&ucmd->heap->lock)
{
	struct pyheap_slot *cmd = ucmd->cmd;
	struct pyheap_obj *obj, *target;
	int err;

	if (cmd->flags || cmd->target || cmd->out_handle)
		return -EINVAL;
	obj = ucmd_obj(ucmd, cmd->handle);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	err = pyheap_uobj_get_slot(obj, cmd->index, &target);
	if (err)
		return err;
	return ucmd_respond_handle(ucmd, target, &cmd->out_handle,
				   sizeof(*cmd));
}

/* Check a payload command and find its bytes in the object. */
static u8 *ucmd_payload(struct pyheap_ucmd *ucmd, int *err)
	__must_hold(&ucmd->heap->lock)
{
	struct pyheap_payload *cmd = ucmd->cmd;
	struct pyheap_obj *obj;

	if (cmd->flags) {
		*err = -EINVAL;
		return NULL;
	}
	obj = ucmd_obj(ucmd, cmd->handle);
	if (IS_ERR(obj)) {
		*err = PTR_ERR(obj);
		return NULL;
	}
	return pyheap_uobj_payload(obj, cmd->offset, cmd->length, err);
}

/*
 * The bytes go through a bounce buffer, so that a fault half way through
 * the user's buffer leaves the payload as it was.
 */
static int pyheap_ioc_payload_write(struct pyheap_ucmd *ucmd)
	__must_hold(&ucmd->heap->lock)
{
	struct pyheap_payload *cmd = ucmd->cmd;
	void *bounce;
	u8 *dst;
	int err;

	dst = ucmd_payload(ucmd, &err);
	if (!dst)
		return err;
	bounce = kvmalloc(cmd->length, GFP_KERNEL_ACCOUNT);
	if (!bounce)
		return -ENOMEM;
	if (copy_from_user(bounce, u64_to_user_ptr(cmd->data), cmd->length))
		err = -EFAULT;
	else
		memcpy(dst, bounce, cmd->length);
	kvfree(bounce);
	return err;
}

static int pyheap_ioc_payload_read(struct pyheap_ucmd *ucmd)
	__must_hold(&ucmd->heap->lock)
{
	struct pyheap_payload *cmd = ucmd->cmd;
	u8 *src;
	int err;

	src = ucmd_payload(ucmd, &err);
	if (!src)
		return err;
	if (copy_to_user(u64_to_user_ptr(cmd->data), src, cmd->length))
		return -EFAULT;
	return 0;
}

static int pyheap_ioc_getsizeof(struct pyheap_ucmd *ucmd)
	__must_hold(&ucmd->heap->lock)
{
	struct pyheap_getsizeof *cmd = ucmd->cmd;
	struct pyheap_deep_size deep;
	struct pyheap_obj *obj;
	int err;

	if ((cmd->flags & ~PYHEAP_GETSIZEOF_DEEP) || cmd->__reserved)
		return -EINVAL;
	obj = ucmd_obj(ucmd, cmd->handle);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	cmd->out_size = obj->size;
	cmd->out_class_size = pyheap_obj_class_size(obj);
	cmd->out_deep_size = 0;
	cmd->out_deep_objects = 0;
	if (cmd->flags & PYHEAP_GETSIZEOF_DEEP) {
		err = pyheap_obj_deep_size(ucmd->heap, obj, &deep);
		if (err)
			return err;
		cmd->out_deep_size = deep.bytes;
		cmd->out_deep_objects = deep.objects;
	}
	return ucmd_respond(ucmd, sizeof(*cmd));
}

static int pyheap_ioc_heap_info(struct pyheap_ucmd *ucmd)
	__must_hold(&ucmd->heap->lock)
{
	struct pyheap_heap_info *cmd = ucmd->cmd;
	struct pyheap_heap *heap = ucmd->heap;

	if (cmd->flags)
		return -EINVAL;
	cmd->out_objects = heap->nr_objects;
	cmd->out_bytes = heap->nr_bytes;
	cmd->out_handles = heap->nr_handles;
	cmd->out_max_objects = heap->limits.max_objects;
	cmd->out_max_bytes = heap->limits.max_bytes;
	cmd->out_max_handles = heap->limits.max_handles;
	return ucmd_respond(ucmd, sizeof(*cmd));
}

/*
 * A collection cannot answer before it runs, so it makes sure the answer
 * can be written before it starts: writing the argument back unchanged
 * faults its page in and proves it writable.  After that only a caller
 * that unmaps or write-protects its own argument while the call runs can
 * make the final copy fail; the collection then stands and the call
 * still returns 0 (see "A failed call changes nothing" in uapi.rst).
 */
static int pyheap_ioc_gc_collect(struct pyheap_ucmd *ucmd)
	__must_hold(&ucmd->heap->lock)
{
	struct pyheap_gc_collect *cmd = ucmd->cmd;
	long n;
	int err;

	if (cmd->flags || cmd->__reserved || cmd->out_unreachable)
		return -EINVAL;
	err = ucmd_respond(ucmd, sizeof(*cmd));
	if (err)
		return err;
	n = pyheap_gc_collect(ucmd->heap, cmd->generation);
	if (n < 0)
		return n;
	cmd->out_unreachable = n;
	ucmd_respond(ucmd, sizeof(*cmd));
	return 0;
}

static void gc_state_fill(struct pyheap_heap *heap,
			  struct pyheap_gc_state *cmd)
	__must_hold(&heap->lock)
{
	struct pyheap_gc *gc = &heap->gc;
	int i;

	cmd->enabled = gc->enabled;
	cmd->debug = gc->debug;
	for (i = 0; i < PYHEAP_GC_NR_GENS; i++) {
		cmd->threshold[i] = gc->gens[i].threshold;
		cmd->out_count[i] = gc->gens[i].count;
	}
	cmd->out_freeze_count = gc->nr_permanent;
	cmd->out_garbage = gc->nr_garbage;
	cmd->out_events = gc->nr_events;
}

static int pyheap_ioc_gc_get(struct pyheap_ucmd *ucmd)
	__must_hold(&ucmd->heap->lock)
{
	struct pyheap_gc_state *cmd = ucmd->cmd;

	if (cmd->flags || cmd->__reserved || cmd->__reserved2)
		return -EINVAL;
	gc_state_fill(ucmd->heap, cmd);
	return ucmd_respond(ucmd, sizeof(*cmd));
}

#define GC_DEBUG_ALL	(PYHEAP_GC_DEBUG_STATS | PYHEAP_GC_DEBUG_COLLECTABLE | \
			 PYHEAP_GC_DEBUG_UNCOLLECTABLE | \
			 PYHEAP_GC_DEBUG_SAVEALL)
#define GC_SET_ALL	(PYHEAP_GC_SET_ENABLED | PYHEAP_GC_SET_DEBUG | \
			 PYHEAP_GC_SET_THRESHOLD)

/* Everything is checked before anything changes. */
static int pyheap_ioc_gc_set(struct pyheap_ucmd *ucmd)
	__must_hold(&ucmd->heap->lock)
{
	struct pyheap_gc_state *cmd = ucmd->cmd;
	struct pyheap_gc *gc = &ucmd->heap->gc;
	struct pyheap_gc_state want;
	int err, i;

	if ((cmd->flags & ~GC_SET_ALL) || cmd->__reserved ||
	    cmd->__reserved2 || cmd->enabled > 1 ||
	    (cmd->debug & ~GC_DEBUG_ALL))
		return -EINVAL;
	for (i = 0; i < PYHEAP_GC_NR_GENS; i++)
		if (cmd->out_count[i])
			return -EINVAL;
	/* Answer with the state as it will be, then make it so. */
	want = *cmd;
	gc_state_fill(ucmd->heap, cmd);
	if (want.flags & PYHEAP_GC_SET_ENABLED)
		cmd->enabled = want.enabled;
	if (want.flags & PYHEAP_GC_SET_DEBUG)
		cmd->debug = want.debug;
	if (want.flags & PYHEAP_GC_SET_THRESHOLD)
		memcpy(cmd->threshold, want.threshold, sizeof(cmd->threshold));
	err = ucmd_respond(ucmd, sizeof(*cmd));
	if (err)
		return err;
	gc->enabled = cmd->enabled;
	gc->debug = cmd->debug;
	for (i = 0; i < PYHEAP_GC_NR_GENS; i++)
		gc->gens[i].threshold = cmd->threshold[i];
	return 0;
}

static int pyheap_ioc_gc_stats(struct pyheap_ucmd *ucmd)
	__must_hold(&ucmd->heap->lock)
{
	struct pyheap_gc_stats *cmd = ucmd->cmd;
	struct pyheap_gc *gc = &ucmd->heap->gc;
	int i;

	if (cmd->flags)
		return -EINVAL;
	for (i = 0; i < PYHEAP_GC_NR_GENS; i++) {
		struct pyheap_gc_gen *g = &gc->gens[i];

		cmd->out_gen[i] = (struct pyheap_gc_gen_stats) {
			.collections = g->collections,
			.collected = g->collected,
			.uncollectable = g->uncollectable,
			.candidates = g->candidates,
			.duration_ns = g->duration_ns,
			.max_pause_ns = g->max_pause_ns,
			.objects = g->nr,
		};
	}
	return ucmd_respond(ucmd, sizeof(*cmd));
}

static int pyheap_ioc_gc_freeze(struct pyheap_ucmd *ucmd)
	__must_hold(&ucmd->heap->lock)
{
	struct pyheap_gc_freeze *cmd = ucmd->cmd;
	struct pyheap_gc *gc = &ucmd->heap->gc;
	bool freeze = cmd->flags == PYHEAP_GC_FREEZE;
	int err, i;

	if (cmd->flags != PYHEAP_GC_FREEZE && cmd->flags != PYHEAP_GC_UNFREEZE)
		return -EINVAL;
	/* The count after the call is known beforehand: answer, then act. */
	cmd->out_freeze_count = 0;
	if (freeze) {
		cmd->out_freeze_count = gc->nr_permanent;
		for (i = 0; i < PYHEAP_GC_NR_GENS; i++)
			cmd->out_freeze_count += gc->gens[i].nr;
	}
	err = ucmd_respond(ucmd, sizeof(*cmd));
	if (err)
		return err;
	pyheap_gc_freeze(ucmd->heap, freeze);
	return 0;
}

static int pyheap_ioc_gc_obj_info(struct pyheap_ucmd *ucmd)
	__must_hold(&ucmd->heap->lock)
{
	struct pyheap_gc_obj_info *cmd = ucmd->cmd;
	struct pyheap_obj *obj;
	u32 gen;

	if (cmd->flags || cmd->__reserved)
		return -EINVAL;
	obj = ucmd_obj(ucmd, cmd->handle);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	gen = (obj->flags & PYHEAP_OBJF_GEN_MASK) >> PYHEAP_OBJF_GEN_SHIFT;
	cmd->out_tracked = gen != PYHEAP_GEN_UNTRACKED;
	cmd->out_finalized = !!(obj->flags & PYHEAP_OBJF_FINALIZED);
	cmd->out_generation = gen;
	cmd->out_refcnt = obj->refcnt;
	/* Top bit clear: an id never looks like a kernel address. */
	cmd->out_id = siphash_1u64((u64)(uintptr_t)obj, &ucmd->heap->id_key) &
		      (U64_MAX >> 1);
	strscpy_pad(cmd->out_type, obj->type->name,
		    sizeof(cmd->out_type));
	return ucmd_respond(ucmd, sizeof(*cmd));
}

/*
 * Handles out to user space, for GC_REFS and GC_GARBAGE: collect up to
 * @max objects, then open one handle each and copy them out.  On any
 * failure every handle opened here is closed again.
 */
struct refs_out {
	struct pyheap_obj **objs;
	u32 max, count, total;
	struct pyheap_obj *match;	/* REFERRERS: the object looked for */
	bool found;
};

static void refs_collect(struct pyheap_obj *target, void *arg)
{
	struct refs_out *out = arg;

	if (out->match) {
		out->found |= target == out->match;
		return;
	}
	if (out->count < out->max)
		out->objs[out->count++] = target;
	out->total++;
}

static int refs_respond(struct pyheap_ucmd *ucmd, struct refs_out *out,
			u64 uaddr, u32 *out_count, u32 *out_total, size_t len)
	__must_hold(&ucmd->heap->lock)
{
	u32 i, opened, *hs;
	int err = 0;

	hs = kvmalloc_array(max(out->count, 1U), sizeof(*hs),
			    GFP_KERNEL_ACCOUNT);
	if (!hs)
		return -ENOMEM;
	for (opened = 0; opened < out->count; opened++) {
		err = pyheap_handle_open(ucmd->heap, out->objs[opened],
					 &hs[opened]);
		if (err)
			break;
	}
	if (!err && copy_to_user(u64_to_user_ptr(uaddr), hs,
				 out->count * sizeof(*hs)))
		err = -EFAULT;
	if (!err) {
		*out_count = out->count;
		*out_total = out->total;
		err = ucmd_respond(ucmd, len);
	}
	if (err)
		for (i = 0; i < opened; i++)
			pyheap_handle_close(ucmd->heap, hs[i]);
	kvfree(hs);
	return err;
}

static int refs_init(struct refs_out *out, u32 max)
{
	if (!max || max > PYHEAP_GC_REFS_MAX)
		return -EINVAL;
	out->max = max;
	out->objs = kvmalloc_array(max, sizeof(*out->objs),
				   GFP_KERNEL_ACCOUNT);
	return out->objs ? 0 : -ENOMEM;
}

/* Every tracked object that refers to @match, for gc.get_referrers(). */
static void refs_find_referrers(struct pyheap_heap *heap,
				struct refs_out *out, struct pyheap_obj *match)
	__must_hold(&heap->lock)
{
	struct pyheap_gc *gc = &heap->gc;
	struct list_head *lists[PYHEAP_GC_NR_GENS + 1];
	struct pyheap_obj *obj;
	int i;

	for (i = 0; i < PYHEAP_GC_NR_GENS; i++)
		lists[i] = &gc->gens[i].objects;
	lists[i] = &gc->permanent;
	for (i = 0; i < ARRAY_SIZE(lists); i++) {
		list_for_each_entry(obj, lists[i], node) {
			out->match = match;
			out->found = false;
			obj->type->traverse(obj, refs_collect, out);
			out->match = NULL;
			if (out->found)
				refs_collect(obj, out);
		}
		cond_resched();
	}
}

static int pyheap_ioc_gc_refs(struct pyheap_ucmd *ucmd)
	__must_hold(&ucmd->heap->lock)
{
	struct pyheap_gc_refs *cmd = ucmd->cmd;
	struct refs_out out = {};
	struct pyheap_obj *obj;
	int err;

	if ((cmd->flags != PYHEAP_GC_REFERENTS &&
	     cmd->flags != PYHEAP_GC_REFERRERS) ||
	    cmd->out_count || cmd->out_total)
		return -EINVAL;
	obj = ucmd_obj(ucmd, cmd->handle);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	err = refs_init(&out, cmd->max);
	if (err)
		return err;
	if (cmd->flags == PYHEAP_GC_REFERENTS) {
		if (obj->type->traverse)
			obj->type->traverse(obj, refs_collect, &out);
	} else {
		refs_find_referrers(ucmd->heap, &out, obj);
	}
	err = refs_respond(ucmd, &out, cmd->handles, &cmd->out_count,
			   &cmd->out_total, sizeof(*cmd));
	kvfree(out.objs);
	return err;
}

static int pyheap_ioc_gc_garbage(struct pyheap_ucmd *ucmd)
	__must_hold(&ucmd->heap->lock)
{
	struct pyheap_gc_garbage *cmd = ucmd->cmd;
	struct pyheap_gc *gc = &ucmd->heap->gc;
	struct refs_out out = {};
	struct pyheap_obj *obj;
	unsigned long i;
	int err;

	if (cmd->__reserved || cmd->out_count || cmd->out_total)
		return -EINVAL;
	if (cmd->flags == PYHEAP_GC_GARBAGE_CLEAR) {
		if (cmd->max || cmd->handles)
			return -EINVAL;
		cmd->out_total = gc->nr_garbage;
		cmd->out_count = cmd->out_total;
		/* The answer goes out first: the clear cannot be undone. */
		err = ucmd_respond(ucmd, sizeof(*cmd));
		if (!err)
			pyheap_gc_garbage_clear(ucmd->heap);
		return err;
	}
	if (cmd->flags != PYHEAP_GC_GARBAGE_LIST)
		return -EINVAL;
	err = refs_init(&out, cmd->max);
	if (err)
		return err;
	xa_for_each(&gc->garbage, i, obj)
		refs_collect(obj, &out);
	err = refs_respond(ucmd, &out, cmd->handles, &cmd->out_count,
			   &cmd->out_total, sizeof(*cmd));
	kvfree(out.objs);
	return err;
}

static int pyheap_ioc_lru_new(struct pyheap_ucmd *ucmd)
	__must_hold(&ucmd->heap->lock)
{
	struct pyheap_lru_new *cmd = ucmd->cmd;
	struct pyheap_heap *heap = ucmd->heap;
	struct pyheap_obj *obj;
	int err;

	if ((cmd->flags & ~PYHEAP_LRU_TYPED) || cmd->__reserved ||
	    cmd->out_handle ||
	    (cmd->maxsize < 0 && cmd->maxsize != PYHEAP_LRU_MAXSIZE_NONE) ||
	    cmd->maxsize > LONG_MAX)
		return -EINVAL;
	obj = pyheap_ulru_new(heap, cmd->maxsize < 0 ? PYHEAP_LRU_UNBOUNDED :
			      (long)cmd->maxsize,
			      cmd->flags & PYHEAP_LRU_TYPED);
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
 * GET found the key claimed by another caller (compute-once).  A plain GET
 * sees a miss; a COMPUTE GET waits for the value, outside the heap lock,
 * and runs again.
 */
static int lru_get_pending(struct pyheap_ucmd *ucmd, struct pyheap_lru *lru)
	__must_hold(&ucmd->heap->lock)
{
	struct pyheap_lru_op *cmd = ucmd->cmd;
	int err;

	if (!(cmd->flags & PYHEAP_LRU_COMPUTE)) {
		cmd->out_hit = PYHEAP_LRU_MISS;
		err = ucmd_respond(ucmd, sizeof(*cmd));
		if (!err && !(cmd->flags & PYHEAP_LRU_PEEK))
			pyheap_lru_miss(lru);
		return err;
	}
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
	__must_hold(&ucmd->heap->lock)
{
	struct pyheap_lru_op *cmd = ucmd->cmd;
	struct lru_value *pending;
	int err;

	pending = pyheap_lru_value_new(ucmd->heap, NULL, NULL, 0, key->len);
	if (IS_ERR(pending))
		return PTR_ERR(pending);
	pyheap_lru_value_set_pending(pending);
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

/*
 * Look first without touching anything, answer, and only once the answer
 * is out count the hit or miss and move the entry: a failed GET changes
 * nothing.  Nothing else can change the map meanwhile (heap->lock).
 */
static int pyheap_ioc_lru_get(struct pyheap_ucmd *ucmd)
	__must_hold(&ucmd->heap->lock)
{
	struct pyheap_lru_op *cmd = ucmd->cmd;
	struct pyheap_lru_key key;
	struct pyheap_lru *lru;
	struct lru_value *v = NULL;
	struct lru_key_buf kb;
	void *p;
	const u8 *data;
	u32 len;
	int err;

	if ((cmd->flags & ~(PYHEAP_LRU_PEEK | PYHEAP_LRU_COMPUTE)) ||
	    ((cmd->flags & PYHEAP_LRU_PEEK) &&
	     (cmd->flags & PYHEAP_LRU_COMPUTE)) ||
	    (!(cmd->flags & PYHEAP_LRU_COMPUTE) && cmd->timeout_ms))
		return -EINVAL;
	lru = lru_op_load(ucmd, &key, &kb);
	if (IS_ERR(lru))
		return PTR_ERR(lru);
	err = pyheap_lru_peek(lru, &key, &p);
	if (!err && pyheap_lru_value_pending(p)) {
		pyheap_lru_value_put(p);
		err = lru_get_pending(ucmd, lru);
		goto out;
	}
	if (err == -ENOENT && (cmd->flags & PYHEAP_LRU_COMPUTE)) {
		err = lru_get_claim(ucmd, lru, &key);
		goto out;
	}
	if (!err) {
		v = p;
		cmd->out_hit = PYHEAP_LRU_HIT;
		data = pyheap_lru_value_data(v, &len);
		cmd->out_value_len = len;
		if (pyheap_lru_value_obj(v))
			err = pyheap_handle_open(ucmd->heap,
						 pyheap_lru_value_obj(v),
						 &cmd->out_value_handle);
		else if (len > cmd->value_len)
			err = -EOVERFLOW;
		else if (copy_to_user(u64_to_user_ptr(cmd->value), data, len))
			err = -EFAULT;
	} else if (err == -ENOENT) {
		err = 0;
	}
	if (!err)
		err = ucmd_respond(ucmd, sizeof(*cmd));
	if (err && cmd->out_value_handle)
		pyheap_handle_close(ucmd->heap, cmd->out_value_handle);
	if (!err && !(cmd->flags & PYHEAP_LRU_PEEK) &&
	    !pyheap_lru_get(lru, &key, &p))
		pyheap_lru_value_put(p);
	if (v)
		pyheap_lru_value_put(v);
out:
	kfree(kb.big);
	return err;
}

static int pyheap_ioc_lru_set(struct pyheap_ucmd *ucmd)
	__must_hold(&ucmd->heap->lock)
{
	struct pyheap_lru_op *cmd = ucmd->cmd;
	struct pyheap_obj *target = NULL;
	struct pyheap_lru_key key;
	struct pyheap_lru *lru;
	struct lru_value *v;
	struct lru_key_buf kb;
	int err;

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

static int pyheap_ioc_lru_delete(struct pyheap_ucmd *ucmd)
	__must_hold(&ucmd->heap->lock)
{
	struct pyheap_lru_op *cmd = ucmd->cmd;
	struct pyheap_lru_key key;
	struct pyheap_lru *lru;
	struct lru_key_buf kb;
	void *p;
	int err;

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

static int pyheap_ioc_lru_info(struct pyheap_ucmd *ucmd)
	__must_hold(&ucmd->heap->lock)
{
	struct pyheap_lru_cache_info *cmd = ucmd->cmd;
	struct pyheap_lru_info info;
	struct pyheap_lru *lru;
	int err;

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

/*
 * GETV is GET's look, answer, touch done for a whole vector of keys: peek
 * every key under one acquisition of the map, write every answer, and
 * only once all are out count the calls and move the entries, so that a
 * failed call changes nothing.  heap->lock keeps the map still between.
 */
/* One hit's result and slot; with no @slot, only the result. */
static int lru_getv_answer(struct pyheap_ucmd *ucmd, void *p,
			   struct pyheap_lru_result *res, u8 *slot)
	__must_hold(&ucmd->heap->lock)
{
	struct pyheap_lru_getv *cmd = ucmd->cmd;
	struct lru_value *v = p;
	const u8 *data;
	u32 len;

	data = pyheap_lru_value_data(v, &len);
	res->out_hit = PYHEAP_LRU_HIT;
	res->out_value_len = len;
	if (!slot)
		return 0;
	if (pyheap_lru_value_obj(v))
		return pyheap_handle_open(ucmd->heap, pyheap_lru_value_obj(v),
					  &res->out_value_handle);
	if (len > cmd->value_len)
		return -EOVERFLOW;
	memcpy(slot, data, len);
	return 0;
}

static int pyheap_ioc_lru_getv(struct pyheap_ucmd *ucmd)
	__must_hold(&ucmd->heap->lock)
{
	struct pyheap_lru_getv *cmd = ucmd->cmd;
	struct pyheap_lru_entry **entries;
	struct pyheap_lru_result *res;
	struct pyheap_lru_key *keys;
	size_t kbytes, vbytes, i, n;
	struct pyheap_lru *lru;
	void **values;
	u8 *kbuf, *vbuf;
	int err, ret;

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
	/* unheld: under heap->lock no value goes before this call ends */
	err = pyheap_lru_peek_many(lru, keys, n, values, entries, false);
	if (err < 0)
		goto out_free;
	memset(res, 0, n * sizeof(*res));
	memset(vbuf, 0, vbytes);
	err = 0;
	for (i = 0; i < n; i++) {
		if (!entries[i])
			continue;
		if (pyheap_lru_value_pending(values[i])) {
			/* claimed for compute-once: a miss, as for GET */
			entries[i] = NULL;
			continue;
		}
		cmd->out_hits++;
		/* after a failure, only the lengths are still reported */
		ret = lru_getv_answer(ucmd, values[i], &res[i],
				      err ? NULL : vbuf + i * cmd->value_len);
		if (!err)
			err = ret;
	}
	if (!err && (copy_to_user(u64_to_user_ptr(cmd->values), vbuf,
				  vbytes) ||
		     copy_to_user(u64_to_user_ptr(cmd->results), res,
				  n * sizeof(*res))))
		err = -EFAULT;
	if (!err)
		err = ucmd_respond(ucmd, sizeof(*cmd));
	if (!err && !(cmd->flags & PYHEAP_LRU_PEEK))
		pyheap_lru_touch_many(lru, entries, n);
	for (i = 0; err && i < n; i++) {
		if (!res[i].out_value_handle)
			continue;
		pyheap_handle_close(ucmd->heap, res[i].out_value_handle);
		res[i].out_value_handle = PYHEAP_HANDLE_NONE;
	}
	/* Tell a caller short of room how much each value needs. */
	if (err == -EOVERFLOW &&
	    copy_to_user(u64_to_user_ptr(cmd->results), res, n * sizeof(*res)))
		err = -EFAULT;
out_free:
	kvfree(keys);
	return err;
}

static int pyheap_ioc_batch(struct pyheap_ucmd *ucmd);

/* The union sizes the on-stack copy of every argument struct. */
union pyheap_ucmd_buffer {
	struct pyheap_version version;
	struct pyheap_obj_new obj_new;
	struct pyheap_handle_dup handle_dup;
	struct pyheap_handle_close handle_close;
	struct pyheap_slot slot;
	struct pyheap_payload payload;
	struct pyheap_getsizeof getsizeof;
	struct pyheap_heap_info heap_info;
	struct pyheap_batch batch;
	struct pyheap_gc_collect gc_collect;
	struct pyheap_gc_state gc_state;
	struct pyheap_gc_stats gc_stats;
	struct pyheap_gc_freeze gc_freeze;
	struct pyheap_gc_obj_info gc_obj_info;
	struct pyheap_gc_refs gc_refs;
	struct pyheap_gc_garbage gc_garbage;
	struct pyheap_lru_new lru_new;
	struct pyheap_lru_op lru_op;
	struct pyheap_lru_cache_info lru_info;
	struct pyheap_lru_getv lru_getv;
	struct pyheap_obj_newv obj_newv;
	struct pyheap_handle_closev handle_closev;
};

/**
 * struct pyheap_ioctl_op - how to run one ioctl
 * @size: the kernel's sizeof() of the argument struct
 * @min_size: offsetofend() of the last member of the struct's first version
 * @ioctl_num: the full ioctl number, checked against the caller's
 * @execute: the handler, called with heap->lock held
 */
struct pyheap_ioctl_op {
	unsigned int size;
	unsigned int min_size;
	unsigned int ioctl_num;
	int (*execute)(struct pyheap_ucmd *ucmd);
};

#define IOCTL_OP(_name, _fn, _struct, _last)				\
	[PYHEAP_CMD_##_name - PYHEAP_CMD_BASE] = {			\
		.size = sizeof(_struct) +				\
			BUILD_BUG_ON_ZERO(sizeof(union pyheap_ucmd_buffer) < \
					  sizeof(_struct)),		\
		.min_size = offsetofend(_struct, _last),		\
		.ioctl_num = PYHEAP_IOC_##_name,			\
		.execute = _fn,						\
	}

static const struct pyheap_ioctl_op pyheap_ioctl_ops[] = {
	IOCTL_OP(VERSION, pyheap_ioc_version, struct pyheap_version,
		 out_heap_id),
	IOCTL_OP(OBJ_NEW, pyheap_ioc_obj_new, struct pyheap_obj_new,
		 __reserved),
	IOCTL_OP(HANDLE_DUP, pyheap_ioc_handle_dup, struct pyheap_handle_dup,
		 out_handle),
	IOCTL_OP(HANDLE_CLOSE, pyheap_ioc_handle_close,
		 struct pyheap_handle_close, __reserved),
	IOCTL_OP(SLOT_SET, pyheap_ioc_slot_set, struct pyheap_slot,
		 out_handle),
	IOCTL_OP(SLOT_GET, pyheap_ioc_slot_get, struct pyheap_slot,
		 out_handle),
	IOCTL_OP(PAYLOAD_WRITE, pyheap_ioc_payload_write,
		 struct pyheap_payload, data),
	IOCTL_OP(PAYLOAD_READ, pyheap_ioc_payload_read, struct pyheap_payload,
		 data),
	IOCTL_OP(GETSIZEOF, pyheap_ioc_getsizeof, struct pyheap_getsizeof,
		 out_deep_objects),
	IOCTL_OP(HEAP_INFO, pyheap_ioc_heap_info, struct pyheap_heap_info,
		 out_max_handles),
	IOCTL_OP(BATCH, pyheap_ioc_batch, struct pyheap_batch, __reserved),
	IOCTL_OP(GC_COLLECT, pyheap_ioc_gc_collect, struct pyheap_gc_collect,
		 out_unreachable),
	IOCTL_OP(GC_GET, pyheap_ioc_gc_get, struct pyheap_gc_state,
		 __reserved2),
	IOCTL_OP(GC_SET, pyheap_ioc_gc_set, struct pyheap_gc_state,
		 __reserved2),
	IOCTL_OP(GC_STATS, pyheap_ioc_gc_stats, struct pyheap_gc_stats,
		 out_gen),
	IOCTL_OP(GC_FREEZE, pyheap_ioc_gc_freeze, struct pyheap_gc_freeze,
		 out_freeze_count),
	IOCTL_OP(GC_OBJ_INFO, pyheap_ioc_gc_obj_info,
		 struct pyheap_gc_obj_info, __reserved),
	IOCTL_OP(GC_REFS, pyheap_ioc_gc_refs, struct pyheap_gc_refs,
		 out_total),
	IOCTL_OP(GC_GARBAGE, pyheap_ioc_gc_garbage, struct pyheap_gc_garbage,
		 out_total),
	IOCTL_OP(LRU_NEW, pyheap_ioc_lru_new, struct pyheap_lru_new,
		 __reserved),
	IOCTL_OP(LRU_GET, pyheap_ioc_lru_get, struct pyheap_lru_op,
		 out_value_handle),
	IOCTL_OP(LRU_SET, pyheap_ioc_lru_set, struct pyheap_lru_op,
		 out_value_handle),
	IOCTL_OP(LRU_DELETE, pyheap_ioc_lru_delete, struct pyheap_lru_op,
		 out_value_handle),
	IOCTL_OP(LRU_INFO, pyheap_ioc_lru_info, struct pyheap_lru_cache_info,
		 out_evictions),
	IOCTL_OP(LRU_GETV, pyheap_ioc_lru_getv, struct pyheap_lru_getv,
		 results),
	IOCTL_OP(OBJ_NEWV, pyheap_ioc_obj_newv, struct pyheap_obj_newv,
		 handles),
	IOCTL_OP(HANDLE_CLOSEV, pyheap_ioc_handle_closev,
		 struct pyheap_handle_closev, handles),
};

/* The op for an ioctl number, or NULL. */
static const struct pyheap_ioctl_op *ioctl_op(unsigned int cmd)
{
	unsigned int nr = _IOC_NR(cmd);
	const struct pyheap_ioctl_op *op;

	if (_IOC_TYPE(cmd) != PYHEAP_IOC_MAGIC || nr < PYHEAP_CMD_BASE ||
	    nr - PYHEAP_CMD_BASE >= ARRAY_SIZE(pyheap_ioctl_ops))
		return NULL;
	op = &pyheap_ioctl_ops[nr - PYHEAP_CMD_BASE];
	return op->ioctl_num == cmd ? op : NULL;
}

/* Read and check the caller's struct into @ucmd->cmd. */
static int ucmd_load(struct pyheap_ucmd *ucmd,
		     const struct pyheap_ioctl_op *op, u32 max_size)
{
	if (get_user(ucmd->user_size, (u32 __user *)ucmd->ubuffer))
		return -EFAULT;
	if (ucmd->user_size < op->min_size || ucmd->user_size > max_size)
		return -EINVAL;
	return copy_struct_from_user(ucmd->cmd, op->size, ucmd->ubuffer,
				     ucmd->user_size);
}

/*
 * Run each operation as its single ioctl would, under the heap lock the
 * dispatcher already holds.  Each result goes to its op's out_result.
 */
static int pyheap_ioc_batch(struct pyheap_ucmd *ucmd)
	__must_hold(&ucmd->heap->lock)
{
	struct pyheap_batch *cmd = ucmd->cmd;
	struct pyheap_op __user *uops = u64_to_user_ptr(cmd->ops);
	union pyheap_ucmd_buffer buf;
	const struct pyheap_ioctl_op *op;
	struct pyheap_ucmd sub = {
		.heap = ucmd->heap,
		.cmd = &buf,
		.in_batch = true,
		.wait_jiffies = -1,
	};
	u32 i, opcmd;
	int ret;

	if ((cmd->flags & ~PYHEAP_BATCH_STOP_ON_ERROR) || cmd->__reserved ||
	    cmd->out_executed || !cmd->count ||
	    cmd->count > PYHEAP_BATCH_MAX ||
	    cmd->op_size != sizeof(struct pyheap_op))
		return -EINVAL;

	/*
	 * Check that the count can be reported before running anything, so
	 * that a batch whose own argument is read-only fails whole.
	 */
	if (ucmd_respond(ucmd, sizeof(*cmd)))
		return -EFAULT;
	for (i = 0; i < cmd->count; i++) {
		if (get_user(opcmd, &uops[i].cmd)) {
			if (!i)
				return -EFAULT;	/* nothing ran */
			break;
		}
		op = opcmd == PYHEAP_CMD_BATCH ? NULL :
		     ioctl_op(_IO(PYHEAP_IOC_MAGIC, opcmd));
		sub.ubuffer = uops[i].arg;
		ret = op ? ucmd_load(&sub, op, sizeof(uops[i].arg)) : -ENOTTY;
		if (!ret)
			ret = op->execute(&sub);
		if (!ret)
			ucmd->heap->nr_ioctls++;
		cmd->out_executed = i + 1;
		if (put_user(ret, &uops[i].out_result))
			break;
		if (ret && (cmd->flags & PYHEAP_BATCH_STOP_ON_ERROR))
			break;
		if (!(i % 64))
			cond_resched();
	}
	/* Executed operations stay executed: report them, come what may. */
	ucmd_respond(ucmd, sizeof(*cmd));
	return 0;
}

/* Wait, without the heap lock, for a compute-once claim to end. */
static long lru_wait(struct pyheap_heap *heap, struct pyheap_ucmd *ucmd)
{
	/* Paired with the WRITE_ONCE() in lru_value_release(). */
	return wait_event_interruptible_timeout(heap->lru_wait,
						READ_ONCE(heap->lru_seq) !=
						ucmd->wait_seq,
						ucmd->wait_jiffies);
}

/**
 * __pyheap_dev_ioctl() - run one ioctl against a heap
 * @heap: the heap of the file the ioctl was issued on
 * @cmd: the ioctl number
 * @arg: the user pointer to the argument struct
 * @nonblock: the file is O_NONBLOCK: a compute-once wait is EAGAIN
 *
 * Split from the file operation so that KUnit can drive it with real user
 * buffers and a heap of its own (through pyheap_dev_ioctl()).  A handler
 * that must wait returns -PYHEAP_EWAIT; the wait happens here, without
 * the heap lock, and the handler runs again.
 *
 * Context: Process context.  Takes and releases heap->lock.
 * Return: 0, a negative errno from "errno" in the UAPI header, or
 * -ENOIOCTLCMD for an unknown @cmd.
 */
static long __pyheap_dev_ioctl(struct pyheap_heap *heap, unsigned int cmd,
			       unsigned long arg, bool nonblock)
{
	const struct pyheap_ioctl_op *op = ioctl_op(cmd);
	union pyheap_ucmd_buffer buf;
	struct pyheap_ucmd ucmd = {
		.heap = heap,
		.ubuffer = (void __user *)arg,
		.cmd = &buf,
		.nonblock = nonblock,
		.wait_jiffies = -1,
	};
	long left;
	int ret;

	if (!op)
		return -ENOIOCTLCMD;
	/*
	 * As clone3() and openat2() do: an argument larger than a page is
	 * refused before copy_struct_from_user() would scan its tail for
	 * zeros (which, at 4 GiB, takes a second with no resched point).
	 */
	ret = ucmd_load(&ucmd, op, PAGE_SIZE);
	if (ret == -EINVAL && ucmd.user_size > PAGE_SIZE)
		return -E2BIG;
	if (ret)
		return ret;

	for (;;) {
		if (mutex_lock_killable(&heap->lock))
			return -EINTR;
		ret = op->execute(&ucmd);
		if (!ret)
			heap->nr_ioctls++;
		mutex_unlock(&heap->lock);
		if (ret != -PYHEAP_EWAIT)
			break;
		left = lru_wait(heap, &ucmd);
		if (left < 0)
			return -EINTR;
		/* at 0: one last look, then EAGAIN */
		ucmd.wait_jiffies = left;
	}
	pyheap_gc_throttle(heap);
	return ret;
}

#if IS_ENABLED(CONFIG_KUNIT)
/* The ioctl entry for KUnit: a blocking file. */
long pyheap_dev_ioctl(struct pyheap_heap *heap, unsigned int cmd,
		      unsigned long arg)
{
	return __pyheap_dev_ioctl(heap, cmd, arg, false);
}
EXPORT_SYMBOL_IF_KUNIT(pyheap_dev_ioctl);
#endif

static long pyheap_fop_ioctl(struct file *file, unsigned int cmd,
			     unsigned long arg)
{
	return __pyheap_dev_ioctl(file->private_data, cmd, arg,
				  file->f_flags & O_NONBLOCK);
}

/* Finalizer events: see struct pyheap_event. */
static ssize_t pyheap_fop_read(struct file *file, char __user *buf,
			       size_t len, loff_t *ppos)
{
	return pyheap_gc_read_events(file->private_data, buf, len,
				     file->f_flags & O_NONBLOCK);
}

static __poll_t pyheap_fop_poll(struct file *file, poll_table *wait)
{
	return pyheap_gc_poll(file->private_data, file, wait);
}

static int pyheap_fop_open(struct inode *inode, struct file *file)
{
	struct pyheap_heap *heap;

	heap = pyheap_heap_create(NULL);
	if (IS_ERR(heap))
		return PTR_ERR(heap);
	file->private_data = heap;
	return nonseekable_open(inode, file);
}

static int pyheap_fop_release(struct inode *inode, struct file *file)
{
	pyheap_heap_destroy(file->private_data);
	return 0;
}

static const struct file_operations pyheap_fops = {
	.owner		= THIS_MODULE,
	.open		= pyheap_fop_open,
	.release	= pyheap_fop_release,
	.read		= pyheap_fop_read,
	.poll		= pyheap_fop_poll,
	.unlocked_ioctl	= pyheap_fop_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

/*
 * Mode 0660: root and the group a udev rule assigns (see the admin guide)
 * may create heaps; everyone else gets EACCES from open().
 */
static struct miscdevice pyheap_miscdev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "pyheap",
	.fops	= &pyheap_fops,
	.mode	= 0660,
};

#define ABI_SIZE(_s, _S) \
	BUILD_BUG_ON(sizeof(struct pyheap_##_s) != PYHEAP_##_S##_SIZE_VER0)

int pyheap_dev_init(void)
{
	/*
	 * A published size never changes: a new version appends members
	 * and adds a SIZE_VER<n>, which sizeof must then match.
	 */
	ABI_SIZE(version, VERSION);
	ABI_SIZE(obj_new, OBJ_NEW);
	ABI_SIZE(handle_dup, HANDLE_DUP);
	ABI_SIZE(handle_close, HANDLE_CLOSE);
	ABI_SIZE(slot, SLOT);
	ABI_SIZE(payload, PAYLOAD);
	ABI_SIZE(getsizeof, GETSIZEOF);
	ABI_SIZE(heap_info, HEAP_INFO);
	ABI_SIZE(batch, BATCH);
	ABI_SIZE(gc_collect, GC_COLLECT);
	ABI_SIZE(gc_state, GC_STATE);
	ABI_SIZE(gc_stats, GC_STATS);
	ABI_SIZE(gc_freeze, GC_FREEZE);
	BUILD_BUG_ON(sizeof(struct pyheap_gc_obj_info) !=
		     PYHEAP_GC_OBJ_INFO_SIZE_VER1);
	ABI_SIZE(gc_refs, GC_REFS);
	ABI_SIZE(gc_garbage, GC_GARBAGE);
	ABI_SIZE(lru_new, LRU_NEW);
	ABI_SIZE(lru_op, LRU_OP);
	ABI_SIZE(lru_cache_info, LRU_CACHE_INFO);
	ABI_SIZE(lru_getv, LRU_GETV);
	BUILD_BUG_ON(sizeof(struct pyheap_lru_result) != 16);
	BUILD_BUG_ON(sizeof(struct pyheap_op) != 64);
	BUILD_BUG_ON(sizeof(struct pyheap_lru_op) >
		     sizeof_field(struct pyheap_op, arg));
	BUILD_BUG_ON(sizeof(struct pyheap_lru_getv) >
		     sizeof_field(struct pyheap_op, arg));

	return misc_register(&pyheap_miscdev);
}

void pyheap_dev_exit(void)
{
	misc_deregister(&pyheap_miscdev);
}
