/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pyheap objects: refcounted, typed, freed the moment their count reaches 0
 *
 * Every object starts with a struct pyheap_obj header (the PyObject plus
 * PyGC_Head of CPython) and lives in one heap's allocator.  Its type says
 * how to find its references (traverse), how to drop them (clear) and what
 * to release besides its memory (release).  Freeing never recurses: the
 * object whose count reaches zero goes on the heap's to-free list, and one
 * loop drains it, so a chain of any length is freed in constant stack.
 *
 * Limitations: every call needs the heap's lock (pyheap_heap_lock()), as
 * every CPython C-API call needs the GIL; refcounts are therefore plain
 * integers with refcount_t's rules (saturate, never wrap, no put below 0).
 */
#ifndef _PYHEAP_OBJ_H
#define _PYHEAP_OBJ_H

#include <linux/bits.h>
#include <linux/list.h>
#include <linux/types.h>

struct pyheap_heap;
struct pyheap_obj;

/* Types registered at once, built-in ones included. */
#define PYHEAP_MAX_TYPES	16

/* Like REFCOUNT_SATURATED: a count that reaches it never moves again. */
#define PYHEAP_REFCNT_SATURATED	0xc0000000U

/**
 * typedef pyheap_visit_t - called by a type's traverse for each reference
 * @target: an object the traversed object references; never NULL
 * @arg: the traverse caller's cookie
 */
typedef void (*pyheap_visit_t)(struct pyheap_obj *target, void *arg);

/*
 * In pyheap_obj.flags: the object is a candidate of a full collection run
 * in slices, which must hear of every reference to it that goes (see
 * "Collections in slices" in Documentation/pyheap/gc.rst).  Here because
 * pyheap_obj_put() tests it inline; the other bits are the heap's own.
 */
#define PYHEAP_OBJF_WATCHED	BIT(12)

/**
 * struct pyheap_type - how the heap handles one kind of object
 * @name: shown in debugfs; at most 15 characters
 * @traverse: call @visit on every object this one holds a reference to;
 *	may be NULL for objects that hold none.  It may call @visit under
 *	a spinlock of its own, so visit functions never sleep; a walker
 *	that needs memory makes room between traversals, not inside one
 * @clear: drop every reference this object holds, with pyheap_obj_put(),
 *	and forget them; runs before @release when the object dies, and on
 *	live objects to break cycles (collector, heap teardown), so it must
 *	cope with being called again; may be NULL
 * @release: free what the object owns besides its memory and references;
 *	may be NULL
 * @finalize: PEP 442 finalizer, run once in the object's life when the
 *	collector finds it unreachable or when its count reaches zero,
 *	whichever comes first; it may resurrect the object by taking a
 *	reference.  Returns 0, or an errno: the collector then keeps the
 *	object and tries again later, and a put frees it unfinalized.  A
 *	reference it drops that takes another object with an unrun
 *	finalizer to zero frees that object unfinalized (no recursion).
 *	NULL for none.
 * @refs_offset: optional, for the collector's speed: if not 0, the
 *	object's references are an array of struct pyheap_obj pointers at
 *	this byte offset from its header (NULL entries are empty), and
 *	@nrefs_offset is the offset of the u32 holding the array's length.
 *	The collector then reads them in place in its own passes, with no
 *	call per object or per reference.  Only for references that
 *	heap->lock alone protects; @traverse is still needed, and must
 *	visit the same references, for everyone else
 * @nrefs_offset: see @refs_offset
 * @id: set by pyheap_type_register(); do not touch
 *
 * The callbacks run with the heap's lock held and must not sleep for long.
 * They may call pyheap_obj_put() (it never recurses) but not free the
 * object themselves.
 */
struct pyheap_type {
	const char *name;
	void (*traverse)(struct pyheap_obj *obj, pyheap_visit_t visit,
			 void *arg);
	void (*clear)(struct pyheap_heap *heap, struct pyheap_obj *obj);
	void (*release)(struct pyheap_heap *heap, struct pyheap_obj *obj);
	int (*finalize)(struct pyheap_heap *heap, struct pyheap_obj *obj);
	u16 refs_offset;
	u16 nrefs_offset;
	unsigned int id;
};

/**
 * struct pyheap_obj - the header of every object
 * @node: on its generation's list, or the heap's to-free list once dead
 * @type: what the object is
 * @refcnt: references held, including one per user-space handle
 * @flags: PYHEAP_OBJ_* state bits, owned by the heap
 * @size: bytes asked of the allocator, header included
 * @heap_priv: scratch for the collector and walkers, 0 whenever none of
 *	them runs: a collection counts references in it from 0
 *
 * Embed it first in a type's own struct.  Every field is protected by the
 * heap's lock.
 */
struct pyheap_obj {
	struct list_head node;
	const struct pyheap_type *type;
	u32 refcnt;
	u32 flags;
	u32 size;
	u32 heap_priv;
};

/**
 * struct pyheap_heap_head - the part of a heap the inline helpers touch
 * @changes: bumped by every put, and by every other change to the object
 *	graph that a collection could see ("Skipping a collection" in
 *	mod/gc.c): a collection finding it as its last one left it may
 *	answer without a scan
 *
 * The first member of the otherwise opaque struct pyheap_heap, so that
 * pyheap_obj_put() counts a put without a call.
 */
struct pyheap_heap_head {
	u64 changes;
};

int pyheap_type_register(struct pyheap_type *type);
void pyheap_type_unregister(struct pyheap_type *type);

struct pyheap_obj *pyheap_obj_new(struct pyheap_heap *heap,
				  const struct pyheap_type *type, size_t size);
void __pyheap_obj_put(struct pyheap_heap *heap, struct pyheap_obj *obj);

/**
 * pyheap_obj_get() - take a reference
 * @obj: a live object
 *
 * A count that reaches %PYHEAP_REFCNT_SATURATED stays there: the object
 * leaks instead of being freed while still referenced.  Inline: under the
 * heap lock a reference is a plain increment, as Py_INCREF under the GIL.
 *
 * Context: Any context.  Caller holds the heap's lock.
 */
static inline void pyheap_obj_get(struct pyheap_obj *obj)
{
	if (likely(obj->refcnt < PYHEAP_REFCNT_SATURATED))
		obj->refcnt++;
}

/**
 * pyheap_obj_put() - drop a reference
 * @heap: the object's heap
 * @obj: the object; NULL is ignored
 *
 * On the last reference the object is freed before this returns, and so
 * is everything only it kept alive, in constant stack depth.  A put on an
 * object whose count is already zero is refused, counted in the heap's
 * bad_puts and reported.  The common case (not the last reference, no
 * sliced collection watching the object) is an inline decrement, and a
 * count of the heap's changes for the collector; the rest, including the
 * lock assertion, is out of line in __pyheap_obj_put().
 *
 * Context: Process context; may sleep.  Caller holds heap->lock.
 */
static inline void pyheap_obj_put(struct pyheap_heap *heap,
				  struct pyheap_obj *obj)
{
	/*
	 * 1 < refcnt < saturated, as one unsigned comparison, and no sliced
	 * collection watching: the flags share the refcount's cache line.
	 */
	if (obj && likely(obj->refcnt - 2U < PYHEAP_REFCNT_SATURATED - 2U) &&
	    likely(!(obj->flags & PYHEAP_OBJF_WATCHED))) {
		obj->refcnt--;
		((struct pyheap_heap_head *)heap)->changes++;
	} else {
		__pyheap_obj_put(heap, obj);
	}
}

u32 pyheap_obj_refcnt(const struct pyheap_obj *obj);
size_t pyheap_obj_class_size(const struct pyheap_obj *obj);

/**
 * struct pyheap_deep_size - what pyheap_obj_deep_size() found
 * @objects: objects reachable from the start, itself included, once each
 * @bytes: their sizes, added up
 */
struct pyheap_deep_size {
	u64 objects;
	u64 bytes;
};

int pyheap_obj_deep_size(struct pyheap_heap *heap, struct pyheap_obj *obj,
			 struct pyheap_deep_size *out);

#endif /* _PYHEAP_OBJ_H */
