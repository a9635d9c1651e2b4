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
	.finalize = pyheap_gc_queue_finalize_event,
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

/* A shape OBJ_NEW accepts: slots, payload and flags within their caps. */
bool pyheap_uobj_shape_ok(u32 nslots, u32 payload_size, u32 flags)
{
	return nslots <= PYHEAP_MAX_SLOTS &&
	       payload_size <= PYHEAP_MAX_PAYLOAD &&
	       !(flags & ~(PYHEAP_OBJ_FINALIZER | PYHEAP_OBJ_LEGACY_FINALIZER));
}

/* One object of a shape already checked by pyheap_uobj_shape_ok(). */
static struct pyheap_obj *uobj_create(struct pyheap_heap *heap, u32 nslots,
				      u32 payload_size, u32 flags)
	__must_hold(&heap->lock)
{
	struct pyheap_obj *obj;

	obj = pyheap_obj_new(heap, &pyheap_uobj_type,
			     pyheap_uobj_size(nslots, payload_size));
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
		pyheap_obj_put(heap, objs[i]);
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
