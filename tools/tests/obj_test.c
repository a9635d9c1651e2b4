// SPDX-License-Identifier: GPL-2.0
/*
 * obj_test: objects, handles, slots, payloads, getsizeof, limits and the
 * batch ioctl, from user space.
 *
 * Runs inside a VM with pyheap.ko loaded (tools/vm/vmtest).  Built with
 * the kernel's kselftest harness:
 *   gcc -I../../include/uapi -I$SRC/tools/testing/selftests obj_test.c
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/pyheap.h>

#include "kselftest_harness.h"
#include "pyheap_utils.h"

static int payload(int fd, unsigned long cmd, __u32 handle, __u64 off,
		   __u32 len, void *data)
{
	struct pyheap_payload c = {
		.size = sizeof(c), .handle = handle, .offset = off,
		.length = len, .data = (unsigned long)data,
	};

	return ioctl(fd, cmd, &c);
}

static int getsizeof(int fd, __u32 handle, __u32 flags,
		     struct pyheap_getsizeof *c)
{
	memset(c, 0, sizeof(*c));
	c->size = sizeof(*c);
	c->flags = flags;
	c->handle = handle;
	return ioctl(fd, PYHEAP_IOC_GETSIZEOF, c);
}

FIXTURE(heap) {
	int fd;
};

FIXTURE_SETUP(heap)
{
	self->fd = open("/dev/pyheap", O_RDWR | O_CLOEXEC);
	ASSERT_GE(self->fd, 0) TH_LOG("open /dev/pyheap: %s", strerror(errno));
}

FIXTURE_TEARDOWN(heap)
{
	close(self->fd);
}

TEST_F(heap, close_last_handle_frees_object)
{
	__u32 a, b;

	ASSERT_EQ(0, obj_new(self->fd, 2, 16, &a));
	EXPECT_NE(PYHEAP_HANDLE_NONE, a);
	EXPECT_EQ(1, info(self->fd).out_objects);
	EXPECT_EQ(1, info(self->fd).out_handles);
	ASSERT_EQ(0, obj_new(self->fd, 0, 0, &b));
	EXPECT_NE(a, b);
	EXPECT_EQ(0, hclose(self->fd, a));
	EXPECT_EQ(0, hclose(self->fd, b));
	EXPECT_EQ(0, info(self->fd).out_objects);
	EXPECT_EQ(0, info(self->fd).out_bytes);
	EXPECT_EQ(-1, hclose(self->fd, a));
	EXPECT_EQ(ENOENT, errno);
}

TEST_F(heap, slot_keeps_target_alive)
{
	__u32 a, b, got, dup;
	struct pyheap_handle_dup d = { .size = sizeof(d) };

	ASSERT_EQ(0, obj_new(self->fd, 1, 0, &a));
	ASSERT_EQ(0, obj_new(self->fd, 0, 0, &b));
	ASSERT_EQ(0, slot_set(self->fd, a, 0, b));	/* a[0] = b */
	ASSERT_EQ(0, hclose(self->fd, b));		/* del b */
	EXPECT_EQ(2, info(self->fd).out_objects);
	ASSERT_EQ(0, slot_get(self->fd, a, 0, &got));	/* got = a[0] */
	EXPECT_NE(PYHEAP_HANDLE_NONE, got);
	d.handle = got;
	ASSERT_EQ(0, ioctl(self->fd, PYHEAP_IOC_HANDLE_DUP, &d));
	dup = d.out_handle;
	EXPECT_EQ(0, hclose(self->fd, got));
	EXPECT_EQ(0, hclose(self->fd, dup));
	ASSERT_EQ(0, slot_set(self->fd, a, 0, PYHEAP_HANDLE_NONE));
	EXPECT_EQ(1, info(self->fd).out_objects);	/* b went */
	ASSERT_EQ(0, slot_get(self->fd, a, 0, &got));
	EXPECT_EQ(PYHEAP_HANDLE_NONE, got);
	EXPECT_EQ(0, hclose(self->fd, a));
	EXPECT_EQ(0, info(self->fd).out_objects);
}

/* The seed's second leak: a cycle outlives its names (until collected). */
TEST_F(heap, cycle_outlives_its_handles)
{
	__u32 a, b;

	ASSERT_EQ(0, obj_new(self->fd, 1, 0, &a));
	ASSERT_EQ(0, obj_new(self->fd, 1, 0, &b));
	ASSERT_EQ(0, slot_set(self->fd, a, 0, b));
	ASSERT_EQ(0, slot_set(self->fd, b, 0, a));
	ASSERT_EQ(0, hclose(self->fd, a));
	ASSERT_EQ(0, hclose(self->fd, b));
	EXPECT_EQ(2, info(self->fd).out_objects);
	EXPECT_EQ(0, info(self->fd).out_handles);
	/* close() of the file frees it; kmemleak checks in UML */
}

TEST_F(heap, payload_round_trip_and_bounds)
{
	char out[32], in[32] = "hello, pyheap";
	void *unmapped;
	__u32 h;

	ASSERT_EQ(0, obj_new(self->fd, 0, 32, &h));
	memset(out, 0x55, sizeof(out));
	ASSERT_EQ(0, payload(self->fd, PYHEAP_IOC_PAYLOAD_READ, h, 0, 32,
			     out));
	EXPECT_EQ(0, out[0]);	/* new payloads are zeroed */
	ASSERT_EQ(0, payload(self->fd, PYHEAP_IOC_PAYLOAD_WRITE, h, 4, 14,
			     in));
	ASSERT_EQ(0, payload(self->fd, PYHEAP_IOC_PAYLOAD_READ, h, 0, 32,
			     out));
	EXPECT_EQ(0, memcmp(out + 4, in, 14));

	EXPECT_EQ(-1, payload(self->fd, PYHEAP_IOC_PAYLOAD_READ, h, 30, 3,
			      out));
	EXPECT_EQ(ERANGE, errno);
	EXPECT_EQ(-1, payload(self->fd, PYHEAP_IOC_PAYLOAD_READ, h, ~0ULL, 2,
			      out));
	EXPECT_EQ(EOVERFLOW, errno);

	/* a write that faults half way changes nothing */
	unmapped = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, unmapped);
	memset(unmapped, 'x', 4096);
	munmap((char *)unmapped + 4096, 4096);
	EXPECT_EQ(-1, payload(self->fd, PYHEAP_IOC_PAYLOAD_WRITE, h, 0, 32,
			      (char *)unmapped + 4096 - 16));
	EXPECT_EQ(EFAULT, errno);
	ASSERT_EQ(0, payload(self->fd, PYHEAP_IOC_PAYLOAD_READ, h, 0, 32,
			     out));
	EXPECT_EQ(0, memcmp(out + 4, in, 14));
	munmap(unmapped, 4096);
}

TEST_F(heap, getsizeof_reports_header_slots_payload)
{
	struct pyheap_getsizeof s;
	__u32 a, b, c;

	ASSERT_EQ(0, obj_new(self->fd, 0, 0, &a));
	ASSERT_EQ(0, getsizeof(self->fd, a, 0, &s));
	EXPECT_EQ(48, s.out_size);
	EXPECT_EQ(48, s.out_class_size);
	ASSERT_EQ(0, obj_new(self->fd, 3, 5, &b));
	ASSERT_EQ(0, getsizeof(self->fd, b, 0, &s));
	EXPECT_EQ(48 + 24 + 5, s.out_size);
	EXPECT_EQ(80, s.out_class_size);
	ASSERT_EQ(0, obj_new(self->fd, 0, 600, &c));
	ASSERT_EQ(0, getsizeof(self->fd, c, 0, &s));
	EXPECT_EQ(648, s.out_size);
	EXPECT_EQ(648, s.out_class_size);	/* above 512: kmalloc */

	/* b -> a, b -> c, b -> b: deep size counts each once */
	ASSERT_EQ(0, slot_set(self->fd, b, 0, a));
	ASSERT_EQ(0, slot_set(self->fd, b, 1, c));
	ASSERT_EQ(0, slot_set(self->fd, b, 2, b));
	ASSERT_EQ(0, getsizeof(self->fd, b, PYHEAP_GETSIZEOF_DEEP, &s));
	EXPECT_EQ(3, s.out_deep_objects);
	EXPECT_EQ(48 + 77 + 648, s.out_deep_size);
	EXPECT_EQ(-1, getsizeof(self->fd, b, 2, &s));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(heap, bad_input_gets_its_errno_and_changes_nothing)
{
	struct pyheap_obj_new n = { .size = sizeof(n) };
	struct pyheap_heap_info before = info(self->fd);
	__u32 a, got;

	ASSERT_EQ(0, obj_new(self->fd, 1, 0, &a));
	before = info(self->fd);

	EXPECT_EQ(-1, slot_set(self->fd, 999, 0, a));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, slot_set(self->fd, a, 0, 999));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, slot_set(self->fd, a, 1, a));
	EXPECT_EQ(ERANGE, errno);
	EXPECT_EQ(-1, slot_get(self->fd, a, 7, &got));
	EXPECT_EQ(ERANGE, errno);
	EXPECT_EQ(-1, obj_new(self->fd, PYHEAP_MAX_SLOTS + 1, 0, &got));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, obj_new(self->fd, 0, PYHEAP_MAX_PAYLOAD + 1, &got));
	EXPECT_EQ(EINVAL, errno);
	n.flags = 1U << 7;	/* no such flag */
	EXPECT_EQ(-1, ioctl(self->fd, PYHEAP_IOC_OBJ_NEW, &n));
	EXPECT_EQ(EINVAL, errno);
	n.flags = 0;
	n.__reserved = 1;
	EXPECT_EQ(-1, ioctl(self->fd, PYHEAP_IOC_OBJ_NEW, &n));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(self->fd, PYHEAP_IOC_OBJ_NEW, (void *)8));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, hclose(self->fd, PYHEAP_HANDLE_NONE));
	EXPECT_EQ(ENOENT, errno);

	EXPECT_EQ(before.out_objects, info(self->fd).out_objects);
	EXPECT_EQ(before.out_handles, info(self->fd).out_handles);
	EXPECT_EQ(before.out_bytes, info(self->fd).out_bytes);
}

TEST(handles_do_not_cross_files)
{
	int a = open("/dev/pyheap", O_RDWR), b = open("/dev/pyheap", O_RDWR);
	__u32 h, got;

	ASSERT_GE(a, 0);
	ASSERT_GE(b, 0);
	ASSERT_EQ(0, obj_new(a, 1, 0, &h));
	EXPECT_EQ(-1, slot_get(b, h, 0, &got));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, hclose(b, h));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(0, hclose(a, h));
	close(a);
	close(b);
}

TEST(limits_give_enospc)
{
	__u32 h[4];
	int fd, i;

	fd = open_limited("heap_max_objects", "3");
	ASSERT_GE(fd, 0);
	EXPECT_EQ(3, info(fd).out_max_objects);
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, obj_new(fd, 0, 0, &h[i]));
	EXPECT_EQ(-1, obj_new(fd, 0, 0, &h[3]));
	EXPECT_EQ(ENOSPC, errno);
	EXPECT_EQ(3, info(fd).out_objects);
	close(fd);

	fd = open_limited("heap_max_handles", "2");
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, obj_new(fd, 0, 0, &h[0]));
	ASSERT_EQ(0, obj_new(fd, 0, 0, &h[1]));
	EXPECT_EQ(-1, obj_new(fd, 0, 0, &h[2]));
	EXPECT_EQ(ENOSPC, errno);
	/* the object made for the failed call is gone again */
	EXPECT_EQ(2, info(fd).out_objects);
	close(fd);
}

static __u32 op_new_handle(const struct pyheap_op *op)
{
	struct pyheap_obj_new c;

	memcpy(&c, op->arg, sizeof(c));
	return c.out_handle;
}

static int batch(int fd, struct pyheap_op *ops, __u32 n, __u32 flags,
		 __u32 *executed)
{
	struct pyheap_batch b = {
		.size = sizeof(b), .flags = flags, .count = n,
		.op_size = sizeof(*ops), .ops = (unsigned long)ops,
	};
	int ret = ioctl(fd, PYHEAP_IOC_BATCH, &b);

	*executed = b.out_executed;
	return ret;
}

TEST_F(heap, batch_runs_each_op_and_reports_each_result)
{
	struct pyheap_op ops[66];
	__u32 done, i;

	for (i = 0; i < 64; i++)
		op_new(&ops[i], 1, 0);
	op_close(&ops[64], 12345);		/* fails: no such handle */
	op_new(&ops[65], 0, 0);
	ASSERT_EQ(0, batch(self->fd, ops, 66, 0, &done));
	EXPECT_EQ(66, done);
	for (i = 0; i < 64; i++)
		EXPECT_EQ(0, ops[i].out_result);
	EXPECT_EQ(-ENOENT, ops[64].out_result);
	EXPECT_EQ(0, ops[65].out_result);
	EXPECT_EQ(65, info(self->fd).out_objects);

	op_close(&ops[0], op_new_handle(&ops[0]));
	op_close(&ops[1], 12345);
	op_close(&ops[2], op_new_handle(&ops[2]));
	ASSERT_EQ(0, batch(self->fd, ops, 3, PYHEAP_BATCH_STOP_ON_ERROR,
			   &done));
	EXPECT_EQ(2, done);
	EXPECT_EQ(-ENOENT, ops[1].out_result);
	EXPECT_EQ(64, info(self->fd).out_objects);

	ops[0].cmd = PYHEAP_CMD_BATCH;		/* no nesting */
	ops[1].cmd = 0x7f;			/* unknown */
	ASSERT_EQ(0, batch(self->fd, ops, 2, 0, &done));
	EXPECT_EQ(-ENOTTY, ops[0].out_result);
	EXPECT_EQ(-ENOTTY, ops[1].out_result);

	EXPECT_EQ(-1, batch(self->fd, ops, 0, 0, &done));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, batch(self->fd, ops, PYHEAP_BATCH_MAX + 1, 0, &done));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, batch(self->fd, ops, 1, 4, &done));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, batch(self->fd, NULL, 1, 0, &done));
	EXPECT_EQ(EFAULT, errno);
}

/*
 * A chain of 204800 objects built in batches, then freed by closing the
 * handle of its head: the kernel frees it without recursing.
 */
TEST_F(heap, long_chain_freed_by_one_close)
{
	const __u32 per = 1024, n = 200 * per;
	struct pyheap_op *ops = calloc(3 * per, sizeof(*ops));
	__u32 prev = PYHEAP_HANDLE_NONE, done, i, j, k;

	ASSERT_NE(NULL, ops);
	for (i = 0; i < n; i += per) {
		for (j = 0; j < per; j++)
			op_new(&ops[j], 1, 0);
		ASSERT_EQ(0, batch(self->fd, ops, per, 0, &done));
		/* link each to the one before, then drop the older handle */
		for (j = 0, k = 0; j < per; j++) {
			__u32 h = op_new_handle(&ops[j]);

			if (prev) {
				op_slot_set(&ops[per + k++], h, 0, prev);
				op_close(&ops[per + k++], prev);
			}
			prev = h;
		}
		ASSERT_EQ(0, batch(self->fd, ops + per, k, 0, &done));
		for (j = 0; j < k; j++)
			ASSERT_EQ(0, ops[per + j].out_result);
	}
	EXPECT_EQ(n, info(self->fd).out_objects);
	EXPECT_EQ(1, info(self->fd).out_handles);
	EXPECT_EQ(0, hclose(self->fd, prev));
	EXPECT_EQ(0, info(self->fd).out_objects);
	free(ops);
}

static int newv(int fd, __u32 count, __u32 nslots, __u32 flags,
		__u32 *handles)
{
	struct pyheap_obj_newv c = {
		.size = sizeof(c), .flags = flags, .nslots = nslots,
		.payload_size = 8, .count = count,
		.handles = (unsigned long)handles,
	};

	return ioctl(fd, PYHEAP_IOC_OBJ_NEWV, &c);
}

static int closev(int fd, __u32 count, const __u32 *handles)
{
	struct pyheap_handle_closev c = {
		.size = sizeof(c), .count = count,
		.handles = (unsigned long)handles,
	};

	return ioctl(fd, PYHEAP_IOC_HANDLE_CLOSEV, &c);
}

static void expect_same_info(struct __test_metadata *_metadata, int fd,
			     const struct pyheap_heap_info *before)
{
	struct pyheap_heap_info now = info(fd);

	EXPECT_EQ(before->out_objects, now.out_objects);
	EXPECT_EQ(before->out_handles, now.out_handles);
	EXPECT_EQ(before->out_bytes, now.out_bytes);
}

/* Every handle non-zero, each one distinct, each one naming an object. */
static int handles_ok(int fd, const __u32 *h, __u32 n)
{
	__u32 i, j, got;

	for (i = 0; i < n; i++) {
		if (!h[i] || slot_get(fd, h[i], 0, &got) || got)
			return 0;
		for (j = 0; j < i && i < 512; j++)
			if (h[j] == h[i])
				return 0;
	}
	return 1;
}

TEST_F(heap, newv_closev_round_trip)
{
	static __u32 h[PYHEAP_VEC_MAX + 100];
	__u32 n = PYHEAP_VEC_MAX, got;

	ASSERT_EQ(0, newv(self->fd, n, 1, 0, h));
	ASSERT_EQ(0, newv(self->fd, 100, 1, 0, h + n));
	EXPECT_TRUE(handles_ok(self->fd, h, n + 100));
	EXPECT_EQ(n + 100, info(self->fd).out_objects);
	EXPECT_EQ(n + 100, info(self->fd).out_handles);
	/* they are objects like any other */
	EXPECT_EQ(0, slot_set(self->fd, h[0], 0, h[n + 99]));
	EXPECT_EQ(0, closev(self->fd, 100, h + n));
	EXPECT_EQ(n + 1, info(self->fd).out_objects);
	EXPECT_EQ(n, info(self->fd).out_handles);
	EXPECT_EQ(0, slot_get(self->fd, h[0], 0, &got));
	EXPECT_NE(PYHEAP_HANDLE_NONE, got);
	EXPECT_EQ(0, hclose(self->fd, got));
	EXPECT_EQ(0, closev(self->fd, n, h));
	EXPECT_EQ(0, info(self->fd).out_objects);
	EXPECT_EQ(0, info(self->fd).out_handles);
	EXPECT_EQ(0, info(self->fd).out_bytes);
	/* the emptied table is freed; a new one starts */
	ASSERT_EQ(0, newv(self->fd, 3, 1, PYHEAP_OBJ_FINALIZER, h));
	EXPECT_TRUE(handles_ok(self->fd, h, 3));
	EXPECT_EQ(0, closev(self->fd, 3, h));
}

TEST_F(heap, closed_handles_are_reused)
{
	__u32 a, b, c;

	ASSERT_EQ(0, obj_new(self->fd, 0, 0, &a));
	ASSERT_EQ(0, obj_new(self->fd, 0, 0, &b));
	EXPECT_EQ(0, hclose(self->fd, a));
	ASSERT_EQ(0, obj_new(self->fd, 0, 0, &c));
	EXPECT_EQ(a, c);
	EXPECT_EQ(0, hclose(self->fd, b));
	EXPECT_EQ(0, hclose(self->fd, c));
}

TEST_F(heap, newv_refusals_change_nothing)
{
	struct pyheap_obj_newv c = { .size = sizeof(c), .count = 1 };
	struct pyheap_heap_info before;
	__u32 h[4], keep;
	void *ro;

	ASSERT_EQ(0, obj_new(self->fd, 0, 0, &keep));
	before = info(self->fd);
	EXPECT_EQ(-1, newv(self->fd, 0, 0, 0, h));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, newv(self->fd, PYHEAP_VEC_MAX + 1, 0, 0, h));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, newv(self->fd, 4, PYHEAP_MAX_SLOTS + 1, 0, h));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, newv(self->fd, 4, 0, 1U << 7, h));
	EXPECT_EQ(EINVAL, errno);
	c.__reserved = 1;
	c.handles = (unsigned long)h;
	EXPECT_EQ(-1, ioctl(self->fd, PYHEAP_IOC_OBJ_NEWV, &c));
	EXPECT_EQ(EINVAL, errno);
	c.__reserved = 0;
	c.size = PYHEAP_OBJ_NEWV_SIZE_VER0 - 8;
	EXPECT_EQ(-1, ioctl(self->fd, PYHEAP_IOC_OBJ_NEWV, &c));
	EXPECT_EQ(EINVAL, errno);
	/* nowhere to write the handles: nothing is created */
	EXPECT_EQ(-1, newv(self->fd, 4, 0, 0, NULL));
	EXPECT_EQ(EFAULT, errno);
	ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	EXPECT_EQ(-1, newv(self->fd, 4, 1, 0, ro));
	EXPECT_EQ(EFAULT, errno);
	/* half the handles fit before the end of the mapping */
	EXPECT_EQ(-1, newv(self->fd, 4, 0, 0,
			   (__u32 *)((char *)ro + 4096 - 8)));
	EXPECT_EQ(EFAULT, errno);
	munmap(ro, 4096);
	EXPECT_EQ(-1, ioctl(self->fd, PYHEAP_IOC_OBJ_NEWV, (void *)8));
	EXPECT_EQ(EFAULT, errno);
	expect_same_info(_metadata, self->fd, &before);
	EXPECT_EQ(0, hclose(self->fd, keep));
}

TEST_F(heap, closev_is_all_or_nothing)
{
	struct pyheap_handle_closev c = { .size = sizeof(c), .count = 1 };
	struct pyheap_heap_info before;
	__u32 h[3], bad[3];

	ASSERT_EQ(0, newv(self->fd, 3, 1, 0, h));
	before = info(self->fd);
	bad[0] = h[0];
	bad[1] = h[1];
	bad[2] = 0xfffff;		/* never opened */
	EXPECT_EQ(-1, closev(self->fd, 3, bad));
	EXPECT_EQ(ENOENT, errno);
	bad[2] = h[0];			/* twice: its second close fails */
	EXPECT_EQ(-1, closev(self->fd, 3, bad));
	EXPECT_EQ(ENOENT, errno);
	bad[2] = PYHEAP_HANDLE_NONE;
	EXPECT_EQ(-1, closev(self->fd, 3, bad));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, closev(self->fd, 3, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, closev(self->fd, 0, h));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, closev(self->fd, PYHEAP_VEC_MAX + 1, h));
	EXPECT_EQ(EINVAL, errno);
	c.handles = (unsigned long)h;
	c.flags = 1;
	EXPECT_EQ(-1, ioctl(self->fd, PYHEAP_IOC_HANDLE_CLOSEV, &c));
	EXPECT_EQ(EINVAL, errno);
	c.flags = 0;
	c.__reserved = 1;
	EXPECT_EQ(-1, ioctl(self->fd, PYHEAP_IOC_HANDLE_CLOSEV, &c));
	EXPECT_EQ(EINVAL, errno);
	expect_same_info(_metadata, self->fd, &before);
	/* every handle still works, and the refused marks are gone */
	EXPECT_TRUE(handles_ok(self->fd, h, 3));
	EXPECT_EQ(0, closev(self->fd, 3, h));
	EXPECT_EQ(0, info(self->fd).out_objects);
}

TEST(vec_limits_give_enospc)
{
	__u32 h[4];
	int fd;

	fd = open_limited("heap_max_objects", "3");
	ASSERT_GE(fd, 0);
	EXPECT_EQ(-1, newv(fd, 4, 0, 0, h));
	EXPECT_EQ(ENOSPC, errno);
	EXPECT_EQ(0, info(fd).out_objects);
	ASSERT_EQ(0, newv(fd, 3, 0, 0, h));
	EXPECT_EQ(-1, newv(fd, 1, 0, 0, h + 3));
	EXPECT_EQ(ENOSPC, errno);
	EXPECT_EQ(3, info(fd).out_objects);
	close(fd);

	fd = open_limited("heap_max_handles", "2");
	ASSERT_GE(fd, 0);
	EXPECT_EQ(-1, newv(fd, 3, 0, 0, h));
	EXPECT_EQ(ENOSPC, errno);
	/* nothing was left behind by the refused call */
	EXPECT_EQ(0, info(fd).out_objects);
	EXPECT_EQ(0, info(fd).out_handles);
	ASSERT_EQ(0, newv(fd, 2, 0, 0, h));
	EXPECT_EQ(2, info(fd).out_handles);
	close(fd);
}

/* The rows of heap @id in gc_slices at @path, holds summed; -1 if none. */
static long long slice_holds(const char *path, unsigned long long id)
{
	unsigned long long heap, holds;
	long long sum = -1;
	char line[512], phase[16];
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, " %llu %15s %llu", &heap, phase,
			   &holds) != 3 || heap != id)
			continue;
		sum = (sum < 0 ? 0 : sum) + holds;
	}
	fclose(f);
	return sum;
}

/*
 * gc_slices, written "0", starts every row again from nothing, for a
 * benchmark that wants each round's longest hold; anything else is
 * refused and changes nothing.
 */
TEST(gc_slices_clears_on_a_zero)
{
	const char *top = "/sys/kernel/debug/pyheap/gc_slices";
	struct pyheap_version v = { .size = sizeof(v) };
	char path[128];
	struct stat st;
	__u32 a, b;
	int fd;

	fd = open_limited("gc_slice_us", "100");
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, ioctl(fd, PYHEAP_IOC_VERSION, &v));
	snprintf(path, sizeof(path), "/sys/kernel/debug/pyheap/%llu/gc_slices",
		 (unsigned long long)v.out_heap_id);
	ASSERT_EQ(0, stat(path, &st));
	EXPECT_EQ(0600, st.st_mode & 0777);
	ASSERT_EQ(0, stat(top, &st));
	EXPECT_EQ(0600, st.st_mode & 0777);

	/* a cycle, collected in slices */
	ASSERT_EQ(0, obj_new(fd, 1, 0, &a));
	ASSERT_EQ(0, obj_new(fd, 1, 0, &b));
	ASSERT_EQ(0, slot_set(fd, a, 0, b));
	ASSERT_EQ(0, slot_set(fd, b, 0, a));
	ASSERT_EQ(0, hclose(fd, a));
	ASSERT_EQ(0, hclose(fd, b));
	EXPECT_EQ(2, collect(fd));
	ASSERT_LT(0, slice_holds(path, v.out_heap_id));

	EXPECT_EQ(-1, write_file(path, "1"));
	EXPECT_EQ(-1, write_file(path, "zero"));
	EXPECT_LT(0, slice_holds(path, v.out_heap_id));
	EXPECT_EQ(0, write_file(path, "0\n"));
	EXPECT_EQ(0, slice_holds(path, v.out_heap_id));

	/* the top-level file clears every heap, this one included */
	EXPECT_EQ(0, collect(fd));
	ASSERT_LT(0, slice_holds(top, v.out_heap_id));
	EXPECT_EQ(0, write_file(top, "0"));
	EXPECT_EQ(0, slice_holds(top, v.out_heap_id));
	close(fd);
}

TEST_HARNESS_MAIN
