// SPDX-License-Identifier: GPL-2.0
/*
 * pyheap debugfs: every file under /sys/kernel/debug/pyheap/
 *
 * Each file is a versioned table: a "<name> - version: M.m" line, a "#"
 * column header, then one row of decimal counters per item.  Columns are
 * only ever appended.  No file shows an address.  See
 * Documentation/pyheap/debugfs.rst.
 *
 * Locking: readers take pyheap_heaps_mutex to walk the heaps, then each
 * heap->lock to read its counters.
 * Lock order: pyheap_heaps_mutex -> heap->lock
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "internal.h"

static struct dentry *pyheap_debugfs_root;

/*
 * heaps: one row per live heap.
 *	heap	 heap id, as returned by ioctl(PYHEAP_IOC_VERSION)
 *	pid	 tgid that created the heap, in the initial pid namespace
 *	ioctls	 ioctls that succeeded on the heap
 */
static int heaps_show(struct seq_file *m, void *v)
{
	struct pyheap_heap *heap;

	seq_puts(m, "pyheap_heaps - version: 1.0\n");
	seq_printf(m, "# %8s %8s %12s\n", "heap", "pid", "ioctls");

	mutex_lock(&pyheap_heaps_mutex);
	list_for_each_entry(heap, &pyheap_heaps, node) {
		mutex_lock(&heap->lock);
		seq_printf(m, "  %8llu %8d %12llu\n", heap->id, heap->owner,
			   heap->nr_ioctls);
		mutex_unlock(&heap->lock);
	}
	mutex_unlock(&pyheap_heaps_mutex);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(heaps);

void pyheap_debugfs_init(void)
{
	pyheap_debugfs_root = debugfs_create_dir("pyheap", NULL);
	debugfs_create_file("heaps", 0400, pyheap_debugfs_root, NULL,
			    &heaps_fops);
}

void pyheap_debugfs_exit(void)
{
	debugfs_remove_recursive(pyheap_debugfs_root);
}
