/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fixtures shared by pyheap's KUnit suites, defined in kunit/pyheap_kunit.c.
 *
 * A heap that the test owns: pyheap_kunit_heap() creates it and defers its
 * destruction with kunit_add_action_or_reset(), so a case that fails an
 * assertion leaks nothing and no suite needs an .exit to free it.  A case
 * about destruction itself ends the heap early, with
 * pyheap_kunit_heap_destroy().
 *
 * A kernel-side object type with reference slots, "kunit_link": objects
 * made with pyheap_kunit_link_new() hold up to as many references as they
 * were given slots, set with pyheap_kunit_link_set(), and build the chains,
 * rings and cycles the object and collector suites need.  A suite that
 * wants the same objects with another behaviour (a finalizer, say) declares
 * its own struct pyheap_type from pyheap_kunit_link_traverse(),
 * pyheap_kunit_link_clear() and pyheap_kunit_link_release().  A suite
 * registers the types it uses in its .suite_init.
 *
 * Heap locking is the caller's: the link functions run under heap->lock
 * (mod/internal.h).  Cases that hold it use only KUNIT_EXPECT_*, so that a
 * failure never leaves it held for the deferred destruction.
 */
#ifndef _PYHEAP_KUNIT_H
#define _PYHEAP_KUNIT_H

#include <kunit/test.h>
#include <linux/types.h>

#include <pyheap/heap.h>
#include <pyheap/obj.h>

/**
 * pyheap_kunit_heap() - a heap destroyed when the test ends
 * @test: the test that owns the heap
 * @limits: the heap's caps, or NULL for the module parameters' values
 *
 * Fails and ends @test, through KUNIT_ASSERT_*, if the heap cannot be
 * created or its destruction cannot be deferred; in the second case the
 * heap is destroyed at once.  Usable in a suite's .init.
 *
 * Context: Process context; may sleep.  Takes and releases
 * pyheap_heaps_mutex.
 * Return: the heap.
 */
struct pyheap_heap *pyheap_kunit_heap(struct kunit *test,
				      const struct pyheap_limits *limits);

/**
 * pyheap_kunit_heap_destroy() - destroy a heap of pyheap_kunit_heap() now
 * @test: the test that owns the heap
 * @heap: the heap; must not be used afterwards, except through a
 *	reference of pyheap_heap_get()
 *
 * For cases about destruction itself; the heap is not destroyed again
 * when the test ends.
 *
 * Context: Process context; may sleep.  Caller must not hold heap->lock.
 */
void pyheap_kunit_heap_destroy(struct kunit *test, struct pyheap_heap *heap);

/**
 * struct pyheap_kunit_link - an object of the "kunit_link" type
 * @ob: the object header
 * @released: if not NULL, counted up when the object is released
 * @slot: the references the object holds, NULL where it holds none; as
 *	many as pyheap_kunit_link_new() was asked for
 */
struct pyheap_kunit_link {
	struct pyheap_obj ob;
	unsigned int *released;
	struct pyheap_obj *slot[];
};

/* The type: traverse, clear and release, no finalizer. */
extern struct pyheap_type pyheap_kunit_link_type;

/**
 * pyheap_kunit_link_of() - the link object around an object header
 * @obj: an object of pyheap_kunit_link_new()
 *
 * Return: the object as a struct pyheap_kunit_link.
 */
static inline struct pyheap_kunit_link *
pyheap_kunit_link_of(struct pyheap_obj *obj)
{
	return container_of(obj, struct pyheap_kunit_link, ob);
}

/**
 * pyheap_kunit_link_size() - the size of a link object
 * @nslots: how many reference slots it has
 *
 * Return: the bytes pyheap_kunit_link_new() asks of the heap for @nslots,
 * the header included; what pyheap_obj_deep_size() counts for it.
 */
static inline size_t pyheap_kunit_link_size(u32 nslots)
{
	return struct_size_t(struct pyheap_kunit_link, slot, nslots);
}

/**
 * pyheap_kunit_link_new() - make a link object with empty slots
 * @heap: the heap it lives in
 * @type: &pyheap_kunit_link_type, or a registered type built from the
 *	pyheap_kunit_link_*() callbacks
 * @nslots: how many reference slots it has
 *
 * Context: Process context; may sleep.  Caller holds heap->lock.
 * Return: the object, holding one reference and none in its slots, or
 * NULL if pyheap_obj_new() failed.
 */
struct pyheap_obj *pyheap_kunit_link_new(struct pyheap_heap *heap,
					 const struct pyheap_type *type,
					 u32 nslots);

/**
 * pyheap_kunit_link_set() - point a slot at an object
 * @heap: the objects' heap
 * @from: a link object
 * @i: the slot, below the number @from was made with
 * @to: the object the slot is to reference, or NULL to empty it
 *
 * Takes a reference to @to, then drops the slot's old one, as
 * pyheap_uobj_set_slot() does; a slot past the end is a WARN and changes
 * nothing.
 *
 * Context: Caller holds heap->lock.
 */
void pyheap_kunit_link_set(struct pyheap_heap *heap, struct pyheap_obj *from,
			   u32 i, struct pyheap_obj *to);

/**
 * pyheap_kunit_link_traverse() - the link type's traverse
 * @obj: a link object
 * @visit: called for every non-empty slot
 * @arg: passed to @visit
 */
void pyheap_kunit_link_traverse(struct pyheap_obj *obj, pyheap_visit_t visit,
				void *arg);

/**
 * pyheap_kunit_link_clear() - the link type's clear: empty every slot
 * @heap: the object's heap
 * @obj: a link object
 *
 * Context: Caller holds heap->lock.
 */
void pyheap_kunit_link_clear(struct pyheap_heap *heap, struct pyheap_obj *obj);

/**
 * pyheap_kunit_link_release() - the link type's release: count it
 * @heap: the object's heap
 * @obj: a link object; its @released counter, if set, goes up by one
 *
 * Context: Caller holds heap->lock.
 */
void pyheap_kunit_link_release(struct pyheap_heap *heap,
			       struct pyheap_obj *obj);

#endif /* _PYHEAP_KUNIT_H */
