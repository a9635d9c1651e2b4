// SPDX-License-Identifier: GPL-2.0
/*
 * pyheap events: finalizers handed back to user space
 *
 * A user-space object made with PYHEAP_OBJ_FINALIZER has, as its PEP 442
 * finalizer, this file's pyheap_event_queue_finalize(): when the collector
 * finds it unreachable, or when its last reference goes before that (see
 * "Finalizers at a count of zero" in mod/obj.c), the object is handed back
 * to the heap's owner as an event carrying a new handle, which keeps it
 * (and what it reaches) alive until the owner closes it.  The owner reads
 * events with read() on the heap's file and waits for them with poll().
 * Until an event is read its handle is pinned, so that it cannot be closed
 * and reused for another object first (see mod/handle.c).
 *
 * This is the only part of the finalizer path that knows about handles
 * and files; the collector (mod/gc.c) only calls the type's ->finalize().
 *
 * Locking: heap->lock protects the list; the count is also read without
 * it (WRITE_ONCE under the lock, READ_ONCE outside), by poll() and by the
 * readers' wait.  Lock order: "Lock order" in mod/internal.h (3 -> 5).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/lockdep.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include <uapi/linux/pyheap.h>
#include "internal.h"

struct pyheap_event_entry {
	struct list_head node;
	u32 handle;
};

void pyheap_events_init(struct pyheap_heap *heap)
{
	INIT_LIST_HEAD(&heap->events.list);
	init_waitqueue_head(&heap->events.wait);
}

/* Forget the events not read; their handles are closed with the rest. */
void pyheap_events_release(struct pyheap_heap *heap)
	__must_hold(&heap->lock)
{
	struct pyheap_event_entry *ev, *tmp;

	lockdep_assert_held(&heap->lock);
	list_for_each_entry_safe(ev, tmp, &heap->events.list, node)
		kfree(ev);
	INIT_LIST_HEAD(&heap->events.list);
	WRITE_ONCE(heap->events.nr, 0);
}

/* Events waiting to be read. */
u64 pyheap_events_pending(struct pyheap_heap *heap)
	__must_hold(&heap->lock)
{
	lockdep_assert_held(&heap->lock);
	return heap->events.nr;
}

/**
 * pyheap_event_queue_finalize() - the finalizer of user-space objects
 * @heap: the object's heap
 * @obj: the object, found unreachable by the collector, or with no
 *	reference left but the one its put lends for the call
 *
 * Context: Process context; may sleep.  Caller holds heap->lock.
 * Return: 0, or -ENOMEM or -ENOSPC (no handle left under the heap's
 * limit): the collector then keeps the object for a later collection,
 * and a put frees it unfinalized.
 */
int pyheap_event_queue_finalize(struct pyheap_heap *heap,
				struct pyheap_obj *obj)
	__must_hold(&heap->lock)
{
	struct pyheap_events *events = &heap->events;
	struct pyheap_event_entry *ev;
	int err;

	lockdep_assert_held(&heap->lock);
	ev = kmalloc(sizeof(*ev), GFP_KERNEL_ACCOUNT);
	if (!ev)
		return -ENOMEM;
	err = pyheap_handle_open(heap, obj, &ev->handle);
	if (err) {
		kfree(ev);
		return err;
	}
	/* Until read() hands it out, the handle cannot be closed and reused. */
	pyheap_handle_pin(heap, ev->handle);
	list_add_tail(&ev->node, &events->list);
	/* Paired with the READ_ONCE()s of the readers and of the poll. */
	WRITE_ONCE(events->nr, events->nr + 1);
	wake_up_interruptible(&events->wait);
	return 0;
}

#if IS_ENABLED(CONFIG_KUNIT)
/* The oldest event's handle, unpinned, as read() hands it out; 0: none. */
u32 pyheap_event_take(struct pyheap_heap *heap)
	__must_hold(&heap->lock)
{
	struct pyheap_events *events = &heap->events;
	struct pyheap_event_entry *ev;
	u32 handle;

	lockdep_assert_held(&heap->lock);
	ev = list_first_entry_or_null(&events->list, struct pyheap_event_entry,
				      node);
	if (!ev)
		return 0;
	handle = ev->handle;
	list_del(&ev->node);
	pyheap_handle_unpin(heap, handle);
	kfree(ev);
	WRITE_ONCE(events->nr, events->nr - 1);
	return handle;
}
EXPORT_SYMBOL_IF_KUNIT(pyheap_event_take);
#endif

/* Copy out whole events, under heap->lock; 0 if there is none. */
static ssize_t __events_read(struct pyheap_heap *heap, char __user *buf,
			     size_t len)
{
	struct pyheap_events *events = &heap->events;
	struct pyheap_event out = { .type = PYHEAP_EVENT_FINALIZE };
	struct pyheap_event_entry *ev;
	size_t done = 0;

	while (len - done >= sizeof(out) &&
	       (ev = list_first_entry_or_null(&events->list,
					      struct pyheap_event_entry,
					      node))) {
		out.handle = ev->handle;
		if (copy_to_user(buf + done, &out, sizeof(out)))
			return done ? done : -EFAULT;
		list_del(&ev->node);
		pyheap_handle_unpin(heap, ev->handle);
		kfree(ev);
		WRITE_ONCE(events->nr, events->nr - 1);
		done += sizeof(out);
	}
	return done;
}

/* read() on the heap's file: see struct pyheap_event. */
ssize_t pyheap_events_read(struct pyheap_heap *heap, char __user *buf,
			   size_t len, bool nonblock)
{
	struct pyheap_events *events = &heap->events;
	ssize_t ret;

	if (len < sizeof(struct pyheap_event))
		return -EINVAL;
	for (;;) {
		if (mutex_lock_killable(&heap->lock))
			return -EINTR;
		ret = __events_read(heap, buf, len);
		mutex_unlock(&heap->lock);
		if (ret || nonblock)
			return ret ? ret : -EAGAIN;
		if (wait_event_interruptible(events->wait,
					     READ_ONCE(events->nr)))
			return -ERESTARTSYS;
	}
}

__poll_t pyheap_events_poll(struct pyheap_heap *heap, struct file *file,
			    poll_table *wait)
{
	poll_wait(file, &heap->events.wait, wait);
	return READ_ONCE(heap->events.nr) ? EPOLLIN | EPOLLRDNORM : 0;
}
