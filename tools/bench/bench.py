#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""pyheap's benchmarks, run inside a VM by tools/bench/run.

Every case is a ratio against a peer measured in the same run: at least
15 interleaved rounds (pyheap, then the peer) after a warm-up, reported as
the median of the per-round ratios with their spread:

  bench <case>: pyheap <v> ns/op, <peer> <v> ns/op, ratio <r> (<lo>..<hi>)

In-kernel cases come from pyheap_bench.ko; user-space cases time the
ioctls from C (ubench) against CPython 3.11 peers in this interpreter.

  bench.py [--smoke] [--kernel-only] [--json FILE]

It fails if a case does not report.
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
KERNEL_ONLY = "--kernel-only" in sys.argv
ROUNDS = 3 if SMOKE else 15
SCALE = 0.05 if SMOKE else 1.0
results = []


def report(case, peer, mine, theirs):
    ratios = sorted(m / t for m, t in zip(mine, theirs))
    row = {"case": case, "peer": peer,
           "pyheap_ns": statistics.median(mine),
           "peer_ns": statistics.median(theirs),
           "ratio": statistics.median(ratios),
           "ratio_min": ratios[0], "ratio_max": ratios[-1],
           "rounds": len(ratios)}
    results.append(row)
    print("bench %s: pyheap %.1f ns/op, %s %.1f ns/op, ratio %.3f "
          "(%.3f..%.3f)" % (case, row["pyheap_ns"], peer, row["peer_ns"],
                            row["ratio"], row["ratio_min"],
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
    print("# pyheap bench on %s %s, %s (%s), %d rounds%s" % (
        platform.system(), platform.release(), platform.machine(), cpu(),
        ROUNDS, " (smoke)" if SMOKE else ""), flush=True)
    kernel_cases()
    if not KERNEL_ONLY:
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
