// SPDX-License-Identifier: GPL-2.0
/*
 * device.c - /dev/pyheap: opening a heap, and the ioctls all commands use
 *
 * Each open file of the device is one heap.  px() is the one place an
 * ioctl is issued: it fills in the size field every pyheap request
 * begins with and turns a failure into a negative errno.  The handle and
 * object helpers here are the ones the shell and graph both need.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "pyheapctl.h"

/* A new heap: open the device, or die saying how to get access to it. */
int heap_open(void)
{
	int fd = open(dev_path, O_RDWR | O_CLOEXEC | O_NONBLOCK);

	if (fd >= 0)
		return fd;
	if (errno == ENOENT)
		die("%s: no such device: load the module (insmod pyheap.ko)",
		    dev_path);
	if (errno == EACCES || errno == EPERM)
		die("%s: permission denied: %s", dev_path,
		    "join its group (see pyheap(4)) or run as root");
	die("%s: %s", dev_path, strerror(errno));
	return -1;
}

/* One ioctl; 0 or a negative errno.  The struct's size is set here. */
int px(int fd, unsigned long cmd, void *arg, __u32 size)
{
	*(__u32 *)arg = size;
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

/* Drop handle @h (0 is no handle, and is left alone). */
void handle_close(int fd, __u32 h)
{
	struct pyheap_handle_close c = { .handle = h };

	if (h)
		px(fd, PYHEAP_IOC_HANDLE_CLOSE, &c, sizeof(c));
}

/* A second handle to the object behind @h; dies if there is none. */
__u32 handle_dup(int fd, __u32 h)
{
	struct pyheap_handle_dup d = { .handle = h };

	if (px(fd, PYHEAP_IOC_HANDLE_DUP, &d, sizeof(d)))
		die("HANDLE_DUP: %s", strerror(errno));
	return d.out_handle;
}

/* What the collector knows of the object behind @h: 0 or a negative errno. */
int obj_info(int fd, __u32 h, struct pyheap_gc_obj_info *info)
{
	memset(info, 0, sizeof(*info));
	info->handle = h;
	return px(fd, PYHEAP_IOC_GC_OBJ_INFO, info, sizeof(*info));
}
