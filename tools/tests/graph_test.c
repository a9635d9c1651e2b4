// SPDX-License-Identifier: GPL-2.0
/*
 * graph_test: what the kernel answers about a heap's object graph.
 * GC_WHY, the shortest chain of references from another handle to an
 * object: its shape, its slots, the nearest of many roots, its errors,
 * and that a failed call opens no handle.
 *
 * Runs inside a VM with pyheap.ko loaded (tools/vm/vmtest).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/pyheap.h>

#include "kselftest_harness.h"
#include "pyheap_utils.h"

/* The most steps a test asks for. */
#define MAX_STEPS	64

FIXTURE(heap) {
	int fd;
	struct pyheap_gc_why_step steps[MAX_STEPS];
};

FIXTURE_SETUP(heap)
{
	self->fd = open("/dev/pyheap", O_RDWR | O_CLOEXEC);
	ASSERT_GE(self->fd, 0) TH_LOG("open /dev/pyheap: %s", strerror(errno));
	memset(self->steps, 0xa5, sizeof(self->steps));
}

FIXTURE_TEARDOWN(heap)
{
	close(self->fd);
}

/* GC_WHY of @handle with room for @max steps; *@count gets out_count. */
static int why(int fd, __u32 handle, __u32 max,
	       struct pyheap_gc_why_step *steps, __u32 *count)
{
	struct pyheap_gc_why w = {
		.size = sizeof(w), .handle = handle, .max = max,
		.steps = (unsigned long)steps,
	};
	int ret = ioctl(fd, PYHEAP_IOC_GC_WHY, &w);

	*count = w.out_count;
	return ret;
}

static __u64 id_of(int fd, __u32 handle)
{
	struct pyheap_gc_obj_info oi = { .size = sizeof(oi), .handle = handle };

	return ioctl(fd, PYHEAP_IOC_GC_OBJ_INFO, &oi) ? 0 : oi.out_id;
}

/* Close the handles of a chain of @n steps. */
static void close_steps(int fd, const struct pyheap_gc_why_step *s, __u32 n)
{
	while (n--)
		hclose(fd, s[n].handle);
}

/*
 * a -> b -> c with a named: the chain is a, b, c, with the slot indices
 * (not the positions among full slots) of each reference.
 */
TEST_F(heap, why_gives_the_chain_root_first)
{
	__u32 a, b, c, n;

	ASSERT_EQ(0, obj_new(self->fd, 4, 0, &a));
	ASSERT_EQ(0, obj_new(self->fd, 3, 0, &b));
	ASSERT_EQ(0, obj_new(self->fd, 0, 8, &c));
	ASSERT_EQ(0, slot_set(self->fd, a, 3, b));
	ASSERT_EQ(0, slot_set(self->fd, b, 0, a));
	ASSERT_EQ(0, slot_set(self->fd, b, 2, c));
	ASSERT_EQ(0, hclose(self->fd, b));

	ASSERT_EQ(0, why(self->fd, c, MAX_STEPS, self->steps, &n));
	ASSERT_EQ(3, n);
	EXPECT_EQ(id_of(self->fd, a), id_of(self->fd, self->steps[0].handle));
	EXPECT_EQ(3, self->steps[0].slot);
	EXPECT_EQ(2, self->steps[1].slot);
	EXPECT_EQ(id_of(self->fd, c), id_of(self->fd, self->steps[2].handle));
	EXPECT_EQ(PYHEAP_SLOT_NONE, self->steps[2].slot);
	EXPECT_NE(c, self->steps[2].handle);	/* a new handle */
	/* nothing past the chain was written */
	EXPECT_EQ(0xa5a5a5a5, self->steps[3].handle);
	EXPECT_EQ(5, info(self->fd).out_handles);
	close_steps(self->fd, self->steps, n);
}

/* Of a far root and a near one, the chain starts at the near one. */
TEST_F(heap, why_starts_at_the_nearest_root)
{
	__u32 far, p, q, near, t, n;

	ASSERT_EQ(0, obj_new(self->fd, 1, 0, &far));
	ASSERT_EQ(0, obj_new(self->fd, 1, 0, &p));
	ASSERT_EQ(0, obj_new(self->fd, 1, 0, &q));
	ASSERT_EQ(0, obj_new(self->fd, 2, 0, &near));
	ASSERT_EQ(0, obj_new(self->fd, 0, 0, &t));
	ASSERT_EQ(0, slot_set(self->fd, far, 0, p));
	ASSERT_EQ(0, slot_set(self->fd, p, 0, q));
	ASSERT_EQ(0, slot_set(self->fd, q, 0, t));
	ASSERT_EQ(0, slot_set(self->fd, near, 1, t));
	ASSERT_EQ(0, hclose(self->fd, p));
	ASSERT_EQ(0, hclose(self->fd, q));

	ASSERT_EQ(0, why(self->fd, t, MAX_STEPS, self->steps, &n));
	ASSERT_EQ(2, n);
	EXPECT_EQ(id_of(self->fd, near),
		  id_of(self->fd, self->steps[0].handle));
	EXPECT_EQ(1, self->steps[0].slot);
	close_steps(self->fd, self->steps, n);

	/* Without the near root, the far one. */
	ASSERT_EQ(0, hclose(self->fd, near));
	ASSERT_EQ(0, why(self->fd, t, MAX_STEPS, self->steps, &n));
	ASSERT_EQ(4, n);
	EXPECT_EQ(id_of(self->fd, far),
		  id_of(self->fd, self->steps[0].handle));
	close_steps(self->fd, self->steps, n);
}

/* Another handle on the object itself: the chain is the object alone. */
TEST_F(heap, why_of_an_object_named_twice_is_the_object)
{
	struct pyheap_handle_dup d = { .size = sizeof(d) };
	__u32 a, t, n;

	ASSERT_EQ(0, obj_new(self->fd, 1, 0, &a));
	ASSERT_EQ(0, obj_new(self->fd, 0, 0, &t));
	ASSERT_EQ(0, slot_set(self->fd, a, 0, t));
	d.handle = t;
	ASSERT_EQ(0, ioctl(self->fd, PYHEAP_IOC_HANDLE_DUP, &d));
	ASSERT_EQ(0, why(self->fd, t, MAX_STEPS, self->steps, &n));
	ASSERT_EQ(1, n);
	EXPECT_EQ(id_of(self->fd, t), id_of(self->fd, self->steps[0].handle));
	EXPECT_EQ(PYHEAP_SLOT_NONE, self->steps[0].slot);
	close_steps(self->fd, self->steps, n);
}

/*
 * Only the asking handle, or only the garbage list, keeps it: ENOENT, and
 * nothing opened.  A cycle through the object does not make it a root.
 */
TEST_F(heap, why_of_what_only_garbage_or_its_own_handle_keeps_is_enoent)
{
	struct pyheap_gc_garbage g = {
		.size = sizeof(g), .flags = PYHEAP_GC_GARBAGE_LIST, .max = 4,
	};
	__u32 a, b, hs[4], n = 7;

	ASSERT_EQ(0, obj_new(self->fd, 1, 0, &a));
	ASSERT_EQ(0, obj_new(self->fd, 1, 0, &b));
	ASSERT_EQ(0, slot_set(self->fd, a, 0, b));
	ASSERT_EQ(0, slot_set(self->fd, b, 0, a));
	ASSERT_EQ(0, hclose(self->fd, b));
	EXPECT_EQ(-1, why(self->fd, a, MAX_STEPS, self->steps, &n));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(1, info(self->fd).out_handles);
	ASSERT_EQ(0, hclose(self->fd, a));
	EXPECT_EQ(2, collect(self->fd));

	/* a legacy-finalizer cycle goes to gc.garbage, which is no root */
	ASSERT_EQ(0, obj_new_flags(self->fd, 1, 0, PYHEAP_OBJ_LEGACY_FINALIZER,
				   &a));
	ASSERT_EQ(0, obj_new(self->fd, 1, 0, &b));
	ASSERT_EQ(0, slot_set(self->fd, a, 0, b));
	ASSERT_EQ(0, slot_set(self->fd, b, 0, a));
	ASSERT_EQ(0, hclose(self->fd, a));
	ASSERT_EQ(0, hclose(self->fd, b));
	EXPECT_EQ(2, collect(self->fd));
	g.handles = (unsigned long)hs;
	ASSERT_EQ(0, ioctl(self->fd, PYHEAP_IOC_GC_GARBAGE, &g));
	ASSERT_EQ(2, g.out_count);
	ASSERT_EQ(0, hclose(self->fd, hs[1]));
	EXPECT_EQ(-1, why(self->fd, hs[0], MAX_STEPS, self->steps, &n));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(1, info(self->fd).out_handles);
}

TEST_F(heap, why_rejects_bad_arguments)
{
	struct pyheap_gc_why w = { .size = sizeof(w), .max = MAX_STEPS };
	__u32 a, b, n;

	ASSERT_EQ(0, obj_new(self->fd, 1, 0, &a));
	ASSERT_EQ(0, obj_new(self->fd, 0, 0, &b));
	ASSERT_EQ(0, slot_set(self->fd, a, 0, b));
	w.steps = (unsigned long)self->steps;
	w.handle = b;
	w.flags = 1;
	EXPECT_EQ(-1, ioctl(self->fd, PYHEAP_IOC_GC_WHY, &w));
	EXPECT_EQ(EINVAL, errno);
	w.flags = 1U << 31;
	EXPECT_EQ(-1, ioctl(self->fd, PYHEAP_IOC_GC_WHY, &w));
	EXPECT_EQ(EINVAL, errno);
	w.flags = 0;
	w.__reserved = 1;
	EXPECT_EQ(-1, ioctl(self->fd, PYHEAP_IOC_GC_WHY, &w));
	EXPECT_EQ(EINVAL, errno);
	w.__reserved = 0;
	w.out_count = 1;
	EXPECT_EQ(-1, ioctl(self->fd, PYHEAP_IOC_GC_WHY, &w));
	EXPECT_EQ(EINVAL, errno);
	w.out_count = 0;
	w.size = PYHEAP_GC_WHY_SIZE_VER0 - 4;
	EXPECT_EQ(-1, ioctl(self->fd, PYHEAP_IOC_GC_WHY, &w));
	EXPECT_EQ(EINVAL, errno);
	w.size = sizeof(w);
	w.handle = 999;
	EXPECT_EQ(-1, ioctl(self->fd, PYHEAP_IOC_GC_WHY, &w));
	EXPECT_EQ(ENOENT, errno);
	w.handle = PYHEAP_HANDLE_NONE;
	EXPECT_EQ(-1, ioctl(self->fd, PYHEAP_IOC_GC_WHY, &w));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(2, info(self->fd).out_handles);
	/* and right, it answers */
	ASSERT_EQ(0, why(self->fd, b, MAX_STEPS, self->steps, &n));
	EXPECT_EQ(2, n);
}

/* Too little room: EOVERFLOW with the length needed, and no handle. */
TEST_F(heap, why_without_room_says_how_much_and_opens_nothing)
{
	__u32 a, b, c, n;

	ASSERT_EQ(0, obj_new(self->fd, 1, 0, &a));
	ASSERT_EQ(0, obj_new(self->fd, 1, 0, &b));
	ASSERT_EQ(0, obj_new(self->fd, 0, 0, &c));
	ASSERT_EQ(0, slot_set(self->fd, a, 0, b));
	ASSERT_EQ(0, slot_set(self->fd, b, 0, c));
	ASSERT_EQ(0, hclose(self->fd, b));
	EXPECT_EQ(-1, why(self->fd, c, 2, self->steps, &n));
	EXPECT_EQ(EOVERFLOW, errno);
	EXPECT_EQ(3, n);
	EXPECT_EQ(0xa5a5a5a5, self->steps[0].handle);
	EXPECT_EQ(-1, why(self->fd, c, 0, NULL, &n));
	EXPECT_EQ(EOVERFLOW, errno);
	EXPECT_EQ(3, n);
	EXPECT_EQ(2, info(self->fd).out_handles);
	ASSERT_EQ(0, why(self->fd, c, 3, self->steps, &n));
	EXPECT_EQ(5, info(self->fd).out_handles);
}

/* An answer that cannot be written leaves no handle open. */
TEST_F(heap, why_into_read_only_steps_changes_nothing)
{
	long page = sysconf(_SC_PAGESIZE);
	struct pyheap_gc_why w = { .size = sizeof(w), .max = 4 };
	__u32 a, b, hn;
	void *ro;

	ASSERT_EQ(0, obj_new(self->fd, 1, 0, &a));
	ASSERT_EQ(0, obj_new(self->fd, 0, 0, &b));
	ASSERT_EQ(0, slot_set(self->fd, a, 0, b));
	ro = mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	w.handle = b;
	w.steps = (unsigned long)ro;
	EXPECT_EQ(-1, ioctl(self->fd, PYHEAP_IOC_GC_WHY, &w));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(2, info(self->fd).out_handles);
	munmap(ro, page);
	/* the handle the failed call opened is the next one given out */
	ASSERT_EQ(0, obj_new(self->fd, 0, 0, &hn));
	EXPECT_EQ(3, hn);
}

/*
 * A map's object values are traversed under the map's spinlock: the
 * slot is the value's position among them, least recent first, and the
 * walk never sleeps inside (the debug kernel would say so).
 */
TEST_F(heap, why_through_an_lru_map_gives_the_value_position)
{
	struct pyheap_lru_new ln = { .size = sizeof(ln), .maxsize = 1000 };
	struct pyheap_lru_op op;
	__u32 o, last = 0, n;
	__u64 key;
	int i;

	ASSERT_EQ(0, ioctl(self->fd, PYHEAP_IOC_LRU_NEW, &ln));
	for (i = 0; i < 300; i++) {
		ASSERT_EQ(0, obj_new(self->fd, 0, 0, &o));
		key = i;
		op = (struct pyheap_lru_op){
			.size = sizeof(op), .flags = PYHEAP_LRU_VALUE_OBJECT,
			.handle = ln.out_handle, .key_len = sizeof(key),
			.key = (unsigned long)&key, .value_handle = o,
		};
		ASSERT_EQ(0, ioctl(self->fd, PYHEAP_IOC_LRU_SET, &op));
		if (last)
			ASSERT_EQ(0, hclose(self->fd, last));
		last = o;
	}
	ASSERT_EQ(0, why(self->fd, last, MAX_STEPS, self->steps, &n));
	ASSERT_EQ(2, n);
	EXPECT_EQ(id_of(self->fd, ln.out_handle),
		  id_of(self->fd, self->steps[0].handle));
	EXPECT_EQ(299, self->steps[0].slot);
}

/* A chain far longer than any stack: one call, and every step. */
TEST_F(heap, why_of_the_end_of_a_long_chain)
{
	enum { LEN = 20000 };
	struct pyheap_gc_why_step *steps;
	__u32 head, prev, o, n, i;

	ASSERT_EQ(0, obj_new(self->fd, 1, 0, &head));
	prev = head;
	for (i = 1; i < LEN; i++) {
		ASSERT_EQ(0, obj_new(self->fd, 1, 0, &o));
		ASSERT_EQ(0, slot_set(self->fd, prev, 0, o));
		if (prev != head)
			ASSERT_EQ(0, hclose(self->fd, prev));
		prev = o;
	}
	steps = calloc(LEN, sizeof(*steps));
	ASSERT_NE(NULL, steps);
	ASSERT_EQ(0, why(self->fd, prev, LEN, steps, &n));
	ASSERT_EQ(LEN, n);
	EXPECT_EQ(id_of(self->fd, head), id_of(self->fd, steps[0].handle));
	for (i = 0; i + 1 < LEN; i++)
		ASSERT_EQ(0, steps[i].slot) TH_LOG("step %u", i);
	EXPECT_EQ(2 + LEN, info(self->fd).out_handles);
	free(steps);
}

/* In a batch, as on its own. */
TEST_F(heap, why_runs_in_a_batch)
{
	struct pyheap_gc_why w = { .size = sizeof(w), .max = MAX_STEPS };
	struct pyheap_batch bt = {
		.size = sizeof(bt), .count = 1,
		.op_size = sizeof(struct pyheap_op),
	};
	struct pyheap_op op = { .cmd = PYHEAP_CMD_GC_WHY };
	__u32 a, b;

	ASSERT_EQ(0, obj_new(self->fd, 1, 0, &a));
	ASSERT_EQ(0, obj_new(self->fd, 0, 0, &b));
	ASSERT_EQ(0, slot_set(self->fd, a, 0, b));
	w.handle = b;
	w.steps = (unsigned long)self->steps;
	memcpy(op.arg, &w, sizeof(w));
	bt.ops = (unsigned long)&op;
	ASSERT_EQ(0, ioctl(self->fd, PYHEAP_IOC_BATCH, &bt));
	EXPECT_EQ(0, op.out_result);
	memcpy(&w, op.arg, sizeof(w));
	EXPECT_EQ(2, w.out_count);
	EXPECT_EQ(0, self->steps[0].slot);
}

TEST_HARNESS_MAIN
