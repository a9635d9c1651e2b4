#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""gc_oracle_test: pyheap's collector against CPython's, on the same graphs.

Each case builds one graph twice, in a pyheap heap (objects with K slots)
and in CPython (instances of a class with K __slots__), drops the same
roots, collects, and compares the number of unreachable objects each
collection reports and the set of surviving nodes.  CPython's gc is the
oracle: it runs in this very interpreter (3.11 on Debian 12).  TAP.
"""
import gc
import os
import random
import struct
import sys
import weakref

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "python"))
from pyheap import Heap  # noqa: E402

K = 4
# Under TCG (QEMU) everything is ten times slower: the big graphs shrink.
BIG = 10000 if os.environ.get("PYHEAP_VM") == "qemu" else 100000


class Node:
    __slots__ = ("s0", "s1", "s2", "s3", "id", "__weakref__")


def cpython_build(n, edges):
    nodes = [Node() for _ in range(n)]
    for i in range(n):
        nodes[i].id = i
        nodes[i].s0 = nodes[i].s1 = nodes[i].s2 = nodes[i].s3 = None
    for src, slot, dst in edges:
        setattr(nodes[src], "s%d" % slot, nodes[dst])
    return nodes


def cpython_side(n, edges, roots):
    """Build, drop all but roots, collect; return (found, survivors)."""
    gc.collect()
    gc.disable()
    try:
        nodes = cpython_build(n, edges)
        refs = [weakref.ref(x) for x in nodes]
        kept = [nodes[i] for i in roots]
        del nodes
        found = [gc.collect()]
        survivors = {i for i, r in enumerate(refs) if r() is not None}
        del kept[::2]           # a second round: drop half the roots
        found.append(gc.collect())
        survivors2 = {i for i, r in enumerate(refs) if r() is not None}
        del kept
        gc.collect()
    finally:
        gc.enable()
    return found, survivors, survivors2


def pyheap_build(h, n, edges, roots):
    nodes = h.new_many(n, slots=K, size=4)
    for i in range(n):
        nodes[i].write(0, struct.pack("=I", i))
    h.link_many((nodes[s], k, nodes[d]) for s, k, d in edges)
    return [nodes[i] for i in roots]


def pyheap_survivors(kept):
    survivors = set()
    todo = list(kept)
    while todo:
        o = todo.pop()
        i = o.payload_u32()
        if i in survivors:
            continue
        survivors.add(i)
        todo.extend(t for t in (o[k] for k in range(K)) if t is not None)
    return survivors


def pyheap_side(n, edges, roots):
    with Heap() as h:
        h.disable()
        kept = pyheap_build(h, n, edges, roots)
        found = [h.collect()]
        survivors = pyheap_survivors(kept)
        objects = h.info().objects
        del kept[::2]
        found.append(h.collect())
        survivors2 = pyheap_survivors(kept)
        objects2 = h.info().objects
        return found, survivors, survivors2, objects, objects2


def check(name, n, edges, roots):
    want_found, want_alive, want_alive2 = cpython_side(n, edges, roots)
    got_found, got_alive, got_alive2, got_objects, got_objects2 = \
        pyheap_side(n, edges, roots)
    assert got_found == want_found, \
        "%s: collected %s, CPython %s" % (name, got_found, want_found)
    assert got_alive == want_alive, "%s: survivors differ" % name
    assert got_alive2 == want_alive2, "%s: survivors differ (2)" % name
    assert (got_objects, got_objects2) == (len(want_alive),
                                           len(want_alive2)), \
        "%s: objects left %d, %d; CPython %d, %d" % (
            name, got_objects, got_objects2, len(want_alive),
            len(want_alive2))
    return "%s: n=%d found=%s survivors=%d,%d" % (
        name, n, got_found, len(got_alive), len(got_alive2))


def ring(n):
    return [(i, 0, (i + 1) % n) for i in range(n)]


def test_self_loop():
    return check("self-loop", 1, [(0, 0, 0)], [])


def test_two_cycle():
    return check("2-cycle", 2, [(0, 0, 1), (1, 0, 0)], [])


def test_long_ring():
    return check("ring", 10000, ring(10000), [])


def test_cycle_reachable_from_live_object():
    edges = [(0, 0, 1)] + [(i, 0, i + 1) for i in range(1, 9)] + \
        [(9, 0, 1)]
    return check("reachable cycle", 10, edges, [0])


def test_diamond():
    edges = [(0, 0, 1), (0, 1, 2), (1, 0, 3), (2, 0, 3)]
    return check("diamond", 4, edges, [])


def test_diamond_with_back_edge():
    edges = [(0, 0, 1), (0, 1, 2), (1, 0, 3), (2, 0, 3), (3, 0, 0)]
    return check("diamond+back edge", 4, edges, [2])


def test_random_graphs():
    rnd = random.Random(20261123)
    out = []
    for n, degree, nroots in ((50, 1, 3), (1000, 2, 10), (BIG, 1, 50)):
        edges = []
        for src in range(n):
            for slot in rnd.sample(range(K), degree):
                edges.append((src, slot, rnd.randrange(n)))
        roots = rnd.sample(range(n), nroots)
        out.append(check("random", n, edges, roots))
    # many small strongly connected pieces: edges stay within a window
    n = BIG
    edges = [(src, slot, min(n - 1, max(0, src + rnd.randrange(-8, 9))))
             for src in range(n) for slot in rnd.sample(range(K), 2)]
    out.append(check("clustered", n, edges, rnd.sample(range(n), 500)))
    return "; ".join(out)


if __name__ == "__main__":
    from taplib import run_tests
    raise SystemExit(run_tests(globals()))
