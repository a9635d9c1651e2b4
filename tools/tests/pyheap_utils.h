/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pyheap_utils.h: the one-ioctl wrappers the C tests of tools/tests share
 *
 * Each wrapper builds its argument struct as include/uapi/linux/pyheap.h
 * describes it (size set, everything else zero unless given) and returns
 * what ioctl() returns, with errno as the kernel set it, unless it says
 * otherwise.  Include it after <linux/pyheap.h>.
 */
#ifndef _PYHEAP_UTILS_H
#define _PYHEAP_UTILS_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/pyheap.h>

#define PYHEAP_PARAM_DIR "/sys/module/pyheap/parameters/"

/* The module parameters' default limit, if a parameter cannot be read. */
#define PYHEAP_DEFAULT_LIMIT "1048576"

static inline int obj_new_flags(int fd, __u32 nslots, __u32 payload,
				__u32 flags, __u32 *handle)
{
	struct pyheap_obj_new c = {
		.size = sizeof(c), .flags = flags, .nslots = nslots,
		.payload_size = payload,
	};
	int ret = ioctl(fd, PYHEAP_IOC_OBJ_NEW, &c);

	*handle = c.out_handle;
	return ret;
}

static inline int obj_new(int fd, __u32 nslots, __u32 payload,
			  __u32 *handle)
{
	return obj_new_flags(fd, nslots, payload, 0, handle);
}

static inline int hclose(int fd, __u32 handle)
{
	struct pyheap_handle_close c = { .size = sizeof(c), .handle = handle };

	return ioctl(fd, PYHEAP_IOC_HANDLE_CLOSE, &c);
}

static inline int slot_set(int fd, __u32 handle, __u32 index, __u32 target)
{
	struct pyheap_slot c = {
		.size = sizeof(c), .handle = handle, .index = index,
		.target = target,
	};

	return ioctl(fd, PYHEAP_IOC_SLOT_SET, &c);
}

static inline int slot_get(int fd, __u32 handle, __u32 index, __u32 *out)
{
	struct pyheap_slot c = {
		.size = sizeof(c), .handle = handle, .index = index,
	};
	int ret = ioctl(fd, PYHEAP_IOC_SLOT_GET, &c);

	*out = c.out_handle;
	return ret;
}

/* HEAP_INFO's answer; every field all ones if the call failed. */
static inline struct pyheap_heap_info info(int fd)
{
	struct pyheap_heap_info c = { .size = sizeof(c) };

	if (ioctl(fd, PYHEAP_IOC_HEAP_INFO, &c))
		memset(&c, 0xff, sizeof(c));
	return c;
}

/* GC_GET's answer; every field all ones if the call failed. */
static inline struct pyheap_gc_state gc_get(int fd)
{
	struct pyheap_gc_state c = { .size = sizeof(c) };

	if (ioctl(fd, PYHEAP_IOC_GC_GET, &c))
		memset(&c, 0xff, sizeof(c));
	return c;
}

/* A full collection: the unreachable objects found, or -errno. */
static inline long long collect(int fd)
{
	struct pyheap_gc_collect c = { .size = sizeof(c), .generation = 2 };

	return ioctl(fd, PYHEAP_IOC_GC_COLLECT, &c) ? -errno :
	       (long long)c.out_unreachable;
}

static inline void write_param(const char *name, const char *val)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), PYHEAP_PARAM_DIR "%s", name);
	f = fopen(path, "w");
	if (f) {
		fputs(val, f);
		fclose(f);
	}
}

/*
 * A heap opened while module parameter @name is @val; the parameter has
 * its old value again afterwards (heaps copy their limits when opened).
 */
static inline int open_limited(const char *name, const char *val)
{
	char path[128], old[32] = "";
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), PYHEAP_PARAM_DIR "%s", name);
	f = fopen(path, "r");
	if (f) {
		if (!fgets(old, sizeof(old), f))
			old[0] = 0;
		old[strcspn(old, "\n")] = 0;
		fclose(f);
	}
	if (!old[0])
		snprintf(old, sizeof(old), "%s", PYHEAP_DEFAULT_LIMIT);
	write_param(name, val);
	fd = open("/dev/pyheap", O_RDWR);
	write_param(name, old);
	return fd;
}

/*
 * Fault injection: fail the Nth kernel allocation of this thread, through
 * failslab and fail_page_alloc (the debug UML kernel has both; Debian's
 * stock kernel has neither).
 */
#define PYHEAP_FAILSLAB		"/sys/kernel/debug/failslab/"
#define PYHEAP_FAIL_PAGE	"/sys/kernel/debug/fail_page_alloc/"
#define PYHEAP_FAIL_NTH		"/proc/thread-self/fail-nth"

static inline int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY), ret;

	if (fd < 0)
		return -1;
	ret = write(fd, s, strlen(s)) < 0 ? -1 : 0;
	close(fd);
	return ret;
}

/*
 * Arm failslab (and fail_page_alloc where configured) for sleeping
 * allocations of every order, quietly.  Returns 0, or -1 if this kernel
 * has no failslab or it cannot be set.
 */
static inline int fail_nth_arm(void)
{
	if (access(PYHEAP_FAILSLAB, F_OK) ||
	    write_file(PYHEAP_FAILSLAB "ignore-gfp-wait", "N") ||
	    write_file(PYHEAP_FAILSLAB "verbose", "0"))
		return -1;
	if (!access(PYHEAP_FAIL_PAGE, F_OK) &&
	    (write_file(PYHEAP_FAIL_PAGE "ignore-gfp-wait", "N") ||
	     write_file(PYHEAP_FAIL_PAGE "ignore-gfp-highmem", "N") ||
	     write_file(PYHEAP_FAIL_PAGE "min-order", "0") ||
	     write_file(PYHEAP_FAIL_PAGE "verbose", "0")))
		return -1;
	return 0;
}

/* Still armed: fail-nth does not read 0 yet, or opening it took the hit. */
static inline int fail_nth_armed(void)
{
	char buf[16] = "";
	int fd = open(PYHEAP_FAIL_NTH, O_RDONLY);

	if (fd < 0)
		return 1;
	if (read(fd, buf, sizeof(buf) - 1) < 0)
		buf[0] = 0;
	close(fd);
	return atoi(buf) != 0;
}

/* Batch operations: each fills one struct pyheap_op. */
static inline void op_new(struct pyheap_op *op, __u32 nslots, __u32 flags)
{
	struct pyheap_obj_new c = {
		.size = sizeof(c), .nslots = nslots, .flags = flags,
	};

	memset(op, 0, sizeof(*op));
	op->cmd = PYHEAP_CMD_OBJ_NEW;
	memcpy(op->arg, &c, sizeof(c));
}

static inline void op_slot_set(struct pyheap_op *op, __u32 h, __u32 i,
			       __u32 t)
{
	struct pyheap_slot c = {
		.size = sizeof(c), .handle = h, .index = i, .target = t,
	};

	memset(op, 0, sizeof(*op));
	op->cmd = PYHEAP_CMD_SLOT_SET;
	memcpy(op->arg, &c, sizeof(c));
}

static inline void op_close(struct pyheap_op *op, __u32 h)
{
	struct pyheap_handle_close c = { .size = sizeof(c), .handle = h };

	memset(op, 0, sizeof(*op));
	op->cmd = PYHEAP_CMD_HANDLE_CLOSE;
	memcpy(op->arg, &c, sizeof(c));
}

#endif /* _PYHEAP_UTILS_H */
