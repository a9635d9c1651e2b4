// SPDX-License-Identifier: GPL-2.0
/*
 * pyheap ucmd: what the framework does for every handler
 *
 * Handles opened for an answer are the one thing every handler makes
 * before it responds, so the framework keeps them: each call records the
 * handles it opens in its ucmd, and ucmd_end() closes them again if the
 * handler failed, the final copy-out included.  A handler therefore
 * opens the handles of its answer with these, never closes one, and has
 * nothing of them to undo.
 *
 * Locking: every function here runs under heap->lock, held by the
 * dispatcher.  Lock order: "Lock order" in mod/internal.h (3 -> 5).
 */

#include <linux/bug.h>
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/slab.h>

#include "internal.h"
#include "ucmd.h"

/* The record of opened handles: inline until it outgrows it. */
static u32 *ucmd_opened(struct pyheap_ucmd *ucmd)
{
	return ucmd->opened ?: ucmd->opened_inline;
}

/**
 * ucmd_reserve_handles() - make room for @n more handles in the answer
 * @ucmd: the call
 * @n: how many
 *
 * After this, ucmd_open_handles() of up to @n handles cannot fail.
 *
 * Context: Process context; may sleep.  Caller holds heap->lock.
 * Return: 0, -ENOSPC at the heap's handle limit, or -ENOMEM.
 */
int ucmd_reserve_handles(struct pyheap_ucmd *ucmd, u32 n)
	__must_hold(&ucmd->heap->lock)
{
	u32 room = ucmd->opened ? ucmd->max_opened :
		   ARRAY_SIZE(ucmd->opened_inline);
	u32 need, *opened;

	lockdep_assert_held(&ucmd->heap->lock);
	if (check_add_overflow(ucmd->nr_opened, n, &need))
		return -ENOSPC;
	if (need > room) {
		need = max(need, 2 * room);
		opened = kvmalloc_array(need, sizeof(*opened),
					GFP_KERNEL_ACCOUNT);
		if (!opened)
			return -ENOMEM;
		memcpy(opened, ucmd_opened(ucmd),
		       ucmd->nr_opened * sizeof(*opened));
		kvfree(ucmd->opened);
		ucmd->opened = opened;
		ucmd->max_opened = need;
	}
	return pyheap_handles_reserve(ucmd->heap, n);
}

/**
 * ucmd_open_handles() - open handles on @n objects for the answer
 * @ucmd: the call
 * @objs: the objects; each handle takes a reference of its own
 * @n: how many
 * @handles: where the @n new handles go, in the order of @objs
 *
 * All or nothing, as pyheap_handles_open_many().  The handles stay open
 * if the call succeeds and are closed by the dispatcher if it fails.
 *
 * Context: Process context; may sleep.  Caller holds heap->lock.
 * Return: 0, -ENOSPC at the heap's handle limit, or -ENOMEM.
 */
int ucmd_open_handles(struct pyheap_ucmd *ucmd, struct pyheap_obj *const *objs,
		      u32 n, u32 *handles)
	__must_hold(&ucmd->heap->lock)
{
	int err;

	if (!n)
		return 0;
	err = ucmd_reserve_handles(ucmd, n);
	if (err)
		return err;
	err = pyheap_handles_open_many(ucmd->heap, objs, n, handles);
	if (WARN_ON_ONCE(err))	/* reserved, so it cannot fail */
		return err;
	memcpy(ucmd_opened(ucmd) + ucmd->nr_opened, handles,
	       n * sizeof(*handles));
	ucmd->nr_opened += n;
	return 0;
}

/* Answer with a new handle on @obj (none if @obj is NULL) in *@out. */
int ucmd_respond_handle(struct pyheap_ucmd *ucmd, struct pyheap_obj *obj,
			u32 *out, size_t len)
	__must_hold(&ucmd->heap->lock)
{
	int err = obj ? ucmd_open_handle(ucmd, obj, out) : 0;

	return err ?: ucmd_respond(ucmd, len);
}

/**
 * ucmd_end() - end a call: keep its handles, or close them again
 * @ucmd: the call
 * @ret: what the handler returned
 *
 * If the call failed, closes the handles it opened, newest first, so that
 * the free handles are back in the order they were in and the next call
 * gets the handle it would have got.  Frees the record either way.
 *
 * Context: Caller holds heap->lock.
 */
void ucmd_end(struct pyheap_ucmd *ucmd, int ret)
	__must_hold(&ucmd->heap->lock)
{
	u32 *opened = ucmd_opened(ucmd);

	lockdep_assert_held(&ucmd->heap->lock);
	while (ret && ucmd->nr_opened)
		WARN_ON_ONCE(pyheap_handle_close(ucmd->heap,
						 opened[--ucmd->nr_opened]));
	ucmd->nr_opened = 0;
	kvfree(ucmd->opened);
	ucmd->opened = NULL;
}
