// SPDX-License-Identifier: GPL-2.0
/*
 * ubench: the user-space side of pyheap's benchmarks.  Each mode times one
 * operation N times after a warm-up and prints "<ns per op>" on stdout;
 * tools/bench/run interleaves it with the same measurement of the peer.
 *
 *   ubench noop N            ioctl(PYHEAP_IOC_VERSION)
 *   ubench getppid N         the peer of noop: getppid()
 *   ubench vfs_floor N       ioctl(FIONCLEX) on the same file, which the
 *                            VFS answers before any driver: the least an
 *                            ioctl can cost, the floor under noop
 *   ubench alloc K N         create and close K objects per pair of batches
 *   ubench allocv K N        the same with one OBJ_NEWV and one HANDLE_CLOSEV
 *   ubench lru_hit E N       GET hits in batches of 64, on a map of E keys
 *   ubench lru_getv E N      the same hits, 64 keys to one LRU_GETV
 *   ubench scale T N         T threads, each on its own heap, creating and
 *                            closing objects in batches of 64: wall time
 *                            per object over all threads
 *   ubench gc GRAPH N        the collector, driven by tools/bench/bench.py
 *                            through stdin and stdout: builds GRAPH (random,
 *                            chain, 2cycles or young, see gc_build()) of N
 *                            objects through the ioctls, prints "ready",
 *                            then for each "run" line on stdin makes one
 *                            collection and prints "<wall ns> <ns>": the
 *                            GC_COLLECT ioctl as timed from here, and the
 *                            collection as the collector timed itself
 *                            (GC_STATS), heap->lock held throughout
 *                            (with gc_slice_us set: the holds summed);
 *                            a "pause" line prints the longest hold of
 *                            the heap lock by a full collection so far
 *   ubench gc_steady N C W   the garbage bound: a random graph of N live
 *                            objects, automatic collection on, then C
 *                            cycles of two objects made at a steady rate,
 *                            each kept alive (by a handle) until W newer
 *                            ones were made, then dropped; prints "<most
 *                            unreachable objects seen> <full collections>
 *                            <longest hold of the heap lock, ns>"
 *
 * The gc graphs are made from the same numbers as bench.py's CPython
 * peers (gc_lcg()), so that both sides collect the same graph.
 *
 * Build: gcc -O2 -pthread -I../../include/uapi ubench.c -o ubench
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/pyheap.h>

static __thread int fd;

static void fatal(const char *what)
{
	fprintf(stderr, "ubench: %s: %s\n", what, strerror(errno));
	exit(EXIT_FAILURE);
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void batch(struct pyheap_op *ops, unsigned int n)
{
	struct pyheap_batch b = {
		.size = sizeof(b), .count = n, .op_size = sizeof(*ops),
		.ops = (uintptr_t)ops,
	};

	if (ioctl(fd, PYHEAP_IOC_BATCH, &b) || b.out_executed != n)
		fatal("batch");
}

static double bench_noop(long n)
{
	struct pyheap_version v = { .size = sizeof(v) };
	double t;
	long i;

	for (i = 0; i < n / 10; i++)
		ioctl(fd, PYHEAP_IOC_VERSION, &v);
	t = now_ns();
	for (i = 0; i < n; i++)
		if (ioctl(fd, PYHEAP_IOC_VERSION, &v))
			fatal("version");
	return (now_ns() - t) / n;
}

static double bench_getppid(long n)
{
	long i, sum = 0;
	double t;

	for (i = 0; i < n / 10; i++)
		sum += getppid();
	t = now_ns();
	for (i = 0; i < n; i++)
		sum += getppid();
	t = (now_ns() - t) / n;
	return sum ? t : t + 0.0;	/* sum is used: the calls stay */
}

static double bench_vfs_floor(long n)
{
	double t;
	long i;

	for (i = 0; i < n / 10; i++)
		ioctl(fd, FIONCLEX);
	t = now_ns();
	for (i = 0; i < n; i++)
		if (ioctl(fd, FIONCLEX))
			fatal("FIONCLEX");
	return (now_ns() - t) / n;
}

/* K creations in one batch, K closes in the next: per object pair. */
static double bench_alloc(unsigned int k, long n)
{
	struct pyheap_op *news = calloc(k, sizeof(*news));
	struct pyheap_op *closes = calloc(k, sizeof(*closes));
	struct pyheap_obj_new c = { .size = sizeof(c) };
	struct pyheap_handle_close hc = { .size = sizeof(hc) };
	long rounds = n / k, r;
	unsigned int i;
	double t = 0;

	if (!news || !closes)
		fatal("calloc");
	for (i = 0; i < k; i++) {
		news[i].cmd = PYHEAP_CMD_OBJ_NEW;
		memcpy(news[i].arg, &c, sizeof(c));
		closes[i].cmd = PYHEAP_CMD_HANDLE_CLOSE;
	}
	for (r = -rounds / 10 - 1; r < rounds; r++) {
		double t0 = now_ns();

		batch(news, k);
		for (i = 0; i < k; i++) {
			struct pyheap_obj_new out;

			memcpy(&out, news[i].arg, sizeof(out));
			hc.handle = out.out_handle;
			memcpy(closes[i].arg, &hc, sizeof(hc));
			memcpy(news[i].arg, &c, sizeof(c));
		}
		batch(closes, k);
		if (r >= 0)
			t += now_ns() - t0;
	}
	free(news);
	free(closes);
	return t / (rounds * k);
}

/* K creations in one OBJ_NEWV, K closes in one HANDLE_CLOSEV: per pair. */
static double bench_allocv(unsigned int k, long n)
{
	uint32_t *handles = calloc(k, sizeof(*handles));
	struct pyheap_obj_newv c = {
		.size = sizeof(c), .count = k, .handles = (uintptr_t)handles,
	};
	struct pyheap_handle_closev hc = {
		.size = sizeof(hc), .count = k, .handles = (uintptr_t)handles,
	};
	long rounds = n / k, r;
	double t = 0;

	if (!handles)
		fatal("calloc");
	for (r = -rounds / 10 - 1; r < rounds; r++) {
		double t0 = now_ns();

		if (ioctl(fd, PYHEAP_IOC_OBJ_NEWV, &c))
			fatal("obj_newv");
		if (ioctl(fd, PYHEAP_IOC_HANDLE_CLOSEV, &hc))
			fatal("handle_closev");
		if (r >= 0)
			t += now_ns() - t0;
	}
	free(handles);
	return t / (rounds * k);
}

static uint32_t lru_new(long maxsize)
{
	struct pyheap_lru_new c = { .size = sizeof(c), .maxsize = maxsize };

	if (ioctl(fd, PYHEAP_IOC_LRU_NEW, &c))
		fatal("lru_new");
	return c.out_handle;
}

static void lru_op_fill(struct pyheap_op *op, unsigned int cmd, uint32_t map,
			uint64_t *key, char *value, uint32_t vlen)
{
	struct pyheap_lru_op c = {
		.size = sizeof(c), .handle = map, .key_len = sizeof(*key),
		.key = (uintptr_t)key, .value = (uintptr_t)value,
		.value_len = vlen,
	};

	memset(op, 0, sizeof(*op));
	op->cmd = cmd;
	memcpy(op->arg, &c, sizeof(c));
}

/* A map of @entries keys 0..entries-1 (in *@keys), 16-byte values. */
static uint32_t lru_map_of(long entries, uint64_t **keys)
{
	static char value[16] = "v";
	uint32_t map = lru_new(entries);
	struct pyheap_op ops[64];
	long i, j;

	*keys = calloc(entries, sizeof(**keys));
	if (!*keys)
		fatal("calloc");
	for (i = 0; i < entries; i += 64) {
		for (j = 0; j < 64 && i + j < entries; j++) {
			(*keys)[i + j] = i + j;
			lru_op_fill(&ops[j], PYHEAP_CMD_LRU_SET, map,
				    &(*keys)[i + j], value, sizeof(value));
		}
		batch(ops, j);
	}
	return map;
}

/* Hits in batches of 64 on a map of @entries keys, per GET. */
static double bench_lru_hit(long entries, long n)
{
	uint64_t *keys;
	uint32_t map = lru_map_of(entries, &keys);
	struct pyheap_op ops[64];
	static char room[64][16];
	long j, r, rounds = n / 64;
	unsigned long step = 0;
	double t;

	t = 0;
	for (r = -rounds / 10 - 1; r < rounds; r++) {
		double t0;

		for (j = 0; j < 64; j++, step++)
			lru_op_fill(&ops[j], PYHEAP_CMD_LRU_GET, map,
				    &keys[(step * 7919) % entries],
				    room[j], sizeof(room[j]));
		t0 = now_ns();
		batch(ops, 64);
		if (r >= 0)
			t += now_ns() - t0;
	}
	free(keys);
	return t / (rounds * 64);
}

/* The same hits, 64 keys to one LRU_GETV, per GET. */
static double bench_lru_getv(long entries, long n)
{
	uint64_t *keys;
	uint32_t map = lru_map_of(entries, &keys);
	struct pyheap_lru_result res[64];
	static char room[64][16];
	uint64_t want[64];
	long j, r, rounds = n / 64;
	unsigned long step = 0;
	struct pyheap_lru_getv g = {
		.size = sizeof(g), .handle = map, .count = 64,
		.key_len = sizeof(uint64_t), .value_len = sizeof(room[0]),
		.keys = (uintptr_t)want, .values = (uintptr_t)room,
		.results = (uintptr_t)res,
	};
	double t;

	t = 0;
	for (r = -rounds / 10 - 1; r < rounds; r++) {
		double t0;

		for (j = 0; j < 64; j++, step++)
			want[j] = keys[(step * 7919) % entries];
		g.out_hits = 0;
		t0 = now_ns();
		if (ioctl(fd, PYHEAP_IOC_LRU_GETV, &g) || g.out_hits != 64)
			fatal("lru_getv");
		if (r >= 0)
			t += now_ns() - t0;
	}
	free(keys);
	return t / (rounds * 64);
}

struct scale_arg {
	long n;
};

static void *scale_thread(void *p)
{
	struct scale_arg *a = p;

	fd = open("/dev/pyheap", O_RDWR);	/* a heap of its own */
	if (fd < 0)
		fatal("open /dev/pyheap");
	bench_alloc(64, a->n);
	close(fd);
	return NULL;
}

/* Wall time per object with @threads heaps working at once. */
static double bench_scale(int threads, long n)
{
	struct scale_arg a = { .n = n };
	pthread_t tid[16];
	double t;
	int i;

	if (threads < 1 || threads > 16)
		exit(2);
	t = now_ns();
	for (i = 0; i < threads; i++)
		if (pthread_create(&tid[i], NULL, scale_thread, &a))
			fatal("pthread_create");
	for (i = 0; i < threads; i++)
		pthread_join(tid[i], NULL);
	return (now_ns() - t) / ((double)n * threads);
}

/*
 * The collector's cases.  Graphs are built untimed, with OBJ_NEWV and
 * BATCHes of SLOT_SET, and each round times one GC_COLLECT, so that what
 * is measured is the collection and not UML's slow system calls.
 */

/* Knuth's MMIX LCG; bench.py draws the same numbers. */
static uint64_t gc_seed = 12345;

static uint32_t gc_lcg(uint32_t n)
{
	gc_seed = gc_seed * 6364136223846793005ULL + 1442695040888963407ULL;
	return (gc_seed >> 33) % n;
}

/* SLOT_SETs queue here and go in BATCHes of PYHEAP_BATCH_MAX. */
static struct pyheap_op gc_ops[PYHEAP_BATCH_MAX];
static unsigned int gc_nops;

static void gc_flush(void)
{
	unsigned int i;

	if (!gc_nops)
		return;
	batch(gc_ops, gc_nops);
	for (i = 0; i < gc_nops; i++)
		if (gc_ops[i].out_result)
			fatal("slot_set");
	gc_nops = 0;
}

static void gc_slot_set(uint32_t obj, uint32_t index, uint32_t target)
{
	struct pyheap_slot c = {
		.size = sizeof(c), .handle = obj, .index = index,
		.target = target,
	};
	struct pyheap_op *op = &gc_ops[gc_nops++];

	memset(op, 0, sizeof(*op));
	op->cmd = PYHEAP_CMD_SLOT_SET;
	memcpy(op->arg, &c, sizeof(c));
	if (gc_nops == PYHEAP_BATCH_MAX)
		gc_flush();
}

/* @n objects of @nslots empty slots, their handles in @h. */
static void gc_newv(uint32_t nslots, uint32_t *h, uint32_t n)
{
	struct pyheap_obj_newv c = { .size = sizeof(c), .nslots = nslots };
	uint32_t i;

	for (i = 0; i < n; i += c.count) {
		c.count = n - i < PYHEAP_VEC_MAX ? n - i : PYHEAP_VEC_MAX;
		c.handles = (uintptr_t)&h[i];
		if (ioctl(fd, PYHEAP_IOC_OBJ_NEWV, &c))
			fatal("obj_newv");
	}
}

static void gc_closev(uint32_t *h, uint32_t n)
{
	struct pyheap_handle_closev c = { .size = sizeof(c) };
	uint32_t i;

	for (i = 0; i < n; i += c.count) {
		c.count = n - i < PYHEAP_VEC_MAX ? n - i : PYHEAP_VEC_MAX;
		c.handles = (uintptr_t)&h[i];
		if (ioctl(fd, PYHEAP_IOC_HANDLE_CLOSEV, &c))
			fatal("handle_closev");
	}
}

/* The collector's own time for @gen so far, and its skipped collections. */
static uint64_t gc_duration(uint32_t gen, uint64_t *skipped)
{
	struct pyheap_gc_stats st = { .size = sizeof(st) };

	if (ioctl(fd, PYHEAP_IOC_GC_STATS, &st))
		fatal("gc_stats");
	*skipped = st.out_skipped[gen];
	return st.out_gen[gen].duration_ns;
}

static struct pyheap_gc_gen_stats gc_stats(uint32_t gen)
{
	struct pyheap_gc_stats st = { .size = sizeof(st) };

	if (ioctl(fd, PYHEAP_IOC_GC_STATS, &st))
		fatal("gc_stats");
	return st.out_gen[gen];
}

/*
 * Take and drop a reference to the object of handle @h: nothing becomes
 * unreachable, but the heap has changed, so the next collection scans
 * instead of answering from the last one (see "Skipping a scan" in
 * Documentation/pyheap/gc.rst).  A benchmark of the same graph round
 * after round would otherwise time the skip.
 */
static void gc_touch(uint32_t h)
{
	struct pyheap_handle_dup d = { .size = sizeof(d), .handle = h };
	struct pyheap_handle_close c = { .size = sizeof(c) };

	if (ioctl(fd, PYHEAP_IOC_HANDLE_DUP, &d))
		fatal("handle_dup");
	c.handle = d.out_handle;
	if (ioctl(fd, PYHEAP_IOC_HANDLE_CLOSE, &c))
		fatal("handle_close");
}

/*
 * One collection of @gen: its wall time here, its own time in *@ns.  A
 * collection the kernel skipped would time nothing: refuse it.
 */
static double gc_collect(uint32_t gen, uint64_t want, double *ns)
{
	struct pyheap_gc_collect c = { .size = sizeof(c), .generation = gen };
	uint64_t skipped, skipped_after;
	uint64_t before = gc_duration(gen, &skipped);
	double t = now_ns();

	if (ioctl(fd, PYHEAP_IOC_GC_COLLECT, &c))
		fatal("gc_collect");
	t = now_ns() - t;
	*ns = gc_duration(gen, &skipped_after) - before;
	if (skipped_after != skipped) {
		fprintf(stderr, "ubench: gc: the collection was skipped\n");
		exit(EXIT_FAILURE);
	}
	if (c.out_unreachable != want) {
		fprintf(stderr, "ubench: gc: %llu unreachable, %llu expected\n",
			(unsigned long long)c.out_unreachable,
			(unsigned long long)want);
		exit(EXIT_FAILURE);
	}
	return t;
}

/*
 * The graphs, as bench.py builds them in CPython:
 *
 *   random   N objects of 4 slots: slot 0 chains each to the next, slots
 *            1-3 hold random objects (3N random edges); one root
 *   chain    N objects of 1 slot, each holding the next; one root
 *   2cycles  each round, N objects of 1 slot in N/2 pairs that hold each
 *            other, and no handle left: all garbage
 *   young    the random graph with every handle kept, collected once so
 *            that it is the oldest generation; each round, 5 times: add
 *            700 objects of 4 slots (a chain, each also holding 3 random
 *            old objects, the first one kept) and collect generation 0.
 *            The round's figure is the fastest of the 5: a collection of
 *            700 objects takes less than one preemption of a busy host.
 */
enum { GC_RANDOM, GC_CHAIN, GC_2CYCLES, GC_YOUNG };

#define GC_YOUNG_NEW	700
#define GC_YOUNG_TRIES	5

static uint32_t *gc_build(int graph, uint32_t n)
{
	uint32_t nslots = graph == GC_RANDOM || graph == GC_YOUNG ? 4 : 1;
	uint32_t *h = calloc(n, sizeof(*h));
	uint32_t i, k;

	if (!h)
		fatal("calloc");
	gc_newv(nslots, h, n);
	if (graph == GC_2CYCLES) {
		for (i = 0; i + 1 < n; i += 2) {
			gc_slot_set(h[i], 0, h[i + 1]);
			gc_slot_set(h[i + 1], 0, h[i]);
		}
		gc_flush();
		gc_closev(h, n);
		return h;
	}
	for (i = 0; i + 1 < n; i++)
		gc_slot_set(h[i], 0, h[i + 1]);
	if (nslots == 4)
		for (i = 0; i < n; i++)
			for (k = 1; k < 4; k++)
				gc_slot_set(h[i], k, h[gc_lcg(n)]);
	gc_flush();
	if (graph != GC_YOUNG)
		gc_closev(&h[1], n - 1);	/* h[0] is the root */
	return h;
}

/* The young objects of one round, held by their first one. */
static void gc_add_young(const uint32_t *old, uint32_t n)
{
	uint32_t h[GC_YOUNG_NEW], i, k;

	gc_newv(4, h, GC_YOUNG_NEW);
	for (i = 0; i < GC_YOUNG_NEW; i++) {
		if (i + 1 < GC_YOUNG_NEW)
			gc_slot_set(h[i], 0, h[i + 1]);
		for (k = 1; k < 4; k++)
			gc_slot_set(h[i], k, old[gc_lcg(n)]);
	}
	gc_flush();
	gc_closev(&h[1], GC_YOUNG_NEW - 1);
}

/* The fastest of GC_YOUNG_TRIES collections of new young objects. */
static double gc_young(const uint32_t *old, uint32_t n, double *ns)
{
	double wall = 1e30, t, kns;
	int i;

	*ns = 1e30;
	for (i = 0; i < GC_YOUNG_TRIES; i++) {
		gc_add_young(old, n);
		t = gc_collect(0, 0, &kns);
		wall = t < wall ? t : wall;
		*ns = kns < *ns ? kns : *ns;
	}
	return wall;
}

static int gc_serve(const char *name, uint32_t n)
{
	static const char * const graphs[] = {
		[GC_RANDOM] = "random", [GC_CHAIN] = "chain",
		[GC_2CYCLES] = "2cycles", [GC_YOUNG] = "young",
	};
	struct pyheap_gc_state off = {
		.size = sizeof(off), .flags = PYHEAP_GC_SET_ENABLED,
	};
	int graph = -1, i;
	char line[64];
	uint32_t *h;
	double wall, ns;

	for (i = 0; i < 4; i++)
		if (!strcmp(name, graphs[i]))
			graph = i;
	if (graph < 0 || n < 2)
		return 2;
	if (ioctl(fd, PYHEAP_IOC_GC_SET, &off))
		fatal("gc_set");
	h = graph == GC_2CYCLES ? NULL : gc_build(graph, n);
	if (graph == GC_YOUNG)
		gc_collect(2, 0, &ns);
	printf("ready\n");
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin)) {
		if (!strcmp(line, "pause\n")) {
			printf("%llu 0\n", (unsigned long long)
			       gc_stats(2).max_pause_ns);
			fflush(stdout);
			continue;
		}
		if (graph == GC_2CYCLES) {
			free(gc_build(graph, n));
			wall = gc_collect(2, n & ~1U, &ns);
		} else if (graph == GC_YOUNG) {
			wall = gc_young(h, n, &ns);
		} else {
			gc_touch(h[0]);
			wall = gc_collect(2, 0, &ns);
		}
		printf("%.0f %.0f\n", wall, ns);
		fflush(stdout);
	}
	free(h);
	return 0;
}

static uint64_t heap_objects(void)
{
	struct pyheap_heap_info c = { .size = sizeof(c) };

	if (ioctl(fd, PYHEAP_IOC_HEAP_INFO, &c))
		fatal("heap_info");
	return c.out_objects;
}

/*
 * debugfs gc_slices while this heap is still open, every line to stderr
 * after "gc_slices ", for bench.py; nothing if debugfs is not there.
 */
static void gc_slices_copy(void)
{
	FILE *f = fopen("/sys/kernel/debug/pyheap/gc_slices", "r");
	char line[256];

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		fprintf(stderr, "gc_slices %s", line);
	fclose(f);
}

/*
 * The garbage bound (see the usage above): the unreachable objects are
 * those of the heap beyond the N of the graph and the two of each cycle
 * still held, sampled every 64 cycles.
 */
static int gc_steady(uint32_t n, uint32_t cycles, uint32_t window)
{
	uint32_t *ring = calloc(window, sizeof(*ring)), *h, pair[2], i;
	uint64_t held = 0, live, worst = 0, objs;
	struct pyheap_gc_gen_stats st;

	if (!ring || !window)
		fatal("calloc");
	h = gc_build(GC_RANDOM, n);
	for (i = 0; i < cycles; i++) {
		gc_newv(1, pair, 2);
		gc_slot_set(pair[0], 0, pair[1]);
		gc_slot_set(pair[1], 0, pair[0]);
		gc_flush();
		gc_closev(&pair[1], 1);
		if (held == window)
			gc_closev(&ring[i % window], 1);
		else
			held++;
		ring[i % window] = pair[0];
		if (i % 64)
			continue;
		objs = heap_objects();
		live = n + 2 * held;
		if (objs > live && objs - live > worst)
			worst = objs - live;
	}
	st = gc_stats(2);
	printf("%llu %llu %llu\n", (unsigned long long)worst,
	       (unsigned long long)st.collections,
	       (unsigned long long)st.max_pause_ns);
	gc_slices_copy();
	free(ring);
	free(h);
	return 0;
}

int main(int argc, char **argv)
{
	double ns;

	if (argc < 3) {
		fprintf(stderr,
			"usage: ubench noop|getppid|vfs_floor|alloc K|allocv K|lru_hit E|lru_getv E|scale T N\n"
			"       ubench gc random|chain|2cycles|young N\n"
			"       ubench gc_steady N C W\n");
		return 2;
	}
	fd = open("/dev/pyheap", O_RDWR);
	if (fd < 0)
		fatal("open /dev/pyheap (is pyheap.ko loaded?)");
	if (!strcmp(argv[1], "noop"))
		ns = bench_noop(atol(argv[2]));
	else if (!strcmp(argv[1], "getppid"))
		ns = bench_getppid(atol(argv[2]));
	else if (!strcmp(argv[1], "vfs_floor"))
		ns = bench_vfs_floor(atol(argv[2]));
	else if (!strcmp(argv[1], "alloc") && argc > 3)
		ns = bench_alloc(atoi(argv[2]), atol(argv[3]));
	else if (!strcmp(argv[1], "allocv") && argc > 3)
		ns = bench_allocv(atoi(argv[2]), atol(argv[3]));
	else if (!strcmp(argv[1], "lru_hit") && argc > 3)
		ns = bench_lru_hit(atol(argv[2]), atol(argv[3]));
	else if (!strcmp(argv[1], "lru_getv") && argc > 3)
		ns = bench_lru_getv(atol(argv[2]), atol(argv[3]));
	else if (!strcmp(argv[1], "scale") && argc > 3)
		ns = bench_scale(atoi(argv[2]), atol(argv[3]));
	else if (!strcmp(argv[1], "gc") && argc > 3)
		return gc_serve(argv[2], atol(argv[3]));
	else if (!strcmp(argv[1], "gc_steady") && argc > 4)
		return gc_steady(atol(argv[2]), atol(argv[3]), atol(argv[4]));
	else
		return 2;
	printf("%.3f\n", ns);
	return 0;
}
