#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""binding_test: the Python binding in tools/python, inside a VM.  TAP."""
import errno
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "python"))
from pyheap import Heap, Obj, PyheapError  # noqa: E402


def test_names_are_references():
    with Heap() as h:
        a = h.new(slots=1)
        b = h.new(size=16)
        a[0] = b
        del b
        assert h.info().objects == 2
        c = a[0]
        assert c is not None and h.getsizeof(c) == 48 + 16
        del c
        del a[0]
        assert h.info().objects == 1
        del a
        assert h.info().objects == 0, h.info()


def test_payload_round_trip():
    with Heap() as h:
        o = h.new(size=32)
        o.write(3, b"pyheap")
        assert o.read(0, 10) == b"\0\0\0pyheap\0"


def test_errors_raise_oserror_with_errno():
    with Heap() as h:
        o = h.new(slots=1)
        for call, want in ((lambda: o[1], errno.ERANGE),
                           (lambda: o.read(30, 1), errno.ERANGE),
                           (lambda: h.new(slots=1 << 20), errno.EINVAL)):
            try:
                call()
            except PyheapError as e:
                assert e.errno == want, (e, want)
            else:
                raise AssertionError("no error")


def test_getsizeof_matches_slots_and_payload():
    with Heap() as h:
        for slots, size in ((0, 0), (1, 0), (3, 5), (0, 600)):
            o = h.new(slots=slots, size=size)
            info = h.sizeinfo(o)
            assert info.size == 48 + 8 * slots + size, info
            want = info.size if info.size > 512 else (info.size + 7) // 8 * 8
            assert info.class_size == want, info


def test_id_names_the_object_not_the_handle():
    with Heap() as h:
        a = h.new(slots=1)
        b = h.new(slots=1)
        a[0] = b
        b2 = a[0]                    # a second handle of b
        assert b2.handle != b.handle
        assert h.id_of(b2) == h.id_of(b) != h.id_of(a)
        assert 0 < h.id_of(a) < 1 << 63
        assert h.typename(a) == "object"
        assert h.typename(h.lru_cache(2).obj) == "lru_cache"
        objs = [h.new() for _ in range(1000)]
        assert len({h.id_of(o) for o in objs}) == 1000


def test_batch_creates_objects():
    import struct
    with Heap() as h:
        arg = struct.pack("=IIIIII", 24, 0, 1, 0, 0, 0)
        res = h.batch([(1, arg)] * 64)
        assert len(res) == 64 and all(r == 0 for r, _ in res), res[:3]
        assert h.info().objects == 64


def test_new_many_and_close_many():
    """new_many() makes objects in vectors of 4096; close_many() closes
    them the same way, and refuses a whole vector that names a closed
    handle or one handle twice."""
    with Heap() as h:
        h.disable()             # no automatic collection: collect() below
        objs = h.new_many(5000, slots=1, size=8)
        assert len({o.handle for o in objs}) == 5000
        assert h.info().objects == 5000 and h.info().handles == 5000
        objs[0][0] = objs[1]
        assert h.getsizeof(objs[4999]) == h.getsizeof(h.new(slots=1, size=8))
        extra = h.new()
        stale = Obj(h, extra.handle)
        extra.close()
        for bad in ([objs[2], objs[3], objs[2]], [objs[4], stale]):
            try:
                h.close_many(bad)
                raise AssertionError("close_many(%r) did not fail" % bad)
            except PyheapError as e:
                assert e.errno == errno.ENOENT, e
        stale.handle = 0        # not ours to close again
        assert objs[2].handle and objs[4].handle
        h.close_many(objs[1:])
        assert all(o.handle == 0 for o in objs[1:])
        assert h.info().objects == 2, h.info()
        h.close_many([objs[0]])
        assert h.info().objects == 0 and h.info().handles == 0, h.info()
        assert h.new_many(0) == []
        fin = h.new_many(2, slots=1, finalizer=True)
        fin[0][0] = fin[1]
        fin[1][0] = fin[0]
        del fin
        # Their finalizer events resurrect them, so, as in CPython, the
        # first collection counts none; the next one frees both.
        assert h.collect() == 0 and len(h.events()) == 2
        assert h.collect() == 2 and h.info().objects == 0, h.info()


def test_abi_mismatch_closes_the_file_once():
    import pyheap
    saved = pyheap.PYHEAP_ABI_MAJOR
    pyheap.PYHEAP_ABI_MAJOR = saved + 1
    try:
        try:
            Heap()
        except RuntimeError:
            # the number the refused heap had is free: take it
            fd = os.open("/dev/null", os.O_RDONLY)
        else:
            raise AssertionError("a heap of another ABI accepted")
    finally:
        pyheap.PYHEAP_ABI_MAJOR = saved
    try:
        os.fstat(fd)        # the refused heap, now gone, left it open
    finally:
        os.close(fd)


def test_events_leave_the_file_blocking():
    # O_NONBLOCK on the file makes a compute-once wait fail at once
    with Heap() as h:
        h.disable()
        a = h.new(slots=1, finalizer=True)
        a[0] = a
        del a
        h.collect()
        assert os.get_blocking(h.fd)
        assert len(h.events()) == 1 and h.events() == []
        assert os.get_blocking(h.fd), "events() left O_NONBLOCK set"


def test_finalizer_callables_and_events_side_by_side():
    """Callable finalizers run in collect(); finalizer=True objects still
    come back through events(), even when collect() read them."""
    with Heap() as h:
        h.disable()
        ran = []
        a = h.new(slots=1, finalizer=lambda o: ran.append(h.id_of(o)))
        b = h.new(slots=1, finalizer=True)
        a[0], b[0] = a, b
        ida, idb = h.id_of(a), h.id_of(b)
        del a, b
        assert h.collect() == 1, "a is freed, b is handed back"
        assert ran == [ida], ran
        ev = h.events()
        assert [h.id_of(o) for o in ev] == [idb], ev
        del ev
        assert h.collect() == 1 and h.info().objects == 0
        assert ran == [ida] and h.events() == []


def test_finalizer_of_a_freed_object_is_not_inherited():
    """An object with a callable freed by its count runs it in the del
    (ABI 1.9), and its table entry goes with the call; a finalizer=True
    object made at its address, with its id, must get its own event, not
    the old callable."""
    with Heap() as h:
        h.disable()
        ran = []
        a = h.new(slots=1, finalizer=lambda o: ran.append(h.id_of(o)))
        old = h.id_of(a)
        del a                                   # freed by its count
        assert ran == [old], ran
        b = h.new(slots=1, finalizer=True)
        assert h.id_of(b) == old, "the block was not reused: no test"
        b[0] = b
        del b
        assert h.collect() == 0 and ran == [old]
        assert len(h.events()) == 1
        c = h.new(slots=1, finalizer=lambda o: ran.append(1))
        c[0] = c
        del c
        assert h.collect() == 2 and ran == [old, 1], ran


def test_callbacks_as_cpythons():
    """gc.callbacks: every callback in order, one info dict, an exception
    to sys.unraisablehook and the next callback still called."""
    import gc
    seen = {"cpython": [], "pyheap": []}
    raised = {"cpython": [], "pyheap": []}
    infos = {"cpython": [], "pyheap": []}

    def run(side, callbacks, collect):
        def bad(phase, info):
            seen[side].append(("bad", phase))
            infos[side].append(info)
            raise ValueError(phase)

        def good(phase, info):
            seen[side].append(("good", phase, dict(info)))
            infos[side].append(info)

        callbacks[:0] = [bad, good]
        hook = sys.unraisablehook
        sys.unraisablehook = lambda u: raised[side].append(
            repr(u.exc_value))
        try:
            collect()
        finally:
            sys.unraisablehook = hook
            del callbacks[:2]

    gc.disable()
    try:
        gc.collect()
        run("cpython", gc.callbacks, gc.collect)
    finally:
        gc.enable()
    with Heap() as h:
        run("pyheap", h.callbacks, h.collect)
    # the same info dict to every callback of a phase, a new one per phase
    for side, (b1, g1, b2, g2) in infos.items():
        assert b1 is g1 and b2 is g2 and b1 is not b2, side
    assert seen["pyheap"] == seen["cpython"], seen
    assert raised["pyheap"] == raised["cpython"], raised


if __name__ == "__main__":
    from taplib import run_tests
    raise SystemExit(run_tests(globals()))
