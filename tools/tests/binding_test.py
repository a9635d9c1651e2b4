#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""binding_test: the Python binding in tools/python, inside a VM.  TAP."""
import errno
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "python"))
from pyheap import Heap, PyheapError  # noqa: E402


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


if __name__ == "__main__":
    from taplib import run_tests
    raise SystemExit(run_tests(globals()))
