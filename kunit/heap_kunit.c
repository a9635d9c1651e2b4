// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite pyheap_heap: heap creation, identity, lifetime and the list
 * debugfs walks.  Built into pyheap_kunit.ko with the other suites.
 */

#include <kunit/test.h>
#include <linux/module.h>

#include "../mod/internal.h"
#include "pyheap_kunit.h"

static void heap_create_assigns_increasing_ids(struct kunit *test)
{
	struct pyheap_heap *a = pyheap_kunit_heap(test, NULL);
	struct pyheap_heap *b = pyheap_kunit_heap(test, NULL);

	KUNIT_EXPECT_GE(test, pyheap_heap_id(a), 1ULL);
	KUNIT_EXPECT_GT(test, pyheap_heap_id(b), pyheap_heap_id(a));
}

static void heap_create_copies_nonzero_limits(struct kunit *test)
{
	struct pyheap_heap *heap = pyheap_kunit_heap(test, NULL);
	struct pyheap_limits limits;

	pyheap_heap_limits(heap, &limits);
	KUNIT_EXPECT_GT(test, limits.max_objects, 0ULL);
	KUNIT_EXPECT_GT(test, limits.max_bytes, 0ULL);
}

static void heap_destroy_unlists_heap(struct kunit *test)
{
	struct pyheap_heap *heap = pyheap_kunit_heap(test, NULL);

	KUNIT_EXPECT_TRUE(test, pyheap_heap_listed(heap));
	pyheap_kunit_heap_destroy(test, heap);
	KUNIT_EXPECT_FALSE(test, pyheap_heap_listed(heap));
}

/* A reference from pyheap_heap_get() keeps the struct readable (KASAN). */
static void heap_get_keeps_struct_after_destroy(struct kunit *test)
{
	struct pyheap_heap *heap = pyheap_kunit_heap(test, NULL);
	u64 id;

	id = pyheap_heap_id(heap);
	pyheap_heap_get(heap);
	pyheap_kunit_heap_destroy(test, heap);
	KUNIT_EXPECT_EQ(test, pyheap_heap_id(heap), id);
	pyheap_heap_put(heap);
}

static struct kunit_case heap_cases[] = {
	KUNIT_CASE(heap_create_assigns_increasing_ids),
	KUNIT_CASE(heap_create_copies_nonzero_limits),
	KUNIT_CASE(heap_destroy_unlists_heap),
	KUNIT_CASE(heap_get_keeps_struct_after_destroy),
	{}
};

static struct kunit_suite heap_suite = {
	.name = "pyheap_heap",
	.test_cases = heap_cases,
};

kunit_test_suite(heap_suite);

MODULE_DESCRIPTION("KUnit suites for pyheap");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
