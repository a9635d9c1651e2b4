// SPDX-License-Identifier: GPL-2.0
/*
 * race_test: the races a heap's file lives through
 *
 * - close() against queued and running collections: every iteration
 *   queues a collection of a garbage ring and closes the file at once, a
 *   little later, or while another thread collects;
 * - eight threads issuing ioctls on one file while it collects, with
 *   cycles, finalizer events, an LRU map and handle traffic, then a check
 *   that the heap holds only what it should;
 * - compute-once waiters against close(): threads wait for a claimed key
 *   through their own descriptors while the claimer sets it, gives up or
 *   closes.
 *
 * PYHEAP_RACE_ITERS sets the iterations of each: 5000 by default, as make
 * test runs it in both VMs; make race runs 100000 (tools/tests/race-run).
 * KASAN, lockdep and kmemleak (UML) and the kernel log check (both VMs)
 * judge the kernel; the tests judge what user space sees, and that no heap
 * is left.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/pyheap.h>

#include "kselftest_harness.h"
#include "pyheap_utils.h"

#define RING	32

/* Each test runs a fixed number of iterations, however slow the VM. */
FIXTURE(race) {};
FIXTURE_SETUP(race) {}
FIXTURE_TEARDOWN(race) {}
#define RACE(name) TEST_F_TIMEOUT(race, name, 1200)

static long iters(void)
{
	const char *s = getenv("PYHEAP_RACE_ITERS");

	return s ? atol(s) : 5000;
}

static int heap_open(void)
{
	return open("/dev/pyheap", O_RDWR | O_CLOEXEC);
}

static int set_threshold0(int fd, __u32 t0)
{
	struct pyheap_gc_state st = { .size = sizeof(st) };

	if (ioctl(fd, PYHEAP_IOC_GC_GET, &st))
		return -1;
	st.flags = PYHEAP_GC_SET_THRESHOLD;
	st.threshold[0] = t0;
	memset(st.out_count, 0, sizeof(st.out_count));
	st.out_freeze_count = 0;
	st.out_garbage = 0;
	st.out_events = 0;
	return ioctl(fd, PYHEAP_IOC_GC_SET, &st);
}

static void op_link(struct pyheap_op *op, __u32 from, __u32 to)
{
	op_slot_set(op, from, 0, to);
}

static int batch(int fd, struct pyheap_op *ops, __u32 n)
{
	struct pyheap_batch b = {
		.size = sizeof(b), .count = n, .op_size = sizeof(*ops),
		.ops = (uintptr_t)ops, .flags = PYHEAP_BATCH_STOP_ON_ERROR,
	};

	if (ioctl(fd, PYHEAP_IOC_BATCH, &b))
		return -errno;
	return b.out_executed == n ? 0 : ops[b.out_executed - 1].out_result;
}

/*
 * A ring of @n objects that only hold each other: garbage, and (with a
 * low threshold) a collection queued for it.  @flags go to every object.
 */
static int garbage_ring(int fd, int n, __u32 flags)
{
	struct pyheap_op ops[2 * RING];
	__u32 h[RING];
	int i, err;

	for (i = 0; i < n; i++)
		op_new(&ops[i], 1, flags);
	err = batch(fd, ops, n);
	if (err)
		return err;
	for (i = 0; i < n; i++) {
		struct pyheap_obj_new c;

		memcpy(&c, ops[i].arg, sizeof(c));
		h[i] = c.out_handle;
	}
	for (i = 0; i < n; i++) {
		op_link(&ops[i], h[i], h[(i + 1) % n]);
		op_close(&ops[n + i], h[i]);
	}
	return batch(fd, ops, 2 * n);
}

/* Rows of debugfs' heaps file: heaps that still exist. */
static int live_heaps(void)
{
	FILE *f = fopen("/sys/kernel/debug/pyheap/heaps", "r");
	char line[256];
	int rows = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (line[0] == ' ')
			rows++;
	fclose(f);
	return rows;
}

/* Until closing is nonzero, collect through a dup of the shared file. */
struct collector {
	atomic_int fd;		/* -1: none yet */
	atomic_int stop;
	atomic_long collections;
};

static void *collector_main(void *arg)
{
	struct collector *c = arg;

	while (!atomic_load(&c->stop)) {
		struct pyheap_gc_collect gc = { .size = sizeof(gc) };
		int fd = atomic_exchange(&c->fd, -1);

		if (fd < 0)
			continue;
		gc.generation = 2;
		if (!ioctl(fd, PYHEAP_IOC_GC_COLLECT, &gc))
			atomic_fetch_add(&c->collections, 1);
		close(fd);
	}
	return NULL;
}

RACE(close_vs_queued_and_running_collections)
{
	struct collector c = { .fd = -1 };
	long i, n = iters();
	pthread_t t;
	int fd, spare;

	ASSERT_EQ(0, pthread_create(&t, NULL, collector_main, &c));
	for (i = 0; i < n; i++) {
		fd = heap_open();
		ASSERT_GE(fd, 0);
		/* every allocation past the first queues the heap's work */
		ASSERT_EQ(0, set_threshold0(fd, 1));
		ASSERT_EQ(0, garbage_ring(fd, 8 + i % (RING - 8), 0));
		switch (i % 4) {
		case 0:			/* the work is still queued */
			break;
		case 1:			/* the work may be running */
			usleep(i % 50);
			break;
		case 2:			/* a collection in another thread */
			spare = dup(fd);
			spare = atomic_exchange(&c.fd, spare);
			if (spare >= 0)
				close(spare);
			break;
		case 3:			/* garbage and a finalizer left over */
			ASSERT_EQ(0, garbage_ring(fd, 4,
						  PYHEAP_OBJ_FINALIZER));
			break;
		}
		close(fd);
	}
	atomic_store(&c.stop, 1);
	pthread_join(t, NULL);
	spare = atomic_exchange(&c.fd, -1);
	if (spare >= 0)
		close(spare);
	EXPECT_EQ(0, live_heaps());
	TH_LOG("%ld files closed, %ld collections raced them", n,
	       atomic_load(&c.collections));
}

/* Eight threads, one file. */
struct shared {
	int fd;
	__u32 map;
	long per_thread;
	atomic_long ops, events, failures;
};

static void *worker_main(void *arg)
{
	struct shared *sh = arg;
	unsigned int seed = (unsigned int)(uintptr_t)&seed ^ getpid();
	long i;

	for (i = 0; i < sh->per_thread; i++) {
		int r = rand_r(&seed) % 8, err = 0;
		__u64 key = rand_r(&seed) % 64;
		char val[16] = "value";
		struct pyheap_lru_op lop = {
			.size = sizeof(lop), .handle = sh->map, .key_type = 1,
			.key_len = sizeof(key), .key = (uintptr_t)&key,
		};
		struct pyheap_gc_collect gc = {
			.size = sizeof(gc), .generation = rand_r(&seed) % 3,
		};
		struct pyheap_event ev[8];
		ssize_t got;

		switch (r) {
		case 0:
		case 1:
			err = garbage_ring(sh->fd, 2 + rand_r(&seed) % 16,
					   r ? PYHEAP_OBJ_FINALIZER : 0);
			break;
		case 2:
			err = ioctl(sh->fd, PYHEAP_IOC_GC_COLLECT, &gc) ?
			      -errno : 0;
			break;
		case 3:
			lop.value = (uintptr_t)val;
			lop.value_len = sizeof(val);
			err = ioctl(sh->fd, PYHEAP_IOC_LRU_SET, &lop) ?
			      -errno : 0;
			break;
		case 4:
			lop.value = (uintptr_t)val;
			lop.value_len = sizeof(val);
			err = ioctl(sh->fd, PYHEAP_IOC_LRU_GET, &lop) ?
			      -errno : 0;
			break;
		case 5:
			err = ioctl(sh->fd, PYHEAP_IOC_LRU_DELETE, &lop) ?
			      -errno : 0;
			break;
		default:
			/* finalizer events: take them, drop their handles */
			got = read(sh->fd, ev, sizeof(ev));
			for (; got >= (ssize_t)sizeof(ev[0]);
			     got -= sizeof(ev[0])) {
				struct pyheap_handle_close c = {
					.size = sizeof(c),
					.handle = ev[got / sizeof(ev[0]) - 1]
						  .handle,
				};

				if (ioctl(sh->fd, PYHEAP_IOC_HANDLE_CLOSE, &c))
					atomic_fetch_add(&sh->failures, 1);
				atomic_fetch_add(&sh->events, 1);
			}
			break;
		}
		if (err)
			atomic_fetch_add(&sh->failures, 1);
		atomic_fetch_add(&sh->ops, 1);
	}
	return NULL;
}

RACE(eight_threads_one_file_while_collecting)
{
	struct pyheap_lru_new ln = { .size = sizeof(ln), .maxsize = 32 };
	struct pyheap_gc_collect gc = { .size = sizeof(gc), .generation = 2 };
	struct pyheap_heap_info hi = { .size = sizeof(hi) };
	struct pyheap_event ev[64];
	struct shared sh = {};
	pthread_t t[8];
	ssize_t got;
	int i, round;

	sh.fd = open("/dev/pyheap", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	ASSERT_GE(sh.fd, 0);
	ASSERT_EQ(0, set_threshold0(sh.fd, 50));
	ASSERT_EQ(0, ioctl(sh.fd, PYHEAP_IOC_LRU_NEW, &ln));
	sh.map = ln.out_handle;
	sh.per_thread = iters() / 8;
	for (i = 0; i < 8; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, worker_main, &sh));
	for (i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	EXPECT_EQ(0, atomic_load(&sh.failures));
	/* Left: the map and nothing else, once the last events are taken. */
	for (round = 0; round < 4; round++) {
		gc.out_unreachable = 0;
		ASSERT_EQ(0, ioctl(sh.fd, PYHEAP_IOC_GC_COLLECT, &gc));
		while ((got = read(sh.fd, ev, sizeof(ev))) > 0)
			for (i = 0; i < got / (ssize_t)sizeof(ev[0]); i++) {
				struct pyheap_handle_close c = {
					.size = sizeof(c),
					.handle = ev[i].handle,
				};

				EXPECT_EQ(0, ioctl(sh.fd,
						   PYHEAP_IOC_HANDLE_CLOSE,
						   &c));
			}
	}
	ASSERT_EQ(0, ioctl(sh.fd, PYHEAP_IOC_HEAP_INFO, &hi));
	EXPECT_EQ(1, hi.out_handles);
	EXPECT_EQ(1, hi.out_objects);
	close(sh.fd);
	EXPECT_EQ(0, live_heaps());
	TH_LOG("%ld ioctls from 8 threads, %ld finalizer events",
	       atomic_load(&sh.ops), atomic_load(&sh.events));
}

/* compute-once: waiters on their own descriptors of one heap */
struct waiters {
	pthread_barrier_t start, done;
	int fd[2];		/* each waiter's dup of the file */
	__u32 map;
	atomic_long hits, claims, timeouts, failures;
	atomic_int last_failure;	/* errno, or 1000 + out_hit */
	long n;
};

/* A waiter that took the claim over computes the value, and sets it. */
static int set_value(int fd, struct pyheap_lru_op *op)
{
	op->flags = 0;
	op->timeout_ms = 0;
	op->out_hit = 0;
	op->out_value_len = 0;
	op->out_value_handle = 0;
	op->value_len = 8;
	return ioctl(fd, PYHEAP_IOC_LRU_SET, op);
}

static void fail(struct waiters *w, int why)
{
	atomic_fetch_add(&w->failures, 1);
	atomic_store(&w->last_failure, why);
}

static void *waiter_main(void *arg)
{
	struct waiters *w = arg;
	static atomic_int next;
	int me = atomic_fetch_add(&next, 1) % 2;
	__u64 key = 7;
	char val[16];
	long i;

	for (i = 0; i < w->n; i++) {
		struct pyheap_lru_op op = {
			.size = sizeof(op), .flags = PYHEAP_LRU_COMPUTE,
			.key_type = 1,
			.key_len = sizeof(key), .key = (uintptr_t)&key,
			.value = (uintptr_t)val, .value_len = sizeof(val),
			.timeout_ms = 5,
		};

		pthread_barrier_wait(&w->start);
		/* this round's map: main sets it before the barrier */
		op.handle = w->map;
		if (ioctl(w->fd[me], PYHEAP_IOC_LRU_GET, &op) == 0) {
			if (op.out_hit == PYHEAP_LRU_HIT)
				atomic_fetch_add(&w->hits, 1);
			else if (op.out_hit != PYHEAP_LRU_CLAIMED)
				fail(w, 1000 + op.out_hit);
			else if (set_value(w->fd[me], &op))
				fail(w, 2000 + errno);
			else
				atomic_fetch_add(&w->claims, 1);
		} else if (errno == EAGAIN || errno == ETIMEDOUT) {
			atomic_fetch_add(&w->timeouts, 1);
		} else {
			fail(w, errno);
		}
		close(w->fd[me]);
		pthread_barrier_wait(&w->done);
	}
	return NULL;
}

RACE(compute_once_waiters_vs_close)
{
	struct waiters w = {};
	pthread_t t[2];
	long i;
	int fd;
	__u64 key = 7;
	char val[16] = "computed";

	w.n = iters();
	ASSERT_EQ(0, pthread_barrier_init(&w.start, NULL, 3));
	ASSERT_EQ(0, pthread_barrier_init(&w.done, NULL, 3));
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, waiter_main, &w));
	for (i = 0; i < w.n; i++) {
		struct pyheap_lru_new ln = { .size = sizeof(ln), .maxsize = 4 };
		struct pyheap_lru_op op = {
			.size = sizeof(op), .flags = PYHEAP_LRU_COMPUTE,
			.key_type = 1, .key_len = sizeof(key),
			.key = (uintptr_t)&key, .timeout_ms = 20,
			.value = (uintptr_t)val, .value_len = sizeof(val),
		};

		fd = heap_open();
		ASSERT_GE(fd, 0);
		ASSERT_EQ(0, ioctl(fd, PYHEAP_IOC_LRU_NEW, &ln));
		op.handle = ln.out_handle;
		w.map = ln.out_handle;
		ASSERT_EQ(0, ioctl(fd, PYHEAP_IOC_LRU_GET, &op));
		ASSERT_EQ(PYHEAP_LRU_CLAIMED, op.out_hit);
		w.fd[0] = dup(fd);
		w.fd[1] = dup(fd);
		pthread_barrier_wait(&w.start);
		if (i % 8)
			usleep(i % 200);
		op.flags = 0;
		op.timeout_ms = 0;
		op.out_hit = 0;
		/*
		 * The waiters' dups keep the file, and so the claim, until
		 * they return; a computer that just goes costs them their
		 * timeout, so it is the rare case.
		 */
		if (i % 32 != 31 && i % 2) {	/* the computer gives up */
			op.value = 0;
			op.value_len = 0;
			EXPECT_EQ(0, ioctl(fd, PYHEAP_IOC_LRU_DELETE, &op));
		} else if (i % 32 != 31) {	/* the value comes */
			EXPECT_EQ(0, ioctl(fd, PYHEAP_IOC_LRU_SET, &op));
		}
		close(fd);
		pthread_barrier_wait(&w.done);
	}
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	EXPECT_EQ(0, atomic_load(&w.failures))
		TH_LOG("last: %d", atomic_load(&w.last_failure));
	EXPECT_EQ(0, live_heaps());
	TH_LOG("%ld rounds: %ld hits, %ld claims taken over, %ld timeouts",
	       w.n, atomic_load(&w.hits), atomic_load(&w.claims),
	       atomic_load(&w.timeouts));
}

TEST_HARNESS_MAIN
