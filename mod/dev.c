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
 * The handlers live beside their objects (uobj.c, lru_obj.c,
 * gcmodule.c); this file keeps the device, the file operations, the op
 * table, BATCH and the dispatcher.  A new ioctl is a handler next to its
 * object, declared in ucmd.h, and one line in pyheap_ioctl_ops[].
 *
 * Every handler has one shape, so that a failed call changes nothing:
 *
 *   check    every flag, reserved member, count and handle, first;
 *   prepare  what can fail: allocations, handles for the answer
 *            (ucmd_open_handles()), copies in from user memory; nothing
 *            visible has changed yet;
 *   respond  copy the answer out (ucmd_respond()); if that fails, undo
 *            what was prepared and return -EFAULT;
 *   commit   only now change the heap; nothing here can fail.
 *
 * The dispatcher owns the undo of what it can see: the handles a call
 * opened are closed again whenever the handler returns an error, so no
 * handler closes one of its own (see mod/ucmd.c).
 *
 * GC_COLLECT cannot answer before it collects, so it proves its argument
 * writable first; BATCH is the one deliberate exception to all or
 * nothing (each operation keeps its own result).  See "A failed call
 * changes nothing" in Documentation/pyheap/uapi.rst.
 *
 * Locking: the dispatcher takes heap->lock around each handler (a batch
 * holds it for all its operations), so the handlers and everything they
 * call run under it.  They copy to and from user memory under it too.
 * Lock order: "Lock order" in mod/internal.h (3, rules a and c).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/lockdep.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/stddef.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <pyheap/lru.h>
#include <uapi/linux/pyheap.h>
#include "internal.h"
#include "ucmd.h"

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

int pyheap_ioc_heap_info(struct pyheap_ucmd *ucmd)
	__must_hold(&ucmd->heap->lock)
{
	struct pyheap_heap_info *cmd = ucmd->cmd;
	struct pyheap_heap *heap = ucmd->heap;

	lockdep_assert_held(&ucmd->heap->lock);
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
	struct pyheap_gc_why gc_why;
	struct pyheap_gc_objects gc_objects;
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
	IOCTL_OP(GC_WHY, pyheap_ioc_gc_why, struct pyheap_gc_why, __reserved),
	IOCTL_OP(GC_OBJECTS, pyheap_ioc_gc_objects, struct pyheap_gc_objects,
		 __reserved),
};

/* Run one handler, and end the call (ucmd_end() undoes a failure). */
static int ucmd_run(const struct pyheap_ioctl_op *op,
		    struct pyheap_ucmd *ucmd)
	__must_hold(&ucmd->heap->lock)
{
	int ret;

	lockdep_assert_held(&ucmd->heap->lock);
	ret = op->execute(ucmd);
	ucmd_end(ucmd, ret);
	if (!ret)
		ucmd->heap->nr_ioctls++;
	return ret;
}

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

	lockdep_assert_held(&ucmd->heap->lock);
	if ((cmd->flags & ~PYHEAP_BATCH_STOP_ON_ERROR) || cmd->__reserved ||
	    cmd->out_executed || !cmd->count ||
	    cmd->count > PYHEAP_BATCH_MAX ||
	    cmd->op_size != sizeof(struct pyheap_op))
		return -EINVAL;

	/*
	 * Check that the count can be reported before running anything, so
	 * that a batch whose own argument is read-only fails whole.
	 */
	if (ucmd_prove_writable(ucmd, sizeof(*cmd)))
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
			ret = ucmd_run(op, &sub);
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
 * the heap lock, and the handler runs again.  So does one that returns
 * -PYHEAP_ESLICE, after the collection in slices it asked for.
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
		ret = ucmd_run(op, &ucmd);
		mutex_unlock(&heap->lock);
		if (ret == -PYHEAP_ESLICE) {
			if (pyheap_gc_slice_run(heap, ucmd.gc_target))
				return -EINTR;
			continue;
		}
		if (ret != -PYHEAP_EWAIT)
			break;
		left = lru_wait(heap, &ucmd);
		if (left < 0)
			return -EINTR;
		/*
		 * Run the handler again with the time that is left.  With
		 * none left it looks once more, then fails with EAGAIN.
		 */
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
	return pyheap_events_read(file->private_data, buf, len,
				     file->f_flags & O_NONBLOCK);
}

static __poll_t pyheap_fop_poll(struct file *file, poll_table *wait)
{
	return pyheap_events_poll(file->private_data, file, wait);
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
	BUILD_BUG_ON(offsetofend(struct pyheap_gc_collect, out_unreachable) !=
		     PYHEAP_GC_COLLECT_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct pyheap_gc_collect) !=
		     PYHEAP_GC_COLLECT_SIZE_VER1);
	ABI_SIZE(gc_state, GC_STATE);
	BUILD_BUG_ON(offsetofend(struct pyheap_gc_stats, out_gen) !=
		     PYHEAP_GC_STATS_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct pyheap_gc_stats) !=
		     PYHEAP_GC_STATS_SIZE_VER1);
	ABI_SIZE(gc_freeze, GC_FREEZE);
	BUILD_BUG_ON(sizeof(struct pyheap_gc_obj_info) !=
		     PYHEAP_GC_OBJ_INFO_SIZE_VER1);
	ABI_SIZE(gc_refs, GC_REFS);
	BUILD_BUG_ON(offsetofend(struct pyheap_gc_garbage, out_total) !=
		     PYHEAP_GC_GARBAGE_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct pyheap_gc_garbage) !=
		     PYHEAP_GC_GARBAGE_SIZE_VER1);
	ABI_SIZE(lru_new, LRU_NEW);
	ABI_SIZE(lru_op, LRU_OP);
	ABI_SIZE(lru_cache_info, LRU_CACHE_INFO);
	ABI_SIZE(lru_getv, LRU_GETV);
	ABI_SIZE(gc_why, GC_WHY);
	ABI_SIZE(gc_objects, GC_OBJECTS);
	BUILD_BUG_ON(sizeof(struct pyheap_gc_why_step) != 8);
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
