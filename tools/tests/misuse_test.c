// SPDX-License-Identifier: GPL-2.0
/*
 * misuse_test: what any user of /dev/pyheap can do wrong on purpose, and
 * what the kernel must do then.  One test per bug found by review and by
 * hand (issue 18); each failed on the code before its fix.
 *
 * Some of these bugs showed only in the kernel log (a sleep in atomic
 * context), so the tests that provoke them read /dev/kmsg from where they
 * started and fail on any report found there.
 *
 * Runs inside a VM with pyheap.ko loaded (tools/vm/vmtest), as root.
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

static long page_size;

/* A cycle of two plain objects, with no handle left on it. */
static int garbage_pair(int fd, __u32 flags)
{
	__u32 a, b;

	if (obj_new_flags(fd, 1, 0, flags, &a) || obj_new(fd, 1, 0, &b) ||
	    slot_set(fd, a, 0, b) || slot_set(fd, b, 0, a) ||
	    hclose(fd, a) || hclose(fd, b))
		return -1;
	return 0;
}

/* /dev/kmsg from now on. */
static int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

/*
 * Count the records logged since kmsg_open() that contain @what; print
 * the first few.  -1 if the log cannot be read.
 */
static int kmsg_count(int fd, const char *what, int show)
{
	char rec[2048];
	int n = 0;
	ssize_t len;

	if (fd < 0)
		return -1;
	for (;;) {
		len = read(fd, rec, sizeof(rec) - 1);
		if (len < 0 && errno == EPIPE)
			continue;	/* overwritten records: go on */
		if (len <= 0)
			break;
		rec[len] = 0;
		if (!strstr(rec, what))
			continue;
		if (n++ < show)
			fprintf(stderr, "# kmsg: %s", strchr(rec, ';') ?: rec);
	}
	return n;
}

FIXTURE(heap) {
	int fd;
	int kmsg;
};

FIXTURE_SETUP(heap)
{
	page_size = sysconf(_SC_PAGESIZE);
	self->kmsg = kmsg_open();
	ASSERT_GE(self->kmsg, 0) TH_LOG("/dev/kmsg: %s", strerror(errno));
	self->fd = open("/dev/pyheap", O_RDWR | O_CLOEXEC);
	ASSERT_GE(self->fd, 0) TH_LOG("open /dev/pyheap: %s", strerror(errno));
}

FIXTURE_TEARDOWN(heap)
{
	close(self->fd);
	close(self->kmsg);
}

/*
 * Bug 1: a deep getsizeof of a map holding 64 or more objects grew the
 * walk's queue with a sleeping allocation inside the map's spinlock.
 */
TEST_F(heap, deep_getsizeof_of_a_map_full_of_objects)
{
	struct pyheap_lru_new ln = { .size = sizeof(ln), .maxsize = 1000 };
	struct pyheap_getsizeof gs = { .size = sizeof(gs) };
	struct pyheap_lru_op op = { .size = sizeof(op) };
	__u64 key;
	__u32 o;
	int i;

	ASSERT_EQ(0, ioctl(self->fd, PYHEAP_IOC_LRU_NEW, &ln));
	for (i = 0; i < 300; i++) {
		ASSERT_EQ(0, obj_new(self->fd, 1, 0, &o));
		key = i;
		op = (struct pyheap_lru_op){
			.size = sizeof(op), .flags = PYHEAP_LRU_VALUE_OBJECT,
			.handle = ln.out_handle, .key_len = sizeof(key),
			.key = (unsigned long)&key, .value_handle = o,
		};
		ASSERT_EQ(0, ioctl(self->fd, PYHEAP_IOC_LRU_SET, &op));
		ASSERT_EQ(0, hclose(self->fd, o));
	}
	gs.handle = ln.out_handle;
	gs.flags = PYHEAP_GETSIZEOF_DEEP;
	ASSERT_EQ(0, ioctl(self->fd, PYHEAP_IOC_GETSIZEOF, &gs));
	EXPECT_EQ(301, gs.out_deep_objects);
	EXPECT_EQ(0, kmsg_count(self->kmsg, "BUG:", 3));
}

/*
 * Bug 2: a batch whose ops run into an unmapped page after some of them
 * ran returned 0 without reporting how many ran.
 */
TEST_F(heap, batch_into_an_unmapped_page_reports_what_ran)
{
	size_t per_page = page_size / sizeof(struct pyheap_op);
	struct pyheap_batch b = { .size = sizeof(b) };
	struct pyheap_obj_new *arg;
	struct pyheap_op *ops;
	char *map;
	size_t k = 3, i;

	map = mmap(NULL, 2 * page_size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, munmap(map + page_size, page_size));
	ops = (struct pyheap_op *)(map + page_size) - k;
	for (i = 0; i < k; i++) {
		ops[i].cmd = PYHEAP_CMD_OBJ_NEW;
		arg = (struct pyheap_obj_new *)ops[i].arg;
		memset(arg, 0, sizeof(ops[i].arg));
		arg->size = sizeof(*arg);
	}
	b.ops = (unsigned long)ops;
	b.count = k + per_page;		/* the rest lies in the hole */
	b.op_size = sizeof(*ops);
	ASSERT_EQ(0, ioctl(self->fd, PYHEAP_IOC_BATCH, &b));
	EXPECT_EQ(k, b.out_executed);
	EXPECT_EQ(k, info(self->fd).out_objects);
	EXPECT_EQ(k, info(self->fd).out_handles);
	for (i = 0; i < k; i++)
		EXPECT_EQ(0, ops[i].out_result);

	/* Not even the first op readable: nothing runs, EFAULT. */
	b.ops = (unsigned long)(map + page_size);
	b.count = 2;
	b.out_executed = 0;
	EXPECT_EQ(-1, ioctl(self->fd, PYHEAP_IOC_BATCH, &b));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(k, info(self->fd).out_objects);
	munmap(map, page_size);
}

/* A copy of @len bytes of @arg on a page of its own, made read-only. */
static void *read_only_copy(const void *arg, size_t len)
{
	void *p = mmap(NULL, page_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memcpy(p, arg, len);
	if (mprotect(p, page_size, PROT_READ)) {
		munmap(p, page_size);
		return NULL;
	}
	return p;
}

/*
 * Bug 3: GC_COLLECT, GC_SET and GC_FREEZE acted, then found they could
 * not answer, and failed with the heap changed.
 */
TEST_F(heap, gc_calls_on_a_read_only_argument_change_nothing)
{
	struct pyheap_gc_collect gcc = { .size = sizeof(gcc), .generation = 2 };
	struct pyheap_gc_state set = {
		.size = sizeof(set), .flags = PYHEAP_GC_SET_THRESHOLD,
		.threshold = { 5, 6, 7 },
	};
	struct pyheap_gc_freeze fr = {
		.size = sizeof(fr), .flags = PYHEAP_GC_FREEZE,
	};
	struct pyheap_gc_state before, after;
	__u32 keep;
	void *ro;

	ASSERT_EQ(0, garbage_pair(self->fd, 0));
	ASSERT_EQ(0, obj_new(self->fd, 1, 0, &keep));
	ASSERT_EQ(3, info(self->fd).out_objects);

	ro = read_only_copy(&gcc, sizeof(gcc));
	ASSERT_NE(NULL, ro);
	EXPECT_EQ(-1, ioctl(self->fd, PYHEAP_IOC_GC_COLLECT, ro));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(3, info(self->fd).out_objects);	/* nothing collected */
	munmap(ro, page_size);

	before = gc_get(self->fd);
	ro = read_only_copy(&set, sizeof(set));
	ASSERT_NE(NULL, ro);
	EXPECT_EQ(-1, ioctl(self->fd, PYHEAP_IOC_GC_SET, ro));
	EXPECT_EQ(EFAULT, errno);
	after = gc_get(self->fd);
	EXPECT_EQ(0, memcmp(&before, &after, sizeof(before)));
	munmap(ro, page_size);

	ro = read_only_copy(&fr, sizeof(fr));
	ASSERT_NE(NULL, ro);
	EXPECT_EQ(-1, ioctl(self->fd, PYHEAP_IOC_GC_FREEZE, ro));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(0, gc_get(self->fd).out_freeze_count);
	munmap(ro, page_size);

	/* Writable, all three work and answer what they did. */
	EXPECT_EQ(2, collect(self->fd));
	ASSERT_EQ(0, ioctl(self->fd, PYHEAP_IOC_GC_SET, &set));
	EXPECT_EQ(5, gc_get(self->fd).threshold[0]);
	EXPECT_EQ(7, set.threshold[2]);
	ASSERT_EQ(0, ioctl(self->fd, PYHEAP_IOC_GC_FREEZE, &fr));
	EXPECT_EQ(1, fr.out_freeze_count);
	EXPECT_EQ(1, gc_get(self->fd).out_freeze_count);
}

/*
 * Bug 5: the debug flags printed one kernel log line per object; 20,000
 * garbage objects wrote thousands of lines.
 */
TEST_F(heap, gc_debug_flags_do_not_flood_the_log)
{
	struct pyheap_gc_state set = {
		.size = sizeof(set),
		.flags = PYHEAP_GC_SET_DEBUG | PYHEAP_GC_SET_ENABLED,
		.enabled = 0,
		.debug = PYHEAP_GC_DEBUG_COLLECTABLE | PYHEAP_GC_DEBUG_STATS,
	};
	int i, lines;

	sleep(6);	/* a fresh window of the debug output's rate limit */
	lseek(self->kmsg, 0, SEEK_END);
	ASSERT_EQ(0, ioctl(self->fd, PYHEAP_IOC_GC_SET, &set));
	for (i = 0; i < 10000; i++)
		ASSERT_EQ(0, garbage_pair(self->fd, 0));
	EXPECT_EQ(20000, collect(self->fd));
	/* One summary line for the lot. */
	EXPECT_EQ(1, kmsg_count(self->kmsg, "collectable: 20000 <object>", 1));
	for (i = 0; i < 50; i++)
		collect(self->fd);
	/* Fifty more collections: the rate limit holds the log to ten. */
	lines = kmsg_count(self->kmsg, "gc: ", 0);
	EXPECT_LE(lines, 10) TH_LOG("%d gc lines in the kernel log", lines);
}

/*
 * Bug 6: when one finalizer event could not be handed back (the heap at
 * its handle limit), the collector kept everything unreachable, so an
 * unrelated plain cycle was never freed.
 */
TEST(a_stuck_finalizer_keeps_only_its_own_component)
{
	struct pyheap_gc_state off = {
		.size = sizeof(off), .flags = PYHEAP_GC_SET_ENABLED,
	};
	__u32 h[4];
	int fd, i;

	fd = open_limited("heap_max_handles", "4");
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, ioctl(fd, PYHEAP_IOC_GC_SET, &off));
	ASSERT_EQ(0, garbage_pair(fd, PYHEAP_OBJ_FINALIZER));
	ASSERT_EQ(0, garbage_pair(fd, 0));
	ASSERT_EQ(4, info(fd).out_objects);
	for (i = 0; i < 4; i++)		/* every handle taken */
		ASSERT_EQ(0, obj_new(fd, 0, 0, &h[i]));
	/* The plain pair goes; the finalizer's pair waits for a handle. */
	EXPECT_EQ(2, collect(fd));
	EXPECT_EQ(6, info(fd).out_objects);
	EXPECT_EQ(0, gc_get(fd).out_events);
	/* With a handle free, its finalizer runs: one event, pair kept. */
	ASSERT_EQ(0, hclose(fd, h[0]));
	EXPECT_EQ(0, collect(fd));
	EXPECT_EQ(1, gc_get(fd).out_events);
	EXPECT_EQ(5, info(fd).out_objects);
	close(fd);
}

/*
 * Bug 6 again, when memory runs out: every allocation the collection
 * makes fails in turn (the event, then the union-find's arrays, which
 * sends the collector to its in-place fallback), and each time the plain
 * pair goes and only the finalizer's pair waits.
 */
TEST(a_stuck_finalizer_under_every_allocation_failure)
{
	struct pyheap_gc_state off = {
		.size = sizeof(off), .flags = PYHEAP_GC_SET_ENABLED,
	};
	int fd, nth, n, i, armed;
	long long got;
	char num[16];
	__u32 h;

	if (fail_nth_arm())
		SKIP(return, "no failslab in this kernel");
	nth = open(PYHEAP_FAIL_NTH, O_WRONLY);
	ASSERT_GE(nth, 0);
	for (n = 1; n < 20; n++) {
		fd = open_limited("heap_max_handles", "4");
		ASSERT_GE(fd, 0);
		ASSERT_EQ(0, ioctl(fd, PYHEAP_IOC_GC_SET, &off));
		ASSERT_EQ(0, garbage_pair(fd, PYHEAP_OBJ_FINALIZER));
		ASSERT_EQ(0, garbage_pair(fd, 0));
		for (i = 0; i < 4; i++)
			ASSERT_EQ(0, obj_new(fd, 0, 0, &h));
		snprintf(num, sizeof(num), "%d", n);
		ASSERT_EQ((ssize_t)strlen(num), write(nth, num, strlen(num)));
		got = collect(fd);
		armed = fail_nth_armed();
		ASSERT_EQ(1, write(nth, "0", 1));
		EXPECT_EQ(2, got) TH_LOG("n=%d", n);
		EXPECT_EQ(6, info(fd).out_objects) TH_LOG("n=%d", n);
		EXPECT_EQ(0, gc_get(fd).out_events) TH_LOG("n=%d", n);
		close(fd);
		if (armed)
			break;	/* the Nth allocation was never reached */
	}
	/* the event, the union-find's parents and its bitmap: 3 at least */
	EXPECT_GE(n, 4);
	close(nth);
}

/*
 * Found in review of the fix for bug 5: counting the legacy-finalizer set
 * before the collectable objects were freed counted an object that only
 * they held, and that died with them, as uncollectable.  CPython counts
 * after delete_garbage().
 */
TEST_F(heap, a_legacy_object_freed_with_its_holders_is_not_uncollectable)
{
	struct pyheap_gc_stats st = { .size = sizeof(st) };
	__u32 a, b, l;

	ASSERT_EQ(0, obj_new(self->fd, 2, 0, &a));
	ASSERT_EQ(0, obj_new(self->fd, 1, 0, &b));
	ASSERT_EQ(0, obj_new_flags(self->fd, 0, 0,
				   PYHEAP_OBJ_LEGACY_FINALIZER, &l));
	ASSERT_EQ(0, slot_set(self->fd, a, 0, b));
	ASSERT_EQ(0, slot_set(self->fd, b, 0, a));
	ASSERT_EQ(0, slot_set(self->fd, a, 1, l));
	ASSERT_EQ(0, hclose(self->fd, a));
	ASSERT_EQ(0, hclose(self->fd, b));
	ASSERT_EQ(0, hclose(self->fd, l));
	EXPECT_EQ(2, collect(self->fd));
	ASSERT_EQ(0, ioctl(self->fd, PYHEAP_IOC_GC_STATS, &st));
	EXPECT_EQ(0, st.out_gen[2].uncollectable);
	EXPECT_EQ(0, gc_get(self->fd).out_garbage);
	EXPECT_EQ(0, info(self->fd).out_objects);
}

/* LRU_INFO of map @h, or all ones. */
static struct pyheap_lru_cache_info lru_info(int fd, __u32 h)
{
	struct pyheap_lru_cache_info c = { .size = sizeof(c), .handle = h };

	if (ioctl(fd, PYHEAP_IOC_LRU_INFO, &c))
		memset(&c, 0xff, sizeof(c));
	return c;
}

/*
 * Found by the stateful fuzzer: a compute-once GET that misses claims the
 * key by inserting a pending entry, which in a full map evicts the least
 * recent one, and only then wrote its answer.  With the argument on a
 * read-only page the claim was taken back, but the eviction stood: a
 * failed call had dropped an entry.
 */
TEST_F(heap, a_compute_claim_on_a_read_only_argument_changes_nothing)
{
	struct pyheap_lru_new ln = { .size = sizeof(ln), .maxsize = 2 };
	struct pyheap_lru_cache_info before, after;
	struct pyheap_lru_op op;
	__u64 key;
	char v = 'v';
	void *ro;
	int i;

	ASSERT_EQ(0, ioctl(self->fd, PYHEAP_IOC_LRU_NEW, &ln));
	for (i = 1; i <= 2; i++) {
		key = i;
		op = (struct pyheap_lru_op){
			.size = sizeof(op), .handle = ln.out_handle,
			.key_len = sizeof(key), .key = (unsigned long)&key,
			.value = (unsigned long)&v, .value_len = 1,
		};
		ASSERT_EQ(0, ioctl(self->fd, PYHEAP_IOC_LRU_SET, &op));
	}
	before = lru_info(self->fd, ln.out_handle);
	ASSERT_EQ(2, before.out_currsize);
	key = 3;
	op = (struct pyheap_lru_op){
		.size = sizeof(op), .flags = PYHEAP_LRU_COMPUTE,
		.handle = ln.out_handle, .key_len = sizeof(key),
		.key = (unsigned long)&key, .timeout_ms = 1000,
	};
	ro = read_only_copy(&op, sizeof(op));
	ASSERT_NE(NULL, ro);
	EXPECT_EQ(-1, ioctl(self->fd, PYHEAP_IOC_LRU_GET, ro));
	EXPECT_EQ(EFAULT, errno);
	munmap(ro, page_size);
	after = lru_info(self->fd, ln.out_handle);
	EXPECT_EQ(0, memcmp(&before, &after, sizeof(before)));
	EXPECT_EQ(2, after.out_currsize);
	EXPECT_EQ(0, after.out_evictions);
	/* Writable, the claim is made and evicts, as a miss would. */
	ASSERT_EQ(0, ioctl(self->fd, PYHEAP_IOC_LRU_GET, &op));
	EXPECT_EQ(PYHEAP_LRU_CLAIMED, op.out_hit);
	EXPECT_EQ(1, lru_info(self->fd, ln.out_handle).out_evictions);
}

/*
 * Bug 7: an argument size up to 4 GiB made the kernel scan all of it for
 * zeros; above a page it is now E2BIG at once.
 */
TEST_F(heap, argument_larger_than_a_page_is_e2big)
{
	size_t len = 1 << 20;
	struct pyheap_heap_info *c;
	char *buf;

	buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, buf);
	c = (struct pyheap_heap_info *)buf;
	c->size = len;			/* all zeros after the struct */
	EXPECT_EQ(-1, ioctl(self->fd, PYHEAP_IOC_HEAP_INFO, c));
	EXPECT_EQ(E2BIG, errno);
	c->size = 0xffffffff;
	EXPECT_EQ(-1, ioctl(self->fd, PYHEAP_IOC_HEAP_INFO, c));
	EXPECT_EQ(E2BIG, errno);
	c->size = page_size;		/* a page is still fine */
	EXPECT_EQ(0, ioctl(self->fd, PYHEAP_IOC_HEAP_INFO, c));
	munmap(buf, len);
}

/*
 * Bug 8: the owner could close the handle an unread finalizer event
 * carried; the handle was then reused, and read() named another object.
 */
TEST_F(heap, an_unread_event_handle_cannot_be_closed)
{
	struct pyheap_handle_closev cv = { .size = sizeof(cv), .count = 1 };
	struct pyheap_gc_obj_info oi = { .size = sizeof(oi) };
	struct pyheap_event ev;
	__u32 other, handle;

	ASSERT_EQ(0, garbage_pair(self->fd, PYHEAP_OBJ_FINALIZER));
	EXPECT_EQ(0, collect(self->fd));	/* finalized, resurrected */
	ASSERT_EQ(1, gc_get(self->fd).out_events);
	/* The event's handle is the one handle open; find it. */
	ASSERT_EQ(1, info(self->fd).out_handles);
	for (handle = 1; handle < 16; handle++) {
		oi.handle = handle;
		if (!ioctl(self->fd, PYHEAP_IOC_GC_OBJ_INFO, &oi))
			break;
	}
	ASSERT_LT(handle, 16);
	EXPECT_EQ(-1, hclose(self->fd, handle));
	EXPECT_EQ(EBUSY, errno);
	cv.handles = (unsigned long)&handle;
	EXPECT_EQ(-1, ioctl(self->fd, PYHEAP_IOC_HANDLE_CLOSEV, &cv));
	EXPECT_EQ(EBUSY, errno);
	EXPECT_EQ(1, info(self->fd).out_handles);

	ASSERT_EQ(0, obj_new(self->fd, 0, 0, &other));
	EXPECT_NE(handle, other);
	ASSERT_EQ(sizeof(ev), read(self->fd, &ev, sizeof(ev)));
	EXPECT_EQ(handle, ev.handle);
	oi.handle = ev.handle;
	ASSERT_EQ(0, ioctl(self->fd, PYHEAP_IOC_GC_OBJ_INFO, &oi));
	EXPECT_EQ(1, oi.out_finalized);
	/* Read, it is an ordinary handle again. */
	EXPECT_EQ(0, hclose(self->fd, ev.handle));
}

/*
 * A call that opens several handles for its answer and then fails must
 * give them back so that the next calls get the handles they would have
 * got: GC_REFS closed them oldest first, which reversed the order of the
 * free handles.  The dispatcher now closes them newest first.
 */
TEST_F(heap, a_failed_answer_gives_its_handles_back_in_order)
{
	__u32 a, b, c, d, e, h1, h2, hs[2];
	struct pyheap_gc_refs r = {
		.size = sizeof(r), .flags = PYHEAP_GC_REFERENTS, .max = 2,
	};
	void *ro;

	ASSERT_EQ(0, obj_new(self->fd, 2, 0, &a));
	ASSERT_EQ(0, obj_new(self->fd, 0, 0, &b));
	ASSERT_EQ(0, obj_new(self->fd, 0, 0, &c));
	ASSERT_EQ(0, slot_set(self->fd, a, 0, b));
	ASSERT_EQ(0, slot_set(self->fd, a, 1, c));
	/* two free handles, d on top: the next two opens get d, then e */
	ASSERT_EQ(0, obj_new(self->fd, 0, 0, &d));
	ASSERT_EQ(0, obj_new(self->fd, 0, 0, &e));
	ASSERT_EQ(0, hclose(self->fd, e));
	ASSERT_EQ(0, hclose(self->fd, d));

	ro = read_only_copy(hs, sizeof(hs));
	ASSERT_NE(NULL, ro);
	r.handle = a;
	r.handles = (unsigned long)ro;
	EXPECT_EQ(-1, ioctl(self->fd, PYHEAP_IOC_GC_REFS, &r));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(3, info(self->fd).out_handles);
	munmap(ro, page_size);

	ASSERT_EQ(0, obj_new(self->fd, 0, 0, &h1));
	ASSERT_EQ(0, obj_new(self->fd, 0, 0, &h2));
	EXPECT_EQ(d, h1);
	EXPECT_EQ(e, h2);
}

/* The GC_OBJECTS argument for generation @gen (-1: all), room @max. */
static struct pyheap_gc_objects gc_objects_arg(int gen, __u32 max, void *hs,
					       __u64 offset)
{
	return (struct pyheap_gc_objects){
		.size = sizeof(struct pyheap_gc_objects), .max = max,
		.offset = offset, .handles = (unsigned long)hs,
		.flags = gen < 0 ? 0 : PYHEAP_GC_OBJECTS_GENERATION,
		.generation = gen < 0 ? 0 : gen,
	};
}

static int gc_objects(int fd, int gen, __u32 max, void *hs, __u64 offset,
		      struct pyheap_gc_objects *out)
{
	*out = gc_objects_arg(gen, max, hs, offset);
	return ioctl(fd, PYHEAP_IOC_GC_OBJECTS, out);
}

static long long collect_gen(int fd, __u32 gen)
{
	struct pyheap_gc_collect c = { .size = sizeof(c), .generation = gen };

	return ioctl(fd, PYHEAP_IOC_GC_COLLECT, &c) ? -errno :
	       (long long)c.out_unreachable;
}

/*
 * GC_OBJECTS (ABI 1.7) refuses every malformed argument with EINVAL and
 * opens no handle for it: unknown flags, a generation without the flag
 * or past the last, room above the cap, room without a buffer or a
 * buffer without room, out_* or __reserved set, a short size.
 */
TEST_F(heap, gc_objects_rejects_bad_arguments)
{
	struct pyheap_gc_objects c, bad[10];
	__u32 hs[4], a;
	int i;

	ASSERT_EQ(0, obj_new(self->fd, 1, 0, &a));
	ASSERT_EQ(0, gc_objects(self->fd, 0, 4, hs, 0, &c));
	ASSERT_EQ(1, c.out_count);
	ASSERT_EQ(0, hclose(self->fd, hs[0]));
	for (i = 0; i < 10; i++)
		bad[i] = gc_objects_arg(0, 4, hs, 0);
	bad[0].flags = 1U << 1;
	bad[1].flags = 1U << 31;
	bad[2].flags = 0;		/* all generations: no generation */
	bad[2].generation = 1;
	bad[3].generation = PYHEAP_GC_NR_GENS;
	bad[4].max = PYHEAP_GC_REFS_MAX + 1;
	bad[5].handles = 0;
	bad[6].max = 0;
	bad[7].out_total = 1;
	bad[8].out_count = 1;
	bad[9].__reserved = 1;
	for (i = 0; i < 10; i++) {
		EXPECT_EQ(-1, ioctl(self->fd, PYHEAP_IOC_GC_OBJECTS, &bad[i]))
			TH_LOG("case %d", i);
		EXPECT_EQ(EINVAL, errno) TH_LOG("case %d", i);
	}
	c = gc_objects_arg(0, 4, hs, 0);
	c.size = PYHEAP_GC_OBJECTS_SIZE_VER0 - 4;
	EXPECT_EQ(-1, ioctl(self->fd, PYHEAP_IOC_GC_OBJECTS, &c));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(1, info(self->fd).out_handles);
}

/* Handles that cannot be written are given back: no handle stays open. */
TEST_F(heap, gc_objects_into_read_only_memory_changes_nothing)
{
	struct pyheap_gc_objects c;
	__u32 a, b, hn;
	void *ro;

	ASSERT_EQ(0, obj_new(self->fd, 1, 0, &a));
	ASSERT_EQ(0, obj_new(self->fd, 1, 0, &b));
	ro = mmap(NULL, page_size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
		  -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	EXPECT_EQ(-1, gc_objects(self->fd, -1, 2, ro, 0, &c));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(2, info(self->fd).out_handles);
	munmap(ro, page_size);
	/* the handles the failed call opened are the next ones given out */
	ASSERT_EQ(0, obj_new(self->fd, 0, 0, &hn));
	EXPECT_EQ(3, hn);
}

/*
 * What GC_OBJECTS lists: tracked objects only, generation 0 first, page
 * by page from an offset; past the end nothing; room 0 the total only;
 * and in a batch as alone.
 */
TEST_F(heap, gc_objects_pages_through_the_generations)
{
	struct pyheap_gc_objects c;
	struct pyheap_op op = { .cmd = PYHEAP_CMD_GC_OBJECTS };
	struct pyheap_batch b = {
		.size = sizeof(b), .count = 1, .op_size = sizeof(op),
		.ops = (unsigned long)&op,
	};
	__u32 hs[8], o[5], leaf;
	int i;

	for (i = 0; i < 5; i++)
		ASSERT_EQ(0, obj_new(self->fd, 1, 0, &o[i]));
	ASSERT_EQ(0, obj_new(self->fd, 0, 16, &leaf));
	EXPECT_EQ(0, collect_gen(self->fd, 0));
	ASSERT_EQ(0, hclose(self->fd, o[0]));	/* gen 1: 4 objects */
	ASSERT_EQ(0, obj_new(self->fd, 1, 0, &o[0]));	/* gen 0: 1 */
	ASSERT_EQ(0, gc_objects(self->fd, -1, 0, NULL, 0, &c));
	EXPECT_EQ(5, c.out_total);
	EXPECT_EQ(0, c.out_count);
	ASSERT_EQ(0, gc_objects(self->fd, 1, 0, NULL, 0, &c));
	EXPECT_EQ(4, c.out_total);
	ASSERT_EQ(0, gc_objects(self->fd, 2, 8, hs, 0, &c));
	EXPECT_EQ(0, c.out_count);
	/* all: the new object first, then generation 1, two at a time */
	ASSERT_EQ(0, gc_objects(self->fd, -1, 2, hs, 0, &c));
	EXPECT_EQ(2, c.out_count);
	EXPECT_EQ(5, c.out_total);
	ASSERT_EQ(0, gc_objects(self->fd, -1, 2, hs + 2, 2, &c));
	ASSERT_EQ(0, gc_objects(self->fd, -1, 2, hs + 4, 4, &c));
	EXPECT_EQ(1, c.out_count);
	ASSERT_EQ(0, gc_objects(self->fd, -1, 2, hs + 6, 5, &c));
	EXPECT_EQ(0, c.out_count);
	EXPECT_EQ(6 + 5, info(self->fd).out_handles);
	for (i = 0; i < 5; i++) {
		struct pyheap_gc_obj_info oi = {
			.size = sizeof(oi), .handle = hs[i],
		};

		ASSERT_EQ(0, ioctl(self->fd, PYHEAP_IOC_GC_OBJ_INFO, &oi));
		EXPECT_EQ(i ? 1 : 0, oi.out_generation) TH_LOG("entry %d", i);
		EXPECT_EQ(1, oi.out_tracked);
		ASSERT_EQ(0, hclose(self->fd, hs[i]));
	}
	/* the same in a batch */
	c = gc_objects_arg(1, 8, hs, 1);
	memcpy(op.arg, &c, sizeof(c));
	ASSERT_EQ(0, ioctl(self->fd, PYHEAP_IOC_BATCH, &b));
	EXPECT_EQ(1, b.out_executed);
	EXPECT_EQ(0, op.out_result);
	memcpy(&c, op.arg, sizeof(c));
	EXPECT_EQ(3, c.out_count);
	EXPECT_EQ(4, c.out_total);
}

/*
 * GC_COLLECT (ABI 1.7) splits what it found as the gc.callbacks info
 * does: collected and uncollectable.  A caller of ABI 1.5 gets the sum
 * alone and nothing past its struct.  The split's members are written
 * whatever they held, so that a struct reused with only out_unreachable
 * cleared (as race_test does) still works.
 */
TEST_F(heap, gc_collect_splits_collected_from_uncollectable)
{
	struct pyheap_gc_collect c = { .size = sizeof(c), .generation = 2 };
	__u8 old[PYHEAP_GC_COLLECT_SIZE_VER1];
	int i;

	ASSERT_EQ(0, garbage_pair(self->fd, PYHEAP_OBJ_LEGACY_FINALIZER));
	ASSERT_EQ(0, garbage_pair(self->fd, 0));
	ASSERT_EQ(0, garbage_pair(self->fd, 0));
	ASSERT_EQ(0, ioctl(self->fd, PYHEAP_IOC_GC_COLLECT, &c));
	EXPECT_EQ(6, c.out_unreachable);
	EXPECT_EQ(4, c.out_collected);
	EXPECT_EQ(2, c.out_uncollectable);
	/* collect(0) finds nothing new: the garbage list holds the pair */
	c = (struct pyheap_gc_collect){ .size = sizeof(c) };
	ASSERT_EQ(0, ioctl(self->fd, PYHEAP_IOC_GC_COLLECT, &c));
	EXPECT_EQ(0, c.out_unreachable);
	EXPECT_EQ(0, c.out_uncollectable);
	/* an ABI 1.5 caller */
	memset(old, 0xa5, sizeof(old));
	c = (struct pyheap_gc_collect){
		.size = PYHEAP_GC_COLLECT_SIZE_VER0, .generation = 2,
	};
	memcpy(old, &c, PYHEAP_GC_COLLECT_SIZE_VER0);
	ASSERT_EQ(0, garbage_pair(self->fd, 0));
	ASSERT_EQ(0, ioctl(self->fd, PYHEAP_IOC_GC_COLLECT, old));
	memcpy(&c, old, PYHEAP_GC_COLLECT_SIZE_VER0);
	EXPECT_EQ(2, c.out_unreachable);
	for (i = PYHEAP_GC_COLLECT_SIZE_VER0; i < (int)sizeof(old); i++)
		EXPECT_EQ(0xa5, old[i]) TH_LOG("byte %d", i);
	/* what the split's members held on the way in is overwritten */
	c = (struct pyheap_gc_collect){
		.size = sizeof(c), .generation = 2, .out_collected = 7,
		.out_uncollectable = 9,
	};
	ASSERT_EQ(0, ioctl(self->fd, PYHEAP_IOC_GC_COLLECT, &c));
	EXPECT_EQ(0, c.out_collected);
	EXPECT_EQ(0, c.out_uncollectable);
}

static long long collect_flags(int fd, __u32 flags, __u32 gen)
{
	struct pyheap_gc_collect c = {
		.size = sizeof(c), .flags = flags, .generation = gen,
	};

	return ioctl(fd, PYHEAP_IOC_GC_COLLECT, &c) ? -errno :
	       (long long)c.out_unreachable;
}

/*
 * GC_COLLECT_HANDED (ABI 1.10) decides again only what a collection
 * handed to finalizer events and kept alive for them: a cycle that
 * became garbage after the collection waits for the next one, as in
 * CPython, where the second collection of ABI 1.9 freed it too.  Unknown
 * flags fail with EINVAL and collect nothing.
 */
TEST_F(heap, gc_collect_handed_decides_only_what_was_handed)
{
	struct pyheap_event ev;

	ASSERT_EQ(0, garbage_pair(self->fd, PYHEAP_OBJ_FINALIZER));
	ASSERT_EQ(0, garbage_pair(self->fd, 0));
	/* the plain pair goes; the finalizer's pair is handed out */
	ASSERT_EQ(2, collect_gen(self->fd, 2));
	EXPECT_EQ(2, info(self->fd).out_objects);
	ASSERT_EQ(sizeof(ev), read(self->fd, &ev, sizeof(ev)));
	ASSERT_EQ(0, hclose(self->fd, ev.handle));
	/* garbage made after the collection, as a finalizer may make it */
	ASSERT_EQ(0, garbage_pair(self->fd, 0));
	EXPECT_EQ(-EINVAL, collect_flags(self->fd, 1U << 1, 2));
	EXPECT_EQ(-EINVAL, collect_flags(self->fd, 1U << 31, 2));
	EXPECT_EQ(-EINVAL, collect_flags(self->fd, PYHEAP_GC_COLLECT_HANDED,
					 3));
	EXPECT_EQ(4, info(self->fd).out_objects);
	EXPECT_EQ(2, collect_flags(self->fd, PYHEAP_GC_COLLECT_HANDED, 2));
	EXPECT_EQ(2, info(self->fd).out_objects);
	EXPECT_EQ(0, collect_flags(self->fd, PYHEAP_GC_COLLECT_HANDED, 2));
	EXPECT_EQ(2, collect_gen(self->fd, 2));
	EXPECT_EQ(0, info(self->fd).out_objects);
}

TEST_HARNESS_MAIN
