#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""GC_WHY and GC_GARBAGE's cycles on heaps of a million objects.

Times, inside a VM with pyheap.ko loaded, one call of each on the worst
shapes for it (the median of three), and the binding's method around it
once:

  chain    a chain of N objects from one name: why(its end) walks all of
           them and answers N steps (N new handles)
  tree     a binary tree of N objects from one name: why(its last leaf)
           walks all of them, breadth first, and answers ~log2(N) steps
  cycles   N garbage objects (DEBUG_SAVEALL): rings of 1000 and pairs,
           numbered in one GC_GARBAGE call; garbage_cycles() then reads
           the handles of every page

  graph_scale.py [-n N]       (default 1000000; the module's default
                               heap_max_objects is 1048576)

Run it with tools/vm/run uml-perf -- python3 tools/bench/graph_scale.py:
the ioctls are then the kernel's own speed (UML's system calls cost
extra, but these are few and long).  The binding's figures are mostly
the interpreter making an Obj per handle, which in UML, where every page
fault of a process goes through the host, costs 15 to 25 times what it
costs on the host.
"""
import ctypes
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "python"))
import pyheap  # noqa: E402
from pyheap import Heap  # noqa: E402

N = int(sys.argv[sys.argv.index("-n") + 1]) if "-n" in sys.argv else 10**6
ROUNDS = 3


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def why_call(h, obj, room):
    """GC_WHY ioctls with room for @room steps, ROUNDS times: (steps,
    the median of their seconds)."""
    times = []
    for _ in range(ROUNDS):
        steps = (pyheap.PyheapGcWhyStep * room)()
        arg = pyheap.PyheapGcWhy(handle=obj.handle, max=room,
                                 steps=ctypes.addressof(steps))
        _, secs = timed(lambda: h._ioctl(pyheap.PYHEAP_CMD_GC_WHY, arg))
        times.append(secs)
        hs = [steps[i].handle for i in range(arg.out_count)]
        h.close_many(pyheap.Obj(h, x) for x in hs)
    return arg.out_count, sorted(times)[ROUNDS // 2]


def chain(n):
    with Heap() as h:
        h.disable()
        objs = h.new_many(n, slots=1)
        h.link_many((objs[i], 0, objs[i + 1]) for i in range(n - 1))
        head, tail = objs[0], objs[-1]
        h.close_many(objs[1:-1])
        del objs
        steps, secs = why_call(h, tail, n)
        chain, total = timed(lambda: h.why(tail))
        assert steps == n and len(chain) == n
        h.close_many(o for o, _ in chain[:-1])
        del chain, head, tail
        print("graph_scale chain %d: GC_WHY %.3f s, %d steps; "
              "Heap.why() %.3f s" % (n, secs, steps, total), flush=True)


def tree(n):
    with Heap() as h:
        h.disable()
        objs = h.new_many(n, slots=2)
        h.link_many((objs[i], k, objs[2 * i + 1 + k])
                    for i in range(n) for k in (0, 1) if 2 * i + 1 + k < n)
        root, leaf = objs[0], objs[-1]
        h.close_many(objs[1:-1])
        del objs
        steps, secs = why_call(h, leaf, 64)
        chain, total = timed(lambda: h.why(leaf))
        assert len(chain) == steps
        del chain
        print("graph_scale tree %d: GC_WHY %.3f s, %d steps; "
              "Heap.why() %.3f s" % (n, secs, steps, total), flush=True)
        del root, leaf


def cycles(n):
    ring = 1000
    rings = n // 2 // ring
    pairs = (n - rings * ring) // 2
    with Heap() as h:
        h.disable()
        h.set_debug(pyheap.DEBUG_SAVEALL)
        objs = h.new_many(rings * ring + 2 * pairs, slots=1)
        links = []
        for r in range(rings):
            o = objs[r * ring:(r + 1) * ring]
            links += [(o[i], 0, o[(i + 1) % ring]) for i in range(ring)]
        base = rings * ring
        for i in range(pairs):
            a, b = objs[base + 2 * i], objs[base + 2 * i + 1]
            links += [(a, 0, b), (b, 0, a)]
        h.link_many(links)
        del links
        h.close_many(objs)
        del objs
        total_objs = rings * ring + 2 * pairs
        _, csecs = timed(h.collect)
        groups = (ctypes.c_uint32 * total_objs)()
        times = []
        for _ in range(ROUNDS):
            arg = pyheap.PyheapGcGarbage(
                flags=pyheap.PYHEAP_GC_GARBAGE_LIST, max=total_objs,
                groups=ctypes.addressof(groups))
            _, secs = timed(lambda: h._ioctl(pyheap.PYHEAP_CMD_GC_GARBAGE,
                                             arg))
            times.append(secs)
        secs = sorted(times)[ROUNDS // 2]
        assert arg.out_cycles == rings + pairs, arg.out_cycles
        got, total = timed(h.garbage_cycles)
        assert len(got) == rings + pairs
        _, csecs2 = timed(lambda: h.close_many(o for c in got for o in c))
        del got
        print("graph_scale cycles %d: collect %.3f s; GC_GARBAGE groups "
              "%.3f s, %d cycles; Heap.garbage_cycles() %.3f s "
              "(closing its %d handles %.3f s)"
              % (total_objs, csecs, secs, arg.out_cycles, total,
                 total_objs, csecs2), flush=True)
        h.set_debug(0)
        h.clear_garbage()


if __name__ == "__main__":
    for case in (tree, chain, cycles):
        case(N)
