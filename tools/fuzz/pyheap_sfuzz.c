// SPDX-License-Identifier: GPL-2.0
/*
 * pyheap_sfuzz: a stateful fuzzer for /dev/pyheap
 *
 * Keeps a model of each heap in user space (objects, slots, payloads,
 * reference counts, handles and their numbering, LRU maps and their
 * entries, generations, the garbage list, finalizer events, the
 * collector's counts and statistics), issues seeded random ioctls, valid
 * and invalid, and checks after every call that the kernel did what the
 * model predicts.  After every failed call the whole observable state is
 * compared with the model, which a failed call must not have changed.
 * Arguments and buffers are placed to run into unmapped and read-only
 * pages, batches run into an unmapped page, and (where failslab exists)
 * fail-nth fails kernel allocations.
 *
 * On a disagreement it prints the seed, the call number, what the model
 * expected and what the kernel did, then shrinks the recorded trace on
 * fresh files to the shortest sequence it finds that still disagrees.
 *
 *   pyheap_sfuzz [-s SEED] [-n CALLS] [-f FILES] [-e EPOCH] [-F] [-v]
 *                [-S US]
 *
 * -S runs every full collection in slices of US microseconds, the
 * heap lock let go between them (gc_slice_us): the model must still hold.
 *
 * Build: gcc -O2 -Wall -pthread -I include/uapi pyheap_sfuzz.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <linux/pyheap.h>

#include "gc_slice.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define NONE		(-1)
#define PAGE		4096
#define KEY_MAX		128	/* the longest key the fuzzer makes */
#define MAX_FILES	8
#define UOBJ_HDR	48	/* struct pyheap_uobj without its slots */

enum { K_OBJ, K_MAP };

struct mentry {
	uint32_t type, klen;
	uint8_t key[KEY_MAX];
	int obj;		/* an object value, or NONE */
	uint32_t vlen;
	uint8_t *val;
	int pending;		/* a compute-once claim */
};

struct mlru {
	int64_t maxsize;
	int typed;
	uint64_t hits, misses, evictions;
	int n, cap;
	struct mentry *e;		/* least recent first */
};

/* mobj.gen of an object that can hold no reference (ABI 1.7) */
#define GEN_UNTRACKED	4

struct mobj {
	int live, kind, fin, legacy, finalized, gen;
	uint32_t refcnt, nslots, psize, size;
	int *slots;
	uint8_t *payload;
	uint64_t id;
	struct mlru *map;
	int mark;
	int64_t gcref;
	int handed;	/* kept alive for a finalizer event (ABI 1.10) */
};

struct mev {
	uint32_t h;
	int obj;
};

/* The model of one heap (one open file). */
struct mheap {
	int fd;
	struct mobj *o;
	int no, co;
	/* handle value -> object; values held by unread events */
	int *hobj;
	uint8_t *hev;
	int hsz;
	uint32_t *live;		/* open handles the fuzzer may pick */
	int *lpos;
	int nlive;
	/* the kernel's handle table: free list (a stack), top, capacity */
	uint32_t *fl;
	int nfl, cfl;
	uint32_t top, tcap;
	uint64_t nh;
	uint32_t recent[16];
	int nrecent;
	struct mev *ev;
	int nev, cev;
	int *garb;
	int ngarb, cgarb;
	uint32_t enabled, debug, thr[3], count[3];
	uint64_t coll[3], collected[3], uncoll[3], cand[3];
	uint64_t dur[3], maxp[3];
	uint64_t skip[3];	/* GC_STATS out_skipped, last read */
	int stats_seen;
	uint64_t max_objects, max_bytes, max_handles;
	uint64_t nobj;
	int nmaps;
	uint64_t crng;
	uint32_t last_map;	/* the newest map's first handle */
	uint32_t anchor;	/* the head of the ring being built */
};

/* One step of a trace: an operation and the random words it uses. */
struct step {
	uint8_t op, fault, fd;
	uint8_t pad;
	uint32_t a[11];
};

enum {
	OP_OBJ_NEW, OP_OBJ_NEWV, OP_DUP, OP_CLOSE, OP_CLOSEV, OP_SLOT_SET,
	OP_SLOT_GET, OP_PAY_WRITE, OP_PAY_READ, OP_SIZEOF, OP_HEAP_INFO,
	OP_BATCH, OP_COLLECT, OP_GC_GET, OP_GC_SET, OP_GC_STATS, OP_FREEZE,
	OP_OBJ_INFO, OP_REFS, OP_GARBAGE, OP_LRU_NEW, OP_LRU_GET, OP_LRU_SET,
	OP_LRU_DEL, OP_LRU_INFO, OP_LRU_GETV, OP_WHY, OP_OBJECTS, OP_READ,
	OP_VERSION,
	OP_BADCMD, OP_CHECK, NR_OPS
};

static const char *const op_name[NR_OPS] = {
	"OBJ_NEW", "OBJ_NEWV", "HANDLE_DUP", "HANDLE_CLOSE", "HANDLE_CLOSEV",
	"SLOT_SET", "SLOT_GET", "PAYLOAD_WRITE", "PAYLOAD_READ", "GETSIZEOF",
	"HEAP_INFO", "BATCH", "GC_COLLECT", "GC_GET", "GC_SET", "GC_STATS",
	"GC_FREEZE", "GC_OBJ_INFO", "GC_REFS", "GC_GARBAGE", "LRU_NEW",
	"LRU_GET", "LRU_SET", "LRU_DELETE", "LRU_INFO", "LRU_GETV", "GC_WHY",
	"GC_OBJECTS", "read", "VERSION", "bad ioctl", "full check",
};

/* Faults a step may carry */
enum {
	F_NONE, F_ARG_NONE, F_ARG_RO, F_BUF_NONE, F_BUF_RO, F_SIZE_SHORT,
	F_SIZE_LONG0, F_SIZE_LONGX, F_SIZE_HUGE, F_BADPTR, F_FAILNTH,
	NR_FAULTS
};

static struct {
	uint64_t seed;
	long calls;
	int files;
	long epoch;
	int failnth;
	int verbose;
	uint32_t no_faults;	/* -x: bit f: never fault kind f */
	uint64_t no_ops;	/* -X: bit o: never step kind o */
} opts = { .seed = 1, .calls = 100000, .files = 3, .epoch = 4000 };

static uint64_t rng;
static long ncalls, nchecks, ndisagree;
static uint64_t nskipped;	/* collections the kernel skipped, seen */
static int replaying;		/* shrinking: no output, stop at the first */
static long failed_at;
static char why[512];
static char *fpage;		/* [RW][unmapped][RW][RO] */
static uint8_t *bigzero;	/* for sizes above a page */
static int have_failnth;
static int dump;
static int shrink_secs = 120;
static int kmsg_fd = -1;
static long kreports;
static long nenomem;	/* calls fail-nth made fail */

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

static uint32_t pick(uint32_t n)
{
	return n ? rnd() % n : 0;
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fprintf(stderr, "fuzz: out of memory\n");
		exit(2);
	}
	return p;
}

/* Room for element @n of the array at *@p, which has room for *@cap. */
static void *grow(void *p, int n, int *cap, size_t size)
{
	if (n < *cap)
		return p;
	*cap = *cap ? 2 * *cap : 16;
	return xrealloc(p, *cap * size);
}

/* A disagreement: the first one of a call is kept for the report. */
static void disagree(const char *fmt, ...)
{
	va_list ap;

	if (failed_at >= 0)
		return;
	failed_at = ncalls;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
}

#define CHECK(cond, ...) do {						\
	nchecks++;							\
	if (!(cond))							\
		disagree(__VA_ARGS__);					\
} while (0)

/* ----- the kernel log ----- */

static void kmsg_open(void)
{
	kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	if (kmsg_fd >= 0)
		lseek(kmsg_fd, 0, SEEK_END);
}

/* Kernel reports since the last look. */
static int kmsg_scan(void)
{
	static const char *const pat[] = {
		"BUG:", "WARNING:", "KASAN:", "possible circular locking",
		"Oops",
	};
	char buf[8192];
	int n = 0;
	ssize_t len;
	size_t i;

	if (kmsg_fd < 0)
		return 0;
	for (;;) {
		len = read(kmsg_fd, buf, sizeof(buf) - 1);
		if (len < 0 && errno == EPIPE)
			continue;	/* overwritten: go on */
		if (len <= 0)
			break;
		buf[len] = 0;
		for (i = 0; i < ARRAY_SIZE(pat); i++) {
			if (strstr(buf, pat[i])) {
				n++;
				if (!replaying)
					fprintf(stderr, "fuzz: kernel: %s",
						strchr(buf, ';') ?
						strchr(buf, ';') + 1 : buf);
				break;
			}
		}
	}
	return n;
}

/* ----- fail-nth ----- */

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY), ret;

	if (fd < 0)
		return -1;
	ret = write(fd, s, strlen(s)) < 0 ? -1 : 0;
	close(fd);
	return ret;
}

static char failnth_path[64];

static void failnth_setup(void)
{
	static const char *const knobs[] = {
		"/sys/kernel/debug/failslab/ignore-gfp-wait",
		"/sys/kernel/debug/fail_page_alloc/ignore-gfp-wait",
		"/sys/kernel/debug/fail_page_alloc/min-order",
	};
	size_t i;

	snprintf(failnth_path, sizeof(failnth_path),
		 "/proc/self/task/%ld/fail-nth", (long)syscall(SYS_gettid));
	if (access("/sys/kernel/debug/failslab", F_OK) ||
	    access(failnth_path, W_OK))
		return;
	for (i = 0; i < ARRAY_SIZE(knobs); i++)
		write_str(knobs[i], i == 2 ? "0" : "N");
	write_str("/sys/kernel/debug/failslab/verbose", "0");
	write_str("/sys/kernel/debug/fail_page_alloc/verbose", "0");
	have_failnth = 1;
}

static void failnth_arm(int n)
{
	char s[16];

	snprintf(s, sizeof(s), "%d", n);
	write_str(failnth_path, s);
}

static void failnth_disarm(void)
{
	write_str(failnth_path, "0");
}

/* ----- the model: objects ----- */

static struct mheap heaps[MAX_FILES];

static size_t class_size(size_t size)
{
	return size > 512 ? size : (size + 7) / 8 * 8;
}

static void hgrow(struct mheap *m, uint32_t v)
{
	int n = m->hsz;

	if ((int)v < m->hsz)
		return;
	while ((int)v >= n)
		n = n ? 2 * n : 256;
	m->hobj = xrealloc(m->hobj, n * sizeof(int));
	m->hev = xrealloc(m->hev, n);
	m->lpos = xrealloc(m->lpos, n * sizeof(int));
	for (; m->hsz < n; m->hsz++) {
		m->hobj[m->hsz] = NONE;
		m->hev[m->hsz] = 0;
		m->lpos[m->hsz] = NONE;
	}
}

static void oput(struct mheap *m, int i);

static void lru_drop(struct mheap *m, struct mentry *e)
{
	free(e->val);
	e->val = NULL;
	if (e->obj != NONE)
		oput(m, e->obj);
}

/* Free dead objects and whatever they alone kept, without recursion. */
static int *dead;
static int ndead, cdead;

static void ofree_all(struct mheap *m)
{
	struct mobj *o;
	uint32_t k;
	int i;

	while (ndead) {
		i = dead[--ndead];
		o = &m->o[i];
		o->live = 0;
		m->nobj--;
		/* frozen ones too, untracked ones not, as gc_forget() */
		if (o->gen != GEN_UNTRACKED && m->count[0])
			m->count[0]--;
		if (o->kind == K_OBJ) {
			for (k = 0; k < o->nslots; k++)
				if (o->slots[k] != NONE)
					oput(m, o->slots[k]);
			free(o->slots);
			free(o->payload);
			o->slots = NULL;
			o->payload = NULL;
		} else {
			for (k = 0; k < (uint32_t)o->map->n; k++)
				lru_drop(m, &o->map->e[k]);
			free(o->map->e);
			free(o->map);
			o->map = NULL;
			m->nmaps--;
		}
	}
}

static int h_open(struct mheap *m, int obj, uint32_t *h, int event);

/* Objects the model handed back at a count of zero, for the summary. */
static unsigned long long nzero_events;

/*
 * A finalizer event for object @i: its handle, on the model's list.
 * Returns 0, or the kernel's errno (the object is then not handed back).
 */
static int ev_queue(struct mheap *m, int i)
{
	uint32_t h;
	int err = h_open(m, i, &h, 1);

	if (err)
		return err;
	m->ev = grow(m->ev, m->nev, &m->cev, sizeof(*m->ev));
	m->ev[m->nev].h = h;
	m->ev[m->nev++].obj = i;
	return 0;
}

static void oput(struct mheap *m, int i)
{
	struct mobj *o;

	if (i == NONE)
		return;
	o = &m->o[i];
	if (!o->refcnt) {
		disagree("model: put of a dead object %d", i);
		return;
	}
	if (--o->refcnt)
		return;
	/*
	 * A finalizer not run yet runs now (ABI 1.9): the event's handle
	 * resurrects the object; without a handle to give, it is freed.
	 */
	if (o->kind == K_OBJ && o->fin && !o->finalized) {
		o->finalized = 1;
		if (!ev_queue(m, i)) {
			nzero_events++;
			return;
		}
	}
	dead = grow(dead, ndead, &cdead, sizeof(*dead));
	dead[ndead++] = i;
}

static void oput_now(struct mheap *m, int i)
{
	oput(m, i);
	ofree_all(m);
}

static int onew(struct mheap *m, int kind, uint32_t nslots, uint32_t psize,
		uint32_t flags)
{
	struct mobj *o;
	uint32_t k;

	m->o = grow(m->o, m->no, &m->co, sizeof(*m->o));
	o = &m->o[m->no];
	memset(o, 0, sizeof(*o));
	o->live = 1;
	o->kind = kind;
	o->refcnt = 0;
	/* tracked if it can ever hold a reference, as uobj_tracked() */
	o->gen = kind != K_OBJ || nslots ||
		 (flags & (PYHEAP_OBJ_FINALIZER |
			   PYHEAP_OBJ_LEGACY_FINALIZER)) ? 0 : GEN_UNTRACKED;
	if (kind == K_OBJ) {
		o->nslots = nslots;
		o->psize = psize;
		o->size = UOBJ_HDR + 8 * nslots + psize;
		o->slots = xrealloc(NULL, nslots * sizeof(int));
		for (k = 0; k < nslots; k++)
			o->slots[k] = NONE;
		o->payload = calloc(1, psize ? psize : 1);
		o->fin = !!(flags & PYHEAP_OBJ_FINALIZER);
		o->legacy = !!(flags & PYHEAP_OBJ_LEGACY_FINALIZER);
	} else {
		o->map = calloc(1, sizeof(*o->map));
		m->nmaps++;
	}
	m->nobj++;
	if (o->gen != GEN_UNTRACKED)
		m->count[0]++;
	return m->no++;
}

/* Plain objects' bytes: exact while no map is alive. */
static uint64_t ubytes(struct mheap *m)
{
	uint64_t b = 0;
	int i;

	for (i = 0; i < m->no; i++)
		if (m->o[i].live && m->o[i].kind == K_OBJ)
			b += class_size(m->o[i].size);
	return b;
}

/* ----- the model: handles, as mod/handle.c numbers them ----- */

static int h_reserve(struct mheap *m, uint32_t n)
{
	uint64_t need = m->nh + n + 1, cap;

	if (m->nh + n > m->max_handles)
		return -ENOSPC;
	if (need <= m->tcap)
		return 0;
	cap = m->tcap > 64 ? m->tcap : 64;
	while (cap < need)
		cap *= 2;
	if (!m->tcap)
		m->top = 1;
	m->tcap = cap;
	return 0;
}

static void live_add(struct mheap *m, uint32_t h)
{
	m->live = xrealloc(m->live, (m->nlive + 1) * sizeof(uint32_t));
	m->lpos[h] = m->nlive;
	m->live[m->nlive++] = h;
}

static void live_del(struct mheap *m, uint32_t h)
{
	int p = m->lpos[h];

	if (p == NONE)
		return;
	m->live[p] = m->live[--m->nlive];
	m->lpos[m->live[p]] = p;
	m->lpos[h] = NONE;
}

static int checking;

static uint32_t h_install(struct mheap *m, int obj, int event)
{
	uint32_t h = m->nfl ? m->fl[--m->nfl] : m->top++;

	hgrow(m, h);
	m->hobj[h] = obj;
	m->hev[h] = event;
	m->o[obj].refcnt++;
	m->nh++;
	if (!event)
		live_add(m, h);
	if (!event && !checking)
		m->recent[m->nrecent++ % 16] = h;
	return h;
}

static int h_open(struct mheap *m, int obj, uint32_t *h, int event)
{
	int err;

	if (m->nh >= m->max_handles)
		return -ENOSPC;
	if (!m->nfl) {
		err = h_reserve(m, 1);
		if (err)
			return err;
	}
	*h = h_install(m, obj, event);
	return 0;
}

static int h_live(struct mheap *m, uint32_t h)
{
	return h && h < m->top && (int)h < m->hsz && m->hobj[h] != NONE;
}

/* Take a live handle out of the table; its reference is the caller's. */
static int h_take(struct mheap *m, uint32_t h)
{
	int obj = m->hobj[h];

	m->hobj[h] = NONE;
	m->hev[h] = 0;
	live_del(m, h);
	m->fl = grow(m->fl, m->nfl, &m->cfl, sizeof(*m->fl));
	m->fl[m->nfl++] = h;
	m->nh--;
	return obj;
}

static void h_trim(struct mheap *m)
{
	if (m->nh || m->tcap <= 4096)
		return;
	m->tcap = 0;
	m->top = 0;
	m->nfl = 0;
}

static void h_close(struct mheap *m, uint32_t h)
{
	int obj = h_take(m, h);

	h_trim(m);
	oput_now(m, obj);
}

/* ----- picking things ----- */

/* A handle for selector @s: mostly open ones, sometimes anything. */
static uint32_t sel_handle(struct mheap *m, uint32_t s)
{
	uint32_t v = s & 0xffffff;
	int i;

	switch (s >> 28) {
	case 0: case 1: case 2: case 3: case 4: case 5: case 6: case 7:
	case 8: case 9:
		return m->nlive ? m->live[v % m->nlive] : 0;
	case 10:
		if (v & 0x100)
			return h_live(m, m->last_map) ? m->last_map : 0;
		if (v & 0x200)
			return h_live(m, m->anchor) ? m->anchor : 0;
		return m->nrecent ?
		       m->recent[(m->nrecent - 1 - v % 4) % 16] : 0;
	case 11:
		return 0;
	case 12:
		/* held by an unread finalizer event, if any */
		for (i = 0; i < m->nev && !(opts.no_faults >> 11 & 1); i++)
			if (v % m->nev == (uint32_t)i)
				return m->ev[i].h;
		return m->top + v % 3;
	case 13:
		return m->nfl ? m->fl[v % m->nfl] : m->top + v % 3;
	case 14:
		return m->top + v % 5;
	default:
		return v % 3 ? 0xffffffffu - v % 7 : 0x80000000u;
	}
}

/* The model object of an open handle, or NONE (event-held too). */
static int hobj_of(struct mheap *m, uint32_t h)
{
	return h_live(m, h) ? m->hobj[h] : NONE;
}

/* Whether a live object's finalizer has yet to run. */
static int unrun_finalizers(struct mheap *m)
{
	int i;

	for (i = 0; i < m->no; i++)
		if (m->o[i].live && m->o[i].kind == K_OBJ && m->o[i].fin &&
		    !m->o[i].finalized)
			return 1;
	return 0;
}

/* ----- fault placement ----- */

static uint8_t argbuf[2 * PAGE];

/* The bad page of a fault: unmapped (1) or read-only (3). */
static char *bad_page(int ro)
{
	return fpage + (ro ? 3 : 1) * PAGE;
}

static int in_page(uintptr_t p, size_t len, char *pg)
{
	uintptr_t a = (uintptr_t)pg;

	return p < a + PAGE && p + len > a;
}

static int bad_addr(uintptr_t p, size_t len)
{
	return p < 65536 || p + len < p || p >= 0x800000000000ULL;
}

static uint8_t ubuf[65536];

static int in_buf(uintptr_t p, size_t len, const void *buf, size_t size)
{
	uintptr_t a = (uintptr_t)buf;

	return p >= a && p + len <= a + size;
}

/* Memory the fuzzer does not know (a truncated pointer): look. */
static int probe_read(uintptr_t p, size_t len)
{
	static uint8_t tmp[PAGE];
	struct iovec l = { .iov_base = tmp }, r;
	size_t n;

	while (len) {
		n = len < PAGE ? len : PAGE;
		l.iov_len = n;
		r.iov_base = (void *)p;
		r.iov_len = n;
		if (process_vm_readv(getpid(), &l, 1, &r, 1, 0) != (ssize_t)n)
			return 0;
		p += n;
		len -= n;
	}
	return 1;
}

static int can_read(uintptr_t p, size_t len)
{
	if (!len)
		return 1;
	if (bad_addr(p, len) || in_page(p, len, bad_page(0)))
		return 0;
	if (in_buf(p, len, fpage, 4 * PAGE) || in_buf(p, len, ubuf, 65536))
		return 1;
	return probe_read(p, len);
}

static int can_write(uintptr_t p, size_t len)
{
	return can_read(p, len) && (!len || !in_page(p, len, bad_page(1)));
}

/* Where a buffer of the step goes: normal memory, or before a bad page. */
static uintptr_t place(const struct step *st, void *normal, uint32_t good,
		       int which)
{
	if (which && st->fault == F_BUF_NONE)
		return (uintptr_t)(bad_page(0) - good);
	if (which && st->fault == F_BUF_RO)
		return (uintptr_t)(bad_page(1) - good);
	if (which && st->fault == F_BADPTR)
		return good & 1 ? 0 : 0xffff800000000000ULL;
	return (uintptr_t)normal;
}

/* ----- one ioctl with its argument placed as the step says ----- */

struct env {
	int in_batch;
	int wr;			/* the argument can be written back */
	uint32_t usize;
};

struct call {
	void *p;		/* where the argument went */
	int ret;		/* 0 or -errno */
	struct env e;
	int pre;		/* the model's verdict before the handler */
	int fn;			/* fail-nth was armed */
};

/* sizeof() and first published size of each command's struct */
static const uint32_t ksize[] = {
	[PYHEAP_CMD_VERSION] = sizeof(struct pyheap_version),
	[PYHEAP_CMD_OBJ_NEW] = sizeof(struct pyheap_obj_new),
	[PYHEAP_CMD_HANDLE_DUP] = sizeof(struct pyheap_handle_dup),
	[PYHEAP_CMD_HANDLE_CLOSE] = sizeof(struct pyheap_handle_close),
	[PYHEAP_CMD_SLOT_SET] = sizeof(struct pyheap_slot),
	[PYHEAP_CMD_SLOT_GET] = sizeof(struct pyheap_slot),
	[PYHEAP_CMD_PAYLOAD_WRITE] = sizeof(struct pyheap_payload),
	[PYHEAP_CMD_PAYLOAD_READ] = sizeof(struct pyheap_payload),
	[PYHEAP_CMD_GETSIZEOF] = sizeof(struct pyheap_getsizeof),
	[PYHEAP_CMD_HEAP_INFO] = sizeof(struct pyheap_heap_info),
	[PYHEAP_CMD_BATCH] = sizeof(struct pyheap_batch),
	[PYHEAP_CMD_GC_COLLECT] = sizeof(struct pyheap_gc_collect),
	[PYHEAP_CMD_GC_GET] = sizeof(struct pyheap_gc_state),
	[PYHEAP_CMD_GC_SET] = sizeof(struct pyheap_gc_state),
	[PYHEAP_CMD_GC_STATS] = sizeof(struct pyheap_gc_stats),
	[PYHEAP_CMD_GC_FREEZE] = sizeof(struct pyheap_gc_freeze),
	[PYHEAP_CMD_GC_OBJ_INFO] = sizeof(struct pyheap_gc_obj_info),
	[PYHEAP_CMD_GC_REFS] = sizeof(struct pyheap_gc_refs),
	[PYHEAP_CMD_GC_GARBAGE] = sizeof(struct pyheap_gc_garbage),
	[PYHEAP_CMD_LRU_NEW] = sizeof(struct pyheap_lru_new),
	[PYHEAP_CMD_LRU_GET] = sizeof(struct pyheap_lru_op),
	[PYHEAP_CMD_LRU_SET] = sizeof(struct pyheap_lru_op),
	[PYHEAP_CMD_LRU_DELETE] = sizeof(struct pyheap_lru_op),
	[PYHEAP_CMD_LRU_INFO] = sizeof(struct pyheap_lru_cache_info),
	[PYHEAP_CMD_LRU_GETV] = sizeof(struct pyheap_lru_getv),
	[PYHEAP_CMD_OBJ_NEWV] = sizeof(struct pyheap_obj_newv),
	[PYHEAP_CMD_HANDLE_CLOSEV] = sizeof(struct pyheap_handle_closev),
	[PYHEAP_CMD_GC_WHY] = sizeof(struct pyheap_gc_why),
	[PYHEAP_CMD_GC_OBJECTS] = sizeof(struct pyheap_gc_objects),
};

static uint32_t min_size(uint32_t cmd)
{
	return cmd == PYHEAP_CMD_GC_OBJ_INFO ? PYHEAP_GC_OBJ_INFO_SIZE_VER0 :
	       cmd == PYHEAP_CMD_GC_GARBAGE ? PYHEAP_GC_GARBAGE_SIZE_VER0 :
	       cmd == PYHEAP_CMD_GC_COLLECT ? PYHEAP_GC_COLLECT_SIZE_VER0 :
	       cmd == PYHEAP_CMD_GC_STATS ? PYHEAP_GC_STATS_SIZE_VER0 :
	       ksize[cmd];
}

/*
 * The ABI layer's verdict on an argument of @usize bytes at @p (the
 * dispatcher's ucmd_load(), with the fixed rule that a size above a page
 * is E2BIG): 0 if the handler runs.
 */
static int load_verdict(uint32_t cmd, uintptr_t p, uint32_t usize,
			uint32_t max)
{
	uint32_t k = ksize[cmd];
	const uint8_t *b = (const uint8_t *)p;
	uint32_t i;

	if (!can_read(p, 4))
		return -EFAULT;
	if (usize < min_size(cmd) || usize > max)
		return -EINVAL;
	if (usize > PAGE)
		return -E2BIG;
	if (!can_read(p, usize))
		return -EFAULT;
	for (i = k; i < usize; i++)
		if (b[i])
			return -E2BIG;
	return 0;
}

/*
 * Put the argument @a (its size member already set) where the step's
 * fault says, and run the ioctl.  @c->in is the struct as the kernel
 * reads it, which is what the model works on.
 */
static uint8_t cin[PAGE];

static int kernel_hit;
static long kernel_call;
static char kernel_what[64];

/* Did the call just made make the kernel complain? */
static void kcheck(const char *what)
{
	int n = kmsg_scan();

	if (!n)
		return;
	kreports += replaying ? 0 : n;
	if (!kernel_hit) {
		kernel_call = ncalls;
		snprintf(kernel_what, sizeof(kernel_what), "%s", what);
	}
	kernel_hit = 1;
}

static const char *const cmd_name[] = {
	"VERSION", "OBJ_NEW", "HANDLE_DUP", "HANDLE_CLOSE", "SLOT_SET",
	"SLOT_GET", "PAYLOAD_WRITE", "PAYLOAD_READ", "GETSIZEOF", "HEAP_INFO",
	"BATCH", "GC_COLLECT", "GC_GET", "GC_SET", "GC_STATS", "GC_FREEZE",
	"GC_OBJ_INFO", "GC_REFS", "GC_GARBAGE", "LRU_NEW", "LRU_GET",
	"LRU_SET", "LRU_DELETE", "LRU_INFO", "LRU_GETV", "OBJ_NEWV",
	"HANDLE_CLOSEV", "GC_WHY", "GC_OBJECTS",
};

static void do_ioctl(struct mheap *m, const struct step *st, uint32_t cmd,
		     void *a, struct call *c)
{
	uint32_t k = ksize[cmd], good = st->a[10] % (k + 1);
	uint32_t usize = *(uint32_t *)a;
	uint8_t *p = argbuf;
	int fn = 0;

	memset(&c->e, 0, sizeof(c->e));
	c->fn = 0;
	switch (st->fault) {
	case F_ARG_NONE:
	case F_ARG_RO:
		p = (uint8_t *)bad_page(st->fault == F_ARG_RO) - good;
		memcpy(p, a, good);
		break;
	case F_SIZE_SHORT:
		usize = st->a[10] % min_size(cmd);
		break;
	case F_SIZE_LONG0:
	case F_SIZE_LONGX:
		usize = k + 1 + st->a[10] % 64;
		break;
	case F_SIZE_HUGE:
		usize = PAGE + 1 + st->a[10] % 8000;
		p = bigzero;
		break;
	default:
		break;
	}
	if (st->fault != F_ARG_NONE && st->fault != F_ARG_RO) {
		memset(p, 0, usize > k ? usize : k);
		memcpy(p, a, k);
		*(uint32_t *)p = usize;
		if (st->fault == F_SIZE_LONGX)
			p[usize - 1] = 1 + st->a[9] % 255;
	}
	c->p = p;
	if (st->fault == F_ARG_NONE && good < 4) {
		c->pre = -EFAULT;
		c->e.usize = 0;
	} else {
		memcpy(&c->e.usize, p, 4);
		c->pre = load_verdict(cmd, (uintptr_t)p, c->e.usize,
				      0xffffffffu);
	}
	memset(cin, 0, sizeof(cin));
	if (!c->pre)
		memcpy(cin, p, c->e.usize < k ? c->e.usize : k);
	c->e.wr = can_write((uintptr_t)p, c->e.usize < k ? c->e.usize : k);
	/*
	 * Not where a put may run a finalizer: the kernel frees the object
	 * if its event cannot be had, which the model cannot foresee.
	 */
	if (st->fault == F_FAILNTH && have_failnth && !unrun_finalizers(m)) {
		fn = 1 + st->a[10] % 4;
		failnth_arm(fn);
	}
	c->ret = ioctl(m->fd, _IO(PYHEAP_IOC_MAGIC, cmd), p) ? -errno : 0;
	if (fn)
		failnth_disarm();
	c->fn = fn;
	ncalls++;
	kcheck(cmd_name[cmd]);
}

/* The kernel's copy of what it wrote back, as the caller's struct. */
static void kernel_out(struct call *c, void *out, uint32_t k)
{
	memset(out, 0, k);
	memcpy(out, c->p, c->e.usize < k ? c->e.usize : k);
}

/* ----- raw calls the checks make (not counted as fuzzer calls) ----- */

static int r_ioctl(struct mheap *m, unsigned long cmd, void *a)
{
	return ioctl(m->fd, cmd, a) ? -errno : 0;
}

static int r_obj_info(struct mheap *m, uint32_t h,
		      struct pyheap_gc_obj_info *oi)
{
	memset(oi, 0, sizeof(*oi));
	oi->size = sizeof(*oi);
	oi->handle = h;
	return r_ioctl(m, PYHEAP_IOC_GC_OBJ_INFO, oi);
}

static void learn_id(struct mheap *m, uint32_t h)
{
	struct pyheap_gc_obj_info oi;
	int err = r_obj_info(m, h, &oi);

	CHECK(!err, "GC_OBJ_INFO of new handle %u: %s", h, strerror(-err));
	if (!err)
		m->o[m->hobj[h]].id = oi.out_id;
}

/* The referents of model object @i, in the kernel's traverse order. */
static int referents(struct mheap *m, int i, int *out, int max)
{
	struct mobj *o = &m->o[i];
	int n = 0, k;

	if (o->kind == K_OBJ) {
		for (k = 0; k < (int)o->nslots; k++)
			if (o->slots[k] != NONE) {
				if (n < max)
					out[n] = o->slots[k];
				n++;
			}
		return n;
	}
	for (k = 0; k < o->map->n; k++)
		if (o->map->e[k].obj != NONE) {
			if (n < max)
				out[n] = o->map->e[k].obj;
			n++;
		}
	return n;
}

/* GC_WHY's slot for the @p-th referent of object @i. */
static uint32_t slot_at(struct mheap *m, int i, int p)
{
	struct mobj *o = &m->o[i];
	int k;

	if (o->kind != K_OBJ)
		return p;
	for (k = 0; k < (int)o->nslots; k++)
		if (o->slots[k] != NONE && !p--)
			return k;
	return PYHEAP_SLOT_NONE;
}

static void check_obj(struct mheap *m, uint32_t h)
{
	struct pyheap_gc_obj_info oi;
	struct mobj *o;
	int i = hobj_of(m, h), err;

	if (i == NONE || m->hev[h])
		return;
	o = &m->o[i];
	err = r_obj_info(m, h, &oi);
	CHECK(!err, "GC_OBJ_INFO(%u): %s", h, strerror(-err));
	if (err)
		return;
	CHECK(oi.out_refcnt == o->refcnt,
	      "handle %u: refcnt: model %u, kernel %u", h, o->refcnt,
	      oi.out_refcnt);
	CHECK(oi.out_generation == (uint32_t)o->gen,
	      "handle %u: generation: model %d, kernel %u", h, o->gen,
	      oi.out_generation);
	CHECK(oi.out_finalized == (uint32_t)o->finalized,
	      "handle %u: finalized: model %d, kernel %u", h, o->finalized,
	      oi.out_finalized);
	CHECK(oi.out_tracked == (o->gen != GEN_UNTRACKED),
	      "handle %u: tracked: model %d, kernel %u", h,
	      o->gen != GEN_UNTRACKED, oi.out_tracked);
	CHECK(!o->id || oi.out_id == o->id, "handle %u: id changed", h);
	CHECK(!strcmp(oi.out_type, o->kind == K_OBJ ? "object" :
		      "lru_cache"), "handle %u: type %s", h, oi.out_type);
}

static void check_heap(struct mheap *m)
{
	struct pyheap_heap_info hi = { .size = sizeof(hi) };
	struct pyheap_gc_state g = { .size = sizeof(g) };
	uint64_t ub;
	int err, i, nfrozen = 0;

	err = r_ioctl(m, PYHEAP_IOC_HEAP_INFO, &hi);
	CHECK(!err, "HEAP_INFO: %s", strerror(-err));
	CHECK(hi.out_objects == m->nobj, "objects: model %llu, kernel %llu",
	      (unsigned long long)m->nobj,
	      (unsigned long long)hi.out_objects);
	CHECK(hi.out_handles == m->nh, "handles: model %llu, kernel %llu",
	      (unsigned long long)m->nh,
	      (unsigned long long)hi.out_handles);
	ub = ubytes(m);
	CHECK(m->nmaps ? hi.out_bytes >= ub : hi.out_bytes == ub,
	      "bytes: model %s%llu, kernel %llu", m->nmaps ? ">= " : "",
	      (unsigned long long)ub, (unsigned long long)hi.out_bytes);
	err = r_ioctl(m, PYHEAP_IOC_GC_GET, &g);
	CHECK(!err, "GC_GET: %s", strerror(-err));
	for (i = 0; i < m->no; i++)
		nfrozen += m->o[i].live && m->o[i].gen == 3;
	CHECK(g.enabled == m->enabled && g.debug == m->debug &&
	      !memcmp(g.threshold, m->thr, sizeof(m->thr)),
	      "GC_GET: enabled/debug/threshold: model %u %#x %u, kernel %u %#x %u",
	      m->enabled, m->debug, m->thr[0], g.enabled, g.debug,
	      g.threshold[0]);
	CHECK(!memcmp(g.out_count, m->count, sizeof(m->count)),
	      "gc count: model %u %u %u, kernel %u %u %u", m->count[0],
	      m->count[1], m->count[2], g.out_count[0], g.out_count[1],
	      g.out_count[2]);
	CHECK(g.out_freeze_count == (uint64_t)nfrozen &&
	      g.out_garbage == (uint64_t)m->ngarb &&
	      g.out_events == (uint64_t)m->nev,
	      "frozen/garbage/events: model %d %d %d, kernel %llu %llu %llu",
	      nfrozen, m->ngarb, m->nev,
	      (unsigned long long)g.out_freeze_count,
	      (unsigned long long)g.out_garbage,
	      (unsigned long long)g.out_events);
}

static void check_stats(struct mheap *m, const struct pyheap_gc_stats *s)
{
	uint64_t nr[3] = { 0 };
	int i;

	for (i = 0; i < m->no; i++)
		if (m->o[i].live && m->o[i].gen < 3)
			nr[m->o[i].gen]++;
	for (i = 0; i < 3; i++) {
		const struct pyheap_gc_gen_stats *g = &s->out_gen[i];

		CHECK(g->collections == m->coll[i] &&
		      g->collected == m->collected[i] &&
		      g->uncollectable == m->uncoll[i] &&
		      g->candidates == m->cand[i] && g->objects == nr[i],
		      "GC_STATS gen %d: model %llu %llu %llu %llu %llu, kernel %llu %llu %llu %llu %llu",
		      i, (unsigned long long)m->coll[i],
		      (unsigned long long)m->collected[i],
		      (unsigned long long)m->uncoll[i],
		      (unsigned long long)m->cand[i],
		      (unsigned long long)nr[i],
		      (unsigned long long)g->collections,
		      (unsigned long long)g->collected,
		      (unsigned long long)g->uncollectable,
		      (unsigned long long)g->candidates,
		      (unsigned long long)g->objects);
		/* time moves only in a collection */
		if (m->stats_seen)
			CHECK(g->duration_ns == m->dur[i] &&
			      g->max_pause_ns == m->maxp[i],
			      "GC_STATS gen %d: duration changed without a collection",
			      i);
		m->dur[i] = g->duration_ns;
		m->maxp[i] = g->max_pause_ns;
		/*
		 * A skipped collection is one of the collections, and shows
		 * only here: everything else was checked as for a scan.
		 */
		CHECK(s->out_skipped[i] >= m->skip[i] &&
		      s->out_skipped[i] <= g->collections,
		      "GC_STATS gen %d: skipped %llu after %llu, of %llu",
		      i, (unsigned long long)s->out_skipped[i],
		      (unsigned long long)m->skip[i],
		      (unsigned long long)g->collections);
		if (s->out_skipped[i] > m->skip[i])
			nskipped += s->out_skipped[i] - m->skip[i];
		m->skip[i] = s->out_skipped[i];
	}
	m->stats_seen = 1;
}

static void check_lru(struct mheap *m, uint32_t h)
{
	struct pyheap_lru_cache_info li = { .size = sizeof(li), .handle = h };
	struct mlru *l = m->o[m->hobj[h]].map;
	int err = r_ioctl(m, PYHEAP_IOC_LRU_INFO, &li);

	CHECK(!err, "LRU_INFO(%u): %s", h, strerror(-err));
	CHECK(li.out_hits == l->hits && li.out_misses == l->misses &&
	      li.out_currsize == (uint64_t)l->n &&
	      li.out_evictions == l->evictions &&
	      li.out_maxsize == l->maxsize &&
	      li.out_typed == (uint32_t)l->typed,
	      "LRU_INFO(%u): model hits %llu misses %llu currsize %d evictions %llu, kernel %llu %llu %llu %llu",
	      h, (unsigned long long)l->hits, (unsigned long long)l->misses,
	      l->n, (unsigned long long)l->evictions,
	      (unsigned long long)li.out_hits,
	      (unsigned long long)li.out_misses,
	      (unsigned long long)li.out_currsize,
	      (unsigned long long)li.out_evictions);
}

/* Close handles the checks opened, mirroring them in the model. */
static void r_closev(struct mheap *m, uint32_t *hs, uint32_t n)
{
	struct pyheap_handle_closev cv = {
		.size = sizeof(cv), .count = n, .handles = (uintptr_t)hs,
	};
	int obj[64], err;
	uint32_t i;

	if (!n)
		return;
	err = r_ioctl(m, PYHEAP_IOC_HANDLE_CLOSEV, &cv);
	CHECK(!err, "check: HANDLE_CLOSEV: %s", strerror(-err));
	/* one by one: a put may open an event's handle before the next */
	for (i = 0; i < n; i++) {
		obj[i] = h_take(m, hs[i]);
		oput_now(m, obj[i]);
	}
	h_trim(m);
}

/* The referents of @h, by identity and order, through GC_REFS. */
static void check_referents(struct mheap *m, uint32_t h)
{
	uint32_t hs[64], mine[64], i;
	int want[64], n, i0 = hobj_of(m, h), err;
	struct pyheap_gc_refs r = {
		.size = sizeof(r), .flags = PYHEAP_GC_REFERENTS, .handle = h,
		.max = 64, .handles = (uintptr_t)hs,
	};
	struct pyheap_gc_obj_info oi;

	if (i0 == NONE || m->hev[h] || m->nh + 64 >= m->max_handles)
		return;
	n = referents(m, i0, want, 64);
	checking = 1;
	err = r_ioctl(m, PYHEAP_IOC_GC_REFS, &r);
	CHECK(!err, "check: GC_REFS(%u): %s", h, strerror(-err));
	if (err) {
		checking = 0;
		return;
	}
	CHECK(r.out_total == (uint32_t)n && r.out_count == (n < 64 ? n : 64),
	      "GC_REFS(%u): model %d referents, kernel %u of %u", h, n,
	      r.out_count, r.out_total);
	if (r.out_count > 64)
		r.out_count = 0;
	for (i = 0; i < r.out_count && i < (uint32_t)n; i++) {
		h_open(m, want[i], &mine[i], 0);
		CHECK(mine[i] == hs[i], "GC_REFS: handle %u, model %u", hs[i],
		      mine[i]);
		err = r_obj_info(m, hs[i], &oi);
		CHECK(!err && oi.out_id == m->o[want[i]].id,
		      "GC_REFS(%u): referent %u is not the model's", h, i);
	}
	r_closev(m, hs, i);
	checking = 0;
}

/* The checks' own choices: the same for the same steps on a fresh file. */
static uint32_t cpick(struct mheap *m, uint32_t n)
{
	m->crng = m->crng * 6364136223846793005ULL + 1442695040888963407ULL;
	return n ? (m->crng >> 33) % n : 0;
}

static void check_light(struct mheap *m)
{
	check_heap(m);
	if (m->nlive) {
		check_obj(m, m->live[cpick(m, m->nlive)]);
		if (m->nrecent)
			check_obj(m, m->recent[(m->nrecent - 1) % 16]);
	}
}

/* Everything observable: after a failed call it must all be as before. */
static void check_full(struct mheap *m)
{
	struct pyheap_gc_stats s = { .size = sizeof(s) };
	int i, err, n = 0;

	check_heap(m);
	err = r_ioctl(m, PYHEAP_IOC_GC_STATS, &s);
	CHECK(!err, "GC_STATS: %s", strerror(-err));
	if (!err)
		check_stats(m, &s);
	for (i = 0; i < m->nlive && n < 16; i++) {
		uint32_t h = m->live[i];

		if (m->o[m->hobj[h]].kind == K_MAP) {
			check_lru(m, h);
			n++;
		}
	}
	for (i = 0; i < 12 && m->nlive; i++)
		check_obj(m, m->live[cpick(m, m->nlive)]);
	for (i = 0; i < 2 && m->nlive; i++)
		check_referents(m, m->live[cpick(m, m->nlive)]);
}

/* ----- the model: the collector, as mod/gc.c does it ----- */

static int collect_ok(struct mheap *m, int i, int g)
{
	return m->o[i].live && m->o[i].gen <= g;
}

/* Mark (1) what is reachable from outside the set (mark == @in). */
static void deduce(struct mheap *m, int in)
{
	int *q = NULL, nq = 0, cq = 0, i, k, n, buf[PYHEAP_MAX_SLOTS];
	int *refs;

	for (i = 0; i < m->no; i++)
		if (m->o[i].live && m->o[i].mark == in)
			m->o[i].gcref = m->o[i].refcnt;
	for (i = 0; i < m->no; i++) {
		if (!m->o[i].live || m->o[i].mark != in)
			continue;
		n = referents(m, i, buf, PYHEAP_MAX_SLOTS);
		refs = buf;
		if (n > PYHEAP_MAX_SLOTS) {
			refs = xrealloc(NULL, n * sizeof(int));
			referents(m, i, refs, n);
		}
		for (k = 0; k < n; k++)
			if (m->o[refs[k]].mark == in)
				m->o[refs[k]].gcref--;
		if (refs != buf)
			free(refs);
	}
	for (i = 0; i < m->no; i++)
		if (m->o[i].live && m->o[i].mark == in && m->o[i].gcref > 0) {
			m->o[i].mark = 1;
			q = grow(q, nq, &cq, sizeof(*q));
			q[nq++] = i;
		}
	while (nq) {
		i = q[--nq];
		n = referents(m, i, buf, PYHEAP_MAX_SLOTS);
		refs = buf;
		if (n > PYHEAP_MAX_SLOTS) {
			refs = xrealloc(NULL, n * sizeof(int));
			referents(m, i, refs, n);
		}
		for (k = 0; k < n; k++)
			if (m->o[refs[k]].mark == in) {
				m->o[refs[k]].mark = 1;
				q = grow(q, nq, &cq, sizeof(*q));
				q[nq++] = refs[k];
			}
		if (refs != buf)
			free(refs);
	}
	free(q);
}

static void garbage_add(struct mheap *m, int i)
{
	m->garb = grow(m->garb, m->ngarb, &m->cgarb, sizeof(*m->garb));
	m->garb[m->ngarb++] = i;
	m->o[i].refcnt++;
}

/* What the last m_collect() moved to the garbage list. */
static uint64_t last_uncollectable;

/*
 * gc.collect(g); with @handed (GC_COLLECT_HANDED), a collection of only
 * the objects an earlier one kept alive for its finalizer events, which
 * leaves the counts alone.  Every candidate forgets being kept.  Marks:
 * 0 not a candidate, 2 candidate, 1 reachable, 3 legacy set,
 * 4 unreachable after finalizers, 5 reachable before them.
 */
static uint64_t m_collect(struct mheap *m, int g, int handed)
{
	int old = g + 1 < 2 ? g + 1 : 2, i, k, n, grown, buf[64];
	uint64_t cand = 0, collected = 0, uncoll = 0;
	int events = 0;

	if (g < 2 && !handed)
		m->count[g + 1]++;
	for (i = 0; i <= g && !handed; i++)
		m->count[i] = 0;
	for (i = 0; i < m->no; i++) {
		m->o[i].mark = collect_ok(m, i, g) &&
			       (!handed || m->o[i].handed) ? 2 : 0;
		cand += m->o[i].mark == 2;
		if (m->o[i].mark == 2)
			m->o[i].handed = 0;
	}
	deduce(m, 2);
	for (i = 0; i < m->no; i++)
		if (m->o[i].live && (m->o[i].mark == 1 || m->o[i].mark == 2))
			m->o[i].gen = old;
	/* legacy finalizers and what they reach */
	for (i = 0; i < m->no; i++)
		if (m->o[i].live && m->o[i].mark == 2 && m->o[i].legacy)
			m->o[i].mark = 3;
	do {
		grown = 0;
		for (i = 0; i < m->no; i++) {
			int *refs = buf;

			if (!m->o[i].live || m->o[i].mark != 3)
				continue;
			n = referents(m, i, buf, 64);
			if (n > 64) {
				refs = xrealloc(NULL, n * sizeof(int));
				referents(m, i, refs, n);
			}
			for (k = 0; k < n; k++)
				if (m->o[refs[k]].mark == 2) {
					m->o[refs[k]].mark = 3;
					grown = 1;
				}
			if (refs != buf)
				free(refs);
		}
	} while (grown);
	/* PEP 442 finalizers, once */
	for (i = 0; i < m->no; i++) {
		struct mobj *o = &m->o[i];

		if (!o->live || o->mark != 2 || !o->fin || o->finalized)
			continue;
		o->finalized = 1;
		if (ev_queue(m, i))
			continue;
		events++;
	}
	/*
	 * resurrection: what the events hold survives, and stays in the
	 * generation collected (ABI 1.9); the first survivors are 5 here
	 */
	for (i = 0; i < m->no; i++) {
		if (m->o[i].live && m->o[i].mark == 2)
			m->o[i].mark = 4;
		else if (m->o[i].live && m->o[i].mark == 1)
			m->o[i].mark = 5;
	}
	if (events)
		deduce(m, 4);
	for (i = 0; i < m->no; i++) {
		struct mobj *o = &m->o[i];

		if (!o->live)
			continue;
		if (o->mark == 1) {
			o->gen = g;
			o->handed = 1;
		} else if (o->mark == 3 || o->mark == 4 || o->mark == 5) {
			o->gen = old;
		}
		collected += o->mark == 4;
	}
	/* break the cycles, or keep them all with DEBUG_SAVEALL */
	for (i = 0; i < m->no; i++) {
		struct mobj *o = &m->o[i];

		if (!o->live || o->mark != 4)
			continue;
		if (m->debug & PYHEAP_GC_DEBUG_SAVEALL) {
			garbage_add(m, i);
			continue;
		}
		o->refcnt++;
		if (o->kind == K_OBJ) {
			for (k = 0; k < (int)o->nslots; k++) {
				int t = o->slots[k];

				o->slots[k] = NONE;
				oput(m, t);
			}
		} else {
			for (k = 0; k < o->map->n; k++)
				lru_drop(m, &o->map->e[k]);
			o->map->n = 0;
		}
		ofree_all(m);
		oput_now(m, i);
	}
	/*
	 * As in CPython, breaking the cycles may free objects of the legacy
	 * set (referenced only from what was cleared): the rest is garbage.
	 */
	for (i = 0; i < m->no; i++)
		if (m->o[i].live && m->o[i].mark == 3) {
			garbage_add(m, i);
			uncoll++;
		}
	for (i = 0; i < m->no; i++)
		m->o[i].mark = 0;
	m->coll[g]++;
	m->collected[g] += collected;
	m->uncoll[g] += uncoll;
	last_uncollectable = uncoll;
	m->cand[g] += cand;
	m->stats_seen = 0;
	return collected + uncoll;
}

/* ----- user buffers and what the model says the kernel wrote there ----- */

static uint8_t ushadow[65536];
static uint8_t fshadow[4 * PAGE];

static uint8_t *shadow(uintptr_t p)
{
	if (p >= (uintptr_t)ubuf && p < (uintptr_t)ubuf + sizeof(ubuf))
		return ushadow + (p - (uintptr_t)ubuf);
	if (p >= (uintptr_t)fpage && p < (uintptr_t)fpage + 4 * PAGE)
		return fshadow + (p - (uintptr_t)fpage);
	return NULL;
}

/* The model wrote @len bytes for @p: the kernel must have written them. */
static void check_written(uintptr_t p, uint32_t len, const char *what)
{
	uint8_t *s = shadow(p);

	if (!len || !s)
		return;
	CHECK(!memcmp((void *)p, s, len), "%s: buffer differs from model",
	      what);
}

static const char *ename(int e)
{
	return e ? strerrorname_np(-e) ?: "?" : "0";
}

/* ----- the model of each command: 0 or -errno, outputs into @in ----- */

static int md_obj_new(struct mheap *m, struct pyheap_obj_new *in,
		      struct env *e)
{
	uint32_t h;
	int i;

	if (in->__reserved || in->out_handle)
		return -EINVAL;
	if (in->nslots > PYHEAP_MAX_SLOTS ||
	    in->payload_size > PYHEAP_MAX_PAYLOAD ||
	    (in->flags & ~(PYHEAP_OBJ_FINALIZER |
			   PYHEAP_OBJ_LEGACY_FINALIZER)))
		return -EINVAL;
	if (m->nobj >= m->max_objects)
		return -ENOSPC;
	if (m->nh >= m->max_handles)
		return -ENOSPC;
	i = onew(m, K_OBJ, in->nslots, in->payload_size, in->flags);
	h_open(m, i, &h, 0);
	if (!e->wr) {
		m->o[i].finalized = 1;	/* never seen: no event (uobj.c) */
		h_close(m, h);
		return -EFAULT;
	}
	in->out_handle = h;
	return 0;
}

static int md_lru_new(struct mheap *m, struct pyheap_lru_new *in,
		      struct env *e)
{
	uint32_t h;
	int i;

	/*
	 * PYHEAP_LRU_MAY_SHRINK maps act as the others while reclaim leaves
	 * them alone; a fuzz run is not meant to be short of memory.
	 */
	if ((in->flags & ~(PYHEAP_LRU_TYPED | PYHEAP_LRU_MAY_SHRINK)) ||
	    in->__reserved ||
	    in->out_handle ||
	    (in->maxsize < 0 && in->maxsize != PYHEAP_LRU_MAXSIZE_NONE))
		return -EINVAL;
	if (m->nobj >= m->max_objects || m->nh >= m->max_handles)
		return -ENOSPC;
	i = onew(m, K_MAP, 0, 0, 0);
	m->o[i].map->maxsize = in->maxsize;
	m->o[i].map->typed = !!(in->flags & PYHEAP_LRU_TYPED);
	h_open(m, i, &h, 0);
	if (!e->wr) {
		h_close(m, h);
		return -EFAULT;
	}
	in->out_handle = h;
	m->last_map = h;
	return 0;
}

static int md_dup(struct mheap *m, struct pyheap_handle_dup *in,
		  struct env *e)
{
	int i = hobj_of(m, in->handle), err;
	uint32_t h;

	if (in->flags || in->out_handle)
		return -EINVAL;
	if (i == NONE)
		return -ENOENT;
	err = h_open(m, i, &h, 0);
	if (err)
		return err;
	if (!e->wr) {
		h_close(m, h);
		return -EFAULT;
	}
	in->out_handle = h;
	return 0;
}

static int md_close(struct mheap *m, struct pyheap_handle_close *in,
		    struct env *e)
{
	if (in->flags || in->__reserved)
		return -EINVAL;
	if (!h_live(m, in->handle))
		return -ENOENT;
	if (m->hev[in->handle])
		return -EBUSY;	/* fixed: an unread event's handle */
	h_close(m, in->handle);
	return 0;
}

static int md_closev(struct mheap *m, struct pyheap_handle_closev *in,
		     struct env *e)
{
	uint32_t n = in->count, i, j, *hs = (uint32_t *)(uintptr_t)in->handles;
	int obj[64];

	if (in->flags || in->__reserved || !n || n > PYHEAP_VEC_MAX)
		return -EINVAL;
	if (!can_read(in->handles, n * 4))
		return -EFAULT;
	/* the first handle that cannot be closed decides */
	for (i = 0; i < n; i++) {
		if (!h_live(m, hs[i]))
			return -ENOENT;
		if (m->hev[hs[i]])
			return -EBUSY;	/* fixed: an unread event's handle */
		for (j = 0; j < i; j++)
			if (hs[j] == hs[i])
				return -ENOENT;
	}
	/* one by one: a put may open an event's handle before the next */
	for (i = 0; i < n; i++) {
		obj[i] = h_take(m, hs[i]);
		oput_now(m, obj[i]);
	}
	h_trim(m);
	return 0;
}

static int md_slot_set(struct mheap *m, struct pyheap_slot *in,
		       struct env *e)
{
	int i = hobj_of(m, in->handle), t = NONE, old;

	if (in->flags || in->out_handle)
		return -EINVAL;
	if (i == NONE)
		return -ENOENT;
	if (in->target) {
		t = hobj_of(m, in->target);
		if (t == NONE)
			return -ENOENT;
	}
	if (m->o[i].kind != K_OBJ)
		return -EINVAL;
	if (in->index >= m->o[i].nslots)
		return -ERANGE;
	if (t != NONE)
		m->o[t].refcnt++;
	old = m->o[i].slots[in->index];
	m->o[i].slots[in->index] = t;
	oput_now(m, old);
	return 0;
}

static int md_slot_get(struct mheap *m, struct pyheap_slot *in,
		       struct env *e)
{
	int i = hobj_of(m, in->handle), t, err;
	uint32_t h = 0;

	if (in->flags || in->target || in->out_handle)
		return -EINVAL;
	if (i == NONE)
		return -ENOENT;
	if (m->o[i].kind != K_OBJ)
		return -EINVAL;
	if (in->index >= m->o[i].nslots)
		return -ERANGE;
	t = m->o[i].slots[in->index];
	if (t != NONE) {
		err = h_open(m, t, &h, 0);
		if (err)
			return err;
	}
	if (!e->wr) {
		if (h)
			h_close(m, h);
		return -EFAULT;
	}
	in->out_handle = h;
	return 0;
}

static int md_payload(struct mheap *m, struct pyheap_payload *in,
		      struct env *e, int write)
{
	int i = hobj_of(m, in->handle);
	struct mobj *o;

	if (in->flags)
		return -EINVAL;
	if (i == NONE)
		return -ENOENT;
	o = &m->o[i];
	if (o->kind != K_OBJ)
		return -EINVAL;
	if (in->offset + in->length < in->offset)
		return -EOVERFLOW;
	if (in->offset + in->length > o->psize)
		return -ERANGE;
	if (write) {
		if (!can_read(in->data, in->length))
			return -EFAULT;
		memcpy(o->payload + in->offset, (void *)(uintptr_t)in->data,
		       in->length);
		return 0;
	}
	if (!can_write(in->data, in->length))
		return -EFAULT;
	if (shadow(in->data))
		memcpy(shadow(in->data), o->payload + in->offset, in->length);
	return 0;
}

/* Objects reachable from @i, each once, and their sizes. */
static void deep(struct mheap *m, int i, uint64_t *objs, uint64_t *bytes,
		 int *maps)
{
	int *q = NULL, nq = 0, cq = 0, k, n, j, buf[64], *refs;
	int qi;

	q = grow(q, nq, &cq, sizeof(*q));
	q[nq++] = i;
	m->o[i].mark = 9;
	for (qi = 0; qi < nq; qi++) {
		j = q[qi];
		refs = buf;
		n = referents(m, j, buf, 64);
		if (n > 64) {
			refs = xrealloc(NULL, n * sizeof(int));
			referents(m, j, refs, n);
		}
		for (k = 0; k < n; k++)
			if (m->o[refs[k]].mark != 9) {
				m->o[refs[k]].mark = 9;
				q = grow(q, nq, &cq, sizeof(*q));
				q[nq++] = refs[k];
			}
		if (refs != buf)
			free(refs);
	}
	*objs = nq;
	*bytes = 0;
	*maps = 0;
	for (qi = 0; qi < nq; qi++) {
		m->o[q[qi]].mark = 0;
		*bytes += m->o[q[qi]].size;
		*maps += m->o[q[qi]].kind == K_MAP;
	}
	free(q);
}

static int md_sizeof(struct mheap *m, struct pyheap_getsizeof *in,
		     struct env *e, int *loose)
{
	int i = hobj_of(m, in->handle), maps = 0;
	uint64_t objs = 0, bytes = 0;

	if ((in->flags & ~PYHEAP_GETSIZEOF_DEEP) || in->__reserved)
		return -EINVAL;
	if (i == NONE)
		return -ENOENT;
	if (in->flags & PYHEAP_GETSIZEOF_DEEP)
		deep(m, i, &objs, &bytes, &maps);
	if (!e->wr)
		return -EFAULT;
	*loose = m->o[i].kind == K_MAP ? 5 : maps ? 4 : 0;
	in->out_size = m->o[i].size;
	in->out_class_size = class_size(m->o[i].size);
	in->out_deep_size = bytes;
	in->out_deep_objects = objs;
	return 0;
}

static int md_collect(struct mheap *m, struct pyheap_gc_collect *in,
		      struct env *e)
{
	if ((in->flags & ~PYHEAP_GC_COLLECT_HANDED) || in->__reserved ||
	    in->out_unreachable)
		return -EINVAL;
	/* fixed: the answer is proven writable first, nothing collected */
	if (!e->wr)
		return -EFAULT;
	if (in->generation >= 3)
		return -EINVAL;
	in->out_unreachable = m_collect(m, in->generation,
					in->flags & PYHEAP_GC_COLLECT_HANDED);
	in->out_uncollectable = last_uncollectable;	/* ABI 1.7 */
	in->out_collected = in->out_unreachable - last_uncollectable;
	return 0;
}

static void gc_fill(struct mheap *m, struct pyheap_gc_state *g)
{
	int i, nfrozen = 0;

	for (i = 0; i < m->no; i++)
		nfrozen += m->o[i].live && m->o[i].gen == 3;
	g->enabled = m->enabled;
	g->debug = m->debug;
	memcpy(g->threshold, m->thr, sizeof(m->thr));
	memcpy(g->out_count, m->count, sizeof(m->count));
	g->out_freeze_count = nfrozen;
	g->out_garbage = m->ngarb;
	g->out_events = m->nev;
}

#define DEBUG_ALL	(PYHEAP_GC_DEBUG_STATS | PYHEAP_GC_DEBUG_COLLECTABLE | \
			 PYHEAP_GC_DEBUG_UNCOLLECTABLE | \
			 PYHEAP_GC_DEBUG_SAVEALL)

static int md_gc_state(struct mheap *m, struct pyheap_gc_state *in,
		       struct env *e, int set)
{
	int i;

	if (!set) {
		if (in->flags || in->__reserved || in->__reserved2)
			return -EINVAL;
		if (!e->wr)
			return -EFAULT;
		gc_fill(m, in);
		return 0;
	}
	if ((in->flags & ~7U) || in->__reserved || in->__reserved2 ||
	    in->enabled > 1 || (in->debug & ~DEBUG_ALL))
		return -EINVAL;
	for (i = 0; i < 3; i++)
		if (in->out_count[i])
			return -EINVAL;
	if (!e->wr)
		return -EFAULT;	/* fixed: nothing set */
	if (in->flags & PYHEAP_GC_SET_ENABLED)
		m->enabled = in->enabled;
	if (in->flags & PYHEAP_GC_SET_DEBUG)
		m->debug = in->debug;
	if (in->flags & PYHEAP_GC_SET_THRESHOLD)
		memcpy(m->thr, in->threshold, sizeof(m->thr));
	gc_fill(m, in);
	return 0;
}

static int md_freeze(struct mheap *m, struct pyheap_gc_freeze *in,
		     struct env *e)
{
	int i, n = 0;

	if (in->flags != PYHEAP_GC_FREEZE && in->flags != PYHEAP_GC_UNFREEZE)
		return -EINVAL;
	if (!e->wr)
		return -EFAULT;	/* fixed: nothing moved */
	for (i = 0; i < m->no; i++) {
		if (!m->o[i].live || m->o[i].gen == GEN_UNTRACKED)
			continue;
		if (in->flags == PYHEAP_GC_FREEZE) {
			m->o[i].gen = 3;
			m->o[i].handed = 0;	/* (ABI 1.10) */
		} else if (m->o[i].gen == 3) {
			m->o[i].gen = 2;
		}
		n += m->o[i].gen == 3;
	}
	if (in->flags == PYHEAP_GC_FREEZE)
		memset(m->count, 0, sizeof(m->count));
	in->out_freeze_count = n;
	return 0;
}

static int md_obj_info(struct mheap *m, struct pyheap_gc_obj_info *in,
		       struct env *e)
{
	int i = hobj_of(m, in->handle);
	struct mobj *o;

	if (in->flags || in->__reserved)
		return -EINVAL;
	if (i == NONE)
		return -ENOENT;
	if (!e->wr)
		return -EFAULT;
	o = &m->o[i];
	in->out_tracked = o->gen != GEN_UNTRACKED;
	in->out_finalized = o->finalized;
	in->out_generation = o->gen;
	in->out_refcnt = o->refcnt;
	in->out_id = o->id;
	memset(in->out_type, 0, sizeof(in->out_type));
	snprintf(in->out_type, sizeof(in->out_type), "%s",
		 o->kind == K_OBJ ? "object" : "lru_cache");
	return 0;
}

/*
 * GC_REFS and GC_GARBAGE LIST: open handles to @objs, write them out,
 * undo on failure as the dispatcher does, newest handle first, so that
 * the free handles are as they were.  @order: 0 if the kernel's order is
 * not the model's (only the set is compared).
 */
static int refs_out(struct mheap *m, int *objs, uint32_t count,
		    uint32_t total, uint64_t uaddr, struct env *e,
		    uint32_t *out_count, uint32_t *out_total, uint64_t more)
{
	uint32_t hs[PYHEAP_GC_REFS_MAX], opened, i;
	int err = 0;

	for (opened = 0; opened < count; opened++) {
		err = h_open(m, objs[opened], &hs[opened], 0);
		if (err)
			break;
	}
	if (!err && !can_write(uaddr, count * 4))
		err = -EFAULT;
	if (!err && more && !can_write(more, count * 4))
		err = -EFAULT;		/* GC_GARBAGE's groups, copied next */
	if (!err && !e->wr)
		err = -EFAULT;
	if (err) {
		for (i = opened; i > 0; i--)
			h_close(m, hs[i - 1]);
		return err;
	}
	if (shadow(uaddr))
		memcpy(shadow(uaddr), hs, count * 4);
	*out_count = count;
	*out_total = total;
	return 0;
}

static int *rset;	/* the objects a GC_REFS or GC_GARBAGE call named */
static int nrset, crset;

static int md_refs(struct mheap *m, struct pyheap_gc_refs *in,
		   struct env *e, int *ordered)
{
	int i = hobj_of(m, in->handle), j, n = 0, k, buf[64], *refs;

	if ((in->flags != PYHEAP_GC_REFERENTS &&
	     in->flags != PYHEAP_GC_REFERRERS) || in->out_count ||
	    in->out_total)
		return -EINVAL;
	if (i == NONE)
		return -ENOENT;
	if (!in->max || in->max > PYHEAP_GC_REFS_MAX)
		return -EINVAL;
	nrset = 0;
	*ordered = in->flags == PYHEAP_GC_REFERENTS;
	if (*ordered) {
		n = referents(m, i, buf, 0);
		for (k = 0; k < n; k++) {
			rset = grow(rset, nrset, &crset, sizeof(*rset));
			nrset++;
		}
		referents(m, i, rset, n);
	} else {
		for (j = 0; j < m->no; j++) {
			if (!m->o[j].live)
				continue;
			refs = buf;
			n = referents(m, j, buf, 64);
			if (n > 64) {
				refs = xrealloc(NULL, n * sizeof(int));
				referents(m, j, refs, n);
			}
			for (k = 0; k < n; k++)
				if (refs[k] == i)
					break;
			if (refs != buf)
				free(refs);
			if (k < n) {
				rset = grow(rset, nrset, &crset, sizeof(*rset));
				rset[nrset++] = j;
			}
		}
	}
	return refs_out(m, rset, nrset < (int)in->max ? nrset : in->max,
			nrset, in->handles, e, &in->out_count,
			&in->out_total, 0);
}

/*
 * GC_OBJECTS (ABI 1.7): a page of the tracked objects of one generation or
 * of all three.  The kernel's list order is not the model's, so, as for a
 * garbage page, the model opens handles to its own guess of the page and
 * remap() points them at what the kernel named.
 */
static int md_objects(struct mheap *m, struct pyheap_gc_objects *in,
		      struct env *e)
{
	int one = in->flags & PYHEAP_GC_OBJECTS_GENERATION, g, i, err;
	uint32_t n = 0, count, total;

	if ((in->flags & ~PYHEAP_GC_OBJECTS_GENERATION) || in->__reserved ||
	    in->out_total || in->out_count ||
	    (one ? in->generation >= 3 : in->generation != 0) ||
	    in->max > PYHEAP_GC_REFS_MAX || !in->max != !in->handles)
		return -EINVAL;
	g = one ? (int)in->generation : -1;
	nrset = 0;
	for (i = 0; i < m->no; i++) {
		if (!m->o[i].live ||
		    (g < 0 ? m->o[i].gen >= 3 : m->o[i].gen != g))
			continue;
		rset = grow(rset, nrset, &crset, sizeof(*rset));
		rset[nrset++] = i;
	}
	if (in->offset < (uint64_t)nrset)
		n = nrset - in->offset < in->max ? nrset - in->offset :
		    in->max;
	err = refs_out(m, rset, n, nrset, in->handles, e, &count, &total, 0);
	if (err)
		return err;
	in->out_count = count;
	in->out_total = total;
	return 0;
}

/*
 * The cycles of the garbage list (GC_GARBAGE's groups): Tarjan's strongly
 * connected components over the references between garbage objects,
 * recursive (the lists here are short).  gscc[i] is object i's component
 * if it lies on a cycle, else 0; gnscc how many such components.  Which
 * number a component gets depends on the kernel's list order, which the
 * model does not know: the checks compare the partition, not the numbers.
 */
static int *gscc, *gidx, *glow, *gstk, gsp, gnext, gnscc, gcomp;

static int in_garbage(struct mheap *m, int i)
{
	int k;

	for (k = 0; k < m->ngarb; k++)
		if (m->garb[k] == i)
			return 1;
	return 0;
}

static void gscc_visit(struct mheap *m, int v)
{
	int *buf, n, k, w, size = 0, self = 0;

	gidx[v] = ++gnext;
	glow[v] = gidx[v];
	gstk[gsp++] = v;
	gscc[v] = -1;			/* on the stack */
	n = referents(m, v, NULL, 0);
	buf = xrealloc(NULL, (n + 1) * sizeof(*buf));
	referents(m, v, buf, n);
	for (k = 0; k < n; k++) {
		w = buf[k];
		if (!in_garbage(m, w))
			continue;
		self |= w == v;
		if (!gidx[w]) {
			gscc_visit(m, w);
			if (glow[w] < glow[v])
				glow[v] = glow[w];
		} else if (gscc[w] == -1 && gidx[w] < glow[v]) {
			glow[v] = gidx[w];
		}
	}
	free(buf);
	if (glow[v] != gidx[v])
		return;
	for (k = gsp; gstk[--k] != v; )
		size++;
	++gcomp;
	while (gsp > k) {
		w = gstk[--gsp];
		gscc[w] = size || self ? gcomp : 0;
	}
	gnscc += size || self;
}

static void garbage_sccs(struct mheap *m)
{
	int k;

	free(gscc);
	free(gidx);
	free(glow);
	free(gstk);
	gscc = xrealloc(NULL, (m->no + 1) * sizeof(int));
	gidx = xrealloc(NULL, (m->no + 1) * sizeof(int));
	glow = xrealloc(NULL, (m->no + 1) * sizeof(int));
	gstk = xrealloc(NULL, (m->no + 1) * sizeof(int));
	memset(gidx, 0, (m->no + 1) * sizeof(int));
	memset(gscc, 0, (m->no + 1) * sizeof(int));
	gsp = 0;
	gnext = 0;
	gnscc = 0;
	gcomp = 0;
	for (k = 0; k < m->ngarb; k++)
		if (!gidx[m->garb[k]])
			gscc_visit(m, m->garb[k]);
}

static int md_garbage(struct mheap *m, struct pyheap_gc_garbage *in,
		      struct env *e)
{
	uint32_t n = 0;
	int k;

	if (in->__reserved || in->__reserved2 || in->out_count ||
	    in->out_total || in->out_cycles)
		return -EINVAL;
	if (in->flags == PYHEAP_GC_GARBAGE_CLEAR) {
		if (in->max || in->handles || in->offset || in->groups)
			return -EINVAL;
		if (!e->wr)
			return -EFAULT;
		in->out_total = m->ngarb;
		in->out_count = m->ngarb;
		for (k = 0; k < m->ngarb; k++)
			oput(m, m->garb[k]);
		m->ngarb = 0;
		ofree_all(m);
		return 0;
	}
	if (in->flags != PYHEAP_GC_GARBAGE_LIST)
		return -EINVAL;
	if (!in->max || (in->handles && in->max > PYHEAP_GC_REFS_MAX) ||
	    (!in->groups && in->max > PYHEAP_GC_REFS_MAX))
		return -EINVAL;
	if (in->offset < (uint64_t)m->ngarb)
		n = m->ngarb - in->offset < in->max ? m->ngarb - in->offset :
		    in->max;
	nrset = 0;
	for (k = 0; k < m->ngarb; k++) {
		rset = grow(rset, nrset, &crset, sizeof(*rset));
		rset[nrset++] = m->garb[k];
	}
	if (in->groups) {
		garbage_sccs(m);
		in->out_cycles = gnscc;
		if (!in->handles || !n) {
			if (!can_write(in->groups, n * 4) || !e->wr)
				return -EFAULT;
			in->out_count = n;
			in->out_total = nrset;
			return 0;
		}
	}
	/* the page's objects are unknown (the list's order is the kernel's) */
	return refs_out(m, rset, n, nrset, in->handles, e, &in->out_count,
			&in->out_total, in->groups);
}

/*
 * GC_GARBAGE with groups, after the kernel answered: the groups of the
 * listed entries must make the model's partition.  With handles (remapped
 * already) each entry's object is known: equal groups for one cycle,
 * different ones for different cycles, 0 off every cycle; if the page is
 * the whole list, numbered in order of first appearance.  Without them,
 * only the shape: numbers within out_cycles and, for the whole list, the
 * same sizes of cycles and first appearances in order.
 */
static void check_groups(struct mheap *m, const struct pyheap_gc_garbage *g)
{
	const uint32_t *grp = (const uint32_t *)(uintptr_t)g->groups;
	const uint32_t *hs = (const uint32_t *)(uintptr_t)g->handles;
	int whole = !g->offset && g->out_count == (uint32_t)m->ngarb;
	int *first = xrealloc(NULL, (gnscc + 2) * sizeof(int) * 2);
	int *size = first + gnscc + 2, i, j, c, next = 0;
	uint32_t k;

	for (i = 0; i < 2 * (gnscc + 2); i++)
		first[i] = 0;
	for (k = 0; k < g->out_count; k++) {
		CHECK(grp[k] <= (uint32_t)gnscc, "GC_GARBAGE group %u of %d",
		      grp[k], gnscc);
		if (grp[k] > (uint32_t)gnscc)
			break;
		size[grp[k]]++;
		if (grp[k] && !first[grp[k]]) {
			CHECK(!whole || grp[k] == (uint32_t)next + 1,
			      "GC_GARBAGE: group %u first, model %d", grp[k],
			      next + 1);
			first[grp[k]] = ++next;
		}
		if (!hs)
			continue;
		i = hobj_of(m, hs[k]);
		for (j = 0; j < (int)k && i != NONE; j++) {
			c = hobj_of(m, hs[j]);
			if (c == NONE)
				continue;
			CHECK((grp[j] == grp[k] && grp[k]) ==
			      (gscc[c] == gscc[i] && gscc[i]),
			      "GC_GARBAGE: entries %d and %u: groups %u %u, model %d %d",
			      j, k, grp[j], grp[k], gscc[c], gscc[i]);
		}
		if (i != NONE)
			CHECK(!grp[k] == !gscc[i],
			      "GC_GARBAGE: entry %u group %u, model cycle %d",
			      k, grp[k], gscc[i]);
	}
	if (whole && !hs) {
		/* the sizes of the cycles, as a multiset */
		int *msize = xrealloc(NULL, (gcomp + 1) * sizeof(int));

		for (c = 0; c <= gcomp; c++)
			msize[c] = 0;
		for (j = 0; j < m->ngarb; j++)
			msize[gscc[m->garb[j]]]++;
		CHECK(size[0] == msize[0],
		      "GC_GARBAGE: %d on no cycle, model %d", size[0],
		      msize[0]);
		for (c = 1; c <= gnscc; c++) {
			for (i = 1; i <= gcomp; i++)
				if (msize[i] == size[c])
					break;
			CHECK(i <= gcomp,
			      "GC_GARBAGE: a cycle of %d the model lacks",
			      size[c]);
			if (i <= gcomp)
				msize[i] = -1;
		}
		free(msize);
	}
	free(first);
}

/*
 * GC_WHY: the kernel's walk, in the model: breadth first from the object
 * of every live handle but the one asked about, in handle order, over
 * referents() (slots in index order, map values least recent first),
 * stopped when the object is found.  build() makes the call invalid while
 * an event is unread (an event handle's object is vague).
 */
static int md_why(struct mheap *m, struct pyheap_gc_why *in, struct env *e)
{
	int t = hobj_of(m, in->handle), *par, *pos, *q, nq = 0, i, k, n;
	int found = NONE, buf[PYHEAP_MAX_SLOTS], *chain, err = 0;
	struct pyheap_gc_why_step *st;
	uint32_t h, len = 0, opened;

	if (in->flags || in->__reserved || in->out_count)
		return -EINVAL;
	if (t == NONE)
		return -ENOENT;
	par = xrealloc(NULL, 3 * (m->no + 1) * sizeof(int));
	pos = par + m->no + 1;
	q = pos + m->no + 1;
	for (i = 0; i < m->no; i++)
		par[i] = -2;			/* not seen */
	for (h = 1; h < m->top && found == NONE; h++) {
		if (!h_live(m, h) || h == in->handle || par[m->hobj[h]] != -2)
			continue;
		i = m->hobj[h];
		par[i] = NONE;
		q[nq++] = i;
		if (i == t)
			found = t;
	}
	for (k = 0; k < nq && found == NONE; k++) {
		n = referents(m, q[k], buf, PYHEAP_MAX_SLOTS);
		for (i = 0; i < n && i < PYHEAP_MAX_SLOTS; i++) {
			if (par[buf[i]] != -2)
				continue;
			par[buf[i]] = q[k];
			pos[buf[i]] = i;
			q[nq++] = buf[i];
			if (buf[i] == t) {
				found = t;
				break;
			}
		}
	}
	if (found == NONE) {
		free(par);
		return -ENOENT;
	}
	for (i = t; i != NONE; i = par[i])
		len++;
	in->out_count = len;
	if (len > in->max) {
		free(par);
		return e->wr ? -EOVERFLOW : -EFAULT;
	}
	chain = xrealloc(NULL, len * sizeof(int));
	st = xrealloc(NULL, len * sizeof(*st));
	for (i = t, k = len; i != NONE; i = par[i])
		chain[--k] = i;
	for (k = 0; k < (int)len; k++) {
		st[k].slot = PYHEAP_SLOT_NONE;
		if (k + 1 < (int)len)
			st[k].slot = slot_at(m, chain[k], pos[chain[k + 1]]);
	}
	for (opened = 0; opened < len && !err; opened++)
		err = h_open(m, chain[opened], &st[opened].handle, 0);
	if (err)
		opened--;
	if (!err && (!can_write(in->steps, len * sizeof(*st)) || !e->wr))
		err = -EFAULT;
	if (err) {
		while (opened)
			h_close(m, st[--opened].handle);
	} else if (shadow(in->steps)) {
		memcpy(shadow(in->steps), st, len * sizeof(*st));
	}
	free(st);
	free(chain);
	free(par);
	return err;
}

/* ----- the model: LRU maps ----- */

static int lru_find(struct mlru *l, uint32_t type, const uint8_t *key,
		    uint32_t len)
{
	int k;

	if (!l->typed)
		type = 0;
	for (k = 0; k < l->n; k++)
		if (l->e[k].klen == len && l->e[k].type == type &&
		    !memcmp(l->e[k].key, key, len))
			return k;
	return NONE;
}

static void lru_touch(struct mlru *l, int k)
{
	struct mentry t = l->e[k];

	memmove(&l->e[k], &l->e[k + 1], (l->n - k - 1) * sizeof(t));
	l->e[l->n - 1] = t;
}

static void lru_remove(struct mheap *m, struct mlru *l, int k)
{
	struct mentry t = l->e[k];

	memmove(&l->e[k], &l->e[k + 1], (l->n - k - 1) * sizeof(t));
	l->n--;
	lru_drop(m, &t);
	ofree_all(m);
}

/* lru_set(): store, replacing or evicting; @obj's reference is taken. */
static void lru_store(struct mheap *m, struct mlru *l, uint32_t type,
		      const uint8_t *key, uint32_t klen, int obj,
		      const uint8_t *val, uint32_t vlen, int pending)
{
	struct mentry ne = { .type = l->typed ? type : 0, .klen = klen,
			   .obj = obj, .vlen = vlen, .pending = pending };
	int k;

	if (obj != NONE)
		m->o[obj].refcnt++;
	if (!l->maxsize) {
		oput_now(m, obj);
		return;
	}
	memcpy(ne.key, key, klen);
	if (vlen) {
		ne.val = xrealloc(NULL, vlen);
		memcpy(ne.val, val, vlen);
	}
	k = lru_find(l, type, key, klen);
	if (k != NONE) {
		struct mentry old = l->e[k];

		l->e[k] = ne;
		lru_touch(l, k);
		lru_drop(m, &old);
		ofree_all(m);
		return;
	}
	l->e = grow(l->e, l->n, &l->cap, sizeof(*l->e));
	l->e[l->n++] = ne;
	if (l->maxsize > 0 && l->n > l->maxsize) {
		l->evictions++;
		lru_remove(m, l, 0);
	}
}

static struct mlru *md_lru_load(struct mheap *m, struct pyheap_lru_op *in,
				int *err)
{
	int i;

	*err = 0;
	if (in->key_len > PYHEAP_LRU_MAX_KEY_SIZE || in->out_hit ||
	    in->out_value_len || in->out_value_handle) {
		*err = -EINVAL;
		return NULL;
	}
	i = hobj_of(m, in->handle);
	if (i == NONE)
		*err = -ENOENT;
	else if (m->o[i].kind != K_MAP)
		*err = -EINVAL;
	else if (!can_read(in->key, in->key_len))
		*err = -EFAULT;
	return *err ? NULL : m->o[i].map;
}

static int md_lru_get(struct mheap *m, struct pyheap_lru_op *in,
		      struct env *e)
{
	uint32_t f = in->flags, h = 0;
	const uint8_t *key = (const uint8_t *)(uintptr_t)in->key;
	struct mlru *l;
	struct mentry *en;
	int err, k;

	if ((f & ~(PYHEAP_LRU_PEEK | PYHEAP_LRU_COMPUTE)) ||
	    ((f & PYHEAP_LRU_PEEK) && (f & PYHEAP_LRU_COMPUTE)) ||
	    (!(f & PYHEAP_LRU_COMPUTE) && in->timeout_ms))
		return -EINVAL;
	l = md_lru_load(m, in, &err);
	if (!l)
		return err;
	k = in->key_len > KEY_MAX ? NONE :
	    lru_find(l, in->key_type, key, in->key_len);
	if (k != NONE && l->e[k].pending) {
		if (f & PYHEAP_LRU_COMPUTE)
			return -EAGAIN;	/* O_NONBLOCK, or in a batch */
		if (!e->wr)
			return -EFAULT;
		in->out_hit = PYHEAP_LRU_MISS;
		if (!(f & PYHEAP_LRU_PEEK))
			l->misses++;
		return 0;
	}
	if (k == NONE && (f & PYHEAP_LRU_COMPUTE)) {
		if (!e->wr)
			return -EFAULT;	/* fixed: no claim, no eviction */
		lru_store(m, l, in->key_type, key, in->key_len, NONE, NULL, 0,
			  1);
		in->out_hit = PYHEAP_LRU_CLAIMED;
		l->misses++;
		return 0;
	}
	if (k == NONE) {
		if (!e->wr)
			return -EFAULT;
		in->out_hit = PYHEAP_LRU_MISS;
		if (!(f & PYHEAP_LRU_PEEK))
			l->misses++;
		return 0;
	}
	en = &l->e[k];
	in->out_hit = PYHEAP_LRU_HIT;
	in->out_value_len = en->vlen;
	if (en->obj != NONE) {
		err = h_open(m, en->obj, &h, 0);
		if (err)
			return err;
	} else if (en->vlen > in->value_len) {
		return -EOVERFLOW;
	} else if (!can_write(in->value, en->vlen)) {
		return -EFAULT;
	}
	if (!e->wr) {
		if (h)
			h_close(m, h);
		return -EFAULT;
	}
	in->out_value_handle = h;
	if (en->obj == NONE && shadow(in->value))
		memcpy(shadow(in->value), en->val, en->vlen);
	if (!(f & PYHEAP_LRU_PEEK)) {
		l->hits++;
		lru_touch(l, k);
	}
	return 0;
}

static int md_lru_set(struct mheap *m, struct pyheap_lru_op *in,
		      struct env *e)
{
	int t = NONE, err;
	struct mlru *l;

	if (in->flags & ~PYHEAP_LRU_VALUE_OBJECT)
		return -EINVAL;
	if (in->flags & PYHEAP_LRU_VALUE_OBJECT) {
		if (in->value_len || in->value)
			return -EINVAL;
		t = hobj_of(m, in->value_handle);
		if (t == NONE)
			return -ENOENT;
	} else if (in->value_handle ||
		   in->value_len > PYHEAP_LRU_MAX_VALUE_SIZE) {
		return -EINVAL;
	}
	l = md_lru_load(m, in, &err);
	if (!l)
		return err;
	if (!can_read(in->value, in->value_len))
		return -EFAULT;
	lru_store(m, l, in->key_type, (const uint8_t *)(uintptr_t)in->key,
		  in->key_len, t, (const uint8_t *)(uintptr_t)in->value,
		  in->value_len, 0);
	return 0;
}

static int md_lru_del(struct mheap *m, struct pyheap_lru_op *in,
		      struct env *e)
{
	struct mlru *l;
	int err, k;

	if (in->flags || in->value_handle || in->value || in->value_len)
		return -EINVAL;
	l = md_lru_load(m, in, &err);
	if (!l)
		return err;
	k = lru_find(l, in->key_type, (const uint8_t *)(uintptr_t)in->key,
		     in->key_len);
	if (!e->wr)
		return -EFAULT;
	in->out_hit = k != NONE;
	if (k != NONE)
		lru_remove(m, l, k);
	return 0;
}

static int md_lru_info(struct mheap *m, struct pyheap_lru_cache_info *in,
		       struct env *e)
{
	int i = hobj_of(m, in->handle), k;
	struct mlru *l;

	if (in->flags & ~PYHEAP_LRU_CLEAR)
		return -EINVAL;
	if (i == NONE)
		return -ENOENT;
	if (m->o[i].kind != K_MAP)
		return -EINVAL;
	if (!e->wr)
		return -EFAULT;
	l = m->o[i].map;
	in->out_typed = l->typed;
	in->out_maxsize = l->maxsize;
	in->out_hits = l->hits;
	in->out_misses = l->misses;
	in->out_currsize = l->n;
	in->out_evictions = l->evictions;
	if (in->flags & PYHEAP_LRU_CLEAR) {
		for (k = 0; k < l->n; k++)
			lru_drop(m, &l->e[k]);
		l->n = 0;
		l->hits = 0;
		l->misses = 0;
		l->evictions = 0;
		ofree_all(m);
	}
	return 0;
}

static int md_heap_info(struct mheap *m, struct pyheap_heap_info *in,
			struct env *e)
{
	if (in->flags)
		return -EINVAL;
	if (!e->wr)
		return -EFAULT;
	in->out_objects = m->nobj;
	in->out_bytes = ubytes(m);
	in->out_handles = m->nh;
	in->out_max_objects = m->max_objects;
	in->out_max_bytes = m->max_bytes;
	in->out_max_handles = m->max_handles;
	return 0;
}

static int md_version(struct mheap *m, struct pyheap_version *in,
		      struct env *e)
{
	if (in->flags)
		return -EINVAL;
	if (!e->wr)
		return -EFAULT;
	in->out_abi_major = PYHEAP_ABI_MAJOR;
	in->out_abi_minor = PYHEAP_ABI_MINOR;
	return 0;
}

/*
 * One command through the model: @in is the kernel's view of the
 * argument; on success it holds the expected output.  *@loose: fields
 * the model knows only loosely (bytes with maps, deep sizes of maps).
 */
static int model(struct mheap *m, uint32_t cmd, void *in, struct env *e,
		 int *loose)
{
	int ordered;

	*loose = 0;
	switch (cmd) {
	case PYHEAP_CMD_VERSION:
		*loose = 1;
		return md_version(m, in, e);
	case PYHEAP_CMD_OBJ_NEW:
		return md_obj_new(m, in, e);
	case PYHEAP_CMD_HANDLE_DUP:
		return md_dup(m, in, e);
	case PYHEAP_CMD_HANDLE_CLOSE:
		return md_close(m, in, e);
	case PYHEAP_CMD_HANDLE_CLOSEV:
		return md_closev(m, in, e);
	case PYHEAP_CMD_SLOT_SET:
		return md_slot_set(m, in, e);
	case PYHEAP_CMD_SLOT_GET:
		return md_slot_get(m, in, e);
	case PYHEAP_CMD_PAYLOAD_WRITE:
		return md_payload(m, in, e, 1);
	case PYHEAP_CMD_PAYLOAD_READ:
		return md_payload(m, in, e, 0);
	case PYHEAP_CMD_GETSIZEOF:
		return md_sizeof(m, in, e, loose);
	case PYHEAP_CMD_HEAP_INFO:
		*loose = m->nmaps ? 3 : 0;
		return md_heap_info(m, in, e);
	case PYHEAP_CMD_GC_COLLECT:
		return md_collect(m, in, e);
	case PYHEAP_CMD_GC_GET:
		return md_gc_state(m, in, e, 0);
	case PYHEAP_CMD_GC_SET:
		return md_gc_state(m, in, e, 1);
	case PYHEAP_CMD_GC_FREEZE:
		return md_freeze(m, in, e);
	case PYHEAP_CMD_GC_OBJ_INFO:
		return md_obj_info(m, in, e);
	case PYHEAP_CMD_GC_REFS:
		return md_refs(m, in, e, &ordered);
	case PYHEAP_CMD_GC_GARBAGE:
		return md_garbage(m, in, e);
	case PYHEAP_CMD_GC_WHY:
		return md_why(m, in, e);
	case PYHEAP_CMD_GC_OBJECTS:
		return md_objects(m, in, e);
	case PYHEAP_CMD_LRU_NEW:
		return md_lru_new(m, in, e);
	case PYHEAP_CMD_LRU_GET:
		return md_lru_get(m, in, e);
	case PYHEAP_CMD_LRU_SET:
		return md_lru_set(m, in, e);
	case PYHEAP_CMD_LRU_DELETE:
		return md_lru_del(m, in, e);
	case PYHEAP_CMD_LRU_INFO:
		return md_lru_info(m, in, e);
	default:
		return -ENOTTY;
	}
}

/*
 * Handles GC_REFS and GC_GARBAGE opened: point them at the objects the
 * kernel named.  Referrers and garbage come in the kernel's list order,
 * and a truncated answer is a subset the model cannot know: find each by
 * its id among every object the call could have named.
 */
static void remap(struct mheap *m, const uint32_t *hs, uint32_t n)
{
	static char *used;
	static int cused;
	struct pyheap_gc_obj_info oi;
	uint32_t i;
	int j, to;

	/* GC_OBJECTS pages through every tracked object: nrset is unbounded */
	if (nrset > cused) {
		cused = nrset;
		used = xrealloc(used, cused);
	}
	memset(used, 0, nrset);
	for (i = 0; i < n; i++) {
		if (!h_live(m, hs[i]) || r_obj_info(m, hs[i], &oi))
			continue;
		to = NONE;
		for (j = 0; j < nrset; j++)
			if (!used[j] && m->o[rset[j]].id == oi.out_id) {
				used[j] = 1;
				to = rset[j];
				break;
			}
		CHECK(to != NONE,
		      "handle %u names no object the model expected", hs[i]);
		if (to == NONE || to == m->hobj[hs[i]])
			continue;
		m->o[m->hobj[hs[i]]].refcnt--;
		m->o[to].refcnt++;
		m->hobj[hs[i]] = to;
	}
}

/* The size members of the structs that carry them. */
static uint32_t out_size_of(uint32_t cmd)
{
	return cmd < ARRAY_SIZE(ksize) ? ksize[cmd] : 0;
}

/* Compare what the kernel wrote with the model's output. */
static void compare_out(struct mheap *m, uint32_t cmd, const void *kout,
			void *exp, uint32_t usize, int loose)
{
	uint32_t k = out_size_of(cmd), n = usize < k ? usize : k;
	uint8_t *x = exp;
	const uint8_t *ko = kout;

	if (loose == 1) {	/* VERSION: the heap id is the kernel's */
		memcpy(x + 16, ko + 16, 8);
		/* a newer minor only adds */
		if (((const uint32_t *)ko)[3] >= PYHEAP_ABI_MINOR)
			memcpy(x + 12, ko + 12, 4);
	} else if (loose == 3) {	/* HEAP_INFO with maps: bytes */
		const struct pyheap_heap_info *hi = kout;
		struct pyheap_heap_info *xi = exp;

		CHECK(hi->out_bytes >= xi->out_bytes,
		      "HEAP_INFO bytes: model >= %llu, kernel %llu",
		      (unsigned long long)xi->out_bytes,
		      (unsigned long long)hi->out_bytes);
		xi->out_bytes = hi->out_bytes;
	} else if (loose >= 4 && cmd == PYHEAP_CMD_GETSIZEOF) {
		const struct pyheap_getsizeof *g = kout;
		struct pyheap_getsizeof *xg = exp;

		CHECK(g->out_deep_size >= xg->out_deep_size &&
		      g->out_size >= 40,
		      "GETSIZEOF of a map: deep size %llu below model %llu",
		      (unsigned long long)g->out_deep_size,
		      (unsigned long long)xg->out_deep_size);
		if (loose == 5) {
			xg->out_deep_size += g->out_size - xg->out_size;
			xg->out_size = g->out_size;
			xg->out_class_size = g->out_class_size;
		}
		xg->out_deep_size = g->out_deep_size;
	}
	if (cmd == PYHEAP_CMD_GC_OBJ_INFO &&
	    !((struct pyheap_gc_obj_info *)exp)->out_id)
		/* born in the same batch: the id is learnt afterwards */
		((struct pyheap_gc_obj_info *)exp)->out_id =
			((const struct pyheap_gc_obj_info *)kout)->out_id;
	nchecks++;
	if (memcmp(kout, exp, n)) {
		uint32_t i;

		for (i = 0; i < n && ko[i] == x[i]; i++)
			;
		disagree("%s: output differs at byte %u: %s %02x, kernel %02x",
			 cmd_name[cmd], i, "model", x[i], ko[i]);
	}
}

/* ----- building arguments from a step's words ----- */

static uint32_t map_handle(struct mheap *m, uint32_t s)
{
	int i, n = 0;

	if ((s >> 28) == 10)
		return sel_handle(m, s);
	if (s % 8 == 0)
		return sel_handle(m, s >> 3);
	for (i = 0; i < m->nlive; i++)
		n += m->o[m->hobj[m->live[i]]].kind == K_MAP;
	if (!n)
		return sel_handle(m, s >> 3);
	n = (s >> 3) % n;
	for (i = 0; i < m->nlive; i++)
		if (m->o[m->hobj[m->live[i]]].kind == K_MAP && !n--)
			return m->live[i];
	return 0;
}

static uint32_t some_handle(struct mheap *m, uint32_t s)
{
	uint32_t h = sel_handle(m, s);

	/* an event's handle only for closing: elsewhere its object is vague */
	return h_live(m, h) && m->hev[h] ? 0 : h;
}

static uint32_t small(uint32_t s, uint32_t n)
{
	static const uint32_t edge[] = {
		64, 4095, 4096, 4097, 1u << 20, (1u << 20) + 1, 0xffffffffu,
	};

	return s % 16 ? (s >> 4) % n : edge[(s >> 4) % ARRAY_SIZE(edge)];
}

/* A key from a small space, so that lookups hit; sometimes a long one. */
static uint32_t make_key(uint32_t s, uint8_t *buf)
{
	uint32_t len = s % 32 ? (s >> 5) % 5 : 64 + (s >> 5) % 64, i;

	for (i = 0; i < len; i++)
		buf[i] = i ? 'k' : 'a' + (s >> 12) % 4;
	if (s >> 31 && s % 32 == 31) {	/* composite steps: key s >> 12 */
		uint32_t v = (s >> 12) & 0x7ffff;

		buf[0] = 'z';
		memcpy(buf + 1, &v, 3);
		return 4;
	}
	return len;
}

static uint8_t *ubuf_at(int slot)
{
	return ubuf + slot * 2048;
}

/* A buffer the step names: normal memory or before a bad page. */
static uint64_t buf_for(const struct step *st, int slot, uint32_t len,
			int faulty)
{
	uint32_t good = len ? st->a[10] % (len + 1) : 0;

	if (faulty && (st->fault == F_BUF_NONE || st->fault == F_BUF_RO ||
		       st->fault == F_BADPTR)) {
		uint8_t *p = (uint8_t *)place(st, NULL, good, 1);

		if (st->fault != F_BADPTR)
			memcpy(p, ubuf_at(slot), good);
		return (uintptr_t)p;
	}
	return (uintptr_t)ubuf_at(slot);
}

static void build(struct mheap *m, const struct step *st, uint32_t cmd,
		  uint8_t *a, int slot)
{
	const uint32_t *w = st->a;
	uint32_t *u = (uint32_t *)a, n, i;
	int o;

	memset(a, 0, slot ? 56 : 256);
	u[0] = ksize[cmd];
	if (!(w[9] % 23))
		u[1] = 1u << (w[9] % 32);	/* a bad flag, mostly */
	switch (cmd) {
	case PYHEAP_CMD_OBJ_NEW: {
		struct pyheap_obj_new *c = (void *)a;

		c->flags = w[1] % 8 < 5 ? 0 : w[1] % 8 - 4;
		if (!(w[9] % 23))
			c->flags = 1u << (w[9] % 32);
		c->nslots = small(w[2], 6);
		c->payload_size = small(w[3], 65);
		if (c->payload_size == 0xffffffffu)
			c->payload_size = 4096;
		if (!(w[4] % 97))
			c->__reserved = 1;
		break;
	}
	case PYHEAP_CMD_HANDLE_DUP:
	case PYHEAP_CMD_GC_OBJ_INFO:
		u[2] = some_handle(m, w[0]);
		break;
	case PYHEAP_CMD_HANDLE_CLOSE:
		u[2] = sel_handle(m, w[0]);
		break;
	case PYHEAP_CMD_HANDLE_CLOSEV: {
		struct pyheap_handle_closev *c = (void *)a;
		uint32_t *hs = (uint32_t *)ubuf_at(slot);

		n = 1 + w[1] % 4;
		for (i = 0; i < n; i++)
			hs[i] = i && !(w[2 + i] % 9) ? hs[0] :
				sel_handle(m, w[2 + i]);
		c->count = w[7] % 31 ? n : small(w[7], 5000);
		if (c->count > 16)
			c->count = c->count > PYHEAP_VEC_MAX ? c->count : 16;
		c->handles = buf_for(st, slot, 4 * n, 1);
		break;
	}
	case PYHEAP_CMD_SLOT_SET:
	case PYHEAP_CMD_SLOT_GET: {
		struct pyheap_slot *c = (void *)a;

		c->handle = some_handle(m, w[0]);
		o = hobj_of(m, c->handle);
		n = o == NONE ? 2 : m->o[o].nslots + 1;
		c->index = w[2] % 19 ? w[2] % n : w[2];
		if (cmd == PYHEAP_CMD_SLOT_SET)
			c->target = w[3] % 5 ? some_handle(m, w[4]) :
				    w[3] % 10 ? c->handle : 0;
		break;
	}
	case PYHEAP_CMD_PAYLOAD_WRITE:
	case PYHEAP_CMD_PAYLOAD_READ: {
		struct pyheap_payload *c = (void *)a;
		uint8_t *d = ubuf_at(slot);

		c->handle = some_handle(m, w[0]);
		o = hobj_of(m, c->handle);
		n = o == NONE ? 8 : m->o[o].psize;
		c->offset = w[2] % 13 ? w[2] % (n + 1) : w[2];
		c->length = w[3] % 13 ? w[3] % (n - (n ? c->offset % n : 0) +
						2) : w[3] % 3000;
		if (c->length > 1024)
			c->length = 1024;
		for (i = 0; i < c->length; i++)
			d[i] = w[4] + i * 7;
		c->data = buf_for(st, slot, c->length, 1);
		break;
	}
	case PYHEAP_CMD_GETSIZEOF:
		u[1] = w[1] % 4 ? PYHEAP_GETSIZEOF_DEEP : 0;
		if (!(w[9] % 23))
			u[1] = 1u << (w[9] % 32);
		u[2] = some_handle(m, w[0]);
		break;
	case PYHEAP_CMD_GC_COLLECT:
		/* (a sub_call's w[2] of 0 makes a plain collection) */
		u[1] = w[2] % 3 == 1 ? PYHEAP_GC_COLLECT_HANDED : 0;
		if (!(w[9] % 29))
			u[1] = 1u << (w[9] % 32);
		u[2] = w[1] % 17 ? w[1] % 3 : w[1];
		break;
	case PYHEAP_CMD_GC_SET: {
		struct pyheap_gc_state *g = (void *)a;
		static const uint32_t dbg[] = {
			0, 0, 0, PYHEAP_GC_DEBUG_SAVEALL,
			PYHEAP_GC_DEBUG_SAVEALL, PYHEAP_GC_DEBUG_STATS,
			PYHEAP_GC_DEBUG_UNCOLLECTABLE, 1u << 3,
		};

		g->flags = w[1] % 8;
		if (!(w[9] % 23))
			g->flags = 1u << (w[9] % 32);
		g->enabled = w[2] % 13 ? w[2] % 2 : 2;
		g->debug = dbg[w[3] % ARRAY_SIZE(dbg)];
		/* never a threshold that lets the collector run by itself */
		g->threshold[0] = w[4] % 2 ? 0 : 0x7fffffff;
		g->threshold[1] = w[5] % 20;
		g->threshold[2] = w[6] % 20;
		if (w[7] % 41 == 1)
			g->out_count[w[7] % 3] = 1;
		break;
	}
	case PYHEAP_CMD_GC_FREEZE:
		u[1] = w[1] % 9 ? 1 + w[1] % 2 : w[1] % 4;
		break;
	case PYHEAP_CMD_GC_REFS: {
		struct pyheap_gc_refs *c = (void *)a;

		c->flags = w[1] % 11 ? 1 + w[1] % 2 : w[1] % 4;
		c->handle = some_handle(m, w[0]);
		c->max = w[2] % 17 ? 1 + w[2] % 16 : small(w[2], 5000);
		if (c->max > 16 && c->max <= PYHEAP_GC_REFS_MAX)
			c->max = 16;
		c->handles = buf_for(st, slot, 4 * (c->max < 16 ? c->max :
						     16), 1);
		break;
	}
	case PYHEAP_CMD_GC_GARBAGE: {
		struct pyheap_gc_garbage *c = (void *)a;

		c->flags = w[1] % 7 ? 1 : w[1] % 11 ? 2 : w[1] % 4;
		if (c->flags == PYHEAP_GC_GARBAGE_LIST) {
			c->max = w[2] % 17 ? 1 + w[2] % 16 : w[2] % 2;
			if (w[2] == 0xffffffff)
				c->max = 500;	/* closing a heap: all */
			c->handles = buf_for(st, slot, 4 * c->max, 1);
		}
		if (w[2] == 0xffffffff)
			break;
		/*
		 * ABI 1.5: a page from an offset, with or without groups
		 * (never when the words are 0, as composite steps leave them)
		 */
		if (w[3] % 3 == 1)
			c->offset = w[3] % 7 ? w[4] % 12 : small(w[4], 5000);
		if (w[5] % 3 == 1 && c->flags == PYHEAP_GC_GARBAGE_LIST &&
		    w[5] % 4 == 0) {
			/* groups only: any max, at most 500 written */
			c->max = w[6] % 5 ? 500 : small(w[6], 600);
			if (c->max > 500 && m->ngarb > 500)
				c->max = 500;
			c->handles = 0;
			c->groups = buf_for(st, slot,
					    4 * (c->max < 500 ? c->max : 500),
					    1);
		} else if (w[5] % 3 == 1) {
			c->groups = (uintptr_t)ubuf_at(slot) + 1024;
		}
		if (w[7] % 41 == 1)
			c->out_cycles = 1;
		if (w[7] % 41 == 2)
			c->__reserved2 = 1;
		break;
	}
	case PYHEAP_CMD_GC_OBJECTS: {
		struct pyheap_gc_objects *c = (void *)a;

		c->flags = w[1] % 3 ? w[1] % 3 - 1 : 1u << (w[1] % 32);
		c->generation = w[2] % 13 ? w[2] % 3 : small(w[2], 8);
		if (!(c->flags & PYHEAP_GC_OBJECTS_GENERATION) && w[2] % 5)
			c->generation = 0;
		c->max = w[3] % 17 ? w[3] % 17 : small(w[3], 5000);
		if (c->max > 16 && c->max <= PYHEAP_GC_REFS_MAX)
			c->max = 16;
		c->handles = c->max || !(w[5] % 19) ?
			     buf_for(st, slot, 4 * (c->max < 16 ? c->max :
							 16), 1) : 0;
		if (w[4] % 3 == 1)
			c->offset = w[4] % 7 ? w[6] % 12 : small(w[6], 5000);
		if (w[7] % 41 == 1)
			c->out_count = 1;
		if (w[7] % 41 == 2)
			c->__reserved = 1;
		if (w[7] % 41 == 3)
			c->out_total = 1;
		break;
	}
	case PYHEAP_CMD_GC_WHY: {
		struct pyheap_gc_why *c = (void *)a;

		c->handle = some_handle(m, w[0]);
		c->max = w[2] % 9 ? 1 + w[2] % 16 : w[2] % 3 ? 0 : 255;
		c->steps = buf_for(st, slot, 8 * c->max, 1);
		if (w[7] % 41 == 1)
			c->out_count = 1;
		if (w[7] % 41 == 2)
			c->__reserved = 1;
		/*
		 * Exact only while no event is unread: the object an event's
		 * handle names is vague, and such handles are roots.
		 */
		if (m->nev && !c->flags)
			c->flags = 1u << (w[8] % 32);
		break;
	}
	case PYHEAP_CMD_LRU_NEW: {
		struct pyheap_lru_new *c = (void *)a;

		c->flags = w[1] % 2;
		if (!(w[9] % 23))
			c->flags = 1u << (w[9] % 32);
		c->maxsize = w[2] % 5 == 0 ? -1 : w[2] % 5 == 1 ? 0 :
			     w[2] % 31 ? 1 + w[2] % 8 : -2;
		break;
	}
	case PYHEAP_CMD_LRU_GET:
	case PYHEAP_CMD_LRU_SET:
	case PYHEAP_CMD_LRU_DELETE: {
		struct pyheap_lru_op *c = (void *)a;
		uint8_t *v = ubuf_at(slot) + 1024;
		int kf = w[8] % 2;

		c->handle = map_handle(m, w[0]);
		c->key_type = w[2] % 3;
		c->key_len = make_key(w[1], ubuf_at(slot));
		c->key = buf_for(st, slot, c->key_len, kf);
		if (cmd == PYHEAP_CMD_LRU_GET) {
			c->flags = w[3] % 4 == 0 ? PYHEAP_LRU_PEEK :
				   w[3] % 4 == 1 ? PYHEAP_LRU_COMPUTE : 0;
			c->value_len = w[4] % 40;
			c->value = (uintptr_t)v;
			if (!kf)
				c->value = buf_for(st, slot, 0, 0) + 1024;
		} else if (cmd == PYHEAP_CMD_LRU_SET) {
			if (w[3] % 2) {
				c->flags = PYHEAP_LRU_VALUE_OBJECT;
				c->value_handle = some_handle(m, w[4]);
			} else {
				c->value_len = w[4] % 32;
				for (i = 0; i < c->value_len; i++)
					v[i] = w[5] + i;
				c->value = (uintptr_t)v;
			}
		}
		if (!(w[9] % 23))
			c->flags = 1u << (w[9] % 32);
		break;
	}
	case PYHEAP_CMD_LRU_INFO:
		u[1] = w[1] % 13 ? 0 : PYHEAP_LRU_CLEAR;
		u[2] = map_handle(m, w[0]);
		break;
	default:
		break;
	}
}

/* After a call: learn the ids of objects the model has just seen born. */
static void learn_new(struct mheap *m)
{
	int i;

	for (i = 0; i < 16 && i < m->nrecent; i++) {
		uint32_t h = m->recent[(m->nrecent - 1 - i) % 16];

		if (h_live(m, h) && !m->hev[h] && !m->o[m->hobj[h]].id)
			learn_id(m, h);
	}
}

static uint32_t op_cmd[NR_OPS] = {
	[OP_OBJ_NEW] = PYHEAP_CMD_OBJ_NEW,
	[OP_OBJ_NEWV] = PYHEAP_CMD_OBJ_NEW,
	[OP_DUP] = PYHEAP_CMD_HANDLE_DUP,
	[OP_CLOSE] = PYHEAP_CMD_HANDLE_CLOSE,
	[OP_CLOSEV] = PYHEAP_CMD_HANDLE_CLOSEV,
	[OP_SLOT_SET] = PYHEAP_CMD_SLOT_SET,
	[OP_SLOT_GET] = PYHEAP_CMD_SLOT_GET,
	[OP_PAY_WRITE] = PYHEAP_CMD_PAYLOAD_WRITE,
	[OP_PAY_READ] = PYHEAP_CMD_PAYLOAD_READ,
	[OP_SIZEOF] = PYHEAP_CMD_GETSIZEOF,
	[OP_HEAP_INFO] = PYHEAP_CMD_HEAP_INFO,
	[OP_COLLECT] = PYHEAP_CMD_GC_COLLECT,
	[OP_GC_GET] = PYHEAP_CMD_GC_GET,
	[OP_GC_SET] = PYHEAP_CMD_GC_SET,
	[OP_GC_STATS] = PYHEAP_CMD_GC_STATS,
	[OP_FREEZE] = PYHEAP_CMD_GC_FREEZE,
	[OP_OBJ_INFO] = PYHEAP_CMD_GC_OBJ_INFO,
	[OP_REFS] = PYHEAP_CMD_GC_REFS,
	[OP_GARBAGE] = PYHEAP_CMD_GC_GARBAGE,
	[OP_LRU_NEW] = PYHEAP_CMD_LRU_NEW,
	[OP_LRU_GET] = PYHEAP_CMD_LRU_GET,
	[OP_LRU_SET] = PYHEAP_CMD_LRU_SET,
	[OP_LRU_DEL] = PYHEAP_CMD_LRU_DELETE,
	[OP_LRU_INFO] = PYHEAP_CMD_LRU_INFO,
	[OP_VERSION] = PYHEAP_CMD_VERSION,
	[OP_WHY] = PYHEAP_CMD_GC_WHY,
	[OP_OBJECTS] = PYHEAP_CMD_GC_OBJECTS,
};

static char last_what[256];

static void dump_model(struct mheap *m)
{
	int i, k;

	printf("model: %llu objects, %d events, %d garbage\n",
	       (unsigned long long)m->nobj, m->nev, m->ngarb);
	for (i = 0; i < m->no; i++) {
		struct mobj *o = &m->o[i];

		if (!o->live)
			continue;
		printf("  #%d %s ref %u gen %d fin %d legacy %d",
		       i, o->kind == K_OBJ ? "obj" : "map", o->refcnt, o->gen,
		       o->fin, o->legacy);
		printf(" finalized %d ->", o->finalized);
		if (o->kind == K_OBJ)
			for (k = 0; k < (int)o->nslots; k++)
				printf(" %d", o->slots[k]);
		else
			for (k = 0; k < o->map->n; k++)
				printf(" %d%s", o->map->e[k].obj,
				       o->map->e[k].pending ? "p" : "");
		printf("\n");
	}
}

/* One ioctl of a step, checked against the model. */
static void x_single(struct mheap *m, const struct step *st, uint32_t cmd)
{
	static uint8_t a[PAGE], exp[PAGE], kout[PAGE];
	uint32_t k = ksize[cmd];
	struct call c;
	int want, loose = 0;

	build(m, st, cmd, a, 0);
	do_ioctl(m, st, cmd, a, &c);
	snprintf(last_what, sizeof(last_what), "%s fault %d", op_name[st->op],
		 st->fault);
	if (c.fn && c.ret == -ENOMEM) {
		nenomem++;
		check_full(m);		/* ENOMEM changes nothing */
		return;
	}
	memcpy(exp, cin, k);
	if (dump && cmd == PYHEAP_CMD_GC_COLLECT)
		dump_model(m);
	if (c.pre)
		want = c.pre;
	else if (cmd == PYHEAP_CMD_GC_STATS)
		want = ((uint32_t *)exp)[1] ? -EINVAL :
		       !c.e.wr ? -EFAULT : 0;
	else
		want = model(m, cmd, exp, &c.e, &loose);
	CHECK(c.ret == want, "%s: model %s, kernel %s", last_what,
	      ename(want), ename(c.ret));
	if (!want && !c.ret) {
		kernel_out(&c, kout, k);
		if (cmd == PYHEAP_CMD_GC_STATS) {
			check_stats(m, (void *)kout);
		} else {
			compare_out(m, cmd, kout, exp, c.e.usize, loose);
			if (failed_at == ncalls)
				snprintf(why + strlen(why),
					 sizeof(why) - strlen(why), " (%s)",
					 last_what);
		}
		if (cmd == PYHEAP_CMD_GC_OBJECTS) {
			struct pyheap_gc_objects *o = (void *)exp;

			if (o->handles)
				remap(m, (uint32_t *)(uintptr_t)o->handles,
				      o->out_count);
		} else if (cmd == PYHEAP_CMD_GC_REFS ||
			   cmd == PYHEAP_CMD_GC_GARBAGE) {
			struct pyheap_gc_refs *r = (void *)exp;
			struct pyheap_gc_garbage *g = (void *)exp;
			uint64_t p = cmd == PYHEAP_CMD_GC_REFS ? r->handles :
				     g->handles;
			uint32_t n = cmd == PYHEAP_CMD_GC_REFS ? r->out_count :
				     g->out_count;

			if (p)
				remap(m, (uint32_t *)(uintptr_t)p, n);
			if (cmd == PYHEAP_CMD_GC_GARBAGE && g->groups)
				check_groups(m, g);
		} else if (cmd == PYHEAP_CMD_GC_WHY) {
			struct pyheap_gc_why *w = (void *)exp;

			check_written(w->steps, w->out_count * 8, "GC_WHY");
		} else if (cmd == PYHEAP_CMD_PAYLOAD_READ) {
			struct pyheap_payload *p = (void *)exp;

			check_written(p->data, p->length, "PAYLOAD_READ");
		} else if (cmd == PYHEAP_CMD_LRU_GET) {
			struct pyheap_lru_op *l = (void *)exp;

			if (l->out_hit == PYHEAP_LRU_HIT &&
			    !l->out_value_handle)
				check_written(l->value, l->out_value_len,
					      "LRU_GET value");
		}
		learn_new(m);
	}
	if (want || c.ret)
		check_full(m);
	else
		check_light(m);
}

/* read(): finalizer events, each a new handle */
static void x_read(struct mheap *m, const struct step *st)
{
	struct pyheap_event ev[8];
	struct pyheap_gc_obj_info oi;
	size_t len = st->a[1] % 9 ? 8 * (1 + st->a[1] % 8) : st->a[1] % 8;
	ssize_t r = read(m->fd, ev, len);
	int n, i, j, want = len < 8 ? -EINVAL : m->nev ? 0 : -EAGAIN;

	ncalls++;
	snprintf(last_what, sizeof(last_what), "read(%zu)", len);
	CHECK((r < 0 ? -errno : 0) == want, "read(%zu): model %s, kernel %s",
	      len, ename(want), r < 0 ? ename(-errno) : "0");
	if (r <= 0)
		return;
	n = r / 8;
	CHECK(n == (int)(len / 8 < (size_t)m->nev ? len / 8 : m->nev),
	      "read: %d events, model %d", n, m->nev);
	for (i = 0; i < n && m->nev; i++) {
		uint32_t h = m->ev[0].h;
		int obj = NONE;

		CHECK(ev[i].type == PYHEAP_EVENT_FINALIZE && ev[i].handle == h,
		      "read: event handle %u, model %u", ev[i].handle, h);
		/* which object: the collection's order is not the model's */
		if (!r_obj_info(m, h, &oi))
			for (j = 0; j < m->nev; j++)
				if (m->o[m->ev[j].obj].id == oi.out_id)
					obj = j;
		CHECK(obj != NONE, "read: event %u names no finalized object",
		      h);
		if (obj != NONE && obj) {
			int t = m->ev[obj].obj;

			m->ev[obj].obj = m->ev[0].obj;
			m->hobj[m->ev[obj].h] = m->ev[0].obj;
			m->ev[0].obj = t;
			m->hobj[h] = t;
		}
		m->hev[h] = 0;
		live_add(m, h);
		memmove(&m->ev[0], &m->ev[1], (m->nev - 1) * sizeof(m->ev[0]));
		m->nev--;
	}
	check_light(m);
}

/*
 * BATCH: the model runs each operation first (it needs no answer from the
 * kernel), then the batch runs, then every executed operation's result
 * and output is compared.  With F_BUF_NONE the ops array runs into an
 * unmapped page after k operations: the batch must execute k and say so
 * (k == 0: EFAULT).
 */
static void x_batch(struct mheap *m, const struct step *st)
{
	static const uint32_t cmds[] = {
		PYHEAP_CMD_OBJ_NEW, PYHEAP_CMD_OBJ_NEW, PYHEAP_CMD_HANDLE_DUP,
		PYHEAP_CMD_HANDLE_CLOSE, PYHEAP_CMD_SLOT_SET,
		PYHEAP_CMD_SLOT_SET, PYHEAP_CMD_SLOT_GET,
		PYHEAP_CMD_GC_OBJ_INFO, PYHEAP_CMD_HEAP_INFO,
		PYHEAP_CMD_GC_COLLECT, PYHEAP_CMD_LRU_SET, PYHEAP_CMD_LRU_GET,
		PYHEAP_CMD_GETSIZEOF, PYHEAP_CMD_LRU_NEW, 99,
	};
	static uint8_t exp[64][56];
	static int res[64], loose[64];
	struct pyheap_batch b = { .size = sizeof(b), .op_size = 64 };
	uint32_t n = 1 + st->a[1] % 12, i, k = n, executed = 0;
	uint32_t cut = 0;
	struct pyheap_op *ops = (struct pyheap_op *)(ubuf + 32768);
	struct step sub = *st;
	struct env e = { .in_batch = 1, .wr = 1 };
	int want = 0, ret, stop = st->a[2] % 2, fault = st->fault;
	void *hp = &b;

	sub.fault = F_NONE;
	if (fault == F_BUF_NONE) {
		k = st->a[10] % (n + 1);
		cut = st->a[9] % 3 ? 0 : 4;	/* op k: its cmd readable */
		if (k == n)
			cut = 0;
		ops = (struct pyheap_op *)(bad_page(0) - k * 64 - cut);
	}
	b.flags = stop ? PYHEAP_BATCH_STOP_ON_ERROR : 0;
	b.count = n;
	if (!(st->a[3] % 29))
		b.count = st->a[3] % 2 ? 0 : PYHEAP_BATCH_MAX + 1;
	if (!(st->a[4] % 29))
		b.op_size = 56;
	b.ops = (uintptr_t)ops;
	if (fault == F_ARG_NONE)
		want = -EFAULT;
	else if (b.count != n || b.op_size != 64)
		want = -EINVAL;
	else if (fault == F_ARG_RO)
		want = -EFAULT;	/* fixed: one that cannot report runs nothing */
	else if (!k && !cut)
		want = -EFAULT;
	for (i = 0; i < k + (cut ? 1 : 0) && i < n; i++) {
		uint32_t cmd = cmds[st->a[5 + i % 4] * (i + 1) %
				    ARRAY_SIZE(cmds)];

		sub.a[0] = st->a[0] * (i + 7) + i;
		sub.a[1] = st->a[1] ^ (i * 0x9e3779b9u);
		sub.a[9] = st->a[9] + i;
		if (i == k) {	/* straddles: only the cmd is readable */
			memcpy((uint8_t *)&ops[i], &cmd, 4);
			break;
		}
		ops[i].cmd = cmd;
		ops[i].out_result = 0x5a5a5a5a;
		if (cmd < ARRAY_SIZE(ksize))
			build(m, &sub, cmd, ops[i].arg, 1 + i);
		else
			memset(ops[i].arg, 0, 56);
		if (want || (stop && executed && res[executed - 1]))
			continue;
		memcpy(exp[i], ops[i].arg, 56);
		res[i] = cmd >= ARRAY_SIZE(ksize) ? -ENOTTY :
			 load_verdict(cmd, (uintptr_t)ops[i].arg,
				      *(uint32_t *)ops[i].arg, 56);
		if (!res[i])
			res[i] = model(m, cmd, exp[i], &e, &loose[i]);
		executed = i + 1;
	}
	if (fault == F_ARG_NONE) {
		hp = bad_page(0) - st->a[10] % 32;
		memcpy(hp, &b, st->a[10] % 32);
	} else if (fault == F_ARG_RO) {
		/* out_executed and __reserved on the zero, read-only page */
		hp = bad_page(1) - 24 - st->a[10] % 8;
		memcpy(hp, &b, 24 + st->a[10] % 8);
	}
	if (cut && !want && !(stop && executed && res[executed - 1])) {
		executed = k + 1;	/* EFAULT loading it, unreported */
		res[k] = -EFAULT;
	}
	ret = ioctl(m->fd, PYHEAP_IOC_BATCH, hp) ? -errno : 0;
	ncalls++;
	kcheck("BATCH");
	snprintf(last_what, sizeof(last_what),
		 "BATCH of %u, %u readable%s", n, k, cut ? " + a cmd" : "");
	CHECK(ret == want, "%s: model %s, kernel %s", last_what, ename(want),
	      ename(ret));
	if (!ret && !want) {
		memcpy(&b, hp, fault == F_ARG_RO ? 24 : sizeof(b));
		if (fault == F_ARG_RO)
			b.out_executed = executed;	/* cannot be written */
		CHECK(b.out_executed == executed,
		      "%s: out_executed: model %u, kernel %u", last_what,
		      executed, b.out_executed);
		for (i = 0; i < executed && i < k; i++) {
			uint32_t cmd = ops[i].cmd;

			CHECK(ops[i].out_result == res[i],
			      "%s: op %u (cmd %u): model %s, kernel %s",
			      last_what, i, cmd, ename(res[i]),
			      ename(ops[i].out_result));
			if (!res[i] && !ops[i].out_result &&
			    cmd < ARRAY_SIZE(ksize))
				compare_out(m, cmd, ops[i].arg, exp[i],
					    *(uint32_t *)exp[i], loose[i]);
		}
		learn_new(m);
	}
	if (want || ret)
		check_full(m);
	else
		check_light(m);
}

/* ----- composite steps: rich states on purpose ----- */

static void x_step(struct mheap *m, const struct step *st);
static void drain(struct mheap *m);

static void sub_call(struct mheap *m, const struct step *st, int op,
		     uint32_t w0, uint32_t w1, uint32_t w2, uint32_t w3,
		     uint32_t w4)
{
	struct step s = { .op = op, .fd = st->fd };

	s.a[0] = w0;
	s.a[1] = w1;
	s.a[2] = w2;
	s.a[3] = w3;
	s.a[4] = w4;
	s.a[9] = 1;		/* no bad flags */
	x_step(m, &s);
}

#define RECENT(k)	(0xa0000000u | (k))
/* OBJ_NEW's flags @f as build() takes them */
static uint32_t oflags(uint32_t f)
{
	return f ? 4 + f : 0;
}

/* A chain @n long: each new link points to the one before. */
static void build_chain(struct mheap *m, const struct step *st, int n)
{
	uint32_t fl = st->a[2] % 5 == 0 ? 1 : st->a[2] % 5 == 1 ? 2 : 0;
	int i;

	sub_call(m, st, OP_OBJ_NEW, 0, oflags(fl), 33, 257, 1);
	for (i = 1; i < n && failed_at < 0; i++) {
		sub_call(m, st, OP_OBJ_NEW, 0, i % 7 ? 0 : oflags(fl), 33, 257,
			 1);
		/* recent[0][0] = recent[1], then drop the older handle */
		sub_call(m, st, OP_SLOT_SET, RECENT(0), 0, 0, 1, RECENT(1));
		sub_call(m, st, OP_CLOSE, RECENT(1), 0, 0, 0, 0);
	}
	if (st->a[3] % 3 == 0)	/* and let it all go */
		sub_call(m, st, OP_CLOSE, RECENT(0), 0, 0, 0, 0);
}

/* An LRU map holding @n objects (and itself, and another map). */
static void build_map(struct mheap *m, const struct step *st, int n)
{
	int i;

	sub_call(m, st, OP_LRU_NEW, 0, 0, st->a[3] % 4 ? 0 : 2, 0, 0);
	for (i = 0; i < n && failed_at < 0; i++) {
		struct step s = { .op = OP_LRU_SET, .fd = st->fd };

		sub_call(m, st, OP_OBJ_NEW, 0, i % 5 ? 0 : oflags(1), 33, 257,
			 1);
		/* key i, value the new object */
		s.a[0] = RECENT(0x100);
		s.a[1] = 1u << 31 | (uint32_t)i << 12 | 31;
		s.a[2] = 0;
		s.a[3] = 1;
		s.a[4] = RECENT(0);
		s.a[9] = 1;
		s.a[8] = 0;
		x_step(m, &s);
		sub_call(m, st, OP_CLOSE, RECENT(0), 0, 0, 0, 0);
	}
	/* how big is it, everything it holds included? */
	sub_call(m, st, OP_SIZEOF, RECENT(0x100), 1, 0, 0, 0);
	if (st->a[5] % 2)	/* and a map holding itself */
		sub_call(m, st, OP_LRU_SET, RECENT(0x100), 31, 0, 1,
			 RECENT(0x100));
}

/* A ring of @n objects with finalizers of each kind, left as garbage. */
static void build_cycle(struct mheap *m, const struct step *st, int n)
{
	int i;

	sub_call(m, st, OP_OBJ_NEW, 0, oflags(st->a[4] % 4), 33, 257, 1);
	m->anchor = sel_handle(m, RECENT(0));	/* the head */
	for (i = 1; i < n && failed_at < 0; i++) {
		sub_call(m, st, OP_OBJ_NEW, 0,
			 oflags((st->a[4] >> (2 * i)) % 4),
			 33, 257, 1);
		sub_call(m, st, OP_SLOT_SET, RECENT(0), 0, 0, 1, RECENT(1));
		if (sel_handle(m, RECENT(1)) != m->anchor)
			sub_call(m, st, OP_CLOSE, RECENT(1), 0, 0, 0, 0);
	}
	/* close the ring: head -> last, then let both go */
	sub_call(m, st, OP_SLOT_SET, RECENT(0x200), 0, 1, 1, RECENT(0));
	if (sel_handle(m, RECENT(0)) != m->anchor)
		sub_call(m, st, OP_CLOSE, RECENT(0), 0, 0, 0, 0);
	if (st->a[5] % 4)
		sub_call(m, st, OP_CLOSE, RECENT(0x200), 0, 0, 0, 0);
}

/* Numbered as saved traces have them: new ones go last. */
enum {
	OP_B_CHAIN = NR_OPS, OP_B_MAP, OP_B_CYCLE, OP_B_WIDE, OP_B_END,
	OP_B_RECOLLECT
};

/*
 * One generation collected two or three times in a row, then GC_STATS:
 * the repeats find the graph unchanged, and the kernel may answer them
 * without a scan; the model checks each answer as that of a scan.
 */
static void build_recollect(struct mheap *m, const struct step *st)
{
	uint32_t gen = st->a[1] % 3;
	int i, n = 2 + st->a[2] % 2;

	for (i = 0; i < n; i++)
		sub_call(m, st, OP_COLLECT, 0, gen, 0, 0, 0);
	sub_call(m, st, OP_GC_STATS, 0, 0, 0, 0, 0);
}

/* An object with @n slots, each a new object. */
static void build_wide(struct mheap *m, const struct step *st, int n)
{
	int i;

	sub_call(m, st, OP_OBJ_NEW, 0, 0, 0, 257, 1);	/* 64 slots */
	for (i = 0; i < n && failed_at < 0; i++) {
		sub_call(m, st, OP_OBJ_NEW, 0, 0, 33, 257, 1);
		sub_call(m, st, OP_SLOT_SET, RECENT(1), 0, i, 1, RECENT(0));
		sub_call(m, st, OP_CLOSE, RECENT(0), 0, 0, 0, 0);
	}
}

static void x_step(struct mheap *m, const struct step *st)
{
	switch (st->op) {
	case OP_BATCH:
		x_batch(m, st);
		break;
	case OP_READ:
		x_read(m, st);
		break;
	case OP_GC_STATS:
		x_single(m, st, PYHEAP_CMD_GC_STATS);
		break;
	case OP_BADCMD: {
		int r;

		r = ioctl(m->fd, _IO(st->a[0] % 5 ? PYHEAP_IOC_MAGIC : 0x42,
				     ARRAY_SIZE(ksize) + st->a[1] % 40),
			  argbuf) ? -errno : 0;
		ncalls++;
		CHECK(r == -ENOTTY, "bad ioctl: kernel %s", ename(r));
		check_light(m);
		break;
	}
	case OP_CHECK:
		ncalls++;
		check_full(m);
		break;
	case OP_B_CHAIN:
		build_chain(m, st, 2 + st->a[1] % 300);
		break;
	case OP_B_MAP:
		build_map(m, st, st->a[1] % 3 ? 64 + st->a[1] % 40 :
			  st->a[1] % 20);
		break;
	case OP_B_CYCLE:
		build_cycle(m, st, 1 + st->a[1] % 6);
		break;
	case OP_B_WIDE:
		build_wide(m, st, 10 + st->a[1] % 55);
		break;
	case OP_B_RECOLLECT:
		build_recollect(m, st);
		break;
	case OP_B_END:
		drain(m);
		break;
	default:
		if (st->op < NR_OPS && op_cmd[st->op] < ARRAY_SIZE(ksize))
			x_single(m, st, op_cmd[st->op]);
		break;
	}
}

/* ----- steps ----- */

static void gen_step(struct step *st, int files)
{
	static const uint8_t weight[][2] = {
		{ OP_OBJ_NEW, 12 }, { OP_DUP, 4 }, { OP_CLOSE, 8 },
		{ OP_CLOSEV, 3 }, { OP_SLOT_SET, 12 }, { OP_SLOT_GET, 4 },
		{ OP_PAY_WRITE, 3 }, { OP_PAY_READ, 3 }, { OP_SIZEOF, 4 },
		{ OP_HEAP_INFO, 1 }, { OP_BATCH, 4 }, { OP_COLLECT, 4 },
		{ OP_GC_GET, 1 }, { OP_GC_SET, 2 }, { OP_GC_STATS, 1 },
		{ OP_FREEZE, 1 }, { OP_OBJ_INFO, 2 }, { OP_REFS, 3 },
		{ OP_GARBAGE, 2 }, { OP_LRU_NEW, 2 }, { OP_LRU_GET, 5 },
		{ OP_LRU_SET, 6 }, { OP_LRU_DEL, 2 }, { OP_LRU_INFO, 2 },
		{ OP_WHY, 3 }, { OP_OBJECTS, 2 }, { OP_READ, 3 },
		{ OP_VERSION, 1 },
		{ OP_BADCMD, 1 },
		{ OP_CHECK, 1 }, { OP_B_CHAIN, 1 }, { OP_B_MAP, 1 },
		{ OP_B_CYCLE, 2 }, { OP_B_WIDE, 1 }, { OP_B_RECOLLECT, 2 },
	};
	uint32_t total = 0, r, i;

	for (i = 0; i < ARRAY_SIZE(weight); i++)
		total += weight[i][1];
	r = pick(total);
	for (i = 0; r >= weight[i][1]; i++)
		r -= weight[i][1];
	memset(st, 0, sizeof(*st));
	st->op = weight[i][0];
	if (opts.no_ops >> st->op & 1)
		st->op = OP_CHECK;
	st->fd = pick(files);
	for (i = 0; i < ARRAY_SIZE(st->a); i++)
		st->a[i] = rnd();
	r = pick(100);
	if (opts.failnth && r >= 90)
		r = 98;		/* one call in ten under fail-nth */
	st->fault = r < 70 ? F_NONE : r < 76 ? F_ARG_NONE : r < 84 ? F_ARG_RO :
		    r < 88 ? F_BUF_NONE : r < 91 ? F_BUF_RO :
		    r < 93 ? F_SIZE_SHORT : r < 95 ? F_SIZE_LONG0 :
		    r < 96 ? F_SIZE_LONGX : r < 97 ? F_SIZE_HUGE :
		    r < 98 ? F_BADPTR : F_FAILNTH;
	if (st->fault == F_FAILNTH && (!opts.failnth || !have_failnth ||
				       st->op == OP_COLLECT ||
				       st->op == OP_REFS ||
				       st->op == OP_GARBAGE ||
				       st->op == OP_BATCH))
		st->fault = F_NONE;
	if (st->op == OP_BATCH && st->fault != F_NONE &&
	    st->fault != F_ARG_NONE && st->fault != F_ARG_RO)
		st->fault = F_BUF_NONE;
	if (st->op >= NR_OPS || (opts.no_faults >> st->fault & 1))
		st->fault = F_NONE;
	if (st->op == OP_LRU_GET && st->fault == F_ARG_RO &&
	    (opts.no_faults >> 12 & 1))
		st->fault = F_NONE;
}

/* ----- heaps: open, and close with everything accounted for ----- */

static void heap_open(struct mheap *m)
{
	struct pyheap_heap_info hi = { .size = sizeof(hi) };
	struct pyheap_gc_state g = {
		.size = sizeof(g),
		.flags = PYHEAP_GC_SET_ENABLED | PYHEAP_GC_SET_THRESHOLD,
		.threshold = { 0x7fffffff, 10, 10 },
	};

	memset(m, 0, sizeof(*m));
	m->fd = open("/dev/pyheap", O_RDWR | O_NONBLOCK);
	if (m->fd < 0) {
		perror("fuzz: open /dev/pyheap (module loaded?)");
		exit(2);
	}
	if (r_ioctl(m, PYHEAP_IOC_HEAP_INFO, &hi) ||
	    r_ioctl(m, PYHEAP_IOC_GC_SET, &g)) {
		perror("fuzz: setting up a heap");
		exit(2);
	}
	m->max_objects = hi.out_max_objects;
	m->max_bytes = hi.out_max_bytes;
	m->max_handles = hi.out_max_handles;
	m->enabled = 0;
	m->thr[0] = 0x7fffffff;
	m->thr[1] = 10;
	m->thr[2] = 10;
}

static void heap_free(struct mheap *m)
{
	int i;

	for (i = 0; i < m->no; i++) {
		if (!m->o[i].live)
			continue;
		free(m->o[i].slots);
		free(m->o[i].payload);
		if (m->o[i].map) {
			int k;

			for (k = 0; k < m->o[i].map->n; k++)
				free(m->o[i].map->e[k].val);
			free(m->o[i].map->e);
			free(m->o[i].map);
		}
	}
	free(m->o);
	free(m->hobj);
	free(m->hev);
	free(m->lpos);
	free(m->live);
	free(m->fl);
	free(m->ev);
	free(m->garb);
	ndead = 0;
}

/*
 * The end of a heap: read every event, clear the garbage, unfreeze, drop
 * every handle, collect; then nothing may be left.
 */
static void drain(struct mheap *m)
{
	struct step s = { .op = OP_READ };
	int round, j, k, first;

	for (round = 0; round < 8 && failed_at < 0; round++) {
		s.a[1] = 7;
		while (m->nev && failed_at < 0)
			x_read(m, &s);
		sub_call(m, &s, OP_FREEZE, 0, 1, 0, 0, 0);	/* unfreeze */
		sub_call(m, &s, OP_GC_SET, 0, 2, 1, 0, 1);	/* debug 0 */
		/* legacy cycles come back after a clear: break them */
		while (m->ngarb && failed_at < 0) {
			first = m->nlive;
			sub_call(m, &s, OP_GARBAGE, 0, 1, 0xffffffff, 0, 0);
			for (j = first; j < m->nlive && failed_at < 0; j++) {
				struct mobj *o = &m->o[m->hobj[m->live[j]]];

				if (o->kind == K_MAP)
					sub_call(m, &s, OP_LRU_INFO, j << 3, 0,
						 0, 0, 0);
				for (k = 0; o->kind == K_OBJ &&
				     k < (int)o->nslots; k++)
					if (o->slots[k] != NONE)
						sub_call(m, &s, OP_SLOT_SET, j,
							 0, k, 0, 0);
			}
			sub_call(m, &s, OP_GARBAGE, 0, 7, 0, 0, 0); /* clear */
		}
		/* closing may hand objects back: read those, close again */
		while ((m->nlive || m->nev) && failed_at < 0) {
			while (m->nev && failed_at < 0)
				x_read(m, &s);
			while (m->nlive && failed_at < 0)
				sub_call(m, &s, OP_CLOSE, 0, 0, 0, 0, 0);
		}
		sub_call(m, &s, OP_COLLECT, 0, 2, 0, 0, 0);
		if (!m->nobj && !m->nev && !m->ngarb)
			break;
	}
}

static void heap_close(struct mheap *m)
{
	struct pyheap_gc_state g = { .size = sizeof(g) };
	struct pyheap_heap_info hi = { .size = sizeof(hi) };

	drain(m);
	if (failed_at < 0) {
		r_ioctl(m, PYHEAP_IOC_HEAP_INFO, &hi);
		r_ioctl(m, PYHEAP_IOC_GC_GET, &g);
		CHECK(!hi.out_objects && !hi.out_bytes && !hi.out_handles &&
		      !g.out_garbage && !g.out_freeze_count && !g.out_events,
		      "at close: objects %llu, bytes %llu, handles %llu, garbage %llu, frozen %llu, events %llu",
		      (unsigned long long)hi.out_objects,
		      (unsigned long long)hi.out_bytes,
		      (unsigned long long)hi.out_handles,
		      (unsigned long long)g.out_garbage,
		      (unsigned long long)g.out_freeze_count,
		      (unsigned long long)g.out_events);
	}
	close(m->fd);
	heap_free(m);
}

/* ----- traces, replay and shrinking ----- */

struct trace {
	struct step *s;
	int n, cap;
};

static struct trace traces[MAX_FILES];

/* Replay @n steps on a fresh file: does it still go wrong? */
static int replay(const struct step *tr, int n, int kernel)
{
	struct mheap *m = &heaps[MAX_FILES - 1];
	long saved_calls = ncalls, saved_checks = nchecks;
	int i, bad;

	if (kernel) {
		sleep(1);	/* might_sleep() reports once a second */
		kmsg_scan();
	}
	kernel_hit = 0;
	rng = 0x5eed;
	failed_at = -1;
	heap_open(m);
	for (i = 0; i < n && failed_at < 0 && !(kernel && kernel_hit); i++)
		x_step(m, &tr[i]);
	kcheck("");
	bad = kernel ? kernel_hit : failed_at >= 0;
	kernel_hit = 0;
	failed_at = -1;
	close(m->fd);
	heap_free(m);
	ncalls = saved_calls;
	nchecks = saved_checks;
	return bad;
}

static void print_step(const struct step *st, int i)
{
	static const char *const fname[NR_FAULTS] = {
		"", " [arg: unmapped page]", " [arg: read-only page]",
		" [buffer: unmapped page]", " [buffer: read-only page]",
		" [size: short]", " [size: long, zero tail]",
		" [size: long, non-zero tail]", " [size: above a page]",
		" [bad pointer]", " [fail-nth]",
	};
	static const char *const bname[] = {
		"build chain", "build map", "build cycle", "build wide",
		"read all events, clear garbage, unfreeze, close all, collect",
		"collect a generation again and again",
	};
	uint32_t j;

	printf("  %3d: %s%s (op %d fault %d)", i, st->op < NR_OPS ?
	       op_name[st->op] : bname[st->op - NR_OPS], fname[st->fault],
	       st->op, st->fault);
	for (j = 0; j < ARRAY_SIZE(st->a); j++)
		printf(" %08x", st->a[j]);
	printf("\n");
}

/* Delta-debug the trace down to a short sequence that still fails. */
static void shrink(struct trace *t, int last, int kernel)
{
	struct step *cur = xrealloc(NULL, (last + 1) * sizeof(*cur));
	struct step *try = xrealloc(NULL, (last + 1) * sizeof(*cur));
	int n = last + 1, chunk, i, changed;
	int budget = kernel ? 40 : shrink_secs > 120 ? 4000 : 400;
	time_t end = time(NULL) + (kernel ? 90 : shrink_secs);

	memcpy(cur, t->s, n * sizeof(*cur));
	replaying = 1;
	if (!replay(cur, n, kernel)) {
		replaying = 0;
		printf("fuzz: the trace of %d steps does not reproduce it %s\n",
		       n, "on a fresh file");
		free(cur);
		free(try);
		return;
	}
	for (chunk = n / 2; chunk >= 1 && budget > 0; chunk /= 2) {
		do {
			changed = 0;
			for (i = 0; i + chunk < n && budget > 0; ) {
				/* drop [i, i + chunk), keep the last step */
				memcpy(try, cur, i * sizeof(*cur));
				memcpy(try + i, cur + i + chunk,
				       (n - i - chunk) * sizeof(*cur));
				budget--;
				if (time(NULL) > end)
					budget = 0;
				if (replay(try, n - chunk, kernel)) {
					memcpy(cur, try,
					       (n - chunk) * sizeof(*cur));
					n -= chunk;
					changed = 1;
				} else {
					i += chunk;
				}
			}
		} while (changed && budget > 0);
	}
	replay(cur, n, kernel);
	replaying = 0;
	printf("fuzz: shortest sequence found (%d steps; %s):\n", n,
	       "replay on a fresh file");
	for (i = 0; i < n; i++)
		print_step(&cur[i], i);
	if (!kernel)
		printf("fuzz: which does: %s\n", why);
	free(cur);
	free(try);
}

/* -r FILE: run the steps a report printed, on a fresh file. */
static int replay_file(const char *path)
{
	struct step *tr = NULL;
	int n = 0, cap = 0, op, fault, j;
	char line[512], *p;
	FILE *f = fopen(path, "r");

	if (!f) {
		perror(path);
		return 2;
	}
	while (fgets(line, sizeof(line), f)) {
		p = strstr(line, "(op ");
		if (!p || sscanf(p, "(op %d fault %d)", &op, &fault) != 2)
			continue;
		tr = grow(tr, n, &cap, sizeof(*tr));
		memset(&tr[n], 0, sizeof(tr[n]));
		tr[n].op = op;
		tr[n].fault = fault;
		p = strchr(p, ')') + 1;
		for (j = 0; j < 11; j++)
			tr[n].a[j] = strtoul(p, &p, 16);
		n++;
	}
	fclose(f);
	dump = opts.verbose;
	j = replay(tr, n, 0);
	printf("fuzz: %d steps from %s: %s\n", n, path,
	       j ? why : "no disagreement");
	if (j && n > 1) {
		struct trace t = { .s = tr, .n = n, .cap = cap };

		dump = 0;
		shrink_secs = 600;
		shrink(&t, n - 1, 0);
	}
	return j;
}

static void print_usage(void)
{
	fputs("usage: pyheap_sfuzz [-s SEED] [-n CALLS] [-f FILES] [-e EPOCH]\n"
	      "                    [-F] [-v] [-x FAULTMASK] [-X STEPMASK]\n"
	      "                    [-r FILE] [-S US]\n"
	      "  -r  replay the steps of a report, on a fresh file\n"
	      "  -S  full collections in slices of US microseconds\n"
	      "  -F  fail kernel allocations with fail-nth (needs failslab)\n"
	      "  -x  bit f set: no fault of kind f (1 arg unmapped, 2 arg\n"
	      "      read-only, 3/4 buffer unmapped/read-only, 5-7 sizes,\n"
	      "      8 size above a page, 9 bad pointer, 10 fail-nth,\n"
	      "      11 closing an unread event's handle,\n"
	      "      12 a read-only argument for LRU_GET)\n"
	      "  -X  bit o set: no step of kind o (see enum in the source)\n",
	      stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	struct step st;
	long steps = 0, since[MAX_FILES] = { 0 };
	int c, i, kernel = 0;
	time_t t0 = time(NULL);
	const char *rfile = NULL;

	while ((c = getopt(argc, argv, "s:n:f:e:Fvx:X:r:S:")) != -1) {
		switch (c) {
		case 's':
			opts.seed = strtoull(optarg, NULL, 0);
			break;
		case 'n':
			opts.calls = atol(optarg);
			break;
		case 'f':
			opts.files = atoi(optarg);
			break;
		case 'e':
			opts.epoch = atol(optarg);
			break;
		case 'F':
			opts.failnth = 1;
			break;
		case 'v':
			opts.verbose = 1;
			break;
		case 'r':
			rfile = optarg;
			break;
		case 'x':
			opts.no_faults = strtoul(optarg, NULL, 0);
			break;
		case 'X':
			opts.no_ops = strtoull(optarg, NULL, 0);
			break;
		case 'S':
			gc_slice_mode(optarg);
			break;
		default:
			print_usage();
		}
	}
	if (opts.files < 1 || opts.files > MAX_FILES - 1 || opts.epoch < 1)
		print_usage();
	rng = opts.seed * 0x9e3779b97f4a7c15ULL + 1;
	fpage = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	bigzero = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (fpage == MAP_FAILED || bigzero == MAP_FAILED)
		return 2;
	memset(fpage, 0, 4 * PAGE);
	memset(bigzero, 0, 4 * PAGE);
	memset(ubuf, 0, sizeof(ubuf));
	memset(argbuf, 0, sizeof(argbuf));
	/* unmapped, not PROT_NONE: UML's uaccess reads PROT_NONE pages */
	munmap(fpage + PAGE, PAGE);
	mprotect(fpage + 3 * PAGE, PAGE, PROT_READ);
	kmsg_open();
	if (rfile)
		return replay_file(rfile);
	if (opts.failnth) {
		failnth_setup();
		if (!have_failnth)
			puts("fuzz: no fail-nth here: no allocation failures");
	}
	for (i = 0; i < opts.files; i++)
		heap_open(&heaps[i]);
	failed_at = -1;
	while (ncalls < opts.calls) {
		struct trace *t;
		struct mheap *m;

		gen_step(&st, opts.files);
		m = &heaps[st.fd];
		t = &traces[st.fd];
		t->s = grow(t->s, t->n, &t->cap, sizeof(*t->s));
		t->s[t->n++] = st;
		x_step(m, &st);
		steps++;
		if (kernel_hit && failed_at < 0) {
			kernel = 1;
			snprintf(why, sizeof(why),
				 "the kernel log reports a problem during %s",
				 kernel_what);
			failed_at = kernel_call;
		}
		if (failed_at >= 0)
			break;
		if (++since[st.fd] >= opts.epoch) {
			heap_close(m);
			if (failed_at >= 0) {
				memset(&st, 0, sizeof(st));
				st.op = OP_B_END;
				st.fd = m - heaps;
				t->s = grow(t->s, t->n, &t->cap, sizeof(*t->s));
				t->s[t->n++] = st;
				break;
			}
			heap_open(m);
			since[st.fd] = 0;
			t->n = 0;
		}
	}
	if (failed_at >= 0) {
		if (!kernel)
			ndisagree++;
		printf("fuzz: %s: seed %llu, call %ld (step %d, file %d): %s\n",
		       kernel ? "KERNEL REPORT" : "DISAGREEMENT",
		       (unsigned long long)opts.seed, failed_at,
		       traces[st.fd].n - 1, st.fd, why);
		fflush(stdout);
		shrink(&traces[st.fd], traces[st.fd].n - 1, kernel);
	} else {
		for (i = 0; i < opts.files && failed_at < 0; i++)
			heap_close(&heaps[i]);
		if (failed_at >= 0) {
			struct trace *t = &traces[i - 1];

			ndisagree++;
			printf("fuzz: %s: %s %llu, %s %ld, %s %d: %s\n",
			       "DISAGREEMENT at the end",
			       "seed", (unsigned long long)opts.seed, "call",
			       failed_at,
			       "file", i - 1, why);
			fflush(stdout);
			memset(&st, 0, sizeof(st));
			st.op = OP_B_END;
			t->s = grow(t->s, t->n, &t->cap, sizeof(*t->s));
			t->s[t->n++] = st;
			shrink(t, t->n - 1, 0);
		}
	}
	kcheck("the end");
	if (opts.verbose)
		printf("fuzz: seed %llu, %ld steps, %ld ENOMEM, %ld s\n",
		       (unsigned long long)opts.seed, steps, nenomem,
		       (long)(time(NULL) - t0));
	printf("fuzz: %llu objects handed back at a count of zero\n",
	       nzero_events);
	printf("fuzz: %llu collections skipped\n",
	       (unsigned long long)nskipped);
	printf("fuzz: %ld calls, %ld checks, %ld disagreements, %s%ld %s\n",
	       ncalls, nchecks, ndisagree, "", kreports, "kernel reports");
	return ndisagree || kreports;
}
