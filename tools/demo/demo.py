#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The seed's scenarios, in pyheap and in CPython, side by side.

Run inside a VM by tools/demo/run (make demo).  Each scenario prints what
CPython says for the Python program, then what pyheap says for the same
program written against a heap.
"""
import functools
import gc
import os
import platform
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "python"))
from pyheap import Heap  # noqa: E402


def title(text):
    print()
    print("=" * 72)
    print(text)
    print("=" * 72)


def side(label, text):
    for i, line in enumerate(str(text).splitlines()):
        print("%-9s %s" % (label if i == 0 else "", line))


def sh(cmd):
    out = subprocess.run(cmd, shell=True, capture_output=True, text=True)
    print("$ " + cmd)
    print((out.stdout + out.stderr).rstrip())


def getsizeof_table(h):
    title("1. sys.getsizeof(): how big is each object?")

    class A:
        pass

    class B:
        pass

    print("CPython %s, the seed's table:" % platform.python_version())
    for x in (None, 1, 1.2, "c", [], (), {}, set(), B, B(), A, A()):
        print("  %-20s %d" % (type(x).__name__, sys.getsizeof(x)))

    class S1:
        __slots__ = ("a",)

    class S3:
        __slots__ = ("a", "b", "c")

    print()
    print("objects with slots, CPython against pyheap (header, 8 bytes per")
    print("slot, payload; pyheap's header is 48 bytes, CPython's 16 + 16 GC):")
    print("  %-28s %8s %8s %10s" % ("object", "CPython", "pyheap",
                                    "size class"))
    rows = (("instance, 1 slot", sys.getsizeof(S1()), 1, 0),
            ("instance, 3 slots", sys.getsizeof(S3()), 3, 0),
            ("tuple of 3", sys.getsizeof((1, 2, 3)), 3, 0),
            ("bytes, 16 of payload", sys.getsizeof(b"x" * 16), 0, 16),
            ("bytes, 600 of payload", sys.getsizeof(b"x" * 600), 0, 600))
    for name, cpy, slots, size in rows:
        info = h.sizeinfo(h.new(slots=slots, size=size))
        print("  %-28s %8d %8d %10d" % (name, cpy, info.size,
                                       info.class_size))
    print("(a class size equal to the size: above 512 bytes, kmalloc())")


def global_cache_leak(h):
    title("2. Leak: a global cache keeps every object")
    print("""_cache = []
def func_to_leak():
    o = OBJ()
    _cache.append(o)""")

    class OBJ:
        __slots__ = ()

    _cache = []
    for _ in range(10000):
        _cache.append(OBJ())
    side("CPython", "after 10000 calls: len(_cache) = %d" % len(_cache))

    cache = h.new(slots=4096)          # the global list, in the heap
    before = h.info()
    for i in range(4096):
        cache[i] = h.new()
    after = h.info()
    side("pyheap", "after 4096 calls: objects %d -> %d, bytes %d -> %d"
         % (before.objects, after.objects, before.bytes, after.bytes))
    sh("grep -E '^#|^ +%d ' /sys/kernel/debug/pyheap/heaps" % h.id)

    print()
    print("The cure: a bounded LRU map instead of the list.")
    lru = h.lru_cache(maxsize=100)
    for i in range(4096):
        lru.set(i, h.new())
    side("pyheap", "lru_cache(maxsize=100) after 4096 stores: %s, "
         "evictions %d" % (lru.cache_info(), lru.evictions()))
    del cache
    h.collect()


def cycles(h):
    title("3. A cycle, freed by the collector")
    print("""class ConnectionHandler:
    def __init__(self, connection): self._conn = connection
class Connection:
    def __init__(self): self._conn_handler = ConnectionHandler(self)""")

    class ConnectionHandler:
        def __init__(self, connection):
            self._conn = connection

    class Connection:
        def __init__(self):
            self._conn_handler = ConnectionHandler(self)

    gc.collect()
    gc.disable()
    c = Connection()
    del c
    side("CPython", "gc.collect() = %d" % gc.collect())
    gc.enable()

    h.disable()
    conn, handler = h.new(slots=1), h.new(slots=1)
    conn[0], handler[0] = handler, conn
    del conn, handler
    side("pyheap", "objects before %d; h.collect() = %d; after %d"
         % (h.info().objects + 0, h.collect(), h.info().objects))

    title("4. Leak: a cycle with __del__ (a legacy finalizer)")
    print("Before Python 3.4 such a cycle was uncollectable and went to")
    print("gc.garbage.  CPython 3.4+ runs __del__ once (PEP 442) and frees it;")
    print("pyheap has both kinds of finalizer.")

    class Legacy:
        def __init__(self):
            self.other = None

        def __del__(self):
            pass

    gc.collect()
    a, b = Legacy(), Legacy()
    a.other, b.other = b, a
    del a, b
    side("CPython", "gc.collect() = %d, gc.garbage = %s (PEP 442)"
         % (gc.collect(), gc.garbage))

    conn = h.new(slots=1, legacy_finalizer=True)
    handler = h.new(slots=1)
    conn[0], handler[0] = handler, conn
    del conn, handler
    found = h.collect()
    side("pyheap", "legacy: h.collect() = %d, len(h.garbage) = %d, "
         "uncollectable %d" % (found, len(h.garbage),
                               h.get_stats()[2]["uncollectable"]))
    with Heap() as h3:
        h3.disable()
        a = h3.new(slots=1, finalizer=True)
        a[0] = a
        del a
        first = h3.collect()
        events = h3.events()
        n = len(events)
        del events
        side("", "PEP 442: collect() = %d (handed back: %d event), then "
             "collect() = %d" % (first, n, h3.collect()))


def generations(h):
    title("5. Generations: survivors move up")
    h2 = Heap()
    h2.disable()
    keep = [h2.new() for _ in range(100)]
    gc.collect()
    gc.disable()
    pykeep = [[] for _ in range(100)]
    ours = {id(x) for x in pykeep}
    for gen in range(3):
        counts = [len([o for o in gc.get_objects(g) if id(o) in ours])
                  for g in range(3)]
        side("CPython", "before collect(%d): our 100 objects by "
             "generation %s" % (gen, counts))
        counts = [sum(1 for o in keep if h2.generation(o) == g)
                  for g in range(3)]
        side("pyheap", "before collect(%d): our 100 objects by "
             "generation %s" % (gen, counts))
        gc.collect(gen)
        h2.collect(gen)
    gc.enable()
    side("CPython", "get_count() %s" % (gc.get_count(),))
    side("pyheap", "get_count() %s, get_threshold() %s"
         % (h2.get_count(), h2.get_threshold()))
    sh("cat /sys/kernel/debug/pyheap/%d/gc" % h2.id)
    del keep
    h2.close()


def lru_demo(h):
    title("6. @lru_cache(5): demo 0..4 printed once")
    print("""@lru_cache(5)
def demo(i):
    print('demo', i)
    return i
for i in range(5): demo(i)
for i in range(5): demo(i)""")

    def run(decorator, emit):
        @decorator
        def demo(i):
            emit("demo %d" % i)
            return i
        for _ in range(2):
            for i in range(5):
                demo(i)
        return demo.cache_info()

    # CPython first, under its own label, so that its calls cannot be
    # mistaken for pyheap's; then pyheap's calls exactly as the seed
    # prints them, one line per call, and its cache_info().
    calls = []
    info = run(functools.lru_cache(5), calls.append)
    side("CPython", ", ".join(calls) + ";  " + repr(info))
    print("pyheap:")
    print(run(h.lru_cache(5), print))


def main():
    print("pyheap demo on %s %s, Python %s" % (platform.system(),
                                              platform.release(),
                                              platform.python_version()))
    with Heap() as h:
        print("heap %d, ABI %d.%d" % (h.id, h.abi[0], h.abi[1]))
        getsizeof_table(h)
        global_cache_leak(h)
        cycles(h)
        generations(h)
        lru_demo(h)
    print()
    sh("cat /sys/kernel/debug/pyheap/heaps")


if __name__ == "__main__":
    main()
