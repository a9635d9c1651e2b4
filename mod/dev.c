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
 * Locking: the dispatcher takes heap->lock around each handler.
 * Lock order: heap->lock (nothing nests inside it here)
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/stddef.h>
#include <linux/uaccess.h>

#include <uapi/linux/pyheap.h>
#include "internal.h"

/**
 * struct pyheap_ucmd - one ioctl call in flight
 * @heap: the file's heap, locked while the handler runs
 * @ubuffer: the caller's argument
 * @user_size: the caller's idea of the argument's size
 * @cmd: the kernel copy of the argument
 */
struct pyheap_ucmd {
	struct pyheap_heap *heap;
	void __user *ubuffer;
	u32 user_size;
	void *cmd;
};

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

/* The union sizes the on-stack copy of every argument struct. */
union pyheap_ucmd_buffer {
	struct pyheap_version version;
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
};

/**
 * pyheap_dev_ioctl() - run one ioctl against a heap
 * @heap: the heap of the file the ioctl was issued on
 * @cmd: the ioctl number
 * @arg: the user pointer to the argument struct
 *
 * Split from the file operation so that KUnit can drive it with real user
 * buffers and a heap of its own.
 *
 * Context: Process context.  Takes and releases heap->lock.
 * Return: 0, a negative errno from "errno" in the UAPI header, or
 * -ENOIOCTLCMD for an unknown @cmd.
 */
VISIBLE_IF_KUNIT long pyheap_dev_ioctl(struct pyheap_heap *heap,
				       unsigned int cmd, unsigned long arg)
{
	const struct pyheap_ioctl_op *op;
	union pyheap_ucmd_buffer buf;
	struct pyheap_ucmd ucmd = {
		.heap = heap,
		.ubuffer = (void __user *)arg,
		.cmd = &buf,
	};
	unsigned int nr = _IOC_NR(cmd);
	int ret;

	if (nr < PYHEAP_CMD_BASE ||
	    nr - PYHEAP_CMD_BASE >= ARRAY_SIZE(pyheap_ioctl_ops))
		return -ENOIOCTLCMD;
	op = &pyheap_ioctl_ops[nr - PYHEAP_CMD_BASE];
	if (op->ioctl_num != cmd)
		return -ENOIOCTLCMD;

	if (get_user(ucmd.user_size, (u32 __user *)ucmd.ubuffer))
		return -EFAULT;
	if (ucmd.user_size < op->min_size)
		return -EINVAL;
	ret = copy_struct_from_user(ucmd.cmd, op->size, ucmd.ubuffer,
				    ucmd.user_size);
	if (ret)
		return ret;

	if (mutex_lock_killable(&heap->lock))
		return -EINTR;
	ret = op->execute(&ucmd);
	if (!ret)
		heap->nr_ioctls++;
	mutex_unlock(&heap->lock);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(pyheap_dev_ioctl);

static long pyheap_fop_ioctl(struct file *file, unsigned int cmd,
			     unsigned long arg)
{
	return pyheap_dev_ioctl(file->private_data, cmd, arg);
}

static int pyheap_fop_open(struct inode *inode, struct file *file)
{
	struct pyheap_heap *heap;

	heap = pyheap_heap_create();
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

int pyheap_dev_init(void)
{
	return misc_register(&pyheap_miscdev);
}

void pyheap_dev_exit(void)
{
	misc_deregister(&pyheap_miscdev);
}
