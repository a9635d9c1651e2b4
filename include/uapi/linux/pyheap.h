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
 *             reserved members, a count or size above its documented cap
 * E2BIG       @size is larger than the kernel's struct and the extra
 *             bytes are not zero
 * ENOTTY      unknown ioctl number (or, in a batch, unknown command)
 * EINTR       a fatal signal arrived while waiting for the heap
 * ENOMEM      the kernel (or the caller's memory cgroup) is out of memory
 * ENOENT      no such handle in this heap (never opened, or closed)
 * ERANGE      a slot index, or a payload offset and length, lies outside
 *             the object
 * ENOSPC      the heap is at its object, byte or handle limit (see the
 *             module parameters)
 * EOVERFLOW   a count would overflow (offset + length, a reference count)
 * ==========  ==========================================================
 */

#define PYHEAP_IOC_MAGIC	0xB9

/* ABI version: the major changes only if an existing meaning changes. */
#define PYHEAP_ABI_MAJOR	1
#define PYHEAP_ABI_MINOR	0

/* Handle 0 names no object: an empty slot, or "None". */
#define PYHEAP_HANDLE_NONE	0

/* Caps on one user-space object. */
#define PYHEAP_MAX_SLOTS	4096
#define PYHEAP_MAX_PAYLOAD	(1U << 20)

enum {
	PYHEAP_CMD_BASE = 0x00,
	PYHEAP_CMD_VERSION = PYHEAP_CMD_BASE,
	PYHEAP_CMD_OBJ_NEW,
	PYHEAP_CMD_HANDLE_DUP,
	PYHEAP_CMD_HANDLE_CLOSE,
	PYHEAP_CMD_SLOT_SET,
	PYHEAP_CMD_SLOT_GET,
	PYHEAP_CMD_PAYLOAD_WRITE,
	PYHEAP_CMD_PAYLOAD_READ,
	PYHEAP_CMD_GETSIZEOF,
	PYHEAP_CMD_HEAP_INFO,
	PYHEAP_CMD_BATCH,
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

/**
 * struct pyheap_obj_new - ioctl(PYHEAP_IOC_OBJ_NEW)
 * @size: sizeof(struct pyheap_obj_new)
 * @flags: must be 0
 * @nslots: reference slots, 0..%PYHEAP_MAX_SLOTS, all empty at first
 * @payload_size: bytes of payload, 0..%PYHEAP_MAX_PAYLOAD, zeroed
 * @out_handle: a new handle owning the object's only reference
 * @__reserved: must be 0
 *
 * Creates a user-space object: a fixed number of reference slots, like a
 * class with __slots__ or a tuple, and an opaque payload.
 */
struct pyheap_obj_new {
	__u32 size;
	__u32 flags;
	__u32 nslots;
	__u32 payload_size;
	__u32 out_handle;
	__u32 __reserved;
};

#define PYHEAP_IOC_OBJ_NEW	_IO(PYHEAP_IOC_MAGIC, PYHEAP_CMD_OBJ_NEW)

/**
 * struct pyheap_handle_dup - ioctl(PYHEAP_IOC_HANDLE_DUP)
 * @size: sizeof(struct pyheap_handle_dup)
 * @flags: must be 0
 * @handle: an open handle
 * @out_handle: a new handle to the same object, owning a new reference
 */
struct pyheap_handle_dup {
	__u32 size;
	__u32 flags;
	__u32 handle;
	__u32 out_handle;
};

#define PYHEAP_IOC_HANDLE_DUP	_IO(PYHEAP_IOC_MAGIC, PYHEAP_CMD_HANDLE_DUP)

/**
 * struct pyheap_handle_close - ioctl(PYHEAP_IOC_HANDLE_CLOSE)
 * @size: sizeof(struct pyheap_handle_close)
 * @flags: must be 0
 * @handle: an open handle; closed, and its reference dropped
 * @__reserved: must be 0
 *
 * Like ``del name`` in Python: if that was the last reference, the object
 * (and whatever only it kept alive) is freed before the call returns.
 */
struct pyheap_handle_close {
	__u32 size;
	__u32 flags;
	__u32 handle;
	__u32 __reserved;
};

#define PYHEAP_IOC_HANDLE_CLOSE	_IO(PYHEAP_IOC_MAGIC, PYHEAP_CMD_HANDLE_CLOSE)

/**
 * struct pyheap_slot - ioctl(PYHEAP_IOC_SLOT_SET), ioctl(PYHEAP_IOC_SLOT_GET)
 * @size: sizeof(struct pyheap_slot)
 * @flags: must be 0
 * @handle: the object whose slot is set or read
 * @index: slot index, below the object's nslots
 * @target: SLOT_SET: the object to store, or %PYHEAP_HANDLE_NONE to empty
 *	the slot; SLOT_GET: must be 0
 * @out_handle: SLOT_GET: a new handle to the object in the slot, or
 *	%PYHEAP_HANDLE_NONE if it is empty; SLOT_SET: 0
 *
 * ``obj[index] = target`` takes a reference on the target and then drops
 * the one the slot held.
 */
struct pyheap_slot {
	__u32 size;
	__u32 flags;
	__u32 handle;
	__u32 index;
	__u32 target;
	__u32 out_handle;
};

#define PYHEAP_IOC_SLOT_SET	_IO(PYHEAP_IOC_MAGIC, PYHEAP_CMD_SLOT_SET)
#define PYHEAP_IOC_SLOT_GET	_IO(PYHEAP_IOC_MAGIC, PYHEAP_CMD_SLOT_GET)

/**
 * struct pyheap_payload - ioctl(PYHEAP_IOC_PAYLOAD_WRITE), ..._READ
 * @size: sizeof(struct pyheap_payload)
 * @flags: must be 0
 * @handle: the object
 * @length: bytes to copy
 * @offset: where in the payload; @offset + @length within the payload
 * @data: user address of @length bytes to copy from or to
 *
 * A write that faults on @data changes nothing.
 */
struct pyheap_payload {
	__u32 size;
	__u32 flags;
	__u32 handle;
	__u32 length;
	__u64 offset;
	__u64 data;
};

#define PYHEAP_IOC_PAYLOAD_WRITE _IO(PYHEAP_IOC_MAGIC, PYHEAP_CMD_PAYLOAD_WRITE)
#define PYHEAP_IOC_PAYLOAD_READ	_IO(PYHEAP_IOC_MAGIC, PYHEAP_CMD_PAYLOAD_READ)

/* Also walk everything the object keeps reachable. */
#define PYHEAP_GETSIZEOF_DEEP	(1U << 0)

/**
 * struct pyheap_getsizeof - ioctl(PYHEAP_IOC_GETSIZEOF)
 * @size: sizeof(struct pyheap_getsizeof)
 * @flags: 0 or %PYHEAP_GETSIZEOF_DEEP
 * @handle: the object
 * @__reserved: must be 0
 * @out_size: what ``sys.getsizeof()`` reports: header, slots and payload
 * @out_class_size: bytes actually taken: the block size of the object's
 *	size class, or @out_size for objects above 512 bytes
 * @out_deep_size: with %PYHEAP_GETSIZEOF_DEEP, @out_size of every object
 *	reachable from this one through slots, each counted once
 * @out_deep_objects: with %PYHEAP_GETSIZEOF_DEEP, how many objects that is
 */
struct pyheap_getsizeof {
	__u32 size;
	__u32 flags;
	__u32 handle;
	__u32 __reserved;
	__u64 out_size;
	__u64 out_class_size;
	__u64 out_deep_size;
	__u64 out_deep_objects;
};

#define PYHEAP_IOC_GETSIZEOF	_IO(PYHEAP_IOC_MAGIC, PYHEAP_CMD_GETSIZEOF)

/**
 * struct pyheap_heap_info - ioctl(PYHEAP_IOC_HEAP_INFO)
 * @size: sizeof(struct pyheap_heap_info)
 * @flags: must be 0
 * @out_objects: live objects
 * @out_bytes: bytes they take (their size classes)
 * @out_handles: open handles
 * @out_max_objects: the heap's object limit
 * @out_max_bytes: the heap's byte limit
 * @out_max_handles: the heap's handle limit
 */
struct pyheap_heap_info {
	__u32 size;
	__u32 flags;
	__u64 out_objects;
	__u64 out_bytes;
	__u64 out_handles;
	__u64 out_max_objects;
	__u64 out_max_bytes;
	__u64 out_max_handles;
};

#define PYHEAP_IOC_HEAP_INFO	_IO(PYHEAP_IOC_MAGIC, PYHEAP_CMD_HEAP_INFO)

/**
 * struct pyheap_op - one operation of a batch
 * @cmd: a PYHEAP_CMD_* number, not %PYHEAP_CMD_BATCH
 * @out_result: 0, or the negative errno the single ioctl would return
 * @arg: the command's own struct, its size member included, as the single
 *	ioctl takes it; at most 56 bytes.  Outputs are written back here.
 */
struct pyheap_op {
	__u32 cmd;
	__s32 out_result;
	__u8 arg[56];
};

/* Stop at the first operation that fails. */
#define PYHEAP_BATCH_STOP_ON_ERROR	(1U << 0)

/* Most operations in one batch. */
#define PYHEAP_BATCH_MAX	4096

/**
 * struct pyheap_batch - ioctl(PYHEAP_IOC_BATCH)
 * @size: sizeof(struct pyheap_batch)
 * @flags: 0 or %PYHEAP_BATCH_STOP_ON_ERROR
 * @count: operations in @ops, 1..%PYHEAP_BATCH_MAX
 * @op_size: sizeof(struct pyheap_op)
 * @ops: user address of @count operations
 * @out_executed: operations executed, failed ones included
 * @__reserved: must be 0
 *
 * Runs the operations in order under one acquisition of the heap, each
 * exactly as its single ioctl would: each one succeeds or changes nothing,
 * and its result lands in its @out_result.  The batch itself fails (and
 * executes nothing) only if this header is malformed; an operation that
 * fails does not fail the batch.  One ioctl costs as much as 30 to 100
 * in-kernel operations, so batching is how to go fast.
 */
struct pyheap_batch {
	__u32 size;
	__u32 flags;
	__u32 count;
	__u32 op_size;
	__u64 ops;
	__u32 out_executed;
	__u32 __reserved;
};

#define PYHEAP_IOC_BATCH	_IO(PYHEAP_IOC_MAGIC, PYHEAP_CMD_BATCH)

#endif /* _UAPI_LINUX_PYHEAP_H */
