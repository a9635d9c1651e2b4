// SPDX-License-Identifier: GPL-2.0
/*
 * graph_test: what the kernel answers about a heap's object graph.
 * GC_WHY, the shortest chain of references from another handle to an
 * object: its shape, its slots, the nearest of many roots, its errors,
 * and that a failed call opens no handle.  GC_GARBAGE's groups, the
 * cycles of the garbage list: their numbering, pages, long lists, errors.
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

/* An object with @nslots slots and its label in a 4-byte payload. */
static __u32 labelled(int fd, __u32 nslots, __u32 label)
{
	struct pyheap_payload p = {
		.size = sizeof(p), .length = 4, .data = (unsigned long)&label,
	};
	__u32 h;

	if (obj_new(fd, nslots, 4, &h))
		return 0;
	p.handle = h;
	return ioctl(fd, PYHEAP_IOC_PAYLOAD_WRITE, &p) ? 0 : h;
}

static __u32 label_of(int fd, __u32 h)
{
	struct pyheap_payload p = { .size = sizeof(p), .handle = h,
				    .length = 4 };
	__u32 label = ~0U;

	p.data = (unsigned long)&label;
	ioctl(fd, PYHEAP_IOC_PAYLOAD_READ, &p);
	return label;
}

/* Keep all garbage, and collect only when asked. */
static int set_saveall(int fd)
{
	struct pyheap_gc_state st = {
		.size = sizeof(st),
		.flags = PYHEAP_GC_SET_DEBUG | PYHEAP_GC_SET_ENABLED,
		.debug = PYHEAP_GC_DEBUG_SAVEALL,
	};

	return ioctl(fd, PYHEAP_IOC_GC_SET, &st);
}

/* GC_GARBAGE LIST of @max entries from @offset, with groups. */
static int garbage_groups(int fd, __u64 offset, __u32 max, __u32 *hs,
			  __u32 *groups, struct pyheap_gc_garbage *out)
{
	*out = (struct pyheap_gc_garbage) {
		.size = sizeof(*out), .flags = PYHEAP_GC_GARBAGE_LIST,
		.max = max, .offset = offset, .handles = (unsigned long)hs,
		.groups = (unsigned long)groups,
	};
	return ioctl(fd, PYHEAP_IOC_GC_GARBAGE, out);
}

/*
 * The cycles of this graph, left as garbage (DEBUG_SAVEALL keeps all):
 *
 *   0 -> 0                 a self-reference: one cycle
 *   1 <-> 2, 2 -> 3        a pair, and 3 hanging off it (no cycle)
 *   4 -> 5 -> 6 -> 4       a ring of three
 *   6 -> 1                 from the ring into the pair: still two cycles
 *
 * Cycle of each label, by the graph: 0: A, 1 and 2: B, 3: none, 4 to 6: C.
 */
static const int graph_cycle[7] = { 1, 2, 2, 0, 3, 3, 3 };

static void make_garbage_graph(struct __test_metadata *_metadata, int fd)
{
	static const int edge[][3] = {	/* from, slot, to */
		{ 0, 0, 0 }, { 1, 0, 2 }, { 2, 0, 1 }, { 2, 1, 3 },
		{ 4, 0, 5 }, { 5, 0, 6 }, { 6, 0, 4 }, { 6, 1, 1 },
	};
	__u32 h[7];
	int i;

	ASSERT_EQ(0, set_saveall(fd));
	for (i = 0; i < 7; i++) {
		h[i] = labelled(fd, 2, i);
		ASSERT_NE(0, h[i]);
	}
	for (i = 0; i < (int)ARRAY_SIZE(edge); i++)
		ASSERT_EQ(0, slot_set(fd, h[edge[i][0]], edge[i][1],
				      h[edge[i][2]]));
	for (i = 0; i < 7; i++)
		ASSERT_EQ(0, hclose(fd, h[i]));
	ASSERT_EQ(7, collect(fd));
}

/*
 * Whatever the list's order: one group per cycle, 0 off every cycle, and
 * the groups numbered from 1 in the order they first appear.
 */
TEST_F(heap, garbage_groups_are_the_cycles_in_list_order)
{
	__u32 hs[16], groups[16], seen = 0, label, g, i, j;
	struct pyheap_gc_garbage out;
	int cycle_group[4] = { 0 };

	make_garbage_graph(_metadata, self->fd);
	ASSERT_EQ(0, garbage_groups(self->fd, 0, 16, hs, groups, &out));
	ASSERT_EQ(7, out.out_count);
	EXPECT_EQ(7, out.out_total);
	EXPECT_EQ(3, out.out_cycles);
	for (i = 0; i < 7; i++) {
		label = label_of(self->fd, hs[i]);
		ASSERT_LT(label, 7);
		g = groups[i];
		if (!graph_cycle[label]) {
			EXPECT_EQ(0, g) TH_LOG("label %u", label);
			continue;
		}
		ASSERT_GE(g, 1);
		if (!cycle_group[graph_cycle[label]]) {
			/* a cycle's first entry: the next number */
			EXPECT_EQ(seen + 1, g) TH_LOG("label %u", label);
			seen = g;
			cycle_group[graph_cycle[label]] = g;
		}
		EXPECT_EQ(cycle_group[graph_cycle[label]], g)
			TH_LOG("label %u", label);
	}
	EXPECT_EQ(3, seen);
	/* a page from an offset numbers as the whole list does */
	for (j = 1; j < 7; j++) {
		__u32 hs2[2], groups2[2];

		ASSERT_EQ(0, garbage_groups(self->fd, j, 2, hs2, groups2,
					    &out));
		EXPECT_EQ(j < 6 ? 2 : 1, out.out_count);
		EXPECT_EQ(groups[j], groups2[0]);
		EXPECT_EQ(label_of(self->fd, hs[j]),
			  label_of(self->fd, hs2[0]));
	}
}

/* Groups only: no handle, any max, and past the end nothing. */
TEST_F(heap, garbage_groups_without_handles)
{
	__u32 groups[16], all[16], hs[16];
	struct pyheap_gc_garbage out;
	__u64 handles;

	make_garbage_graph(_metadata, self->fd);
	ASSERT_EQ(0, garbage_groups(self->fd, 0, 16, hs, all, &out));
	handles = info(self->fd).out_handles;
	memset(groups, 0xa5, sizeof(groups));
	ASSERT_EQ(0, garbage_groups(self->fd, 0, 1U << 31, NULL, groups,
				    &out));
	EXPECT_EQ(7, out.out_count);
	EXPECT_EQ(3, out.out_cycles);
	EXPECT_EQ(0, memcmp(all, groups, 7 * sizeof(*groups)));
	EXPECT_EQ(0xa5a5a5a5, groups[7]);
	EXPECT_EQ(handles, info(self->fd).out_handles);
	ASSERT_EQ(0, garbage_groups(self->fd, 7, 16, NULL, groups, &out));
	EXPECT_EQ(0, out.out_count);
	EXPECT_EQ(7, out.out_total);
	ASSERT_EQ(0, garbage_groups(self->fd, 1ULL << 40, 16, hs, groups,
				    &out));
	EXPECT_EQ(0, out.out_count);
	EXPECT_EQ(handles, info(self->fd).out_handles);
}

/* A page without groups, from an offset: the same entries, in order. */
TEST_F(heap, garbage_pages_from_an_offset)
{
	__u32 all[16], page[3], groups[16];
	struct pyheap_gc_garbage g = {
		.size = sizeof(g), .flags = PYHEAP_GC_GARBAGE_LIST, .max = 3,
		.offset = 5, .handles = (unsigned long)page,
	};
	struct pyheap_gc_garbage out;

	make_garbage_graph(_metadata, self->fd);
	ASSERT_EQ(0, garbage_groups(self->fd, 0, 16, all, groups, &out));
	ASSERT_EQ(0, ioctl(self->fd, PYHEAP_IOC_GC_GARBAGE, &g));
	EXPECT_EQ(2, g.out_count);
	EXPECT_EQ(7, g.out_total);
	EXPECT_EQ(0, g.out_cycles);	/* not asked for */
	EXPECT_EQ(label_of(self->fd, all[5]), label_of(self->fd, page[0]));
	EXPECT_EQ(label_of(self->fd, all[6]), label_of(self->fd, page[1]));
}

TEST_F(heap, garbage_rejects_bad_arguments)
{
	__u32 hs[16], groups[16];
	struct pyheap_gc_garbage g;
	__u64 handles;

	make_garbage_graph(_metadata, self->fd);
	handles = info(self->fd).out_handles;
#define BAD_GARBAGE(field, value) do {					\
		g = (struct pyheap_gc_garbage) {			\
			.size = sizeof(g),				\
			.flags = PYHEAP_GC_GARBAGE_LIST, .max = 16,	\
			.handles = (unsigned long)hs,			\
			.groups = (unsigned long)groups,		\
		};							\
		g.field = value;					\
		EXPECT_EQ(-1, ioctl(self->fd, PYHEAP_IOC_GC_GARBAGE, &g)) \
			TH_LOG(#field " = " #value);			\
		EXPECT_EQ(EINVAL, errno) TH_LOG(#field " = " #value);	\
	} while (0)
	BAD_GARBAGE(flags, 4);
	BAD_GARBAGE(flags, PYHEAP_GC_GARBAGE_LIST | PYHEAP_GC_GARBAGE_CLEAR);
	BAD_GARBAGE(__reserved, 1);
	BAD_GARBAGE(__reserved2, 1);
	BAD_GARBAGE(out_cycles, 1);
	BAD_GARBAGE(out_count, 1);
	BAD_GARBAGE(max, 0);
	BAD_GARBAGE(max, PYHEAP_GC_REFS_MAX + 1);
	/* CLEAR takes neither an offset nor groups */
	BAD_GARBAGE(flags, PYHEAP_GC_GARBAGE_CLEAR);
	g.max = 0;
	g.handles = 0;
	g.groups = 0;
	g.offset = 1;
	EXPECT_EQ(-1, ioctl(self->fd, PYHEAP_IOC_GC_GARBAGE, &g));
	EXPECT_EQ(EINVAL, errno);
	g.offset = 0;
	g.groups = (unsigned long)groups;
	EXPECT_EQ(-1, ioctl(self->fd, PYHEAP_IOC_GC_GARBAGE, &g));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(handles, info(self->fd).out_handles);
	EXPECT_EQ(7, gc_get(self->fd).out_garbage);
#undef BAD_GARBAGE
}

/* Groups that cannot be written: EFAULT, and no handle stays open. */
TEST_F(heap, garbage_groups_into_read_only_memory_change_nothing)
{
	long page = sysconf(_SC_PAGESIZE);
	struct pyheap_gc_garbage out;
	__u32 hs[16], h0, hn;
	__u64 handles;
	void *ro;

	make_garbage_graph(_metadata, self->fd);
	ro = mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	/* the handle the next open gets, before and after */
	ASSERT_EQ(0, obj_new(self->fd, 0, 0, &h0));
	ASSERT_EQ(0, hclose(self->fd, h0));
	handles = info(self->fd).out_handles;
	EXPECT_EQ(-1, garbage_groups(self->fd, 0, 16, hs, ro, &out));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(handles, info(self->fd).out_handles);
	EXPECT_EQ(-1, garbage_groups(self->fd, 0, 16, NULL, ro, &out));
	EXPECT_EQ(EFAULT, errno);
	munmap(ro, page);
	ASSERT_EQ(0, obj_new(self->fd, 0, 0, &hn));
	EXPECT_EQ(h0, hn);
}

/* An ABI 1.4 caller's struct: listed from 0, and the new members unseen. */
TEST_F(heap, garbage_of_an_abi_1_4_caller_is_unchanged)
{
	struct pyheap_gc_garbage g;
	__u32 hs[16];

	make_garbage_graph(_metadata, self->fd);
	memset(&g, 0x5a, sizeof(g));
	g.size = PYHEAP_GC_GARBAGE_SIZE_VER0;
	g.flags = PYHEAP_GC_GARBAGE_LIST;
	g.max = 16;
	g.__reserved = 0;
	g.handles = (unsigned long)hs;
	g.out_count = 0;
	g.out_total = 0;
	ASSERT_EQ(0, ioctl(self->fd, PYHEAP_IOC_GC_GARBAGE, &g));
	EXPECT_EQ(7, g.out_count);
	EXPECT_EQ(0x5a5a5a5a5a5a5a5aULL, g.offset);	/* beyond its size */
}

/* 20000 pairs in one call: 10000 cycles of two, each its own number. */
TEST_F(heap, garbage_groups_of_a_long_list)
{
	enum { PAIRS = 10000 };
	struct pyheap_gc_garbage out;
	__u32 *groups, *count, a, b, i;

	ASSERT_EQ(0, set_saveall(self->fd));
	for (i = 0; i < PAIRS; i++) {
		ASSERT_EQ(0, obj_new(self->fd, 1, 0, &a));
		ASSERT_EQ(0, obj_new(self->fd, 1, 0, &b));
		ASSERT_EQ(0, slot_set(self->fd, a, 0, b));
		ASSERT_EQ(0, slot_set(self->fd, b, 0, a));
		ASSERT_EQ(0, hclose(self->fd, a));
		ASSERT_EQ(0, hclose(self->fd, b));
	}
	ASSERT_EQ(2 * PAIRS, collect(self->fd));
	groups = calloc(2 * PAIRS, sizeof(*groups));
	count = calloc(PAIRS + 1, sizeof(*count));
	ASSERT_NE(NULL, groups);
	ASSERT_NE(NULL, count);
	ASSERT_EQ(0, garbage_groups(self->fd, 0, 2 * PAIRS, NULL, groups,
				    &out));
	EXPECT_EQ(2 * PAIRS, out.out_count);
	EXPECT_EQ(PAIRS, out.out_cycles);
	for (i = 0; i < 2 * PAIRS; i++) {
		ASSERT_GE(groups[i], 1);
		ASSERT_LE(groups[i], PAIRS);
		count[groups[i]]++;
	}
	for (i = 1; i <= PAIRS; i++)
		ASSERT_EQ(2, count[i]) TH_LOG("group %u", i);
	free(groups);
	free(count);
}

TEST_HARNESS_MAIN
