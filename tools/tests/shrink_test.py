#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""shrink_test: under a memory cgroup's limit, may-shrink maps give way.

Issue 22, "Memory pressure": a heap's shrinker evicts least recent
entries of the maps made with PYHEAP_LRU_MAY_SHRINK, and queues a
collection, when the heap's memory cgroup is short of memory; maps
without the flag keep every entry.

The pressure test runs in a child moved into its own cgroup with
memory.high below what it stores and memory.max above it, and no swap.
memory.high's reclaim runs as the task returns to user space, with no
heap lock held, so the shrinker can take the heap's lock; see "Which
limit" in Documentation/pyheap/shrinker.rst for why reclaim inside the
heap's own ioctl cannot.  The child fills a may-shrink map with four
times memory.high, and keeps two maps without the flag (one in the same
heap, one in a second heap of the same cgroup) and a heap of garbage
cycles beside it.  It must not be OOM-killed; the may-shrink map must
have lost entries, each counted as an eviction; the maps without the
flag must hold every entry; debugfs's shrinker table must show counts,
scans and evictions, and a collection that ran.
TAP; runs inside a VM with pyheap.ko loaded, as root.
"""
import errno
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "python"))
from pyheap import (Heap, PyheapError, PyheapLruNew,  # noqa: E402
                    PYHEAP_CMD_LRU_NEW, PYHEAP_LRU_MAY_SHRINK)

CG = "/sys/fs/cgroup"
DEBUGFS = "/sys/kernel/debug/pyheap"
MIB = 1 << 20
HIGH = 24 * MIB                 # memory.high of the pressure group
VALUE = b"v" * 60000            # a value record of one 64 KiB block
FILL = 4 * HIGH // 65536        # may-shrink entries stored: 4 x high
KEEP = 32                       # entries of each map without the flag
CYCLES = 2000                   # pairs of objects that refer to each other


def cgroup_v2():
    if not os.path.exists(CG + "/cgroup.controllers"):
        os.makedirs(CG, exist_ok=True)
        os.system("mount -t cgroup2 none %s 2>/dev/null" % CG)
    return (os.path.exists(CG + "/cgroup.controllers") and
            "memory" in open(CG + "/cgroup.controllers").read().split())


def shrinker_row(heap_id):
    """debugfs <heap>/shrinker as a dict of its columns."""
    with open("%s/%d/shrinker" % (DEBUGFS, heap_id)) as f:
        lines = f.read().splitlines()
    assert lines[0] == "pyheap_shrinker - version: 1.0", lines[0]
    names = lines[1].lstrip("#").split()
    rows = [dict(zip(names, map(int, line.split()))) for line in lines[2:]]
    assert len(rows) == 1 and rows[0]["heap"] == heap_id, lines
    return rows[0]


def lru_rows(heap_id):
    with open("%s/%d/lru" % (DEBUGFS, heap_id)) as f:
        lines = f.read().splitlines()
    assert lines[0] == "pyheap_lru - version: 1.1", lines[0]
    names = lines[1].lstrip("#").split()
    return [dict(zip(names, map(int, line.split()))) for line in lines[2:]]


def fill_under_pressure():
    """The child's work, in the pressure cgroup: a JSON report."""
    h, h2 = Heap(), Heap()
    h.set_threshold(1000000)    # only the shrinker collects here
    keep = h.lru_cache(None)
    keep2 = h2.lru_cache(None)
    for i in range(KEEP):
        keep.set(i, VALUE)
        keep2.set(i, VALUE)
    for _ in range(CYCLES):
        a, b = h.new(slots=1), h.new(slots=1)
        a[0], b[0] = b, a
        a.close()
        b.close()
    shrink = h.lru_cache(None, may_shrink=True)
    for i in range(FILL):
        shrink.set(i, VALUE)
    time.sleep(1)               # let the queued collection run
    out = {
        "shrink": shrink.cache_info()._asdict(),
        "shrink_evictions": shrink.evictions(),
        "keep": keep.cache_info()._asdict(),
        "keep_evictions": keep.evictions(),
        "keep2": keep2.cache_info()._asdict(),
        "keep2_evictions": keep2.evictions(),
        "hits": sum(keep.get(i) == VALUE for i in range(KEEP)),
        "debugfs": shrinker_row(h.id),
        "debugfs2": shrinker_row(h2.id),
        "lru": lru_rows(h.id),
        "gc_count": h.get_count(),
    }
    h2.close()
    h.close()
    return out


def in_cgroup(name, high, fn):
    """Run fn() in a child moved into cgroup name, with memory.high
    @high, memory.max four times that and no swap: (wait status, what fn
    returned or the error it raised, the group's memory.events)."""
    with open(CG + "/cgroup.subtree_control", "w") as f:
        f.write("+memory")
    path = CG + "/" + name
    os.makedirs(path, exist_ok=True)
    for knob, value in (("memory.high", high), ("memory.max", 4 * high),
                        ("memory.swap.max", 0)):
        if os.path.exists(path + "/" + knob):
            with open(path + "/" + knob, "w") as f:
                f.write(str(value))
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 2
        try:
            os.close(r)
            with open(path + "/cgroup.procs", "w") as f:
                f.write(str(os.getpid()))
            os.write(w, json.dumps(fn()).encode())
            code = 0
        except BaseException as e:  # reported through the pipe
            os.write(w, json.dumps({"error": repr(e)}).encode())
        os._exit(code)
    os.close(w)
    chunks = []
    while True:
        chunk = os.read(r, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(r)
    _, status = os.waitpid(pid, 0)
    with open(path + "/memory.events") as f:
        events = dict(line.split() for line in f)
    os.rmdir(path)
    got = json.loads(b"".join(chunks) or b"{}")
    return status, got, {k: int(v) for k, v in events.items()}


def test_may_shrink_map_gives_way_under_memory_high():
    if not cgroup_v2():
        return "SKIP: no cgroup2 memory controller in this VM"
    status, got, events = in_cgroup("pyheap_shrink", HIGH,
                                    fill_under_pressure)
    assert events.get("oom_kill", 0) == 0, events
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, \
        (status, got)
    s, d = got["shrink"], got["debugfs"]
    # the may-shrink map shrank, by evictions only
    assert got["shrink_evictions"] > 0, got
    assert s["currsize"] < FILL, got
    assert s["currsize"] + got["shrink_evictions"] == FILL, got
    # the maps without the flag kept every entry, in both heaps
    for k in ("keep", "keep2"):
        assert got[k]["currsize"] == KEEP and got[k + "_evictions"] == 0, \
            (k, got)
    assert got["hits"] == KEEP, got
    # debugfs saw the shrinker at work on the first heap ...
    assert d["counts"] > 0 and d["scans"] > 0, d
    assert d["freed"] == got["shrink_evictions"], (d, got)
    assert d["queued"] >= 1 and d["collected"] >= 1, d
    # ... and take nothing from the second, which had nothing to give
    assert got["debugfs2"]["freed"] == 0, got["debugfs2"]
    assert [r["may_shrink"] for r in got["lru"]] == [0, 1], got["lru"]
    return ("%d of %d entries evicted, %d kept; shrinker: %d counts, %d "
            "scans (%d busy), %d collections; memory.events high %d, "
            "max %d" % (got["shrink_evictions"], FILL, s["currsize"],
                        d["counts"], d["scans"], d["busy"], d["collected"],
                        events.get("high", 0), events.get("max", 0)))


def test_may_shrink_flag_and_unknown_flags():
    """The flag is taken and shown; the next bit is still refused."""
    with Heap() as h:
        c = h.lru_cache(4, may_shrink=True)
        assert c.may_shrink
        c.set(1, b"x")
        assert c.get(1) == b"x"
        assert [r["may_shrink"] for r in lru_rows(h.id)] == [1]
        try:
            h._ioctl(PYHEAP_CMD_LRU_NEW, PyheapLruNew(
                flags=PYHEAP_LRU_MAY_SHRINK << 1, maxsize=4))
        except PyheapError as e:
            assert e.errno == errno.EINVAL, e
        else:
            raise AssertionError("an unknown LRU_NEW flag was taken")
        row = shrinker_row(h.id)
        assert row["freed"] == 0, row


def test_may_shrink_cache_refuses_surrogate_keys():
    """Keys the binding keeps alive itself cannot be in a map that the
    shrinker evicts from behind its back: TypeError, before any call."""
    class Key:
        def __hash__(self):
            return 1

        def __eq__(self, other):
            return isinstance(other, Key)

    calls = []
    with Heap() as h:
        c = h.lru_cache(8, may_shrink=True)
        for op in (lambda: c.set(Key(), 1), lambda: c.get(Key()),
                   lambda: c.set(float("nan"), 1)):
            try:
                op()
            except TypeError:
                continue
            raise AssertionError("a surrogate key was taken")

        @h.lru_cache(8, may_shrink=True)
        def f(x):
            calls.append(x)
            return x

        assert f(3) == 3 and f(3) == 3 and calls == [3]
        try:
            f(Key())
        except TypeError:
            pass
        else:
            raise AssertionError("the decorator took a surrogate key")
        assert calls == [3], calls
        # the same keys are fine without the flag
        plain = h.lru_cache(8)
        plain.set(Key(), 1)
        assert plain.get(Key()) == 1


if __name__ == "__main__":
    from taplib import run_tests
    raise SystemExit(run_tests(globals()))
