#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""limits_test: memory cgroup charging, and no kernel pointer leaking out.

TAP; runs inside a VM with pyheap.ko loaded, as root.
"""
import errno
import fcntl
import glob
import os
import re
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "python"))
import pyheap  # noqa: E402
from pyheap import Heap, PyheapError  # noqa: E402

CG = "/sys/fs/cgroup"
KERNEL_ADDR = re.compile(rb"ffff[89a-f][0-9a-f]{11}", re.I)


def cgroup_v2():
    if not os.path.exists(CG + "/cgroup.controllers"):
        os.makedirs(CG, exist_ok=True)
        os.system("mount -t cgroup2 none %s 2>/dev/null" % CG)
    return os.path.exists(CG + "/cgroup.controllers")


def test_memcg_64mib_gives_enomem():
    """A heap in a 64 MiB memory cgroup gets ENOMEM, not the machine."""
    assert cgroup_v2(), "no cgroup2 in this VM"
    with open(CG + "/cgroup.subtree_control", "w") as f:
        f.write("+memory")
    path = CG + "/pyheap_test"
    os.makedirs(path, exist_ok=True)
    with open(path + "/memory.max", "w") as f:
        f.write(str(64 << 20))
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 3
        try:
            with open(path + "/cgroup.procs", "w") as f:
                f.write(str(os.getpid()))
            h = Heap()
            keep = []
            for i in range(200):          # 200 MiB asked, 64 allowed
                keep.append(h.new(size=1 << 20))
            code = 1                       # never refused
        except PyheapError as e:
            code = 0 if e.errno == errno.ENOMEM else 2
            os.write(w, b"%d" % len(keep))
        os._exit(code)
    os.close(w)
    _, status = os.waitpid(pid, 0)
    got = os.read(r, 16).decode()
    os.close(r)
    os.rmdir(path)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, \
        (status, got)
    with Heap() as h:                      # the rest of the system is fine
        h.new(size=1 << 20)
    return "ENOMEM after %s MiB of objects" % got


def test_outputs_carry_no_kernel_pointer_and_stay_in_bounds():
    """Every struct lands in a page of 0xa5 bytes: nothing past its size
    changes, and no output looks like a kernel address."""
    with Heap() as h:
        a = h.new(slots=2, size=16)
        a[0] = a
        c = h.lru_cache(4)
        c.set("k", b"v")
        calls = [
            (pyheap.CMD_VERSION, pyheap._VERSION, (24, 0, 0, 0, 0)),
            (pyheap.CMD_OBJ_NEW, pyheap._OBJ_NEW, (24, 0, 1, 8, 0, 0)),
            (pyheap.CMD_HANDLE_DUP, pyheap._HANDLE_DUP,
             (16, 0, a.handle, 0)),
            (pyheap.CMD_SLOT_GET, pyheap._SLOT, (24, 0, a.handle, 0, 0, 0)),
            (pyheap.CMD_GETSIZEOF, pyheap._GETSIZEOF,
             (48, 1, a.handle, 0, 0, 0, 0, 0)),
            (pyheap.CMD_HEAP_INFO, pyheap._HEAP_INFO,
             (56, 0, 0, 0, 0, 0, 0, 0)),
            (pyheap.CMD_GC_COLLECT, pyheap._GC_COLLECT, (24, 0, 2, 0, 0)),
            (pyheap.CMD_GC_GET, pyheap._GC_STATE,
             (72,) + (0,) * 14),
            (pyheap.CMD_GC_STATS, pyheap._GC_STATS, (176,) + (0,) * 22),
            (pyheap.CMD_GC_OBJ_INFO, pyheap._GC_OBJ_INFO,
             (32, 0, a.handle, 0, 0, 0, 0, 0)),
            (pyheap.CMD_LRU_INFO, pyheap._LRU_INFO,
             (56, 0, c.obj.handle, 0, 0, 0, 0, 0, 0)),
        ]
        for cmd, layout, fields in calls:
            page = bytearray(b"\xa5" * 4096)
            layout.pack_into(page, 0, *fields)
            fcntl.ioctl(h.fd, (0xB9 << 8) | cmd, page)
            assert page[layout.size:] == b"\xa5" * (4096 - layout.size), \
                "cmd %d wrote past its struct" % cmd
            assert not KERNEL_ADDR.search(page[:layout.size].hex().encode()
                                          ), "cmd %d: %s" % (cmd, page[:64])
        for path in glob.glob("/sys/kernel/debug/pyheap/**", recursive=True):
            if os.path.isfile(path):
                data = open(path, "rb").read()
                assert not KERNEL_ADDR.search(data), path
    return "%d ioctls, every debugfs file" % len(calls)


if __name__ == "__main__":
    from taplib import run_tests
    raise SystemExit(run_tests(globals()))
