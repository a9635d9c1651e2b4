/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pyheap internals shared by the module and its KUnit suites
 *
 * Lock order, outermost first; every file of mod/ points here.  A lock may
 * be taken while holding only locks above it in this list:
 *
 *  1. pyheap_types_mutex (obj.c): the registered types.  Taken alone.
 *  2. pyheap_heaps_mutex (heap.c): the list of heaps, which debugfs's
 *     "every heap" tables walk.
 *  3. heap->lock (a mutex): the heap's GIL.  Every ioctl handler, read()
 *     of events, the collector's work item and debugfs's per-heap tables
 *     run under it; it protects everything tagged H below.
 *  4. lru->lock (a spinlock, lru.c): one map's table, list and counters.
 *     Nothing sleeps under it: no allocation, no copy to or from user
 *     memory, no visit that allocates (include/pyheap/obj.h).
 *  5. Locks of the kernel's own, taken and dropped inside one call: the
 *     allocator's xarray locks (obmalloc.c), the page and slab
 *     allocators, wait queue locks (wake_up() under heap->lock).
 *
 * And rules that are not about nesting:
 *
 *  a. Never flush or cancel gc->work under heap->lock: the work item takes
 *     heap->lock, so it would wait for itself.  pyheap_gc_throttle() and
 *     pyheap_gc_shutdown() run without it.
 *  b. Never remove a heap's debugfs files under pyheap_heaps_mutex or
 *     heap->lock: removal waits for readers in flight, which take them.
 *     pyheap_heap_destroy() unlists the heap, then removes its directory,
 *     then takes heap->lock to free the contents.
 *  c. Never wait for a compute-once claim under heap->lock: the
 *     dispatcher drops it and sleeps on heap->lru_wait.
 *  d. No copy to user memory under lru->lock (rule 4); the handlers copy
 *     out under heap->lock only, which user faults may sleep under.
 *  e. Reclaim only ever tries heap->lock (mod/shrink.c): the heap's own
 *     allocations, made under it, may enter reclaim and call the
 *     shrinker.  The shrinker's walk of its list_lru takes that list's
 *     node lock (5) and nothing inside it; heaps are locked after.
 *  f. Never call pyheap_heap_reap_wait() under a heap->lock: the reap
 *     work of a destroyed heap takes that heap's lock (heap.c).
 */
#ifndef _PYHEAP_INTERNAL_H
#define _PYHEAP_INTERNAL_H

#include <linux/build_bug.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/siphash.h>
#include <linux/stddef.h>
#include <linux/types.h>

#include <linux/poll.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include <kunit/visibility.h>
#include <pyheap/gc.h>
#include <pyheap/heap.h>
#include <pyheap/obj.h>
#include <pyheap/obmalloc.h>
#include <uapi/linux/pyheap.h>

struct dentry;
struct mem_cgroup;
struct pyheap_heap_debugfs;
struct seq_file;

/*
 * Tags: I: set at creation, then read-only   H: heap->lock
 *       L: pyheap_heaps_mutex                 A: atomic, no lock
 */
#define PYHEAP_GC_HIST	16	/* pause histogram: log2 of microseconds */

/* One generation of the collector.  All fields: heap->lock. */
struct pyheap_gc_gen {
	struct list_head	objects;
	u64			nr;		/* objects on the list */
	u64			nr_handed;	/* of them PYHEAP_OBJF_HANDED */
	u32			threshold;
	u32			count;		/* as CPython's gen count */
	u64			collections;
	u64			collected;
	u64			uncollectable;
	u64			candidates;
	u64			duration_ns;
	u64			max_pause_ns;
	u32			pause_hist[PYHEAP_GC_HIST];
	u64			skipped;	/* answered without a scan */
	u64			base;		/* heap changes at the last */
	bool			base_ok;	/* it found nothing */
	bool			base_index;	/* it used the index */
	bool			base_sliced;	/* it ran in slices */
};

/*
 * How full collections find the unreachable (mod/gc.c, "The dense
 * index"): with the index when the heap's references are scattered, or
 * always, or never (the list walk).
 */
enum pyheap_gc_index {
	PYHEAP_GC_INDEX_AUTO,
	PYHEAP_GC_INDEX_ALWAYS,
	PYHEAP_GC_INDEX_NEVER,
	NR_PYHEAP_GC_INDEX
};

/*
 * The holds of heap->lock by collections in slices that began in one
 * phase (mod/gcslice.c; debugfs gc_slices).  A gap is a stretch between
 * two reads of the clock, SLICE_CLOCK objects apart, longer than
 * SLICE_GAP_NS: time the CPU spent elsewhere, or one long traverse.
 */
struct pyheap_gc_slice_phase {
	u64			holds;
	u64			objects;	/* units of work, summed */
	u64			held_ns;
	u64			max_ns;		/* the longest hold */
	u64			max_objects;	/* ... its work */
	u64			max_gap_ns;	/* ... its gaps, summed */
	u64			over_1ms;	/* holds longer than 1 ms */
	u64			over_1ms_gaps;	/* ... half of it in gaps */
	u64			max_busy_ns;	/* longest hold less its gaps */
	u64			switched;	/* scheduled out in the hold */
};

#define PYHEAP_GC_SLICE_PHASES	9	/* enum slice_phase, and finish */

/*
 * A full collection in slices (mod/gcslice.c): where each candidate is,
 * by list, and what the collection has found so far.  All fields: H.
 */
struct pyheap_gc_slice {
	struct list_head	pending;	/* candidates not watched yet */
	struct list_head	count;		/* watched, not traversed */
	struct list_head	counted;	/* traversed, not decided */
	struct list_head	grey;		/* reachable, to traverse */
	struct list_head	black;		/* reachable, traversed */
	struct list_head	unreach;	/* tentatively unreachable */
	struct list_head	pinned;		/* garbage, pinned (4b) */
	struct list_head	cleared;	/* ... and cleared (4c) */
	u32			phase;		/* enum in gcslice.c */
	u32			budget_us;	/* 0: not in slices */
	u64			started;	/* collections begun */
	u64			finished;	/* ... and ended */
	u64			found;		/* what the last one found */
	u64			collected;	/* ... of it, freed */
	u64			uncollectable;	/* ... to gc.garbage */
	u64			candidates;	/* of the one running */
	u64			survivors;	/* ... reached so far */
	u64			nr_unreach;	/* ... on unreach */
	u64			nr_finalizers;	/* ... of them, with one */
	u64			start_ns;	/* ... when it began */
	u64			held_ns;	/* ... its holds, summed */
	u64			max_hold_ns;	/* ... the longest */
	u64			slices;		/* holds, ever */
	u64			changes;	/* heap changes, last hold */
	bool			dirty;		/* changed between holds */
	struct pyheap_gc_slice_phase by_phase[PYHEAP_GC_SLICE_PHASES];
	u64			dirtied;	/* barrier hits, ever */
};

/* Tags: H: heap->lock   W: WRITE_ONCE under heap->lock, read lockless */
struct pyheap_gc {
	struct pyheap_gc_gen	gens[PYHEAP_GC_NR_GENS];	/* H */
	struct list_head	permanent;	/* H: frozen objects */
	struct list_head	untracked;	/* H: objects without refs */
	u64			nr_permanent;	/* H */
	u64			nr_untracked;	/* H */
	u64			long_lived_total;	/* H */
	u64			long_lived_pending;	/* H */
	u32			full_deferrals;	/* H: full runs put off */
	u32			debug;		/* H: PYHEAP_GC_DEBUG_* */
	u32			index;		/* H: enum pyheap_gc_index */
	bool			scattered;	/* H: last full one: far refs */
	bool			enabled;	/* H */
	bool			collecting;	/* H */
	bool			dying;		/* H: no more collections */
	bool			behind;		/* W: allocators should wait */
	bool			shrink;		/* H: next run is full */
	u64			shrink_collections;	/* H: those run */
	struct work_struct	work;		/* the heap's one work item */
	struct xarray		garbage;	/* H: gc.garbage, 1 ref each */
	u64			nr_garbage;	/* H */
	u64			index_collections;	/* H: with the index */
	struct pyheap_gc_slice	slice;		/* H: in slices */
};

/*
 * The heap's part of the shrinker, in mod/shrink.c.
 * Tags: A: atomic   W: WRITE_ONCE, read lockless   I: set at creation
 */
struct pyheap_shrink_anchor;
struct pyheap_shrink {
	struct pyheap_shrink_anchor *anchor;	/* I: on the memcg's list */
	atomic_long_t		counts;		/* A: count calls that saw it */
	atomic_long_t		scans;		/* A: scan calls that saw it */
	atomic_long_t		busy;		/* A: found heap->lock held */
	atomic_long_t		scanned;	/* A: entries scans asked for */
	atomic_long_t		freed;		/* A: entries they evicted */
	atomic_long_t		queued;		/* A: collections they queued */
	unsigned long		last;		/* W: what count last said */
};

/* Finalizer events not read yet, in mod/events.c. */
struct pyheap_events {
	struct list_head	list;		/* H: oldest first */
	u64			nr;		/* W: entries on the list */
	wait_queue_head_t	wait;		/* readers waiting for one */
};

/* The collector's parameters, as gc.get_threshold() and friends. */
struct pyheap_gc_params {
	bool			enabled;
	u32			debug;		/* PYHEAP_GC_DEBUG_* */
	u32			threshold[PYHEAP_GC_NR_GENS];
};

/* The handle table, in mod/handle.c.  Tags: H: heap->lock */
struct pyheap_handles {
	unsigned long		*slot;		/* H: objects, free entries */
	u32			cap;		/* H: entries allocated */
	u32			top;		/* H: entries ever used */
	u32			free;		/* H: last freed, 0: none */
};

struct pyheap_heap {
	struct pyheap_heap_head	head;		/* H: first, for obj.h */
	struct kref		ref;		/* A: struct lifetime only */
	struct mutex		lock;		/* the GIL of this heap */
	u64			id;		/* I: unique, never reused */
	pid_t			owner;		/* I: tgid of the creator */
	struct mem_cgroup	*memcg;		/* I: the creator's, held */
	siphash_key_t		id_key;		/* I: hashes objects to ids */
	struct pyheap_limits	limits;		/* I: from the module params */
	struct list_head	node;		/* L: on pyheap_heaps */
	struct pyheap_heap_debugfs *debugfs;	/* I: its <id>/ in debugfs */
	struct pyheap_obmalloc	*alloc;		/* H: small-object allocator */
	struct pyheap_gc	gc;		/* the collector */
	struct pyheap_events	events;		/* finalizers for user space */
	struct pyheap_shrink	shrink;		/* memory pressure */
	struct list_head	lru_maps;	/* H: its LRU map objects */
	u32			next_lru_id;	/* H: names them in debugfs */
	u64			lru_seq;	/* W: claims ended, ever */
	wait_queue_head_t	lru_wait;	/* waiters for such claims */
	struct list_head	tofree;		/* H: dead, not yet freed */
	bool			draining;	/* H: the to-free loop runs */
	bool			discarding;	/* H: puts free nothing */
	struct xarray		released;	/* H: objects with ->release */
	struct work_struct	reap;		/* frees a discarded heap */
	struct pyheap_handles	handles;	/* H: handle -> object */
	u64			nr_handles;	/* H */
	u64			nr_objects;	/* H: live objects */
	u64			nr_bytes;	/* H: their size classes */
	u64			nr_freed;	/* H: objects freed, ever */
	u64			bad_puts;	/* H: puts below zero refused */
	u64			lost_finalizers; /* H: freed unfinalized */
	bool			reclaiming;	/* H: the shrinker evicts */
	bool			finalizing;	/* H: a finalizer at 0 runs */
	struct lru_value	*deferred;	/* H: values reclaim let go */
	u64			nr_ioctls;	/* H: ioctls that succeeded */
	struct {
		u64		objects;
		u64		bytes;
	}			types[PYHEAP_MAX_TYPES];	/* H: by id */
};

static_assert(offsetof(struct pyheap_heap, head) == 0);

/*
 * A change to the object graph that no put shows: a reference added, an
 * object created or moved between the collector's lists.
 */
static inline void pyheap_heap_changed(struct pyheap_heap *heap)
{
	heap->head.changes++;
}

/* pyheap_obj.flags */
#define PYHEAP_OBJF_VISITED	BIT(0)	/* marked by a walk */
#define PYHEAP_OBJF_COLLECTING	BIT(1)	/* a candidate of this collection */
#define PYHEAP_OBJF_UNREACHABLE	BIT(2)	/* tentatively unreachable */
#define PYHEAP_OBJF_FINALIZER	BIT(3)	/* has a PEP 442 finalizer */
#define PYHEAP_OBJF_FINALIZED	BIT(4)	/* ... and it has run */
#define PYHEAP_OBJF_LEGACY	BIT(5)	/* legacy finalizer (__del__) */
#define PYHEAP_OBJF_KEEP	BIT(6)	/* its finalizer could not start */
#define PYHEAP_OBJF_HANDED	BIT(7)	/* kept alive by a finalizer event */
/* BIT(12), PYHEAP_OBJF_WATCHED: in include/pyheap/obj.h */
#define PYHEAP_OBJF_GREY	BIT(13)	/* a sliced collection reached it */
#define PYHEAP_OBJF_GEN_SHIFT	8
#define PYHEAP_OBJF_GEN_MASK	(7U << PYHEAP_OBJF_GEN_SHIFT)

/* Generation numbers beyond 0..2, in the PYHEAP_OBJF_GEN bits */
#define PYHEAP_GEN_PERMANENT	3	/* frozen */
#define PYHEAP_GEN_UNTRACKED	4	/* holds no reference: not collected */
#define PYHEAP_GEN_NONE		5	/* off every list (collecting, dying) */

/* mod/heap.c */
extern struct mutex pyheap_heaps_mutex;
extern struct list_head pyheap_heaps;
int pyheap_heap_init(void);
void pyheap_heap_exit(void);

/* mod/obj.c */
extern const struct pyheap_type *pyheap_types[PYHEAP_MAX_TYPES];

#define PYHEAP_WALK_NONE	U32_MAX	/* no entry: a root's parent */

/* One object a breadth-first walk found.  Tags: H: heap->lock */
struct pyheap_walk_entry {
	struct pyheap_obj	*obj;		/* H: marked VISITED */
	u32			parent;		/* H: entry it was found from */
	u32			pos;		/* H: in its ->traverse() */
};

/*
 * A breadth-first walk over ->traverse(), from roots (see "Breadth-first
 * walks" in mod/obj.c).  Tags: I: set by pyheap_walk_init()  H: heap->lock
 */
struct pyheap_walk {
	struct pyheap_heap	*heap;		/* I */
	const struct pyheap_obj	*stop;		/* I: end once found, or NULL */
	struct pyheap_walk_entry *q;		/* H: found so far, in order */
	u32			nr, cap;	/* H: entries, room */
	u32			missed;		/* H: found with no room left */
	u32			cur;		/* H: entry being traversed */
	u32			pos;		/* H: references it visited */
	u32			found;		/* H: @stop's entry, or NONE */
};

void pyheap_walk_init(struct pyheap_walk *w, struct pyheap_heap *heap,
		      const struct pyheap_obj *stop);
int pyheap_walk_add(struct pyheap_walk *w, struct pyheap_obj *obj);
int pyheap_walk_run(struct pyheap_walk *w);
void pyheap_walk_destroy(struct pyheap_walk *w);
int pyheap_obj_cycles(struct pyheap_heap *heap, struct pyheap_obj *const *objs,
		      u32 n, u32 *group, u32 *nr_cycles);
struct pyheap_obj *pyheap_obj_new_untracked(struct pyheap_heap *heap,
					    const struct pyheap_type *type,
					    size_t size);
u64 pyheap_obj_id(struct pyheap_heap *heap, const struct pyheap_obj *obj);
void pyheap_obj_teardown(struct pyheap_heap *heap);
void pyheap_obj_discard(struct pyheap_heap *heap);
void pyheap_obj_drain(struct pyheap_heap *heap);

/* mod/gc.c; what it exports is in include/pyheap/gc.h */
int pyheap_gc_init(void);
void pyheap_gc_exit(void);
void pyheap_gc_heap_init(struct pyheap_heap *heap);
void pyheap_gc_track(struct pyheap_heap *heap, struct pyheap_obj *obj,
		     bool tracked);
void pyheap_gc_forget(struct pyheap_heap *heap, struct pyheap_obj *obj);
void pyheap_gc_work(struct work_struct *work);
void pyheap_gc_throttle(struct pyheap_heap *heap);
void pyheap_gc_shutdown(struct pyheap_heap *heap);
void pyheap_gc_release(struct pyheap_heap *heap);
void pyheap_gc_gather(struct pyheap_heap *heap, struct list_head *all);
void pyheap_gc_discard(struct pyheap_heap *heap);
u32 pyheap_gc_generation(const struct pyheap_obj *obj);
bool pyheap_gc_is_finalized(const struct pyheap_obj *obj);
bool pyheap_gc_shrink(struct pyheap_heap *heap);
void pyheap_gc_kick(struct pyheap_heap *heap);
void pyheap_gc_get_params(struct pyheap_heap *heap, struct pyheap_gc_params *p);
void pyheap_gc_set_params(struct pyheap_heap *heap,
			  const struct pyheap_gc_params *p);
u64 pyheap_gc_nr_tracked(struct pyheap_heap *heap);
void pyheap_gc_show(struct pyheap_heap *heap, struct seq_file *m);
void pyheap_gc_show_pauses(struct pyheap_heap *heap, struct seq_file *m);
void pyheap_gc_for_each_garbage(struct pyheap_heap *heap, pyheap_visit_t fn,
				void *arg);
u32 pyheap_gc_garbage_get(struct pyheap_heap *heap, u64 start, u32 max,
			  struct pyheap_obj **objs);
void pyheap_gc_for_each_object(struct pyheap_heap *heap, pyheap_visit_t fn,
			       void *arg);
u64 pyheap_gc_objects_total(struct pyheap_heap *heap, int gen);
u32 pyheap_gc_objects_get(struct pyheap_heap *heap, int gen, u64 start,
			  u32 max, struct pyheap_obj **objs);
void pyheap_gc_for_each_referrer(struct pyheap_heap *heap,
				 const struct pyheap_obj *match,
				 pyheap_visit_t fn, void *arg);

long pyheap_gc_collect_handed(struct pyheap_heap *heap, int generation);

/* mod/gc.c, for mod/gcslice.c */
u64 __pyheap_gc_finish(struct pyheap_heap *heap, int generation,
		       struct list_head *unreachable, bool finalizers,
		       u64 nr_unreachable, u64 *uncollectable);
void __pyheap_gc_note_hold(struct pyheap_heap *heap, int generation, u64 ns);
void __pyheap_gc_account(struct pyheap_heap *heap, int generation,
			 u64 candidates, u64 collected, u64 uncollectable,
			 u64 ns);
bool __pyheap_gc_unchanged(struct pyheap_heap *heap, bool sliced);
void __pyheap_gc_note_sliced(struct pyheap_heap *heap, bool found);

/*
 * @obj->type->traverse(@obj, @visit, @arg), for the collector's passes
 * over every candidate (mod/gc.c, mod/gcslice.c): a type that keeps its
 * references as an array (&pyheap_type.refs_offset) has them read in
 * place, so that no call is made per object, and @visit, a constant at
 * each call site, is inlined into the loop.
 */
static __always_inline void __pyheap_gc_traverse(struct pyheap_obj *obj,
						 pyheap_visit_t visit,
						 void *arg)
{
	const struct pyheap_type *type = obj->type;
	struct pyheap_obj **refs;
	u32 i, nr;

	if (!type->refs_offset) {
		type->traverse(obj, visit, arg);
		return;
	}
	refs = (struct pyheap_obj **)((u8 *)obj + type->refs_offset);
	nr = *(u32 *)((u8 *)obj + type->nrefs_offset);
	for (i = 0; i < nr; i++)
		if (refs[i])
			visit(refs[i], arg);
}

/* mod/gcslice.c */
void pyheap_gc_slice_init(struct pyheap_heap *heap);
bool pyheap_gc_slice_mode(struct pyheap_heap *heap);
bool pyheap_gc_slice_active(struct pyheap_heap *heap);
void pyheap_gc_slice_put(struct pyheap_heap *heap, struct pyheap_obj *obj);
void pyheap_gc_slice_finish(struct pyheap_heap *heap);
u64 pyheap_gc_slice_collect(struct pyheap_heap *heap);
void pyheap_gc_slice_work(struct pyheap_heap *heap);
u64 pyheap_gc_slice_target(struct pyheap_heap *heap);
int pyheap_gc_slice_run(struct pyheap_heap *heap, u64 target);
u64 pyheap_gc_slice_found(struct pyheap_heap *heap, u64 *uncollectable);
void pyheap_gc_slice_gather(struct pyheap_heap *heap, struct list_head *all);
void pyheap_gc_slice_discard(struct pyheap_heap *heap);
void pyheap_gc_slice_show(struct pyheap_heap *heap, struct seq_file *m);
void pyheap_gc_slice_clear(struct pyheap_heap *heap);

/* mod/events.c */
void pyheap_events_init(struct pyheap_heap *heap);
void pyheap_events_release(struct pyheap_heap *heap);
u64 pyheap_events_pending(struct pyheap_heap *heap);
int pyheap_event_queue_finalize(struct pyheap_heap *heap,
				struct pyheap_obj *obj);
ssize_t pyheap_events_read(struct pyheap_heap *heap, char __user *buf,
			   size_t len, bool nonblock);
__poll_t pyheap_events_poll(struct pyheap_heap *heap, struct file *file,
			    poll_table *wait);

/* mod/uobj.c */
extern struct pyheap_type pyheap_uobj_type;
size_t pyheap_uobj_size(u32 nslots, u32 payload_size);
bool pyheap_is_uobj(const struct pyheap_obj *obj);
u32 pyheap_uobj_slot_at(struct pyheap_obj *obj, u32 pos);
bool pyheap_uobj_shape_ok(u32 nslots, u32 payload_size, u32 flags);
struct pyheap_obj *pyheap_uobj_new(struct pyheap_heap *heap, u32 nslots,
				   u32 payload_size, u32 flags);
int pyheap_uobj_new_many(struct pyheap_heap *heap, u32 nslots,
			 u32 payload_size, u32 flags, u32 n,
			 struct pyheap_obj **objs);
int pyheap_uobj_set_slot(struct pyheap_heap *heap, struct pyheap_obj *obj,
			 u32 index, struct pyheap_obj *target);
int pyheap_uobj_get_slot(struct pyheap_obj *obj, u32 index,
			 struct pyheap_obj **target);
u8 *pyheap_uobj_payload(struct pyheap_obj *obj, u64 offset, u32 len,
			int *err);

/* mod/lru_obj.c */
struct lru_value;
extern struct pyheap_type pyheap_ulru_type;
bool pyheap_is_ulru(const struct pyheap_obj *obj);
struct pyheap_lru *pyheap_ulru_map(struct pyheap_obj *obj);
struct pyheap_obj *pyheap_ulru_new(struct pyheap_heap *heap, long maxsize,
				   bool typed, bool may_shrink);
u64 pyheap_ulru_shrink_count(struct pyheap_heap *heap);
u64 pyheap_ulru_shrink(struct pyheap_heap *heap, u64 nr);
void pyheap_ulru_release_deferred(struct pyheap_heap *heap);
struct lru_value *pyheap_lru_value_new(struct pyheap_heap *heap,
				       struct pyheap_obj *target,
				       const void __user *ubuf, u32 len,
				       u32 key_len);
void pyheap_lru_value_put(struct lru_value *v);
void pyheap_ulru_show(struct pyheap_heap *heap, struct seq_file *m,
		      bool keys);
struct pyheap_obj *pyheap_lru_value_obj(struct lru_value *v);
bool pyheap_lru_value_pending(struct lru_value *v);
void pyheap_lru_value_set_pending(struct lru_value *v);
const u8 *pyheap_lru_value_data(struct lru_value *v, u32 *len);

/* mod/handle.c */
int pyheap_handle_open(struct pyheap_heap *heap, struct pyheap_obj *obj,
		       u32 *handle);
struct pyheap_obj *pyheap_handle_lookup(struct pyheap_heap *heap, u32 handle);
int pyheap_handle_close(struct pyheap_heap *heap, u32 handle);
void pyheap_handle_pin(struct pyheap_heap *heap, u32 handle);
void pyheap_handle_unpin(struct pyheap_heap *heap, u32 handle);
int pyheap_handles_reserve(struct pyheap_heap *heap, u32 n);
int pyheap_handles_open_many(struct pyheap_heap *heap,
			     struct pyheap_obj *const *objs, u32 n,
			     u32 *handles);
int pyheap_handles_close_many(struct pyheap_heap *heap, const u32 *handles,
			      u32 n);
void pyheap_handles_close_all(struct pyheap_heap *heap);
/* Called by pyheap_handles_for_each(); non-zero stops it. */
typedef int (*pyheap_handle_fn_t)(u32 handle, struct pyheap_obj *obj,
				  void *arg);
int pyheap_handles_for_each(struct pyheap_heap *heap, pyheap_handle_fn_t fn,
			    void *arg);

/* mod/shrink.c */
int pyheap_shrink_init(void);
void pyheap_shrink_exit(void);
int pyheap_shrink_heap_add(struct pyheap_heap *heap);
void pyheap_shrink_heap_remove(struct pyheap_heap *heap);
unsigned long pyheap_shrink_heap_count(struct pyheap_heap *heap);
long pyheap_shrink_heap_scan(struct pyheap_heap *heap, unsigned long nr);
void pyheap_shrink_show(struct pyheap_heap *heap, struct seq_file *m);

/* mod/dev.c */
int pyheap_dev_init(void);
void pyheap_dev_exit(void);

/* mod/debugfs.c */
void pyheap_debugfs_init(void);
void pyheap_debugfs_exit(void);
void pyheap_debugfs_heap_add(struct pyheap_heap *heap);
void pyheap_debugfs_heap_remove(struct pyheap_heap *heap);

/* mod/dump.c */
void pyheap_dump_add(struct pyheap_heap *heap, struct dentry *dir);

#if IS_ENABLED(CONFIG_KUNIT)
int pyheap_gc_select_generation(struct pyheap_gc *gc);
void pyheap_gc_slice_begin(struct pyheap_heap *heap);
bool pyheap_gc_slice_step(struct pyheap_heap *heap, u64 budget_ns);
u32 pyheap_event_take(struct pyheap_heap *heap);
unsigned int pyheap_obmalloc_fail_nth(struct pyheap_obmalloc *pa,
				      unsigned int nth);
unsigned int pyheap_obmalloc_nempty_arenas(struct pyheap_obmalloc *pa);
bool pyheap_heap_listed(struct pyheap_heap *heap);
long pyheap_dev_ioctl(struct pyheap_heap *heap, unsigned int cmd,
		      unsigned long arg);
#endif

#endif /* _PYHEAP_INTERNAL_H */
