// SPDX-License-Identifier: GPL-2.0
/*
 * pyheap heaps: creation, teardown and the list debugfs walks
 *
 * A heap has two lifetimes.  Its contents live from pyheap_heap_create() to
 * pyheap_heap_destroy(); the struct itself lives until the last
 * pyheap_heap_put(), for in-kernel users that keep a pointer to it.
 * debugfs holds no reference, and needs none: no reader reaches a heap
 * that pyheap_heap_destroy() has begun to empty.  A top-level file finds
 * heaps on the list, under pyheap_heaps_mutex, and the heap leaves the
 * list first.  A file of the heap's <id>/ directory reaches the heap
 * directly, so the directory goes next: debugfs_remove_recursive() waits
 * for the reads in flight, and a read of a file still open afterwards
 * fails with -EIO without calling into pyheap.  Only then do the contents
 * go, and the struct with the last reference.
 *
 * Locking: pyheap_heaps_mutex protects pyheap_heaps.  heap->lock protects
 * everything in the heap tagged H in mod/internal.h.
 * Lock order: "Lock order" in mod/internal.h (2 -> 3, rules a and b).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/lockdep.h>
#include <linux/memcontrol.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/pid.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/workqueue.h>

#include "internal.h"

/* Every live heap, for debugfs; a heap leaves it in pyheap_heap_destroy(). */
DEFINE_MUTEX(pyheap_heaps_mutex);
LIST_HEAD(pyheap_heaps);

static atomic64_t pyheap_next_id = ATOMIC64_INIT(0);

/*
 * Defaults for new heaps.  Each heap copies them when it is created, so
 * changing a parameter affects only heaps opened afterwards.
 */
static unsigned long heap_max_objects = 1UL << 20;
module_param(heap_max_objects, ulong, 0644);
MODULE_PARM_DESC(heap_max_objects,
		 "Most live objects in one heap (default 1048576)");

static unsigned long heap_max_bytes = 256UL << 20;
module_param(heap_max_bytes, ulong, 0644);
MODULE_PARM_DESC(heap_max_bytes,
		 "Most bytes of object memory in one heap (default 256 MiB)");

static unsigned long heap_max_handles = 1UL << 20;
module_param(heap_max_handles, ulong, 0644);
MODULE_PARM_DESC(heap_max_handles,
		 "Most open handles in one heap (default 1048576)");

static const char * const obmalloc_mode_names[] = {
	[PYHEAP_OBMALLOC_POOL] = "pool",
	[PYHEAP_OBMALLOC_DEBUG] = "debug",
	[PYHEAP_OBMALLOC_PASSTHROUGH] = "passthrough",
};

static int obmalloc_mode_set(const char *val, const struct kernel_param *kp)
{
	int i = sysfs_match_string(obmalloc_mode_names, val);

	if (i < 0)
		return -EINVAL;
	*(int *)kp->arg = i;
	return 0;
}

static int obmalloc_mode_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n", obmalloc_mode_names[*(int *)kp->arg]);
}

static const struct kernel_param_ops obmalloc_mode_ops = {
	.set = obmalloc_mode_set,
	.get = obmalloc_mode_get,
};

static int obmalloc_mode = PYHEAP_OBMALLOC_POOL;
module_param_cb(obmalloc_mode, &obmalloc_mode_ops, &obmalloc_mode, 0644);
MODULE_PARM_DESC(obmalloc_mode,
		 "Allocator of new heaps: pool (default), debug or passthrough");

/**
 * pyheap_heap_create() - create an empty heap
 * @limits: the heap's caps, or NULL for the module parameters' values
 *
 * The allocator mode is copied from the module parameter now.  The heap's
 * memory is charged to the caller's memory cgroup.
 *
 * Context: Process context.  Takes and releases pyheap_heaps_mutex.
 * Return: the new heap, holding one reference that pyheap_heap_destroy()
 * drops, or ERR_PTR(-ENOMEM).
 */
struct pyheap_heap *pyheap_heap_create(const struct pyheap_limits *limits)
{
	struct pyheap_heap *heap;

	heap = kzalloc(sizeof(*heap), GFP_KERNEL_ACCOUNT);
	if (!heap)
		return ERR_PTR(-ENOMEM);

	kref_init(&heap->ref);
	mutex_init(&heap->lock);
	heap->id = atomic64_inc_return(&pyheap_next_id);
	get_random_bytes(&heap->id_key, sizeof(heap->id_key));
	heap->owner = task_tgid_nr(current);
	/* Work done on the heap's behalf is charged here (see gc.c). */
	heap->memcg = get_mem_cgroup_from_mm(NULL);
	if (limits) {
		heap->limits = *limits;
	} else {
		heap->limits.max_objects = READ_ONCE(heap_max_objects);
		heap->limits.max_bytes = READ_ONCE(heap_max_bytes);
		heap->limits.max_handles = READ_ONCE(heap_max_handles);
	}
	INIT_LIST_HEAD(&heap->tofree);
	xa_init(&heap->released);
	INIT_LIST_HEAD(&heap->lru_maps);
	init_waitqueue_head(&heap->lru_wait);
	pyheap_gc_heap_init(heap);
	pyheap_events_init(heap);
	/* An anchor for reclaim to find the heap by (mod/shrink.c). */
	if (pyheap_shrink_heap_add(heap))
		heap->alloc = ERR_PTR(-ENOMEM);
	else
		heap->alloc = pyheap_obmalloc_create(&heap->lock,
						     READ_ONCE(obmalloc_mode));
	if (IS_ERR(heap->alloc)) {
		long err = PTR_ERR(heap->alloc);

		/* Reclaim may hold the heap since the anchor went on. */
		pyheap_shrink_heap_remove(heap);
		pyheap_heap_put(heap);
		return ERR_PTR(err);
	}

	pyheap_debugfs_heap_add(heap);	/* debug only, may fail */
	mutex_lock(&pyheap_heaps_mutex);
	list_add_tail(&heap->node, &pyheap_heaps);
	mutex_unlock(&pyheap_heaps_mutex);
	return heap;
}
EXPORT_SYMBOL_GPL(pyheap_heap_create);

/*
 * The arenas of discarded heaps go back to the page allocator from here,
 * so that closing a heap costs the same whatever its size; see
 * pyheap_heap_destroy().  Module exit drains it (destroy_workqueue()).
 */
static struct workqueue_struct *pyheap_reap_wq;

static void heap_free(struct kref *ref)
{
	struct pyheap_heap *heap = container_of(ref, struct pyheap_heap, ref);

	mem_cgroup_put(heap->memcg);
	mutex_destroy(&heap->lock);
	kfree(heap);
}

/**
 * pyheap_heap_get() - take a reference on a heap's struct
 * @heap: heap from pyheap_heap_create()
 *
 * The reference keeps the struct, not its contents: after
 * pyheap_heap_destroy() the heap is empty and refuses new work.
 *
 * Context: Any context.
 */
void pyheap_heap_get(struct pyheap_heap *heap)
{
	kref_get(&heap->ref);
}
EXPORT_SYMBOL_GPL(pyheap_heap_get);

/**
 * pyheap_heap_put() - drop a reference from pyheap_heap_get()
 * @heap: heap to release
 *
 * Context: Process context; may free the heap.
 */
void pyheap_heap_put(struct pyheap_heap *heap)
{
	kref_put(&heap->ref, heap_free);
}
EXPORT_SYMBOL_GPL(pyheap_heap_put);

/*
 * The second half of a pool-mode teardown: return the arenas and the
 * kmalloc() blocks of a heap whose objects are already gone.  The work
 * holds a reference on the heap's struct, and takes heap->lock only
 * because the allocator's calls assert it; nothing else can reach the
 * heap by now.
 */
static void heap_reap(struct work_struct *work)
{
	struct pyheap_heap *heap = container_of(work, struct pyheap_heap,
						reap);

	mutex_lock(&heap->lock);
	pyheap_obmalloc_discard(heap->alloc);
	heap->alloc = NULL;
	mutex_unlock(&heap->lock);
	pyheap_heap_put(heap);
}

/**
 * pyheap_heap_destroy() - free everything in a heap and drop its creator's
 * reference
 * @heap: heap from pyheap_heap_create(); must not be used afterwards
 *
 * The heap leaves the global list and its debugfs directory goes (waiting
 * for readers in flight), so no reader can find it; then, under its lock,
 * every handle is closed, every object freed (cycles included, and
 * objects an in-kernel user still references: put them first), and every
 * arena returned.  In the pool mode of the allocator only the objects of
 * types with a ->release are visited, and the rest go with their arenas,
 * so the cost does not grow with the number of small objects; the debug
 * and passthrough modes clear and free each object, and warn of those an
 * in-kernel user still references.
 *
 * In the pool mode the arenas go back from a work item, after this
 * returns: what is left to do then grows with the heap's memory (a
 * million small objects fill tens of arenas of 1 MiB), and the closing
 * task need not wait for it, as a BPF map's memory goes back from a work
 * item after its last reference.  pyheap_heap_reap_wait() waits for it.
 * Until then the pages stay charged to the heap's memory cgroup.
 *
 * Context: Process context.  Takes and releases pyheap_heaps_mutex, then
 * heap->lock.
 */
void pyheap_heap_destroy(struct pyheap_heap *heap)
{
	mutex_lock(&pyheap_heaps_mutex);
	list_del_init(&heap->node);
	mutex_unlock(&pyheap_heaps_mutex);
	pyheap_debugfs_heap_remove(heap);
	pyheap_shrink_heap_remove(heap);
	pyheap_gc_shutdown(heap);

	mutex_lock(&heap->lock);
	/* The checking modes free block by block, through their checks. */
	heap->discarding = pyheap_obmalloc_mode(heap->alloc) ==
			   PYHEAP_OBMALLOC_POOL;
	pyheap_handles_close_all(heap);
	pyheap_ulru_release_deferred(heap);
	pyheap_events_release(heap);
	pyheap_gc_release(heap);
	if (heap->discarding) {
		pyheap_obj_discard(heap);
		/* The creator's reference passes to the work. */
		INIT_WORK(&heap->reap, heap_reap);
		queue_work(pyheap_reap_wq, &heap->reap);
		mutex_unlock(&heap->lock);
		return;
	}
	pyheap_obj_teardown(heap);
	pyheap_obmalloc_destroy(heap->alloc);
	heap->alloc = NULL;
	mutex_unlock(&heap->lock);

	pyheap_heap_put(heap);
}
EXPORT_SYMBOL_GPL(pyheap_heap_destroy);

/**
 * pyheap_heap_reap_wait() - wait until destroyed heaps have given back
 * their memory
 *
 * pyheap_heap_destroy() of a pool-mode heap returns its arenas from a work
 * item.  After this returns, every heap destroyed before the call has
 * returned all of its memory.
 *
 * Context: Process context; sleeps.  Must not be called with any heap's
 * lock held (the work takes it; rule f in mod/internal.h).
 */
void pyheap_heap_reap_wait(void)
{
	flush_workqueue(pyheap_reap_wq);
}
EXPORT_SYMBOL_GPL(pyheap_heap_reap_wait);

/**
 * pyheap_heap_id() - the heap's identifier
 * @heap: any heap
 *
 * Identifiers are unique for the module's lifetime and name the heap in
 * debugfs and in ioctl(PYHEAP_IOC_VERSION).
 *
 * Context: Any context.
 * Return: the identifier, at least 1.
 */
u64 pyheap_heap_id(const struct pyheap_heap *heap)
{
	return heap->id;
}
EXPORT_SYMBOL_GPL(pyheap_heap_id);

/**
 * pyheap_heap_limits() - read the caps a heap was created with
 * @heap: any heap
 * @limits: filled with the heap's caps
 *
 * Context: Any context.
 */
void pyheap_heap_limits(const struct pyheap_heap *heap,
			struct pyheap_limits *limits)
{
	*limits = heap->limits;
}
EXPORT_SYMBOL_GPL(pyheap_heap_limits);

/**
 * pyheap_heap_lock() - take a heap's lock (its GIL)
 * @heap: heap to lock
 *
 * Context: Process context; sleeps.
 */
void pyheap_heap_lock(struct pyheap_heap *heap)
	__acquires(&heap->lock)
{
	mutex_lock(&heap->lock);
	__acquire(&heap->lock);
}
EXPORT_SYMBOL_GPL(pyheap_heap_lock);

/**
 * pyheap_heap_unlock() - release the lock taken by pyheap_heap_lock()
 * @heap: heap to unlock
 *
 * Context: Process context, heap->lock held.
 */
void pyheap_heap_unlock(struct pyheap_heap *heap)
	__releases(&heap->lock)
{
	__release(&heap->lock);
	mutex_unlock(&heap->lock);
}
EXPORT_SYMBOL_GPL(pyheap_heap_unlock);

#if IS_ENABLED(CONFIG_KUNIT)
/* Whether @heap is on pyheap_heaps, for the KUnit suites. */
bool pyheap_heap_listed(struct pyheap_heap *heap)
{
	struct pyheap_heap *pos;
	bool found = false;

	mutex_lock(&pyheap_heaps_mutex);
	list_for_each_entry(pos, &pyheap_heaps, node)
		found |= pos == heap;
	mutex_unlock(&pyheap_heaps_mutex);
	return found;
}
EXPORT_SYMBOL_IF_KUNIT(pyheap_heap_listed);
#endif

int pyheap_heap_init(void)
{
	pyheap_reap_wq = alloc_workqueue("pyheap_reap", WQ_UNBOUND, 0);
	return pyheap_reap_wq ? 0 : -ENOMEM;
}

/*
 * Every heap belongs to an open file or an in-kernel user holding a module
 * reference, so none can remain when the module goes away; the memory of
 * the last ones destroyed may still be on its way back.
 */
void pyheap_heap_exit(void)
{
	mutex_lock(&pyheap_heaps_mutex);
	WARN_ON_ONCE(!list_empty(&pyheap_heaps));
	mutex_unlock(&pyheap_heaps_mutex);
	destroy_workqueue(pyheap_reap_wq);
}
