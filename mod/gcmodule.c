// SPDX-License-Identifier: GPL-2.0
/*
 * pyheap gcmodule: the collector's interface to user space
 *
 * The ioctls that are Python's gc module for one heap: collect(),
 * get/set of the thresholds, the debug flags and enable/disable,
 * get_stats(), freeze(), is_tracked() and friends (GC_OBJ_INFO),
 * get_referents() and get_referrers() (GC_REFS), gc.garbage with its
 * cycles (GC_GARBAGE), get_objects() (GC_OBJECTS), and objgraph's
 * find_backref_chain() (GC_WHY).  As
 * CPython keeps Python/gc.c (the collector) apart from Modules/gcmodule.c
 * (its interface), the collector itself is mod/gc.c; this file only
 * checks, asks it and answers.
 *
 * Locking: every handler runs under heap->lock, taken by the dispatcher.
 * Lock order: "Lock order" in mod/internal.h (3).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include <uapi/linux/pyheap.h>
#include "internal.h"
#include "ucmd.h"

/*
 * A collection cannot answer before it runs, so it proves its answer
 * writable first (ucmd_prove_writable()).  If the final copy still fails,
 * the caller unmapped its own argument meanwhile: the collection stands
 * and the call returns 0 (see "A failed call changes nothing" in
 * uapi.rst).
 */
static u64 gc_uncollectable(struct pyheap_heap *heap, u32 generation)
	__must_hold(&heap->lock)
{
	struct pyheap_gc_gen_stats st[PYHEAP_GC_NR_GENS];

	pyheap_gc_get_stats(heap, st);
	return st[generation].uncollectable;
}

/*
 * The split of what a collection found, as the gc.callbacks info has it,
 * is the uncollectable count the collection added to its generation.
 * The members of the split are only written, never checked: a caller
 * that reuses its struct and clears out_unreachable, as a caller of ABI
 * 1.5 had to, keeps working when rebuilt.
 */
int pyheap_ioc_gc_collect(struct pyheap_ucmd *ucmd)
	__must_hold(&ucmd->heap->lock)
{
	struct pyheap_gc_collect *cmd = ucmd->cmd;
	u64 before, uncollectable;
	long n;
	int err;

	lockdep_assert_held(&ucmd->heap->lock);
	if ((cmd->flags & ~PYHEAP_GC_COLLECT_HANDED) || cmd->__reserved ||
	    cmd->out_unreachable)
		return -EINVAL;
	err = ucmd_prove_writable(ucmd, sizeof(*cmd));
	if (err)
		return err;
	if (cmd->generation >= PYHEAP_GC_NR_GENS)
		return -EINVAL;
	if (!(cmd->flags & PYHEAP_GC_COLLECT_HANDED) &&
	    cmd->generation == PYHEAP_GC_NR_GENS - 1 && !ucmd->in_batch &&
	    pyheap_gc_slice_mode(ucmd->heap)) {
		/* in slices, run by the dispatcher without the lock held */
		if (!ucmd->gc_target) {
			ucmd->gc_target = pyheap_gc_slice_target(ucmd->heap);
			return -PYHEAP_ESLICE;
		}
		n = pyheap_gc_slice_found(ucmd->heap, &uncollectable);
	} else {
		/*
		 * What was handed out is found at the heads of the lists
		 * (pyheap_gc_collect_handed()): one hold, never in slices.
		 */
		before = gc_uncollectable(ucmd->heap, cmd->generation);
		n = cmd->flags & PYHEAP_GC_COLLECT_HANDED ?
		    pyheap_gc_collect_handed(ucmd->heap, cmd->generation) :
		    pyheap_gc_collect(ucmd->heap, cmd->generation);
		uncollectable = gc_uncollectable(ucmd->heap, cmd->generation) -
				before;
	}
	if (n < 0)
		return n;
	cmd->out_unreachable = n;
	cmd->out_uncollectable = uncollectable;
	cmd->out_collected = n - cmd->out_uncollectable;
	ucmd_respond(ucmd, sizeof(*cmd));
	return 0;
}

/* GC_GET's answer: the parameters, the counts and the list lengths. */
static void gc_state_fill(struct pyheap_heap *heap,
			  struct pyheap_gc_state *cmd)
	__must_hold(&heap->lock)
{
	struct pyheap_gc_params p;

	pyheap_gc_get_params(heap, &p);
	cmd->enabled = p.enabled;
	cmd->debug = p.debug;
	memcpy(cmd->threshold, p.threshold, sizeof(cmd->threshold));
	pyheap_gc_get_count(heap, cmd->out_count);
	cmd->out_freeze_count = pyheap_gc_nr_frozen(heap);
	cmd->out_garbage = pyheap_gc_nr_garbage(heap);
	cmd->out_events = pyheap_events_pending(heap);
}

int pyheap_ioc_gc_get(struct pyheap_ucmd *ucmd)
	__must_hold(&ucmd->heap->lock)
{
	struct pyheap_gc_state *cmd = ucmd->cmd;

	lockdep_assert_held(&ucmd->heap->lock);
	if (cmd->flags || cmd->__reserved || cmd->__reserved2)
		return -EINVAL;
	gc_state_fill(ucmd->heap, cmd);
	return ucmd_respond(ucmd, sizeof(*cmd));
}

#define GC_DEBUG_ALL	(PYHEAP_GC_DEBUG_STATS | PYHEAP_GC_DEBUG_COLLECTABLE | \
			 PYHEAP_GC_DEBUG_UNCOLLECTABLE | \
			 PYHEAP_GC_DEBUG_SAVEALL)
#define GC_SET_ALL	(PYHEAP_GC_SET_ENABLED | PYHEAP_GC_SET_DEBUG | \
			 PYHEAP_GC_SET_THRESHOLD)

/* Everything is checked before anything changes. */
int pyheap_ioc_gc_set(struct pyheap_ucmd *ucmd)
	__must_hold(&ucmd->heap->lock)
{
	struct pyheap_gc_state *cmd = ucmd->cmd;
	struct pyheap_gc_state want;
	struct pyheap_gc_params p;
	int err, i;

	lockdep_assert_held(&ucmd->heap->lock);
	if ((cmd->flags & ~GC_SET_ALL) || cmd->__reserved ||
	    cmd->__reserved2 || cmd->enabled > 1 ||
	    (cmd->debug & ~GC_DEBUG_ALL))
		return -EINVAL;
	for (i = 0; i < PYHEAP_GC_NR_GENS; i++)
		if (cmd->out_count[i])
			return -EINVAL;
	/* Answer with the state as it will be, then make it so. */
	want = *cmd;
	gc_state_fill(ucmd->heap, cmd);
	if (want.flags & PYHEAP_GC_SET_ENABLED)
		cmd->enabled = want.enabled;
	if (want.flags & PYHEAP_GC_SET_DEBUG)
		cmd->debug = want.debug;
	if (want.flags & PYHEAP_GC_SET_THRESHOLD)
		memcpy(cmd->threshold, want.threshold, sizeof(cmd->threshold));
	err = ucmd_respond(ucmd, sizeof(*cmd));
	if (err)
		return err;
	p.enabled = cmd->enabled;
	p.debug = cmd->debug;
	memcpy(p.threshold, cmd->threshold, sizeof(p.threshold));
	pyheap_gc_set_params(ucmd->heap, &p);
	return 0;
}

int pyheap_ioc_gc_stats(struct pyheap_ucmd *ucmd)
	__must_hold(&ucmd->heap->lock)
{
	struct pyheap_gc_stats *cmd = ucmd->cmd;

	lockdep_assert_held(&ucmd->heap->lock);
	if (cmd->flags)
		return -EINVAL;
	pyheap_gc_get_stats(ucmd->heap, cmd->out_gen);
	pyheap_gc_get_skipped(ucmd->heap, cmd->out_skipped);
	return ucmd_respond(ucmd, sizeof(*cmd));
}

int pyheap_ioc_gc_freeze(struct pyheap_ucmd *ucmd)
	__must_hold(&ucmd->heap->lock)
{
	struct pyheap_gc_freeze *cmd = ucmd->cmd;
	struct pyheap_heap *heap = ucmd->heap;
	bool freeze = cmd->flags == PYHEAP_GC_FREEZE;
	int err;

	lockdep_assert_held(&ucmd->heap->lock);
	if (cmd->flags != PYHEAP_GC_FREEZE && cmd->flags != PYHEAP_GC_UNFREEZE)
		return -EINVAL;
	/* The count after the call is known beforehand: answer, then act. */
	cmd->out_freeze_count = freeze ? pyheap_gc_nr_frozen(heap) +
					 pyheap_gc_nr_tracked(heap) : 0;
	err = ucmd_respond(ucmd, sizeof(*cmd));
	if (err)
		return err;
	pyheap_gc_freeze(ucmd->heap, freeze);
	return 0;
}

int pyheap_ioc_gc_obj_info(struct pyheap_ucmd *ucmd)
	__must_hold(&ucmd->heap->lock)
{
	struct pyheap_gc_obj_info *cmd = ucmd->cmd;
	struct pyheap_obj *obj;
	u32 gen;

	lockdep_assert_held(&ucmd->heap->lock);
	if (cmd->flags || cmd->__reserved)
		return -EINVAL;
	obj = ucmd_obj(ucmd, cmd->handle);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	gen = pyheap_gc_generation(obj);
	cmd->out_tracked = gen != PYHEAP_GEN_UNTRACKED;
	cmd->out_finalized = pyheap_gc_is_finalized(obj);
	cmd->out_generation = gen;
	cmd->out_refcnt = pyheap_obj_refcnt(obj);
	cmd->out_id = pyheap_obj_id(ucmd->heap, obj);
	strscpy_pad(cmd->out_type, obj->type->name,
		    sizeof(cmd->out_type));
	return ucmd_respond(ucmd, sizeof(*cmd));
}

/*
 * Handles out to user space, for GC_REFS and GC_GARBAGE: collect up to
 * @max objects, then open one handle each and copy them out.  If the
 * call fails, the dispatcher closes the handles again.
 */
struct refs_out {
	struct pyheap_obj **objs;
	u32 max, count, total;
};

static void refs_collect(struct pyheap_obj *target, void *arg)
{
	struct refs_out *out = arg;

	if (out->count < out->max)
		out->objs[out->count++] = target;
	out->total++;
}

static int refs_respond(struct pyheap_ucmd *ucmd, struct refs_out *out,
			u64 uaddr, u32 *out_count, u32 *out_total, size_t len)
{
	u32 *hs;
	int err;

	hs = kvmalloc_array(max(out->count, 1U), sizeof(*hs),
			    GFP_KERNEL_ACCOUNT);
	if (!hs)
		return -ENOMEM;
	err = ucmd_open_handles(ucmd, out->objs, out->count, hs);
	if (!err && copy_to_user(u64_to_user_ptr(uaddr), hs,
				 out->count * sizeof(*hs)))
		err = -EFAULT;
	if (!err) {
		*out_count = out->count;
		*out_total = out->total;
		err = ucmd_respond(ucmd, len);
	}
	kvfree(hs);
	return err;
}

static int refs_init(struct refs_out *out, u32 max)
{
	if (!max || max > PYHEAP_GC_REFS_MAX)
		return -EINVAL;
	out->max = max;
	out->objs = kvmalloc_array(max, sizeof(*out->objs),
				   GFP_KERNEL_ACCOUNT);
	return out->objs ? 0 : -ENOMEM;
}

int pyheap_ioc_gc_refs(struct pyheap_ucmd *ucmd)
	__must_hold(&ucmd->heap->lock)
{
	struct pyheap_gc_refs *cmd = ucmd->cmd;
	struct refs_out out = {};
	struct pyheap_obj *obj;
	int err;

	lockdep_assert_held(&ucmd->heap->lock);
	if ((cmd->flags != PYHEAP_GC_REFERENTS &&
	     cmd->flags != PYHEAP_GC_REFERRERS) ||
	    cmd->out_count || cmd->out_total)
		return -EINVAL;
	obj = ucmd_obj(ucmd, cmd->handle);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	err = refs_init(&out, cmd->max);
	if (err)
		return err;
	if (cmd->flags == PYHEAP_GC_REFERENTS) {
		if (obj->type->traverse)
			obj->type->traverse(obj, refs_collect, &out);
	} else {
		pyheap_gc_for_each_referrer(ucmd->heap, obj, refs_collect,
					    &out);
	}
	err = refs_respond(ucmd, &out, cmd->handles, &cmd->out_count,
			   &cmd->out_total, sizeof(*cmd));
	kvfree(out.objs);
	return err;
}

/* Handles of a list: open them for @objs, copy them to @uaddr. */
static int handles_out(struct pyheap_ucmd *ucmd,
		       struct pyheap_obj *const *objs, u32 n, u64 uaddr)
{
	u32 *hs;
	int err;

	if (!n)
		return 0;
	hs = kvmalloc_array(n, sizeof(*hs), GFP_KERNEL_ACCOUNT);
	if (!hs)
		return -ENOMEM;
	err = ucmd_open_handles(ucmd, objs, n, hs);
	if (!err && copy_to_user(u64_to_user_ptr(uaddr), hs, n * sizeof(*hs)))
		err = -EFAULT;
	kvfree(hs);
	return err;
}

/* LIST without groups: one page, from @offset. */
static int garbage_list(struct pyheap_ucmd *ucmd)
{
	struct pyheap_gc_garbage *cmd = ucmd->cmd;
	struct pyheap_obj **objs;
	u32 n;
	int err;

	if (!cmd->max || cmd->max > PYHEAP_GC_REFS_MAX)
		return -EINVAL;
	objs = kvmalloc_array(cmd->max, sizeof(*objs), GFP_KERNEL_ACCOUNT);
	if (!objs)
		return -ENOMEM;
	n = pyheap_gc_garbage_get(ucmd->heap, cmd->offset, cmd->max, objs);
	err = handles_out(ucmd, objs, n, cmd->handles);
	if (!err) {
		cmd->out_count = n;
		cmd->out_total = pyheap_gc_nr_garbage(ucmd->heap);
		err = ucmd_respond(ucmd, sizeof(*cmd));
	}
	kvfree(objs);
	return err;
}

struct garbage_all {
	struct pyheap_obj **objs;
	u32 n, max;
};

static void garbage_collect_all(struct pyheap_obj *obj, void *arg)
{
	struct garbage_all *all = arg;

	if (!WARN_ON_ONCE(all->n == all->max))
		all->objs[all->n++] = obj;
}

/*
 * LIST with groups: the cycles of the whole list, then the page from
 * @offset (with its handles, if asked for).
 */
static int garbage_list_groups(struct pyheap_ucmd *ucmd)
{
	struct pyheap_gc_garbage *cmd = ucmd->cmd;
	u64 total = pyheap_gc_nr_garbage(ucmd->heap);
	struct garbage_all all = {};
	u32 *group = NULL, n = 0, cycles = 0;
	int err = -ENOMEM;

	if (!cmd->max || (cmd->handles && cmd->max > PYHEAP_GC_REFS_MAX))
		return -EINVAL;
	if (total >= U32_MAX)
		return -ENOMEM;
	all.max = total;
	all.objs = kvmalloc_array(max_t(u32, total, 1), sizeof(*all.objs),
				  GFP_KERNEL_ACCOUNT);
	group = kvmalloc_array(max_t(u32, total, 1), sizeof(*group),
			       GFP_KERNEL_ACCOUNT);
	if (!all.objs || !group)
		goto out;
	pyheap_gc_for_each_garbage(ucmd->heap, garbage_collect_all, &all);
	err = pyheap_obj_cycles(ucmd->heap, all.objs, all.n, group, &cycles);
	if (err)
		goto out;
	if (cmd->offset < all.n)
		n = min_t(u64, cmd->max, all.n - cmd->offset);
	if (n && cmd->handles)
		err = handles_out(ucmd, all.objs + cmd->offset, n,
				  cmd->handles);
	if (!err && copy_to_user(u64_to_user_ptr(cmd->groups),
				 group + (n ? cmd->offset : 0),
				 n * sizeof(*group)))
		err = -EFAULT;
	if (!err) {
		cmd->out_count = n;
		cmd->out_total = all.n;
		cmd->out_cycles = cycles;
		err = ucmd_respond(ucmd, sizeof(*cmd));
	}
out:
	kvfree(group);
	kvfree(all.objs);
	return err;
}

int pyheap_ioc_gc_garbage(struct pyheap_ucmd *ucmd)
	__must_hold(&ucmd->heap->lock)
{
	struct pyheap_gc_garbage *cmd = ucmd->cmd;
	int err;

	lockdep_assert_held(&ucmd->heap->lock);
	if (cmd->__reserved || cmd->__reserved2 || cmd->out_count ||
	    cmd->out_total || cmd->out_cycles)
		return -EINVAL;
	if (cmd->flags == PYHEAP_GC_GARBAGE_CLEAR) {
		if (cmd->max || cmd->handles || cmd->offset || cmd->groups)
			return -EINVAL;
		cmd->out_total = pyheap_gc_nr_garbage(ucmd->heap);
		cmd->out_count = cmd->out_total;
		/* The answer goes out first: the clear cannot be undone. */
		err = ucmd_respond(ucmd, sizeof(*cmd));
		if (!err)
			pyheap_gc_garbage_clear(ucmd->heap);
		return err;
	}
	if (cmd->flags != PYHEAP_GC_GARBAGE_LIST)
		return -EINVAL;
	return cmd->groups ? garbage_list_groups(ucmd) : garbage_list(ucmd);
}

#define GC_OBJECTS_FLAGS	PYHEAP_GC_OBJECTS_GENERATION

/*
 * GC_OBJECTS: one page of gc.get_objects(generation), handles opened for
 * it (the dispatcher closes them again if the call fails).
 */
int pyheap_ioc_gc_objects(struct pyheap_ucmd *ucmd)
	__must_hold(&ucmd->heap->lock)
{
	struct pyheap_gc_objects *cmd = ucmd->cmd;
	bool one = cmd->flags & PYHEAP_GC_OBJECTS_GENERATION;
	int gen = one ? cmd->generation : -1;
	struct pyheap_obj **objs = NULL;
	u32 n = 0;
	int err;

	lockdep_assert_held(&ucmd->heap->lock);
	if ((cmd->flags & ~GC_OBJECTS_FLAGS) || cmd->__reserved ||
	    cmd->out_total || cmd->out_count ||
	    (one ? cmd->generation >= PYHEAP_GC_NR_GENS : cmd->generation) ||
	    cmd->max > PYHEAP_GC_REFS_MAX || !cmd->max != !cmd->handles)
		return -EINVAL;
	if (cmd->max) {
		objs = kvmalloc_array(cmd->max, sizeof(*objs),
				      GFP_KERNEL_ACCOUNT);
		if (!objs)
			return -ENOMEM;
		n = pyheap_gc_objects_get(ucmd->heap, gen, cmd->offset,
					  cmd->max, objs);
	}
	err = handles_out(ucmd, objs, n, cmd->handles);
	if (!err) {
		cmd->out_total = pyheap_gc_objects_total(ucmd->heap, gen);
		cmd->out_count = n;
		err = ucmd_respond(ucmd, sizeof(*cmd));
	}
	kvfree(objs);
	return err;
}

/*
 * GC_WHY: a breadth-first walk from every root at once (the objects of
 * the open handles other than the one asked about), stopped when it finds
 * the object; the chain is then the entries' parents, read backwards.
 */
struct why_roots {
	struct pyheap_walk *w;
	u32 skip;
};

static int why_add_root(u32 handle, struct pyheap_obj *obj, void *arg)
{
	struct why_roots *r = arg;

	return handle == r->skip ? 0 : pyheap_walk_add(r->w, obj);
}

/* The slot of the reference an entry was found through, for user space. */
static u32 why_slot(const struct pyheap_walk *w, u32 entry)
{
	const struct pyheap_walk_entry *e = &w->q[entry];
	struct pyheap_obj *parent = w->q[e->parent].obj;

	return pyheap_is_uobj(parent) ? pyheap_uobj_slot_at(parent, e->pos) :
	       e->pos;
}

/* Open the chain's handles and copy it out, root first. */
static int why_respond(struct pyheap_ucmd *ucmd, const struct pyheap_walk *w,
		       u32 n)
{
	struct pyheap_gc_why *cmd = ucmd->cmd;
	struct pyheap_gc_why_step *steps;
	struct pyheap_obj **objs;
	u32 e = w->found, i = n, *hs;
	int err = -ENOMEM;

	objs = kvmalloc_array(n, sizeof(*objs), GFP_KERNEL_ACCOUNT);
	steps = kvmalloc_array(n, sizeof(*steps), GFP_KERNEL_ACCOUNT);
	hs = kvmalloc_array(n, sizeof(*hs), GFP_KERNEL_ACCOUNT);
	if (!objs || !steps || !hs)
		goto out;
	steps[n - 1].slot = PYHEAP_SLOT_NONE;
	while (i--) {
		objs[i] = w->q[e].obj;
		if (i)
			steps[i - 1].slot = why_slot(w, e);
		e = w->q[e].parent;
	}
	err = ucmd_open_handles(ucmd, objs, n, hs);
	if (err)
		goto out;
	for (i = 0; i < n; i++)
		steps[i].handle = hs[i];
	if (copy_to_user(u64_to_user_ptr(cmd->steps), steps,
			 n * sizeof(*steps)))
		err = -EFAULT;
	else
		err = ucmd_respond(ucmd, sizeof(*cmd));
out:
	kvfree(hs);
	kvfree(steps);
	kvfree(objs);
	return err;
}

int pyheap_ioc_gc_why(struct pyheap_ucmd *ucmd)
	__must_hold(&ucmd->heap->lock)
{
	struct pyheap_gc_why *cmd = ucmd->cmd;
	struct pyheap_walk w;
	struct why_roots roots = { .w = &w, .skip = cmd->handle };
	struct pyheap_obj *obj;
	u32 n = 0, e;
	int err;

	lockdep_assert_held(&ucmd->heap->lock);
	if (cmd->flags || cmd->__reserved || cmd->out_count)
		return -EINVAL;
	obj = ucmd_obj(ucmd, cmd->handle);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	pyheap_walk_init(&w, ucmd->heap, obj);
	err = pyheap_handles_for_each(ucmd->heap, why_add_root, &roots) ?:
	      pyheap_walk_run(&w);
	if (!err && w.found == PYHEAP_WALK_NONE)
		err = -ENOENT;
	if (err)
		goto out;
	for (e = w.found; e != PYHEAP_WALK_NONE; e = w.q[e].parent)
		n++;
	cmd->out_count = n;
	if (n > cmd->max)
		err = ucmd_respond(ucmd, sizeof(*cmd)) ?: -EOVERFLOW;
	else
		err = why_respond(ucmd, &w, n);
out:
	pyheap_walk_destroy(&w);
	return err;
}
