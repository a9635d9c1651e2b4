// SPDX-License-Identifier: GPL-2.0
/*
 * pyheap handles: user space's names for objects
 *
 * A handle is a small integer, an index into the heap's handle table, as a
 * file descriptor is one into a process's file table.  Each one owns one
 * reference, as a local variable in a frame does; closing it drops the
 * reference.  No handle works on another heap's file.
 *
 * The table is a flat array of words, grown by doubling.  Entry 0 is never
 * used, so that handle 0 can mean "none".  A word is either an object
 * pointer (objects come from obmalloc and are 8-byte aligned, so its low
 * bits are clear) or a free entry, (index of the next free entry << 3) |
 * HANDLE_FREE.  The free entries form a stack, so the handle closed last
 * is the one reused first.  Opening, looking up and closing a handle are a
 * few loads and stores under the heap lock: no lock of their own, no
 * atomic operation and no allocation except when the table doubles.  A
 * table that empties while large is freed, as obmalloc gives back empty
 * arenas.
 *
 * HANDLE_MARK tags a live entry named by a PYHEAP_IOC_HANDLE_CLOSEV being
 * checked; it never outlives pyheap_handles_close_many().
 *
 * HANDLE_PINNED tags a live entry that a finalizer event carries and the
 * owner has not read yet.  It cannot be closed (EBUSY) until read() hands
 * the event out: were it closed and reused, the event would name an
 * unrelated object.
 *
 * Locking: heap->lock protects the table and heap->nr_handles.
 * Lock order: "Lock order" in mod/internal.h (3 -> 5: the table grows).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "internal.h"

#define HANDLE_FREE		1UL	/* a free entry, not an object */
#define HANDLE_MARK		2UL	/* a live entry being closed */
#define HANDLE_PINNED		4UL	/* carried by an unread event */
#define HANDLE_TAGS		(HANDLE_MARK | HANDLE_PINNED)
#define HANDLE_NEXT_SHIFT	3	/* a free entry's next free entry */

/* The first table's entries, and the most an empty table keeps. */
#define HANDLES_MIN		64
#define HANDLES_KEEP		4096

/* kvmalloc() refuses more than INT_MAX bytes: the table's own bound. */
#define HANDLES_MAX		((u32)(INT_MAX / sizeof(unsigned long)))

static bool handle_is_live(const struct pyheap_handles *t, u32 handle)
{
	return handle && handle < t->top && !(t->slot[handle] & HANDLE_FREE);
}

/* The most entries the table may have, entry 0 included. */
static u64 handles_limit(const struct pyheap_heap *heap)
{
	return heap->limits.max_handles >= HANDLES_MAX ? HANDLES_MAX :
	       heap->limits.max_handles + 1;
}

/**
 * pyheap_handles_reserve() - make room for @n more handles
 * @heap: the heap
 * @n: how many
 *
 * Grows the table so that the next @n opens need no allocation and
 * cannot fail.
 *
 * Context: Process context; may sleep.  Caller holds heap->lock.
 * Return: 0, -ENOSPC if @n more handles would pass the heap's limit, or
 * -ENOMEM (the table is then as it was).
 */
int pyheap_handles_reserve(struct pyheap_heap *heap, u32 n)
	__must_hold(&heap->lock)
{
	struct pyheap_handles *t = &heap->handles;
	u64 need = heap->nr_handles + n + 1, cap;
	unsigned long *slot;

	lockdep_assert_held(&heap->lock);
	if (heap->nr_handles + n > heap->limits.max_handles ||
	    need > handles_limit(heap))
		return -ENOSPC;
	if (need <= t->cap)
		return 0;
	cap = max_t(u64, t->cap, HANDLES_MIN);
	while (cap < need)
		cap *= 2;
	cap = min(cap, handles_limit(heap));
	/*
	 * kvrealloc() changed its arguments in 6.12, so the table grows
	 * by hand: a new array, the old entries copied over.
	 */
	slot = kvmalloc_array(cap, sizeof(*slot), GFP_KERNEL_ACCOUNT);
	if (!slot)
		return -ENOMEM;
	if (t->slot)
		memcpy(slot, t->slot, t->top * sizeof(*slot));
	else
		t->top = 1;
	slot[0] = HANDLE_FREE;
	kvfree(t->slot);
	t->slot = slot;
	t->cap = cap;
	return 0;
}

/* Free an empty table that grew large; the next open starts a new one. */
static void handles_trim(struct pyheap_handles *t, u64 nr_handles)
{
	if (nr_handles || t->cap <= HANDLES_KEEP)
		return;
	kvfree(t->slot);
	*t = (struct pyheap_handles){};
}

/* Put @obj in a free entry; pyheap_handles_reserve() made room. */
static u32 handle_install(struct pyheap_heap *heap, struct pyheap_obj *obj)
	__must_hold(&heap->lock)
{
	struct pyheap_handles *t = &heap->handles;
	u32 handle = t->free;

	if (handle)
		t->free = t->slot[handle] >> HANDLE_NEXT_SHIFT;
	else
		handle = t->top++;
	t->slot[handle] = (unsigned long)obj;
	pyheap_obj_get(obj);
	heap->nr_handles++;
	return handle;
}

/* Free a live entry and return its object, whose reference is now ours. */
static struct pyheap_obj *handle_take(struct pyheap_heap *heap, u32 handle)
	__must_hold(&heap->lock)
{
	struct pyheap_handles *t = &heap->handles;
	unsigned long word = t->slot[handle];

	t->slot[handle] = ((unsigned long)t->free << HANDLE_NEXT_SHIFT) |
			  HANDLE_FREE;
	t->free = handle;
	heap->nr_handles--;
	return (struct pyheap_obj *)(word & ~HANDLE_TAGS);
}

/**
 * pyheap_handle_open() - name an object with a new handle
 * @heap: the object's heap
 * @obj: the object; the handle takes a reference of its own
 * @handle: where the new handle goes
 *
 * Context: Process context; may sleep.  Caller holds heap->lock.
 * Return: 0, -ENOSPC at the heap's handle limit, or -ENOMEM.
 */
int pyheap_handle_open(struct pyheap_heap *heap, struct pyheap_obj *obj,
		       u32 *handle)
	__must_hold(&heap->lock)
{
	int err;

	/* A free entry's next index must survive the shift. */
	BUILD_BUG_ON((u64)HANDLES_MAX << HANDLE_NEXT_SHIFT > ULONG_MAX);
	lockdep_assert_held(&heap->lock);
	if (heap->nr_handles >= heap->limits.max_handles)
		return -ENOSPC;
	if (!heap->handles.free) {
		err = pyheap_handles_reserve(heap, 1);
		if (err)
			return err;
	}
	*handle = handle_install(heap, obj);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(pyheap_handle_open);

/**
 * pyheap_handles_open_many() - name each of @n objects with a new handle
 * @heap: the objects' heap
 * @objs: the objects; each handle takes a reference of its own
 * @n: how many
 * @handles: where the @n new handles go, in the order of @objs
 *
 * All or nothing: either every object gets its handle, or none does.
 *
 * Context: Process context; may sleep.  Caller holds heap->lock.
 * Return: 0, -ENOSPC if @n more handles would pass the heap's limit, or
 * -ENOMEM.
 */
int pyheap_handles_open_many(struct pyheap_heap *heap,
			     struct pyheap_obj *const *objs, u32 n,
			     u32 *handles)
	__must_hold(&heap->lock)
{
	int err;
	u32 i;

	lockdep_assert_held(&heap->lock);
	err = pyheap_handles_reserve(heap, n);
	if (err)
		return err;
	for (i = 0; i < n; i++)
		handles[i] = handle_install(heap, objs[i]);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(pyheap_handles_open_many);

/* The object a handle names (borrowed), or NULL. */
struct pyheap_obj *pyheap_handle_lookup(struct pyheap_heap *heap, u32 handle)
	__must_hold(&heap->lock)
{
	const struct pyheap_handles *t = &heap->handles;

	lockdep_assert_held(&heap->lock);
	return handle_is_live(t, handle) ?
	       (struct pyheap_obj *)(t->slot[handle] & ~HANDLE_PINNED) : NULL;
}
EXPORT_SYMBOL_IF_KUNIT(pyheap_handle_lookup);

/**
 * pyheap_handle_pin() - keep a handle open until pyheap_handle_unpin()
 * @heap: the heap
 * @handle: an open handle, as pyheap_handle_open() gave it
 *
 * For a handle that is handed to user space later (a finalizer event):
 * until then no close may free it for reuse.
 *
 * Context: Caller holds heap->lock.
 */
void pyheap_handle_pin(struct pyheap_heap *heap, u32 handle)
	__must_hold(&heap->lock)
{
	lockdep_assert_held(&heap->lock);
	if (!WARN_ON_ONCE(!handle_is_live(&heap->handles, handle)))
		heap->handles.slot[handle] |= HANDLE_PINNED;
}

/**
 * pyheap_handle_unpin() - let a pinned handle be closed again
 * @heap: the heap
 * @handle: a handle pinned with pyheap_handle_pin()
 *
 * Context: Caller holds heap->lock.
 */
void pyheap_handle_unpin(struct pyheap_heap *heap, u32 handle)
	__must_hold(&heap->lock)
{
	lockdep_assert_held(&heap->lock);
	if (!WARN_ON_ONCE(!handle_is_live(&heap->handles, handle)))
		heap->handles.slot[handle] &= ~HANDLE_PINNED;
}

int pyheap_handle_close(struct pyheap_heap *heap, u32 handle)
	__must_hold(&heap->lock)
{
	struct pyheap_obj *obj;

	lockdep_assert_held(&heap->lock);
	if (!handle_is_live(&heap->handles, handle))
		return -ENOENT;
	if (heap->handles.slot[handle] & HANDLE_PINNED)
		return -EBUSY;
	obj = handle_take(heap, handle);
	handles_trim(&heap->handles, heap->nr_handles);
	pyheap_obj_put(heap, obj);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(pyheap_handle_close);

/**
 * pyheap_handles_close_many() - close @n handles, all or none
 * @heap: their heap
 * @handles: the handles, closed in this order
 * @n: how many
 *
 * Checks every handle before closing any: one that is not open, or that
 * appears twice (the second close of a handle would fail), or that an
 * unread event carries, refuses the whole call.
 *
 * Context: Process context; may sleep.  Caller holds heap->lock.
 * Return: 0, or -ENOENT or -EBUSY with every handle still open.
 */
int pyheap_handles_close_many(struct pyheap_heap *heap, const u32 *handles,
			      u32 n)
	__must_hold(&heap->lock)
{
	struct pyheap_handles *t = &heap->handles;
	struct pyheap_obj *obj;
	u32 i, j;
	int err;

	lockdep_assert_held(&heap->lock);
	for (i = 0; i < n; i++) {
		if (!handle_is_live(t, handles[i]) ||
		    (t->slot[handles[i]] & HANDLE_TAGS))
			break;
		t->slot[handles[i]] |= HANDLE_MARK;
	}
	if (i < n) {
		err = handle_is_live(t, handles[i]) &&
		      (t->slot[handles[i]] & HANDLE_PINNED) ? -EBUSY : -ENOENT;
		for (j = 0; j < i; j++)
			t->slot[handles[j]] &= ~HANDLE_MARK;
		return err;
	}
	/*
	 * A put may open a handle (a finalizer's event, mod/obj.c) but never
	 * closes one: the marked stay live, and no new one takes their place.
	 */
	for (i = 0; i < n; i++) {
		obj = handle_take(heap, handles[i]);
		pyheap_obj_put(heap, obj);
		if (!(i % 1024))
			cond_resched();
	}
	handles_trim(t, heap->nr_handles);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(pyheap_handles_close_many);

/**
 * pyheap_handles_for_each() - call @fn on every open handle, in order
 * @heap: the heap
 * @fn: called with each handle and the object it names (borrowed), under
 *	heap->lock only; it may sleep but must not open or close a handle.
 *	A non-zero return stops the walk.
 * @arg: passed to @fn
 *
 * The handles are the roots of the heap's object graph, as the frames'
 * local variables are a Python program's.
 *
 * Context: Process context; may sleep.  Caller holds heap->lock.
 * Return: what @fn last returned, or 0.
 */
int pyheap_handles_for_each(struct pyheap_heap *heap, pyheap_handle_fn_t fn,
			    void *arg)
	__must_hold(&heap->lock)
{
	const struct pyheap_handles *t = &heap->handles;
	u32 handle;
	int ret;

	lockdep_assert_held(&heap->lock);
	for (handle = 1; handle < t->top; handle++) {
		if (!handle_is_live(t, handle))
			continue;
		ret = fn(handle, (struct pyheap_obj *)(t->slot[handle] &
						       ~HANDLE_TAGS), arg);
		if (ret)
			return ret;
		if (!(handle % 1024))
			cond_resched();
	}
	return 0;
}

/* Close every handle (the file is going away) and free the table. */
void pyheap_handles_close_all(struct pyheap_heap *heap)
	__must_hold(&heap->lock)
{
	struct pyheap_handles *t = &heap->handles;
	u32 handle;

	lockdep_assert_held(&heap->lock);
	/* A discarding heap frees the objects whole: their counts are moot. */
	if (heap->discarding)
		goto out;
	/*
	 * By index, and t->slot read afresh.  No put here opens a handle: no
	 * finalizer runs on a heap going away (gc.dying, mod/obj.c).
	 */
	for (handle = 1; handle < t->top; handle++) {
		if (!handle_is_live(t, handle))
			continue;
		pyheap_obj_put(heap, handle_take(heap, handle));
		cond_resched();
	}
out:
	kvfree(t->slot);
	*t = (struct pyheap_handles){};
	heap->nr_handles = 0;
}
