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
	{}
};

static struct kunit_suite dev_suite = {
	.name = "pyheap_dev",
	.init = dev_test_init,
	.test_cases = dev_cases,
};

kunit_test_suite(dev_suite);
