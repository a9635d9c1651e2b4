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

#include <kunit/visibility.h>
#include <pyheap/heap.h>
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
	u64			nr_ioctls;	/* H: ioctls that succeeded */
};

/* mod/heap.c */
extern struct mutex pyheap_heaps_mutex;
extern struct list_head pyheap_heaps;
void pyheap_heap_exit(void);

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
