// SPDX-License-Identifier: GPL-2.0
/*
 * pyheap: CPython's memory model as a kernel service
 *
 * Module init and exit, and nothing else.  See Documentation/pyheap/.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/module.h>

#include <uapi/linux/pyheap.h>
#include "internal.h"

static int __init pyheap_init(void)
{
	int err;

	err = pyheap_type_register(&pyheap_uobj_type);
	if (err)
		return err;
	err = pyheap_type_register(&pyheap_ulru_type);
	if (err)
		goto err_uobj_unregister;
	err = pyheap_gc_init();
	if (err)
		goto err_type_unregister;
	err = pyheap_heap_init();
	if (err)
		goto err_gc_exit;
	err = pyheap_shrink_init();
	if (err)
		goto err_heap_exit;
	pyheap_debugfs_init();	/* debug only, don't abort if it fails */
	err = pyheap_dev_init();
	if (err)
		goto err_debugfs_exit;
	pr_info("ABI %d.%d ready on /dev/pyheap\n", PYHEAP_ABI_MAJOR,
		PYHEAP_ABI_MINOR);
	return 0;

err_debugfs_exit:
	pyheap_debugfs_exit();
	pyheap_shrink_exit();
err_heap_exit:
	pyheap_heap_exit();
err_gc_exit:
	pyheap_gc_exit();
err_type_unregister:
	pyheap_type_unregister(&pyheap_ulru_type);
err_uobj_unregister:
	pyheap_type_unregister(&pyheap_uobj_type);
	return err;
}

static void __exit pyheap_exit(void)
{
	pyheap_dev_exit();
	pyheap_debugfs_exit();
	pyheap_heap_exit();
	pyheap_shrink_exit();
	pyheap_gc_exit();
	pyheap_type_unregister(&pyheap_ulru_type);
	pyheap_type_unregister(&pyheap_uobj_type);
}

module_init(pyheap_init);
module_exit(pyheap_exit);

MODULE_DESCRIPTION("pyheap: CPython's memory model (obmalloc, refcounts, gc, lru_cache) in the kernel");
MODULE_AUTHOR("The pyheap developers");
MODULE_LICENSE("GPL");
