#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The pyheap demo, run inside a VM by tools/demo/run.

Each step prints the shell command or Python statement it stands for, then
the real output.
"""
import fcntl
import os
import platform
import struct
import subprocess

PYHEAP_IOC_VERSION = 0xB9 << 8  # _IO(0xB9, 0)
VERSION = struct.Struct("=IIIIQ")


def sh(cmd):
    print("$ " + cmd)
    out = subprocess.run(cmd, shell=True, capture_output=True, text=True)
    print((out.stdout + out.stderr).rstrip())
    print()


def version(fd):
    buf = bytearray(VERSION.pack(VERSION.size, 0, 0, 0, 0))
    fcntl.ioctl(fd, PYHEAP_IOC_VERSION, buf)
    return VERSION.unpack(buf)


def main():
    print("kernel: %s %s" % (platform.release(), platform.version()))
    print()
    sh("grep pyheap /proc/modules | cut -d' ' -f1-3")
    sh("dmesg | grep 'pyheap:'")
    sh("ls -l /dev/pyheap")
    sh("grep . /sys/module/pyheap/parameters/*")

    print(">>> a = os.open('/dev/pyheap', os.O_RDWR)   # one heap per open")
    print(">>> b = os.open('/dev/pyheap', os.O_RDWR)")
    a = os.open("/dev/pyheap", os.O_RDWR)
    b = os.open("/dev/pyheap", os.O_RDWR)
    print(">>> ioctl(a, PYHEAP_IOC_VERSION)   # size, flags, major, minor, heap")
    print(version(a))
    print(">>> ioctl(b, PYHEAP_IOC_VERSION)")
    print(version(b))
    version(b)
    print()
    sh("cat /sys/kernel/debug/pyheap/heaps")
    print(">>> os.close(a)   # the heap goes with its file")
    os.close(a)
    print()
    sh("cat /sys/kernel/debug/pyheap/heaps")
    os.close(b)


if __name__ == "__main__":
    main()
