/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * pyheap: CPython's memory model as a kernel service
 *
 * Every open() of /dev/pyheap creates one heap; close() destroys it and
 * everything in it.  The heap is driven with the ioctls below.
 */
#ifndef _UAPI_LINUX_PYHEAP_H
#define _UAPI_LINUX_PYHEAP_H

#include <linux/ioctl.h>
#include <linux/types.h>

/**
 * DOC: ABI rules
 *
 * Every ioctl takes a pointer to a struct whose first member is
 * ``__u32 size``, set by the caller to the size of the struct it was compiled
 * with, and whose second member is ``__u32 flags``.  The kernel reads the
 * struct once:
 *
 * - a @size smaller than the first published version of the struct fails
 *   with ``EINVAL``;
 * - a @size larger than the kernel knows is accepted only if every byte the
 *   kernel does not know is zero, otherwise the call fails with ``E2BIG``;
 * - unknown bits in @flags, and non-zero ``__reserved`` members, fail with
 *   ``EINVAL``.
 *
 * Members named ``out_*`` are written by the kernel; only the first @size
 * bytes of the caller's struct are ever written.  No output carries a kernel
 * address.  A call that fails leaves the heap exactly as it was.
 */

/**
 * DOC: errno
 *
 * Each errno has one meaning across the whole ABI:
 *
 * ==========  ==========================================================
 * EFAULT      the argument pointer (or a pointer inside it) is not
 *             readable or writable
 * EINVAL      malformed argument: short @size, unknown flags, non-zero
 *             reserved members, a value out of its documented range
 * E2BIG       @size is larger than the kernel's struct and the extra
 *             bytes are not zero
 * ENOTTY      unknown ioctl number
 * EINTR       a fatal signal arrived while waiting for the heap
 * ENOMEM      the kernel (or the caller's memory cgroup) is out of memory
 * ==========  ==========================================================
 */

#define PYHEAP_IOC_MAGIC	0xB9

/* ABI version: the major changes only if an existing meaning changes. */
#define PYHEAP_ABI_MAJOR	1
#define PYHEAP_ABI_MINOR	0

enum {
	PYHEAP_CMD_BASE = 0x00,
	PYHEAP_CMD_VERSION = PYHEAP_CMD_BASE,
};

/**
 * struct pyheap_version - ioctl(PYHEAP_IOC_VERSION)
 * @size: sizeof(struct pyheap_version)
 * @flags: must be 0
 * @out_abi_major: %PYHEAP_ABI_MAJOR of the running module
 * @out_abi_minor: %PYHEAP_ABI_MINOR of the running module
 * @out_heap_id: this file's heap, as named under /sys/kernel/debug/pyheap/
 *
 * Reports the ABI the module speaks and which heap this file owns.  A tool
 * refuses to run if @out_abi_major is not the one it was built for.
 */
struct pyheap_version {
	__u32 size;
	__u32 flags;
	__u32 out_abi_major;
	__u32 out_abi_minor;
	__u64 out_heap_id;
};

#define PYHEAP_IOC_VERSION	_IO(PYHEAP_IOC_MAGIC, PYHEAP_CMD_VERSION)

#endif /* _UAPI_LINUX_PYHEAP_H */
