#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""pyheapctl, run as its users run it: scripts, graphs, stats, top, JSON,
exit codes and messages."""
import collections
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))
from pyheap import Heap  # noqa: E402

CTL = os.path.join(HERE, "..", "pyheapctl", "pyheapctl")


def ctl(*args, script=None, stdin=None):
    """(exit status, stdout, stderr) of one pyheapctl run; script is
    written to a file whose path replaces the string "SCRIPT"."""
    path = None
    if script is not None:
        fd, path = tempfile.mkstemp(suffix=".py")
        os.write(fd, script.encode())
        os.close(fd)
        args = [path if a == "SCRIPT" else a for a in args]
    try:
        p = subprocess.run([CTL] + list(args), input=stdin,
                           capture_output=True, text=True, timeout=120)
    finally:
        if path:
            os.unlink(path)
    return p.returncode, p.stdout, p.stderr


CYCLE = """\
# the seed's cycle: two objects that only hold each other
a = new(slots=1)
b = new(slots=1)
a[0] = b
b[0] = a
getsizeof(a)
sys.getrefcount(a)
del a
del b
collect()
collect()
"""


def test_usage_errors_exit_2():
    for args in ([], ["frobnicate"], ["--bogus"], ["stats", "nosuch"],
                 ["top", "-n", "x"], ["shell", "a", "b"],
                 ["graph", "--bogus", "f"]):
        rc, out, err = ctl(*args)
        assert rc == 2, (args, rc, err)
        assert "pyheapctl --help" in err, (args, err)
    rc, out, _ = ctl("--help")
    assert rc == 0 and "shell" in out and "Exit status" in out
    rc, out, _ = ctl("--version")
    assert rc == 0 and re.search(r"ABI \d+\.\d+", out), out


def test_errors_say_how_to_fix():
    rc, _, err = ctl("-D", "/nonexistent", "shell", "-", stdin="")
    assert rc == 1 and "insmod" in err, err
    rc, _, err = ctl("-B", "/nonexistent", "stats")
    assert rc == 1 and "mount -t debugfs" in err, err


def test_shell_script_frees_a_cycle():
    rc, out, err = ctl("shell", "SCRIPT", script=CYCLE)
    assert rc == 0, err
    # getsizeof: header + one slot in its size class; the refcount counts
    # the name a, b's slot and getrefcount's own argument, as CPython's
    assert out.split("\n")[:4] == ["56", "3", "2", "0"], out


def test_script_error_names_its_line():
    rc, out, err = ctl("shell", "SCRIPT",
                       script="a = new()\n\nb = a[0]\nprint('never')\n")
    assert rc == 1, (rc, err)
    assert re.search(r"\.py:3: IndexError: slot index out of range", err), \
        err
    assert "never" not in out
    for bad, msg in (("x", "NameError: name 'x' is not defined"),
                     ("a = new(slot=1)", "unexpected keyword argument"),
                     ("a = 'open", "SyntaxError: unterminated string"),
                     ("a = new() + 1", "SyntaxError"),
                     ("c = lru_cache(2)\nc['k']", "KeyError: 'k'")):
        rc, _, err = ctl("shell", "-", stdin=bad + "\n")
        assert rc == 1 and msg in err, (bad, err)


def test_shell_matches_python_output():
    script = """\
c = lru_cache(2)
c["x"] = 1
c["y"] = "why"
c["x"]
c["y"]
c["z"] = None
c.get("x", -1)
c.cache_info()
c.cache_parameters()
c.evictions()
gc.get_threshold()
gc.set_threshold(500, 5)
gc.get_threshold()
gc.isenabled()
gc.disable()
gc.isenabled()
type(c)
print("done", 1, None)
"""
    rc, out, err = ctl("shell", "-", stdin=script)
    assert rc == 0, err
    assert out.splitlines() == [
        "1", "'why'", "-1",
        "CacheInfo(hits=2, misses=1, maxsize=2, currsize=2)",
        "{'maxsize': 2, 'typed': False}", "1",
        "(700, 10, 10)", "(500, 5, 10)", "True", "False",
        "<class 'lru_cache'>", "done 1 None"], out


def test_json_output_parses():
    rc, out, err = ctl("-j", "shell", "-", stdin=CYCLE +
                       "gc.get_stats()\nc = lru_cache(None)\n"
                       "c.cache_info()\nheap()\n")
    assert rc == 0, err
    vals = [json.loads(line) for line in out.splitlines()]
    assert vals[:4] == [56, 3, 2, 0], vals
    assert len(vals[4]) == 3 and vals[4][2]["collections"] == 2, vals[4]
    assert vals[5]["maxsize"] is None, vals[5]
    assert vals[6]["objects"] == 1, vals[6]


def test_finalizer_runs_once_legacy_goes_to_garbage():
    rc, out, err = ctl("shell", "-", stdin="""\
f = new(slots=1, finalizer=True)
f[0] = f
del f
collect()
collect()
g = new(slots=1, legacy=True)
g[0] = g
del g
collect()
gc.garbage
gc.clear_garbage()
gc.garbage
""")
    assert rc == 0, err
    lines = out.splitlines()
    assert sum(x.startswith("# finalizer: <object object at 0x")
               for x in lines) == 1, out
    assert re.fullmatch(r"\[<object object at 0x[0-9a-f]+>\]", lines[-2]), \
        out
    assert lines[-1] == "[]", out


GRAPH = """\
a = new(slots=2)
b = new(slots=2)
c = new()
a[0] = b
b[1] = c
r1 = new(slots=1)
r2 = new(slots=1)
r3 = new(slots=1)
r1[0] = r2
r2[0] = r3
r3[0] = r1
del r2
del r3
x = new(slots=1, legacy=True)
x[0] = x
del x
collect()
"""


def test_graph_draws_cycles_and_garbage():
    rc, out, err = ctl("graph", "SCRIPT", script=GRAPH)
    assert rc == 0, err
    assert out.startswith("digraph pyheap {") and out.endswith("}\n")
    nodes = re.findall(r"^\tn\d+ \[label=.*$", out, re.M)
    edges = re.findall(r"^\tn\d+ -> n\d+", out, re.M)
    assert len(nodes) == 7 and len(edges) == 6, out
    assert sum("fillcolor=orange" in n for n in nodes) == 3, out  # ring
    # x, garbage on a cycle of its own: the first cycle's colour
    x = [n for n in nodes if "color=red" in n]
    assert len(x) == 1 and "fillcolor=lightblue" in x[0], out
    xid = re.search(r"object (0x[0-9a-f]+)", x[0]).group(1)
    assert "\t/* cycle 1: %s -> %s */\n" % (xid, xid) in out, out
    assert sum("penwidth=2" in n for n in nodes) == 4, out     # a b c r1
    if shutil.which("dot"):
        p = subprocess.run(["dot", "-Tsvg"], input=out, text=True,
                           capture_output=True)
        assert p.returncode == 0 and "<svg" in p.stdout, p.stderr
    rc, out, err = ctl("-j", "graph", "SCRIPT", script=GRAPH)
    g = json.loads(out)
    assert len(g["nodes"]) == 7 and len(g["edges"]) == 6
    assert sorted(n["name"] or "" for n in g["nodes"] if n["cyclic"]) == \
        ["", "", "", "r1"]
    garb = [n for n in g["nodes"] if n["garbage"]]
    assert len(garb) == 1 and garb[0]["cycle"] == 1, g["nodes"]
    assert g["cycles"] == [[garb[0]["id"]]], g["cycles"]
    return "7 nodes, 6 edges, 4 on cycles, 1 in gc.garbage"


def test_graph_why_gives_the_shortest_chain():
    rc, out, err = ctl("graph", "--why", "c", "SCRIPT", script=GRAPH)
    assert rc == 0, err
    steps = [line.split()[0] for line in out.splitlines()]
    assert steps == ["b", "b[1]"], out
    rc, out, err = ctl("-j", "graph", "--why", "c", "SCRIPT",
                       script=GRAPH + "del b\n")
    chain = json.loads(out)["chain"]
    assert [s["expr"] for s in chain] == ["a", "a[0]", "a[0][1]"], out
    assert [s["slot"] for s in chain] == [0, 1, None], out
    rc, out, err = ctl("graph", "--why", "a", "SCRIPT", script=GRAPH)
    assert rc == 0 and "reachable from no other name" in out, out
    assert "gc.garbage" not in out, out
    # another name on the object itself: that name is the whole chain
    rc, out, err = ctl("graph", "--why", "c", "SCRIPT",
                       script=GRAPH + "d = b[1]\ndel b\n")
    assert rc == 0 and [line.split()[0] for line in out.splitlines()] == \
        ["d"], out
    rc, out, err = ctl("graph", "--why", "nosuch", "SCRIPT", script=GRAPH)
    assert rc == 1 and "no object has that name" in err, err


CYCLES = """\
gc.disable()
for_a = new(slots=1, legacy=True)
for_b = new(slots=2)
for_a[0] = for_b
for_b[0] = for_a
for_b[1] = new(size=64)
c = new(slots=1, legacy=True)
d = new(slots=1)
c[0] = d
d[0] = c
e = new(slots=1, legacy=True)
e[0] = e
del for_a
del for_b
del c
del d
del e
collect()
"""


def test_cycles_prints_each_garbage_cycle():
    rc, out, err = ctl("shell", "-", stdin=CYCLES + "cycles()\n")
    assert rc == 0, err
    lines = out.splitlines()[1:]           # after collect()'s 7
    assert len(lines) == 3, out
    for i, line in enumerate(lines, 1):
        m = re.fullmatch(r"cycle %d: (0x[0-9a-f]+)((?: -> 0x[0-9a-f]+)+)"
                         % i, line)
        assert m, line
        walk = [m.group(1)] + m.group(2).split(" -> ")[1:]
        assert walk[0] == walk[-1] and len(set(walk)) == len(walk) - 1
    assert sorted(line.count("->") for line in lines) == [1, 2, 2], out
    rc, out, err = ctl("-j", "graph", "--cycles", "SCRIPT", script=CYCLES)
    assert rc == 0, err
    cycles = json.loads(out)["cycles"]
    assert sorted(len(c) for c in cycles) == [1, 2, 2], cycles
    rc, out, err = ctl("graph", "--cycles", "SCRIPT", script="a = new()\n")
    assert rc == 0 and out == "gc.garbage holds no cycle\n", out
    rc, out, err = ctl("graph", "SCRIPT", script=CYCLES)
    colours = collections.Counter(re.findall(r"fillcolor=(\w+)", out))
    assert sorted(colours.values()) == [1, 2, 2], out
    assert set(colours) == {"lightblue", "palegreen", "plum"}, out
    assert len(re.findall(r"^\t/\* cycle \d: ", out, re.M)) == 3, out
    return "3 cycles among 7 garbage objects"


def test_stats_show_a_live_heap():
    with Heap() as h:
        objs = [h.new(slots=1, size=24) for _ in range(10)]
        c = h.lru_cache(3)
        c.set("k", 1)
        rc, out, err = ctl("-j", "stats")
        assert rc == 0, err
        s = json.loads(out)
        mine = [r for r in s["heaps"] if r["heap"] == h.id]
        assert len(mine) == 1 and mine[0]["objects"] == 11, s["heaps"]
        assert mine[0]["lost_finalizers"] == 0, mine
        # what memory pressure took: one row per heap, by default
        assert [r["scans"] for r in s["shrinker"] if r["heap"] == h.id] \
            == [0], s["shrinker"]
        assert any(r["heap"] == h.id and r["maxsize"] == 3 and
                   r["currsize"] == 1 for r in s["lru"]), s["lru"]
        assert sum(r["blocks_inuse"] for r in s["classes"]) >= 10
        rc, out, err = ctl("stats", "-H", str(h.id), "types", "gc")
        assert rc == 0 and re.search(r"\bobject\b", out), out
        assert re.search(r"^\s*%d\s+0\s+700\s" % h.id, out, re.M), out
        rc, out, err = ctl("-j", "stats", "-H", str(h.id))
        assert rc == 0, err
        s = json.loads(out)
        assert [r["heap"] for r in s["shrinker"]] == [h.id], s
        rc, out, err = ctl("-j", "stats", "gc_slices")
        assert rc == 0 and "gc_slices" in json.loads(out), out
        rc, out, err = ctl("top", "-n", "2", "-d", "1")
        assert rc == 0 and out.count("pyheapctl top") == 2, out
        assert re.search(r"^\s*%d\s" % h.id, out, re.M), out
        del objs, c


if __name__ == "__main__":
    from taplib import run_tests
    raise SystemExit(run_tests(globals()))
