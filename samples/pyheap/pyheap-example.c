// SPDX-License-Identifier: GPL-2.0
/*
 * pyheap-example: descriptors in flight, reclaimed by pyheap's collector
 *
 * A module of its own that uses only include/pyheap/.  Its objects are
 * descriptors with a queue of descriptors in flight, the shape of AF_UNIX
 * sockets whose receive queues hold files passed with SCM_RIGHTS: a
 * socket sent over itself, or two sockets sent over each other, keep each
 * other alive after every process closed them.  The module builds such
 * graphs, drops every reference it holds, and lets the collector free
 * what refcounting cannot.  Its release callback counts the frees; the
 * load fails unless every descriptor was freed, by the collection and not
 * by the heap's teardown.
 *
 * Build: make -C <kernel> M=$PWD CONFIG_SAMPLE_PYHEAP=m
 * Run:   insmod pyheap.ko; insmod samples/pyheap/pyheap-example.ko
 * Walk-through: "A module of its own" in Documentation/pyheap/api.rst.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/module.h>
#include <linux/slab.h>

#include <pyheap/gc.h>
#include <pyheap/heap.h>
#include <pyheap/obj.h>

#define SOCK_QLEN	4	/* descriptors one socket holds in flight */

#define NR_PAIRS	256	/* a and b, each in flight on the other */
#define NR_LOOPS	64	/* a socket in flight on itself */
#define RING_LEN	128	/* n on n + 1, the last on the first */
#define CHAIN_LEN	100	/* n on n + 1, the last on nothing */
#define NR_FROZEN	2	/* one more pair, frozen */
#define NR_SOCKS	(2 * NR_PAIRS + NR_LOOPS + RING_LEN + CHAIN_LEN + \
			 NR_FROZEN)

/**
 * struct sample_sock - a descriptor, with what is in flight on it
 * @obj: pyheap's header; first, as every type embeds it
 * @qlen: descriptors in @inflight
 * @inflight: each holds one reference, dropped by sock_clear()
 *
 * Every field is protected by the heap's lock.
 */
struct sample_sock {
	struct pyheap_obj obj;
	unsigned int qlen;
	struct sample_sock *inflight[SOCK_QLEN];
};

/* Sockets freed, counted by sock_release() under the heap's lock. */
static unsigned int nr_released;

static struct sample_sock *to_sock(struct pyheap_obj *obj)
{
	return container_of(obj, struct sample_sock, obj);
}

/* Tell the collector what a socket references: what is in flight on it. */
static void sock_traverse(struct pyheap_obj *obj, pyheap_visit_t visit,
			  void *arg)
{
	struct sample_sock *sk = to_sock(obj);
	unsigned int i;

	for (i = 0; i < sk->qlen; i++)
		visit(&sk->inflight[i]->obj, arg);
}

/*
 * Purge the queue, as unix_gc() purges the receive queues of a dead
 * cycle.  The queue shrinks before each put, so a second call, or one
 * that a put leads back here, finds only what is left.
 */
static void sock_clear(struct pyheap_heap *heap, struct pyheap_obj *obj)
{
	struct sample_sock *sk = to_sock(obj);
	struct sample_sock *fd;

	while (sk->qlen) {
		fd = sk->inflight[--sk->qlen];
		sk->inflight[sk->qlen] = NULL;
		pyheap_obj_put(heap, &fd->obj);
	}
}

static void sock_release(struct pyheap_heap *heap, struct pyheap_obj *obj)
{
	nr_released++;
}

static struct pyheap_type sock_type = {
	.name		= "sample_sock",
	.traverse	= sock_traverse,
	.clear		= sock_clear,
	.release	= sock_release,
};

/* The module's file table: one reference per open descriptor. */
struct sample_fds {
	struct sample_sock *fd[NR_SOCKS];
	unsigned int nr;
};

/* socket(): a new descriptor, its one reference in the file table. */
static struct sample_sock *sample_socket(struct pyheap_heap *heap,
					 struct sample_fds *fds)
{
	struct pyheap_obj *obj;

	if (WARN_ON_ONCE(fds->nr == NR_SOCKS))
		return ERR_PTR(-EMFILE);
	obj = pyheap_obj_new(heap, &sock_type, sizeof(struct sample_sock));
	if (IS_ERR(obj))
		return ERR_CAST(obj);
	fds->fd[fds->nr++] = to_sock(obj);
	return to_sock(obj);
}

/* sendmsg(sk, SCM_RIGHTS, fd): @fd goes in flight on @sk. */
static int sample_send(struct sample_sock *sk, struct sample_sock *fd)
{
	if (sk->qlen == SOCK_QLEN)
		return -ENOBUFS;
	pyheap_obj_get(&fd->obj);
	sk->inflight[sk->qlen++] = fd;
	return 0;
}

/* close() of every descriptor: what only the table held is freed now. */
static void sample_close_all(struct pyheap_heap *heap, struct sample_fds *fds)
{
	while (fds->nr)
		pyheap_obj_put(heap, &fds->fd[--fds->nr]->obj);
}

/* Two sockets, each in flight on the other. */
static int build_pair(struct pyheap_heap *heap, struct sample_fds *fds)
{
	struct sample_sock *a, *b;
	int err;

	a = sample_socket(heap, fds);
	if (IS_ERR(a))
		return PTR_ERR(a);
	b = sample_socket(heap, fds);
	if (IS_ERR(b))
		return PTR_ERR(b);
	err = sample_send(a, b);
	return err ?: sample_send(b, a);
}

/* @len sockets, each in flight on the next; the last on the first if @ring. */
static int build_chain(struct pyheap_heap *heap, struct sample_fds *fds,
		       unsigned int len, bool ring)
{
	struct sample_sock *first = NULL, *prev = NULL, *sk;
	unsigned int i;
	int err;

	for (i = 0; i < len; i++) {
		sk = sample_socket(heap, fds);
		if (IS_ERR(sk))
			return PTR_ERR(sk);
		if (prev) {
			err = sample_send(sk, prev);
			if (err)
				return err;
		}
		first = first ?: sk;
		prev = sk;
	}
	return ring ? sample_send(first, prev) : 0;
}

/* Every shape but the frozen pair. */
static int build_graph(struct pyheap_heap *heap, struct sample_fds *fds)
{
	struct sample_sock *sk;
	unsigned int i;
	int err;

	for (i = 0; i < NR_PAIRS; i++) {
		err = build_pair(heap, fds);
		if (err)
			return err;
	}
	for (i = 0; i < NR_LOOPS; i++) {
		sk = sample_socket(heap, fds);
		if (IS_ERR(sk))
			return PTR_ERR(sk);
		err = sample_send(sk, sk);
		if (err)
			return err;
	}
	err = build_chain(heap, fds, RING_LEN, true);
	return err ?: build_chain(heap, fds, CHAIN_LEN, false);
}

/* One check of the run: 1 if it failed, which the log then names. */
static int check(const char *what, u64 got, u64 want)
{
	if (got == want)
		return 0;
	pr_err("%s: %llu, expected %llu\n", what, got, want);
	return 1;
}

static void print_stats(struct pyheap_heap *heap)
{
	struct pyheap_gc_gen_stats st[PYHEAP_GC_NR_GENS];
	int i;

	pyheap_gc_get_stats(heap, st);
	for (i = 0; i < PYHEAP_GC_NR_GENS; i++)
		pr_info("gen %d: %llu collections, %llu collected, %llu uncollectable, %llu objects\n",
			i, st[i].collections, st[i].collected,
			st[i].uncollectable, st[i].objects);
}

/*
 * The run, under the heap's lock from start to end.  Returns the number
 * of checks that failed, or an errno if a socket could not be made.
 */
static int sample_run(struct pyheap_heap *heap, struct sample_fds *fds)
{
	u32 threshold[PYHEAP_GC_NR_GENS], count[PYHEAP_GC_NR_GENS];
	int bad = 0, err;
	long n;

	/* 1. the figures checked below are this run's alone */
	pyheap_gc_get_threshold(heap, threshold);
	pyheap_gc_disable(heap);
	pr_info("thresholds %u %u %u, automatic collection %s\n",
		threshold[0], threshold[1], threshold[2],
		pyheap_gc_isenabled(heap) ? "on" : "off");

	/* 2. a pair made first, then frozen: no collection scans it */
	err = build_pair(heap, fds);
	if (err)
		return err;
	pyheap_gc_freeze(heap, true);

	/* 3. pairs, self-loops, a ring and a chain */
	err = build_graph(heap, fds);
	if (err)
		return err;
	pyheap_gc_get_count(heap, count);
	pr_info("%u sockets, %llu frozen, counts %u %u %u\n", fds->nr,
		pyheap_gc_nr_frozen(heap), count[0], count[1], count[2]);
	bad += check("frozen", pyheap_gc_nr_frozen(heap), NR_FROZEN);

	/* 4. close every descriptor: only the chain has no cycle */
	sample_close_all(heap, fds);
	pr_info("closed all: %u released by refcounting\n", nr_released);
	bad += check("released by refcounting", nr_released, CHAIN_LEN);

	/* 5. a full collection frees every cycle but the frozen one */
	n = pyheap_gc_collect(heap, PYHEAP_GC_NR_GENS - 1);
	pr_info("collect(2): %ld unreachable, %u released\n", n,
		nr_released);
	bad += check("unreachable", n, NR_SOCKS - CHAIN_LEN - NR_FROZEN);
	bad += check("released", nr_released, NR_SOCKS - NR_FROZEN);

	/* 6. unfreeze: the next collection finds the last pair */
	pyheap_gc_freeze(heap, false);
	n = pyheap_gc_collect(heap, PYHEAP_GC_NR_GENS - 1);
	pr_info("unfreeze, collect(2): %ld unreachable, %u released\n", n,
		nr_released);
	bad += check("unreachable after unfreeze", n, NR_FROZEN);
	bad += check("released after unfreeze", nr_released, NR_SOCKS);
	bad += check("garbage", pyheap_gc_nr_garbage(heap), 0);
	print_stats(heap);

	pyheap_gc_enable(heap);
	return bad;
}

static int __init sample_init(void)
{
	struct pyheap_heap *heap;
	struct sample_fds *fds;
	unsigned int freed;
	int err, bad;

	fds = kzalloc(sizeof(*fds), GFP_KERNEL);
	if (!fds)
		return -ENOMEM;
	err = pyheap_type_register(&sock_type);
	if (err)
		goto err_free_fds;
	heap = pyheap_heap_create(NULL);
	if (IS_ERR(heap)) {
		err = PTR_ERR(heap);
		goto err_unregister;
	}

	pyheap_heap_lock(heap);
	bad = sample_run(heap, fds);
	sample_close_all(heap, fds);	/* after an error: the rest */
	freed = nr_released;
	pyheap_heap_unlock(heap);
	pyheap_heap_destroy(heap);	/* frees what the checks missed */

	if (bad) {
		pr_err("FAIL: %u of %u sockets released before the teardown (%d)\n",
		       freed, NR_SOCKS, bad);
		err = bad < 0 ? bad : -EINVAL;
		goto err_unregister;
	}
	pr_info("PASS: %u of %u sockets released, none by the teardown\n",
		freed, NR_SOCKS);
	kfree(fds);
	return 0;

err_unregister:
	pyheap_type_unregister(&sock_type);
err_free_fds:
	kfree(fds);
	return err;
}

static void __exit sample_exit(void)
{
	pyheap_type_unregister(&sock_type);
	pr_info("unregistered %s\n", sock_type.name);
}

module_init(sample_init);
module_exit(sample_exit);
MODULE_DESCRIPTION("pyheap sample: a cyclic graph of descriptors, collected");
MODULE_LICENSE("GPL");
