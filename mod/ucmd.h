/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pyheap ucmd: one ioctl call in flight, as every handler sees it
 *
 * mod/dev.c reads the caller's argument, takes heap->lock and calls the
 * handler the op table names; the handlers live beside their objects
 * (uobj.c, lru_obj.c, gcmodule.c) and reach the caller only through
 * this header.  The shape every handler keeps is at the top of dev.c.
 */
#ifndef _PYHEAP_UCMD_H
#define _PYHEAP_UCMD_H

#include <linux/minmax.h>
#include <linux/types.h>
#include <linux/uaccess.h>

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
 * @gc_target: GC_COLLECT in slices: the collections that must have ended
 *	before it answers (pyheap_gc_slice_run()); 0 before it asked
 * @opened: the handles this call opened, which the dispatcher closes
 *	again if the call fails; NULL while they fit in @opened_inline
 * @nr_opened: how many
 * @max_opened: room in @opened
 * @opened_inline: the first few, without an allocation
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
	u64 gc_target;
	u32 *opened;
	u32 nr_opened;
	u32 max_opened;
	u32 opened_inline[4];
};

/*
 * A handler returns this (never seen by user space) to have the
 * dispatcher drop the heap lock, wait until heap->lru_seq moves past
 * ucmd->wait_seq or ucmd->wait_jiffies run out, and run it again.
 */
#define PYHEAP_EWAIT	EINPROGRESS

/*
 * A handler returns this (never seen by user space either) to have the
 * dispatcher run full collections in slices, letting the heap lock go
 * between them, until ucmd->gc_target of them have ended, and run it
 * again (GC_COLLECT with gc_slice_us set).
 */
#define PYHEAP_ESLICE	EALREADY

/* Copy a handler's result back, never more than the caller's struct holds. */
static inline int ucmd_respond(struct pyheap_ucmd *ucmd, size_t cmd_len)
{
	if (copy_to_user(ucmd->ubuffer, ucmd->cmd,
			 min_t(size_t, ucmd->user_size, cmd_len)))
		return -EFAULT;
	return 0;
}

/*
 * For a handler that must change the heap before it knows its answer
 * (GC_COLLECT, BATCH, a compute-once claim that may evict): write the
 * argument back unchanged, which faults its page in and proves it
 * writable, so that the final ucmd_respond() can fail only if the caller
 * unmaps or write-protects its own argument while the call runs.  Call it
 * after every check and before the first change.
 */
static inline int ucmd_prove_writable(struct pyheap_ucmd *ucmd,
				      size_t cmd_len)
{
	return ucmd_respond(ucmd, cmd_len);
}

/* The object an open handle names, or -ENOENT. */
static inline struct pyheap_obj *ucmd_obj(struct pyheap_ucmd *ucmd, u32 handle)
	__must_hold(&ucmd->heap->lock)
{
	struct pyheap_obj *obj = pyheap_handle_lookup(ucmd->heap, handle);

	return obj ?: ERR_PTR(-ENOENT);
}

/* mod/ucmd.c */
int ucmd_reserve_handles(struct pyheap_ucmd *ucmd, u32 n);
int ucmd_open_handles(struct pyheap_ucmd *ucmd, struct pyheap_obj *const *objs,
		      u32 n, u32 *handles);
int ucmd_respond_handle(struct pyheap_ucmd *ucmd, struct pyheap_obj *obj,
			u32 *out, size_t len);
void ucmd_end(struct pyheap_ucmd *ucmd, int ret);

/* Open a handle on @obj for the answer; see ucmd_open_handles(). */
static inline int ucmd_open_handle(struct pyheap_ucmd *ucmd,
				   struct pyheap_obj *obj, u32 *handle)
{
	return ucmd_open_handles(ucmd, &obj, 1, handle);
}

/* mod/dev.c */
int pyheap_ioc_heap_info(struct pyheap_ucmd *ucmd);

/* mod/uobj.c */
int pyheap_ioc_obj_new(struct pyheap_ucmd *ucmd);
int pyheap_ioc_handle_dup(struct pyheap_ucmd *ucmd);
int pyheap_ioc_handle_close(struct pyheap_ucmd *ucmd);
int pyheap_ioc_obj_newv(struct pyheap_ucmd *ucmd);
int pyheap_ioc_handle_closev(struct pyheap_ucmd *ucmd);
int pyheap_ioc_slot_set(struct pyheap_ucmd *ucmd);
int pyheap_ioc_slot_get(struct pyheap_ucmd *ucmd);
int pyheap_ioc_payload_write(struct pyheap_ucmd *ucmd);
int pyheap_ioc_payload_read(struct pyheap_ucmd *ucmd);
int pyheap_ioc_getsizeof(struct pyheap_ucmd *ucmd);

/* mod/gcmodule.c */
int pyheap_ioc_gc_collect(struct pyheap_ucmd *ucmd);
int pyheap_ioc_gc_get(struct pyheap_ucmd *ucmd);
int pyheap_ioc_gc_set(struct pyheap_ucmd *ucmd);
int pyheap_ioc_gc_stats(struct pyheap_ucmd *ucmd);
int pyheap_ioc_gc_freeze(struct pyheap_ucmd *ucmd);
int pyheap_ioc_gc_obj_info(struct pyheap_ucmd *ucmd);
int pyheap_ioc_gc_refs(struct pyheap_ucmd *ucmd);
int pyheap_ioc_gc_garbage(struct pyheap_ucmd *ucmd);
int pyheap_ioc_gc_why(struct pyheap_ucmd *ucmd);
int pyheap_ioc_gc_objects(struct pyheap_ucmd *ucmd);

/* mod/lru_obj.c */
int pyheap_ioc_lru_new(struct pyheap_ucmd *ucmd);
int pyheap_ioc_lru_get(struct pyheap_ucmd *ucmd);
int pyheap_ioc_lru_set(struct pyheap_ucmd *ucmd);
int pyheap_ioc_lru_delete(struct pyheap_ucmd *ucmd);
int pyheap_ioc_lru_info(struct pyheap_ucmd *ucmd);
int pyheap_ioc_lru_getv(struct pyheap_ucmd *ucmd);

#endif /* _PYHEAP_UCMD_H */
