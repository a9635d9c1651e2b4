// SPDX-License-Identifier: GPL-2.0
/*
 * pyheap debugfs: every file under /sys/kernel/debug/pyheap/
 *
 * Each file is a versioned table: a "<name> - version: M.m" line, a "#"
 * column header, then one row of decimal counters per item.  Columns are
 * only ever appended.  No file shows an address.  The top-level files
 * cover every heap; the same tables for one heap live in <heap id>/.  See
 * Documentation/pyheap/debugfs.rst for the columns.
 *
 * Locking: readers take pyheap_heaps_mutex to walk the heaps, then each
 * heap->lock to read its counters.  A per-heap file reads its heap under
 * heap->lock only; pyheap_heap_destroy() removes the directory, waiting
 * for readers, before it frees the heap's contents.
 * Lock order: "Lock order" in mod/internal.h (2 -> 3, and rule b).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "internal.h"

static struct dentry *pyheap_debugfs_root;

/* Call @fn on every live heap, with the heap's lock held. */
static void heaps_walk(void (*fn)(struct pyheap_heap *heap, void *arg),
		       void *arg)
{
	struct pyheap_heap *heap;

	mutex_lock(&pyheap_heaps_mutex);
	list_for_each_entry(heap, &pyheap_heaps, node) {
		mutex_lock(&heap->lock);
		fn(heap, arg);
		mutex_unlock(&heap->lock);
	}
	mutex_unlock(&pyheap_heaps_mutex);
}

/*
 * heaps: one row per live heap.
 *	heap	 heap id, as returned by ioctl(PYHEAP_IOC_VERSION)
 *	pid	 tgid that created the heap, in the initial pid namespace
 *	ioctls	 ioctls that succeeded on the heap
 *	objects	 live objects			(1.1)
 *	bytes	 their size classes, summed	(1.1)
 *	handles	 open handles			(1.1)
 *	freed	 objects freed, ever		(1.1)
 *	bad_puts puts below zero refused	(1.1)
 */
static void heaps_row(struct pyheap_heap *heap, void *m)
	__must_hold(&heap->lock)
{
	seq_printf(m, "  %8llu %8d %12llu %10llu %12llu %10llu %12llu %8llu\n",
		   heap->id, heap->owner, heap->nr_ioctls, heap->nr_objects,
		   heap->nr_bytes, heap->nr_handles, heap->nr_freed,
		   heap->bad_puts);
}

static void heaps_head(struct seq_file *m)
{
	seq_puts(m, "pyheap_heaps - version: 1.1\n");
	seq_printf(m, "# %8s %8s %12s %10s %12s %10s %12s %8s\n", "heap",
		   "pid", "ioctls", "objects", "bytes", "handles", "freed",
		   "bad_puts");
}

/*
 * types: one row per registered type that has live objects in the heap
 * (the type's name is the last column, so that every row still splits
 * on spaces).
 */
static int heap_types_show(struct seq_file *m, void *v)
{
	struct pyheap_heap *heap = m->private;
	const struct pyheap_type *type;
	unsigned int i;

	seq_puts(m, "pyheap_types - version: 1.0\n");
	seq_printf(m, "# %4s %10s %12s %s\n", "id", "objects", "bytes",
		   "name");
	mutex_lock(&heap->lock);
	for (i = 0; i < PYHEAP_MAX_TYPES; i++) {
		type = READ_ONCE(pyheap_types[i]);
		if (!type || !heap->types[i].objects)
			continue;
		seq_printf(m, "  %4u %10llu %12llu %s\n", i,
			   heap->types[i].objects, heap->types[i].bytes,
			   type->name);
	}
	mutex_unlock(&heap->lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(heap_types);

/*
 * classes: one row per size class, blocks and pools summed over the heaps
 * (see struct pyheap_class_stats).
 */
static void classes_head(struct seq_file *m)
{
	seq_puts(m, "pyheap_classes - version: 1.0\n");
	seq_printf(m, "# %5s %5s %10s %10s %11s %12s %12s\n", "class", "size",
		   "pools_used", "pools_full", "pools_empty", "blocks_inuse",
		   "blocks_free");
}

static void classes_add(struct pyheap_heap *heap, void *arg)
	__must_hold(&heap->lock)
{
	struct pyheap_class_stats *sum = arg;
	struct pyheap_class_stats cs;
	unsigned int i;

	for (i = 0; i < PYHEAP_NR_CLASSES; i++) {
		pyheap_obmalloc_class_stats(heap->alloc, i, &cs);
		sum[i].size = cs.size;
		sum[i].pools_used += cs.pools_used;
		sum[i].pools_full += cs.pools_full;
		sum[i].pools_empty += cs.pools_empty;
		sum[i].blocks_inuse += cs.blocks_inuse;
		sum[i].blocks_free += cs.blocks_free;
	}
}

static void classes_print(struct seq_file *m,
			  const struct pyheap_class_stats *sum)
{
	unsigned int i;

	classes_head(m);
	for (i = 0; i < PYHEAP_NR_CLASSES; i++)
		seq_printf(m, "  %5u %5u %10u %10u %11u %12llu %12llu\n", i,
			   (i + 1) * PYHEAP_ALIGNMENT, sum[i].pools_used,
			   sum[i].pools_full, sum[i].pools_empty,
			   sum[i].blocks_inuse, sum[i].blocks_free);
}

/*
 * arenas: one row per heap; the arena and kmalloc() counters of struct
 * pyheap_obmalloc_stats.
 */
static void arenas_head(struct seq_file *m)
{
	seq_puts(m, "pyheap_arenas - version: 1.0\n");
	seq_printf(m, "# %6s %9s %9s %9s %7s %11s %9s %12s %12s %9s %11s\n",
		   "heap", "allocated", "reclaimed", "highwater", "current",
		   "arena_bytes", "fallbacks", "large_allocs", "large_bytes",
		   "bad_frees", "corruptions");
}

static void arenas_row(struct pyheap_heap *heap, void *m)
	__must_hold(&heap->lock)
{
	struct pyheap_obmalloc_stats st;

	pyheap_obmalloc_stats(heap->alloc, &st);
	seq_printf(m, "  %6llu %9llu %9llu %9llu %7llu %11llu %9llu %12llu %12llu %9llu %11llu\n",
		   heap->id, st.arenas_allocated, st.arenas_reclaimed,
		   st.arenas_highwater, st.arenas_current, st.arena_bytes,
		   st.arena_fallbacks, st.large_allocs, st.large_bytes,
		   st.bad_frees, st.corruptions);
}

/*
 * bytes: one row per heap; CPython's accounting of arena memory, where
 * arena_bytes = used + free + unused + headers + quantization + alignment.
 */
static void bytes_head(struct seq_file *m)
{
	seq_puts(m, "pyheap_bytes - version: 1.0\n");
	seq_printf(m, "# %6s %11s %11s %11s %11s %9s %12s %9s\n", "heap",
		   "arena_bytes", "used", "free", "unused", "headers",
		   "quantization", "alignment");
}

static void bytes_row(struct pyheap_heap *heap, void *m)
	__must_hold(&heap->lock)
{
	struct pyheap_obmalloc_stats st;

	pyheap_obmalloc_stats(heap->alloc, &st);
	seq_printf(m, "  %6llu %11llu %11llu %11llu %11llu %9llu %12llu %9llu\n",
		   heap->id, st.arena_bytes, st.pool_bytes_used,
		   st.pool_bytes_free, st.pool_bytes_unused,
		   st.pool_bytes_headers, st.pool_bytes_quantization,
		   st.pool_bytes_alignment);
}

/* gc: one row per heap and generation; see pyheap_gc_show(). */
static void gc_head(struct seq_file *m)
{
	seq_puts(m, "pyheap_gc - version: 1.0\n");
	seq_printf(m, "# %6s %3s %9s %7s %9s %11s %10s %13s %12s %14s %12s\n",
		   "heap", "gen", "threshold", "count", "objects",
		   "collections", "collected", "uncollectable", "candidates",
		   "duration_ns", "max_pause_ns");
}

/* gc_pauses: one row per heap and generation; see pyheap_gc_show_pauses(). */
static void pauses_head(struct seq_file *m)
{
	int i;

	seq_puts(m, "pyheap_gc_pauses - version: 1.0\n");
	seq_printf(m, "# %6s %3s", "heap", "gen");
	for (i = 0; i < PYHEAP_GC_HIST; i++)
		seq_printf(m, " %5s%-2d", "lt2^", i + 1);
	seq_puts(m, "\n");
}

static void gc_rows(struct pyheap_heap *heap, void *m)
	__must_hold(&heap->lock)
{
	pyheap_gc_show(heap, m);
}

static void pauses_rows(struct pyheap_heap *heap, void *m)
	__must_hold(&heap->lock)
{
	pyheap_gc_show_pauses(heap, m);
}

/* Top-level files: every heap. */

static int heaps_show(struct seq_file *m, void *v)
{
	heaps_head(m);
	heaps_walk(heaps_row, m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(heaps);

static int classes_show(struct seq_file *m, void *v)
{
	struct pyheap_class_stats *sum;

	sum = kcalloc(PYHEAP_NR_CLASSES, sizeof(*sum), GFP_KERNEL);
	if (!sum)
		return -ENOMEM;
	heaps_walk(classes_add, sum);
	classes_print(m, sum);
	kfree(sum);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(classes);

static int arenas_show(struct seq_file *m, void *v)
{
	arenas_head(m);
	heaps_walk(arenas_row, m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(arenas);

static int bytes_show(struct seq_file *m, void *v)
{
	bytes_head(m);
	heaps_walk(bytes_row, m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(bytes);

static int gc_show(struct seq_file *m, void *v)
{
	gc_head(m);
	heaps_walk(gc_rows, m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(gc);

static int gc_pauses_show(struct seq_file *m, void *v)
{
	pauses_head(m);
	heaps_walk(pauses_rows, m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(gc_pauses);

/* Per-heap files: the same tables, one heap (m->private). */

static int heap_gc_show(struct seq_file *m, void *v)
{
	struct pyheap_heap *heap = m->private;

	gc_head(m);
	mutex_lock(&heap->lock);
	gc_rows(heap, m);
	mutex_unlock(&heap->lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(heap_gc);

static int heap_gc_pauses_show(struct seq_file *m, void *v)
{
	struct pyheap_heap *heap = m->private;

	pauses_head(m);
	mutex_lock(&heap->lock);
	pauses_rows(heap, m);
	mutex_unlock(&heap->lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(heap_gc_pauses);

static int heap_classes_show(struct seq_file *m, void *v)
{
	struct pyheap_heap *heap = m->private;
	struct pyheap_class_stats *sum;

	sum = kcalloc(PYHEAP_NR_CLASSES, sizeof(*sum), GFP_KERNEL);
	if (!sum)
		return -ENOMEM;
	mutex_lock(&heap->lock);
	classes_add(heap, sum);
	mutex_unlock(&heap->lock);
	classes_print(m, sum);
	kfree(sum);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(heap_classes);

static int heap_arenas_show(struct seq_file *m, void *v)
{
	struct pyheap_heap *heap = m->private;

	arenas_head(m);
	mutex_lock(&heap->lock);
	arenas_row(heap, m);
	mutex_unlock(&heap->lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(heap_arenas);

static int heap_bytes_show(struct seq_file *m, void *v)
{
	struct pyheap_heap *heap = m->private;

	bytes_head(m);
	mutex_lock(&heap->lock);
	bytes_row(heap, m);
	mutex_unlock(&heap->lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(heap_bytes);

/*
 * lru: one row per LRU map of the heap; map is its number in the heap,
 * maxsize -1 means None.
 */
static int heap_lru_show(struct seq_file *m, void *v)
{
	struct pyheap_heap *heap = m->private;

	seq_puts(m, "pyheap_lru - version: 1.0\n");
	seq_printf(m, "# %6s %8s %5s %10s %10s %10s %10s\n", "map",
		   "maxsize", "typed", "hits", "misses", "currsize",
		   "evictions");
	mutex_lock(&heap->lock);
	pyheap_ulru_show(heap, m, false);
	mutex_unlock(&heap->lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(heap_lru);

/*
 * lru_keys: every key of every map, least recent first; the key is shown
 * as hex, at most its first 32 bytes.
 */
static int heap_lru_keys_show(struct seq_file *m, void *v)
{
	struct pyheap_heap *heap = m->private;

	seq_puts(m, "pyheap_lru_keys - version: 1.0\n");
	seq_printf(m, "# %6s %8s %10s %6s %s\n", "map", "rank", "type",
		   "len", "key");
	mutex_lock(&heap->lock);
	pyheap_ulru_show(heap, m, true);
	mutex_unlock(&heap->lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(heap_lru_keys);

void pyheap_debugfs_heap_add(struct pyheap_heap *heap)
{
	char name[24];

	snprintf(name, sizeof(name), "%llu", heap->id);
	heap->debugfs = debugfs_create_dir(name, pyheap_debugfs_root);
	debugfs_create_file("classes", 0400, heap->debugfs, heap,
			    &heap_classes_fops);
	debugfs_create_file("arenas", 0400, heap->debugfs, heap,
			    &heap_arenas_fops);
	debugfs_create_file("bytes", 0400, heap->debugfs, heap,
			    &heap_bytes_fops);
	debugfs_create_file("types", 0400, heap->debugfs, heap,
			    &heap_types_fops);
	debugfs_create_file("gc", 0400, heap->debugfs, heap, &heap_gc_fops);
	debugfs_create_file("gc_pauses", 0400, heap->debugfs, heap,
			    &heap_gc_pauses_fops);
	debugfs_create_file("lru", 0400, heap->debugfs, heap, &heap_lru_fops);
	debugfs_create_file("lru_keys", 0400, heap->debugfs, heap,
			    &heap_lru_keys_fops);
}

void pyheap_debugfs_heap_remove(struct pyheap_heap *heap)
{
	debugfs_remove_recursive(heap->debugfs);
	heap->debugfs = NULL;
}

void pyheap_debugfs_init(void)
{
	pyheap_debugfs_root = debugfs_create_dir("pyheap", NULL);
	debugfs_create_file("heaps", 0400, pyheap_debugfs_root, NULL,
			    &heaps_fops);
	debugfs_create_file("classes", 0400, pyheap_debugfs_root, NULL,
			    &classes_fops);
	debugfs_create_file("arenas", 0400, pyheap_debugfs_root, NULL,
			    &arenas_fops);
	debugfs_create_file("bytes", 0400, pyheap_debugfs_root, NULL,
			    &bytes_fops);
	debugfs_create_file("gc", 0400, pyheap_debugfs_root, NULL, &gc_fops);
	debugfs_create_file("gc_pauses", 0400, pyheap_debugfs_root, NULL,
			    &gc_pauses_fops);
}

void pyheap_debugfs_exit(void)
{
	debugfs_remove_recursive(pyheap_debugfs_root);
}
