// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite pyheap_dev: the ioctl dispatcher, driven with real user
 * buffers from kunit_vm_mmap() so that every copy crosses the user boundary
 * as it does from a process.
 */

#include <kunit/test.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/mman.h>
#include <linux/sched/mm.h>
#include <linux/shmem_fs.h>
#include <linux/fs.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include <uapi/linux/pyheap.h>
#include "../mod/internal.h"
#include "pyheap_kunit.h"

struct dev_ctx {
	struct pyheap_heap *heap;
	u8 __user *ubuf;	/* one page of user memory */
};

static int dev_test_init(struct kunit *test)
{
	struct dev_ctx *ctx;
	unsigned long addr;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;
	addr = kunit_vm_mmap(test, NULL, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,
			     MAP_ANONYMOUS | MAP_PRIVATE, 0);
	if (IS_ERR_VALUE(addr) || !addr)
		return -ENOMEM;
	ctx->ubuf = (u8 __user *)addr;
	ctx->heap = pyheap_kunit_heap(test, NULL);
	test->priv = ctx;
	return 0;
}

/*
 * kunit_vm_mmap() gives the test kthread an mm with kthread_use_mm() and
 * never drops the reference that takes, so every case would leak one
 * mm_struct (kmemleak sees it).  Each case therefore ends in the same
 * kthread with dev_put_mm(), which balances both references; a case that
 * aborts on a failed assertion still leaks, but has failed anyway.
 */
static void dev_put_mm(void)
{
	struct mm_struct *mm = current->mm;

	if (!mm)
		return;
	kthread_unuse_mm(mm);
	mmput(mm);
}

#define DEV_CASE(name)							\
static void name(struct kunit *test)					\
{									\
	name##_body(test);						\
	dev_put_mm();							\
}

/*
 * Copy @len bytes of @arg to user memory at @offset, issue @cmd, and copy
 * the user memory back into @arg.
 */
static long dev_call(struct kunit *test, unsigned int cmd, void *arg,
		     size_t len, size_t offset)
{
	struct dev_ctx *ctx = test->priv;
	u8 __user *uarg = ctx->ubuf + offset;
	long ret;

	KUNIT_ASSERT_EQ(test, copy_to_user(uarg, arg, len), 0);
	ret = pyheap_dev_ioctl(ctx->heap, cmd, (unsigned long)uarg);
	KUNIT_ASSERT_EQ(test, copy_from_user(arg, uarg, len), 0);
	return ret;
}

static u64 dev_nr_ioctls(struct kunit *test)
{
	struct dev_ctx *ctx = test->priv;

	return ctx->heap->nr_ioctls;
}

static void version_reports_abi_and_heap_id_body(struct kunit *test)
{
	struct dev_ctx *ctx = test->priv;
	struct pyheap_version v = { .size = sizeof(v) };

	KUNIT_ASSERT_EQ(test, dev_call(test, PYHEAP_IOC_VERSION, &v,
				       sizeof(v), 0), 0);
	KUNIT_EXPECT_EQ(test, v.size, (u32)sizeof(v));
	KUNIT_EXPECT_EQ(test, v.out_abi_major, PYHEAP_ABI_MAJOR);
	KUNIT_EXPECT_EQ(test, v.out_abi_minor, PYHEAP_ABI_MINOR);
	KUNIT_EXPECT_EQ(test, v.out_heap_id, pyheap_heap_id(ctx->heap));
	KUNIT_EXPECT_EQ(test, dev_nr_ioctls(test), 1ULL);
}

DEV_CASE(version_reports_abi_and_heap_id)

/* A newer caller's larger struct works if the bytes we don't know are 0. */
static void version_accepts_larger_zeroed_struct_body(struct kunit *test)
{
	struct {
		struct pyheap_version v;
		u64 future[4];
	} big = { .v.size = sizeof(big) };

	KUNIT_EXPECT_EQ(test, dev_call(test, PYHEAP_IOC_VERSION, &big,
				       sizeof(big), 0), 0);
	KUNIT_EXPECT_EQ(test, big.v.out_abi_major, PYHEAP_ABI_MAJOR);
	KUNIT_EXPECT_TRUE(test, mem_is_zero(big.future, sizeof(big.future)));
}

DEV_CASE(version_accepts_larger_zeroed_struct)

static void version_rejects_nonzero_tail_body(struct kunit *test)
{
	struct {
		struct pyheap_version v;
		u64 future;
	} big = { .v.size = sizeof(big), .future = 1 };

	KUNIT_EXPECT_EQ(test, dev_call(test, PYHEAP_IOC_VERSION, &big,
				       sizeof(big), 0), -E2BIG);
	KUNIT_EXPECT_EQ(test, big.v.out_abi_major, 0U);
	KUNIT_EXPECT_EQ(test, dev_nr_ioctls(test), 0ULL);
}

DEV_CASE(version_rejects_nonzero_tail)

static void version_rejects_short_size_body(struct kunit *test)
{
	struct pyheap_version v = { .size = offsetof(struct pyheap_version,
						     out_heap_id) };

	KUNIT_EXPECT_EQ(test, dev_call(test, PYHEAP_IOC_VERSION, &v,
				       sizeof(v), 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, v.out_abi_major, 0U);
	KUNIT_EXPECT_EQ(test, dev_nr_ioctls(test), 0ULL);
}

DEV_CASE(version_rejects_short_size)

static void version_rejects_unknown_flags_body(struct kunit *test)
{
	struct pyheap_version v = { .size = sizeof(v), .flags = 1 };

	KUNIT_EXPECT_EQ(test, dev_call(test, PYHEAP_IOC_VERSION, &v,
				       sizeof(v), 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, v.out_abi_major, 0U);
	KUNIT_EXPECT_EQ(test, dev_nr_ioctls(test), 0ULL);
}

DEV_CASE(version_rejects_unknown_flags)

static void ioctl_unknown_number_is_enoioctlcmd_body(struct kunit *test)
{
	struct pyheap_version v = { .size = sizeof(v) };
	static const unsigned int bad[] = {
		_IO(PYHEAP_IOC_MAGIC, 0x7f),
		_IO(PYHEAP_IOC_MAGIC + 1, PYHEAP_CMD_VERSION),
		_IOWR(PYHEAP_IOC_MAGIC, PYHEAP_CMD_VERSION,
		      struct pyheap_version),
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		KUNIT_EXPECT_EQ_MSG(test, dev_call(test, bad[i], &v, sizeof(v),
						   0),
				    (long)-ENOIOCTLCMD, "cmd %#x", bad[i]);
	KUNIT_EXPECT_EQ(test, dev_nr_ioctls(test), 0ULL);
}

DEV_CASE(ioctl_unknown_number_is_enoioctlcmd)

static void ioctl_bad_pointer_is_efault_body(struct kunit *test)
{
	struct dev_ctx *ctx = test->priv;
	struct pyheap_version v = { .size = sizeof(v) };

	KUNIT_EXPECT_EQ(test, pyheap_dev_ioctl(ctx->heap, PYHEAP_IOC_VERSION,
					       0), (long)-EFAULT);
	/* size is readable, the rest of the struct runs off the page */
	KUNIT_EXPECT_EQ(test, dev_call(test, PYHEAP_IOC_VERSION, &v,
				       sizeof(u32), PAGE_SIZE - sizeof(u32)),
			(long)-EFAULT);
	KUNIT_EXPECT_EQ(test, dev_nr_ioctls(test), 0ULL);
}

DEV_CASE(ioctl_bad_pointer_is_efault)

static u32 dev_obj_new(struct kunit *test, u32 nslots, u32 payload)
{
	struct pyheap_obj_new c = {
		.size = sizeof(c), .nslots = nslots, .payload_size = payload,
	};

	KUNIT_EXPECT_EQ(test, dev_call(test, PYHEAP_IOC_OBJ_NEW, &c, sizeof(c),
				       0), 0);
	return c.out_handle;
}

static void obj_new_and_close_through_user_memory_body(struct kunit *test)
{
	struct dev_ctx *ctx = test->priv;
	struct pyheap_handle_close c = { .size = sizeof(c) };
	u32 h = dev_obj_new(test, 2, 8);

	KUNIT_EXPECT_NE(test, h, 0U);
	KUNIT_EXPECT_EQ(test, ctx->heap->nr_objects, 1ULL);
	KUNIT_EXPECT_EQ(test, ctx->heap->nr_handles, 1ULL);
	c.handle = h;
	KUNIT_EXPECT_EQ(test, dev_call(test, PYHEAP_IOC_HANDLE_CLOSE, &c,
				       sizeof(c), 0), 0);
	KUNIT_EXPECT_EQ(test, ctx->heap->nr_objects, 0ULL);
	KUNIT_EXPECT_EQ(test, dev_call(test, PYHEAP_IOC_HANDLE_CLOSE, &c,
				       sizeof(c), 0), (long)-ENOENT);
}

DEV_CASE(obj_new_and_close_through_user_memory)

/*
 * OBJ_NEW whose answer cannot be written back (a read-only mapping of a
 * file holding a valid struct) must not leave an object or a handle.
 */
static void obj_new_unwritable_result_changes_nothing_body(struct kunit *test)
{
	struct dev_ctx *ctx = test->priv;
	struct pyheap_obj_new c = { .size = sizeof(c) };
	unsigned long ro;
	struct file *f;
	loff_t pos = 0;

	f = shmem_kernel_file_setup("pyheap_kunit", PAGE_SIZE, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(f));
	KUNIT_EXPECT_EQ(test, kernel_write(f, &c, sizeof(c), &pos),
			(ssize_t)sizeof(c));
	ro = kunit_vm_mmap(test, f, 0, PAGE_SIZE, PROT_READ, MAP_SHARED, 0);
	fput(f);	/* the mapping holds its own reference */
	KUNIT_ASSERT_NE(test, ro, 0UL);
	KUNIT_EXPECT_EQ(test, pyheap_dev_ioctl(ctx->heap, PYHEAP_IOC_OBJ_NEW,
					       ro), (long)-EFAULT);
	KUNIT_EXPECT_EQ(test, ctx->heap->nr_objects, 0ULL);
	KUNIT_EXPECT_EQ(test, ctx->heap->nr_handles, 0ULL);
	KUNIT_EXPECT_EQ(test, dev_nr_ioctls(test), 0ULL);
}

DEV_CASE(obj_new_unwritable_result_changes_nothing)

static void payload_write_fault_changes_nothing_body(struct kunit *test)
{
	struct dev_ctx *ctx = test->priv;
	struct pyheap_payload p = { .size = sizeof(p), .length = 64 };
	u8 data[64], back[64];

	memset(data, 0xab, sizeof(data));
	p.handle = dev_obj_new(test, 0, 64);
	/* source: the last 32 bytes of our page, then unmapped memory */
	KUNIT_EXPECT_EQ(test, copy_to_user(ctx->ubuf + PAGE_SIZE - 32, data,
					   32), 0);
	p.data = (unsigned long)(ctx->ubuf + PAGE_SIZE - 32);
	KUNIT_EXPECT_EQ(test, dev_call(test, PYHEAP_IOC_PAYLOAD_WRITE, &p,
				       sizeof(p), 0), (long)-EFAULT);
	/* read it back: still all zero */
	p.data = (unsigned long)(ctx->ubuf + 256);
	KUNIT_EXPECT_EQ(test, dev_call(test, PYHEAP_IOC_PAYLOAD_READ, &p,
				       sizeof(p), 0), 0);
	KUNIT_EXPECT_EQ(test, copy_from_user(back, ctx->ubuf + 256, 64), 0);
	KUNIT_EXPECT_TRUE(test, mem_is_zero(back, sizeof(back)));
}

DEV_CASE(payload_write_fault_changes_nothing)

static void batch_through_user_memory_body(struct kunit *test)
{
	struct dev_ctx *ctx = test->priv;
	struct pyheap_obj_new c = { .size = sizeof(c), .nslots = 1 };
	struct pyheap_batch b = {
		.size = sizeof(b), .count = 4,
		.op_size = sizeof(struct pyheap_op),
	};
	struct pyheap_op ops[4] = {};
	int i;

	for (i = 0; i < 4; i++) {
		ops[i].cmd = PYHEAP_CMD_OBJ_NEW;
		memcpy(ops[i].arg, &c, sizeof(c));
	}
	ops[2].cmd = PYHEAP_CMD_BATCH;
	KUNIT_EXPECT_EQ(test, copy_to_user(ctx->ubuf + 512, ops, sizeof(ops)),
			0);
	b.ops = (unsigned long)(ctx->ubuf + 512);
	KUNIT_EXPECT_EQ(test, dev_call(test, PYHEAP_IOC_BATCH, &b, sizeof(b),
				       0), 0);
	KUNIT_EXPECT_EQ(test, b.out_executed, 4U);
	KUNIT_EXPECT_EQ(test, copy_from_user(ops, ctx->ubuf + 512, sizeof(ops)),
			0);
	KUNIT_EXPECT_EQ(test, ops[0].out_result, 0);
	KUNIT_EXPECT_EQ(test, ops[2].out_result, -ENOTTY);
	KUNIT_EXPECT_EQ(test, ctx->heap->nr_objects, 3ULL);
	KUNIT_EXPECT_EQ(test, ctx->heap->nr_handles, 3ULL);
}

DEV_CASE(batch_through_user_memory)

/*
 * The shrinker's count and scan on one heap (mod/shrink.c), called as
 * reclaim calls them.  The maps are made and filled through ioctls, with
 * 4-byte integer keys and 8-byte values from user memory at 512 and 768.
 */
static u32 shrink_map(struct kunit *test, u32 flags)
{
	struct pyheap_lru_new n = { .size = sizeof(n), .flags = flags,
				    .maxsize = PYHEAP_LRU_MAXSIZE_NONE };

	KUNIT_ASSERT_EQ(test, dev_call(test, PYHEAP_IOC_LRU_NEW, &n, sizeof(n),
				       0), 0);
	return n.out_handle;
}

static void shrink_fill(struct kunit *test, u32 map, u32 nr)
{
	struct dev_ctx *ctx = test->priv;
	struct pyheap_lru_op op;
	u64 value = 0x5eed;
	u32 i;

	KUNIT_ASSERT_EQ(test, copy_to_user(ctx->ubuf + 768, &value,
					   sizeof(value)), 0);
	for (i = 0; i < nr; i++) {
		op = (struct pyheap_lru_op){
			.size = sizeof(op), .handle = map,
			.key_len = sizeof(i), .value_len = sizeof(value),
			.key = (unsigned long)(ctx->ubuf + 512),
			.value = (unsigned long)(ctx->ubuf + 768),
		};
		KUNIT_ASSERT_EQ(test, copy_to_user(ctx->ubuf + 512, &i,
						   sizeof(i)), 0);
		KUNIT_ASSERT_EQ(test, dev_call(test, PYHEAP_IOC_LRU_SET, &op,
					       sizeof(op), 0), 0);
	}
}

/* LRU_INFO: (currsize, evictions) of @map. */
static void shrink_expect(struct kunit *test, u32 map, u64 currsize,
			  u64 evictions)
{
	struct pyheap_lru_cache_info info = { .size = sizeof(info),
					      .handle = map };

	KUNIT_ASSERT_EQ(test, dev_call(test, PYHEAP_IOC_LRU_INFO, &info,
				       sizeof(info), 0), 0);
	KUNIT_EXPECT_EQ(test, info.out_currsize, currsize);
	KUNIT_EXPECT_EQ(test, info.out_evictions, evictions);
}

/* What could be freed: may-shrink entries, and objects tracked since. */
static unsigned long shrink_expected_count(struct pyheap_heap *heap, u64 n)
{
	return n + heap->gc.gens[0].count;
}

static void shrink_evicts_only_may_shrink_maps_body(struct kunit *test)
{
	struct dev_ctx *ctx = test->priv;
	struct pyheap_heap *heap = ctx->heap;
	u32 plain, shrink;

	KUNIT_EXPECT_EQ(test, pyheap_shrink_heap_count(heap),
			shrink_expected_count(heap, 0));
	plain = shrink_map(test, 0);
	shrink = shrink_map(test, PYHEAP_LRU_MAY_SHRINK);
	shrink_fill(test, plain, 5);
	shrink_fill(test, shrink, 8);
	KUNIT_EXPECT_EQ(test, pyheap_shrink_heap_count(heap),
			shrink_expected_count(heap, 8));

	KUNIT_EXPECT_EQ(test, pyheap_shrink_heap_scan(heap, 3), 3L);
	shrink_expect(test, shrink, 5, 3);
	shrink_expect(test, plain, 5, 0);
	flush_work(&heap->gc.work);	/* the collection the scan queued */
	KUNIT_EXPECT_EQ(test, pyheap_shrink_heap_count(heap),
			shrink_expected_count(heap, 5));
	/* asked for more than there is: what there is, never the other map */
	KUNIT_EXPECT_EQ(test, pyheap_shrink_heap_scan(heap, 100), 5L);
	shrink_expect(test, shrink, 0, 8);
	shrink_expect(test, plain, 5, 0);
	KUNIT_EXPECT_EQ(test, pyheap_shrink_heap_scan(heap, 100), 0L);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&heap->shrink.freed), 8L);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&heap->shrink.scanned), 203L);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&heap->shrink.busy), 0L);
}

DEV_CASE(shrink_evicts_only_may_shrink_maps)

/* The least recent entries go first, and a hit makes an entry recent. */
static void shrink_evicts_least_recent_first_body(struct kunit *test)
{
	struct dev_ctx *ctx = test->priv;
	struct pyheap_lru_op op;
	u32 shrink, key;

	shrink = shrink_map(test, PYHEAP_LRU_MAY_SHRINK);
	shrink_fill(test, shrink, 4);	/* 0 1 2 3, least recent first */
	key = 0;
	KUNIT_ASSERT_EQ(test, copy_to_user(ctx->ubuf + 512, &key, sizeof(key)),
			0);
	op = (struct pyheap_lru_op){
		.size = sizeof(op), .handle = shrink, .key_len = sizeof(key),
		.key = (unsigned long)(ctx->ubuf + 512),
		.value = (unsigned long)(ctx->ubuf + 768), .value_len = 8,
	};
	KUNIT_ASSERT_EQ(test, dev_call(test, PYHEAP_IOC_LRU_GET, &op,
				       sizeof(op), 0), 0);
	KUNIT_EXPECT_EQ(test, op.out_hit, (u32)PYHEAP_LRU_HIT);
	KUNIT_EXPECT_EQ(test, pyheap_shrink_heap_scan(ctx->heap, 3), 3L);
	/* 1, 2 and 3 went; 0, the most recent, is left */
	op.out_hit = 0;
	op.out_value_len = 0;
	KUNIT_ASSERT_EQ(test, dev_call(test, PYHEAP_IOC_LRU_GET, &op,
				       sizeof(op), 0), 0);
	KUNIT_EXPECT_EQ(test, op.out_hit, (u32)PYHEAP_LRU_HIT);
	shrink_expect(test, shrink, 1, 3);
}

DEV_CASE(shrink_evicts_least_recent_first)

/*
 * An entry the shrinker evicts may hold the last reference to an object
 * whose finalizer has not run.  Running it allocates (an event, a handle),
 * which reclaim must not do: the scan leaves the object for the heap's
 * work item, which runs the finalizer and hands it to user space.
 */
static void shrink_leaves_finalizers_to_the_work_body(struct kunit *test)
{
	struct dev_ctx *ctx = test->priv;
	struct pyheap_heap *heap = ctx->heap;
	struct pyheap_obj_new n = { .size = sizeof(n), .nslots = 1,
				    .flags = PYHEAP_OBJ_FINALIZER };
	struct pyheap_handle_close c = { .size = sizeof(c) };
	struct pyheap_lru_op op;
	u32 shrink, key = 7;

	shrink = shrink_map(test, PYHEAP_LRU_MAY_SHRINK);
	KUNIT_ASSERT_EQ(test, dev_call(test, PYHEAP_IOC_OBJ_NEW, &n, sizeof(n),
				       0), 0);
	KUNIT_ASSERT_EQ(test, copy_to_user(ctx->ubuf + 512, &key, sizeof(key)),
			0);
	op = (struct pyheap_lru_op){
		.size = sizeof(op), .handle = shrink,
		.flags = PYHEAP_LRU_VALUE_OBJECT, .key_len = sizeof(key),
		.key = (unsigned long)(ctx->ubuf + 512),
		.value_handle = n.out_handle,
	};
	KUNIT_ASSERT_EQ(test, dev_call(test, PYHEAP_IOC_LRU_SET, &op,
				       sizeof(op), 0), 0);
	c.handle = n.out_handle;	/* only the entry holds it now */
	KUNIT_ASSERT_EQ(test, dev_call(test, PYHEAP_IOC_HANDLE_CLOSE, &c,
				       sizeof(c), 0), 0);
	KUNIT_EXPECT_EQ(test, heap->nr_objects, 2ULL);	/* the map, it */

	KUNIT_EXPECT_EQ(test, pyheap_shrink_heap_scan(heap, 1), 1L);
	shrink_expect(test, shrink, 0, 1);
	KUNIT_EXPECT_EQ(test, heap->events.nr, 0ULL);
	KUNIT_EXPECT_EQ(test, heap->nr_objects, 2ULL);
	flush_work(&heap->gc.work);
	KUNIT_EXPECT_EQ(test, heap->events.nr, 1ULL);	/* resurrected */
	KUNIT_EXPECT_EQ(test, heap->nr_objects, 2ULL);
	KUNIT_EXPECT_NULL(test, heap->deferred);
}

DEV_CASE(shrink_leaves_finalizers_to_the_work)

/*
 * Reclaim from an allocation made under heap->lock (here: the test holds
 * it) must not wait for it: scan gives up, count answers what it said
 * last, and neither touches the map.
 */
static void shrink_never_waits_for_the_heap_lock_body(struct kunit *test)
{
	struct dev_ctx *ctx = test->priv;
	struct pyheap_heap *heap = ctx->heap;
	unsigned long last;
	u32 shrink;

	shrink = shrink_map(test, PYHEAP_LRU_MAY_SHRINK);
	shrink_fill(test, shrink, 6);
	last = pyheap_shrink_heap_count(heap);
	KUNIT_EXPECT_GE(test, last, 6UL);

	mutex_lock(&heap->lock);
	KUNIT_EXPECT_EQ(test, pyheap_shrink_heap_scan(heap, 4), (long)-EBUSY);
	KUNIT_EXPECT_EQ(test, pyheap_shrink_heap_count(heap), last);
	mutex_unlock(&heap->lock);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&heap->shrink.busy), 2L);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&heap->shrink.freed), 0L);
	shrink_expect(test, shrink, 6, 0);
}

DEV_CASE(shrink_never_waits_for_the_heap_lock)

/*
 * A scan queues a full collection when objects were tracked since the
 * last one, once until it has run; the collection frees a dropped cycle.
 */
static void shrink_queues_one_full_collection_body(struct kunit *test)
{
	struct dev_ctx *ctx = test->priv;
	struct pyheap_heap *heap = ctx->heap;
	struct pyheap_obj *a, *b;

	mutex_lock(&heap->lock);
	a = pyheap_uobj_new(heap, 1, 0, 0);
	b = pyheap_uobj_new(heap, 1, 0, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(a));
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(b));
	KUNIT_ASSERT_EQ(test, pyheap_uobj_set_slot(heap, a, 0, b), 0);
	KUNIT_ASSERT_EQ(test, pyheap_uobj_set_slot(heap, b, 0, a), 0);
	pyheap_obj_put(heap, a);
	pyheap_obj_put(heap, b);
	KUNIT_EXPECT_EQ(test, heap->nr_objects, 2ULL);
	mutex_unlock(&heap->lock);

	KUNIT_EXPECT_EQ(test, pyheap_shrink_heap_scan(heap, 8), 0L);
	KUNIT_EXPECT_EQ(test, pyheap_shrink_heap_scan(heap, 8), 0L);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&heap->shrink.queued), 1L);
	flush_work(&heap->gc.work);
	mutex_lock(&heap->lock);
	KUNIT_EXPECT_EQ(test, heap->gc.shrink_collections, 1ULL);
	KUNIT_EXPECT_EQ(test, heap->nr_objects, 0ULL);
	KUNIT_EXPECT_EQ(test, heap->gc.gens[0].count, 0U);
	mutex_unlock(&heap->lock);
	/* nothing tracked since: nothing to queue */
	KUNIT_EXPECT_EQ(test, pyheap_shrink_heap_scan(heap, 8), 0L);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&heap->shrink.queued), 1L);
}

DEV_CASE(shrink_queues_one_full_collection)

static struct kunit_case dev_cases[] = {
	KUNIT_CASE(version_reports_abi_and_heap_id),
	KUNIT_CASE(version_accepts_larger_zeroed_struct),
	KUNIT_CASE(version_rejects_nonzero_tail),
	KUNIT_CASE(version_rejects_short_size),
	KUNIT_CASE(version_rejects_unknown_flags),
	KUNIT_CASE(ioctl_unknown_number_is_enoioctlcmd),
	KUNIT_CASE(ioctl_bad_pointer_is_efault),
	KUNIT_CASE(obj_new_and_close_through_user_memory),
	KUNIT_CASE(obj_new_unwritable_result_changes_nothing),
	KUNIT_CASE(payload_write_fault_changes_nothing),
	KUNIT_CASE(batch_through_user_memory),
	KUNIT_CASE(shrink_evicts_only_may_shrink_maps),
	KUNIT_CASE(shrink_evicts_least_recent_first),
	KUNIT_CASE(shrink_never_waits_for_the_heap_lock),
	KUNIT_CASE(shrink_leaves_finalizers_to_the_work),
	KUNIT_CASE(shrink_queues_one_full_collection),
	{}
};

static struct kunit_suite dev_suite = {
	.name = "pyheap_dev",
	.init = dev_test_init,
	.test_cases = dev_cases,
};

kunit_test_suite(dev_suite);
