/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pyheap internals shared by the module and its KUnit suites
 *
 * Lock order: pyheap_heaps_mutex -> heap->lock
 */
#ifndef _PYHEAP_INTERNAL_H
#define _PYHEAP_INTERNAL_H

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/types.h>

#include <linux/xarray.h>

#include <kunit/visibility.h>
#include <pyheap/heap.h>
#include <pyheap/obj.h>
#include <pyheap/obmalloc.h>

struct dentry;

/*
 * Tags: I: set at creation, then read-only   H: heap->lock
 *       L: pyheap_heaps_mutex                 A: atomic, no lock
 */
struct pyheap_heap {
	struct kref		ref;		/* A: struct lifetime only */
	struct mutex		lock;		/* the GIL of this heap */
	u64			id;		/* I: unique, never reused */
	pid_t			owner;		/* I: tgid of the creator */
	struct pyheap_limits	limits;		/* I: from the module params */
	struct list_head	node;		/* L: on pyheap_heaps */
	struct dentry		*debugfs;	/* I: debugfs directory <id> */
	struct pyheap_obmalloc	*alloc;		/* H: small-object allocator */
	struct list_head	objects;	/* H: every live object */
	struct list_head	tofree;		/* H: dead, not yet freed */
	bool			draining;	/* H: the to-free loop runs */
	struct xarray		handles;	/* H: handle -> object */
	u64			nr_handles;	/* H */
	u64			nr_objects;	/* H: live objects */
	u64			nr_bytes;	/* H: their size classes */
	u64			nr_freed;	/* H: objects freed, ever */
	u64			bad_puts;	/* H: puts below zero refused */
	u64			nr_ioctls;	/* H: ioctls that succeeded */
	struct {
		u64		objects;
		u64		bytes;
	}			types[PYHEAP_MAX_TYPES];	/* H: by id */
};

/* pyheap_obj.flags */
#define PYHEAP_OBJF_VISITED	BIT(0)	/* marked by a walk */

/* mod/heap.c */
extern struct mutex pyheap_heaps_mutex;
extern struct list_head pyheap_heaps;
void pyheap_heap_exit(void);

/* mod/obj.c */
extern const struct pyheap_type *pyheap_types[PYHEAP_MAX_TYPES];
void pyheap_obj_teardown(struct pyheap_heap *heap);

/* mod/uobj.c */
extern struct pyheap_type pyheap_uobj_type;
size_t pyheap_uobj_size(u32 nslots, u32 payload_size);
bool pyheap_is_uobj(const struct pyheap_obj *obj);
struct pyheap_obj *pyheap_uobj_new(struct pyheap_heap *heap, u32 nslots,
				   u32 payload_size);
int pyheap_uobj_set_slot(struct pyheap_heap *heap, struct pyheap_obj *obj,
			 u32 index, struct pyheap_obj *target);
int pyheap_uobj_get_slot(struct pyheap_obj *obj, u32 index,
			 struct pyheap_obj **target);
u8 *pyheap_uobj_payload(struct pyheap_obj *obj, u64 offset, u32 len,
			int *err);

/* mod/handle.c */
int pyheap_handle_open(struct pyheap_heap *heap, struct pyheap_obj *obj,
		       u32 *handle);
struct pyheap_obj *pyheap_handle_lookup(struct pyheap_heap *heap, u32 handle);
int pyheap_handle_close(struct pyheap_heap *heap, u32 handle);
void pyheap_handles_close_all(struct pyheap_heap *heap);

/* mod/dev.c */
int pyheap_dev_init(void);
void pyheap_dev_exit(void);

/* mod/debugfs.c */
void pyheap_debugfs_init(void);
void pyheap_debugfs_exit(void);
void pyheap_debugfs_heap_add(struct pyheap_heap *heap);
void pyheap_debugfs_heap_remove(struct pyheap_heap *heap);

#if IS_ENABLED(CONFIG_KUNIT)
unsigned int pyheap_obmalloc_fail_nth(struct pyheap_obmalloc *pa,
				      unsigned int nth);
unsigned int pyheap_obmalloc_nempty_arenas(struct pyheap_obmalloc *pa);
bool pyheap_heap_listed(struct pyheap_heap *heap);
long pyheap_dev_ioctl(struct pyheap_heap *heap, unsigned int cmd,
		      unsigned long arg);
#endif

#endif /* _PYHEAP_INTERNAL_H */
