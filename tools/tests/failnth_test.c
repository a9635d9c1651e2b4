// SPDX-License-Identifier: GPL-2.0
/*
 * failnth_test: fail the Nth allocation of an ioctl, for every N
 *
 * For each ioctl path, fail-nth fails the call's Nth kernel allocation
 * (slab, and page allocations where CONFIG_FAIL_PAGE_ALLOC is set), for
 * N = 1, 2, ... until the call completes without reaching the Nth one.
 * Every call that fails must fail with ENOMEM and leave the heap as it was
 * (objects, bytes, handles); KASAN and kmemleak check the rest.  Needs
 * CONFIG_FAILSLAB (the UML test kernel); skipped elsewhere.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/pyheap.h>

#include "kselftest_harness.h"
#include "pyheap_utils.h"

/* A new object's handle, or 0. */
static uint32_t new_handle(int fd, uint32_t nslots, uint32_t payload)
{
	__u32 h;

	return obj_new(fd, nslots, payload, &h) ? 0 : h;
}

enum path {
	OBJ_NEW_LARGE, LRU_NEW, LRU_SET, BATCH_NEW, SLOT_GET, OBJ_NEW_FIRST,
	HANDLE_DUP, GC_REFS, GC_GARBAGE, GC_COLLECT, GETSIZEOF_DEEP,
	LRU_CLAIM, LRU_SET_OBJ, PAYLOAD_WRITE, LRU_GETV, OBJ_NEWV,
	HANDLE_CLOSEV, GC_WHY, GC_GARBAGE_GROUPS, NR_PATHS
};

/* GC_WHY's chain: past the walk's first 64 entries, so its queue grows. */
#define WHY_LEN		100

struct setup {
	uint32_t a, map;
	uint64_t key, keys[2];
	char value[100];
	struct pyheap_lru_result res[2];
	uint32_t handles[16];
	struct pyheap_op ops[8];
	struct pyheap_gc_why_step steps[WHY_LEN];
};

/* A chain of WHY_LEN objects from @s->a; its last one named in s->handles. */
static void why_chain(int fd, struct setup *s)
{
	__u32 prev = s->a, o;
	int i;

	for (i = 1; i < WHY_LEN; i++) {
		if (obj_new(fd, 1, 0, &o))
			return;
		slot_set(fd, prev, 0, o);
		if (prev != s->a)
			hclose(fd, prev);
		prev = o;
	}
	s->handles[0] = prev;
}

/* A self-referencing object with a legacy finalizer, left as garbage. */
static void garbage_self(int fd, uint32_t flags)
{
	struct pyheap_obj_new c = {
		.size = sizeof(c), .nslots = 1, .flags = flags,
	};
	struct pyheap_slot sl = { .size = sizeof(sl) };
	struct pyheap_handle_close hc = { .size = sizeof(hc) };

	if (ioctl(fd, PYHEAP_IOC_OBJ_NEW, &c))
		return;
	sl.handle = c.out_handle;
	sl.target = c.out_handle;
	ioctl(fd, PYHEAP_IOC_SLOT_SET, &sl);
	hc.handle = c.out_handle;
	ioctl(fd, PYHEAP_IOC_HANDLE_CLOSE, &hc);
}

static void prepare(int fd, enum path p, struct setup *s)
{
	struct pyheap_obj_new c = { .size = sizeof(c), .nslots = 1 };
	struct pyheap_lru_new n = { .size = sizeof(n), .maxsize = 4 };
	struct pyheap_slot sl = { .size = sizeof(sl) };
	int i;

	memset(s, 0, sizeof(*s));
	if (p == OBJ_NEW_FIRST)
		return;		/* the heap's first object: a new arena */
	s->a = new_handle(fd, 1, p == PAYLOAD_WRITE ? 64 : 0);
	if ((p == LRU_SET || p == LRU_CLAIM || p == LRU_SET_OBJ ||
	     p == LRU_GETV) && !ioctl(fd, PYHEAP_IOC_LRU_NEW, &n))
		s->map = n.out_handle;
	if (p == HANDLE_CLOSEV) {
		struct pyheap_obj_newv v = {
			.size = sizeof(v), .nslots = 1, .count = 16,
			.handles = (uintptr_t)s->handles,
		};

		ioctl(fd, PYHEAP_IOC_OBJ_NEWV, &v);
	}
	if (p == LRU_GETV) {
		/* key 1: an object value (a handle to open), key 2: bytes */
		struct pyheap_lru_op op = {
			.size = sizeof(op), .handle = s->map,
			.flags = PYHEAP_LRU_VALUE_OBJECT, .value_handle = s->a,
			.key_len = sizeof(s->keys[0]),
			.key = (uintptr_t)&s->keys[0],
		};

		s->keys[0] = 1;
		s->keys[1] = 2;
		ioctl(fd, PYHEAP_IOC_LRU_SET, &op);
		op.flags = 0;
		op.value_handle = 0;
		op.key = (uintptr_t)&s->keys[1];
		op.value = (uintptr_t)s->value;
		op.value_len = 8;
		ioctl(fd, PYHEAP_IOC_LRU_SET, &op);
	}
	if (p == GC_GARBAGE || p == GC_GARBAGE_GROUPS || p == GC_COLLECT) {
		garbage_self(fd, PYHEAP_OBJ_LEGACY_FINALIZER);
		garbage_self(fd, PYHEAP_OBJ_LEGACY_FINALIZER);
		garbage_self(fd, PYHEAP_OBJ_FINALIZER);
		garbage_self(fd, 0);
	}
	if (p == GC_GARBAGE || p == GC_GARBAGE_GROUPS) {
		struct pyheap_gc_collect gc = { .size = sizeof(gc) };

		gc.generation = 2;
		ioctl(fd, PYHEAP_IOC_GC_COLLECT, &gc);
	}
	if (p == GC_WHY)
		why_chain(fd, s);
	if (p == SLOT_GET || p == GC_REFS || p == GETSIZEOF_DEEP) {
		sl.handle = s->a;
		sl.target = new_handle(fd, 0, 0);
		ioctl(fd, PYHEAP_IOC_SLOT_SET, &sl);
	}
	for (i = 0; i < 8; i++) {
		s->ops[i].cmd = PYHEAP_CMD_OBJ_NEW;
		memcpy(s->ops[i].arg, &c, sizeof(c));
	}
}

static int run_more(int fd, enum path p, struct setup *s)
{
	struct pyheap_handle_dup d = { .size = sizeof(d), .handle = s->a };
	struct pyheap_gc_refs r = {
		.size = sizeof(r), .flags = PYHEAP_GC_REFERENTS, .handle = s->a,
		.max = 16, .handles = (uintptr_t)s->handles,
	};
	struct pyheap_gc_garbage g = {
		.size = sizeof(g), .flags = PYHEAP_GC_GARBAGE_LIST, .max = 16,
		.handles = (uintptr_t)s->handles,
	};
	struct pyheap_gc_garbage gg = {
		.size = sizeof(gg), .flags = PYHEAP_GC_GARBAGE_LIST, .max = 8,
		.handles = (uintptr_t)s->handles,
		.groups = (uintptr_t)(s->handles + 8),
	};
	struct pyheap_gc_collect gc = { .size = sizeof(gc), .generation = 2 };
	struct pyheap_getsizeof gs = {
		.size = sizeof(gs), .flags = PYHEAP_GETSIZEOF_DEEP,
		.handle = s->a,
	};
	struct pyheap_lru_op op = {
		.size = sizeof(op), .handle = s->map, .key_len = sizeof(s->key),
		.key = (uintptr_t)&s->key,
	};
	struct pyheap_payload pw = {
		.size = sizeof(pw), .handle = s->a, .length = 8,
		.data = (uintptr_t)s->value,
	};
	/* 16 objects with 100-byte payloads: a pool of their own */
	struct pyheap_obj_newv nv = {
		.size = sizeof(nv), .nslots = 1, .payload_size = 100,
		.count = 16, .handles = (uintptr_t)s->handles,
	};
	struct pyheap_handle_closev cv = {
		.size = sizeof(cv), .count = 16,
		.handles = (uintptr_t)s->handles,
	};
	struct pyheap_gc_why w = {
		.size = sizeof(w), .handle = s->handles[0], .max = WHY_LEN,
		.steps = (uintptr_t)s->steps,
	};
	struct pyheap_lru_getv gv = {
		.size = sizeof(gv), .handle = s->map, .count = 2,
		.key_len = sizeof(s->keys[0]), .value_len = 16,
		.keys = (uintptr_t)s->keys, .values = (uintptr_t)s->value,
		.results = (uintptr_t)s->res,
	};

	switch (p) {
	case HANDLE_DUP:
		return ioctl(fd, PYHEAP_IOC_HANDLE_DUP, &d);
	case GC_REFS:
		return ioctl(fd, PYHEAP_IOC_GC_REFS, &r);
	case GC_GARBAGE:
		return ioctl(fd, PYHEAP_IOC_GC_GARBAGE, &g);
	case GC_COLLECT:
		return ioctl(fd, PYHEAP_IOC_GC_COLLECT, &gc);
	case GETSIZEOF_DEEP:
		return ioctl(fd, PYHEAP_IOC_GETSIZEOF, &gs);
	case LRU_CLAIM:
		op.flags = PYHEAP_LRU_COMPUTE;
		op.timeout_ms = 10;
		return ioctl(fd, PYHEAP_IOC_LRU_GET, &op);
	case LRU_SET_OBJ:
		op.flags = PYHEAP_LRU_VALUE_OBJECT;
		op.value_handle = s->a;
		return ioctl(fd, PYHEAP_IOC_LRU_SET, &op);
	case LRU_GETV:
		return ioctl(fd, PYHEAP_IOC_LRU_GETV, &gv);
	case OBJ_NEWV:
		return ioctl(fd, PYHEAP_IOC_OBJ_NEWV, &nv);
	case HANDLE_CLOSEV:
		return ioctl(fd, PYHEAP_IOC_HANDLE_CLOSEV, &cv);
	case GC_WHY:
		return ioctl(fd, PYHEAP_IOC_GC_WHY, &w);
	case GC_GARBAGE_GROUPS:
		return ioctl(fd, PYHEAP_IOC_GC_GARBAGE, &gg);
	default:
		return ioctl(fd, PYHEAP_IOC_PAYLOAD_WRITE, &pw);
	}
}

static int run(int fd, enum path p, struct setup *s)
{
	struct pyheap_lru_new n = { .size = sizeof(n), .maxsize = 4 };
	struct pyheap_lru_op op = {
		.size = sizeof(op), .handle = s->map, .key_len = sizeof(s->key),
		.key = (uintptr_t)&s->key, .value = (uintptr_t)s->value,
		.value_len = sizeof(s->value),
	};
	struct pyheap_batch b = {
		.size = sizeof(b), .count = 8, .op_size = sizeof(s->ops[0]),
		.ops = (uintptr_t)s->ops,
	};
	struct pyheap_slot sl = { .size = sizeof(sl), .handle = s->a };
	struct pyheap_obj_new c = {
		.size = sizeof(c), .nslots = 2, .payload_size = 700,
	};
	int ret;

	switch (p) {
	case OBJ_NEW_LARGE:
		return ioctl(fd, PYHEAP_IOC_OBJ_NEW, &c);
	case LRU_NEW:
		return ioctl(fd, PYHEAP_IOC_LRU_NEW, &n);
	case LRU_SET:
		return ioctl(fd, PYHEAP_IOC_LRU_SET, &op);
	case BATCH_NEW:
		ret = ioctl(fd, PYHEAP_IOC_BATCH, &b);
		/* a batch succeeds; its operations report their own errors */
		if (!ret && s->ops[b.out_executed - 1].out_result) {
			errno = -s->ops[b.out_executed - 1].out_result;
			return -1;
		}
		return ret;
	case SLOT_GET:
		return ioctl(fd, PYHEAP_IOC_SLOT_GET, &sl);
	case OBJ_NEW_FIRST:
		return new_handle(fd, 1, 0) ? 0 : -1;
	default:
		return run_more(fd, p, s);
	}
}

FIXTURE(failnth) {
	int nth;
};

FIXTURE_SETUP(failnth)
{
	if (access(PYHEAP_FAILSLAB, F_OK))
		SKIP(return, "no failslab in this kernel");
	/* page allocations too (arenas, large objects), where configured */
	ASSERT_EQ(0, fail_nth_arm());
	self->nth = open(PYHEAP_FAIL_NTH, O_WRONLY);
	ASSERT_GE(self->nth, 0);
}

FIXTURE_TEARDOWN(failnth)
{
	if (self->nth >= 0)
		close(self->nth);
}

FIXTURE_VARIANT(failnth) {
	enum path path;
	int must_fail;		/* the path surely allocates */
};

FIXTURE_VARIANT_ADD(failnth, obj_new_large) { OBJ_NEW_LARGE, 1 };
FIXTURE_VARIANT_ADD(failnth, lru_new) { LRU_NEW, 1 };
FIXTURE_VARIANT_ADD(failnth, lru_set) { LRU_SET, 1 };
FIXTURE_VARIANT_ADD(failnth, batch_new) { BATCH_NEW, 0 };
FIXTURE_VARIANT_ADD(failnth, slot_get) { SLOT_GET, 0 };
FIXTURE_VARIANT_ADD(failnth, obj_new_first) { OBJ_NEW_FIRST, 0 };
FIXTURE_VARIANT_ADD(failnth, handle_dup) { HANDLE_DUP, 0 };
FIXTURE_VARIANT_ADD(failnth, gc_refs) { GC_REFS, 1 };
FIXTURE_VARIANT_ADD(failnth, gc_garbage) { GC_GARBAGE, 1 };
FIXTURE_VARIANT_ADD(failnth, gc_collect) { GC_COLLECT, 0 };
FIXTURE_VARIANT_ADD(failnth, getsizeof_deep) { GETSIZEOF_DEEP, 0 };
FIXTURE_VARIANT_ADD(failnth, lru_claim) { LRU_CLAIM, 1 };
FIXTURE_VARIANT_ADD(failnth, lru_set_obj) { LRU_SET_OBJ, 1 };
FIXTURE_VARIANT_ADD(failnth, payload_write) { PAYLOAD_WRITE, 0 };
FIXTURE_VARIANT_ADD(failnth, lru_getv) { LRU_GETV, 1 };
FIXTURE_VARIANT_ADD(failnth, obj_newv) { OBJ_NEWV, 1 };
FIXTURE_VARIANT_ADD(failnth, handle_closev) { HANDLE_CLOSEV, 1 };
FIXTURE_VARIANT_ADD(failnth, gc_why) { GC_WHY, 1 };
FIXTURE_VARIANT_ADD(failnth, gc_garbage_groups) { GC_GARBAGE_GROUPS, 1 };

TEST_F(failnth, every_failure_changes_nothing)
{
	struct pyheap_heap_info before, after;
	struct setup s;
	int n, fd, ret, armed, err, failures = 0;
	char num[16];

	for (n = 1; n < 300; n++) {
		fd = open("/dev/pyheap", O_RDWR);
		ASSERT_GE(fd, 0);
		prepare(fd, variant->path, &s);
		before = info(fd);
		snprintf(num, sizeof(num), "%d", n);
		ASSERT_EQ((ssize_t)strlen(num), write(self->nth, num,
						      strlen(num)));
		ret = run(fd, variant->path, &s);
		err = errno;
		armed = fail_nth_armed();
		ASSERT_EQ(1, write(self->nth, "0", 1));
		if (ret) {
			failures++;
			EXPECT_EQ(ENOMEM, err) TH_LOG("n=%d", n);
			after = info(fd);
			EXPECT_EQ(before.out_objects, after.out_objects)
				TH_LOG("n=%d", n);
			EXPECT_EQ(before.out_handles, after.out_handles)
				TH_LOG("n=%d", n);
			EXPECT_EQ(before.out_bytes, after.out_bytes)
				TH_LOG("n=%d", n);
		}
		close(fd);
		if (!ret && armed)
			break;	/* the Nth allocation was never reached */
	}
	EXPECT_LT(n, 300);
	if (variant->must_fail)
		EXPECT_GE(failures, 1);
	TH_LOG("%d allocations reached, %d failed the call with ENOMEM",
	       n - 1, failures);
}

TEST_HARNESS_MAIN
