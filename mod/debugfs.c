// SPDX-License-Identifier: GPL-2.0
/*
 * pyheap debugfs: every file under /sys/kernel/debug/pyheap/
 *
 * Each file is a versioned table: a "<name> - version: M.m" line, a "#"
 * column header, then one row of decimal counters per item.  Columns are
 * only ever appended.  No file shows an address.  Every table is one entry
 * of pyheap_tables[]: its name, its header, and the function that prints
 * one heap's rows, which lives with the data it reads (gc.c, lru_obj.c)
 * or here when the heap's counters and the allocator's accessors are all
 * it needs.  A top-level file shows its table for every heap; the same
 * file in <heap id>/ shows it for that heap.  See
 * Documentation/pyheap/debugfs.rst for the columns.  The two files of
 * <heap id>/ that are dumps rather than tables, objects and garbage, are
 * made here too but live in mod/dump.c.
 *
 * Locking: a top-level file takes pyheap_heaps_mutex to walk the heaps,
 * then each heap->lock to print its rows.  A per-heap file takes only its
 * heap->lock; pyheap_heap_destroy() removes the directory, waiting for
 * readers, before it frees the heap's contents.
 * Lock order: "Lock order" in mod/internal.h (2 -> 3, and rule b).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/build_bug.h>
#include <linux/debugfs.h>
#include <linux/kstrtox.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "internal.h"

/* Where a table has a file: the top level (every heap), <heap id>/. */
#define TABLE_TOP	BIT(0)
#define TABLE_HEAP	BIT(1)

/*
 * One table.  @rows prints one heap's rows under heap->lock.  A table that
 * sums over the heaps instead (classes) has @add, which adds one heap into
 * a zeroed buffer of @sum_size bytes under heap->lock, and @print, which
 * prints the rows of the sum once every heap is in.  A table with @clear
 * can be written: "0" zeroes what it shows, in every heap (top level) or
 * in one, under heap->lock, as "echo 0 > /proc/lock_stat" does.
 */
struct pyheap_table {
	const char	*name;		/* file name, in each directory */
	const char	*header;	/* version line and "#" line */
	void		(*rows)(struct pyheap_heap *heap, struct seq_file *m);
	size_t		sum_size;
	void		(*add)(struct pyheap_heap *heap, void *sum);
	void		(*print)(struct seq_file *m, const void *sum);
	void		(*clear)(struct pyheap_heap *heap);
	unsigned int	where;		/* TABLE_TOP, TABLE_HEAP */
};

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
 *	lost_finalizers	finalizers that could not start when their
 *		 object's count reached zero, the object freed without
 *		 them: heap->lost_finalizers	(1.2)
 */
static void heaps_rows(struct pyheap_heap *heap, struct seq_file *m)
	__must_hold(&heap->lock)
{
	seq_printf(m, "  %8llu %8d %12llu %10llu %12llu %10llu %12llu %8llu %15llu\n",
		   heap->id, heap->owner, heap->nr_ioctls, heap->nr_objects,
		   heap->nr_bytes, heap->nr_handles, heap->nr_freed,
		   heap->bad_puts, heap->lost_finalizers);
}

/*
 * classes: one row per size class, blocks and pools summed over the heaps
 * (see struct pyheap_class_stats).  The sum is PYHEAP_NR_CLASSES of them.
 */
static void classes_add(struct pyheap_heap *heap, void *arg)
	__must_hold(&heap->lock)
{
	struct pyheap_class_stats *sum = arg;
	struct pyheap_class_stats cs;
	unsigned int i;

	for (i = 0; i < PYHEAP_NR_CLASSES; i++) {
		pyheap_obmalloc_class_stats(heap->alloc, i, &cs);
		sum[i].pools_used += cs.pools_used;
		sum[i].pools_full += cs.pools_full;
		sum[i].pools_empty += cs.pools_empty;
		sum[i].blocks_inuse += cs.blocks_inuse;
		sum[i].blocks_free += cs.blocks_free;
	}
}

static void classes_print(struct seq_file *m, const void *arg)
{
	const struct pyheap_class_stats *sum = arg;
	unsigned int i;

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
static void arenas_rows(struct pyheap_heap *heap, struct seq_file *m)
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
static void bytes_rows(struct pyheap_heap *heap, struct seq_file *m)
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

/*
 * types: one row per registered type that has live objects in the heap
 * (the type's name is the last column, so that every row still splits
 * on spaces).
 */
static void types_rows(struct pyheap_heap *heap, struct seq_file *m)
	__must_hold(&heap->lock)
{
	const struct pyheap_type *type;
	unsigned int i;

	for (i = 0; i < PYHEAP_MAX_TYPES; i++) {
		type = READ_ONCE(pyheap_types[i]);
		if (!type || !heap->types[i].objects)
			continue;
		seq_printf(m, "  %4u %10llu %12llu %s\n", i,
			   heap->types[i].objects, heap->types[i].bytes,
			   type->name);
	}
}

/*
 * lru: one row per LRU map of the heap; map is its number in the heap,
 * maxsize -1 means None, may_shrink is 1 for PYHEAP_LRU_MAY_SHRINK (1.1).
 * shrinker's columns are described above pyheap_shrink_show().
 */
static void lru_rows(struct pyheap_heap *heap, struct seq_file *m)
	__must_hold(&heap->lock)
{
	pyheap_ulru_show(heap, m, false);
}

/*
 * lru_keys: every key of every map, least recent first; the key is shown
 * as hex, at most its first 32 bytes.
 */
static void lru_keys_rows(struct pyheap_heap *heap, struct seq_file *m)
	__must_hold(&heap->lock)
{
	pyheap_ulru_show(heap, m, true);
}

/* The gc_pauses header below names one column per histogram bucket. */
static_assert(PYHEAP_GC_HIST == 16);

/*
 * Every table, in the order its files are made.  The columns of gc,
 * gc_pauses and gc_slices are described above pyheap_gc_show(),
 * pyheap_gc_show_pauses() and pyheap_gc_slice_show().
 */
static const struct pyheap_table pyheap_tables[] = {
	{
		.name	= "heaps",
		.header	= "pyheap_heaps - version: 1.2\n"
			  "#     heap      pid       ioctls    objects        bytes    handles        freed bad_puts lost_finalizers\n",
		.rows	= heaps_rows,
		.where	= TABLE_TOP,
	}, {
		.name	= "classes",
		.header	= "pyheap_classes - version: 1.0\n"
			  "# class  size pools_used pools_full pools_empty blocks_inuse  blocks_free\n",
		.sum_size = PYHEAP_NR_CLASSES *
			    sizeof(struct pyheap_class_stats),
		.add	= classes_add,
		.print	= classes_print,
		.where	= TABLE_TOP | TABLE_HEAP,
	}, {
		.name	= "arenas",
		.header	= "pyheap_arenas - version: 1.0\n"
			  "#   heap allocated reclaimed highwater current arena_bytes fallbacks large_allocs  large_bytes bad_frees corruptions\n",
		.rows	= arenas_rows,
		.where	= TABLE_TOP | TABLE_HEAP,
	}, {
		.name	= "bytes",
		.header	= "pyheap_bytes - version: 1.0\n"
			  "#   heap arena_bytes        used        free      unused   headers quantization alignment\n",
		.rows	= bytes_rows,
		.where	= TABLE_TOP | TABLE_HEAP,
	}, {
		.name	= "types",
		.header	= "pyheap_types - version: 1.0\n"
			  "#   id    objects        bytes name\n",
		.rows	= types_rows,
		.where	= TABLE_HEAP,
	}, {
		.name	= "gc",
		.header	= "pyheap_gc - version: 1.1\n"
			  "#   heap gen threshold   count   objects collections  collected uncollectable   candidates    duration_ns max_pause_ns     skipped\n",
		.rows	= pyheap_gc_show,
		.where	= TABLE_TOP | TABLE_HEAP,
	}, {
		.name	= "gc_pauses",
		.header	= "pyheap_gc_pauses - version: 1.0\n"
			  "#   heap gen  lt2^1   lt2^2   lt2^3   lt2^4   lt2^5   lt2^6   lt2^7   lt2^8   lt2^9   lt2^10  lt2^11  lt2^12  lt2^13  lt2^14  lt2^15  lt2^16\n",
		.rows	= pyheap_gc_show_pauses,
		.where	= TABLE_TOP | TABLE_HEAP,
	}, {
		.name	= "gc_slices",
		.header	= "pyheap_gc_slices - version: 1.0\n"
			  "#   heap phase      holds    objects      held_ns     max_ns max_objects max_gap_ns over_1ms over_1ms_gaps max_busy_ns switched\n",
		.rows	= pyheap_gc_slice_show,
		.clear	= pyheap_gc_slice_clear,
		.where	= TABLE_TOP | TABLE_HEAP,
	}, {
		.name	= "lru",
		.header	= "pyheap_lru - version: 1.1\n"
			  "#    map  maxsize typed       hits     misses   currsize  evictions may_shrink\n",
		.rows	= lru_rows,
		.where	= TABLE_HEAP,
	}, {
		.name	= "lru_keys",
		.header	= "pyheap_lru_keys - version: 1.0\n"
			  "#    map     rank       type    len key\n",
		.rows	= lru_keys_rows,
		.where	= TABLE_HEAP,
	}, {
		.name	= "shrinker",
		.header	= "pyheap_shrinker - version: 1.0\n"
			  "#   heap    counts     scans    busy    scanned      freed  queued collected       last\n",
		.rows	= pyheap_shrink_show,
		.where	= TABLE_TOP | TABLE_HEAP,
	},
};

/*
 * A file of <heap id>/: which table, of which heap.  The heap's directory
 * and these live and go together, in pyheap_heap_debugfs.
 */
struct heap_file {
	struct pyheap_heap		*heap;
	const struct pyheap_table	*table;
};

struct pyheap_heap_debugfs {
	struct dentry		*dir;
	struct heap_file	files[ARRAY_SIZE(pyheap_tables)];
};

static struct dentry *pyheap_debugfs_root;

/*
 * A zeroed buffer for a summed table to add the heaps into, NULL for any
 * other table, or ERR_PTR(-ENOMEM).
 */
static void *table_sum_new(const struct pyheap_table *t)
{
	void *sum;

	if (!t->sum_size)
		return NULL;
	sum = kzalloc(t->sum_size, GFP_KERNEL_ACCOUNT);
	return sum ?: ERR_PTR(-ENOMEM);
}

/* One heap's part of the table: its rows, or its share of @sum. */
static void table_heap(const struct pyheap_table *t, struct pyheap_heap *heap,
		       struct seq_file *m, void *sum)
{
	mutex_lock(&heap->lock);
	if (sum)
		t->add(heap, sum);
	else
		t->rows(heap, m);
	mutex_unlock(&heap->lock);
}

/* Print the rows of @sum, if the table has one, and free it. */
static void table_sum_print(const struct pyheap_table *t, struct seq_file *m,
			    void *sum)
{
	if (!sum)
		return;
	t->print(m, sum);
	kfree(sum);
}

/* A top-level file: its table (m->private) for every live heap. */
static int all_heaps_show(struct seq_file *m, void *v)
{
	const struct pyheap_table *t = m->private;
	struct pyheap_heap *heap;
	void *sum;

	sum = table_sum_new(t);
	if (IS_ERR(sum))
		return PTR_ERR(sum);
	seq_puts(m, t->header);
	mutex_lock(&pyheap_heaps_mutex);
	list_for_each_entry(heap, &pyheap_heaps, node)
		table_heap(t, heap, m, sum);
	mutex_unlock(&pyheap_heaps_mutex);
	table_sum_print(t, m, sum);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(all_heaps);

/* What a write to a table may say: "0", with or without a newline. */
static int table_clear_parse(const char __user *ubuf, size_t len)
{
	unsigned int v;
	int err;

	err = kstrtouint_from_user(ubuf, len, 10, &v);
	if (err)
		return err;
	return v ? -EINVAL : 0;
}

static ssize_t all_heaps_write(struct file *file, const char __user *ubuf,
			       size_t len, loff_t *ppos)
{
	const struct pyheap_table *t = file_inode(file)->i_private;
	struct pyheap_heap *heap;
	int err;

	err = table_clear_parse(ubuf, len);
	if (err)
		return err;
	mutex_lock(&pyheap_heaps_mutex);
	list_for_each_entry(heap, &pyheap_heaps, node) {
		mutex_lock(&heap->lock);
		t->clear(heap);
		mutex_unlock(&heap->lock);
	}
	mutex_unlock(&pyheap_heaps_mutex);
	return len;
}

static const struct file_operations all_heaps_clear_fops = {
	.owner		= THIS_MODULE,
	.open		= all_heaps_open,
	.read		= seq_read,
	.write		= all_heaps_write,
	.llseek		= seq_lseek,
	.release	= single_release,
};

/*
 * A file of <heap id>/: its table for its heap (m->private is its struct
 * heap_file).  pyheap_debugfs_heap_remove() waits for this to return
 * before the heap's contents go.
 */
static int one_heap_show(struct seq_file *m, void *v)
{
	const struct heap_file *f = m->private;
	void *sum;

	sum = table_sum_new(f->table);
	if (IS_ERR(sum))
		return PTR_ERR(sum);
	seq_puts(m, f->table->header);
	table_heap(f->table, f->heap, m, sum);
	table_sum_print(f->table, m, sum);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(one_heap);

/* As all_heaps_write(), for the one heap; debugfs keeps it alive. */
static ssize_t one_heap_write(struct file *file, const char __user *ubuf,
			      size_t len, loff_t *ppos)
{
	const struct heap_file *f = file_inode(file)->i_private;
	int err;

	err = table_clear_parse(ubuf, len);
	if (err)
		return err;
	mutex_lock(&f->heap->lock);
	f->table->clear(f->heap);
	mutex_unlock(&f->heap->lock);
	return len;
}

static const struct file_operations one_heap_clear_fops = {
	.owner		= THIS_MODULE,
	.open		= one_heap_open,
	.read		= seq_read,
	.write		= one_heap_write,
	.llseek		= seq_lseek,
	.release	= single_release,
};

void pyheap_debugfs_heap_add(struct pyheap_heap *heap)
{
	const struct pyheap_table *t;
	struct pyheap_heap_debugfs *d;
	char name[24];
	unsigned int i;

	d = kzalloc(sizeof(*d), GFP_KERNEL_ACCOUNT);
	if (!d)
		return;		/* debug only: the heap works without it */
	snprintf(name, sizeof(name), "%llu", heap->id);
	d->dir = debugfs_create_dir(name, pyheap_debugfs_root);
	for (i = 0; i < ARRAY_SIZE(pyheap_tables); i++) {
		t = &pyheap_tables[i];
		if (!(t->where & TABLE_HEAP))
			continue;
		d->files[i].heap = heap;
		d->files[i].table = t;
		debugfs_create_file(t->name, t->clear ? 0600 : 0400, d->dir,
				    &d->files[i], t->clear ?
				    &one_heap_clear_fops : &one_heap_fops);
	}
	pyheap_dump_add(heap, d->dir);
	heap->debugfs = d;
}

/*
 * debugfs_remove_recursive() waits for the reads in flight; a file still
 * open afterwards fails every read with -EIO without calling
 * one_heap_show(), and its release does not look at its struct heap_file,
 * so that can go now, and the heap after.
 */
void pyheap_debugfs_heap_remove(struct pyheap_heap *heap)
{
	struct pyheap_heap_debugfs *d = heap->debugfs;

	if (!d)
		return;
	debugfs_remove_recursive(d->dir);
	kfree(d);
	heap->debugfs = NULL;
}

void pyheap_debugfs_init(void)
{
	const struct pyheap_table *t;
	unsigned int i;

	pyheap_debugfs_root = debugfs_create_dir("pyheap", NULL);
	for (i = 0; i < ARRAY_SIZE(pyheap_tables); i++) {
		t = &pyheap_tables[i];
		/* debugfs takes a void *; all_heaps_show() only reads it */
		if (t->where & TABLE_TOP)
			debugfs_create_file(t->name, t->clear ? 0600 : 0400,
					    pyheap_debugfs_root, (void *)t,
					    t->clear ? &all_heaps_clear_fops :
					    &all_heaps_fops);
	}
}

void pyheap_debugfs_exit(void)
{
	debugfs_remove_recursive(pyheap_debugfs_root);
}
