#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""limits_test: memory cgroup charging, and no kernel pointer leaking out.

TAP; runs inside a VM with pyheap.ko loaded, as root.
"""
import ctypes
import errno
import fcntl
import glob
import os
import re
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "python"))
import pyheap  # noqa: E402
from pyheap import Heap, PyheapError  # noqa: E402

CG = "/sys/fs/cgroup"
KERNEL_ADDR = re.compile(rb"ffff[89a-f][0-9a-f]{11}", re.I)


def cgroup_v2():
    if not os.path.exists(CG + "/cgroup.controllers"):
        os.makedirs(CG, exist_ok=True)
        os.system("mount -t cgroup2 none %s 2>/dev/null" % CG)
    return os.path.exists(CG + "/cgroup.controllers")


def test_memcg_64mib_gives_enomem():
    """A heap in a 64 MiB memory cgroup gets ENOMEM, not the machine."""
    assert cgroup_v2(), "no cgroup2 in this VM"
    with open(CG + "/cgroup.subtree_control", "w") as f:
        f.write("+memory")
    path = CG + "/pyheap_test"
    os.makedirs(path, exist_ok=True)
    with open(path + "/memory.max", "w") as f:
        f.write(str(64 << 20))
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 3
        try:
            with open(path + "/cgroup.procs", "w") as f:
                f.write(str(os.getpid()))
            h = Heap()
            keep = []
            for i in range(200):          # 200 MiB asked, 64 allowed
                keep.append(h.new(size=1 << 20))
            code = 1                       # never refused
        except PyheapError as e:
            code = 0 if e.errno == errno.ENOMEM else 2
            os.write(w, b"%d" % len(keep))
        os._exit(code)
    os.close(w)
    _, status = os.waitpid(pid, 0)
    got = os.read(r, 16).decode()
    os.close(r)
    os.rmdir(path)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, \
        (status, got)
    with Heap() as h:                      # the rest of the system is fine
        h.new(size=1 << 20)
    return "ENOMEM after %s MiB of objects" % got


def _finalizer_garbage_charge(by_work, n=100000):
    """memory.current growth, in a cgroup of its own, while n unreachable
    finalizer objects are handed back as events: by the collector's work
    item (by_work) or by an explicit GC_COLLECT."""
    path = CG + "/pyheap_work_%d" % by_work
    os.makedirs(path, exist_ok=True)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 2
        try:
            with open(path + "/cgroup.procs", "w") as f:
                f.write(str(os.getpid()))
            h = Heap()
            h.disable()
            objs = h.new_many(n, slots=1, finalizer=True)
            h.link_many((o, 0, o) for o in objs)
            h.close_many(objs)
            with open(path + "/memory.current") as f:
                before = int(f.read())
            if by_work:
                h.set_threshold(1)
                h.enable()
                h.new(slots=1)             # queues the work item
                deadline = time.monotonic() + 120
                while (h._gc_state()[12] < n and
                       time.monotonic() < deadline):
                    time.sleep(0.05)
            else:
                h.collect()
            events = h._gc_state()[12]
            with open(path + "/memory.current") as f:
                after = int(f.read())
            os.write(w, b"%d %d" % (events, after - before))
            code = 0
        except BaseException as e:         # say why, from the child
            sys.stderr.write("# child (by_work=%d): %r\n" % (by_work, e))
        finally:
            os._exit(code)
    os.close(w)
    _, status = os.waitpid(pid, 0)
    got = os.read(r, 64).decode().split()
    os.close(r)
    os.rmdir(path)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
    events, grew = map(int, got)
    assert events == n, (by_work, events)
    return grew


def test_collector_work_charges_the_heaps_memcg():
    """What the collector's work item allocates for a heap (finalizer
    events, their handles) is charged to the heap owner's memory cgroup,
    as when the owner collects itself, not to the kworker's (root)."""
    assert cgroup_v2(), "no cgroup2 in this VM"
    with open(CG + "/cgroup.subtree_control", "w") as f:
        f.write("+memory")
    direct = _finalizer_garbage_charge(False)
    work = _finalizer_garbage_charge(True)
    assert direct > (1 << 20), direct       # events and handles: MiBs
    # Before the fix the work item charged nothing (0 of 8404992 bytes in
    # UML).  With it, UML's debug kernel charges both runs the same; QEMU's
    # stock kernel (2 CPUs) charged the work item 0.65 of the direct run,
    # a gap not explained yet, so the bound is half.
    assert work > 0.5 * direct, (work, direct)
    return "100000 events: %d KiB charged by GC_COLLECT, %d KiB by the " \
        "work item" % (direct >> 10, work >> 10)


P32 = 0xA5A5A5A5
P64 = 0xA5A5A5A5A5A5A5A5
PS64 = P64 - (1 << 64)
PBYTES = b"\xa5" * 16


def kernel_words(buf):
    """Offsets of 8-byte values (at every 4-byte step, little endian)
    that lie in the kernel half of x86-64's address space; ERR_PTR-style
    small negative numbers are not addresses."""
    hits = []
    for off in range(0, len(buf) - 7, 4):
        v = int.from_bytes(buf[off:off + 8], "little")
        if v >> 47 == 0x1FFFF and v < 0xFFFFFFFFFFFFF000:
            hits.append((off, hex(v)))
    return hits


def pattern_words(buf):
    """Offsets of 4-byte words still holding the fill pattern."""
    return [off for off in range(0, len(buf) - 3, 4)
            if buf[off:off + 4] == b"\xa5" * 4]


def test_outputs_carry_no_kernel_pointer_and_no_stale_byte():
    """Each struct goes in a page of 0xa5 bytes with every out_* member
    set to 0xa5 as well (but those that name a new handle or count one,
    which must come in as 0).  Afterwards nothing past its size has changed,
    no out_* member still holds the pattern (the kernel wrote every one),
    and no 8 bytes look like a kernel address."""
    with Heap() as h:
        a = h.new(slots=2, size=16)
        a[0] = a
        c = h.lru_cache(4)
        c.set("k", b"v")
        tag, kdata = c._key("k")
        kbuf = ctypes.create_string_buffer(kdata, len(kdata))
        vbuf = ctypes.create_string_buffer(64)
        rbuf = ctypes.create_string_buffer(16)
        hbuf = ctypes.create_string_buffer(4)
        P, Q, S = P32, P64, PS64
        calls = [
            (pyheap.CMD_VERSION, pyheap._VERSION, (24, 0, P, P, Q)),
            (pyheap.CMD_OBJ_NEW, pyheap._OBJ_NEW, (24, 0, 1, 8, 0, 0)),
            (pyheap.CMD_HANDLE_DUP, pyheap._HANDLE_DUP,
             (16, 0, a.handle, 0)),
            (pyheap.CMD_SLOT_GET, pyheap._SLOT, (24, 0, a.handle, 0, 0, 0)),
            (pyheap.CMD_GETSIZEOF, pyheap._GETSIZEOF,
             (48, 1, a.handle, 0, Q, Q, Q, Q)),
            (pyheap.CMD_HEAP_INFO, pyheap._HEAP_INFO, (56, 0) + (Q,) * 6),
            (pyheap.CMD_GC_COLLECT, pyheap._GC_COLLECT,
             (40, 0, 2, 0, 0, 0, 0)),
            (pyheap.CMD_GC_GET, pyheap._GC_STATE,
             (72, 0) + (P,) * 8 + (Q, Q, Q, 0, 0)),
            (pyheap.CMD_GC_STATS, struct.Struct("=II" + "Q" * 21),
             (176, 0) + (Q,) * 21),
            (pyheap.CMD_GC_STATS, pyheap._GC_STATS, (200, 0) + (Q,) * 24),
            (pyheap.CMD_GC_FREEZE, pyheap._GC_FREEZE, (16, 2, Q)),
            (pyheap.CMD_GC_OBJ_INFO, struct.Struct("=IIIIIIII"),
             (32, 0, a.handle, P, P, P, P, 0)),
            (pyheap.CMD_GC_OBJ_INFO, pyheap._GC_OBJ_INFO,
             (56, 0, a.handle, P, P, P, P, 0, Q, PBYTES)),
            (pyheap.CMD_LRU_INFO, pyheap._LRU_INFO,
             (56, 0, c.obj.handle, P, S, Q, Q, Q, Q)),
            (pyheap.CMD_LRU_GETV, pyheap._LRU_GETV,
             (56, 0, c.obj.handle, 1, tag, len(kdata), 64, 0,
              ctypes.addressof(kbuf), ctypes.addressof(vbuf),
              ctypes.addressof(rbuf))),
            (pyheap.CMD_OBJ_NEWV, pyheap._OBJ_NEWV,
             (32, 0, 1, 8, 1, 0, ctypes.addressof(hbuf))),
        ]
        for cmd, layout, fields in calls:
            page = bytearray(b"\xa5" * 4096)
            layout.pack_into(page, 0, *fields)
            try:
                fcntl.ioctl(h.fd, (0xB9 << 8) | cmd, page)
            except OSError as e:
                raise AssertionError("cmd %d: %s" % (cmd, e))
            assert page[layout.size:] == b"\xa5" * (4096 - layout.size), \
                "cmd %d wrote past its struct" % cmd
            out = bytes(page[:layout.size])
            assert not pattern_words(out), \
                "cmd %d left out_* unwritten at %s" % (cmd,
                                                      pattern_words(out))
            assert not kernel_words(out), (cmd, kernel_words(out))
        return "%d structs" % len(calls)


def test_output_buffers_carry_no_stale_byte():
    """Buffers the kernel fills (handle arrays, payloads, values, events)
    start as 0xa5: exactly the bytes it reports are written, with real
    data, and the rest is untouched."""
    import ctypes
    with Heap() as h:
        a = h.new(slots=3, size=40, finalizer=True)
        b = h.new(slots=1)
        a[0] = b
        a[2] = b
        n = 0
        # GC_REFS: two referents (b twice) into a 16-entry array
        arr = (ctypes.c_uint32 * 16)(*([P32] * 16))
        raw = bytearray(pyheap._GC_REFS.pack(32, pyheap._GC_REFERENTS,
                                             a.handle, 16,
                                             ctypes.addressof(arr), 0, 0))
        fcntl.ioctl(h.fd, (0xB9 << 8) | pyheap.CMD_GC_REFS, raw)
        got = pyheap._GC_REFS.unpack(raw)[5]
        assert got == 2 and all(x != P32 for x in arr[:got]) and \
            all(x == P32 for x in arr[got:]), list(arr)
        for x in arr[:got]:
            fcntl.ioctl(h.fd, (0xB9 << 8) | pyheap.CMD_HANDLE_CLOSE,
                        pyheap._HANDLE_CLOSE.pack(16, 0, x, 0))
        n += 1
        # PAYLOAD_READ of a fresh payload: zeros, not the pattern
        buf = ctypes.create_string_buffer(b"\xa5" * 64, 64)
        raw = pyheap._PAYLOAD.pack(32, 0, a.handle, 40, 0,
                                   ctypes.addressof(buf))
        fcntl.ioctl(h.fd, (0xB9 << 8) | pyheap.CMD_PAYLOAD_READ, raw)
        assert buf.raw[:40] == bytes(40) and \
            buf.raw[40:] == b"\xa5" * 24, buf.raw
        n += 1
        # LRU GET of a 3-byte value into a 64-byte buffer
        c = h.lru_cache(4)
        c._op(pyheap.CMD_LRU_SET, 0, 1, b"key", b"abc")
        key = ctypes.create_string_buffer(b"key", 3)
        val = ctypes.create_string_buffer(b"\xa5" * 64, 64)
        raw = bytearray(pyheap._LRU_OP.pack(
            56, 0, c.obj.handle, 1, 3, 64, ctypes.addressof(key),
            ctypes.addressof(val), 0, 0, 0, 0))
        fcntl.ioctl(h.fd, (0xB9 << 8) | pyheap.CMD_LRU_GET, raw)
        out = pyheap._LRU_OP.unpack(raw)
        assert out[9:] == (1, 3, 0), out
        assert val.raw == b"abc" + b"\xa5" * 61, val.raw
        n += 1
        # LRU GETV of a hit and a miss, 8 bytes of room each: both slots
        # and both results written in full, nothing beyond
        keys = ctypes.create_string_buffer(b"keyzzz", 6)
        vals = ctypes.create_string_buffer(b"\xa5" * 32, 32)
        res = ctypes.create_string_buffer(b"\xa5" * 48, 48)
        raw = bytearray(pyheap._LRU_GETV.pack(
            56, 0, c.obj.handle, 2, 1, 3, 8, 0, ctypes.addressof(keys),
            ctypes.addressof(vals), ctypes.addressof(res)))
        fcntl.ioctl(h.fd, (0xB9 << 8) | pyheap.CMD_LRU_GETV, raw)
        assert pyheap._LRU_GETV.unpack(raw)[7] == 1
        assert vals.raw == b"abc" + bytes(13) + b"\xa5" * 16, vals.raw
        assert res.raw[:32] == struct.pack("=8I", 1, 3, 0, 0, 0, 0, 0, 0) \
            and res.raw[32:] == b"\xa5" * 16, res.raw
        n += 1
        # OBJ_NEWV of 3 objects into room for 4: three real handles
        arr = (ctypes.c_uint32 * 4)(*([P32] * 4))
        raw = pyheap._OBJ_NEWV.pack(32, 0, 0, 0, 3, 0, ctypes.addressof(arr))
        fcntl.ioctl(h.fd, (0xB9 << 8) | pyheap.CMD_OBJ_NEWV, raw)
        assert all(0 < x < P32 for x in arr[:3]) and arr[3] == P32, list(arr)
        h.close_many([pyheap.Obj(h, x) for x in arr[:3]])
        n += 1
        # read(): one finalizer event into a bigger buffer (a, freed by
        # its count, is handed back first since ABI 1.9: take that one)
        del a, b
        assert len(h.events()) == 1
        f = h.new(slots=1, finalizer=True)
        f[0] = f
        del f
        h.collect()
        data = os.read(h.fd, 64)
        assert len(data) == pyheap._EVENT.size and \
            not pattern_words(data) and not kernel_words(data), data
        n += 1
    return "%d buffers" % n


def test_debugfs_carries_no_kernel_pointer():
    """No debugfs file prints a kernel address, in hex or in decimal."""
    with Heap() as h:
        a = h.new(slots=1)
        a[0] = a
        h.lru_cache(4).set("k", b"v")
        files = 0
        for path in glob.glob("/sys/kernel/debug/pyheap/**", recursive=True):
            if not os.path.isfile(path):
                continue
            data = open(path, "rb").read()
            files += 1
            assert not KERNEL_ADDR.search(data), path
            for word in re.findall(rb"\d{19,}", data):
                v = int(word)
                assert not (v >> 47 == 0x1FFFF and
                            v < 0xFFFFFFFFFFFFF000), (path, word)
        assert files >= 10, files
    return "%d debugfs files" % files


if __name__ == "__main__":
    from taplib import run_tests
    raise SystemExit(run_tests(globals()))
