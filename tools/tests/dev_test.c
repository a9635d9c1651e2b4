// SPDX-License-Identifier: GPL-2.0
/*
 * dev_test: /dev/pyheap from user space - open, the version ioctl, the ABI
 * rules for bad input, and the debugfs heap list.
 *
 * Runs inside a VM with pyheap.ko loaded (tools/vm/vmtest).  Built with
 * the kernel's kselftest harness:
 *   gcc -I../../include/uapi -I$SRC/tools/testing/selftests dev_test.c
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/pyheap.h>

#include "kselftest_harness.h"

#define HEAPS_FILE "/sys/kernel/debug/pyheap/heaps"

/* The "ioctls" column of @id's row in the heaps table, or -1 if absent. */
static long long heaps_row_ioctls(unsigned long long id)
{
	unsigned long long heap, ioctls;
	long long found = -1;
	char line[256];
	int pid;
	FILE *f;

	f = fopen(HEAPS_FILE, "r");
	if (!f)
		return -2;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, " %llu %d %llu", &heap, &pid, &ioctls) == 3 &&
		    heap == id)
			found = ioctls;
	}
	fclose(f);
	return found;
}

static int version(int fd, struct pyheap_version *v)
{
	memset(v, 0, sizeof(*v));
	v->size = sizeof(*v);
	return ioctl(fd, PYHEAP_IOC_VERSION, v);
}

FIXTURE(heap) {
	int fd;
};

FIXTURE_SETUP(heap)
{
	self->fd = open("/dev/pyheap", O_RDWR | O_CLOEXEC);
	ASSERT_GE(self->fd, 0) TH_LOG("open /dev/pyheap: %s", strerror(errno));
}

FIXTURE_TEARDOWN(heap)
{
	close(self->fd);
}

TEST_F(heap, version_reports_abi)
{
	struct pyheap_version v;

	ASSERT_EQ(0, version(self->fd, &v));
	EXPECT_EQ(PYHEAP_ABI_MAJOR, v.out_abi_major);
	EXPECT_EQ(PYHEAP_ABI_MINOR, v.out_abi_minor);
	EXPECT_GE(v.out_heap_id, 1);
}

TEST_F(heap, version_rejects_bad_input)
{
	struct {
		struct pyheap_version v;
		__u64 future;
	} big;
	struct pyheap_version v;

	memset(&v, 0, sizeof(v));
	v.size = sizeof(v);
	v.flags = 1;
	EXPECT_EQ(-1, ioctl(self->fd, PYHEAP_IOC_VERSION, &v));
	EXPECT_EQ(EINVAL, errno);

	v.flags = 0;
	v.size = 4;
	EXPECT_EQ(-1, ioctl(self->fd, PYHEAP_IOC_VERSION, &v));
	EXPECT_EQ(EINVAL, errno);

	memset(&big, 0, sizeof(big));
	big.v.size = sizeof(big);
	big.future = 1;
	EXPECT_EQ(-1, ioctl(self->fd, PYHEAP_IOC_VERSION, &big));
	EXPECT_EQ(E2BIG, errno);

	EXPECT_EQ(-1, ioctl(self->fd, PYHEAP_IOC_VERSION, NULL));
	EXPECT_EQ(EFAULT, errno);

	EXPECT_EQ(-1, ioctl(self->fd, _IO(PYHEAP_IOC_MAGIC, 0x7f), &v));
	EXPECT_EQ(ENOTTY, errno);
}

TEST_F(heap, device_is_not_seekable)
{
	EXPECT_EQ(-1, lseek(self->fd, 0, SEEK_SET));
	EXPECT_EQ(ESPIPE, errno);
}

TEST_F(heap, debugfs_lists_heap_and_counts_ioctls)
{
	struct pyheap_version v;
	int i;

	ASSERT_EQ(0, version(self->fd, &v));
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, version(self->fd, &v));
	v.flags = 1;
	ASSERT_EQ(-1, ioctl(self->fd, PYHEAP_IOC_VERSION, &v));
	/* three that ran; the rejected one never reached the heap */
	EXPECT_EQ(3, heaps_row_ioctls(v.out_heap_id));
}

/* Lines of @path: the first in @first, the count of rows after "#". */
static int table_rows(const char *path, char *first, size_t len)
{
	char line[512];
	int rows = 0;
	FILE *f;

	f = fopen(path, "r");
	if (!f)
		return -1;
	if (!fgets(first, len, f))
		first[0] = 0;
	while (fgets(line, sizeof(line), f))
		rows += line[0] != '#';
	fclose(f);
	return rows;
}

TEST_F(heap, debugfs_per_heap_allocator_tables)
{
	struct pyheap_version v;
	char path[128], first[128];
	unsigned long long heap, total, parts[6];
	FILE *f;
	int i;

	ASSERT_EQ(0, version(self->fd, &v));
	snprintf(path, sizeof(path), "/sys/kernel/debug/pyheap/%llu/classes",
		 (unsigned long long)v.out_heap_id);
	EXPECT_EQ(64, table_rows(path, first, sizeof(first)));
	EXPECT_STREQ("pyheap_classes - version: 1.0\n", first);

	snprintf(path, sizeof(path), "/sys/kernel/debug/pyheap/%llu/arenas",
		 (unsigned long long)v.out_heap_id);
	EXPECT_EQ(1, table_rows(path, first, sizeof(first)));
	EXPECT_STREQ("pyheap_arenas - version: 1.0\n", first);

	/* a new heap holds no arena, and the identity holds trivially */
	snprintf(path, sizeof(path), "/sys/kernel/debug/pyheap/%llu/bytes",
		 (unsigned long long)v.out_heap_id);
	f = fopen(path, "r");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(first, sizeof(first), f));
	ASSERT_NE(NULL, fgets(first, sizeof(first), f));
	ASSERT_EQ(8, fscanf(f, " %llu %llu %llu %llu %llu %llu %llu %llu",
			    &heap, &total, &parts[0], &parts[1], &parts[2],
			    &parts[3], &parts[4], &parts[5]));
	fclose(f);
	EXPECT_EQ(v.out_heap_id, heap);
	for (i = 0; i < 6; i++)
		total -= parts[i];
	EXPECT_EQ(0, total);

	EXPECT_EQ(64, table_rows("/sys/kernel/debug/pyheap/classes", first,
				 sizeof(first)));
	EXPECT_LE(1, table_rows("/sys/kernel/debug/pyheap/arenas", first,
				sizeof(first)));
	EXPECT_LE(1, table_rows("/sys/kernel/debug/pyheap/bytes", first,
				sizeof(first)));
}

TEST(heap_directory_goes_with_the_file)
{
	struct pyheap_version v;
	char path[128];
	struct stat st;
	int fd;

	fd = open("/dev/pyheap", O_RDWR);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, version(fd, &v));
	snprintf(path, sizeof(path), "/sys/kernel/debug/pyheap/%llu",
		 (unsigned long long)v.out_heap_id);
	EXPECT_EQ(0, stat(path, &st));
	close(fd);
	EXPECT_EQ(-1, stat(path, &st));
	EXPECT_EQ(ENOENT, errno);
}

/*
 * A file of <id>/ held open while the heap goes reads nothing more:
 * debugfs fails the read itself, which is why it needs no reference on
 * the heap (mod/heap.c).
 */
TEST(heap_file_held_open_fails_after_the_heap_goes)
{
	struct pyheap_version v;
	char path[128], buf[256];
	int fd, tf;

	fd = open("/dev/pyheap", O_RDWR);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, version(fd, &v));
	snprintf(path, sizeof(path), "/sys/kernel/debug/pyheap/%llu/classes",
		 (unsigned long long)v.out_heap_id);
	tf = open(path, O_RDONLY);
	ASSERT_GE(tf, 0);
	/* part of the table: the rest waits in the seq_file's buffer */
	EXPECT_EQ(16, read(tf, buf, 16));
	close(fd);
	EXPECT_EQ(-1, read(tf, buf, sizeof(buf)));
	EXPECT_EQ(EIO, errno);
	EXPECT_EQ(-1, lseek(tf, 0, SEEK_SET));
	EXPECT_EQ(EIO, errno);
	close(tf);
}

TEST(open_creates_one_heap_per_file)
{
	struct pyheap_version a, b, c;
	int fa, fb, fc;

	fa = open("/dev/pyheap", O_RDWR);
	fb = open("/dev/pyheap", O_RDWR);
	ASSERT_GE(fa, 0);
	ASSERT_GE(fb, 0);
	ASSERT_EQ(0, version(fa, &a));
	ASSERT_EQ(0, version(fb, &b));
	EXPECT_NE(a.out_heap_id, b.out_heap_id);
	EXPECT_EQ(1, heaps_row_ioctls(a.out_heap_id));
	EXPECT_EQ(1, heaps_row_ioctls(b.out_heap_id));

	/* A dup() shares the file, hence the heap. */
	fc = dup(fa);
	ASSERT_EQ(0, version(fc, &c));
	EXPECT_EQ(a.out_heap_id, c.out_heap_id);
	close(fc);
	close(fa);
	EXPECT_EQ(-1, heaps_row_ioctls(a.out_heap_id));
	EXPECT_EQ(1, heaps_row_ioctls(b.out_heap_id));
	close(fb);
	EXPECT_EQ(-1, heaps_row_ioctls(b.out_heap_id));
}

TEST(debugfs_is_root_only_and_versioned)
{
	char line[128];
	struct stat st;
	FILE *f;

	ASSERT_EQ(0, stat(HEAPS_FILE, &st));
	EXPECT_EQ(0400, st.st_mode & 0777);
	f = fopen(HEAPS_FILE, "r");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(line, sizeof(line), f));
	EXPECT_STREQ("pyheap_heaps - version: 1.2\n", line);
	ASSERT_NE(NULL, fgets(line, sizeof(line), f));
	EXPECT_EQ('#', line[0]);
	fclose(f);
}

TEST_HARNESS_MAIN
