// SPDX-License-Identifier: GPL-2.0
/*
 * pyheap objects: types, new/get/put, the to-free loop, deep sizes
 *
 * An object whose count reaches zero moves to heap->tofree; the loop in
 * obj_drain() frees what is there, and the puts its ->clear() makes only
 * append to the list, so freeing never recurses (CPython's trashcan,
 * without a depth limit).  See "Objects" in Documentation/pyheap/design.rst.
 *
 * Locking: heap->lock protects every object, the heap's lists and counters.
 * pyheap_types_mutex protects pyheap_types[].
 * Lock order: "Lock order" in mod/internal.h (1 alone; 3 -> 5).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/siphash.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/xarray.h>

#include <pyheap/obj.h>

#include "internal.h"

static DEFINE_MUTEX(pyheap_types_mutex);
const struct pyheap_type *pyheap_types[PYHEAP_MAX_TYPES];

/*
 * An object's key in heap->released.  Objects are at least one header
 * apart, so no two share a key, and the objects of a pool get
 * neighbouring ones.
 */
static unsigned long obj_key(const struct pyheap_obj *obj)
{
	return __pa(obj) / sizeof(*obj);
}

/*
 * A reference array the collector may read in place: after the header,
 * aligned, its length before it, and a traverse for everyone else.
 */
static bool type_refs_valid(const struct pyheap_type *type)
{
	if (!type->refs_offset && !type->nrefs_offset)
		return true;
	return type->traverse &&
	       type->nrefs_offset >= sizeof(struct pyheap_obj) &&
	       IS_ALIGNED(type->nrefs_offset, sizeof(u32)) &&
	       type->nrefs_offset + sizeof(u32) <= type->refs_offset &&
	       IS_ALIGNED(type->refs_offset, sizeof(struct pyheap_obj *));
}

/* The smallest object of @type: a header, and the array's length. */
static size_t type_min_size(const struct pyheap_type *type)
{
	return max_t(size_t, sizeof(struct pyheap_obj), type->refs_offset);
}

/**
 * pyheap_type_register() - make a type usable by pyheap_obj_new()
 * @type: the type; must stay valid until pyheap_type_unregister()
 *
 * Context: Process context.  Takes and releases pyheap_types_mutex.
 * Return: 0, -EINVAL if @type has no name or one over 15 characters, or
 * a reference array (&pyheap_type.refs_offset) that is misplaced or has
 * no traverse, -EEXIST if it is registered already, -ENOSPC if
 * %PYHEAP_MAX_TYPES are.
 */
int pyheap_type_register(struct pyheap_type *type)
{
	unsigned int i;
	int free = -1;

	if (!type->name || strlen(type->name) > 15 || !type_refs_valid(type))
		return -EINVAL;
	guard(mutex)(&pyheap_types_mutex);
	for (i = 0; i < PYHEAP_MAX_TYPES; i++) {
		if (pyheap_types[i] == type)
			return -EEXIST;
		if (!pyheap_types[i] && free < 0)
			free = i;
	}
	if (free < 0)
		return -ENOSPC;
	type->id = free;
	/* Paired with the READ_ONCE() in pyheap_obj_new() and debugfs. */
	WRITE_ONCE(pyheap_types[free], type);
	return 0;
}
EXPORT_SYMBOL_GPL(pyheap_type_register);

/**
 * pyheap_type_unregister() - undo pyheap_type_register()
 * @type: a registered type, with no object of it left in any heap
 *
 * Context: Process context.  Takes and releases pyheap_types_mutex.
 */
void pyheap_type_unregister(struct pyheap_type *type)
{
	guard(mutex)(&pyheap_types_mutex);
	if (!WARN_ON_ONCE(pyheap_types[type->id] != type))
		WRITE_ONCE(pyheap_types[type->id], NULL);
}
EXPORT_SYMBOL_GPL(pyheap_type_unregister);

/* The object of pyheap_obj_new(), on generation 0 if @tracked. */
static struct pyheap_obj *obj_alloc(struct pyheap_heap *heap,
				    const struct pyheap_type *type,
				    size_t size, bool tracked)
	__must_hold(&heap->lock)
{
	size_t bytes = pyheap_obmalloc_usable_size(size);
	struct pyheap_obj *obj;

	if (size < type_min_size(type) || size > U32_MAX ||
	    WARN_ON_ONCE(READ_ONCE(pyheap_types[type->id]) != type))
		return ERR_PTR(-EINVAL);
	if (heap->nr_objects >= heap->limits.max_objects ||
	    bytes > heap->limits.max_bytes - heap->nr_bytes)
		return ERR_PTR(-ENOSPC);

	obj = pyheap_obmalloc_alloc(heap->alloc, size);
	if (!obj)
		return ERR_PTR(-ENOMEM);
	/* The teardown visits these, and only these (pyheap_obj_discard()). */
	if (type->release &&
	    xa_err(xa_store(&heap->released, obj_key(obj), obj,
			    GFP_KERNEL_ACCOUNT))) {
		pyheap_obmalloc_free(heap->alloc, obj, size);
		return ERR_PTR(-ENOMEM);
	}
	memset(obj, 0, size);
	obj->type = type;
	obj->refcnt = 1;
	obj->size = size;
	if (type->finalize)
		obj->flags |= PYHEAP_OBJF_FINALIZER;
	heap->nr_objects++;
	heap->nr_bytes += bytes;
	heap->types[type->id].objects++;
	heap->types[type->id].bytes += bytes;
	pyheap_gc_track(heap, obj, tracked);
	return obj;
}

/**
 * pyheap_obj_new() - allocate an object with one reference
 * @heap: the heap it lives in
 * @type: a registered type
 * @size: bytes, the struct pyheap_obj header included
 *
 * The object is zeroed, except for the header the heap fills in.  Its
 * memory comes from the heap's allocator and counts against the heap's
 * limits.
 *
 * Context: Process context; may sleep.  Caller holds heap->lock.
 * Return: the object, or ERR_PTR(-EINVAL) for a @size below the header or
 * above 4 GiB, ERR_PTR(-ENOSPC) if the heap is at its object or byte
 * limit, or ERR_PTR(-ENOMEM).
 */
struct pyheap_obj *pyheap_obj_new(struct pyheap_heap *heap,
				  const struct pyheap_type *type, size_t size)
	__must_hold(&heap->lock)
{
	lockdep_assert_held(&heap->lock);
	return obj_alloc(heap, type, size, !!type->traverse);
}
EXPORT_SYMBOL_GPL(pyheap_obj_new);

/*
 * pyheap_obj_new() for an object that will never hold a reference, though
 * its type may traverse some (an OBJ_NEW object without slots): it is
 * never tracked, as an object of a CPython type without Py_TPFLAGS_HAVE_GC
 * is not, and does not count in gc.get_count().
 */
struct pyheap_obj *pyheap_obj_new_untracked(struct pyheap_heap *heap,
					    const struct pyheap_type *type,
					    size_t size)
	__must_hold(&heap->lock)
{
	lockdep_assert_held(&heap->lock);
	return obj_alloc(heap, type, size, false);
}

/**
 * pyheap_obj_refcnt() - the current reference count
 * @obj: a live object
 *
 * Context: Any context.  Caller holds the heap's lock.
 * Return: the count; %PYHEAP_REFCNT_SATURATED if it saturated.
 */
u32 pyheap_obj_refcnt(const struct pyheap_obj *obj)
{
	return obj->refcnt;
}
EXPORT_SYMBOL_GPL(pyheap_obj_refcnt);

/**
 * pyheap_obj_id() - an object's identity, for user space
 * @heap: the object's heap
 * @obj: a live object
 *
 * A keyed hash of the object's address (the heap's own siphash key), so
 * that equal ids mean the same object while it lives, yet no address
 * leaves the kernel.  The top bit is clear, so an id never looks like a
 * kernel address.
 *
 * Context: Any context.
 * Return: the id.
 */
u64 pyheap_obj_id(struct pyheap_heap *heap, const struct pyheap_obj *obj)
{
	return siphash_1u64((u64)(uintptr_t)obj, &heap->id_key) &
	       (U64_MAX >> 1);
}

/**
 * pyheap_obj_class_size() - the bytes an object actually occupies
 * @obj: a live object
 *
 * Context: Any context.
 * Return: the block size of the object's size class, or its size for
 * objects above 512 bytes.
 */
size_t pyheap_obj_class_size(const struct pyheap_obj *obj)
{
	return pyheap_obmalloc_usable_size(obj->size);
}
EXPORT_SYMBOL_GPL(pyheap_obj_class_size);

/* Free one dead object: drop its references, release it, free its block. */
static void __obj_free(struct pyheap_heap *heap, struct pyheap_obj *obj)
	__must_hold(&heap->lock)
{
	const struct pyheap_type *type = obj->type;
	size_t bytes = pyheap_obmalloc_usable_size(obj->size);

	pyheap_gc_forget(heap, obj);
	if (type->clear)
		type->clear(heap, obj);
	if (type->release) {
		type->release(heap, obj);
		xa_erase(&heap->released, obj_key(obj));
	}
	heap->nr_objects--;
	heap->nr_bytes -= bytes;
	heap->types[type->id].objects--;
	heap->types[type->id].bytes -= bytes;
	heap->nr_freed++;
	pyheap_obmalloc_free(heap->alloc, obj, obj->size);
}

/*
 * Free everything on heap->tofree, including what freeing it adds.  Only
 * the outermost put runs the loop; the puts made by ->clear() see
 * heap->draining and only append.
 */
static void obj_drain(struct pyheap_heap *heap)
	__must_hold(&heap->lock)
{
	struct pyheap_obj *obj;
	unsigned int n = 0;

	while ((obj = list_first_entry_or_null(&heap->tofree,
					       struct pyheap_obj, node))) {
		list_del(&obj->node);
		__obj_free(heap, obj);
		if (!(++n % 1024))
			cond_resched();
	}
}

void pyheap_obj_drain(struct pyheap_heap *heap)
	__must_hold(&heap->lock)
{
	heap->draining = true;
	obj_drain(heap);
	heap->draining = false;
}

/*
 * Finalizers at a count of zero.  An object whose PEP 442 finalizer has
 * not run when its last reference goes, outside any collection or in one
 * (its count dropped by a cycle's ->clear(), say), runs it then, before it
 * is freed, as CPython's subtype_dealloc() runs __del__ through
 * PyObject_CallFinalizerFromDealloc(): the count goes back to one for the
 * call, the finalizer may take references (user-space objects queue an
 * event holding a new handle, mod/events.c), and the object is freed only
 * if the count is zero again when it returns.  Otherwise it is
 * resurrected, and a change for the collector's skip ("Skipping a
 * collection" in mod/gc.c), and its finalizer never runs again.
 *
 * The finalizer runs with heap->draining set, so that the puts it makes
 * only queue, and with heap->finalizing set, so that an object it drops
 * to zero with a finalizer of its own does not run that one inside it
 * (see obj_finalizer_due()): a finalizer never runs inside another.  A
 * finalizer that fails (no memory for the event, or no handle left under
 * the heap's limit) cannot be retried later, since nothing refers to the
 * object: it is freed unfinalized, as CPython frees an object whose
 * __del__ raised MemoryError, and counted in heap->lost_finalizers.  None
 * runs once the heap is going (gc.dying, set before its handles close).
 *
 * Return: true if the object was resurrected; false to free it.
 */
static bool obj_finalize_dead(struct pyheap_heap *heap, struct pyheap_obj *obj)
	__must_hold(&heap->lock)
{
	bool was_draining = heap->draining;
	int err;

	obj->flags |= PYHEAP_OBJF_FINALIZED;
	obj->refcnt = 1;		/* the finalizer's own */
	heap->draining = true;
	heap->finalizing = true;
	err = obj->type->finalize(heap, obj);
	heap->finalizing = false;
	heap->draining = was_draining;
	if (err) {
		heap->lost_finalizers++;
		pr_warn_ratelimited("heap %llu: a %s object freed without its finalizer: %d\n",
				    heap->id, obj->type->name, err);
	}
	if (--obj->refcnt) {
		pyheap_heap_changed(heap);
		/* what the finalizer let go */
		if (!was_draining)
			pyheap_obj_drain(heap);
		return true;
	}
	return false;
}

/*
 * A finalizer that drops the last reference to another object with an
 * unrun finalizer would run that one inside itself, and so on down a
 * chain: no recursion, so that object is freed without its finalizer,
 * counted and logged as a finalizer that could not start.  The in-tree
 * finalizers (user-space objects') drop no reference; a type of another
 * module whose finalizer does is told so by the log.
 */
static bool obj_finalizer_due(struct pyheap_heap *heap,
			      const struct pyheap_obj *obj)
{
	if ((obj->flags & (PYHEAP_OBJF_FINALIZER | PYHEAP_OBJF_FINALIZED)) !=
	    PYHEAP_OBJF_FINALIZER || heap->gc.dying)
		return false;
	if (unlikely(heap->finalizing)) {
		heap->lost_finalizers++;
		pr_warn_ratelimited("heap %llu: a %s object freed without its finalizer: dropped inside another finalizer\n",
				    heap->id, obj->type->name);
		return false;
	}
	return true;
}

/**
 * __pyheap_obj_put() - pyheap_obj_put() when the count may reach zero
 * @heap: the object's heap
 * @obj: the object; NULL is ignored
 *
 * An object whose finalizer has not run runs it first, and is freed only
 * if that did not resurrect it (see obj_finalize_dead()).
 *
 * Context: Process context; may sleep.  Caller holds heap->lock.
 */
void __pyheap_obj_put(struct pyheap_heap *heap, struct pyheap_obj *obj)
	__must_hold(&heap->lock)
{
	lockdep_assert_held(&heap->lock);
	if (!obj || unlikely(obj->refcnt >= PYHEAP_REFCNT_SATURATED))
		return;
	/* The teardown frees the objects whole (pyheap_obj_discard()). */
	if (unlikely(heap->discarding))
		return;
	if (unlikely(!obj->refcnt)) {
		heap->bad_puts++;
		pr_err_ratelimited("put of a %s object with no reference refused\n",
				   obj->type->name);
		return;
	}
	heap->head.changes++;
	/* A reference goes: a sliced collection must count it reachable. */
	if (unlikely(obj->flags & PYHEAP_OBJF_WATCHED))
		pyheap_gc_slice_put(heap, obj);
	if (--obj->refcnt)
		return;
	if (unlikely(obj_finalizer_due(heap, obj)) &&
	    obj_finalize_dead(heap, obj))
		return;
	if (heap->draining) {
		list_move_tail(&obj->node, &heap->tofree);
		return;
	}
	/* The outermost put: free this one at once, then what it freed. */
	list_del(&obj->node);
	heap->draining = true;
	__obj_free(heap, obj);
	obj_drain(heap);
	heap->draining = false;
}
EXPORT_SYMBOL_GPL(__pyheap_obj_put);

/*
 * Breadth-first walks (struct pyheap_walk in mod/internal.h): every
 * object found so far, in the order found, each with the entry it was
 * found from and the position of the reference in that entry's
 * ->traverse() order.  The walk is over when it has traversed them all,
 * or found the object it was asked to stop at.
 *
 * A type may call its visit function under a lock of its own (the LRU map
 * walks its entries under its spinlock), so visiting never allocates: an
 * object found when the queue is full is only counted in ->missed, and the
 * walker grows the queue after ->traverse() has returned, then traverses
 * the same object again.  Objects already queued are marked
 * (PYHEAP_OBJF_VISITED) and skipped, so each pass queues only what the
 * last one could not, and a position is that of the first reference to
 * the object, whichever pass queues it.
 */

/* Make room for @more objects beyond those queued; may sleep. */
static int walk_grow(struct pyheap_walk *w, size_t more)
{
	size_t cap = max3((size_t)w->cap * 2, (size_t)w->nr + more,
			  (size_t)64);
	struct pyheap_walk_entry *q;

	if (cap > PYHEAP_WALK_NONE)
		return -ENOMEM;
	/* kvrealloc() changed its arguments in 6.12; grow by hand. */
	q = kvmalloc_array(cap, sizeof(*q), GFP_KERNEL_ACCOUNT);
	if (!q)
		return -ENOMEM;
	if (w->nr)
		memcpy(q, w->q, w->nr * sizeof(*q));
	kvfree(w->q);
	w->q = q;
	w->cap = cap;
	return 0;
}

/* Queue @target, found from entry w->cur; never sleeps. */
static void walk_visit(struct pyheap_obj *target, void *arg)
{
	struct pyheap_walk *w = arg;
	u32 pos = w->pos++;

	if ((target->flags & PYHEAP_OBJF_VISITED) ||
	    w->found != PYHEAP_WALK_NONE)
		return;
	if (w->nr == w->cap) {
		w->missed++;
		return;
	}
	target->flags |= PYHEAP_OBJF_VISITED;
	if (target == w->stop)
		w->found = w->nr;
	w->q[w->nr++] = (struct pyheap_walk_entry) {
		.obj = target,
		.parent = w->cur,
		.pos = w->cur == PYHEAP_WALK_NONE ? PYHEAP_WALK_NONE : pos,
	};
}

/**
 * pyheap_walk_init() - start a breadth-first walk
 * @w: the walk
 * @heap: the heap it walks
 * @stop: end the walk once this object is found; NULL to walk everything
 *
 * Context: Any context.
 */
void pyheap_walk_init(struct pyheap_walk *w, struct pyheap_heap *heap,
		      const struct pyheap_obj *stop)
{
	*w = (struct pyheap_walk) {
		.heap = heap,
		.cur = PYHEAP_WALK_NONE,
		.found = PYHEAP_WALK_NONE,
		.stop = stop,
	};
}
EXPORT_SYMBOL_IF_KUNIT(pyheap_walk_init);

/**
 * pyheap_walk_add() - add a root to a walk
 * @w: a walk from pyheap_walk_init(), not yet run
 * @obj: the root; ignored if found already
 *
 * Roots are traversed in the order they are added, before anything they
 * reach, so a walk from many roots at once finds the nearest first.
 *
 * Context: Process context; may sleep.  Caller holds heap->lock.
 * Return: 0, or -ENOMEM.
 */
int pyheap_walk_add(struct pyheap_walk *w, struct pyheap_obj *obj)
	__must_hold(&w->heap->lock)
{
	int err;

	lockdep_assert_held(&w->heap->lock);
	if (w->nr == w->cap && !(obj->flags & PYHEAP_OBJF_VISITED)) {
		err = walk_grow(w, 1);
		if (err)
			return err;
	}
	w->cur = PYHEAP_WALK_NONE;
	walk_visit(obj, w);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(pyheap_walk_add);

/**
 * pyheap_walk_run() - traverse breadth first from the roots
 * @w: a walk with its roots added
 *
 * Walks the types' ->traverse() with an explicit queue, so the kernel
 * stack does not grow with the graph, until every object reachable from
 * the roots is queued or the walk's stop object is (w->found is then its
 * entry).  The queue grows between traversals, never inside one.
 *
 * Context: Process context; may sleep.  Caller holds heap->lock.
 * Return: 0, or -ENOMEM if the queue cannot grow (the walk is then cut
 * short, and only pyheap_walk_destroy() may follow).
 */
int pyheap_walk_run(struct pyheap_walk *w)
	__must_hold(&w->heap->lock)
{
	const struct pyheap_type *type;
	int err;
	u32 i;

	lockdep_assert_held(&w->heap->lock);
	for (i = 0; i < w->nr && w->found == PYHEAP_WALK_NONE; i++) {
		type = w->q[i].obj->type;
		if (!type->traverse)
			continue;
		w->cur = i;
		for (;;) {
			w->missed = 0;
			w->pos = 0;
			type->traverse(w->q[i].obj, walk_visit, w);
			if (!w->missed || w->found != PYHEAP_WALK_NONE)
				break;
			err = walk_grow(w, w->missed);
			if (err)
				return err;
		}
		if (!(i % 1024))
			cond_resched();
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(pyheap_walk_run);

/**
 * pyheap_walk_destroy() - unmark what a walk found, and free its queue
 * @w: the walk
 *
 * Context: Process context; may sleep.  Caller holds heap->lock.
 */
void pyheap_walk_destroy(struct pyheap_walk *w)
	__must_hold(&w->heap->lock)
{
	u32 i;

	lockdep_assert_held(&w->heap->lock);
	for (i = 0; i < w->nr; i++) {
		w->q[i].obj->flags &= ~PYHEAP_OBJF_VISITED;
		if (!(i % 4096))
			cond_resched();
	}
	kvfree(w->q);
	w->q = NULL;
	w->nr = 0;
	w->cap = 0;
}
EXPORT_SYMBOL_IF_KUNIT(pyheap_walk_destroy);

/**
 * pyheap_obj_deep_size() - what an object keeps reachable, and its size
 * @heap: the object's heap
 * @obj: where to start
 * @out: the objects found, @obj included and each counted once, and the
 *	sum of their sizes
 *
 * A breadth-first walk from @obj (see pyheap_walk_run()).
 *
 * Context: Process context; may sleep.  Caller holds heap->lock.
 * Return: 0, or -ENOMEM (and @out untouched) if the queue cannot grow.
 */
int pyheap_obj_deep_size(struct pyheap_heap *heap, struct pyheap_obj *obj,
			 struct pyheap_deep_size *out)
	__must_hold(&heap->lock)
{
	struct pyheap_walk w;
	u64 bytes = 0;
	int err;
	u32 i;

	lockdep_assert_held(&heap->lock);
	pyheap_walk_init(&w, heap, NULL);
	err = pyheap_walk_add(&w, obj) ?: pyheap_walk_run(&w);
	for (i = 0; i < w.nr; i++)
		bytes += w.q[i].obj->size;
	if (!err) {
		out->objects = w.nr;
		out->bytes = bytes;
	}
	pyheap_walk_destroy(&w);
	return err;
}
EXPORT_SYMBOL_GPL(pyheap_obj_deep_size);

/*
 * Cycles within a set of objects (the groups of GC_GARBAGE): the strongly
 * connected components of the references between them, by Tarjan's
 * algorithm with explicit stacks instead of recursion.
 *
 *  1. Mark each object of the set (PYHEAP_OBJF_VISITED) and keep its
 *     index in ->heap_priv, so that a traverse can tell the references
 *     that stay inside the set; an object listed twice is one node, under
 *     its first index.
 *  2. Copy each node's references inside the set to one array of edges
 *     (node i's are to[first[i] .. first[i + 1])).  The array grows
 *     between traversals, never inside one, as the walk's queue does.
 *  3. Tarjan's search over the edges.  A component is a cycle if it has
 *     two nodes or more, or one that refers to itself.
 *  4. Number the cycles from 1 in the order of the set, and unmark,
 *     leaving ->heap_priv 0 (mod/gc.c counts from 0).
 *
 * Memory: about 28 bytes a node and 4 an edge, for the call only.
 */
#define SCC_OPEN	U32_MAX		/* on Tarjan's stack, no component */

/* One node of the search.  Tags: H: heap->lock */
struct scc_node {
	u32	first;		/* H: its first edge */
	u32	next;		/* H: its next edge to follow */
	u32	index;		/* H: order found, from 1; 0: not yet */
	u32	low;		/* H: least index it reaches on the stack */
	u32	comp;		/* H: its cycle, 0: none, or SCC_OPEN */
};

struct obj_scc {
	struct scc_node *node;		/* n + 1: the last ends the edges */
	u32 *to;			/* edges, by node */
	u32 ne, ecap, missed;
	u32 *stack;			/* Tarjan's stack of nodes */
	u32 *calls;			/* the search's path, as a call stack */
	u32 sp, cp, next_index, nr_comp;
};

static void scc_visit(struct pyheap_obj *target, void *arg)
{
	struct obj_scc *s = arg;

	if (!(target->flags & PYHEAP_OBJF_VISITED))
		return;		/* outside the set */
	if (s->ne == s->ecap) {
		s->missed++;
		return;
	}
	s->to[s->ne++] = target->heap_priv;
}

static int scc_grow_edges(struct obj_scc *s)
{
	size_t cap = max3((size_t)s->ecap * 2, (size_t)s->ne + s->missed,
			  (size_t)256);
	u32 *to;

	if (cap > U32_MAX)
		return -ENOMEM;
	to = kvmalloc_array(cap, sizeof(*to), GFP_KERNEL_ACCOUNT);
	if (!to)
		return -ENOMEM;
	if (s->ne)
		memcpy(to, s->to, s->ne * sizeof(*to));
	kvfree(s->to);
	s->to = to;
	s->ecap = cap;
	return 0;
}

/* 2. The edges of node @i (a first occurrence), appended to s->to. */
static int scc_edges(struct obj_scc *s, struct pyheap_obj *obj, u32 i)
{
	int err;

	s->node[i].first = s->ne;
	if (!obj->type->traverse)
		return 0;
	for (;;) {
		s->missed = 0;
		s->ne = s->node[i].first;
		obj->type->traverse(obj, scc_visit, s);
		if (!s->missed)
			return 0;
		err = scc_grow_edges(s);
		if (err)
			return err;
	}
}

static void scc_push(struct obj_scc *s, u32 v)
{
	struct scc_node *nd = &s->node[v];

	nd->index = s->next_index++;
	nd->low = nd->index;
	nd->comp = SCC_OPEN;
	nd->next = nd->first;
	s->stack[s->sp++] = v;
	s->calls[s->cp++] = v;
}

static bool scc_refers_to_itself(const struct obj_scc *s, u32 v)
{
	u32 e;

	for (e = s->node[v].first; e < s->node[v + 1].first; e++)
		if (s->to[e] == v)
			return true;
	return false;
}

/* 3. Pop the component whose root is @v, and name it. */
static void scc_pop(struct obj_scc *s, u32 v)
{
	u32 base = s->sp, comp, w;

	while (s->stack[--base] != v)
		;
	comp = s->sp - base > 1 || scc_refers_to_itself(s, v) ?
	       ++s->nr_comp : 0;
	while (s->sp > base) {
		w = s->stack[--s->sp];
		s->node[w].comp = comp;
	}
}

/* 3. Tarjan's search from node @root, with s->calls for the recursion. */
static void scc_search(struct obj_scc *s, u32 root)
{
	struct scc_node *nd, *wd;
	u32 v, w, steps = 0;

	scc_push(s, root);
	while (s->cp) {
		v = s->calls[s->cp - 1];
		nd = &s->node[v];
		if (nd->next < s->node[v + 1].first) {
			w = s->to[nd->next++];
			wd = &s->node[w];
			/* a tree edge: descend; a back or cross edge: low */
			if (!wd->index)
				scc_push(s, w);
			else if (wd->comp == SCC_OPEN)
				nd->low = min(nd->low, wd->index);
			if (!(++steps % 4096))
				cond_resched();
			continue;
		}
		s->cp--;			/* return from v */
		if (s->cp) {
			wd = &s->node[s->calls[s->cp - 1]];
			wd->low = min(wd->low, nd->low);
		}
		if (nd->low == nd->index)
			scc_pop(s, v);
	}
}

/* 4. Group numbers in the order of the set; @group holds first indices. */
static void scc_number(struct obj_scc *s, u32 n, u32 *group)
{
	u32 *renumber = s->stack;	/* free after the search */
	u32 i, f, c, next = 0;

	memset(renumber, 0, n * sizeof(*renumber));
	for (i = 0; i < n; i++) {
		f = group[i];
		if (f != i) {		/* listed before: its group is known */
			group[i] = group[f];
			continue;
		}
		c = s->node[i].comp;
		if (c && !renumber[c - 1])
			renumber[c - 1] = ++next;
		group[i] = c ? renumber[c - 1] : 0;
	}
}

static int scc_alloc(struct obj_scc *s, u32 n)
{
	s->node = kvcalloc((size_t)n + 1, sizeof(*s->node),
			   GFP_KERNEL_ACCOUNT);
	s->stack = kvmalloc_array(n, sizeof(*s->stack), GFP_KERNEL_ACCOUNT);
	s->calls = kvmalloc_array(n, sizeof(*s->calls), GFP_KERNEL_ACCOUNT);
	s->next_index = 1;
	return s->node && s->stack && s->calls ? 0 : -ENOMEM;
}

static void scc_free(struct obj_scc *s)
{
	kvfree(s->node);
	kvfree(s->stack);
	kvfree(s->calls);
	kvfree(s->to);
}

/**
 * pyheap_obj_cycles() - which objects of a set lie on a cycle among them
 * @heap: the objects' heap
 * @objs: the set, in the order the groups are numbered; an object may be
 *	listed more than once
 * @n: how many
 * @group: @n numbers out: for each object, 0 if it is on no cycle of
 *	references between objects of the set, otherwise its cycle (its
 *	strongly connected component), numbered from 1 in the order each
 *	first appears in @objs
 * @nr_cycles: how many cycles there are
 *
 * References from the set to objects outside it are ignored.  Costs one
 * traverse of each object and memory proportional to the objects and the
 * references between them (see "Cycles within a set of objects").
 *
 * Context: Process context; may sleep.  Caller holds heap->lock.
 * Return: 0, or -ENOMEM (and @group and @nr_cycles undefined).
 */
int pyheap_obj_cycles(struct pyheap_heap *heap, struct pyheap_obj *const *objs,
		      u32 n, u32 *group, u32 *nr_cycles)
	__must_hold(&heap->lock)
{
	struct obj_scc s = {};
	int err;
	u32 i;

	lockdep_assert_held(&heap->lock);
	if (n == U32_MAX)
		return -ENOMEM;
	pyheap_gc_slice_finish(heap);	/* heap_priv is its scratch too */
	err = scc_alloc(&s, n);
	/* 1. mark the set */
	for (i = 0; !err && i < n; i++) {
		if (objs[i]->flags & PYHEAP_OBJF_VISITED) {
			group[i] = objs[i]->heap_priv;
			continue;
		}
		objs[i]->flags |= PYHEAP_OBJF_VISITED;
		objs[i]->heap_priv = i;
		group[i] = i;
	}
	/* 2. its edges */
	for (i = 0; !err && i < n; i++) {
		if (group[i] == i)
			err = scc_edges(&s, objs[i], i);
		else
			s.node[i].first = s.ne;	/* no edges of its own */
		if (!(i % 1024))
			cond_resched();
	}
	if (!err) {
		s.node[n].first = s.ne;
		/* 3. the components */
		for (i = 0; i < n; i++)
			if (group[i] == i && !s.node[i].index)
				scc_search(&s, i);
		/* 4. their numbers */
		scc_number(&s, n, group);
		*nr_cycles = s.nr_comp;
	}
	/* and leave heap_priv 0, as a collection expects to find it */
	for (i = 0; i < n; i++) {
		objs[i]->flags &= ~PYHEAP_OBJF_VISITED;
		objs[i]->heap_priv = 0;
	}
	scc_free(&s);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(pyheap_obj_cycles);

/*
 * Free every object of a heap whose handles are gone, cycles included:
 * clear each live object (pinned, so that a self-reference cannot free it
 * under its own ->clear()), which drops every reference between objects,
 * so all counts reach zero.  An object left over was referenced from
 * outside the heap (an in-kernel user that did not put it) or saturated;
 * it is freed anyway, and counted.
 */
void pyheap_obj_teardown(struct pyheap_heap *heap)
	__must_hold(&heap->lock)
{
	struct pyheap_obj *obj;
	unsigned int leaked = 0;
	LIST_HEAD(cleared);
	LIST_HEAD(all);

	lockdep_assert_held(&heap->lock);
	pyheap_gc_gather(heap, &all);
	while ((obj = list_first_entry_or_null(&all, struct pyheap_obj,
					       node))) {
		list_move_tail(&obj->node, &cleared);
		pyheap_obj_get(obj);
		if (obj->type->clear)
			obj->type->clear(heap, obj);
		pyheap_obj_put(heap, obj);
		cond_resched();
	}
	while ((obj = list_first_entry_or_null(&cleared, struct pyheap_obj,
					       node))) {
		if (obj->refcnt < PYHEAP_REFCNT_SATURATED)
			leaked++;
		obj->refcnt = 0;
		list_move_tail(&obj->node, &heap->tofree);
		pyheap_obj_drain(heap);
	}
	if (leaked)
		pr_warn("heap %llu: %u objects still referenced at teardown\n",
			heap->id, leaked);
}

/**
 * pyheap_obj_discard() - free every object of a heap without visiting most
 * @heap: a heap whose allocator pyheap_obmalloc_discard() frees next, with
 *	heap->discarding set since before its handles were closed
 *
 * The objects of types with a ->release (heap->released holds them all)
 * are cleared and released, each once; the puts that makes free nothing,
 * so no other object is touched, and they all go with their arenas.  What
 * ->clear() of the others would do is drop references between objects
 * that are going anyway, so it is skipped.  Unlike pyheap_obj_teardown(),
 * this cannot tell objects an in-kernel user still references from the
 * rest: they are freed all the same, without a warning.
 *
 * Context: Process context; may sleep.  Caller holds heap->lock.
 */
void pyheap_obj_discard(struct pyheap_heap *heap)
	__must_hold(&heap->lock)
{
	u64 objects = 0, bytes = 0;
	struct pyheap_obj *obj;
	unsigned long key;
	unsigned int i = 0;

	lockdep_assert_held(&heap->lock);
	WARN_ON_ONCE(!heap->discarding || !list_empty(&heap->tofree));
	xa_for_each(&heap->released, key, obj) {
		if (obj->type->clear)
			obj->type->clear(heap, obj);
		obj->type->release(heap, obj);
		if (!(++i % 1024))
			cond_resched();
	}
	xa_destroy(&heap->released);
	pyheap_gc_discard(heap);
	/* Released, what is left counts only the objects' own blocks. */
	for (i = 0; i < PYHEAP_MAX_TYPES; i++) {
		objects += heap->types[i].objects;
		bytes += heap->types[i].bytes;
	}
	WARN_ON_ONCE(objects != heap->nr_objects || bytes != heap->nr_bytes);
	memset(heap->types, 0, sizeof(heap->types));
	heap->nr_freed += heap->nr_objects;
	heap->nr_objects = 0;
	heap->nr_bytes = 0;
}
