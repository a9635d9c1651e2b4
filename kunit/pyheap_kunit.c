// SPDX-License-Identifier: GPL-2.0
/*
 * Fixtures shared by pyheap's KUnit suites: the owned heap and the
 * "kunit_link" object type.  kunit/pyheap_kunit.h documents them.
 */

#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/bug.h>
#include <linux/err.h>
#include <linux/overflow.h>

#include "pyheap_kunit.h"

KUNIT_DEFINE_ACTION_WRAPPER(heap_destroy_action, pyheap_heap_destroy,
			    struct pyheap_heap *);

struct pyheap_heap *pyheap_kunit_heap(struct kunit *test,
				      const struct pyheap_limits *limits)
{
	struct pyheap_heap *heap = pyheap_heap_create(limits);
	int err;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, heap);
	err = kunit_add_action_or_reset(test, heap_destroy_action, heap);
	KUNIT_ASSERT_EQ(test, err, 0);
	return heap;
}

void pyheap_kunit_heap_destroy(struct kunit *test, struct pyheap_heap *heap)
{
	kunit_release_action(test, heap_destroy_action, heap);
}

/* The slots an object was made with, from the size it asked for. */
static u32 link_nslots(const struct pyheap_kunit_link *l)
{
	return (l->ob.size - sizeof(*l)) / sizeof(l->slot[0]);
}

struct pyheap_obj *pyheap_kunit_link_new(struct pyheap_heap *heap,
					 const struct pyheap_type *type,
					 u32 nslots)
{
	struct pyheap_obj *obj;

	obj = pyheap_obj_new(heap, type, pyheap_kunit_link_size(nslots));
	return IS_ERR(obj) ? NULL : obj;
}

void pyheap_kunit_link_set(struct pyheap_heap *heap, struct pyheap_obj *from,
			   u32 i, struct pyheap_obj *to)
{
	struct pyheap_kunit_link *l = pyheap_kunit_link_of(from);
	struct pyheap_obj *old;

	if (WARN_ON_ONCE(i >= link_nslots(l)))
		return;
	if (to)
		pyheap_obj_get(to);
	old = l->slot[i];
	l->slot[i] = to;
	pyheap_obj_put(heap, old);
}

void pyheap_kunit_link_traverse(struct pyheap_obj *obj, pyheap_visit_t visit,
				void *arg)
{
	struct pyheap_kunit_link *l = pyheap_kunit_link_of(obj);
	u32 i, n = link_nslots(l);

	for (i = 0; i < n; i++)
		if (l->slot[i])
			visit(l->slot[i], arg);
}

void pyheap_kunit_link_clear(struct pyheap_heap *heap, struct pyheap_obj *obj)
{
	struct pyheap_kunit_link *l = pyheap_kunit_link_of(obj);
	u32 i, n = link_nslots(l);
	struct pyheap_obj *old;

	for (i = 0; i < n; i++) {
		old = l->slot[i];
		l->slot[i] = NULL;
		pyheap_obj_put(heap, old);
	}
}

void pyheap_kunit_link_release(struct pyheap_heap *heap,
			       struct pyheap_obj *obj)
{
	struct pyheap_kunit_link *l = pyheap_kunit_link_of(obj);

	if (l->released)
		(*l->released)++;
}

struct pyheap_type pyheap_kunit_link_type = {
	.name = "kunit_link",
	.traverse = pyheap_kunit_link_traverse,
	.clear = pyheap_kunit_link_clear,
	.release = pyheap_kunit_link_release,
};
