#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""lru_test: pyheap's LRU map against functools.lru_cache, and as a map.

The oracle cases run the same random call traces through a function
decorated with @functools.lru_cache and one decorated with
@heap.lru_cache, for maxsize 0, 1, 2, 5, 128 and None, typed both ways,
and compare every result, every call that reached the function, and
cache_info() after every call.  The object oracles do the same with
arguments that are objects: classes with their own __eq__ and __hash__,
NaN (the same one and fresh ones), frozensets, instances equal only to
themselves (freed, and their addresses reused), unhashable lists, and
values too long to encode; they also compare which key objects are alive
after every call (functools' dict keeps each key alive as long as its
entry).  The interpreter is the oracle: CPython 3.11 in the VM.  TAP.
"""
import collections
import functools
import io
import os
import random
import struct
import sys
import weakref
from contextlib import redirect_stdout

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "python"))
from pyheap import CMD_LRU_SET, Heap  # noqa: E402

DOMAIN = [0, 1, 2, 3, 3.0, True, 4, 5, 7, 11, "a", "b", "3", 2.5, (1, 2),
          -1, 100, 1000]


def trace(seed, n):
    rnd = random.Random(seed)
    hot = DOMAIN[:6]
    for _ in range(n):
        x = rnd.choice(hot) if rnd.random() < 0.6 else rnd.choice(DOMAIN)
        if rnd.random() < 0.1:
            yield ("call", (x, rnd.choice(DOMAIN)), {})
        elif rnd.random() < 0.05:
            yield ("call", (x,), {"k": rnd.choice(DOMAIN[:4])})
        elif rnd.random() < 0.01:
            yield ("clear", (), {})
        else:
            yield ("call", (x,), {})


def oracle(maxsize, typed, seed, n=400):
    with Heap() as h:
        seen_py, seen_ph = [], []

        @functools.lru_cache(maxsize=maxsize, typed=typed)
        def f_py(*args, **kwds):
            seen_py.append((args, kwds))
            return repr((args, sorted(kwds.items())))

        @h.lru_cache(maxsize=maxsize, typed=typed)
        def f_ph(*args, **kwds):
            seen_ph.append((args, kwds))
            return repr((args, sorted(kwds.items())))

        assert f_ph.cache_parameters() == f_py.cache_parameters()
        for i, (op, args, kwds) in enumerate(trace(seed, n)):
            if op == "clear":
                f_py.cache_clear()
                f_ph.cache_clear()
            else:
                a, b = f_py(*args, **kwds), f_ph(*args, **kwds)
                assert a == b, (i, args, a, b)
            assert seen_py == seen_ph, (i, args, seen_py[-3:],
                                        seen_ph[-3:])
            assert f_py.cache_info() == f_ph.cache_info(), \
                (i, args, f_py.cache_info(), f_ph.cache_info())
        return f_ph.cache_info()


def make_oracle_case(maxsize, typed):
    def case():
        infos = [oracle(maxsize, typed, seed) for seed in (1, 2, 3)]
        return "maxsize=%s typed=%s: %s" % (maxsize, typed, infos[0])
    case.__name__ = "test_oracle_maxsize_%s_typed_%s" % (maxsize, typed)
    return case


for _m in (0, 1, 2, 5, 128, None):
    for _t in (False, True):
        _c = make_oracle_case(_m, _t)
        globals()[_c.__name__] = _c


def test_seed_demo_prints_each_once():
    # from functools import lru_cache; @lru_cache(5) def demo(i): ...
    def run(decorator):
        out = io.StringIO()
        with redirect_stdout(out):
            @decorator
            def demo(i):
                print("demo", i)
                return i
            for _ in range(2):
                for i in range(5):
                    demo(i)
        return out.getvalue(), demo.cache_info()

    with Heap() as h:
        want = run(functools.lru_cache(5))
        got = run(h.lru_cache(5))
    assert got == want, (got, want)
    assert got[0] == "".join("demo %d\n" % i for i in range(5))
    return repr(got[1])


def test_map_api_beyond_lru_cache():
    with Heap() as h:
        c = h.lru_cache(maxsize=2)
        c.set("a", 1)
        c.set("b", b"bytes")
        assert c.peek("a") == 1               # no recency change
        c.set("c", [3])                        # evicts "a"
        assert c.get("a") is None and c.get("c") == [3]
        assert c.delete("b") and not c.delete("b")
        assert c.cache_info() == (1, 1, 2, 1), c.cache_info()
        assert c.evictions() == 1
        c.cache_clear()
        assert c.cache_info() == (0, 0, 2, 0)
        t = h.lru_cache(maxsize=None, typed=True)
        t.set(1, "int")
        t.set(1.0, "float")
        assert (t.get(1), t.get(1.0)) == ("int", "float")
        assert t.cache_parameters() == {"maxsize": None, "typed": True}


def test_long_values_come_back():
    # A GET into too little room fails with EOVERFLOW and does not say how
    # much is needed: the binding asks again with more.
    with Heap() as h:
        c = h.lru_cache(maxsize=4)
        for n in (0, 200, 300, 5000, 70000, (1 << 20) - 64):
            c.set(n, b"v" * n)
            assert c.get(n) == b"v" * n, n
            assert c.peek(n) == b"v" * n, n
        assert c.cache_info().hits == 6, c.cache_info()

        @h.lru_cache(maxsize=2)
        def big(i):
            return "x" * 1000 * i

        assert [len(big(i)) for i in (1, 2, 1, 2)] == [1000, 2000] * 2
        assert big.cache_info() == (2, 2, 2, 2), big.cache_info()


def test_object_values_live_and_die_with_entries():
    with Heap() as h:
        h.disable()
        c = h.lru_cache(maxsize=1)
        c.set("k", h.new(size=8))
        assert h.info().objects == 2           # the map and the value
        v = c.get("k")
        assert v is not None and h.getsizeof(v) == 56
        del v
        c.set("other", 1)                      # evicts: the object goes
        assert h.info().objects == 1, h.info()


def finalizer_calls(side):
    """One program, run on both sides: calls through a maxsize-2 cache
    whose results are objects with a finalizer that logs their label,
    each result (and, for "chain", the object it holds) kept by the cache
    alone.  After each call: which finalizers have run.  In CPython an
    eviction or a cache_clear() drops the last reference, so __del__ runs
    before the call returns."""
    log, steps = [], []
    f = side(log)
    for i, arg in enumerate([1, 2, 1, 3, "chain", 2, 4, "clear", 5, 6]):
        # the result stays referenced while the log is read: nothing
        # but the call itself may have run a finalizer by then
        r = f.cache_clear() if arg == "clear" else f(arg)
        steps.append((i, arg, sorted(log)))
        del r
    return steps


class PyLogged:
    def __init__(self, log, label, tail=None):
        self.log, self.label, self.tail = log, label, tail

    def __del__(self):
        self.log.append(self.label)


def py_side(log):
    @functools.lru_cache(maxsize=2)
    def f(x):
        tail = PyLogged(log, "%s.tail" % x) if x == "chain" else None
        return PyLogged(log, str(x), tail)
    return f


def test_finalizers_run_when_the_cache_lets_go():
    with Heap() as h:
        h.disable()

        def heap_side(log):
            def logger(label):
                return lambda obj: log.append(label)

            @h.lru_cache(maxsize=2)
            def f(x):
                o = h.new(slots=1, finalizer=logger(str(x)))
                if x == "chain":
                    o[0] = h.new(finalizer=logger("%s.tail" % x))
                return o
            return f

        want = finalizer_calls(py_side)
        got = finalizer_calls(heap_side)
        assert got == want, (got, want)


def test_finalizers_run_when_the_map_lets_go():
    # The map's own operations, which lru_cache has not: each drops the
    # last reference to the value it lets go, as a dict's would.
    with Heap() as h:
        h.disable()
        log = []
        c = h.lru_cache(maxsize=2)

        def value(label):
            return h.new(finalizer=lambda obj: log.append(label))
        # Each value's own handle goes before the call that lets it go,
        # and the call's argument stays open over the check: only the
        # call itself may have run the finalizer.
        c.set("a", value("a"))
        v = value("a2")
        c.set("a", v)                        # replaced: a goes
        assert log == ["a"], log
        del v
        c.delete("a")
        assert log == ["a", "a2"], log
        c.set("b", value("b"))
        c.set("c", value("c"))
        v = value("d")
        c.set("d", v)                        # evicts b
        assert log == ["a", "a2", "b"], log
        del v
        c.cache_clear()
        assert sorted(log) == ["a", "a2", "b", "c", "d"], log


def test_value_referring_to_its_map_is_collected():
    with Heap() as h:
        h.disable()
        c = h.lru_cache(maxsize=None)
        holder = h.new(slots=1)
        holder[0] = c.obj                       # value -> map
        c.set("self", holder)                   # map -> value
        del holder
        c.obj.close()
        assert h.info().objects == 2
        assert h.collect() == 2
        assert h.info().objects == 0


def test_entries_count_against_the_byte_limit():
    with open("/sys/module/pyheap/parameters/heap_max_bytes", "w") as f:
        f.write("65536")
    try:
        h = Heap()
    finally:
        with open("/sys/module/pyheap/parameters/heap_max_bytes",
                  "w") as f:
            f.write("268435456")
    with h:
        c = h.lru_cache(maxsize=None)
        try:
            for i in range(10000):
                c.set(i, b"x" * 100)
        except OSError as e:
            assert e.errno == 28, e          # ENOSPC
        else:
            raise AssertionError("no limit")
        assert c.cache_info().currsize < 10000


def test_compute_once_under_a_stampede():
    import threading
    import time
    with Heap() as h:
        calls = []

        @h.lru_cache(maxsize=16, compute_once=True)
        def slow(x):
            calls.append(x)
            time.sleep(0.3)
            return x * 10

        results = []
        threads = [threading.Thread(target=lambda: results.append(slow(7)))
                   for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert results == [70] * 8, results
        assert calls == [7], calls          # computed once, not 8 times
        info = slow.cache_info()
        assert info.currsize == 1, info
        return "8 threads, 1 computation, %s" % (info,)


def test_compute_once_give_up_and_timeout():
    import errno
    import threading
    import time
    from pyheap import PyheapError
    with Heap() as h:
        c = h.lru_cache(maxsize=4, compute_once=True, timeout=0.2)
        tag, data = c._key("k")
        found, _ = c._lookup(tag, data, 4)           # claim "k"
        assert found == 2, found
        assert c.get("k") is None                    # plain get: a miss
        try:
            c._lookup(tag, data, 4)                  # waits 0.2 s
        except PyheapError as e:
            assert e.errno == errno.EAGAIN, e
        else:
            raise AssertionError("no EAGAIN")
        # giving up (delete) hands the claim to a waiter
        got = []
        c2 = h.lru_cache(maxsize=4, compute_once=True, timeout=5)
        c2_tag, c2_data = c2._key("k")
        assert c2._lookup(c2_tag, c2_data, 4)[0] == 2
        t = threading.Thread(
            target=lambda: got.append(c2._lookup(c2_tag, c2_data, 4)[0]))
        t.start()
        time.sleep(0.2)
        assert c2.delete("k")
        t.join()
        assert got == [2], got                       # the waiter claims


def test_getv_is_the_same_as_gets_one_by_one():
    # Two maps, one trace: one map answers lists of keys with get_many
    # (LRU_GETV, one call per run of equal-length keys), the other with
    # one get per key.  Answers, cache_info, evictions and the contents
    # (hence the recency order, through later evictions) must agree.
    rnd = random.Random(7)
    domain = [0, 1, 7, 42, 99, 100, 12345, "a", "bb", b"x", (1, 2), 3.5]
    # keys also objects, numbered in the binding's table
    keys = domain + [K(1), K(2), frozenset({1}), NAN, "x" * 5000]
    with Heap() as h:
        for maxsize in (0, 1, 5, None):
            a = h.lru_cache(maxsize=maxsize)
            b = h.lru_cache(maxsize=maxsize)
            for i in range(600):
                r = rnd.random()
                if r < 0.35:
                    k, v = rnd.choice(keys), rnd.choice(domain)
                    a.set(k, v)
                    b.set(k, v)
                elif r < 0.4:
                    k = rnd.choice(keys)
                    assert a.delete(k) == b.delete(k)
                else:
                    ks = [rnd.choice(keys)
                          for _ in range(rnd.randint(1, 12))]
                    peek = r > 0.9
                    got = a.get_many(ks, default="-", peek=peek)
                    one = b.peek if peek else b.get
                    want = [one(k, "-") for k in ks]
                    assert got == want, (maxsize, i, ks, got, want)
                assert a.cache_info() == b.cache_info(), \
                    (maxsize, i, a.cache_info(), b.cache_info())
                assert a.evictions() == b.evictions()
                assert [a.peek(k, "-") for k in keys] == \
                    [b.peek(k, "-") for k in keys], (maxsize, i)
        return "4 maxsizes x 600 operations: %s" % (a.cache_info(),)


def _getv(c, ks, value_len=16, flags=0, count=None, results=None,
          **over):
    """Raw LRU_GETV over equal-length byte keys: (out, values, results)."""
    import struct
    from pyheap import _LRU_GETV, _buffer_address, CMD_LRU_GETV
    n = len(ks) if count is None else count
    kbuf = bytearray(b"".join(ks)) or bytearray(1)
    vbuf = bytearray(max(n * value_len, 1))
    rbuf = bytearray(max(n, 1) * 16)
    f = dict(size=_LRU_GETV.size, flags=flags, handle=c.obj.handle,
             count=n, key_type=0, key_len=len(ks[0]) if ks else 0,
             value_len=value_len, out_hits=0, keys=_buffer_address(kbuf),
             values=_buffer_address(vbuf),
             results=_buffer_address(rbuf) if results is None else results)
    f.update(over)
    out = c.heap._call(CMD_LRU_GETV, _LRU_GETV, *f.values())
    return out, vbuf, [r for r in struct.iter_unpack("=IIII", rbuf)][:n]


def test_getv_answers_and_refuses():
    import errno
    from pyheap import PyheapError

    def refused(want, *args, **kw):
        info = c.cache_info()
        try:
            _getv(*args, **kw)
        except PyheapError as e:
            assert e.errno == want, (e, want, args, kw)
        else:
            raise AssertionError("accepted: %s %s" % (args, kw))
        assert c.cache_info() == info              # nothing counted

    with Heap() as h:
        c = h.lru_cache(maxsize=3)
        for k, v in ((b"k1", b"one"), (b"k2", b"x" * 40), (b"k3", b"3")):
            c._op(CMD_LRU_SET, 0, 0, k, v)          # raw bytes
        out, vals, res = _getv(c, [b"k1", b"zz", b"k3", b"k1"])
        assert out[7] == 3, out                     # out_hits
        assert [r[0] for r in res] == [1, 0, 1, 1], res
        assert bytes(vals[0:16]) == b"one" + bytes(13)
        assert bytes(vals[16:32]) == bytes(16)      # a miss: all zero
        assert res[2][1] == 1 and bytes(vals[32:33]) == b"3"
        assert c.cache_info() == (3, 1, 3, 3), c.cache_info()
        # k2 is now the oldest: a new key evicts it
        c._op(CMD_LRU_SET, 0, 0, b"k4", b"4")
        assert _getv(c, [b"k2"], flags=1)[2][0][0] == 0

        # a value longer than its room: EOVERFLOW, nothing moves, and the
        # results tell the length needed
        c._op(CMD_LRU_SET, 0, 0, b"k5", b"y" * 40)
        hc = h.info().handles
        rbuf = bytearray(3 * 16)
        from pyheap import _buffer_address
        refused(errno.EOVERFLOW, c, [b"k5", b"k4", b"k3"],
                results=_buffer_address(rbuf))
        assert rbuf[4:8] == (40).to_bytes(4, "little"), bytes(rbuf)
        assert h.info().handles == hc
        refused(errno.EFAULT, c, [b"k4"], results=8)
        refused(errno.EFAULT, c, [b"k4"], keys=8)
        refused(errno.EINVAL, c, [b"k4"], count=0)
        refused(errno.EINVAL, c, [b"k4"], count=4097)
        refused(errno.EINVAL, c, [b"k4"], flags=4)  # COMPUTE
        refused(errno.EINVAL, c, [b"k4"], flags=8)
        refused(errno.EINVAL, c, [b"k4"], out_hits=1)
        refused(errno.EINVAL, c, [b"k4"], key_len=4097)
        refused(errno.EINVAL, c, [b"k4"], count=4096, key_len=257)
        refused(errno.EINVAL, c, [b"k4"], count=2, value_len=1 << 20)
        refused(errno.ENOENT, c, [b"k4"], handle=999)
        o = h.new(size=8)
        refused(errno.EINVAL, c, [b"k4"], handle=o.handle)
        # an object value comes back as a new handle, its slot zero
        c._op(CMD_LRU_SET, 2, 0, b"k6", value_handle=o.handle)
        out, vals, res = _getv(c, [b"k6"])
        assert res[0][0] == 1 and res[0][2] not in (0, o.handle), res
        assert bytes(vals[:16]) == bytes(16)
        assert h.info().handles == hc + 2
        # a key claimed for compute-once is a miss, as for GET
        cc = h.lru_cache(maxsize=4, compute_once=True)
        assert cc._lookup(0, b"kc", 4)[0] == 2
        out, _, res = _getv(cc, [b"kc"])
        assert out[7] == 0 and res[0][0] == 0
        assert cc.cache_info().misses == 2
    return "hits, misses, EOVERFLOW, EFAULT, EINVAL x8, ENOENT, objects"


# Keys that are objects: the cases where a key made from repr() parted
# from functools (issue 21).  Each side gets its own objects, made from the
# same specs, so that each cache keeps only its own keys alive.

NAN = float("nan")


class K:
    """Equal by value, with its own __eq__ and __hash__; counts its hashes."""
    hashes = 0

    def __init__(self, v):
        self.v = v
        self.label = "K(%r)" % (v,)

    def __eq__(self, other):
        return isinstance(other, K) and other.v == self.v

    def __hash__(self):
        K.hashes += 1
        return hash(self.v)


class K2(K):
    """Equal to the K of the same value; a different type when typed."""

    def __init__(self, v):
        super().__init__(v)
        self.label = "K2(%r)" % (v,)

    __hash__ = K.__hash__


class Plain:
    """Equal only to itself, with object's repr (its address): an instance
    freed and another allocated at its address repr() the same."""

    def __init__(self, label):
        self.label = label


def describe(x):
    """A side-independent text for an argument."""
    if isinstance(x, (K, Plain)):
        return x.label
    if isinstance(x, float) and x != x:
        return "nan"
    if isinstance(x, int) and x.bit_length() > 1000:
        return "int of %d bits" % x.bit_length()
    if isinstance(x, (tuple, list, frozenset)):
        return "%s(%s)" % (type(x).__name__,
                           ",".join(map(describe, sorted(x, key=repr)
                                        if isinstance(x, frozenset) else x)))
    return repr(x)


class Side:
    """One side's objects: specs materialise to arguments, the same spec
    to the same (held) object where the spec says so."""

    def __init__(self):
        self.held = {}
        self.refs = {}          # label -> weakref, of every K and Plain
        self.serial = 0

    def make(self, spec):
        kind = spec[0]
        if kind == "v":
            return spec[1]
        if kind in ("K", "K2"):
            x = (K if kind == "K" else K2)(spec[1])
        elif kind == "held":
            if spec[1] not in self.held:
                self.held[spec[1]] = K(("held", spec[1]))
            return self.held[spec[1]]
        elif kind == "nan":
            return self.held.setdefault(("nan", spec[1]), float("nan"))
        elif kind == "freshnan":
            return float("nan")
        elif kind == "fs":
            return frozenset(spec[1])
        elif kind == "plain":
            self.serial += 1
            x = Plain("Plain#%d" % self.serial)
        elif kind == "list":
            return list(spec[1])
        elif kind == "tuple":
            return tuple(self.make(s) for s in spec[1])
        else:
            raise ValueError(spec)
        self.serial += 1
        self.refs["%s@%d" % (x.label, self.serial)] = weakref.ref(x)
        return x

    def alive(self):
        return sorted(k for k, r in self.refs.items() if r() is not None)


OBJ_SPECS = [("K", 1), ("K", 2), ("K", 3), ("K2", 1), ("held", 1),
             ("held", 2), ("nan", 1), ("nan", 2), ("freshnan",),
             ("fs", (1, 2)), ("fs", (2, 1)), ("fs", ()), ("plain",),
             ("list", (1, 2)), ("v", 1), ("v", 1.0), ("v", True),
             ("v", "a"), ("v", NAN), ("v", (1, 2)),
             ("tuple", (("K", 1), ("v", 2))), ("tuple", (("nan", 1),)),
             ("tuple", (("list", (3,)),)), ("v", "x" * 5000),
             ("v", 10 ** 5000)]


def obj_trace(seed, n):
    rnd = random.Random(seed)
    hot = OBJ_SPECS[:8]
    for _ in range(n):
        s = rnd.choice(hot) if rnd.random() < 0.5 else rnd.choice(OBJ_SPECS)
        r = rnd.random()
        if r < 0.1:
            yield ("call", (s, rnd.choice(OBJ_SPECS)), {})
        elif r < 0.2:
            yield ("call", (s,), {"k": rnd.choice(OBJ_SPECS)})
        elif r < 0.22:
            yield ("clear", (), {})
        else:
            yield ("call", (s,), {})


def call(f, side, args, kwds):
    """Call f on the side's arguments: ("ok", result) or ("raise", exc)."""
    a = tuple(side.make(s) for s in args)
    k = {name: side.make(s) for name, s in kwds.items()}
    try:
        return ("ok", f(*a, **k))
    except TypeError as e:
        return ("raise", repr(e))


def obj_oracle(maxsize, typed, compute_once, seed, n=300):
    with Heap() as h:
        sides = (Side(), Side())
        seen = ([], [])

        def body(i):
            def f(*args, **kwds):
                text = describe(args) + describe(sorted(kwds.items()))
                seen[i].append(text)
                return text
            return f

        f_py = functools.lru_cache(maxsize=maxsize, typed=typed)(body(0))
        f_ph = h.lru_cache(maxsize=maxsize, typed=typed,
                           compute_once=compute_once)(body(1))
        total = [0, 0]
        for i, (op, args, kwds) in enumerate(obj_trace(seed, n)):
            if op == "clear":
                total = [t + x for t, x in zip(total, f_ph.cache_info())]
                f_py.cache_clear()
                f_ph.cache_clear()
            else:
                a = call(f_py, sides[0], args, kwds)
                b = call(f_ph, sides[1], args, kwds)
                assert a == b, (i, args, kwds, a, b)
            assert seen[0] == seen[1], (i, args, seen[0][-3:], seen[1][-3:])
            assert f_py.cache_info() == f_ph.cache_info(), \
                (i, args, f_py.cache_info(), f_ph.cache_info())
            # every key object lives exactly as long in both caches
            assert sides[0].alive() == sides[1].alive(), \
                (i, args, sides[0].alive(), sides[1].alive())
        return [t + x for t, x in zip(total, f_ph.cache_info())]


def make_obj_oracle_case(maxsize, typed, compute_once):
    def case():
        infos = [obj_oracle(maxsize, typed, compute_once, seed)
                 for seed in (11, 12)]
        return "objects, maxsize=%s typed=%s compute_once=%s: " \
            "hits, misses %s" % (maxsize, typed, compute_once, infos)
    case.__name__ = "test_oracle_objects_maxsize_%s_typed_%s%s" % (
        maxsize, typed, "_compute_once" if compute_once else "")
    return case


for _m in (0, 1, 3, 128, None):
    for _t in (False, True):
        _c = make_obj_oracle_case(_m, _t, False)
        globals()[_c.__name__] = _c
for _m in (1, 3):
    _c = make_obj_oracle_case(_m, False, True)
    globals()[_c.__name__] = _c


def run_program(decorator, program):
    """Run program(f) with f decorated; returns the calls' outcomes (hit,
    miss or the exception), cache_info() and the hashes of K taken."""
    calls = []

    @decorator
    def f(*args):
        calls.append(args)
        return len(calls)

    outcomes = []

    def step(*args):
        before = len(calls)
        try:
            f(*args)
        except TypeError as e:
            outcomes.append(repr(e))
            return
        outcomes.append("miss" if len(calls) > before else "hit")

    K.hashes = 0
    program(step)
    return outcomes, f.cache_info(), K.hashes


def test_issue_table_rows_behave_as_functools():
    def unhashable(f):
        f([1, 2])
        f((1, [2]))

    def custom_equality(f):
        f(K(1))
        f(K(1))
        f(K(2))

    def same_nan(f):
        x = float("nan")
        f(x)
        f(x)

    def two_nans(f):
        f(NAN)
        f(float("nan"))

    def freed_and_reused(f):
        for i in range(50):
            f(Plain(i))         # freed once evicted; its address reused

    want = {"unhashable": ["TypeError(\"unhashable type: 'list'\")"] * 2,
            "custom_equality": ["miss", "hit", "miss"],
            "same_nan": ["miss", "hit"],
            "two_nans": ["miss", "miss"],
            "freed_and_reused": ["miss"] * 50}
    with Heap() as h:
        for program in (unhashable, custom_equality, same_nan, two_nans,
                        freed_and_reused):
            for maxsize in (2, None):
                py = run_program(functools.lru_cache(maxsize), program)
                ph = run_program(h.lru_cache(maxsize), program)
                assert ph == py, (program.__name__, maxsize, ph, py)
                assert py[0] == want[program.__name__], (program.__name__,
                                                         py)
    return "unhashable, __eq__/__hash__, NaN twice, two NaNs, reuse"


def test_keyword_mark_is_no_argument():
    # functools' kwd_mark is an object(): no positional argument equals it
    with Heap() as h:
        for decorator in (functools.lru_cache(None), h.lru_cache(None)):
            calls = []

            @decorator
            def f(*args, **kwds):
                calls.append(1)

            f("<kwd_mark>", "k", 1)
            f(k=1)
            f(k=1)
            assert len(calls) == 2, (decorator, calls)


def test_keys_live_as_long_as_their_entries():
    # The map API against a dict holding the same keys at most maxsize,
    # least recently used out first: a key's object goes when its entry
    # is evicted, deleted or cleared.
    rnd = random.Random(5)
    with Heap() as h:
        c = h.lru_cache(maxsize=4)
        model = collections.OrderedDict()
        refs = {}
        for i in range(400):
            v = rnd.randrange(8)
            r = rnd.random()
            kc, km = K(v), K(v)         # the cache's and the model's
            refs.setdefault(v, []).append(weakref.ref(kc))
            if r < 0.4:
                c.set(kc, v)
                model[km] = v           # an equal key keeps its object
                model.move_to_end(km)
                if len(model) > 4:
                    model.popitem(last=False)
            elif r < 0.7:
                got = c.get(kc, "-")
                want = model.get(km, "-")
                assert got == want, (i, v, got, want)
                if km in model:
                    model.move_to_end(km)
            elif r < 0.95:
                assert c.delete(kc) == (km in model), (i, v)
                model.pop(km, None)
            else:
                c.cache_clear()
                model.clear()
            del kc, km
            alive = sorted(v for v, rs in refs.items() for r in rs
                           if r() is not None)
            assert alive == sorted(x.v for x in model), (i, alive,
                                                          list(model))
        return "400 operations, %d keys alive at the end" % len(alive)



# Finalizers of values the cache lets go: functools.lru_cache (and, for
# the map calls, an OrderedDict of at most maxsize entries) holding chains
# of objects with __del__, against an LruCache holding chains of heap
# objects with finalizer callables.  CPython runs each __del__ as the last
# reference goes, within the call that dropped it: an eviction, a delete,
# an overwrite or a clear.  The log is compared after every call.

class Link:
    """One object of a chain with a __del__, in CPython."""

    def __init__(self, log, label, nxt):
        self.log, self.label, self.next = log, label, nxt

    def __del__(self):
        self.log.append(self.label)


def py_chain(log, i, length):
    head = None
    for k in reversed(range(length)):
        head = Link(log, i * 10 + k, head)
    return head


def ph_chain(h, log, i, length):
    def finalizer(obj):
        log.append(obj.payload_u32())

    head = None
    for k in reversed(range(length)):
        x = h.new(slots=1, size=4, finalizer=finalizer)
        x.write(0, struct.pack("=I", i * 10 + k))
        x[0] = head
        head = x
    return head


def same_finalizers(ph_log, py_log):
    """The same finalizers ran, each as often, and along each chain in
    the same order, head first; across entries a clear may let them go
    in another order than functools' does."""
    if sorted(ph_log) != sorted(py_log):
        return False
    at = {x: k for k, x in enumerate(ph_log)}
    return all(at[x - 1] < at[x] for x in ph_log if x % 10)


def fin_trace(seed, n):
    rnd = random.Random(seed)
    for _ in range(n):
        r = rnd.random()
        key, length = rnd.randrange(6), rnd.randrange(1, 4)
        if r < 0.5:
            yield ("set", key, length)
        elif r < 0.7:
            yield ("get", key, length)
        elif r < 0.9:
            yield ("delete", key, length)
        else:
            yield ("clear", key, length)


def fin_map_oracle(maxsize, seed, n=120):
    py_log, ph_log, model = [], [], collections.OrderedDict()
    with Heap() as h:
        h.disable()
        c = h.lru_cache(maxsize=maxsize)
        for i, (op, key, length) in enumerate(fin_trace(seed, n)):
            if op == "set":
                v = py_chain(py_log, i, length)
                model[key] = v
                model.move_to_end(key)
                if maxsize is not None and len(model) > maxsize:
                    model.popitem(last=False)
                del v
                v = ph_chain(h, ph_log, i, length)
                c.set(key, v)
                del v
            elif op == "get":
                if key in model:
                    model.move_to_end(key)
                c.get(key)      # the Obj it returns goes here: no drop
            elif op == "delete":
                model.pop(key, None)
                c.delete(key)
            else:
                model.clear()
                c.cache_clear()
            assert same_finalizers(ph_log, py_log), \
                (maxsize, i, op, key, ph_log, py_log)
        model.clear()
        c.cache_clear()
        assert same_finalizers(ph_log, py_log), \
            (maxsize, "end", ph_log, py_log)
    return "%d finalizers, each as CPython ran it" % len(py_log)


def fin_decorator_oracle(maxsize, seed, n=120):
    py_log, ph_log = [], []
    with Heap() as h:
        h.disable()

        # (each computation labels its chain anew: both sides compute
        # in the same order, or the logs differ)
        py_n, ph_n = [], []

        @functools.lru_cache(maxsize)
        def f_py(i, length):
            py_n.append(i)
            return py_chain(py_log, len(py_n), length)

        @h.lru_cache(maxsize)
        def f_ph(i, length):
            ph_n.append(i)
            return ph_chain(h, ph_log, len(ph_n), length)

        rnd = random.Random(seed)
        for i in range(n):
            if rnd.random() < 0.1:
                f_py.cache_clear()
                f_ph.cache_clear()
            else:
                x, length = rnd.randrange(8), rnd.randrange(1, 4)
                f_py(x, length)         # the value returned goes at once
                f_ph(x, length)
            assert ph_n == py_n, (maxsize, i, ph_n, py_n)
            assert same_finalizers(ph_log, py_log), \
                (maxsize, i, ph_log, py_log)
        f_py.cache_clear()
        f_ph.cache_clear()
        assert same_finalizers(ph_log, py_log), \
            (maxsize, "end", ph_log, py_log)
    return "%d finalizers, each as CPython ran it" % len(py_log)


def make_fin_case(oracle_fn, kind, maxsize):
    def case():
        return oracle_fn(maxsize, 11)
    case.__name__ = "test_finalizers_of_%s_drops_maxsize_%s" % (kind,
                                                                 maxsize)
    return case


for _m in (1, 2, 4, None):
    for _o, _k in ((fin_map_oracle, "map"),
                   (fin_decorator_oracle, "decorator")):
        _c = make_fin_case(_o, _k, _m)
        globals()[_c.__name__] = _c


if __name__ == "__main__":
    from taplib import run_tests
    raise SystemExit(run_tests(globals()))
