# SPDX-License-Identifier: GPL-2.0
"""pyheap: drive a /dev/pyheap heap from Python, standard library only.

    >>> from pyheap import Heap
    >>> h = Heap()
    >>> a = h.new(slots=1)
    >>> b = h.new(size=16)
    >>> a[0] = b          # a's slot takes a reference on b
    >>> del b             # closes the handle; a[0] keeps the object alive
    >>> h.info().objects
    2
    >>> h.getsizeof(a)
    56

Each Obj owns one handle (one reference), as a Python name does; dropping
the last Python reference to an Obj closes its handle.  Errors raise
OSError with the kernel's errno (see the errno table in
Documentation/pyheap/uapi.rst).
"""

import collections
import ctypes
import fcntl
import os
import struct

__all__ = ["Heap", "Obj", "HeapInfo", "SizeInfo", "PyheapError"]

_MAGIC = 0xB9
ABI_MAJOR = 1

(CMD_VERSION, CMD_OBJ_NEW, CMD_HANDLE_DUP, CMD_HANDLE_CLOSE, CMD_SLOT_SET,
 CMD_SLOT_GET, CMD_PAYLOAD_WRITE, CMD_PAYLOAD_READ, CMD_GETSIZEOF,
 CMD_HEAP_INFO, CMD_BATCH) = range(11)

GETSIZEOF_DEEP = 1
BATCH_STOP_ON_ERROR = 1

# struct layouts, in include/uapi/linux/pyheap.h order
_VERSION = struct.Struct("=IIIIQ")
_OBJ_NEW = struct.Struct("=IIIIII")
_HANDLE_DUP = struct.Struct("=IIII")
_HANDLE_CLOSE = struct.Struct("=IIII")
_SLOT = struct.Struct("=IIIIII")
_PAYLOAD = struct.Struct("=IIIIQQ")
_GETSIZEOF = struct.Struct("=IIIIQQQQ")
_HEAP_INFO = struct.Struct("=IIQQQQQQ")
_BATCH = struct.Struct("=IIIIQII")
_OP = struct.Struct("=Ii56s")

HeapInfo = collections.namedtuple(
    "HeapInfo", "objects bytes handles max_objects max_bytes max_handles")
SizeInfo = collections.namedtuple(
    "SizeInfo", "size class_size deep_size deep_objects")


class PyheapError(OSError):
    """An ioctl failed; .errno is the kernel's errno."""


def _io(nr):
    return (_MAGIC << 8) | nr


class Heap:
    """One heap: one open file of /dev/pyheap."""

    def __init__(self, path="/dev/pyheap"):
        self.fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
        _, _, major, minor, self.id = self._call(
            CMD_VERSION, _VERSION, _VERSION.size, 0, 0, 0, 0)
        if major != ABI_MAJOR:
            os.close(self.fd)
            raise RuntimeError("pyheap ABI %d.%d, this binding speaks %d"
                               % (major, minor, ABI_MAJOR))
        self.abi = (major, minor)

    def _call(self, cmd, layout, *fields):
        buf = bytearray(layout.pack(*fields))
        try:
            fcntl.ioctl(self.fd, _io(cmd), buf)
        except OSError as e:
            raise PyheapError(e.errno, os.strerror(e.errno)) from None
        return layout.unpack(buf)

    def close(self):
        """Close the file: the heap and everything in it is freed."""
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()

    def new(self, slots=0, size=0):
        """A new object with `slots` empty reference slots and `size`
        zeroed payload bytes."""
        out = self._call(CMD_OBJ_NEW, _OBJ_NEW, _OBJ_NEW.size, 0, slots,
                         size, 0, 0)
        return Obj(self, out[4])

    def info(self):
        out = self._call(CMD_HEAP_INFO, _HEAP_INFO, _HEAP_INFO.size, 0,
                         0, 0, 0, 0, 0, 0)
        return HeapInfo(*out[2:])

    def sizeinfo(self, obj, deep=False):
        out = self._call(CMD_GETSIZEOF, _GETSIZEOF, _GETSIZEOF.size,
                         GETSIZEOF_DEEP if deep else 0, obj.handle, 0,
                         0, 0, 0, 0)
        return SizeInfo(*out[4:])

    def getsizeof(self, obj):
        """What sys.getsizeof() reports: header, slots and payload."""
        return self.sizeinfo(obj).size

    def batch(self, ops, stop_on_error=False):
        """Run [(cmd, packed_struct), ...] in one ioctl; returns the list
        of (result, output bytes), result 0 or a negative errno."""
        arr = bytearray()
        for cmd, arg in ops:
            arr += _OP.pack(cmd, 0, bytes(arg))
        buf = bytearray(_BATCH.pack(_BATCH.size,
                                    BATCH_STOP_ON_ERROR if stop_on_error
                                    else 0, len(ops), _OP.size, 0, 0, 0))
        addr = _buffer_address(arr)
        struct.pack_into("=Q", buf, 16, addr)
        try:
            fcntl.ioctl(self.fd, _io(CMD_BATCH), buf)
        except OSError as e:
            raise PyheapError(e.errno, os.strerror(e.errno)) from None
        done = struct.unpack_from("=I", buf, 24)[0]
        res = []
        for i in range(done):
            _, result, out = _OP.unpack_from(arr, i * _OP.size)
            res.append((result, out))
        return res


def _buffer_address(buf):
    return ctypes.addressof(ctypes.c_char.from_buffer(buf))


class Obj:
    """A handle on one object: indexing reads and writes its slots."""

    __slots__ = ("heap", "handle")

    def __init__(self, heap, handle):
        self.heap = heap
        self.handle = handle

    def __getitem__(self, index):
        out = self.heap._call(CMD_SLOT_GET, _SLOT, _SLOT.size, 0,
                              self.handle, index, 0, 0)
        return Obj(self.heap, out[5]) if out[5] else None

    def __setitem__(self, index, target):
        self.heap._call(CMD_SLOT_SET, _SLOT, _SLOT.size, 0, self.handle,
                        index, target.handle if target else 0, 0)

    def __delitem__(self, index):
        self[index] = None

    def write(self, offset, data):
        data = bytes(data)
        buf = bytearray(data) or bytearray(1)
        self.heap._call(CMD_PAYLOAD_WRITE, _PAYLOAD, _PAYLOAD.size, 0,
                        self.handle, len(data), offset,
                        _buffer_address(buf))

    def read(self, offset, length):
        buf = bytearray(length or 1)
        self.heap._call(CMD_PAYLOAD_READ, _PAYLOAD, _PAYLOAD.size, 0,
                        self.handle, length, offset, _buffer_address(buf))
        return bytes(buf[:length])

    def close(self):
        """Drop this handle's reference now (``del`` does the same)."""
        if self.handle and self.heap.fd >= 0:
            self.heap._call(CMD_HANDLE_CLOSE, _HANDLE_CLOSE,
                            _HANDLE_CLOSE.size, 0, self.handle, 0)
        self.handle = 0

    def __del__(self):
        try:
            self.close()
        except OSError:
            pass

    def __repr__(self):
        return "<pyheap.Obj handle %d of heap %d>" % (self.handle,
                                                      self.heap.id)
