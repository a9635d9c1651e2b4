#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""version_test: the version ioctl and the debugfs heap list from Python.

Standard library only, as the Python binding is.  Prints TAP; runs inside a
VM with pyheap.ko loaded (tools/vm/vmtest).
"""
import errno
import fcntl
import os
import re
import struct

PYHEAP_IOC_VERSION = 0xB9 << 8  # _IO(0xB9, 0)
VERSION = struct.Struct("=IIIIQ")
HEAPS = "/sys/kernel/debug/pyheap/heaps"
UAPI = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                    "include", "uapi", "linux", "pyheap.h")


def header_abi():
    """(major, minor) as include/uapi/linux/pyheap.h states them."""
    text = open(UAPI).read()
    return tuple(int(re.search(r"#define PYHEAP_ABI_%s\s+(\d+)" % part,
                               text).group(1))
                 for part in ("MAJOR", "MINOR"))


def version(fd, size=VERSION.size, flags=0):
    buf = bytearray(VERSION.pack(VERSION.size, flags, 0, 0, 0))
    buf[0:4] = struct.pack("=I", size)
    fcntl.ioctl(fd, PYHEAP_IOC_VERSION, buf)
    return VERSION.unpack(buf)


def heap_ids():
    with open(HEAPS) as f:
        lines = f.read().splitlines()
    assert lines[0].startswith("pyheap_heaps - version: 1."), lines[0]
    return [int(line.split()[0]) for line in lines[2:]]


def test_version_reports_abi():
    fd = os.open("/dev/pyheap", os.O_RDWR)
    try:
        _, _, major, minor, heap = version(fd)
        assert (major, minor) == header_abi() == (1, 10), (major, minor)
        assert heap in heap_ids()
    finally:
        os.close(fd)
    assert heap not in heap_ids()


def test_bad_flags_raise_einval():
    fd = os.open("/dev/pyheap", os.O_RDWR)
    try:
        version(fd, flags=2)
    except OSError as e:
        assert e.errno == errno.EINVAL, e
    else:
        raise AssertionError("flags=2 accepted")
    finally:
        os.close(fd)


if __name__ == "__main__":
    from taplib import run_tests
    raise SystemExit(run_tests(globals()))
