// SPDX-License-Identifier: GPL-2.0
/*
 * pyheap user-space objects: N reference slots and a payload of bytes
 *
 * The object user space creates with PYHEAP_IOC_OBJ_NEW: like an instance
 * of a class with __slots__, it has a fixed number of references, plus an
 * opaque payload.  Layout: header, nslots pointers, payload bytes.
 *
 * Locking: heap->lock, held by every caller (the ioctl dispatcher).
 * Lock order: "Lock order" in mod/internal.h (3 -> 5).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/lockdep.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/string.h>

#include <uapi/linux/pyheap.h>
#include "internal.h"
#include "ucmd.h"

/* Tags: I: set at creation   H: heap->lock */
struct pyheap_uobj {
	struct pyheap_obj	ob;
	u32			nslots;		/* I */
	u32			payload_size;	/* I */
	struct pyheap_obj	*slots[];	/* H: then the payload */
};

static struct pyheap_uobj *to_uobj(struct pyheap_obj *obj)
{
	return container_of(obj, struct pyheap_uobj, ob);
}

static u8 *uobj_payload(struct pyheap_uobj *u)
{
	return (u8 *)&u->slots[u->nslots];
}

static void uobj_traverse(struct pyheap_obj *obj, pyheap_visit_t visit,
			  void *arg)
{
	struct pyheap_uobj *u = to_uobj(obj);
	u32 i;

	for (i = 0; i < u->nslots; i++)
		if (u->slots[i])
			visit(u->slots[i], arg);
}

static void uobj_clear(struct pyheap_heap *heap, struct pyheap_obj *obj)
	__must_hold(&heap->lock)
{
	struct pyheap_uobj *u = to_uobj(obj);
	struct pyheap_obj *target;
	u32 i;

	for (i = 0; i < u->nslots; i++) {
		target = u->slots[i];
		u->slots[i] = NULL;
		pyheap_obj_put(heap, target);
	}
}

struct pyheap_type pyheap_uobj_type = {
	.name = "object",
	.traverse = uobj_traverse,
	.clear = uobj_clear,
	.finalize = pyheap_event_queue_finalize,
	.refs_offset = offsetof(struct pyheap_uobj, slots),
	.nrefs_offset = offsetof(struct pyheap_uobj, nslots),
};

/* Header, slots and payload: what sys.getsizeof() would say. */
size_t pyheap_uobj_size(u32 nslots, u32 payload_size)
{
	return struct_size_t(struct pyheap_uobj, slots, nslots) + payload_size;
}

bool pyheap_is_uobj(const struct pyheap_obj *obj)
{
	return obj->type == &pyheap_uobj_type;
}

/*
 * The slot index of the reference uobj_traverse() visits at position
 * @pos (it skips the empty slots), for GC_WHY; PYHEAP_SLOT_NONE if there
 * is none.
 */
u32 pyheap_uobj_slot_at(struct pyheap_obj *obj, u32 pos)
{
	struct pyheap_uobj *u = to_uobj(obj);
	u32 i;

	for (i = 0; i < u->nslots; i++)
		if (u->slots[i] && !pos--)
			return i;
	return PYHEAP_SLOT_NONE;
}

/* A shape OBJ_NEW accepts: slots, payload and flags within their caps. */
bool pyheap_uobj_shape_ok(u32 nslots, u32 payload_size, u32 flags)
{
	return nslots <= PYHEAP_MAX_SLOTS &&
	       payload_size <= PYHEAP_MAX_PAYLOAD &&
	       !(flags & ~(PYHEAP_OBJ_FINALIZER | PYHEAP_OBJ_LEGACY_FINALIZER));
}

/*
 * Whether an object of this shape is tracked: whether it can ever hold a
 * reference, its slots being fixed at creation.  One with a finalizer is
 * tracked whatever its slots, as an instance of a CPython class with
 * __del__ is (every class is a GC type): a collection that frees what
 * refers to it must run its finalizer first.
 */
static bool uobj_tracked(u32 nslots, u32 flags)
{
	return nslots ||
	       (flags & (PYHEAP_OBJ_FINALIZER | PYHEAP_OBJ_LEGACY_FINALIZER));
}

/* One object of a shape already checked by pyheap_uobj_shape_ok(). */
static struct pyheap_obj *uobj_create(struct pyheap_heap *heap, u32 nslots,
				      u32 payload_size, u32 flags)
	__must_hold(&heap->lock)
{
	size_t size = pyheap_uobj_size(nslots, payload_size);
	struct pyheap_obj *obj;

	if (uobj_tracked(nslots, flags))
		obj = pyheap_obj_new(heap, &pyheap_uobj_type, size);
	else
		obj = pyheap_obj_new_untracked(heap, &pyheap_uobj_type, size);
	if (IS_ERR(obj))
		return obj;
	if (!(flags & PYHEAP_OBJ_FINALIZER))
		obj->flags &= ~PYHEAP_OBJF_FINALIZER;
	if (flags & PYHEAP_OBJ_LEGACY_FINALIZER)
		obj->flags |= PYHEAP_OBJF_LEGACY;
	to_uobj(obj)->nslots = nslots;
	to_uobj(obj)->payload_size = payload_size;
	return obj;
}

/*
 * An object made for a call that then failed: user space never saw it, so
 * there is nothing of its own to finalize, and no event may name it when
 * the call's last reference goes.
 */
static void uobj_abandon(struct pyheap_heap *heap, struct pyheap_obj *obj)
	__must_hold(&heap->lock)
{
	obj->flags |= PYHEAP_OBJF_FINALIZED;
	pyheap_obj_put(heap, obj);
}

/* @flags: PYHEAP_OBJ_FINALIZER and PYHEAP_OBJ_LEGACY_FINALIZER */
struct pyheap_obj *pyheap_uobj_new(struct pyheap_heap *heap, u32 nslots,
				   u32 payload_size, u32 flags)
	__must_hold(&heap->lock)
{
	if (!pyheap_uobj_shape_ok(nslots, payload_size, flags))
		return ERR_PTR(-EINVAL);
	return uobj_create(heap, nslots, payload_size, flags);
}
EXPORT_SYMBOL_IF_KUNIT(pyheap_uobj_new);

/*
 * @n objects of one shape into @objs, each with one reference, or none:
 * -EINVAL for a bad shape, -ENOSPC (before creating any) if @n more would
 * pass the heap's object or byte limit, -ENOMEM.
 */
int pyheap_uobj_new_many(struct pyheap_heap *heap, u32 nslots,
			 u32 payload_size, u32 flags, u32 n,
			 struct pyheap_obj **objs)
	__must_hold(&heap->lock)
{
	u64 bytes;
	int err;
	u32 i;

	lockdep_assert_held(&heap->lock);
	if (!pyheap_uobj_shape_ok(nslots, payload_size, flags))
		return -EINVAL;
	bytes = (u64)n *
		pyheap_obmalloc_usable_size(pyheap_uobj_size(nslots,
							     payload_size));
	if (n > heap->limits.max_objects - heap->nr_objects ||
	    bytes > heap->limits.max_bytes - heap->nr_bytes)
		return -ENOSPC;
	for (i = 0; i < n; i++) {
		objs[i] = uobj_create(heap, nslots, payload_size, flags);
		if (IS_ERR(objs[i]))
			break;
	}
	if (i == n)
		return 0;
	err = PTR_ERR(objs[i]);
	while (i--)
		uobj_abandon(heap, objs[i]);
	return err;
}

/* obj[index] = target: take the new reference, then drop the old one. */
int pyheap_uobj_set_slot(struct pyheap_heap *heap, struct pyheap_obj *obj,
			 u32 index, struct pyheap_obj *target)
	__must_hold(&heap->lock)
{
	struct pyheap_uobj *u = to_uobj(obj);
	struct pyheap_obj *old;

	lockdep_assert_held(&heap->lock);
	if (!pyheap_is_uobj(obj))
		return -EINVAL;
	if (index >= u->nslots)
		return -ERANGE;
	if (target)
		pyheap_obj_get(target);
	pyheap_heap_changed(heap);
	old = u->slots[index];
	u->slots[index] = target;
	pyheap_obj_put(heap, old);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(pyheap_uobj_set_slot);

int pyheap_uobj_get_slot(struct pyheap_obj *obj, u32 index,
			 struct pyheap_obj **target)
{
	struct pyheap_uobj *u = to_uobj(obj);

	if (!pyheap_is_uobj(obj))
		return -EINVAL;
	if (index >= u->nslots)
		return -ERANGE;
	*target = u->slots[index];
	return 0;
}

/* The payload range [@offset, @offset + @len), or an errno. */
u8 *pyheap_uobj_payload(struct pyheap_obj *obj, u64 offset, u32 len,
			int *err)
{
	struct pyheap_uobj *u = to_uobj(obj);
	u64 end;

	*err = 0;
	if (!pyheap_is_uobj(obj))
		*err = -EINVAL;
	else if (check_add_overflow(offset, (u64)len, &end))
		*err = -EOVERFLOW;
	else if (end > u->payload_size)
		*err = -ERANGE;
	return *err ? NULL : uobj_payload(u) + offset;
}

/* The object and payload ioctls. */

int pyheap_ioc_obj_new(struct pyheap_ucmd *ucmd)
	__must_hold(&ucmd->heap->lock)
{
	struct pyheap_obj_new *cmd = ucmd->cmd;
	struct pyheap_heap *heap = ucmd->heap;
	struct pyheap_obj *obj;
	int err;

	lockdep_assert_held(&ucmd->heap->lock);
	if (cmd->__reserved || cmd->out_handle)
		return -EINVAL;
	obj = pyheap_uobj_new(heap, cmd->nslots, cmd->payload_size,
			      cmd->flags);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	/*
	 * The handle takes its own reference; ours goes either way, and the
	 * handle's too if the call fails (ucmd_end()).
	 */
	err = ucmd_respond_handle(ucmd, obj, &cmd->out_handle, sizeof(*cmd));
	if (err)
		uobj_abandon(heap, obj);
	else
		pyheap_obj_put(heap, obj);
	return err;
}

int pyheap_ioc_handle_dup(struct pyheap_ucmd *ucmd)
	__must_hold(&ucmd->heap->lock)
{
	struct pyheap_handle_dup *cmd = ucmd->cmd;
	struct pyheap_obj *obj;

	lockdep_assert_held(&ucmd->heap->lock);
	if (cmd->flags || cmd->out_handle)
		return -EINVAL;
	obj = ucmd_obj(ucmd, cmd->handle);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	return ucmd_respond_handle(ucmd, obj, &cmd->out_handle, sizeof(*cmd));
}

int pyheap_ioc_handle_close(struct pyheap_ucmd *ucmd)
	__must_hold(&ucmd->heap->lock)
{
	struct pyheap_handle_close *cmd = ucmd->cmd;

	lockdep_assert_held(&ucmd->heap->lock);
	if (cmd->flags || cmd->__reserved)
		return -EINVAL;
	return pyheap_handle_close(ucmd->heap, cmd->handle);
}

/*
 * Objects and handles of OBJ_NEWV and HANDLE_CLOSEV: one buffer each way,
 * kvmalloc()ed, its size capped by PYHEAP_VEC_MAX before it is computed.
 */
int pyheap_ioc_obj_newv(struct pyheap_ucmd *ucmd)
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
	err = ucmd_reserve_handles(ucmd, n);
	if (!err)
		err = pyheap_uobj_new_many(heap, cmd->nslots,
					   cmd->payload_size, cmd->flags, n,
					   objs);
	if (err)
		goto out_free;
	/* Reserved, so it succeeds; the handles take references, ours go. */
	err = ucmd_open_handles(ucmd, objs, n, handles);
	if (!err && copy_to_user(u64_to_user_ptr(cmd->handles), handles,
				 n * sizeof(*handles)))
		err = -EFAULT;
	for (i = 0; i < n; i++) {
		if (err)
			uobj_abandon(heap, objs[i]);
		else
			pyheap_obj_put(heap, objs[i]);
	}
out_free:
	kvfree(objs);
	return err;
}

int pyheap_ioc_handle_closev(struct pyheap_ucmd *ucmd)
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

int pyheap_ioc_slot_set(struct pyheap_ucmd *ucmd)
	__must_hold(&ucmd->heap->lock)
{
	struct pyheap_slot *cmd = ucmd->cmd;
	struct pyheap_obj *obj, *target = NULL;

	lockdep_assert_held(&ucmd->heap->lock);
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

int pyheap_ioc_slot_get(struct pyheap_ucmd *ucmd)
	__must_hold(&ucmd->heap->lock)
{
	struct pyheap_slot *cmd = ucmd->cmd;
	struct pyheap_obj *obj, *target;
	int err;

	lockdep_assert_held(&ucmd->heap->lock);
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
int pyheap_ioc_payload_write(struct pyheap_ucmd *ucmd)
	__must_hold(&ucmd->heap->lock)
{
	struct pyheap_payload *cmd = ucmd->cmd;
	void *bounce;
	u8 *dst;
	int err;

	lockdep_assert_held(&ucmd->heap->lock);
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

int pyheap_ioc_payload_read(struct pyheap_ucmd *ucmd)
	__must_hold(&ucmd->heap->lock)
{
	struct pyheap_payload *cmd = ucmd->cmd;
	u8 *src;
	int err;

	lockdep_assert_held(&ucmd->heap->lock);
	src = ucmd_payload(ucmd, &err);
	if (!src)
		return err;
	if (copy_to_user(u64_to_user_ptr(cmd->data), src, cmd->length))
		return -EFAULT;
	return 0;
}

int pyheap_ioc_getsizeof(struct pyheap_ucmd *ucmd)
	__must_hold(&ucmd->heap->lock)
{
	struct pyheap_getsizeof *cmd = ucmd->cmd;
	struct pyheap_deep_size deep;
	struct pyheap_obj *obj;
	int err;

	lockdep_assert_held(&ucmd->heap->lock);
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
