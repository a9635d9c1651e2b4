#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Root looks into another process's heap: <heap id>/objects and
<heap id>/garbage in debugfs, and pyheapctl graph -H and stats -H on them.

Every test starts a child process that builds a heap and waits; this
process, which holds no handle of that heap, reads it."""
import collections
import ctypes
import json
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))
CTL = os.path.join(HERE, "..", "pyheapctl", "pyheapctl")
DBG = "/sys/kernel/debug/pyheap"
# Under TCG (QEMU) everything is ten times slower: the big heap shrinks.
BIG = 200000 if os.environ.get("PYHEAP_VM") == "qemu" else 1000000

# The child: builds the heap named by argv[1], prints one JSON line
# (its heap id and the ids of what it made), then obeys stdin: "churn N"
# makes and frees N objects in a loop until stdin has another line,
# "exit" (or EOF) closes the heap.
CHILD = r'''
import ctypes, json, os, select, sys
sys.path.insert(0, sys.argv[1])
import pyheap
from pyheap import Heap

h = Heap()
h.disable()
out = {"heap": h.id}
shape = sys.argv[2]
if shape == "graph":
    # a live ring of three behind the handle of r1, a chain a -> b -> c,
    # an object with 100 slots pointing at c, and in gc.garbage a 2-cycle
    # of legacy finalizers with a tail, and a self-loop; the tail has an
    # (empty) slot, so that it is tracked and goes to gc.garbage too
    r1, r2, r3 = h.new(slots=1), h.new(slots=1), h.new(slots=1)
    r1[0] = r2; r2[0] = r3; r3[0] = r1
    a, b, c = h.new(slots=2), h.new(slots=1, size=100), h.new()
    a[1] = b; b[0] = c
    wide = h.new(slots=100)
    h.link_many([(wide, i, c) for i in range(100)])
    g1 = h.new(slots=2, legacy_finalizer=True)
    g2 = h.new(slots=1)
    tail = h.new(slots=1, size=64)
    g1[0] = g2; g2[0] = g1; g1[1] = tail
    self_ = h.new(slots=1, legacy_finalizer=True)
    self_[0] = self_
    names = dict(r1=r1, r2=r2, r3=r3, a=a, b=b, c=c, wide=wide, g1=g1,
                 g2=g2, tail=tail, self=self_)
    out["ids"] = {k: h.id_of(v) for k, v in names.items()}
    h.close_many([r2, r3, b, c, g1, g2, tail, self_])
    out["collected"] = h.collect()
elif shape == "wide":
    # 10 objects of 4096 slots, every slot on one target: more
    # references than one chunk holds, so objects go on in the next
    target = h.new()
    wide = h.new_many(10, slots=pyheap.PYHEAP_MAX_SLOTS)
    h.link_many([(w, i, target) for w in wide
                 for i in range(pyheap.PYHEAP_MAX_SLOTS)])
    out["target"] = h.id_of(target)
    out["wide"] = [h.id_of(w) for w in wide]
elif shape.startswith("many"):
    # N objects without slots, made by OBJ_NEWV without Objs in Python
    n = int(shape[4:])
    k = pyheap.PYHEAP_VEC_MAX
    handles = (ctypes.c_uint32 * k)()
    left = n
    while left:
        m = min(left, k)
        h._ioctl(pyheap.PYHEAP_CMD_OBJ_NEWV, pyheap.PyheapObjNewv(
            nslots=0, payload_size=8, count=m,
            handles=ctypes.addressof(handles)))
        left -= m
print(json.dumps(out), flush=True)
churn = 0
while True:
    if churn:
        r, _, _ = select.select([sys.stdin], [], [], 0)
        if not r:
            objs = h.new_many(churn, slots=1)
            h.link_many([(o, 0, o) for o in objs])
            h.close_many(objs)
            h.collect(0)
            continue
    line = sys.stdin.readline().split()
    if not line or line[0] == "exit":
        break
    if line[0] == "churn":
        churn = int(line[1])
    if line[0] == "stop":
        churn = 0
h.close()
'''


class Child:
    """A process that owns a heap; this one has no handle of it."""

    def __init__(self, shape):
        self.p = subprocess.Popen(
            [sys.executable, "-c", CHILD, os.path.join(HERE, "..", "python"),
             shape], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            text=True)
        self.info = json.loads(self.p.stdout.readline())
        self.id = self.info["heap"]
        self.dir = "%s/%d" % (DBG, self.id)

    def say(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()

    def close(self):
        if self.p.poll() is None:
            self.say("exit")
        assert self.p.wait(timeout=300) == 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def ctl(*args):
    p = subprocess.run([CTL] + list(args), capture_output=True, text=True,
                       timeout=300)
    return p.returncode, p.stdout, p.stderr


def read_rows(path, bufsize=4096):
    """The lines of a dump read with bufsize-byte reads, and the reads."""
    fd = os.open(path, os.O_RDONLY)
    chunks, reads = [], 0
    try:
        while True:
            s = os.read(fd, bufsize)
            if not s:
                break
            assert len(s) <= bufsize
            reads += 1
            chunks.append(s)
    finally:
        os.close(fd)
    return b"".join(chunks).decode().splitlines(), reads


def objects(path):
    """{id: (type, size, refcnt, gen, [(slot, id), ...])} of an objects
    dump, its continuation rows joined, and the ids in file order."""
    lines, _ = read_rows(path)
    assert lines[0] == "pyheap_objects - version: 1.0", lines[0]
    assert lines[1] == "# id type size refcnt gen nrefs first refs"
    objs, order = {}, []
    for line in lines[2:]:
        f = line.split()
        oid, t, size, refcnt, gen, nrefs, first = map(int, f[:7])
        refs = [(None if s == "-" else int(s), int(i))
                for s, i in (r.split(":") for r in f[7:])]
        assert len(refs) <= 32, line
        if oid in objs:
            assert order[-1] == oid and first == len(objs[oid][4]), line
            objs[oid][4].extend(refs)
        else:
            assert first == 0, line
            objs[oid] = (t, size, refcnt, gen, refs)
            order.append(oid)
        assert len(objs[oid][4]) <= nrefs, line
    return objs, order


def test_objects_dump_lists_the_graph():
    with Child("graph") as ch:
        ids = ch.info["ids"]
        assert ch.info["collected"] == 4, ch.info
        objs, order = objects(ch.dir + "/objects")
        assert order == sorted(order), "not in id order"
        assert set(objs) == set(ids.values()), (objs, ids)
        assert objs[ids["r1"]][4] == [(0, ids["r2"])], objs[ids["r1"]]
        assert objs[ids["r3"]][4] == [(0, ids["r1"])], objs[ids["r3"]]
        assert objs[ids["a"]][4] == [(1, ids["b"])], objs[ids["a"]]
        assert objs[ids["g1"]][4] == [(0, ids["g2"]), (1, ids["tail"])]
        assert objs[ids["self"]][4] == [(0, ids["self"])], objs[ids["self"]]
        # 100 references: four rows, slots 0..99 in order
        assert objs[ids["wide"]][4] == [(i, ids["c"]) for i in range(100)]
        assert objs[ids["c"]][2] == 101, objs[ids["c"]]  # b[0], wide's
        assert objs[ids["r1"]][2] == 2, objs[ids["r1"]]  # r3[0], handle
        assert objs[ids["g2"]][2] == 2, objs[ids["g2"]]  # g1[0], garbage
        assert objs[ids["tail"]][2] == 2, objs[ids["tail"]]  # g1, garbage
        types = open(ch.dir + "/types").read().split("\n")[2].split()
        assert sum(o[1] for o in objs.values()) == int(types[2]), types
        assert all(o[3] in range(5) for o in objs.values())
        lines, _ = read_rows(ch.dir + "/garbage")
        assert lines[:2] == ["pyheap_garbage - version: 1.0",
                             "# index id group"], lines
        rows = [tuple(map(int, ln.split())) for ln in lines[2:]]
        groups = {i: g for _, i, g in rows}
        assert [r[0] for r in rows] == list(range(len(rows)))
        assert len(rows) == 4, rows
        assert groups[ids["g1"]] == groups[ids["g2"]] == 1, rows
        assert groups[ids["self"]] == 2 and groups[ids["tail"]] == 0, rows
        st = os.stat(ch.dir + "/objects")
        assert st.st_mode & 0o777 == 0o400, oct(st.st_mode)
        assert os.stat(ch.dir + "/garbage").st_mode & 0o777 == 0o400
    return "11 objects, 109 references, 4 garbage entries in 2 cycles"


def test_references_beyond_a_chunk_go_on():
    with Child("wide") as ch:
        objs, order = objects(ch.dir + "/objects")
        assert set(order) == set(ch.info["wide"]) | {ch.info["target"]}
        want = [(i, ch.info["target"]) for i in range(4096)]
        for w in ch.info["wide"]:
            assert objs[w][4] == want, (w, len(objs[w][4]))
        assert objs[ch.info["target"]][2] == 40961, objs[ch.info["target"]]
    return "10 objects of 4096 references, 40960 > 32768 in a chunk"


def test_graph_draws_another_process_heap():
    with Child("graph") as ch:
        ids = ch.info["ids"]
        rc, out, err = ctl("graph", "-H", str(ch.id))
        assert rc == 0, err
        assert out.startswith("digraph pyheap {") and out.endswith("}\n")
        nodes = re.findall(r"^\tn\d+ \[label=.*$", out, re.M)
        edges = re.findall(r"^\tn\d+ -> n\d+", out, re.M)
        assert len(nodes) == 11 and len(edges) == 109, (len(nodes),
                                                       len(edges))
        assert sum("fillcolor=orange" in n for n in nodes) == 3, out
        assert sum("color=red" in n for n in nodes) == 4, out
        colours = collections.Counter(re.findall(r"fillcolor=(\w+)", out))
        assert colours == {"orange": 3, "lightblue": 2, "palegreen": 1}, \
            colours
        self_ = [n for n in nodes if "0x%x" % ids["self"] in n]
        assert len(self_) == 1 and "palegreen" in self_[0], out
        assert "\t/* cycle 2: 0x%x -> 0x%x */\n" % (ids["self"],
                                                    ids["self"]) in out
        if shutil.which("dot"):
            p = subprocess.run(["dot", "-Tsvg"], input=out, text=True,
                               capture_output=True)
            assert p.returncode == 0 and "<svg" in p.stdout, p.stderr
        rc, out, err = ctl("-j", "graph", "-H", str(ch.id))
        assert rc == 0, err
        g = json.loads(out)
        assert {n["id"] for n in g["nodes"]} == set(ids.values())
        slots = sorted(e["slot"] for e in g["edges"]
                       if e["from"] == ids["wide"])
        assert slots == list(range(100)), slots
        garb = {n["id"]: n["cycle"] for n in g["nodes"] if n["garbage"]}
        assert garb == {ids["g1"]: 1, ids["g2"]: 1, ids["self"]: 2,
                        ids["tail"]: 0}, garb
        assert sorted(len(c) for c in g["cycles"]) == [1, 2], g["cycles"]
        rc, out, err = ctl("graph", "--cycles", "-H", str(ch.id))
        assert rc == 0 and len(out.splitlines()) == 2, out
        rc, out, err = ctl("graph", "-H", str(ch.id), "--why", "a")
        assert rc == 2, (rc, err)
    rc, out, err = ctl("graph", "-H", str(ch.id))
    assert rc == 1 and "no heap" in err, err
    return "11 nodes, 109 edges, 2 garbage cycles coloured"


def test_stats_of_another_process_heap():
    with Child("graph") as ch:
        rc, out, err = ctl("stats", "-H", str(ch.id))
        assert rc == 0, err
        assert "pyheap_types" in out and "pyheap_heaps" in out, out
        rc, out, err = ctl("-j", "stats", "-H", str(ch.id))
        assert rc == 0, err
        s = json.loads(out)
        assert [r["objects"] for r in s["heaps"]] == [11], s["heaps"]
        assert s["types"] == [{"heap": ch.id, "id": 0, "objects": 11,
                               "bytes": s["types"][0]["bytes"],
                               "name": "object"}], s["types"]
        rc, out, err = ctl("-j", "stats", "-H", str(ch.id), "garbage")
        assert rc == 0, err
        rows = json.loads(out)["garbage"]
        assert sorted(r["group"] for r in rows) == [0, 1, 1, 2], rows


def test_no_address_in_the_dumps():
    with Child("graph") as ch:
        for name in ("objects", "garbage"):
            text = open(ch.dir + "/" + name).read()
            assert not re.search(r"ffff[0-9a-f]{8}", text, re.I), text
            for n in re.findall(r"\d+", text):
                assert int(n) < 1 << 63, (name, n)  # 0xffff... in decimal
        rc, out, err = ctl("graph", "-H", str(ch.id))
        assert not re.search(r"0xffff[0-9a-f]{8}", out), out


def test_a_million_objects_read_back():
    n = BIG
    t0 = time.monotonic()
    with Child("many%d" % n) as ch:
        t1 = time.monotonic()
        lines, reads = read_rows(ch.dir + "/objects", 4096)
        t2 = time.monotonic()
        ids = [int(ln.split(None, 1)[0]) for ln in lines[2:]]
        assert len(ids) == n, len(ids)
        assert all(a < b for a, b in zip(ids, ids[1:])), "not sorted"
        # a seek back to the start re-reads the first rows
        with open(ch.dir + "/objects", "rb") as f:
            f.read(1 << 20)
            f.seek(0)
            assert f.readline() == b"pyheap_objects - version: 1.0\n"
    return "%d objects made in %.1fs, read in %.1fs by %d reads of 4096" % (
        n, t1 - t0, t2 - t1, reads)


def test_read_while_the_heap_changes():
    """Objects alive through a whole read are listed exactly once, while
    the owner makes and frees others and collects."""
    with Child("many40000") as ch:
        before, _ = objects(ch.dir + "/objects")
        ch.say("churn 500")
        for _ in range(3):
            objs, order = objects(ch.dir + "/objects")
            assert len(order) == len(set(order)), "an object twice"
            assert set(before) <= set(objs), "an object missed"
            read_rows(ch.dir + "/garbage")
        ch.say("stop")
    return "3 reads of 40000 objects under churn"


def test_eio_once_the_heap_is_gone():
    ch = Child("many40000")
    fo = os.open(ch.dir + "/objects", os.O_RDONLY)
    fg = os.open(ch.dir + "/garbage", os.O_RDONLY)
    try:
        assert os.read(fo, 4096).startswith(b"pyheap_objects")
        assert os.read(fg, 100).startswith(b"pyheap_garbage")
        ch.close()
        for fd in (fo, fg):
            try:
                os.read(fd, 4096)
            except OSError as e:
                assert e.errno == 5, e     # EIO
            else:
                raise AssertionError("read after the heap went")
        assert not os.path.exists(ch.dir)
    finally:
        os.close(fo)
        os.close(fg)


if __name__ == "__main__":
    from taplib import run_tests
    raise SystemExit(run_tests(globals()))
