#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""gc_test: the collector's user-space interface, through the binding.

Each case mirrors what Python's gc module does for the same program.  TAP;
runs inside a VM with pyheap.ko loaded (tools/vm/vmtest).
"""
import errno
import fcntl
import os
import select
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "python"))
import pyheap  # noqa: E402
from pyheap import Heap, PyheapError  # noqa: E402


def heap():
    h = Heap()
    h.disable()          # explicit collections only, as in the seed
    return h


def test_defaults_are_cpythons():
    with Heap() as h:
        assert h.isenabled()
        assert h.get_threshold() == (700, 10, 10), h.get_threshold()
        assert h.get_count() == (0, 0, 0)
        assert h.get_freeze_count() == 0
        h.set_threshold(100)
        assert h.get_threshold() == (100, 10, 10)
        h.set_threshold(5, 6, 7)
        assert h.get_threshold() == (5, 6, 7)


def test_cycle_is_collected():
    with heap() as h:
        a, b = h.new(slots=1), h.new(slots=1)
        a[0], b[0] = b, a
        del a, b
        assert h.info().objects == 2
        assert h.collect() == 2
        assert h.info().objects == 0
        assert h.get_stats()[2]["collected"] == 2


def test_counts_and_promotion():
    with heap() as h:
        keep = [h.new(slots=1) for _ in range(3)]
        assert h.get_count() == (3, 0, 0)
        assert [h.generation(o) for o in keep] == [0, 0, 0]
        assert h.collect(0) == 0
        assert h.get_count() == (0, 1, 0)
        assert [h.generation(o) for o in keep] == [1, 1, 1]
        h.collect(1)
        assert h.get_count() == (0, 0, 1)
        assert [h.generation(o) for o in keep] == [2, 2, 2]
        stats = h.get_stats()
        assert [s["collections"] for s in stats] == [1, 1, 0], stats


def test_automatic_collection_from_the_workqueue():
    with Heap() as h:
        h.set_threshold(50)
        for _ in range(20):
            a = h.new(slots=1)
            a[0] = a
        del a
        for _ in range(40):
            h.new(slots=1)  # created and dropped: counts go up and down
        objs = [h.new(slots=1) for _ in range(60)]
        for _ in range(200):
            if h.get_stats()[0]["collections"]:
                break
            os.sched_yield()
        assert h.get_stats()[0]["collections"] >= 1, h.get_stats()
        assert h.info().objects == 60, h.info()
        del objs


def test_finalizer_event_once_and_resurrection():
    with heap() as h:
        a = h.new(slots=1, finalizer=True)
        a[0] = a
        del a
        assert h.collect() == 0            # handed back, not freed
        r, _, _ = select.select([h], [], [], 1)
        assert r == [h]
        ev = h.events()
        assert len(ev) == 1 and h.is_finalized(ev[0])
        keep = ev[0]                       # resurrect it
        assert h.collect() == 0 and h.info().objects == 1
        del keep, ev
        assert h.collect() == 1            # finalizer does not run again
        assert h.events() == []
        assert h.info().objects == 0


def test_legacy_finalizer_cycle_goes_to_garbage():
    # The seed's leak: Connection <-> ConnectionHandler with __del__.
    with heap() as h:
        conn = h.new(slots=1, legacy_finalizer=True)
        handler = h.new(slots=1)
        conn[0], handler[0] = handler, conn
        del conn, handler
        assert h.collect() == 2
        assert h.get_stats()[2]["uncollectable"] == 2
        g = h.garbage
        assert len(g) == 2 and h.info().objects == 2
        del g
        assert h.clear_garbage() == 2
        assert h.collect() == 2            # uncollectable again
        assert len(h.garbage) == 2


def test_saveall():
    with heap() as h:
        h.set_debug(pyheap.DEBUG_SAVEALL)
        a = h.new(slots=1)
        a[0] = a
        del a
        assert h.collect() == 1 and len(h.garbage) == 1
        h.set_debug(0)
        h.clear_garbage()
        assert h.collect() == 1 and h.info().objects == 0


def test_freeze():
    with heap() as h:
        a = h.new(slots=1)
        a[0] = a
        del a
        h.freeze()
        assert h.get_freeze_count() == 1
        assert h.collect() == 0
        h.unfreeze()
        assert h.get_freeze_count() == 0
        assert h.collect() == 1


def test_referents_and_referrers():
    with heap() as h:
        a, b, c = h.new(slots=2), h.new(slots=1), h.new()
        a[0], a[1], b[0] = b, c, c
        assert len(h.get_referents(a)) == 2
        assert len(h.get_referents(c)) == 0
        assert len(h.get_referrers(c)) == 2
        assert len(h.get_referrers(a)) == 0
        assert h.is_tracked(a)


def test_why_gives_the_shortest_chain():
    # objgraph.find_backref_chain(), answered by the kernel in one call
    with heap() as h:
        a, b, c, d = h.new(slots=3), h.new(slots=2), h.new(), h.new(slots=1)
        a[2], b[1], d[0] = b, c, a
        h.close_many([b, d])
        chain = h.why(c)
        assert len(chain) == 3 and chain[-1] is c, chain
        assert [s for _, s in chain[:-1]] == [2, 1], chain
        assert [h.id_of(o) for o, _ in chain[:-1]] == \
            [h.id_of(a), h.id_of(a[2])]
        handles = h.info().handles
        del chain
        assert h.info().handles == handles - 2
        e = h.new()
        a[0] = e
        e2 = a[0]
        assert h.why(e) == [e]            # another name holds it itself
        assert h.why(e2) == [e2]
        assert h.why(a) is None           # only its own name keeps it
        return "a[2][1] is c; d -> a is no root"


def test_why_of_garbage_is_none():
    with heap() as h:
        x = h.new(slots=1, legacy_finalizer=True)
        y = h.new(slots=1)
        x[0], y[0] = y, x
        del x, y
        assert h.collect() == 2
        g = h.garbage
        first = g[0]
        del g
        assert h.why(first) is None
        del first
        h.clear_garbage()


def test_why_of_the_end_of_a_long_chain():
    n = 50000
    with heap() as h:
        objs = h.new_many(n, slots=1)
        h.link_many((objs[i], 0, objs[i + 1]) for i in range(n - 1))
        head, tail = objs[0], objs[-1]
        h.close_many(objs[1:-1])
        del objs
        chain = h.why(tail)
        assert len(chain) == n and chain[-1] is tail
        assert h.id_of(chain[0][0]) == h.id_of(head)
        assert all(s == 0 for _, s in chain[:-1])
        h.close_many(o for o, _ in chain[:-1])
        return "%d steps in one call" % n


def test_garbage_cycles_tell_which_objects_hold_each_other():
    with heap() as h:
        # the seed's leak twice over, and a __del__ object on its own ring
        for _ in range(2):
            conn = h.new(slots=1, legacy_finalizer=True)
            handler = h.new(slots=2)
            conn[0], handler[0] = handler, conn
            handler[1] = h.new(slots=1)      # hangs off the cycle
            del conn, handler
        me = h.new(slots=1, legacy_finalizer=True)
        me[0] = me
        del me
        assert h.collect() == 7
        assert len(h.garbage) == 7
        handles = h.info().handles
        cycles = h.garbage_cycles()
        assert sorted(len(c) for c in cycles) == [1, 2, 2], cycles
        assert h.info().handles == handles + 5   # only the cycles' own
        for c in cycles:
            ids = {h.id_of(o) for o in c}
            for o in c:
                assert {h.id_of(r) for r in h.get_referents(o)} & ids
        del cycles, c, o
        assert h.info().handles == handles
        h.clear_garbage()
        assert h.garbage_cycles() == []
        return "2 pairs and a self-reference among 7 garbage objects"


def test_garbage_cycles_of_a_long_list():
    # more than one GC_GARBAGE page (4096): pairs, and a ring across pages
    pairs, ring = 3000, 5000
    with heap() as h:
        h.set_debug(pyheap.DEBUG_SAVEALL)
        objs = h.new_many(2 * pairs + ring, slots=1)
        links = [(objs[2 * i], 0, objs[2 * i + 1]) for i in range(pairs)]
        links += [(objs[2 * i + 1], 0, objs[2 * i]) for i in range(pairs)]
        r = objs[2 * pairs:]
        links += [(r[i], 0, r[(i + 1) % ring]) for i in range(ring)]
        h.link_many(links)
        h.close_many(objs)
        del objs, r, links
        assert h.collect() == 2 * pairs + ring
        cycles = h.garbage_cycles()
        sizes = sorted(len(c) for c in cycles)
        assert sizes == [2] * pairs + [ring], sizes[-3:]
        h.close_many(o for c in cycles for o in c)
        del cycles
        h.set_debug(0)
        h.clear_garbage()
        assert h.collect() == 2 * pairs + ring
        return "%d cycles among %d garbage objects" % (pairs + 1,
                                                       2 * pairs + ring)


GC_TABLE = "/sys/kernel/debug/pyheap/gc"


def gc_table_rows(heap_id):
    """This heap's rows of debugfs's gc table, by column name; None
    without debugfs."""
    try:
        lines = open(GC_TABLE).read().splitlines()
    except OSError:
        return None
    assert lines[0] == "pyheap_gc - version: 1.1", lines[0]
    names = lines[1].lstrip("#").split()
    rows = [dict(zip(names, map(int, line.split()))) for line in lines[2:]]
    return [r for r in rows if r["heap"] == heap_id]


def test_repeat_collection_is_skipped():
    # a full collection of an unchanged graph is answered without a scan,
    # and reads as the scan would have: nothing found, same candidates
    with heap() as h:
        a, b = h.new(slots=1), h.new(slots=1)
        a[0], b[0] = b, a
        assert h.collect() == 0
        before = h.get_stats()
        assert [h.collect() for _ in range(3)] == [0, 0, 0]
        after = h.get_stats()
        assert after[2]["skipped"] - before[2]["skipped"] == 3, after
        assert after[2]["collections"] - before[2]["collections"] == 3
        assert after[2]["candidates"] - before[2]["candidates"] == 6
        assert h.get_count() == (0, 0, 0), h.get_count()
        rows = gc_table_rows(h.id)
        if rows is not None:
            assert [r["skipped"] for r in rows] == \
                [s["skipped"] for s in after], (rows, after)
        # a handle closed is a change: the next one scans
        del a
        assert h.collect() == 0
        assert h.get_stats()[2]["skipped"] == after[2]["skipped"]
        del b
        assert h.collect() == 2
        assert h.get_stats()[2]["skipped"] == after[2]["skipped"]
        assert h.info().objects == 0


def test_stats_of_abi_1_5_still_answer():
    # a caller of ABI 1.5 passes the old size, and gets the old struct
    old = 176           # PYHEAP_GC_STATS_SIZE_VER0
    with heap() as h:
        o = h.new(slots=1)
        o[0] = o
        h.collect()
        h.collect()
        buf = bytearray(old)
        buf[0:4] = old.to_bytes(4, sys.byteorder)
        fcntl.ioctl(h.fd, pyheap._request(pyheap.PYHEAP_CMD_GC_STATS), buf)
        full = pyheap.PyheapGcStats.from_buffer_copy(bytes(buf) + bytes(24))
        assert full.out_gen[2].collections == 2, full.out_gen[2].collections
        assert list(full.out_skipped) == [0, 0, 0]
        assert h.get_stats()[2]["skipped"] == 1


def test_bad_input():
    with heap() as h:
        for call, want in ((lambda: h.collect(3), errno.EINVAL),
                           (lambda: h.set_debug(1 << 20), errno.EINVAL),
                           (lambda: h.get_referents(h.new(), limit=0),
                            errno.EINVAL)):
            try:
                call()
            except PyheapError as e:
                assert e.errno == want, (e, want)
            else:
                raise AssertionError("accepted")
        assert h.events() == []


if __name__ == "__main__":
    from taplib import run_tests
    raise SystemExit(run_tests(globals()))
