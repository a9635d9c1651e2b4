// SPDX-License-Identifier: GPL-2.0
/*
 * pyheap_fuzz: seeded, reproducible random ioctls against /dev/pyheap
 *
 * Several threads issue a mix of valid and invalid ioctls (batches
 * included) on several shared files, reusing the handles the kernel hands
 * out, while another thread opens and closes files of its own.  The same
 * seed gives the same sequence per thread.  Run it in a VM
 * (tools/vm/run), where the kernel log is checked afterwards.
 *
 *   pyheap_fuzz [-s SEED] [-n IOCTLS] [-t THREADS] [-f FILES] [-q] [-S US]
 *
 * -S runs every full collection in slices of US microseconds (gc_slice_us),
 * so that the threads' ioctls run between the slices of each other's
 * GC_COLLECTs and of the work item's collections.
 *
 * Build: gcc -O2 -pthread -I../../include/uapi pyheap_fuzz.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/pyheap.h>

#include "gc_slice.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define MAX_FILES	8
#define MAX_THREADS	16
#define NR_HANDLES	64

struct opts {
	uint64_t seed;
	long iterations;
	int threads;
	int files;
	int quiet;
};

static struct opts opts = {
	.seed = 1, .iterations = 100000, .threads = 4, .files = 3,
};

static int fds[MAX_FILES];
static char *bad_page;		/* PROT_NONE: reads and writes fault */
static long counts[MAX_THREADS][134];

struct fuzz_thread {
	int id;
	uint64_t rng;
	uint32_t handles[NR_HANDLES];
	uint32_t vec[NR_HANDLES];	/* OBJ_NEWV's and HANDLE_CLOSEV's */
	uint8_t scratch[8192];
	/* room for the largest batch: the kernel writes where it is told */
	struct pyheap_op ops[PYHEAP_BATCH_MAX];
};

static uint64_t rnd(struct fuzz_thread *t)
{
	/* xorshift64*: small, fast, and the same everywhere */
	t->rng ^= t->rng >> 12;
	t->rng ^= t->rng << 25;
	t->rng ^= t->rng >> 27;
	return t->rng * 0x2545f4914f6cdd1dULL;
}

static uint32_t pick(struct fuzz_thread *t, uint32_t n)
{
	return n ? rnd(t) % n : 0;
}

/* Mostly a handle we have seen, sometimes anything. */
static uint32_t some_handle(struct fuzz_thread *t)
{
	switch (pick(t, 10)) {
	case 0:
		return 0;
	case 1:
		return (uint32_t)rnd(t);
	default:
		return t->handles[pick(t, NR_HANDLES)];
	}
}

static void remember(struct fuzz_thread *t, uint32_t h)
{
	if (h)
		t->handles[pick(t, NR_HANDLES)] = h;
}

/* Mostly our scratch buffer, sometimes NULL or a faulting address. */
static uint64_t some_pointer(struct fuzz_thread *t)
{
	switch (pick(t, 12)) {
	case 0:
		return 0;
	case 1:
		return (uintptr_t)bad_page + pick(t, 4096);
	case 2:
		return rnd(t);
	default:
		return (uintptr_t)t->scratch + pick(t, 4096);
	}
}

static uint32_t some_u32(struct fuzz_thread *t)
{
	static const uint32_t edges[] = {
		0, 1, 2, 3, 7, 8, 63, 64, 511, 512, 513, 4095, 4096, 4097,
		1 << 20, (1 << 20) + 1, 0x7fffffff, 0x80000000, 0xffffffff,
	};

	if (pick(t, 3))
		return pick(t, 16);
	return edges[pick(t, ARRAY_SIZE(edges))];
}

/* Fill @buf (one command's struct) with plausible, sometimes bad, values. */
static void fill_arg(struct fuzz_thread *t, uint32_t cmd, void *buf,
		     uint32_t size)
{
	uint32_t *w = buf;
	uint32_t i;

	memset(buf, 0, size);
	for (i = 2; i < size / 4; i++) {
		switch (pick(t, 6)) {
		case 0:
			w[i] = some_u32(t);
			break;
		case 1:
			w[i] = some_handle(t);
			break;
		default:
			break;
		}
	}
	/* the commands with pointers and handles get sensible ones */
	switch (cmd) {
	case PYHEAP_CMD_SLOT_SET:
	case PYHEAP_CMD_SLOT_GET:
		w[2] = some_handle(t);
		w[3] = pick(t, 5);
		if (cmd == PYHEAP_CMD_SLOT_SET)
			w[4] = some_handle(t);
		break;
	case PYHEAP_CMD_PAYLOAD_READ:
	case PYHEAP_CMD_PAYLOAD_WRITE:
		w[2] = some_handle(t);
		w[3] = pick(t, 64);
		*(uint64_t *)&w[4] = pick(t, 64);
		*(uint64_t *)&w[6] = some_pointer(t);
		break;
	case PYHEAP_CMD_GC_REFS:
		w[2] = some_handle(t);
		w[3] = pick(t, 8);		/* max: fits the scratch */
		*(uint64_t *)&w[4] = some_pointer(t);
		break;
	case PYHEAP_CMD_GC_GARBAGE:
		w[2] = pick(t, 8);		/* max */
		*(uint64_t *)&w[4] = some_pointer(t);
		break;
	case PYHEAP_CMD_LRU_GET:
	case PYHEAP_CMD_LRU_SET:
	case PYHEAP_CMD_LRU_DELETE:
		w[2] = some_handle(t);
		w[4] = pick(t, 16);
		w[5] = pick(t, 32);
		*(uint64_t *)&w[6] = some_pointer(t);
		*(uint64_t *)&w[8] = some_pointer(t);
		if (pick(t, 2))
			w[10] = some_handle(t);
		break;
	case PYHEAP_CMD_GC_COLLECT:
		w[2] = pick(t, 4);
		break;
	case PYHEAP_CMD_LRU_GETV:
		w[2] = some_handle(t);
		w[3] = pick(t, 8) ? 1 + pick(t, 16) : some_u32(t);
		w[4] = pick(t, 4);
		w[5] = pick(t, 16);
		w[6] = pick(t, 32);
		*(uint64_t *)&w[8] = some_pointer(t);
		*(uint64_t *)&w[10] = some_pointer(t);
		*(uint64_t *)&w[12] = some_pointer(t);
		break;
	case PYHEAP_CMD_OBJ_NEWV:
		w[2] = pick(t, 3);
		w[3] = pick(t, 64);
		w[4] = pick(t, 8) ? 1 + pick(t, NR_HANDLES) : some_u32(t);
		*(uint64_t *)&w[6] = pick(t, 8) ? (uintptr_t)t->vec :
					some_pointer(t);
		break;
	case PYHEAP_CMD_HANDLE_CLOSEV:
		w[2] = pick(t, 8) ? 1 + pick(t, 8) : some_u32(t);
		for (i = 0; i < 8; i++)
			t->vec[i] = pick(t, 4) ? some_handle(t) : t->vec[0];
		*(uint64_t *)&w[4] = pick(t, 8) ? (uintptr_t)t->vec :
					some_pointer(t);
		break;
	case PYHEAP_CMD_LRU_NEW:
		*(int64_t *)&w[2] = (int64_t)pick(t, 6) - 1;
		break;
	default:
		break;
	}
	w[0] = size;
	w[1] = pick(t, 4) ? 0 : 1U << pick(t, 8);
	if (!pick(t, 20))
		w[0] = pick(t, size + 16);	/* a bad size */
}

static const uint32_t arg_size[] = {
	[PYHEAP_CMD_VERSION] = PYHEAP_VERSION_SIZE_VER0,
	[PYHEAP_CMD_OBJ_NEW] = PYHEAP_OBJ_NEW_SIZE_VER0,
	[PYHEAP_CMD_HANDLE_DUP] = PYHEAP_HANDLE_DUP_SIZE_VER0,
	[PYHEAP_CMD_HANDLE_CLOSE] = PYHEAP_HANDLE_CLOSE_SIZE_VER0,
	[PYHEAP_CMD_SLOT_SET] = PYHEAP_SLOT_SIZE_VER0,
	[PYHEAP_CMD_SLOT_GET] = PYHEAP_SLOT_SIZE_VER0,
	[PYHEAP_CMD_PAYLOAD_WRITE] = PYHEAP_PAYLOAD_SIZE_VER0,
	[PYHEAP_CMD_PAYLOAD_READ] = PYHEAP_PAYLOAD_SIZE_VER0,
	[PYHEAP_CMD_GETSIZEOF] = PYHEAP_GETSIZEOF_SIZE_VER0,
	[PYHEAP_CMD_HEAP_INFO] = PYHEAP_HEAP_INFO_SIZE_VER0,
	[PYHEAP_CMD_BATCH] = PYHEAP_BATCH_SIZE_VER0,
	[PYHEAP_CMD_GC_COLLECT] = PYHEAP_GC_COLLECT_SIZE_VER0,
	[PYHEAP_CMD_GC_GET] = PYHEAP_GC_STATE_SIZE_VER0,
	[PYHEAP_CMD_GC_SET] = PYHEAP_GC_STATE_SIZE_VER0,
	[PYHEAP_CMD_GC_STATS] = PYHEAP_GC_STATS_SIZE_VER0,
	[PYHEAP_CMD_GC_FREEZE] = PYHEAP_GC_FREEZE_SIZE_VER0,
	[PYHEAP_CMD_GC_OBJ_INFO] = PYHEAP_GC_OBJ_INFO_SIZE_VER0,
	[PYHEAP_CMD_GC_REFS] = PYHEAP_GC_REFS_SIZE_VER0,
	[PYHEAP_CMD_GC_GARBAGE] = PYHEAP_GC_GARBAGE_SIZE_VER0,
	[PYHEAP_CMD_LRU_NEW] = PYHEAP_LRU_NEW_SIZE_VER0,
	[PYHEAP_CMD_LRU_GET] = PYHEAP_LRU_OP_SIZE_VER0,
	[PYHEAP_CMD_LRU_SET] = PYHEAP_LRU_OP_SIZE_VER0,
	[PYHEAP_CMD_LRU_DELETE] = PYHEAP_LRU_OP_SIZE_VER0,
	[PYHEAP_CMD_LRU_INFO] = PYHEAP_LRU_CACHE_INFO_SIZE_VER0,
	[PYHEAP_CMD_LRU_GETV] = PYHEAP_LRU_GETV_SIZE_VER0,
	[PYHEAP_CMD_OBJ_NEWV] = PYHEAP_OBJ_NEWV_SIZE_VER0,
	[PYHEAP_CMD_HANDLE_CLOSEV] = PYHEAP_HANDLE_CLOSEV_SIZE_VER0,
};

#define NR_CMDS	ARRAY_SIZE(arg_size)

/* The handle a successful call returned, if its command returns one. */
static uint32_t returned_handle(struct fuzz_thread *t, uint32_t cmd,
				const uint32_t *w)
{
	switch (cmd) {
	case PYHEAP_CMD_OBJ_NEWV:
		/* one of the new ones, if they went to our array */
		if (*(const uint64_t *)&w[6] == (uintptr_t)t->vec)
			return t->vec[pick(t, w[4] < NR_HANDLES ? w[4] : 1)];
		return 0;
	case PYHEAP_CMD_OBJ_NEW:
		return w[4];
	case PYHEAP_CMD_HANDLE_DUP:
		return w[3];
	case PYHEAP_CMD_SLOT_GET:
		return w[5];
	case PYHEAP_CMD_LRU_NEW:
		return w[4];
	default:
		return 0;
	}
}

/* Creations and links are the common case: they build graphs. */
static uint32_t some_cmd(struct fuzz_thread *t)
{
	static const uint32_t common[] = {
		PYHEAP_CMD_OBJ_NEW, PYHEAP_CMD_OBJ_NEW, PYHEAP_CMD_SLOT_SET,
		PYHEAP_CMD_SLOT_SET, PYHEAP_CMD_HANDLE_CLOSE,
		PYHEAP_CMD_LRU_SET, PYHEAP_CMD_LRU_GET,
	};

	if (pick(t, 2))
		return common[pick(t, ARRAY_SIZE(common))];
	return pick(t, NR_CMDS + 2);	/* sometimes past the end */
}

static void one_batch(struct fuzz_thread *t, int fd)
{
	struct pyheap_batch b = {
		.size = sizeof(b), .op_size = sizeof(struct pyheap_op),
	};
	uint32_t i, n = 1 + pick(t, 64), cmd;

	for (i = 0; i < n; i++) {
		cmd = some_cmd(t);
		t->ops[i].cmd = cmd;
		t->ops[i].out_result = 0;
		if (cmd < NR_CMDS && arg_size[cmd] <= sizeof(t->ops[i].arg))
			fill_arg(t, cmd, t->ops[i].arg, arg_size[cmd]);
		else
			memset(t->ops[i].arg, 0, sizeof(t->ops[i].arg));
	}
	b.count = pick(t, 30) ? n : some_u32(t);
	b.flags = pick(t, 2) ? PYHEAP_BATCH_STOP_ON_ERROR : 0;
	/* a stray ops pointer must not be memory we care about */
	b.ops = pick(t, 30) ? (uintptr_t)t->ops :
		pick(t, 2) ? (uintptr_t)bad_page : rnd(t);
	if (ioctl(fd, PYHEAP_IOC_BATCH, &b))
		return;
	for (i = 0; i < b.out_executed && i < n; i++) {
		uint32_t *w = (uint32_t *)t->ops[i].arg;

		if (!t->ops[i].out_result)
			remember(t, returned_handle(t, t->ops[i].cmd, w));
	}
}

static void *fuzz_thread(void *p)
{
	struct fuzz_thread *t = p;
	uint32_t buf[64], cmd;
	struct pyheap_event ev[4];
	void *arg;
	long i;
	int fd, ret;

	for (i = 0; i < opts.iterations / opts.threads; i++) {
		fd = fds[pick(t, opts.files)];
		cmd = some_cmd(t);
		if (cmd == PYHEAP_CMD_BATCH) {
			one_batch(t, fd);
			continue;
		}
		if (!pick(t, 50)) {
			ret = read(fd, ev, sizeof(ev));	/* non-blocking */
			if (ret > 0)
				remember(t, ev[0].handle);
			continue;
		}
		if (cmd < NR_CMDS)
			fill_arg(t, cmd, buf, arg_size[cmd]);
		arg = pick(t, 40) ? (void *)buf : (void *)some_pointer(t);
		ret = ioctl(fd, _IO(PYHEAP_IOC_MAGIC, cmd), arg);
		counts[t->id][ret ? (errno < 133 ? errno : 133) : 0]++;
		if (!ret && cmd < NR_CMDS)
			remember(t, returned_handle(t, cmd, buf));
	}
	return NULL;
}

/* Files that come and go while the others work. */
static void *churn_thread(void *arg)
{
	struct fuzz_thread *t = arg;
	struct pyheap_obj_new c = { .size = sizeof(c), .nslots = 1 };
	struct pyheap_slot s = { .size = sizeof(s) };
	long i;
	int fd;

	for (i = 0; i < opts.iterations / 100; i++) {
		fd = open("/dev/pyheap", O_RDWR | O_NONBLOCK);
		if (fd < 0)
			continue;
		/* a self-cycle and a queued collection, then close */
		if (!ioctl(fd, PYHEAP_IOC_OBJ_NEW, &c)) {
			s.handle = c.out_handle;
			s.target = c.out_handle;
			ioctl(fd, PYHEAP_IOC_SLOT_SET, &s);
		}
		if (pick(t, 2)) {
			struct pyheap_gc_state g = {
				.size = sizeof(g),
				.flags = PYHEAP_GC_SET_THRESHOLD,
				.threshold = { 1, 1, 1 },
			};

			ioctl(fd, PYHEAP_IOC_GC_SET, &g);
			ioctl(fd, PYHEAP_IOC_OBJ_NEW, &c);
			ioctl(fd, PYHEAP_IOC_OBJ_NEW, &c);
		}
		close(fd);
	}
	return NULL;
}

static void bad_usage(void)
{
	fputs("usage: pyheap_fuzz [-s|--seed N] [-n|--iterations N]\n"
	      "       [-t|--threads N] [-f|--files N] [-q|--quiet]\n"
	      "       [-S|--slices US]\n", stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "threads", required_argument, NULL, 't' },
		{ "files", required_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "slices", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	static struct fuzz_thread ft[MAX_THREADS + 1];	/* 260 KiB each */
	pthread_t tid[MAX_THREADS + 1];
	long total[134] = { 0 }, sum = 0;
	int c, i, e;

	while ((c = getopt_long(argc, argv, "s:n:t:f:qS:", longopts,
				NULL)) != -1) {
		switch (c) {
		case 's':
			opts.seed = strtoull(optarg, NULL, 0);
			break;
		case 'n':
			opts.iterations = atol(optarg);
			break;
		case 't':
			opts.threads = atoi(optarg);
			break;
		case 'f':
			opts.files = atoi(optarg);
			break;
		case 'q':
			opts.quiet = 1;
			break;
		case 'S':
			gc_slice_mode(optarg);
			break;
		default:
			bad_usage();
		}
	}
	if (opts.threads < 1 || opts.threads > MAX_THREADS || opts.files < 1 ||
	    opts.files > MAX_FILES || opts.iterations < 1)
		bad_usage();
	bad_page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			-1, 0);
	if (bad_page == MAP_FAILED)
		return 1;
	for (i = 0; i < opts.files; i++) {
		fds[i] = open("/dev/pyheap", O_RDWR | O_NONBLOCK);
		if (fds[i] < 0) {
			perror("pyheap_fuzz: open /dev/pyheap (loaded?)");
			return 1;
		}
	}
	for (i = 0; i <= opts.threads; i++) {
		ft[i].id = i;
		ft[i].rng = opts.seed * 0x9e3779b97f4a7c15ULL + i + 1;
		if (pthread_create(&tid[i], NULL,
				   i < opts.threads ? fuzz_thread :
				   churn_thread, &ft[i]))
			return 1;
	}
	for (i = 0; i <= opts.threads; i++)
		pthread_join(tid[i], NULL);
	for (i = 0; i < opts.files; i++)
		close(fds[i]);

	for (i = 0; i < opts.threads; i++)
		for (e = 0; e < 134; e++)
			total[e] += counts[i][e];
	for (e = 0; e < 134; e++)
		sum += total[e];
	printf("pyheap_fuzz: seed %llu: %ld ioctls, %d threads, %d files\n",
	       (unsigned long long)opts.seed, sum, opts.threads,
	       opts.files);
	if (!opts.quiet)
		for (e = 0; e < 134; e++)
			if (total[e])
				printf("  %-10s %ld\n",
				       e ? strerrorname_np(e) : "ok", total[e]);
	return 0;
}
