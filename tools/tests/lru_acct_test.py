#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""lru_acct_test: what an LRU map costs is what its heap and memcg see.

Each map's memory (its struct, its hash table, its entries and values)
must count in the heap's byte limit at its slab size and be charged to
the caller's memory cgroup (issue 18, item 4: a map of maxsize 1 took
~1.3 KB of slab while the heap counted 72 B and the memcg ~350 B).

The slab cost is measured from /proc/slabinfo: the growth in objects of
the kmalloc caches times their size class, which is what the kernel asked
for (the debug kernels' red zones and KASAN metadata are not the map's),
and for the memcg, which charges whole slab objects, times the size each
object takes in its slab.
TAP; runs inside a VM with pyheap.ko loaded, as root.
"""
import errno
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "python"))
from pyheap import Heap, PyheapError  # noqa: E402

PARAM = "/sys/module/pyheap/parameters/heap_max_bytes"
CG = "/sys/fs/cgroup"
KMALLOC = re.compile(r"^kmalloc-(?:cg-|rcl-)?(\d+)(k?)$")


def kmalloc_bytes(full=False):
    """Bytes in use in the kmalloc caches, at their nominal sizes (what
    was asked for), or with @full at the size each object takes in its
    slab, debug metadata included, as the memcg charges them."""
    total = 0
    with open("/proc/slabinfo") as f:
        for line in f:
            fields = line.split()
            m = KMALLOC.match(fields[0]) if fields else None
            if not m:
                continue
            if full:
                size = int(fields[3])
            else:
                size = int(m.group(1)) << (10 if m.group(2) else 0)
            total += int(fields[1]) * size
    return total


def settle():
    """Let SLUB's and the memcg's per-CPU counts reach the totals (the
    memcg statistics are flushed every 2 s)."""
    time.sleep(2.5)


def open_limited(max_bytes):
    old = open(PARAM).read().strip()
    with open(PARAM, "w") as f:
        f.write(str(max_bytes))
    try:
        return Heap()
    finally:
        with open(PARAM, "w") as f:
            f.write(old)


def new_maps(h, n, entries):
    maps = []
    for i in range(n):
        m = h.lru_cache(1)
        for j in range(entries):
            m.set(b"k%07d" % i, b"v")
        maps.append(m)
    return maps


def slab_per_map(entries, n=4000):
    """Slab bytes and heap bytes one maxsize-1 map with @entries entries
    takes, measured over @n maps in an unlimited heap."""
    with Heap() as h:
        new_maps(h, 16, entries)     # warm the handle table and caches
        settle()
        slab0, heap0 = kmalloc_bytes(), h.info().bytes
        maps = new_maps(h, n, entries)
        settle()
        slab1, heap1 = kmalloc_bytes(), h.info().bytes
        del maps
    return (slab1 - slab0) / n, (heap1 - heap0) / n


def check_limit(entries):
    slab, heap = slab_per_map(entries)
    limit = 64 << 10
    with open_limited(limit) as h:
        maps = []
        try:
            while True:
                maps += new_maps(h, 1, entries)
        except PyheapError as e:
            assert e.errno == errno.ENOSPC, e
        n = len(maps)
        assert h.info().bytes <= limit, h.info()
    note = ("%d entries: %.0f B slab, %.0f B heap per map; %d maps in "
            "64 KiB" % (entries, slab, heap, n))
    # The heap counts the map object itself (from its own pools) on top
    # of the slab, so it may only count more.
    assert heap >= 0.9 * slab, note
    assert n * slab <= limit, note
    return note


def test_empty_maps_fill_the_heap_limit_by_their_slab_cost():
    """Maps of maxsize 1 until ENOSPC: as many as their slab cost fits."""
    return check_limit(0)


def test_maps_with_an_entry_fill_the_heap_limit_by_their_slab_cost():
    """The same with one entry each: entry and value counted as slab."""
    return check_limit(1)


def cgroup_v2():
    if not os.path.exists(CG + "/cgroup.controllers"):
        os.makedirs(CG, exist_ok=True)
        os.system("mount -t cgroup2 none %s 2>/dev/null" % CG)
    return os.path.exists(CG + "/cgroup.controllers")


def memcg_slab(path):
    with open(path + "/memory.stat") as f:
        for line in f:
            k, v = line.split()
            if k == "slab":
                return int(v)
    raise AssertionError("no slab in memory.stat")


def test_memcg_is_charged_for_every_map_byte():
    """20,000 maps with an entry each: the memcg's slab grows as the
    kmalloc caches do (all of a map's allocations are accounted)."""
    assert cgroup_v2(), "no cgroup2 in this VM"
    with open(CG + "/cgroup.subtree_control", "w") as f:
        f.write("+memory")
    path = CG + "/pyheap_lru_acct"
    os.makedirs(path, exist_ok=True)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 2
        try:
            with open(path + "/cgroup.procs", "w") as f:
                f.write(str(os.getpid()))
            with Heap() as h:
                new_maps(h, 16, 1)
                settle()
                cg0, slab0 = memcg_slab(path), kmalloc_bytes(True)
                maps = new_maps(h, 20000, 1)
                settle()
                cg1, slab1 = memcg_slab(path), kmalloc_bytes(True)
                os.write(w, b"%d %d" % (cg1 - cg0, slab1 - slab0))
                del maps
            code = 0
        except Exception as e:  # reported through the exit status
            os.write(w, repr(e).encode())
        os._exit(code)
    os.close(w)
    _, status = os.waitpid(pid, 0)
    got = os.read(r, 256).decode()
    os.close(r)
    os.rmdir(path)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, got
    cg, slab = (int(x) for x in got.split())
    note = "memcg slab +%d B, kmalloc caches +%d B (%.0f and %.0f B a map)" \
        % (cg, slab, cg / 20000, slab / 20000)
    # Both count whole objects; the memcg also a pointer to itself per
    # object, and the kernel's own allocations meanwhile go to neither or
    # only the second: within 20%.
    assert 0.8 * slab <= cg <= 1.2 * slab, note
    return note


if __name__ == "__main__":
    from taplib import run_tests
    raise SystemExit(run_tests(globals()))
