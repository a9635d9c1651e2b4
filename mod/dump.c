// SPDX-License-Identifier: GPL-2.0
/*
 * pyheap debugfs dumps: <heap id>/objects and <heap id>/garbage
 *
 * Two files that let root look into any heap without the help of the
 * program that owns it: "objects" lists every live object with its id,
 * type, size, count, generation and references (as ids), and "garbage"
 * lists gc.garbage with the cycle each entry is on.  Ids are
 * pyheap_obj_id()'s, the ones GC_OBJ_INFO reports; no address is shown.
 * Documentation/pyheap/debugfs.rst describes the rows.
 *
 * A heap may hold millions of objects, so neither file is built whole.
 * Each is a seq_file whose rows come from a chunk: a bounded buffer of
 * plain numbers, filled under heap->lock and printed without it.  When a
 * read runs past the chunk, the next one is filled.  heap->lock is held
 * for one fill only, never from one read() to the next, and no object
 * pointer outlives it.
 *
 * objects is read in the order of the ids, which do not change while an
 * object lives: a fill takes the objects whose ids lie in the next range
 * [lo, hi), sized from the heap's object count so that about DUMP_OBJS
 * fall in it (a range that holds too many is halved), and sorts them.  So
 * an object that lives from open() to the end of the file is listed
 * exactly once, whatever else happens meanwhile; one made or freed
 * meanwhile may be listed or not.  Each chunk is one state of the heap;
 * the file as a whole is not.  An object with more references than fit
 * in a chunk goes on in the next one, from the reference it stopped at.
 *
 * garbage numbers the cycles over the whole list (pyheap_obj_cycles(), as
 * GC_GARBAGE does), so each fill computes them for the whole list and
 * keeps DUMP_GARBAGE entries from the position reached.  A list of up to
 * DUMP_GARBAGE entries is one chunk, hence one consistent state; a longer
 * one that changes while it is read may number its chunks differently.
 *
 * Heap teardown: debugfs keeps the heap's files alive while a read is in
 * flight, and pyheap_debugfs_heap_remove() waits for it; later reads of
 * an open file fail with -EIO before they reach us.  release only frees
 * the chunk, which never points into the heap.
 *
 * Locking: a fill takes heap->lock (killable), alone.
 * Lock order: "Lock order" in mod/internal.h (3).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/lockdep.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "internal.h"

/*
 * Every fill of objects walks the whole heap, so a read of it costs about
 * objects^2 / DUMP_OBJS: a bigger chunk means fewer walks but more memory
 * per open file (under 3 MiB with these).
 */
#define DUMP_OBJS	16384	/* objects a chunk of objects aims at */
#define DUMP_CANDS	(2 * DUMP_OBJS)	/* ... and holds at most */
#define DUMP_REFS	32768	/* references a chunk holds */
#define DUMP_ROW_REFS	32	/* references on one row */
#define DUMP_ROWS	(DUMP_CANDS + DUMP_REFS / DUMP_ROW_REFS)
#define DUMP_GARBAGE	65536	/* entries a chunk of garbage holds */
#define DUMP_ID_END	BIT_ULL(63)	/* ids lie below: pyheap_obj_id() */

/* An object found in the range of a fill; only valid under heap->lock. */
struct dump_cand {
	u64			id;
	struct pyheap_obj	*obj;
};

/* A reference of an object, as the row prints it. */
struct dump_ref {
	u64	id;		/* the target's */
	u32	slot;		/* its slot, or PYHEAP_SLOT_NONE */
};

/* An object of the chunk; its references are refs[ref, ref + nr). */
struct dump_obj {
	u64	id;
	u32	type, size, refcnt, gen;
	u32	nrefs;		/* all its references */
	u32	from;		/* the index of refs[ref] among them */
	u32	ref, nr;
};

/* One row: up to DUMP_ROW_REFS references of one object, from @ref. */
struct dump_row {
	u32	obj;		/* in objs[] */
	u32	ref, nr;	/* in refs[] */
};

/* One garbage entry. */
struct dump_garbage {
	u64	id;
	u32	group;
};

/*
 * An open dump file.  Rows base..base + nrows - 1 of the file (counted
 * from 0 after the header) are in the chunk; the next fill starts at the
 * cursor.  Everything is private to the file; seq_file serialises reads.
 */
struct pyheap_dump {
	struct pyheap_heap	*heap;
	int			(*fill)(struct pyheap_dump *d);
	bool			done;	/* the chunk is the file's last */
	loff_t			base;
	u32			nrows;
	/* objects: the cursor is (@lo, @skip): id, then reference */
	u64			lo;
	u32			skip;
	struct dump_cand	*cand;
	u32			ncand;
	struct dump_obj		*objs;
	u32			nobjs;
	struct dump_ref		*refs;
	u32			nrefs;
	struct dump_row		*rows;
	/* garbage: the cursor is @base */
	struct dump_garbage	*garbage;
};

/* The reference sink of one object, for dump_refs(). */
struct dump_refs_ctx {
	struct pyheap_dump	*d;
	struct pyheap_heap	*heap;
	u32			pos;	/* references seen */
	u32			skip;	/* the first ones, not kept */
	bool			full;	/* one more did not fit */
};

static void dump_ref_add(struct dump_refs_ctx *c, struct pyheap_obj *target,
			 u32 slot)
{
	struct pyheap_dump *d = c->d;

	if (c->pos++ < c->skip)
		return;
	if (d->nrefs == DUMP_REFS) {
		c->full = true;
		return;
	}
	d->refs[d->nrefs].id = pyheap_obj_id(c->heap, target);
	d->refs[d->nrefs].slot = slot;
	d->nrefs++;
}

static void dump_visit(struct pyheap_obj *target, void *arg)
{
	dump_ref_add(arg, target, PYHEAP_SLOT_NONE);
}

/*
 * The references of @obj from its @skip'th on, into d->refs while there
 * is room; objects' slots are read in order, to name them.  Returns how
 * many there are in all.
 */
static u32 dump_refs(struct pyheap_dump *d, struct pyheap_obj *obj, u32 skip,
		     bool *full)
{
	struct dump_refs_ctx c = { .d = d, .heap = d->heap, .skip = skip };
	struct pyheap_obj *target;
	u32 i;

	if (pyheap_is_uobj(obj)) {
		for (i = 0; !pyheap_uobj_get_slot(obj, i, &target); i++)
			if (target)
				dump_ref_add(&c, target, i);
	} else if (obj->type->traverse) {
		obj->type->traverse(obj, dump_visit, &c);
	}
	*full = c.full;
	return c.pos;
}

struct dump_range {
	struct pyheap_dump	*d;
	struct pyheap_heap	*heap;
	u64			lo, hi;
	bool			overflow;
};

static void dump_range_visit(struct pyheap_obj *obj, void *arg)
{
	struct dump_range *r = arg;
	struct pyheap_dump *d = r->d;
	u64 id = pyheap_obj_id(r->heap, obj);

	if (id < r->lo || id >= r->hi || r->overflow)
		return;
	if (d->ncand == DUMP_CANDS) {
		r->overflow = true;
		return;
	}
	d->cand[d->ncand].id = id;
	d->cand[d->ncand].obj = obj;
	d->ncand++;
}

static int dump_cand_cmp(const void *a, const void *b)
{
	const struct dump_cand *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/*
 * 1. The objects whose ids lie in [d->lo, hi), sorted: hi is set so that
 * about DUMP_OBJS of the heap's objects fall in the range, and lowered
 * until no more than DUMP_CANDS do.  Returns hi.
 */
static u64 dump_gather(struct pyheap_dump *d, struct pyheap_heap *heap)
	__must_hold(&heap->lock)
{
	struct dump_range r = { .d = d, .heap = heap, .lo = d->lo };
	u64 span = div64_u64(DUMP_ID_END, max(heap->nr_objects, 1ULL));

	span = span > div64_u64(DUMP_ID_END, DUMP_OBJS) ? DUMP_ID_END :
	       span * DUMP_OBJS;
	do {
		r.hi = span >= DUMP_ID_END - d->lo ? DUMP_ID_END : d->lo + span;
		r.overflow = false;
		d->ncand = 0;
		pyheap_gc_for_each_object(heap, dump_range_visit, &r);
		span = max(span / 2, 1ULL);
	} while (r.overflow);
	sort(d->cand, d->ncand, sizeof(*d->cand), dump_cand_cmp, NULL);
	return r.hi;
}

/* The rows of objs[@i]: one per DUMP_ROW_REFS references, at least one. */
static void dump_add_rows(struct pyheap_dump *d, u32 i)
{
	const struct dump_obj *o = &d->objs[i];
	u32 k = 0;

	do {
		d->rows[d->nrows].obj = i;
		d->rows[d->nrows].ref = o->ref + k;
		d->rows[d->nrows].nr = min(o->nr - k, DUMP_ROW_REFS);
		d->nrows++;
		k += DUMP_ROW_REFS;
	} while (k < o->nr);
}

/*
 * 2. Each object's numbers and references, in id order, until the
 * references fill the chunk; the cursor then stops at the object and
 * reference that did not fit, or else moves to @hi.
 */
static void dump_take(struct pyheap_dump *d, struct pyheap_heap *heap, u64 hi)
	__must_hold(&heap->lock)
{
	struct pyheap_obj *obj;
	struct dump_obj *o;
	u32 i, skip;
	bool full;

	for (i = 0; i < d->ncand; i++) {
		obj = d->cand[i].obj;
		skip = d->cand[i].id == d->lo ? d->skip : 0;
		o = &d->objs[d->nobjs];
		o->id = d->cand[i].id;
		o->type = obj->type->id;
		o->size = pyheap_obj_class_size(obj);
		o->refcnt = pyheap_obj_refcnt(obj);
		o->gen = pyheap_gc_generation(obj);
		o->from = skip;
		o->ref = d->nrefs;
		o->nrefs = dump_refs(d, obj, skip, &full);
		o->nr = d->nrefs - o->ref;
		if (full && !o->nr && d->nobjs) {
			d->lo = o->id;		/* all of it goes next time */
			d->skip = skip;
			return;
		}
		dump_add_rows(d, d->nobjs++);
		if (full) {
			d->lo = o->id;
			d->skip = skip + o->nr;
			return;
		}
	}
	d->lo = hi;
	d->skip = 0;
	d->done = hi == DUMP_ID_END;
}

static int dump_objects_fill(struct pyheap_dump *d)
{
	struct pyheap_heap *heap = d->heap;
	u64 hi;

	if (!d->cand) {
		d->cand = kvmalloc_array(DUMP_CANDS, sizeof(*d->cand),
					 GFP_KERNEL_ACCOUNT);
		d->objs = kvmalloc_array(DUMP_CANDS, sizeof(*d->objs),
					 GFP_KERNEL_ACCOUNT);
		d->refs = kvmalloc_array(DUMP_REFS, sizeof(*d->refs),
					 GFP_KERNEL_ACCOUNT);
		d->rows = kvmalloc_array(DUMP_ROWS, sizeof(*d->rows),
					 GFP_KERNEL_ACCOUNT);
		if (!d->cand || !d->objs || !d->refs || !d->rows)
			return -ENOMEM;
	}
	if (mutex_lock_killable(&heap->lock))
		return -EINTR;
	d->nobjs = 0;
	d->nrefs = 0;
	d->nrows = 0;
	hi = dump_gather(d, heap);
	dump_take(d, heap, hi);
	d->ncand = 0;		/* no object pointer outlives the lock */
	mutex_unlock(&heap->lock);
	return 0;
}

/* Collects gc.garbage for dump_garbage_fill(). */
struct dump_all {
	struct pyheap_obj	**objs;
	u32			n, max;
};

static void dump_all_visit(struct pyheap_obj *obj, void *arg)
{
	struct dump_all *all = arg;

	if (!WARN_ON_ONCE(all->n == all->max))
		all->objs[all->n++] = obj;
}

/*
 * gc.garbage's entries from d->base on, at most DUMP_GARBAGE, with the
 * cycles of the whole list.  Costs what GC_GARBAGE with groups costs:
 * memory for the whole list, given back before this returns.
 */
static int dump_garbage_fill_locked(struct pyheap_dump *d,
				    struct pyheap_heap *heap)
	__must_hold(&heap->lock)
{
	u64 total = pyheap_gc_nr_garbage(heap);
	struct dump_all all = {};
	u32 *group, cycles, i;
	int err = -ENOMEM;

	d->nrows = 0;
	if (d->base >= total) {
		d->done = true;
		return 0;
	}
	if (total >= U32_MAX)
		return -ENOMEM;
	all.max = total;
	all.objs = kvmalloc_array(total, sizeof(*all.objs),
				  GFP_KERNEL_ACCOUNT);
	group = kvmalloc_array(total, sizeof(*group), GFP_KERNEL_ACCOUNT);
	if (!all.objs || !group)
		goto out;
	pyheap_gc_for_each_garbage(heap, dump_all_visit, &all);
	err = pyheap_obj_cycles(heap, all.objs, all.n, group, &cycles);
	if (err)
		goto out;
	for (i = d->base; i < all.n && d->nrows < DUMP_GARBAGE; i++) {
		d->garbage[d->nrows].id = pyheap_obj_id(heap, all.objs[i]);
		d->garbage[d->nrows].group = group[i];
		d->nrows++;
	}
	d->done = i == all.n;
out:
	kvfree(group);
	kvfree(all.objs);
	return err;
}

static int dump_garbage_fill(struct pyheap_dump *d)
{
	int err;

	if (!d->garbage) {
		d->garbage = kvmalloc_array(DUMP_GARBAGE, sizeof(*d->garbage),
					    GFP_KERNEL_ACCOUNT);
		if (!d->garbage)
			return -ENOMEM;
	}
	if (mutex_lock_killable(&d->heap->lock))
		return -EINTR;
	err = dump_garbage_fill_locked(d, d->heap);
	mutex_unlock(&d->heap->lock);
	return err;
}

/*
 * Row @pos - 1 of the file (0 is the header), filling chunks up to it:
 * from the start again if it lies before the chunk (a seek back, or a
 * read from 0).  NULL past the last row.
 */
static void *dump_seek(struct pyheap_dump *d, loff_t pos)
{
	loff_t r = pos - 1;
	int err;

	if (!pos)
		return SEQ_START_TOKEN;
	if (r < d->base) {
		d->base = 0;
		d->nrows = 0;
		d->lo = 0;
		d->skip = 0;
		d->done = false;
	}
	while (r >= d->base + d->nrows) {
		if (d->done)
			return NULL;
		d->base += d->nrows;
		d->nrows = 0;
		err = d->fill(d);
		if (err) {
			d->nrows = 0;
			return ERR_PTR(err);
		}
	}
	/* row + 2: neither NULL nor SEQ_START_TOKEN */
	return (void *)(uintptr_t)(r - d->base + 2);
}

static void *dump_start(struct seq_file *m, loff_t *pos)
{
	return dump_seek(m->private, *pos);
}

static void *dump_next(struct seq_file *m, void *v, loff_t *pos)
{
	return dump_seek(m->private, ++*pos);
}

static void dump_stop(struct seq_file *m, void *v)
{
}

static int dump_objects_show(struct seq_file *m, void *v)
{
	struct pyheap_dump *d = m->private;
	const struct dump_row *row;
	const struct dump_obj *o;
	const struct dump_ref *ref;
	u32 k;

	if (v == SEQ_START_TOKEN) {
		seq_puts(m, "pyheap_objects - version: 1.0\n"
			    "# id type size refcnt gen nrefs first refs\n");
		return 0;
	}
	row = &d->rows[(uintptr_t)v - 2];
	o = &d->objs[row->obj];
	seq_printf(m, "%llu %u %u %u %u %u %u", o->id, o->type, o->size,
		   o->refcnt, o->gen, o->nrefs,
		   o->from + (row->ref - o->ref));
	for (k = 0; k < row->nr; k++) {
		ref = &d->refs[row->ref + k];
		if (ref->slot == PYHEAP_SLOT_NONE)
			seq_printf(m, " -:%llu", ref->id);
		else
			seq_printf(m, " %u:%llu", ref->slot, ref->id);
	}
	seq_putc(m, '\n');
	return 0;
}

static int dump_garbage_show(struct seq_file *m, void *v)
{
	struct pyheap_dump *d = m->private;
	const struct dump_garbage *g;

	if (v == SEQ_START_TOKEN) {
		seq_puts(m, "pyheap_garbage - version: 1.0\n"
			    "# index id group\n");
		return 0;
	}
	g = &d->garbage[(uintptr_t)v - 2];
	seq_printf(m, "%llu %llu %u\n", d->base + (uintptr_t)v - 2, g->id,
		   g->group);
	return 0;
}

static const struct seq_operations dump_objects_sops = {
	.start	= dump_start,
	.next	= dump_next,
	.stop	= dump_stop,
	.show	= dump_objects_show,
};

static const struct seq_operations dump_garbage_sops = {
	.start	= dump_start,
	.next	= dump_next,
	.stop	= dump_stop,
	.show	= dump_garbage_show,
};

static int dump_open(struct inode *inode, struct file *file,
		     const struct seq_operations *sops,
		     int (*fill)(struct pyheap_dump *d))
{
	struct pyheap_dump *d;

	d = __seq_open_private(file, sops, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->heap = inode->i_private;
	d->fill = fill;
	return 0;
}

static int dump_objects_open(struct inode *inode, struct file *file)
{
	return dump_open(inode, file, &dump_objects_sops, dump_objects_fill);
}

static int dump_garbage_open(struct inode *inode, struct file *file)
{
	return dump_open(inode, file, &dump_garbage_sops, dump_garbage_fill);
}

/* Frees the chunk only: the heap may be gone (see the top of the file). */
static int dump_release(struct inode *inode, struct file *file)
{
	struct seq_file *m = file->private_data;
	struct pyheap_dump *d = m->private;

	kvfree(d->cand);
	kvfree(d->objs);
	kvfree(d->refs);
	kvfree(d->rows);
	kvfree(d->garbage);
	return seq_release_private(inode, file);
}

static const struct file_operations dump_objects_fops = {
	.owner		= THIS_MODULE,
	.open		= dump_objects_open,
	.read		= seq_read,
	.llseek		= seq_lseek,
	.release	= dump_release,
};

static const struct file_operations dump_garbage_fops = {
	.owner		= THIS_MODULE,
	.open		= dump_garbage_open,
	.read		= seq_read,
	.llseek		= seq_lseek,
	.release	= dump_release,
};

/**
 * pyheap_dump_add() - make the dump files of a heap's directory
 * @heap: the heap
 * @dir: its directory, <heap id>/
 *
 * Removed with the directory, by pyheap_debugfs_heap_remove().
 */
void pyheap_dump_add(struct pyheap_heap *heap, struct dentry *dir)
{
	debugfs_create_file("objects", 0400, dir, heap, &dump_objects_fops);
	debugfs_create_file("garbage", 0400, dir, heap, &dump_garbage_fops);
}
