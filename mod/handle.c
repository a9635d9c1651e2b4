// SPDX-License-Identifier: GPL-2.0
/*
 * pyheap handles: user space's names for objects, and the collector's roots
 *
 * A handle is a small integer in the heap's handle table (an xarray,
 * starting at 1).  Each one owns one reference, as a local variable in a
 * frame does; closing it drops the reference.  No handle works on another
 * heap's file.
 *
 * Locking: heap->lock protects the table's contents and heap->nr_handles;
 * the xarray's own spinlock nests inside.
 * Lock order: heap->lock -> heap->handles.xa_lock
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/lockdep.h>
#include <linux/sched.h>
#include <linux/xarray.h>

#include "internal.h"

/* Open a handle on @obj, taking a new reference. */
int pyheap_handle_open(struct pyheap_heap *heap, struct pyheap_obj *obj,
		       u32 *handle)
	__must_hold(&heap->lock)
{
	int err;

	lockdep_assert_held(&heap->lock);
	if (heap->nr_handles >= heap->limits.max_handles)
		return -ENOSPC;
	err = xa_alloc(&heap->handles, handle, obj,
		       XA_LIMIT(1, U32_MAX), GFP_KERNEL_ACCOUNT);
	if (err)
		return err == -EBUSY ? -ENOSPC : err;
	pyheap_obj_get(obj);
	heap->nr_handles++;
	return 0;
}

/* The object a handle names (borrowed), or NULL. */
struct pyheap_obj *pyheap_handle_lookup(struct pyheap_heap *heap, u32 handle)
	__must_hold(&heap->lock)
{
	lockdep_assert_held(&heap->lock);
	return handle ? xa_load(&heap->handles, handle) : NULL;
}

int pyheap_handle_close(struct pyheap_heap *heap, u32 handle)
	__must_hold(&heap->lock)
{
	struct pyheap_obj *obj;

	lockdep_assert_held(&heap->lock);
	obj = handle ? xa_erase(&heap->handles, handle) : NULL;
	if (!obj)
		return -ENOENT;
	heap->nr_handles--;
	pyheap_obj_put(heap, obj);
	return 0;
}

/* Close every handle (the file is going away). */
void pyheap_handles_close_all(struct pyheap_heap *heap)
	__must_hold(&heap->lock)
{
	struct pyheap_obj *obj;
	unsigned long handle;

	lockdep_assert_held(&heap->lock);
	xa_for_each(&heap->handles, handle, obj) {
		xa_erase(&heap->handles, handle);
		heap->nr_handles--;
		pyheap_obj_put(heap, obj);
		cond_resched();
	}
	xa_destroy(&heap->handles);
}
