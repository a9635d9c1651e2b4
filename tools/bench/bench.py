#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""pyheap's benchmarks, run inside a VM by tools/bench/run.

Every case is a ratio against a peer measured in the same run: at least
15 interleaved rounds (pyheap, then the peer) after a warm-up, reported as
the median of the per-round ratios with their spread:

  bench <case>: pyheap <v> ns/op, <peer> <v> ns/op, ratio <r> (<lo>..<hi>)

In-kernel cases come from pyheap_bench.ko; user-space cases time the
ioctls from C (ubench) against CPython 3.11 peers in this interpreter.
lru_hit_1m interleaves the two: rounds of in-kernel hits at a million
entries, one per write to pyheap_bench.ko's lru_round parameter, with
rounds of functools.lru_cache hits at a million entries here.
The collector's cases (gc_*) pit one GC_COLLECT against gc.collect() on
the same graph, each side built in a process of its own (ubench gc, and
this file with --gc-peer) and kept for 7 interleaved rounds; the
figures are per collection.

  bench.py [--smoke] [--native | --no-gc | --gc-only] [--json FILE]

--native runs what a UML kernel runs at native speed: the in-kernel
cases and the collector's, whose one system call per collection is
lost in the collection.  --no-gc leaves the collector's cases out,
--gc-only runs nothing else.  It fails if a case does not report.
"""
import functools
import json
import os
import platform
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SMOKE = "--smoke" in sys.argv
NATIVE = "--native" in sys.argv
NO_GC = "--no-gc" in sys.argv
GC_ONLY = "--gc-only" in sys.argv
SLICED_ONLY = "--sliced-only" in sys.argv
ROUNDS = 3 if SMOKE else 15
GC_ROUNDS = 3 if SMOKE else 7
SCALE = 0.05 if SMOKE else 1.0
results = []


def report(case, peer, mine, theirs, unit="ns/op", scale=1):
    ratios = sorted(m / t for m, t in zip(mine, theirs))
    row = {"case": case, "peer": peer,
           "pyheap_ns": statistics.median(mine),
           "peer_ns": statistics.median(theirs),
           "ratio": statistics.median(ratios),
           "ratio_min": ratios[0], "ratio_max": ratios[-1],
           "rounds": len(ratios)}
    results.append(row)
    print("bench %s: pyheap %.1f %s, %s %.1f %s, ratio %.3f (%.3f..%.3f)" %
          (case, row["pyheap_ns"] / scale, unit, peer,
           row["peer_ns"] / scale, unit, row["ratio"], row["ratio_min"],
           row["ratio_max"]), flush=True)


def ubench(*args):
    out = subprocess.run([os.path.join(HERE, "ubench")] +
                         [str(a) for a in args],
                         capture_output=True, text=True, check=True)
    return float(out.stdout)


def py_object_pairs(n):
    t = time.perf_counter_ns()
    for _ in range(n):
        object()
    return (time.perf_counter_ns() - t) / n


def py_lru_hits(entries, n):
    @functools.lru_cache(maxsize=entries)
    def f(x):
        return x
    for i in range(entries):
        f(i)
    keys = [(i * 7919) % entries for i in range(min(n, 65536))]
    t = time.perf_counter_ns()
    done = 0
    while done < n:
        for k in keys[:n - done]:
            f(k)
        done += len(keys[:n - done])
    return (time.perf_counter_ns() - t) / n


class PyLru:
    """A functools.lru_cache of `entries` ints, filled once, hit in the
    order of py_lru_hits() and of kbench.c's big maps."""

    def __init__(self, entries):
        @functools.lru_cache(maxsize=entries)
        def f(x):
            return x
        for i in range(entries):
            f(i)
        self.f = f
        self.keys = [(i * 7919) % entries for i in range(65536)]

    def hits(self, n):
        f, keys = self.f, self.keys
        t = time.perf_counter_ns()
        done = 0
        while done < n:
            for k in keys[:n - done]:
                f(k)
            done += len(keys[:n - done])
        return (time.perf_counter_ns() - t) / n


def interleave(case, peer, mine, theirs):
    mine(), theirs()                   # warm up
    m, t = [], []
    for _ in range(ROUNDS):
        m.append(mine())
        t.append(theirs())
    report(case, peer, m, t)


def kernel_cases():
    ko = os.path.join(os.environ.get("PYHEAP_KO_DIR", ""), "pyheap_bench.ko")
    rounds = max(ROUNDS, 3)
    iters = int(100000 * SCALE) or 1000
    subprocess.run(["insmod", ko, "rounds=%d" % rounds,
                    "iters=%d" % iters], capture_output=True)
    log = subprocess.run(["dmesg"], capture_output=True, text=True).stdout
    done = [line for line in log.splitlines()
            if "pyheap_bench: bench done: " in line]
    if not done:
        sys.exit("bench.py: pyheap_bench.ko did not finish (see dmesg)")
    expected = int(done[-1].split("bench done: ")[1].split()[0])
    first = len(results)
    for line in log.splitlines():
        if "pyheap_bench: bench " in line and ": pyheap " in line:
            text = line.split("pyheap_bench: ", 1)[1]
            print(text, flush=True)
            name, rest = text[len("bench "):].split(": ", 1)
            parts = rest.replace(",", "").split()
            results.append({"case": name, "peer": parts[3],
                            "pyheap_ns": float(parts[1]),
                            "peer_ns": float(parts[4]),
                            "ratio": float(parts[7]),
                            "ratio_min": float(parts[8][1:].split("..")[0]),
                            "ratio_max": float(parts[8][:-1].split("..")[1]),
                            "rounds": rounds, "kernel": True})
    if expected == 0 or len(results) - first != expected:
        sys.exit("bench.py: %d in-kernel cases reported, %d expected" %
                 (len(results) - first, expected))


def kernel_lru_1m():
    """bench lru_hit_1m: an in-kernel hit at a million entries against a
    functools.lru_cache hit at a million entries, both native in the
    same VM: pyheap_bench.ko keeps its maps loaded (mode=lru_1m) and
    times one round per write of its lru_round parameter, between this
    interpreter's rounds.  _hold adds the hold callback's touch of the
    value, as lru_cache's hit increfs its result."""
    ko = os.path.join(os.environ.get("PYHEAP_KO_DIR", ""), "pyheap_bench.ko")
    entries = 1 << 20 if not SMOKE else 1 << 14
    n = int(200000 * SCALE) or 1000
    name = "lru_hit_1m" if entries == 1 << 20 else "lru_hit_%d" % entries
    param = "/sys/module/pyheap_bench/parameters/lru_round"
    out = subprocess.run(["insmod", ko, "mode=lru_1m",
                          "entries=%d" % entries, "iters=%d" % n],
                         capture_output=True, text=True)
    if out.returncode:
        sys.exit("bench.py: pyheap_bench.ko mode=lru_1m: %s" %
                 out.stderr.strip())

    def kernel(which):
        with open(param, "w") as f:
            f.write(which)
        with open(param) as f:
            return int(f.read()) / 1000

    try:
        peer = PyLru(entries)
        interleave(name, "functools_lru_cache", lambda: kernel("bare"),
                   lambda: peer.hits(n))
        interleave(name + "_hold", "functools_lru_cache",
                   lambda: kernel("hold"), lambda: peer.hits(n))
        # The same hits 64 to a call, as LRU_GETV looks them up.
        interleave(name + "_batch64", "functools_lru_cache",
                   lambda: kernel("batch"), lambda: peer.hits(n))
        interleave(name + "_batch64_hold", "functools_lru_cache",
                   lambda: kernel("batch_hold"), lambda: peer.hits(n))
    finally:
        subprocess.run(["rmmod", "pyheap_bench"], capture_output=True)


# The collector's cases.  Both sides build the same graph (ubench.c's
# gc_build() describes them) from the same numbers, each in a process of
# its own so that no case inherits another's free lists: a graph freed in
# random order leaves CPython's allocator handing out blocks in random
# order, which makes the next graph's collection several times slower.

class Node:
    __slots__ = ("a", "b", "c", "d")


class Link:
    __slots__ = ("a",)


class Lcg:
    """Knuth's MMIX LCG, as ubench's gc_lcg()."""

    def __init__(self):
        self.x = 12345

    def __call__(self, n):
        self.x = (self.x * 6364136223846793005 +
                  1442695040888963407) & 0xffffffffffffffff
        return (self.x >> 33) % n


GC_YOUNG_NEW = 700
GC_YOUNG_TRIES = 5


def py_random_graph(n, lcg):
    nodes = [Node() for _ in range(n)]
    for i in range(n - 1):
        nodes[i].a = nodes[i + 1]
    for o in nodes:
        o.b = nodes[lcg(n)]
        o.c = nodes[lcg(n)]
        o.d = nodes[lcg(n)]
    return nodes


def py_chain(n):
    nodes = [Link() for _ in range(n)]
    for i in range(n - 1):
        nodes[i].a = nodes[i + 1]
    return nodes[0]


def py_2cycles(n):
    nodes = [Link() for _ in range(n)]
    for i in range(0, n - 1, 2):
        nodes[i].a = nodes[i + 1]
        nodes[i + 1].a = nodes[i]


def py_young(old, lcg, keep):
    new = [Node() for _ in range(GC_YOUNG_NEW)]
    for i, o in enumerate(new):
        if i + 1 < GC_YOUNG_NEW:
            o.a = new[i + 1]
        o.b = old[lcg(len(old))]
        o.c = old[lcg(len(old))]
        o.d = old[lcg(len(old))]
    keep.append(new[0])


def gc_peer(graph, n):
    """bench.py --gc-peer GRAPH N: ubench gc's protocol, in CPython."""
    import gc
    gc.disable()
    # The import's own cycles, which the first round would otherwise
    # count: how many are left depends on when the last automatic
    # collection ran, so on how long this file is.
    gc.collect()
    lcg = Lcg()
    keep = []
    root = None
    if graph == "random":
        root = py_random_graph(n, lcg)[0]
    elif graph == "chain":
        root = py_chain(n)
    elif graph == "young":
        root = py_random_graph(n, lcg)
        gc.collect()
    elif graph != "2cycles":
        return 2
    print("ready", flush=True)
    for _ in sys.stdin:
        best = None
        for _ in range(GC_YOUNG_TRIES if graph == "young" else 1):
            gen, want = 2, 0
            if graph == "2cycles":
                py_2cycles(n)
                want = n & ~1
            elif graph == "young":
                py_young(root, lcg, keep)
                gen = 0
            t = time.perf_counter_ns()
            found = gc.collect(gen)
            t = time.perf_counter_ns() - t
            if found != want:
                sys.exit("bench.py: gc peer: %d unreachable, %d expected" %
                         (found, want))
            best = t if best is None else min(best, t)
        print(best, best, flush=True)
    return 0


class GcWorker:
    """One side of a gc case: builds its graph, then collects on demand."""

    def __init__(self, argv):
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
        if self.p.stdout.readline().strip() != "ready":
            sys.exit("bench.py: %s did not start" % " ".join(argv))

    def collect(self):
        """One collection: (wall ns, ns the collection itself took)."""
        self.p.stdin.write("run\n")
        self.p.stdin.flush()
        line = self.p.stdout.readline().split()
        if len(line) != 2:
            sys.exit("bench.py: a gc worker failed")
        return float(line[0]), float(line[1])

    def pause(self):
        """The longest hold of heap->lock by a full collection so far."""
        self.p.stdin.write("pause\n")
        self.p.stdin.flush()
        return float(self.p.stdout.readline().split()[0])

    def close(self):
        self.p.stdin.close()
        if self.p.wait():
            sys.exit("bench.py: a gc worker failed")


def gc_case(graph, n):
    """Interleaved collections; per round (pyheap, CPython) figures."""
    mine = GcWorker([os.path.join(HERE, "ubench"), "gc", graph, str(n)])
    theirs = GcWorker([sys.executable, os.path.abspath(__file__),
                       "--gc-peer", graph, str(n)])
    mine.collect(), theirs.collect()          # warm up
    m, t = [], []
    for _ in range(GC_ROUNDS):
        m.append(mine.collect())
        t.append(theirs.collect())
    mine.close()
    theirs.close()
    return m, t


# Full collections in slices: the gc_slice_us module parameter, read by
# each heap as it is made.
GC_SLICE_US = 500
GC_SLICE_PARAM = "/sys/module/pyheap/parameters/gc_slice_us"


def set_gc_slice_us(us):
    with open(GC_SLICE_PARAM, "w") as f:
        f.write("%d\n" % us)


def gc_sliced_case(graph, n):
    """gc_case() with pyheap's full collections in slices; and the
    longest hold of heap->lock after each round, and the histogram of
    the rounds' holds (the heap's rows go with it)."""
    set_gc_slice_us(GC_SLICE_US)
    try:
        mine = GcWorker([os.path.join(HERE, "ubench"), "gc", graph, str(n)])
    finally:
        set_gc_slice_us(0)
    theirs = GcWorker([sys.executable, os.path.abspath(__file__),
                       "--gc-peer", graph, str(n)])
    mine.collect(), theirs.collect()          # warm up
    m, t, pauses, phases = [], [], [], {}
    before = gc_holds()
    for _ in range(GC_ROUNDS):
        # Each round's own longest hold, as every other figure is the
        # round's: the warm-up's first touches of a new graph stay out.
        gc_slices_clear()
        m.append(mine.collect())
        t.append(theirs.collect())
        rows = gc_slice_phases()
        pauses.append((max([r[3] for r in rows.values()] or [0]),
                       max([r[8] for r in rows.values()] or [0])))
        merge_slice_phases(phases, rows)
    holds = [b - a for a, b in zip(before, gc_holds())]
    ever = mine.pause()
    mine.close()
    theirs.close()
    return m, t, pauses, holds, phases, ever


GC_SLICES = "/sys/kernel/debug/pyheap/gc_slices"


def gc_slice_phases(lines=None):
    """debugfs gc_slices (or @lines of it), every heap summed by phase:
    the holds of collections in slices, their work, their longest, and
    how much of the longest was gaps (time the CPU spent elsewhere)."""
    rows = {}
    if lines is None:
        try:
            with open(GC_SLICES) as f:
                lines = f.readlines()
        except OSError:
            lines = []
    for line in lines:
        w = line.split()
        if len(w) != 12 or not w[0].isdigit():
            continue
        v = [int(x) for x in w[2:]]
        r = rows.setdefault(w[1], [0] * 10)
        for i in (0, 1, 2, 6, 7, 9):        # sums
            r[i] += v[i]
        if v[3] > r[3]:                     # the longest, with its work
            r[3:6] = v[3:6]                 # and its gaps
        r[8] = max(r[8], v[8])
    return rows


def gc_slices_clear():
    """Zero every heap's gc_slices rows (debugfs, written "0")."""
    with open(GC_SLICES, "w") as f:
        f.write("0\n")


def merge_slice_phases(total, rows):
    """Add one round's gc_slices @rows into @total, as gc_slice_phases()
    adds heaps: sums summed, the longest kept with its work and gaps."""
    for phase, v in rows.items():
        r = total.setdefault(phase, [0] * 10)
        for i in (0, 1, 2, 6, 7, 9):
            r[i] += v[i]
        if v[3] > r[3]:
            r[3:6] = v[3:6]
        r[8] = max(r[8], v[8])


def report_slice_phases(case, rows):
    """One line per phase of gc_slices, and the rows in the JSON."""
    for phase, r in rows.items():
        if not r[0]:
            continue
        results.append({"case": case, "phase": phase, "holds": r[0],
                        "objects": r[1], "held_ns": r[2], "max_ns": r[3],
                        "max_objects": r[4], "max_gap_ns": r[5],
                        "over_1ms": r[6], "over_1ms_gaps": r[7],
                        "max_busy_ns": r[8], "switched": r[9]})
        print("bench %s: %-7s %7d holds, %9d objects, longest %.3f ms "
              "(%d objects, %.3f ms of it in gaps), %d over 1 ms (%d of "
              "them more than half gaps), longest less gaps %.3f ms, "
              "%d scheduled out" %
              (case, phase, r[0], r[1], r[3] / 1e6, r[4], r[5] / 1e6, r[6],
               r[7], r[8] / 1e6, r[9]), flush=True)


GC_PAUSES = "/sys/kernel/debug/pyheap/gc_pauses"


def gc_holds():
    """The histogram of heap->lock holds by full collections, every heap
    summed: column k counts holds from 2^k to 2^(k+1) us (debugfs)."""
    hist = [0] * 16
    try:
        with open(GC_PAUSES) as f:
            for line in f:
                w = line.split()
                if len(w) == 18 and w[0].isdigit() and w[1] == "2":
                    hist = [a + int(b) for a, b in zip(hist, w[2:])]
    except OSError:
        pass
    return hist


def gc_steady(n, cycles, window, us):
    """ubench gc_steady: (most unreachable, full collections, longest
    hold in ns), with full collections in slices of @us (0: whole)."""
    set_gc_slice_us(us)
    try:
        out = subprocess.run([os.path.join(HERE, "ubench"), "gc_steady",
                              str(n), str(cycles), str(window)],
                             capture_output=True, text=True)
    finally:
        set_gc_slice_us(0)
    if out.returncode:
        sys.exit("bench.py: ubench gc_steady failed: " + out.stderr)
    lines = [x[len("gc_slices "):] for x in out.stderr.splitlines()
             if x.startswith("gc_slices ")]
    return [int(x) for x in out.stdout.split()] + [gc_slice_phases(lines)]


def gc_bounded_cases(n):
    """The pause and the garbage bound of full collections in slices."""
    peer = "cpython_gc_collect"
    m, t, pauses, holds, phases, ever = gc_sliced_case("random", n)
    report("gc_full_random_sliced", peer, [x[0] for x in m],
           [x[0] for x in t], "ms", 1e6)
    # Of that wall time, what the slices held heap->lock for, summed.
    report("gc_held_random_sliced", peer, [x[1] for x in m],
           [x[0] for x in t], "ms", 1e6)
    # Each round's longest single hold of heap->lock (debugfs gc_slices,
    # cleared before the round): one slice, against CPython's whole
    # gc.collect() under the GIL.
    report("gc_pause_sliced", peer, [x[0] for x in pauses],
           [x[0] for x in t], "ms", 1e6)
    # The same less the hold's gaps (max_busy_ns): the slice's own work,
    # which the host's preemption of the VM cannot stretch.  A hold over
    # 1 ms in the line above with this one under it was preempted.
    report("gc_pause_sliced_busy", peer, [x[1] for x in pauses],
           [x[0] for x in t], "ms", 1e6)
    # The longest hold of the worker's life, warm-up included (GC_STATS'
    # max_pause_ns), so that what the rounds leave out is in sight too.
    results.append({"case": "gc_pause_sliced_ever", "pyheap_ns": ever})
    print("bench gc_pause_sliced_ever: pyheap %.1f ms, longest hold since "
          "the graph was built, warm-up included" % (ever / 1e6),
          flush=True)
    # Every hold, from the gc_pauses histogram: how many were under
    # 1.024 ms.  A hold also counts the time the host took the VM's CPU
    # away, which a loaded host does for tens of milliseconds.
    total = sum(holds)
    under = sum(holds[:10])
    results.append({"case": "gc_holds_sliced", "holds": total,
                    "under_1ms": under, "hist": holds})
    print("bench gc_holds_sliced: %d holds of heap->lock, %d (%.4f%%) "
          "under 1.024 ms, histogram by log2(us) %s" %
          (total, under, 100.0 * under / max(total, 1),
           " ".join(str(x) for x in holds)), flush=True)
    # The same holds by the phase each began in (debugfs gc_slices).
    report_slice_phases("gc_slices_sliced", phases)
    # Cycles made at a steady rate, each dropped 2000 cycles later (old
    # enough to need a full collection), beside the same live graph: the
    # most unreachable objects ever seen, collections whole and in slices.
    # Half the graph, so that it and the cycles fit the default limit of
    # 2^20 objects a heap.
    cycles = int(200000 * SCALE) or 1000
    whole = gc_steady(n // 2, cycles, 2000, 0)
    sliced = gc_steady(n // 2, cycles, 2000, GC_SLICE_US)
    row = {"case": "gc_garbage_bound", "peer": "stop_the_world",
           "pyheap_unreachable": sliced[0], "peer_unreachable": whole[0],
           "pyheap_full": sliced[1], "peer_full": whole[1],
           "pyheap_pause_ns": sliced[2], "peer_pause_ns": whole[2],
           "ratio": sliced[0] / max(whole[0], 1)}
    results.append(row)
    print("bench gc_garbage_bound: slices %d unreachable at most "
          "(%d full collections, longest hold %.3f ms), stop-the-world %d "
          "(%d, %.3f ms), %d cycles, ratio %.3f" %
          (sliced[0], sliced[1], sliced[2] / 1e6, whole[0], whole[1],
           whole[2] / 1e6, cycles, row["ratio"]), flush=True)
    report_slice_phases("gc_slices_steady", sliced[3])


def gc_cases():
    n = int(1000000 * SCALE)
    peer = "cpython_gc_collect"
    m, t = gc_case("random", n)
    report("gc_full_random", peer, [x[0] for x in m], [x[0] for x in t],
           "ms", 1e6)
    # The longest hold of heap->lock: a collection holds it from start
    # to end, so it is the collection's own time (no system call in it);
    # CPython holds the GIL through gc.collect().
    report("gc_pause", peer, [x[1] for x in m], [x[0] for x in t],
           "ms", 1e6)
    gc_bounded_cases(n)
    m, t = gc_case("chain", n)
    report("gc_full_chain", peer, [x[0] for x in m], [x[0] for x in t],
           "ms", 1e6)
    m, t = gc_case("2cycles", n)
    report("gc_garbage_2cycles", peer, [x[0] for x in m],
           [x[0] for x in t], "ms", 1e6)
    # 700 objects take less than UML's system call does: the
    # collection's own time, not the ioctl's; and the fastest of 5 on
    # each side (GC_YOUNG_TRIES), since they also take less than one
    # preemption.
    m, t = gc_case("young", n)
    report("gc_young", peer, [x[1] for x in m], [x[0] for x in t],
           "us", 1e3)


def cpu():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def main():
    n = int(200000 * SCALE) or 1000
    if "--gc-peer" in sys.argv:
        i = sys.argv.index("--gc-peer")
        return gc_peer(sys.argv[i + 1], int(sys.argv[i + 2]))
    print("# pyheap bench on %s %s, %s (%s), %d rounds%s" % (
        platform.system(), platform.release(), platform.machine(), cpu(),
        ROUNDS, " (smoke)" if SMOKE else ""), flush=True)
    if SLICED_ONLY:
        gc_bounded_cases(int(1000000 * SCALE))
    if not GC_ONLY and not SLICED_ONLY:
        kernel_cases()
        kernel_lru_1m()
    if not NO_GC and not SLICED_ONLY:
        gc_cases()
    if not NATIVE and not GC_ONLY and not SLICED_ONLY:
        user_space_cases(n)
    if "--json" in sys.argv:
        path = sys.argv[sys.argv.index("--json") + 1]
        with open(path, "w") as f:
            json.dump({"machine": platform.uname()._asdict(), "cpu": cpu(),
                       "rounds": ROUNDS, "results": results}, f, indent=1)
    return 0


def user_space_cases(n):
    interleave("noop_ioctl", "getppid", lambda: ubench("noop", n),
               lambda: ubench("getppid", n))
    # The same no-op against ioctl(FIONCLEX), which the VFS answers itself:
    # what pyheap adds to the cheapest ioctl there is.
    interleave("noop_ioctl", "vfs_ioctl_floor", lambda: ubench("noop", n),
               lambda: ubench("vfs_floor", n))
    for k in (1, 16, 64, 256):
        interleave("alloc_free_batch_%d" % k, "python_object",
                   lambda: ubench("alloc", k, n),
                   lambda: py_object_pairs(n))
    # The vector forms: K objects in one OBJ_NEWV, K closes in one
    # HANDLE_CLOSEV.
    for k in (1, 16, 64, 256):
        interleave("alloc_free_vec_%d" % k, "python_object",
                   lambda: ubench("allocv", k, n),
                   lambda: py_object_pairs(n))
    for entries in (1024, 1 << 20 if not SMOKE else 4096):
        interleave("lru_hit_batch64_%d" % entries, "functools_lru_cache",
                   lambda: ubench("lru_hit", entries, n),
                   lambda: py_lru_hits(entries, n))
        interleave("lru_hit_getv64_%d" % entries, "functools_lru_cache",
                   lambda: ubench("lru_getv", entries, n),
                   lambda: py_lru_hits(entries, n))
    # Heaps share no lock: two heaps on two CPUs should take half the wall
    # time per object of one (ratio 0.5 is linear scaling).
    interleave("scale_2_heaps", "1_heap", lambda: ubench("scale", 2, n),
               lambda: ubench("scale", 1, n))


if __name__ == "__main__":
    raise SystemExit(main())
