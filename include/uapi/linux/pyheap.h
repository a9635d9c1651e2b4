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
 * - a @size larger than a page (sysconf(_SC_PAGESIZE): 4096 bytes on
 *   x86-64) fails with ``E2BIG`` whatever the bytes are, as for clone3()
 *   and openat2();
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
 *             bytes are not zero, or @size is larger than a page
 * ENOTTY      unknown ioctl number (or, in a batch, unknown command)
 * EINTR       a fatal signal arrived while waiting for the heap
 * ENOMEM      the kernel (or the caller's memory cgroup) is out of memory
 * ENOENT      no such handle in this heap (never opened, or closed);
 *             GC_WHY: no other handle reaches the object
 * ERANGE      a slot index, or a payload offset and length, lies outside
 *             the object
 * ENOSPC      the heap is at its object, byte or handle limit (see the
 *             module parameters)
 * EOVERFLOW   a count would overflow (offset + length, a reference
 *             count), or a value does not fit the caller's buffer
 * EAGAIN      compute-once: another caller is computing the key's value
 *             and did not finish within the timeout
 * EBUSY       the handle is carried by a finalizer event that has not
 *             been read yet, and cannot be closed until it is
 * ==========  ==========================================================
 */

#define PYHEAP_IOC_MAGIC	0xB9

/* ABI version: the major changes only if an existing meaning changes. */
#define PYHEAP_ABI_MAJOR	1
#define PYHEAP_ABI_MINOR	10

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
	PYHEAP_CMD_GC_COLLECT,
	PYHEAP_CMD_GC_GET,
	PYHEAP_CMD_GC_SET,
	PYHEAP_CMD_GC_STATS,
	PYHEAP_CMD_GC_FREEZE,
	PYHEAP_CMD_GC_OBJ_INFO,
	PYHEAP_CMD_GC_REFS,
	PYHEAP_CMD_GC_GARBAGE,
	PYHEAP_CMD_LRU_NEW,
	PYHEAP_CMD_LRU_GET,
	PYHEAP_CMD_LRU_SET,
	PYHEAP_CMD_LRU_DELETE,
	PYHEAP_CMD_LRU_INFO,
	PYHEAP_CMD_LRU_GETV,		/* since ABI 1.2 */
	PYHEAP_CMD_OBJ_NEWV,		/* since ABI 1.3 */
	PYHEAP_CMD_HANDLE_CLOSEV,	/* since ABI 1.3 */
	PYHEAP_CMD_GC_WHY,		/* since ABI 1.5 */
	PYHEAP_CMD_GC_OBJECTS,		/* since ABI 1.7 */
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

/*
 * PEP 442 finalizer: when the collector finds the object unreachable, it
 * first gives it back to its owner as a %PYHEAP_EVENT_FINALIZE event,
 * once in the object's life; the object is freed when it is unreachable
 * again after that.
 */
#define PYHEAP_OBJ_FINALIZER		(1U << 0)
/*
 * A legacy finalizer, like a class with __del__ before Python 3.4: the
 * collector cannot know a safe order, so an unreachable cycle that
 * contains such an object goes to the heap's garbage list, uncollected.
 */
#define PYHEAP_OBJ_LEGACY_FINALIZER	(1U << 1)

/**
 * struct pyheap_obj_new - ioctl(PYHEAP_IOC_OBJ_NEW)
 * @size: sizeof(struct pyheap_obj_new)
 * @flags: 0, %PYHEAP_OBJ_FINALIZER or %PYHEAP_OBJ_LEGACY_FINALIZER
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
 * executes nothing) only if this header is malformed or cannot be written
 * back, or the first operation cannot be read (EFAULT); an operation that
 * fails does not fail the batch.  If @ops runs into unreadable memory
 * after some operations ran, the batch stops there, returns 0 and says
 * how many ran in @out_executed.  One ioctl costs as much as 30 to 100
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

/* The collector, as Python's gc module drives it. */
#define PYHEAP_GC_NR_GENS	3

/**
 * struct pyheap_gc_collect - ioctl(PYHEAP_IOC_GC_COLLECT)
 * @size: sizeof(struct pyheap_gc_collect)
 * @flags: 0, or %PYHEAP_GC_COLLECT_HANDED (since ABI 1.10)
 * @generation: oldest generation to collect, 0..%PYHEAP_GC_NR_GENS - 1
 * @__reserved: must be 0
 * @out_unreachable: unreachable objects found, as ``gc.collect()``
 *	returns: collected plus uncollectable
 * @out_collected: of them, those freed: the ``"collected"`` of the
 *	``gc.callbacks`` info.  Since ABI 1.7.
 * @out_uncollectable: of them, those moved to the garbage list: the
 *	``"uncollectable"`` of that info.  Since ABI 1.7.
 *
 * Collects now, in the caller's context, even when the collector is
 * disabled, as ``gc.collect()`` does.  A caller of ABI 1.5 or older
 * passes %PYHEAP_GC_COLLECT_SIZE_VER0 and gets @out_unreachable only.
 *
 * The objects a collection hands to finalizer events, and what they
 * reach, stay alive in @generation until their finalizers have run.
 * %PYHEAP_GC_COLLECT_HANDED then finishes that collection as CPython's
 * one ``gc.collect()`` would: it decides again only those objects
 * (generations 0 to @generation), frees what is still unreachable and
 * moves what was resurrected to the next older generation, and leaves
 * whatever else became garbage meanwhile to the next collection.  The
 * counts of %PYHEAP_IOC_GC_GET do not move.  See "Finalizers" in
 * Documentation/pyheap/gc.rst.
 */
struct pyheap_gc_collect {
	__u32 size;
	__u32 flags;
	__u32 generation;
	__u32 __reserved;
	__u64 out_unreachable;
	__u64 out_collected;
	__u64 out_uncollectable;
};

/* pyheap_gc_collect.flags */
#define PYHEAP_GC_COLLECT_HANDED	(1U << 0)

#define PYHEAP_IOC_GC_COLLECT	_IO(PYHEAP_IOC_MAGIC, PYHEAP_CMD_GC_COLLECT)

/* Debug flags, with the values of Python's gc module. */
#define PYHEAP_GC_DEBUG_STATS		(1U << 0)
#define PYHEAP_GC_DEBUG_COLLECTABLE	(1U << 1)
#define PYHEAP_GC_DEBUG_UNCOLLECTABLE	(1U << 2)
#define PYHEAP_GC_DEBUG_SAVEALL		(1U << 5)

/**
 * struct pyheap_gc_state - ioctl(PYHEAP_IOC_GC_GET), ioctl(PYHEAP_IOC_GC_SET)
 * @size: sizeof(struct pyheap_gc_state)
 * @flags: GC_GET: must be 0; GC_SET: which of the fields below to set,
 *	any of the PYHEAP_GC_SET_* bits
 * @enabled: automatic collection on (1) or off (0)
 * @debug: PYHEAP_GC_DEBUG_* bits
 * @threshold: ``gc.get_threshold()``; threshold[0] == 0 stops automatic
 *	collection
 * @out_count: ``gc.get_count()``: allocations minus deallocations of
 *	tracked objects since the last collection, then collections of the
 *	younger generation
 * @out_freeze_count: objects in the permanent generation
 * @out_garbage: objects on the garbage list
 * @out_events: finalizer events not read yet
 * @__reserved: must be 0
 * @__reserved2: must be 0
 */
struct pyheap_gc_state {
	__u32 size;
	__u32 flags;
	__u32 enabled;
	__u32 debug;
	__u32 threshold[PYHEAP_GC_NR_GENS];
	__u32 out_count[PYHEAP_GC_NR_GENS];
	__u64 out_freeze_count;
	__u64 out_garbage;
	__u64 out_events;
	__u32 __reserved;
	__u32 __reserved2;
};

#define PYHEAP_GC_SET_ENABLED	(1U << 0)
#define PYHEAP_GC_SET_DEBUG	(1U << 1)
#define PYHEAP_GC_SET_THRESHOLD	(1U << 2)

#define PYHEAP_IOC_GC_GET	_IO(PYHEAP_IOC_MAGIC, PYHEAP_CMD_GC_GET)
#define PYHEAP_IOC_GC_SET	_IO(PYHEAP_IOC_MAGIC, PYHEAP_CMD_GC_SET)

/**
 * struct pyheap_gc_gen_stats - one generation in ``gc.get_stats()``
 * @collections: collections of this generation
 * @collected: unreachable objects freed
 * @uncollectable: unreachable objects moved to the garbage list
 * @candidates: objects examined, summed over the collections
 * @duration_ns: time spent collecting (holding the heap lock), summed
 * @max_pause_ns: longest collection; with full collections in slices
 *	(module parameter gc_slice_us), the longest slice
 * @objects: objects in the generation now
 */
struct pyheap_gc_gen_stats {
	__u64 collections;
	__u64 collected;
	__u64 uncollectable;
	__u64 candidates;
	__u64 duration_ns;
	__u64 max_pause_ns;
	__u64 objects;
};

/**
 * struct pyheap_gc_stats - ioctl(PYHEAP_IOC_GC_STATS)
 * @size: sizeof(struct pyheap_gc_stats)
 * @flags: must be 0
 * @out_gen: the three generations
 * @out_skipped: of each generation's collections, those answered without
 *	a scan, since the graph was as the last one had left it and that
 *	one found nothing unreachable; ABI 1.6
 *
 * A caller of ABI 1.5 or older passes %PYHEAP_GC_STATS_SIZE_VER0 and
 * gets no @out_skipped.
 */
struct pyheap_gc_stats {
	__u32 size;
	__u32 flags;
	struct pyheap_gc_gen_stats out_gen[PYHEAP_GC_NR_GENS];
	__u64 out_skipped[PYHEAP_GC_NR_GENS];	/* since ABI 1.6 */
};

#define PYHEAP_IOC_GC_STATS	_IO(PYHEAP_IOC_MAGIC, PYHEAP_CMD_GC_STATS)

#define PYHEAP_GC_FREEZE	(1U << 0)
#define PYHEAP_GC_UNFREEZE	(1U << 1)

/**
 * struct pyheap_gc_freeze - ioctl(PYHEAP_IOC_GC_FREEZE)
 * @size: sizeof(struct pyheap_gc_freeze)
 * @flags: exactly one of %PYHEAP_GC_FREEZE (move every tracked object to
 *	the permanent generation, which is never collected) and
 *	%PYHEAP_GC_UNFREEZE (move them back to the oldest generation)
 * @out_freeze_count: objects in the permanent generation afterwards
 */
struct pyheap_gc_freeze {
	__u32 size;
	__u32 flags;
	__u64 out_freeze_count;
};

#define PYHEAP_IOC_GC_FREEZE	_IO(PYHEAP_IOC_MAGIC, PYHEAP_CMD_GC_FREEZE)

/**
 * struct pyheap_gc_obj_info - ioctl(PYHEAP_IOC_GC_OBJ_INFO)
 * @size: sizeof(struct pyheap_gc_obj_info)
 * @flags: must be 0
 * @handle: the object
 * @out_tracked: ``gc.is_tracked()``
 * @out_finalized: ``gc.is_finalized()``
 * @out_generation: 0..2, 3 for the permanent generation, or 4 for an
 *	untracked object
 * @out_refcnt: its reference count, handles included
 * @__reserved: must be 0
 * @out_id: the object's identity, as Python's ``id()``: equal for two
 *	handles of one object, stable while it lives, and never an address
 *	(63 bits of a keyed hash of it, with a key of this heap's).  ABI 1.1.
 * @out_type: the name of its type, NUL-terminated: ``"object"``,
 *	``"lru_cache"`` or a type another module registered.  ABI 1.1.
 *
 * An object is tracked, as ``gc.is_tracked()`` says of a CPython object,
 * if it can ever hold a reference: an OBJ_NEW object with a slot or a
 * finalizer, an LRU map, an object of a kernel type that traverses.  An
 * OBJ_NEW object without slots and without a finalizer is like a bytes
 * object: never collected, listed by GC_OBJECTS or counted in
 * ``gc.get_count()`` (since ABI 1.7; before, every object was tracked).
 *
 * A caller of ABI 1.0 passes %PYHEAP_GC_OBJ_INFO_SIZE_VER0 and gets the
 * fields up to @__reserved.
 */
struct pyheap_gc_obj_info {
	__u32 size;
	__u32 flags;
	__u32 handle;
	__u32 out_tracked;
	__u32 out_finalized;
	__u32 out_generation;
	__u32 out_refcnt;
	__u32 __reserved;
	__u64 out_id;
	char out_type[16];
};

#define PYHEAP_IOC_GC_OBJ_INFO	_IO(PYHEAP_IOC_MAGIC, PYHEAP_CMD_GC_OBJ_INFO)

/* Which way PYHEAP_IOC_GC_REFS looks. */
#define PYHEAP_GC_REFERENTS	(1U << 0)
#define PYHEAP_GC_REFERRERS	(1U << 1)

/**
 * struct pyheap_gc_refs - ioctl(PYHEAP_IOC_GC_REFS)
 * @size: sizeof(struct pyheap_gc_refs)
 * @flags: exactly one of %PYHEAP_GC_REFERENTS (objects @handle refers to,
 *	``gc.get_referents()``) and %PYHEAP_GC_REFERRERS (tracked objects
 *	that refer to @handle, ``gc.get_referrers()``)
 * @handle: the object
 * @max: room in @handles, 1..4096
 * @handles: user address of @max __u32; receives new handles, one per
 *	object found (an object referring twice appears twice)
 * @out_count: handles written
 * @out_total: objects found; more than @out_count if @max was too small
 */
struct pyheap_gc_refs {
	__u32 size;
	__u32 flags;
	__u32 handle;
	__u32 max;
	__u64 handles;
	__u32 out_count;
	__u32 out_total;
};

#define PYHEAP_IOC_GC_REFS	_IO(PYHEAP_IOC_MAGIC, PYHEAP_CMD_GC_REFS)

#define PYHEAP_GC_GARBAGE_LIST	(1U << 0)
#define PYHEAP_GC_GARBAGE_CLEAR	(1U << 1)

/**
 * struct pyheap_gc_garbage - ioctl(PYHEAP_IOC_GC_GARBAGE)
 * @size: sizeof(struct pyheap_gc_garbage)
 * @flags: %PYHEAP_GC_GARBAGE_LIST (new handles to up to @max objects of
 *	``gc.garbage``, from entry @offset on) or %PYHEAP_GC_GARBAGE_CLEAR
 *	(``del gc.garbage[:]``: drop the list's references)
 * @max: LIST: room in @handles, 1..%PYHEAP_GC_REFS_MAX, and in @groups;
 *	LIST with @groups but no @handles: room in @groups, any value from
 *	1; CLEAR: must be 0
 * @__reserved: must be 0
 * @handles: LIST: user address of @max __u32, or 0 to ask for @groups
 *	only; CLEAR: must be 0
 * @out_count: entries listed (LIST) or objects dropped (CLEAR)
 * @out_total: objects on the garbage list before the call
 * @offset: LIST: the first entry to list; past the end, nothing is
 *	listed.  CLEAR: must be 0.  ABI 1.5.
 * @groups: LIST: 0, or the user address of @max __u32 that receive the
 *	cycle of each entry listed (see below); CLEAR: must be 0.  ABI 1.5.
 * @out_cycles: LIST with @groups: how many cycles the whole list holds.
 *	ABI 1.5.
 * @__reserved2: must be 0.  ABI 1.5.
 *
 * The cycles are the strongly connected components of the references
 * between the objects of the garbage list, references to other objects
 * left out.  They are numbered from 1 in the order in which each first
 * appears in the list; an entry on no cycle (alone in its component and
 * without a reference to itself) has group 0.  Each call with @groups
 * finds them afresh over the whole list, so to number a long list ask
 * once for all of @groups with @handles 0, then list the handles page by
 * page without @groups.
 *
 * A caller of ABI 1.4 or older passes %PYHEAP_GC_GARBAGE_SIZE_VER0 and
 * lists from entry 0, without groups.
 */
struct pyheap_gc_garbage {
	__u32 size;
	__u32 flags;
	__u32 max;
	__u32 __reserved;
	__u64 handles;
	__u32 out_count;
	__u32 out_total;
	__u64 offset;
	__u64 groups;
	__u32 out_cycles;
	__u32 __reserved2;
};

#define PYHEAP_IOC_GC_GARBAGE	_IO(PYHEAP_IOC_MAGIC, PYHEAP_CMD_GC_GARBAGE)

/* Most handles one GC_REFS or GC_GARBAGE call returns. */
#define PYHEAP_GC_REFS_MAX	4096

/* The slot of a chain's last step, which refers to nothing further. */
#define PYHEAP_SLOT_NONE	0xffffffffU

/**
 * struct pyheap_gc_why_step - one object of a GC_WHY chain
 * @handle: a new handle to the object
 * @slot: where in this object the reference to the next step is: the
 *	slot index for an object of OBJ_NEW, otherwise the position of the
 *	reference in the order the object's type traverses its references
 *	(for an lru_cache, its object values from least to most recent);
 *	%PYHEAP_SLOT_NONE for the last step
 */
struct pyheap_gc_why_step {
	__u32 handle;
	__u32 slot;
};

/**
 * struct pyheap_gc_why - ioctl(PYHEAP_IOC_GC_WHY): why is it alive?
 * @size: sizeof(struct pyheap_gc_why)
 * @flags: must be 0
 * @handle: the object
 * @max: room in @steps; 0 asks for the length only
 * @steps: user address of @max struct pyheap_gc_why_step
 * @out_count: steps in the chain
 * @__reserved: must be 0
 *
 * The shortest chain of references that keeps the object alive: from a
 * root, an object named by an open handle other than @handle, to the
 * object, the root first and the object last, as objgraph's
 * find_backref_chain() would give it.  If another handle names the object
 * itself, the chain is the object alone.  Of the chains of least length,
 * the one found first breadth first from the roots in handle order.  The
 * garbage list is not a root.
 *
 * ENOENT if no root reaches the object (only the garbage list, or only
 * @handle, keeps it).  If the chain has more than @max steps, the call
 * fails with EOVERFLOW, opens no handle and sets only @out_count, so that
 * the caller can ask again with room for it.  The search visits at most
 * every object reachable from the roots, once, with memory for each.
 */
struct pyheap_gc_why {
	__u32 size;
	__u32 flags;
	__u32 handle;
	__u32 max;
	__u64 steps;
	__u32 out_count;
	__u32 __reserved;
};

#define PYHEAP_IOC_GC_WHY	_IO(PYHEAP_IOC_MAGIC, PYHEAP_CMD_GC_WHY)

/* GC_OBJECTS: list one generation, not all three. */
#define PYHEAP_GC_OBJECTS_GENERATION	(1U << 0)

/**
 * struct pyheap_gc_objects - ioctl(PYHEAP_IOC_GC_OBJECTS): gc.get_objects()
 * @size: sizeof(struct pyheap_gc_objects)
 * @flags: 0 (the objects of generations 0 to 2) or
 *	%PYHEAP_GC_OBJECTS_GENERATION (those of @generation only)
 * @generation: with %PYHEAP_GC_OBJECTS_GENERATION, 0..%PYHEAP_GC_NR_GENS
 *	- 1; otherwise must be 0
 * @max: room in @handles, 0..%PYHEAP_GC_REFS_MAX; 0 asks for @out_total
 *	only
 * @handles: user address of @max __u32 that receive new handles, one per
 *	object listed; must be 0 if @max is 0
 * @offset: the first object to list, counted from 0 in the order below;
 *	past the end, nothing is listed
 * @out_total: objects the call lists from, before @offset and @max
 * @out_count: handles written
 * @__reserved: must be 0
 *
 * The tracked objects, as ``gc.get_objects(generation)`` of CPython 3.11
 * lists them: generation 0 first, then 1, then 2, each from its oldest
 * object; untracked objects (see GC_OBJ_INFO) and the permanent
 * generation of frozen objects are not listed.  A long list is read in
 * pages of @offset and @max.  The order holds while no collection runs
 * and no listed object is freed: a collection moves survivors to the next
 * generation, so a caller that pages compares the collections of
 * GC_STATS, and @out_total, before and after.  Finding @offset walks the
 * generation's list up to it, so a page costs what comes before it in its
 * generation too.  Since ABI 1.7.
 */
struct pyheap_gc_objects {
	__u32 size;
	__u32 flags;
	__u32 generation;
	__u32 max;
	__u64 handles;
	__u64 offset;
	__u64 out_total;
	__u32 out_count;
	__u32 __reserved;
};

#define PYHEAP_IOC_GC_OBJECTS	_IO(PYHEAP_IOC_MAGIC, PYHEAP_CMD_GC_OBJECTS)

/**
 * struct pyheap_event - what read() on the file returns
 * @type: %PYHEAP_EVENT_FINALIZE
 * @handle: a new handle to the object to finalize; the object lives on
 *	while it is open (and may be kept: that is resurrection)
 *
 * An object made with %PYHEAP_OBJ_FINALIZER is handed back once in its
 * life: when a collection finds it unreachable, or (since ABI 1.9) when
 * its last reference goes first, as CPython runs ``__del__`` at a count of
 * zero.  Either way closing the handle frees it if nothing else holds it.
 *
 * read() returns whole events, blocks while there is none (unless the
 * file is O_NONBLOCK: EAGAIN), and poll() reports POLLIN when one waits.
 * Until its event is read the handle cannot be closed (EBUSY), so that it
 * is never reused for another object before its owner learns of it.
 */
struct pyheap_event {
	__u32 type;
	__u32 handle;
};

#define PYHEAP_EVENT_FINALIZE	1

/* maxsize of an unbounded map: lru_cache(maxsize=None) */
#define PYHEAP_LRU_MAXSIZE_NONE	(-1LL)
/* Most bytes in a key or a value. */
#define PYHEAP_LRU_MAX_KEY_SIZE		4096
#define PYHEAP_LRU_MAX_VALUE_SIZE	(1U << 20)

/* The map's key type tags count: lru_cache(typed=True). */
#define PYHEAP_LRU_TYPED	(1U << 0)
/*
 * Memory pressure may evict the map's least recent entries (the heap's
 * shrinker; each counts in evictions).  A map without it keeps exactly
 * lru_cache's behaviour.  Since ABI 1.8; older modules refuse it with
 * EINVAL, as any unknown flag.
 */
#define PYHEAP_LRU_MAY_SHRINK	(1U << 1)

/**
 * struct pyheap_lru_new - ioctl(PYHEAP_IOC_LRU_NEW)
 * @size: sizeof(struct pyheap_lru_new)
 * @flags: %PYHEAP_LRU_TYPED, %PYHEAP_LRU_MAY_SHRINK, both or 0
 * @maxsize: %PYHEAP_LRU_MAXSIZE_NONE, 0 (nothing is stored) or the most
 *	entries to keep
 * @out_handle: a new handle to the map, which is an object of the heap
 * @__reserved: must be 0
 *
 * An LRU map with functools.lru_cache semantics.  Its values are bytes or
 * references to objects of the same heap; a value that refers back to
 * the map makes a cycle the collector frees.
 */
struct pyheap_lru_new {
	__u32 size;
	__u32 flags;
	__s64 maxsize;
	__u32 out_handle;
	__u32 __reserved;
};

#define PYHEAP_IOC_LRU_NEW	_IO(PYHEAP_IOC_MAGIC, PYHEAP_CMD_LRU_NEW)

/* GET: look without touching recency or statistics. */
#define PYHEAP_LRU_PEEK		(1U << 0)
/* SET: the value is the object named by @value_handle, not bytes. */
#define PYHEAP_LRU_VALUE_OBJECT	(1U << 1)
/*
 * GET: compute once (the stampede guard lru_cache lacks).  On a miss the
 * key is claimed for this caller (@out_hit is %PYHEAP_LRU_CLAIMED), who
 * computes the value and SETs it, or DELETEs the key to give up.  Callers
 * that find the key claimed wait up to @timeout_ms for the value and then
 * see a hit; EAGAIN if it is still being computed (at once if
 * @timeout_ms is 0, on an O_NONBLOCK file, and within a batch).  A fatal
 * or other signal ends the wait with EINTR.  A plain GET of a claimed
 * key is a miss.  Closing the file gives every claim up.
 */
#define PYHEAP_LRU_COMPUTE	(1U << 2)

/* @out_hit of a GET */
#define PYHEAP_LRU_MISS		0
#define PYHEAP_LRU_HIT		1
#define PYHEAP_LRU_CLAIMED	2

/**
 * struct pyheap_lru_op - ioctl(PYHEAP_IOC_LRU_GET), _SET and _DELETE
 * @size: sizeof(struct pyheap_lru_op)
 * @flags: GET: 0, %PYHEAP_LRU_PEEK or %PYHEAP_LRU_COMPUTE; SET: 0 or
 *	%PYHEAP_LRU_VALUE_OBJECT; DELETE: 0
 * @handle: the map
 * @key_type: type tag of the key; counts only in typed maps
 * @key_len: bytes at @key, 0..%PYHEAP_LRU_MAX_KEY_SIZE
 * @value_len: SET (bytes): bytes at @value; GET: room at @value
 * @key: user address of the key
 * @value: user address of the value bytes (SET) or of room for them (GET)
 * @value_handle: SET with %PYHEAP_LRU_VALUE_OBJECT: the object to store
 * @timeout_ms: GET with %PYHEAP_LRU_COMPUTE: how long to wait for a key
 *	another caller is computing
 * @out_hit: GET: %PYHEAP_LRU_MISS, %PYHEAP_LRU_HIT or %PYHEAP_LRU_CLAIMED;
 *	DELETE: 1 if the key was removed
 * @out_value_len: GET: length of the value found (if it exceeds
 *	@value_len the call fails with EOVERFLOW and copies nothing)
 * @out_value_handle: GET of an object value: a new handle to it
 *
 * GET is a call through lru_cache: a hit makes the key the most recent
 * and counts in hits, a miss counts in misses.  SET stores, replacing any
 * value under the key and evicting the least recent entry of a full map.
 */
struct pyheap_lru_op {
	__u32 size;
	__u32 flags;
	__u32 handle;
	__u32 key_type;
	__u32 key_len;
	__u32 value_len;
	__u64 key;
	__u64 value;
	union {
		__u32 value_handle;
		__u32 timeout_ms;
	};
	__u32 out_hit;
	__u32 out_value_len;
	__u32 out_value_handle;
};

#define PYHEAP_IOC_LRU_GET	_IO(PYHEAP_IOC_MAGIC, PYHEAP_CMD_LRU_GET)
#define PYHEAP_IOC_LRU_SET	_IO(PYHEAP_IOC_MAGIC, PYHEAP_CMD_LRU_SET)
#define PYHEAP_IOC_LRU_DELETE	_IO(PYHEAP_IOC_MAGIC, PYHEAP_CMD_LRU_DELETE)

/* INFO: then cache_clear(): drop every entry, zero the statistics. */
#define PYHEAP_LRU_CLEAR	(1U << 0)

/**
 * struct pyheap_lru_cache_info - ioctl(PYHEAP_IOC_LRU_INFO)
 * @size: sizeof(struct pyheap_lru_cache_info)
 * @flags: 0 or %PYHEAP_LRU_CLEAR
 * @handle: the map
 * @out_typed: cache_parameters()["typed"]
 * @out_maxsize: cache_parameters()["maxsize"]; %PYHEAP_LRU_MAXSIZE_NONE
 * @out_hits: cache_info().hits
 * @out_misses: cache_info().misses
 * @out_currsize: cache_info().currsize
 * @out_evictions: entries pushed out by newer ones
 *
 * With %PYHEAP_LRU_CLEAR the figures are those from before the clear.
 */
struct pyheap_lru_cache_info {
	__u32 size;
	__u32 flags;
	__u32 handle;
	__u32 out_typed;
	__s64 out_maxsize;
	__u64 out_hits;
	__u64 out_misses;
	__u64 out_currsize;
	__u64 out_evictions;
};

#define PYHEAP_IOC_LRU_INFO	_IO(PYHEAP_IOC_MAGIC, PYHEAP_CMD_LRU_INFO)

/* Caps on one LRU_GETV call. */
#define PYHEAP_LRU_GETV_MAX		4096
#define PYHEAP_LRU_GETV_MAX_BYTES	(1U << 20)

/**
 * struct pyheap_lru_result - the answer to one key of a GETV
 * @out_hit: %PYHEAP_LRU_MISS or %PYHEAP_LRU_HIT
 * @out_value_len: length of the value found, 0 on a miss
 * @out_value_handle: a new handle to the value's object, if the value is
 *	an object; otherwise %PYHEAP_HANDLE_NONE
 * @out_zero: always written as 0
 */
struct pyheap_lru_result {
	__u32 out_hit;
	__u32 out_value_len;
	__u32 out_value_handle;
	__u32 out_zero;
};

/**
 * struct pyheap_lru_getv - ioctl(PYHEAP_IOC_LRU_GETV): many GETs, one call
 * @size: sizeof(struct pyheap_lru_getv)
 * @flags: 0 or %PYHEAP_LRU_PEEK
 * @handle: the map
 * @count: keys, 1..%PYHEAP_LRU_GETV_MAX
 * @key_type: type tag of every key; counts only in typed maps
 * @key_len: bytes in each key, 0..%PYHEAP_LRU_MAX_KEY_SIZE
 * @value_len: bytes of room for each value
 * @out_hits: how many keys hit
 * @keys: user address of @count keys of @key_len bytes, back to back
 * @values: user address of @count slots of @value_len bytes: the value of
 *	key i lands at @values + i * @value_len, zero-padded to @value_len
 *	(a miss, or an object value, leaves its slot all zero)
 * @results: user address of @count struct pyheap_lru_result
 *
 * The same as @count LRU_GETs of equal-sized keys, in order, but with one
 * copy of the keys in, one of the values and one of the results out, and
 * one lookup per key: the vector form of the lookups that dominate a
 * cache's work.  A key another caller has claimed for compute-once is a
 * miss, as for a plain GET; %PYHEAP_LRU_COMPUTE is not taken here.
 *
 * All or nothing: if any value is longer than @value_len the call fails
 * with EOVERFLOW, and if the answers cannot be written, with EFAULT;
 * either way nothing is counted, no entry moves and no handle is opened.
 * After EOVERFLOW, @results hold each hit's @out_value_len (and no
 * handles), so that the caller can ask again with room for the longest.
 * Caps: @count * @key_len and @count * @value_len are each at most
 * %PYHEAP_LRU_GETV_MAX_BYTES.
 */
struct pyheap_lru_getv {
	__u32 size;
	__u32 flags;
	__u32 handle;
	__u32 count;
	__u32 key_type;
	__u32 key_len;
	__u32 value_len;
	__u32 out_hits;
	__u64 keys;
	__u64 values;
	__u64 results;
};

#define PYHEAP_IOC_LRU_GETV	_IO(PYHEAP_IOC_MAGIC, PYHEAP_CMD_LRU_GETV)

/* Most objects one OBJ_NEWV creates, or handles one HANDLE_CLOSEV closes. */
#define PYHEAP_VEC_MAX		4096

/**
 * struct pyheap_obj_newv - ioctl(PYHEAP_IOC_OBJ_NEWV): many objects, one call
 * @size: sizeof(struct pyheap_obj_newv)
 * @flags: as for OBJ_NEW, for every object
 * @nslots: reference slots of every object, as for OBJ_NEW
 * @payload_size: payload bytes of every object, as for OBJ_NEW
 * @count: objects to create, 1..%PYHEAP_VEC_MAX
 * @__reserved: must be 0
 * @handles: user address of @count __u32: the new handles, in the order
 *	the objects were created, each owning its object's only reference
 *
 * The same as @count OBJ_NEWs of one shape, with one copy of the handles
 * out: the vector form of allocation, as a list comprehension that
 * builds @count instances.
 *
 * All or nothing: the call fails with ENOSPC, before it creates anything,
 * if @count more objects, their bytes or @count more handles would pass
 * one of the heap's limits; with ENOMEM if memory runs out on the way; with
 * EFAULT if the handles cannot be written.  On failure no object is left
 * and no handle is open.
 */
struct pyheap_obj_newv {
	__u32 size;
	__u32 flags;
	__u32 nslots;
	__u32 payload_size;
	__u32 count;
	__u32 __reserved;
	__u64 handles;
};

#define PYHEAP_IOC_OBJ_NEWV	_IO(PYHEAP_IOC_MAGIC, PYHEAP_CMD_OBJ_NEWV)

/**
 * struct pyheap_handle_closev - ioctl(PYHEAP_IOC_HANDLE_CLOSEV)
 * @size: sizeof(struct pyheap_handle_closev)
 * @flags: must be 0
 * @count: handles to close, 1..%PYHEAP_VEC_MAX
 * @__reserved: must be 0
 * @handles: user address of @count __u32 open handles, closed in this
 *	order
 *
 * The same as @count HANDLE_CLOSEs, with one copy of the handles in.
 * All or nothing: if a handle is not open, or appears twice (its second
 * close would fail), the call fails with ENOENT and closes none.
 */
struct pyheap_handle_closev {
	__u32 size;
	__u32 flags;
	__u32 count;
	__u32 __reserved;
	__u64 handles;
};

#define PYHEAP_IOC_HANDLE_CLOSEV _IO(PYHEAP_IOC_MAGIC, PYHEAP_CMD_HANDLE_CLOSEV)

/* First published size of each argument struct (see "ABI rules"). */
#define PYHEAP_VERSION_SIZE_VER0	24
#define PYHEAP_OBJ_NEW_SIZE_VER0	24
#define PYHEAP_HANDLE_DUP_SIZE_VER0	16
#define PYHEAP_HANDLE_CLOSE_SIZE_VER0	16
#define PYHEAP_SLOT_SIZE_VER0	24
#define PYHEAP_PAYLOAD_SIZE_VER0	32
#define PYHEAP_GETSIZEOF_SIZE_VER0	48
#define PYHEAP_HEAP_INFO_SIZE_VER0	56
#define PYHEAP_BATCH_SIZE_VER0	32
#define PYHEAP_GC_COLLECT_SIZE_VER0	24
#define PYHEAP_GC_COLLECT_SIZE_VER1	40
#define PYHEAP_GC_STATE_SIZE_VER0	72
#define PYHEAP_GC_STATS_SIZE_VER0	176
#define PYHEAP_GC_STATS_SIZE_VER1	200
#define PYHEAP_GC_FREEZE_SIZE_VER0	16
#define PYHEAP_GC_OBJ_INFO_SIZE_VER0	32
#define PYHEAP_GC_OBJ_INFO_SIZE_VER1	56
#define PYHEAP_GC_REFS_SIZE_VER0	32
#define PYHEAP_GC_GARBAGE_SIZE_VER0	32
#define PYHEAP_GC_GARBAGE_SIZE_VER1	56
#define PYHEAP_LRU_NEW_SIZE_VER0	24
#define PYHEAP_LRU_OP_SIZE_VER0	56
#define PYHEAP_LRU_CACHE_INFO_SIZE_VER0	56
#define PYHEAP_LRU_GETV_SIZE_VER0	56
#define PYHEAP_OBJ_NEWV_SIZE_VER0	32
#define PYHEAP_HANDLE_CLOSEV_SIZE_VER0	24
#define PYHEAP_GC_WHY_SIZE_VER0	32
#define PYHEAP_GC_OBJECTS_SIZE_VER0	48

#endif /* _UAPI_LINUX_PYHEAP_H */
