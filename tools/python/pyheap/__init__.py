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

The binding speaks include/uapi/linux/pyheap.h by name: every constant
below has the header's name and value, and every struct of the header is
one ctypes.Structure with the header's field names, passed to the ioctl
as it is.  tools/tests/binding_abi_test.py checks all of it against the
header (and the header against the C compiler).
"""

import collections
import ctypes
import errno
import fcntl
import functools
import operator
import os
import pickle
import struct
import threading
import zlib

__all__ = ["Heap", "Obj", "LruCache", "CacheInfo", "HeapInfo", "SizeInfo",
           "PyheapError"]

# Constants of include/uapi/linux/pyheap.h, with its names and values.

PYHEAP_IOC_MAGIC = 0xB9

PYHEAP_ABI_MAJOR = 1
PYHEAP_ABI_MINOR = 10

PYHEAP_HANDLE_NONE = 0

PYHEAP_MAX_SLOTS = 4096
PYHEAP_MAX_PAYLOAD = 1 << 20

PYHEAP_CMD_BASE = 0x00
PYHEAP_CMD_VERSION = PYHEAP_CMD_BASE
PYHEAP_CMD_OBJ_NEW = PYHEAP_CMD_BASE + 1
PYHEAP_CMD_HANDLE_DUP = PYHEAP_CMD_BASE + 2
PYHEAP_CMD_HANDLE_CLOSE = PYHEAP_CMD_BASE + 3
PYHEAP_CMD_SLOT_SET = PYHEAP_CMD_BASE + 4
PYHEAP_CMD_SLOT_GET = PYHEAP_CMD_BASE + 5
PYHEAP_CMD_PAYLOAD_WRITE = PYHEAP_CMD_BASE + 6
PYHEAP_CMD_PAYLOAD_READ = PYHEAP_CMD_BASE + 7
PYHEAP_CMD_GETSIZEOF = PYHEAP_CMD_BASE + 8
PYHEAP_CMD_HEAP_INFO = PYHEAP_CMD_BASE + 9
PYHEAP_CMD_BATCH = PYHEAP_CMD_BASE + 10
PYHEAP_CMD_GC_COLLECT = PYHEAP_CMD_BASE + 11
PYHEAP_CMD_GC_GET = PYHEAP_CMD_BASE + 12
PYHEAP_CMD_GC_SET = PYHEAP_CMD_BASE + 13
PYHEAP_CMD_GC_STATS = PYHEAP_CMD_BASE + 14
PYHEAP_CMD_GC_FREEZE = PYHEAP_CMD_BASE + 15
PYHEAP_CMD_GC_OBJ_INFO = PYHEAP_CMD_BASE + 16
PYHEAP_CMD_GC_REFS = PYHEAP_CMD_BASE + 17
PYHEAP_CMD_GC_GARBAGE = PYHEAP_CMD_BASE + 18
PYHEAP_CMD_LRU_NEW = PYHEAP_CMD_BASE + 19
PYHEAP_CMD_LRU_GET = PYHEAP_CMD_BASE + 20
PYHEAP_CMD_LRU_SET = PYHEAP_CMD_BASE + 21
PYHEAP_CMD_LRU_DELETE = PYHEAP_CMD_BASE + 22
PYHEAP_CMD_LRU_INFO = PYHEAP_CMD_BASE + 23
PYHEAP_CMD_LRU_GETV = PYHEAP_CMD_BASE + 24          # since ABI 1.2
PYHEAP_CMD_OBJ_NEWV = PYHEAP_CMD_BASE + 25          # since ABI 1.3
PYHEAP_CMD_HANDLE_CLOSEV = PYHEAP_CMD_BASE + 26     # since ABI 1.3
PYHEAP_CMD_GC_WHY = PYHEAP_CMD_BASE + 27           # since ABI 1.5
PYHEAP_CMD_GC_OBJECTS = PYHEAP_CMD_BASE + 28       # since ABI 1.7

PYHEAP_OBJ_FINALIZER = 1 << 0
PYHEAP_OBJ_LEGACY_FINALIZER = 1 << 1

PYHEAP_GETSIZEOF_DEEP = 1 << 0

PYHEAP_BATCH_STOP_ON_ERROR = 1 << 0
PYHEAP_BATCH_MAX = 4096

PYHEAP_GC_NR_GENS = 3
PYHEAP_GC_COLLECT_HANDED = 1 << 0

PYHEAP_GC_DEBUG_STATS = 1 << 0
PYHEAP_GC_DEBUG_COLLECTABLE = 1 << 1
PYHEAP_GC_DEBUG_UNCOLLECTABLE = 1 << 2
PYHEAP_GC_DEBUG_SAVEALL = 1 << 5

PYHEAP_GC_SET_ENABLED = 1 << 0
PYHEAP_GC_SET_DEBUG = 1 << 1
PYHEAP_GC_SET_THRESHOLD = 1 << 2

PYHEAP_GC_FREEZE = 1 << 0
PYHEAP_GC_UNFREEZE = 1 << 1

PYHEAP_GC_REFERENTS = 1 << 0
PYHEAP_GC_REFERRERS = 1 << 1

PYHEAP_GC_GARBAGE_LIST = 1 << 0
PYHEAP_GC_GARBAGE_CLEAR = 1 << 1

PYHEAP_GC_REFS_MAX = 4096

PYHEAP_GC_OBJECTS_GENERATION = 1 << 0

PYHEAP_SLOT_NONE = 0xffffffff

PYHEAP_EVENT_FINALIZE = 1

PYHEAP_LRU_MAXSIZE_NONE = -1
PYHEAP_LRU_MAX_KEY_SIZE = 4096
PYHEAP_LRU_MAX_VALUE_SIZE = 1 << 20

PYHEAP_LRU_TYPED = 1 << 0
PYHEAP_LRU_MAY_SHRINK = 1 << 1         # since ABI 1.8

PYHEAP_LRU_PEEK = 1 << 0
PYHEAP_LRU_VALUE_OBJECT = 1 << 1
PYHEAP_LRU_COMPUTE = 1 << 2

PYHEAP_LRU_MISS = 0
PYHEAP_LRU_HIT = 1
PYHEAP_LRU_CLAIMED = 2

PYHEAP_LRU_CLEAR = 1 << 0

PYHEAP_LRU_GETV_MAX = 4096
PYHEAP_LRU_GETV_MAX_BYTES = 1 << 20

PYHEAP_VEC_MAX = 4096

# The binding's older names for some of them, which its users import.
ABI_MAJOR = PYHEAP_ABI_MAJOR
CMD_VERSION = PYHEAP_CMD_VERSION
CMD_OBJ_NEW = PYHEAP_CMD_OBJ_NEW
CMD_HANDLE_DUP = PYHEAP_CMD_HANDLE_DUP
CMD_HANDLE_CLOSE = PYHEAP_CMD_HANDLE_CLOSE
CMD_SLOT_SET = PYHEAP_CMD_SLOT_SET
CMD_SLOT_GET = PYHEAP_CMD_SLOT_GET
CMD_PAYLOAD_WRITE = PYHEAP_CMD_PAYLOAD_WRITE
CMD_PAYLOAD_READ = PYHEAP_CMD_PAYLOAD_READ
CMD_GETSIZEOF = PYHEAP_CMD_GETSIZEOF
CMD_HEAP_INFO = PYHEAP_CMD_HEAP_INFO
CMD_BATCH = PYHEAP_CMD_BATCH
CMD_GC_COLLECT = PYHEAP_CMD_GC_COLLECT
CMD_GC_GET = PYHEAP_CMD_GC_GET
CMD_GC_SET = PYHEAP_CMD_GC_SET
CMD_GC_STATS = PYHEAP_CMD_GC_STATS
CMD_GC_FREEZE = PYHEAP_CMD_GC_FREEZE
CMD_GC_OBJ_INFO = PYHEAP_CMD_GC_OBJ_INFO
CMD_GC_REFS = PYHEAP_CMD_GC_REFS
CMD_GC_GARBAGE = PYHEAP_CMD_GC_GARBAGE
CMD_LRU_NEW = PYHEAP_CMD_LRU_NEW
CMD_LRU_GET = PYHEAP_CMD_LRU_GET
CMD_LRU_SET = PYHEAP_CMD_LRU_SET
CMD_LRU_DELETE = PYHEAP_CMD_LRU_DELETE
CMD_LRU_INFO = PYHEAP_CMD_LRU_INFO
CMD_LRU_GETV = PYHEAP_CMD_LRU_GETV
CMD_OBJ_NEWV = PYHEAP_CMD_OBJ_NEWV
CMD_HANDLE_CLOSEV = PYHEAP_CMD_HANDLE_CLOSEV
CMD_GC_WHY = PYHEAP_CMD_GC_WHY
CMD_GC_OBJECTS = PYHEAP_CMD_GC_OBJECTS
GETSIZEOF_DEEP = PYHEAP_GETSIZEOF_DEEP
BATCH_STOP_ON_ERROR = PYHEAP_BATCH_STOP_ON_ERROR
OBJ_FINALIZER = PYHEAP_OBJ_FINALIZER
OBJ_LEGACY_FINALIZER = PYHEAP_OBJ_LEGACY_FINALIZER
VEC_MAX = PYHEAP_VEC_MAX

# gc debug flags: the values of Python's gc module
DEBUG_STATS = PYHEAP_GC_DEBUG_STATS
DEBUG_COLLECTABLE = PYHEAP_GC_DEBUG_COLLECTABLE
DEBUG_UNCOLLECTABLE = PYHEAP_GC_DEBUG_UNCOLLECTABLE
DEBUG_SAVEALL = PYHEAP_GC_DEBUG_SAVEALL
DEBUG_LEAK = DEBUG_COLLECTABLE | DEBUG_UNCOLLECTABLE | DEBUG_SAVEALL

_MAGIC = PYHEAP_IOC_MAGIC
_GC_SET_ENABLED = PYHEAP_GC_SET_ENABLED
_GC_SET_DEBUG = PYHEAP_GC_SET_DEBUG
_GC_SET_THRESHOLD = PYHEAP_GC_SET_THRESHOLD
_FREEZE, _UNFREEZE = PYHEAP_GC_FREEZE, PYHEAP_GC_UNFREEZE
_GC_REFERENTS, _GC_REFERRERS = PYHEAP_GC_REFERENTS, PYHEAP_GC_REFERRERS
_GC_GARBAGE_LIST = PYHEAP_GC_GARBAGE_LIST
_GC_GARBAGE_CLEAR = PYHEAP_GC_GARBAGE_CLEAR
_EVENT_FINALIZE = PYHEAP_EVENT_FINALIZE
_LRU_GETV_MAX = PYHEAP_LRU_GETV_MAX
_LRU_GETV_MAX_BYTES = PYHEAP_LRU_GETV_MAX_BYTES
_LRU_TYPED, _LRU_PEEK = PYHEAP_LRU_TYPED, PYHEAP_LRU_PEEK
_LRU_VALUE_OBJECT = PYHEAP_LRU_VALUE_OBJECT
_LRU_CLEAR, _LRU_COMPUTE = PYHEAP_LRU_CLEAR, PYHEAP_LRU_COMPUTE
_LRU_MISS, _LRU_HIT = PYHEAP_LRU_MISS, PYHEAP_LRU_HIT
_LRU_CLAIMED = PYHEAP_LRU_CLAIMED


def _io(type_, nr):
    """_IO() of <asm-generic/ioctl.h>: no direction and no size bits,
    the type in bits 8-15 and the number in bits 0-7."""
    return (type_ << 8) | nr


def _request(cmd):
    """The ioctl request number of a PYHEAP_CMD_*: PYHEAP_IOC_*."""
    return _io(PYHEAP_IOC_MAGIC, cmd)


# The structs of include/uapi/linux/pyheap.h, in its order.

_u8, _u16, _u32, _u64 = (ctypes.c_uint8, ctypes.c_uint16, ctypes.c_uint32,
                         ctypes.c_uint64)
_s32, _s64 = ctypes.c_int32, ctypes.c_int64
_char = ctypes.c_char

# the range of each integer type, as struct.pack() enforced it before
_RANGES = {_u8: (0, 0xff), _u16: (0, 0xffff), _u32: (0, 0xffffffff),
           _u64: (0, (1 << 64) - 1), _s32: (-(1 << 31), (1 << 31) - 1),
           _s64: (-(1 << 63), (1 << 63) - 1)}


def _member_types(cls):
    """{name: ctypes type} of cls's members, an anonymous union's
    members included."""
    types = {}
    for name, ctype in cls._fields_:
        if name in getattr(cls, "_anonymous_", ()):
            types.update(_member_types(ctype))
        else:
            types[name] = ctype
    return types


@functools.lru_cache(maxsize=None)
def _member_ranges(cls):
    """{name: (lo, hi, is_array)} of cls's integer members (lo and hi
    None for the others), an anonymous union's members included."""
    ranges = {}
    for name, ctype in _member_types(cls).items():
        elem = getattr(ctype, "_type_", None) \
            if issubclass(ctype, ctypes.Array) else ctype
        lo, hi = _RANGES.get(elem, (None, None))
        ranges[name] = (lo, hi, elem is not ctype)
    return ranges


def _check_value(name, value, lo, hi):
    """Refuse, as struct.pack() did, a value its member cannot hold
    (ctypes would truncate it silently)."""
    try:
        value = operator.index(value)
    except TypeError:
        raise struct.error("%s: required argument is not an integer"
                           % name) from None
    if not lo <= value <= hi:
        raise struct.error("%s: %d not in %d..%d" % (name, value, lo, hi))


class _Arg(ctypes.Structure):
    """An ioctl argument: @size is sizeof unless given, every other member
    0 unless given; an unknown member is a TypeError, and a value out of
    its member's range a struct.error."""

    def __init__(self, **members):
        ranges = _member_ranges(type(self))
        for name, value in members.items():
            if name not in ranges:
                raise TypeError("struct %s has no member %r"
                                % (type(self).__name__, name))
            lo, hi, is_array = ranges[name]
            if lo is None:
                continue
            for v in (value if is_array else (value,)):
                if type(v) is not int or not lo <= v <= hi:
                    _check_value(name, v, lo, hi)
        members.setdefault("size", ctypes.sizeof(self))
        super().__init__(**members)


class PyheapVersion(_Arg):
    _fields_ = [("size", _u32), ("flags", _u32), ("out_abi_major", _u32),
                ("out_abi_minor", _u32), ("out_heap_id", _u64)]


class PyheapObjNew(_Arg):
    _fields_ = [("size", _u32), ("flags", _u32), ("nslots", _u32),
                ("payload_size", _u32), ("out_handle", _u32),
                ("__reserved", _u32)]


class PyheapHandleDup(_Arg):
    _fields_ = [("size", _u32), ("flags", _u32), ("handle", _u32),
                ("out_handle", _u32)]


class PyheapHandleClose(_Arg):
    _fields_ = [("size", _u32), ("flags", _u32), ("handle", _u32),
                ("__reserved", _u32)]


class PyheapSlot(_Arg):
    _fields_ = [("size", _u32), ("flags", _u32), ("handle", _u32),
                ("index", _u32), ("target", _u32), ("out_handle", _u32)]


class PyheapPayload(_Arg):
    _fields_ = [("size", _u32), ("flags", _u32), ("handle", _u32),
                ("length", _u32), ("offset", _u64), ("data", _u64)]


class PyheapGetsizeof(_Arg):
    _fields_ = [("size", _u32), ("flags", _u32), ("handle", _u32),
                ("__reserved", _u32), ("out_size", _u64),
                ("out_class_size", _u64), ("out_deep_size", _u64),
                ("out_deep_objects", _u64)]


class PyheapHeapInfo(_Arg):
    _fields_ = [("size", _u32), ("flags", _u32), ("out_objects", _u64),
                ("out_bytes", _u64), ("out_handles", _u64),
                ("out_max_objects", _u64), ("out_max_bytes", _u64),
                ("out_max_handles", _u64)]


class PyheapOp(ctypes.Structure):
    _fields_ = [("cmd", _u32), ("out_result", _s32), ("arg", _u8 * 56)]


class PyheapBatch(_Arg):
    _fields_ = [("size", _u32), ("flags", _u32), ("count", _u32),
                ("op_size", _u32), ("ops", _u64), ("out_executed", _u32),
                ("__reserved", _u32)]


class PyheapGcCollect(_Arg):
    _fields_ = [("size", _u32), ("flags", _u32), ("generation", _u32),
                ("__reserved", _u32), ("out_unreachable", _u64),
                ("out_collected", _u64), ("out_uncollectable", _u64)]


class PyheapGcState(_Arg):
    _fields_ = [("size", _u32), ("flags", _u32), ("enabled", _u32),
                ("debug", _u32), ("threshold", _u32 * PYHEAP_GC_NR_GENS),
                ("out_count", _u32 * PYHEAP_GC_NR_GENS),
                ("out_freeze_count", _u64), ("out_garbage", _u64),
                ("out_events", _u64), ("__reserved", _u32),
                ("__reserved2", _u32)]


class PyheapGcGenStats(ctypes.Structure):
    _fields_ = [("collections", _u64), ("collected", _u64),
                ("uncollectable", _u64), ("candidates", _u64),
                ("duration_ns", _u64), ("max_pause_ns", _u64),
                ("objects", _u64)]


class PyheapGcStats(_Arg):
    _fields_ = [("size", _u32), ("flags", _u32),
                ("out_gen", PyheapGcGenStats * PYHEAP_GC_NR_GENS),
                ("out_skipped", _u64 * PYHEAP_GC_NR_GENS)]     # ABI 1.6


class PyheapGcFreeze(_Arg):
    _fields_ = [("size", _u32), ("flags", _u32), ("out_freeze_count", _u64)]


class PyheapGcObjInfo(_Arg):
    _fields_ = [("size", _u32), ("flags", _u32), ("handle", _u32),
                ("out_tracked", _u32), ("out_finalized", _u32),
                ("out_generation", _u32), ("out_refcnt", _u32),
                ("__reserved", _u32), ("out_id", _u64),
                ("out_type", _char * 16)]


class PyheapGcRefs(_Arg):
    _fields_ = [("size", _u32), ("flags", _u32), ("handle", _u32),
                ("max", _u32), ("handles", _u64), ("out_count", _u32),
                ("out_total", _u32)]


class PyheapGcGarbage(_Arg):
    _fields_ = [("size", _u32), ("flags", _u32), ("max", _u32),
                ("__reserved", _u32), ("handles", _u64), ("out_count", _u32),
                ("out_total", _u32), ("offset", _u64), ("groups", _u64),
                ("out_cycles", _u32), ("__reserved2", _u32)]


class PyheapGcWhyStep(ctypes.Structure):
    _fields_ = [("handle", _u32), ("slot", _u32)]


class PyheapGcWhy(_Arg):
    _fields_ = [("size", _u32), ("flags", _u32), ("handle", _u32),
                ("max", _u32), ("steps", _u64), ("out_count", _u32),
                ("__reserved", _u32)]


class PyheapGcObjects(_Arg):
    _fields_ = [("size", _u32), ("flags", _u32), ("generation", _u32),
                ("max", _u32), ("handles", _u64), ("offset", _u64),
                ("out_total", _u64), ("out_count", _u32),
                ("__reserved", _u32)]


class PyheapEvent(ctypes.Structure):
    _fields_ = [("type", _u32), ("handle", _u32)]


class PyheapLruNew(_Arg):
    _fields_ = [("size", _u32), ("flags", _u32), ("maxsize", _s64),
                ("out_handle", _u32), ("__reserved", _u32)]


class _PyheapLruOpValue(ctypes.Union):
    """pyheap_lru_op's anonymous union."""
    _fields_ = [("value_handle", _u32), ("timeout_ms", _u32)]


class PyheapLruOp(_Arg):
    _anonymous_ = ("_value",)
    _fields_ = [("size", _u32), ("flags", _u32), ("handle", _u32),
                ("key_type", _u32), ("key_len", _u32), ("value_len", _u32),
                ("key", _u64), ("value", _u64), ("_value", _PyheapLruOpValue),
                ("out_hit", _u32), ("out_value_len", _u32),
                ("out_value_handle", _u32)]


class PyheapLruCacheInfo(_Arg):
    _fields_ = [("size", _u32), ("flags", _u32), ("handle", _u32),
                ("out_typed", _u32), ("out_maxsize", _s64),
                ("out_hits", _u64), ("out_misses", _u64),
                ("out_currsize", _u64), ("out_evictions", _u64)]


class PyheapLruResult(ctypes.Structure):
    _fields_ = [("out_hit", _u32), ("out_value_len", _u32),
                ("out_value_handle", _u32), ("out_zero", _u32)]


class PyheapLruGetv(_Arg):
    _fields_ = [("size", _u32), ("flags", _u32), ("handle", _u32),
                ("count", _u32), ("key_type", _u32), ("key_len", _u32),
                ("value_len", _u32), ("out_hits", _u32), ("keys", _u64),
                ("values", _u64), ("results", _u64)]


class PyheapObjNewv(_Arg):
    _fields_ = [("size", _u32), ("flags", _u32), ("nslots", _u32),
                ("payload_size", _u32), ("count", _u32),
                ("__reserved", _u32), ("handles", _u64)]


class PyheapHandleClosev(_Arg):
    _fields_ = [("size", _u32), ("flags", _u32), ("count", _u32),
                ("__reserved", _u32), ("handles", _u64)]


# struct name in the header -> Structure, for binding_abi_test.py
_UAPI_STRUCTS = {
    "pyheap_version": PyheapVersion,
    "pyheap_obj_new": PyheapObjNew,
    "pyheap_handle_dup": PyheapHandleDup,
    "pyheap_handle_close": PyheapHandleClose,
    "pyheap_slot": PyheapSlot,
    "pyheap_payload": PyheapPayload,
    "pyheap_getsizeof": PyheapGetsizeof,
    "pyheap_heap_info": PyheapHeapInfo,
    "pyheap_op": PyheapOp,
    "pyheap_batch": PyheapBatch,
    "pyheap_gc_collect": PyheapGcCollect,
    "pyheap_gc_state": PyheapGcState,
    "pyheap_gc_gen_stats": PyheapGcGenStats,
    "pyheap_gc_stats": PyheapGcStats,
    "pyheap_gc_freeze": PyheapGcFreeze,
    "pyheap_gc_obj_info": PyheapGcObjInfo,
    "pyheap_gc_refs": PyheapGcRefs,
    "pyheap_gc_garbage": PyheapGcGarbage,
    "pyheap_gc_why_step": PyheapGcWhyStep,
    "pyheap_gc_why": PyheapGcWhy,
    "pyheap_gc_objects": PyheapGcObjects,
    "pyheap_event": PyheapEvent,
    "pyheap_lru_new": PyheapLruNew,
    "pyheap_lru_op": PyheapLruOp,
    "pyheap_lru_cache_info": PyheapLruCacheInfo,
    "pyheap_lru_result": PyheapLruResult,
    "pyheap_lru_getv": PyheapLruGetv,
    "pyheap_obj_newv": PyheapObjNewv,
    "pyheap_handle_closev": PyheapHandleClosev,
}

_FORMATS = {_u8: "B", _u16: "H", _u32: "I", _u64: "Q", _s32: "i",
            _s64: "q", _char: "c"}


def _flat_format(ctype):
    """A struct format for ctype's bytes: one item per scalar member, in
    order; a __u8 or char array is one bytes item, a union its first
    member."""
    if issubclass(ctype, ctypes.Array):
        if ctype._type_ in (_u8, _char):
            return "%ds" % ctype._length_
        return _flat_format(ctype._type_) * ctype._length_
    if issubclass(ctype, (ctypes.Structure, ctypes.Union)):
        fmt, end = "", 0
        fields = ctype._fields_
        if issubclass(ctype, ctypes.Union):
            fields = fields[:1]
        for name, member in fields:
            offset = getattr(ctype, name).offset
            if offset > end:
                fmt += "%dx" % (offset - end)
            fmt += _flat_format(member)
            end = offset + ctypes.sizeof(member)
        if ctypes.sizeof(ctype) > end:
            fmt += "%dx" % (ctypes.sizeof(ctype) - end)
        return fmt
    return _FORMATS[ctype]


def _flat(cls):
    return struct.Struct("=" + _flat_format(cls))


# The same structs as flat struct.Struct layouts, generated from the
# Structures above, for tests that pack raw arguments member by member
# (limits_test.py, lru_test.py) and for Heap._call() and _gc_state().
_VERSION = _flat(PyheapVersion)
_OBJ_NEW = _flat(PyheapObjNew)
_HANDLE_DUP = _flat(PyheapHandleDup)
_HANDLE_CLOSE = _flat(PyheapHandleClose)
_SLOT = _flat(PyheapSlot)
_PAYLOAD = _flat(PyheapPayload)
_GETSIZEOF = _flat(PyheapGetsizeof)
_HEAP_INFO = _flat(PyheapHeapInfo)
_BATCH = _flat(PyheapBatch)
_OP = _flat(PyheapOp)
_GC_COLLECT = _flat(PyheapGcCollect)
_GC_STATE = _flat(PyheapGcState)
_GC_GEN_STATS = _flat(PyheapGcGenStats)
_GC_STATS = _flat(PyheapGcStats)
_GC_FREEZE = _flat(PyheapGcFreeze)
_GC_OBJ_INFO = _flat(PyheapGcObjInfo)
_GC_REFS = _flat(PyheapGcRefs)
_GC_GARBAGE = _flat(PyheapGcGarbage)
_GC_WHY_STEP = _flat(PyheapGcWhyStep)
_GC_WHY = _flat(PyheapGcWhy)
_GC_OBJECTS = _flat(PyheapGcObjects)
_EVENT = _flat(PyheapEvent)
_LRU_NEW = _flat(PyheapLruNew)
_LRU_OP = _flat(PyheapLruOp)
_LRU_INFO = _flat(PyheapLruCacheInfo)
_LRU_GETV = _flat(PyheapLruGetv)
_LRU_RESULT = _flat(PyheapLruResult)
_OBJ_NEWV = _flat(PyheapObjNewv)
_HANDLE_CLOSEV = _flat(PyheapHandleClosev)

CacheInfo = collections.namedtuple("CacheInfo",
                                   "hits misses maxsize currsize")

HeapInfo = collections.namedtuple(
    "HeapInfo", "objects bytes handles max_objects max_bytes max_handles")
SizeInfo = collections.namedtuple(
    "SizeInfo", "size class_size deep_size deep_objects")


class PyheapError(OSError):
    """An ioctl failed; .errno is the kernel's errno."""


class _Unraisable:
    """Calls fn(*args) from its __del__, so that an exception in it is
    reported as CPython reports one from a __del__ or a gc callback, to
    sys.unraisablehook, and the caller goes on."""

    __slots__ = ("call",)

    def __init__(self, fn, args):
        self.call = (fn, args)

    def __del__(self):
        fn, args = self.call
        self.call = None
        fn(*args)


def _call_unraisable(fn, *args):
    _Unraisable(fn, args)       # dropped at once: its __del__ runs now


# The figures of GC_STATS that count what collections did.
_GC_COUNTERS = ("collections", "collected", "uncollectable", "candidates",
                "duration_ns", "skipped")


class Heap:
    """One heap: one open file of /dev/pyheap."""

    def __init__(self, path="/dev/pyheap"):
        # gc.callbacks: each is called as cb(phase, info) before ("start")
        # and after ("stop") each collect(), info holding "generation",
        # "collected" and "uncollectable"
        self.callbacks = []
        # Callable finalizers by object id (an event names its object by
        # a new handle, whose id tells which object it is); the events
        # read for finalizer=True objects, until events() hands them out;
        # and the corrections that make collect()'s extra collections
        # invisible in get_stats() and get_count() (see _collect_rest()).
        self._finalizers = {}
        self._events = collections.deque()
        self._finalizing = False
        self._collecting = False        # inside collect(), as CPython's
        self._stats_fix = [dict.fromkeys(_GC_COUNTERS, 0)
                           for _ in range(PYHEAP_GC_NR_GENS)]
        self._count_fix = None
        self.fd = -1
        self.fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
        v = self._ioctl(PYHEAP_CMD_VERSION, PyheapVersion())
        self.id = v.out_heap_id
        if v.out_abi_major != PYHEAP_ABI_MAJOR:
            self.close()
            raise RuntimeError("pyheap ABI %d.%d, this binding speaks %d"
                               % (v.out_abi_major, v.out_abi_minor,
                                  PYHEAP_ABI_MAJOR))
        self.abi = (v.out_abi_major, v.out_abi_minor)

    def _ioctl(self, cmd, arg):
        """ioctl(PYHEAP_IOC_<cmd>) on arg, a Structure above (or any
        writable buffer), which the kernel's outputs land in; returns
        arg."""
        try:
            fcntl.ioctl(self.fd, _request(cmd), arg)
        except OSError as e:
            raise PyheapError(e.errno, os.strerror(e.errno)) from None
        return arg

    def _call(self, cmd, layout, *fields):
        """_ioctl() with the argument as a flat layout (_SLOT, ...) and
        its members in order; returns the members afterwards, in order."""
        return layout.unpack(self._ioctl(cmd,
                                         bytearray(layout.pack(*fields))))

    def close(self):
        """Close the file: the heap and everything in it is freed."""
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
        self._finalizers = {}
        self._events = collections.deque()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()

    def fileno(self):
        """The file descriptor, for select() and poll(): readable when a
        finalizer event waits."""
        return self.fd

    def new(self, slots=0, size=0, finalizer=False, legacy_finalizer=False):
        """A new object with `slots` empty reference slots and `size`
        zeroed payload bytes.

        With `finalizer` a callable, the object has it as its __del__:
        finalizer(obj), obj a new Obj of it, runs once (PEP 442; a
        finalizer that keeps obj resurrects the object), when the
        collector first finds the object unreachable (during collect())
        or when its last reference goes (during the statement that drops
        it: closing or dropping its last Obj, overwriting the last slot
        that held it), whichever comes first, as CPython runs __del__.
        With `finalizer=True` the kernel hands the object back through
        events() instead.  With `legacy_finalizer`, a cycle through it is
        uncollectable, like a class with __del__ before Python 3.4."""
        out = self._ioctl(PYHEAP_CMD_OBJ_NEW, PyheapObjNew(
            flags=_obj_flags(finalizer, legacy_finalizer), nslots=slots,
            payload_size=size))
        obj = Obj(self, out.out_handle)
        if finalizer:
            self._book_finalizers([obj], finalizer)
        return obj

    def new_many(self, n, slots=0, size=0, finalizer=False,
                 legacy_finalizer=False):
        """n new objects of one shape, as new() makes them, in one ioctl
        (OBJ_NEWV) per 4096: all of each 4096 are made, or none."""
        flags = _obj_flags(finalizer, legacy_finalizer)
        objs = []
        while len(objs) < n:
            k = min(n - len(objs), PYHEAP_VEC_MAX)
            handles = (_u32 * k)()
            self._ioctl(PYHEAP_CMD_OBJ_NEWV, PyheapObjNewv(
                flags=flags, nslots=slots, payload_size=size, count=k,
                handles=ctypes.addressof(handles)))
            objs.extend(Obj(self, h) for h in handles)
        if finalizer:
            self._book_finalizers(objs, finalizer)
        return objs

    def _ids(self, objs):
        """[id_of(o) for o in objs], in one batch per 4096."""
        ids, size = [], ctypes.sizeof(PyheapGcObjInfo)
        for i in range(0, len(objs), PYHEAP_BATCH_MAX):
            for result, out in self.batch(
                    (PYHEAP_CMD_GC_OBJ_INFO, PyheapGcObjInfo(handle=o.handle))
                    for o in objs[i:i + PYHEAP_BATCH_MAX]):
                if result:
                    raise PyheapError(-result, os.strerror(-result))
                ids.append(PyheapGcObjInfo.from_buffer_copy(
                    out[:size]).out_id)
        return ids

    def _book_finalizers(self, objs, finalizer):
        """Note the callable finalizer of new objects under their ids.  A
        new object may have the id of one freed by its reference count,
        whose entry no event took off: a new finalizer=True object takes
        any such entry off, so that its event is its own."""
        if not callable(finalizer) and not self._finalizers:
            return
        for i in self._ids(objs):
            if callable(finalizer):
                self._finalizers[i] = finalizer
            else:
                self._finalizers.pop(i, None)

    def close_many(self, objs):
        """Close many handles, in one ioctl (HANDLE_CLOSEV) per 4096: if
        one of them is closed already, or named twice, none of its 4096 is
        closed and PyheapError(ENOENT) is raised."""
        objs = list(objs)
        for i in range(0, len(objs), PYHEAP_VEC_MAX):
            part = objs[i:i + PYHEAP_VEC_MAX]
            handles = (_u32 * len(part))(*(o.handle for o in part))
            self._ioctl(PYHEAP_CMD_HANDLE_CLOSEV, PyheapHandleClosev(
                count=len(part), handles=ctypes.addressof(handles)))
            for o in part:
                o.handle = 0
            self._finalize_due()

    def link_many(self, links):
        """Set many slots at once: [(obj, index, target or None), ...]."""
        links = list(links)
        for i in range(0, len(links), PYHEAP_BATCH_MAX):
            ops = [(PYHEAP_CMD_SLOT_SET,
                    PyheapSlot(handle=o.handle, index=k,
                               target=t.handle if t else PYHEAP_HANDLE_NONE))
                   for o, k, t in links[i:i + PYHEAP_BATCH_MAX]]
            for result, _ in self.batch(ops):
                if result:
                    raise PyheapError(-result, os.strerror(-result))

    def _finalize_due(self):
        """Run the callable finalizers the kernel has handed back since,
        and those of what they let go, as CPython runs __del__ when a
        count reaches zero: after each call that may drop a last
        reference, so that the statement that dropped it returns after
        the finalizer.  A loop, not a recursion: a finalizer's own drops
        (its Obj going) only queue more for it, as CPython's trashcan
        does."""
        if self._finalizing or not self._finalizers or self.fd < 0:
            return
        self._finalizing = True
        try:
            while self._finalizers:
                due = self._due()
                if not due:
                    break
                self._run_finalizers(due)
        finally:
            self._finalizing = False

    # The gc module's interface, for this heap.

    def collect(self, generation=2):
        """gc.collect(): the number of unreachable objects found.

        The callable finalizers of the objects found run during the call:
        the collector hands those objects back (PEP 442; their events
        keep them, and what they reach, alive), each finalizer runs, and
        the objects no finalizer resurrected are collected then, by a
        collection of only what was handed back (GC_COLLECT_HANDED), so
        that what the finalizers made or let go waits for the next
        collection, as in CPython; the count is that of CPython's single
        collection.  The finalizers of what the
        cycles alone held, freed by its count, run in the call too.  The
        callbacks run before and after, with the same count split into
        collected and uncollectable.  Called from a finalizer or a
        callback of a collection in progress, it does nothing and
        returns 0, as gc.collect() does then."""
        if generation not in range(PYHEAP_GC_NR_GENS):
            return self._collect(generation)        # EINVAL, as the kernel
        if self._collecting:
            return 0
        self._collecting = True
        try:
            return self._collect_with_callbacks(generation)
        finally:
            self._collecting = False

    def _collect_with_callbacks(self, generation):
        """collect() itself, with gc.callbacks around it."""
        if self.callbacks:
            self._run_callbacks("start", generation, 0, 0)
        out = self._collect_split(generation)
        found = [out.out_unreachable, out.out_collected,
                 out.out_uncollectable]
        due = self._due() if self._finalizers and not self._finalizing \
            else None
        if due:
            # (their Objs going may hand back more: run those too)
            self._finalizing = True
            try:
                self._run_finalizers(due)
            finally:
                self._finalizing = False
            self._finalize_due()
            found = [a + b for a, b in
                     zip(found, self._collect_rest(generation))]
        self._finalize_due()
        if self.callbacks:
            self._run_callbacks("stop", generation, *found[1:])
        return found[0]

    def _collect_split(self, generation):
        """GC_COLLECT: what it found, and how much of it was collected
        and how much uncollectable (out_collected, out_uncollectable)."""
        return self._ioctl(PYHEAP_CMD_GC_COLLECT,
                           PyheapGcCollect(generation=generation))

    def _collect(self, generation):
        return self._collect_split(generation).out_unreachable

    def _collect_rest(self, generation):
        """After the finalizers of a collection of `generation` ran, what
        is still unreachable of the objects they were handed: the
        collector kept those alive (ABI 1.9), and GC_COLLECT_HANDED
        (ABI 1.10) decides again those alone, as CPython's
        handle_resurrected_objects() does; return what it found:
        unreachable, collected, uncollectable.  CPython does all of it in
        one collection, so the figures of this one move to `generation`
        in get_stats(), and get_count() reads as if it had not happened:
        CPython's counts after the finalizers, the objects freed taken
        off count 0."""
        count = self.get_count()
        before = self._raw_stats()
        # (a module older than 1.10 collects the generation again)
        flags = PYHEAP_GC_COLLECT_HANDED if self.abi >= (1, 10) else 0
        out = self._ioctl(PYHEAP_CMD_GC_COLLECT,
                          PyheapGcCollect(flags=flags,
                                          generation=generation))
        after = self._raw_stats()
        freed = 0
        for gen in range(PYHEAP_GC_NR_GENS):
            for k in _GC_COUNTERS:
                d = after[gen][k] - before[gen][k]
                self._stats_fix[gen][k] -= d
                if k != "collections":
                    self._stats_fix[generation][k] += d
            freed += after[gen]["collected"] - before[gen]["collected"]
        want = (max(0, count[0] - freed),) + count[1:]
        raw = tuple(self._gc_get().out_count)
        self._count_fix = ([w - r for w, r in zip(want, raw)],
                           [s["collections"] for s in after])
        return out.out_unreachable, out.out_collected, out.out_uncollectable

    def _due(self, block=False):
        """Read the finalizer events: [(finalizer, Obj)] for the objects
        with a callable finalizer, each taken off the table (it runs
        once); the others wait for events()."""
        objs = self._read_events(block)
        if not objs or not self._finalizers:
            self._events.extend(objs)
            return []
        due = []
        for obj, i in zip(objs, self._ids(objs)):
            fn = self._finalizers.pop(i, None)
            if fn is None:
                self._events.append(obj)
            else:
                due.append((fn, obj))
        return due

    @staticmethod
    def _run_finalizers(due):
        """Call each finalizer with its object, as CPython calls __del__:
        an exception goes to sys.unraisablehook.  The Objs go as each
        returns, unless a finalizer kept its object; what that lets go
        the caller runs next (_finalize_due())."""
        due.reverse()
        while due:
            fn, obj = due.pop()
            _call_unraisable(fn, obj)
            del fn, obj

    def _run_callbacks(self, phase, generation, collected, uncollectable):
        """Call gc.callbacks as CPython does: in order, the list read as
        it goes, one info dict for all, an exception to
        sys.unraisablehook."""
        info = {"generation": generation, "collected": collected,
                "uncollectable": uncollectable}
        i = 0
        while i < len(self.callbacks):
            _call_unraisable(self.callbacks[i], phase, info)
            i += 1

    def _gc_get(self):
        return self._ioctl(PYHEAP_CMD_GC_GET, PyheapGcState())

    def _gc_state(self):
        """The GC_GET struct as a tuple of its members in order (the
        arrays spread out): [12] is out_events.  _gc_get() names them."""
        return _GC_STATE.unpack(bytes(self._gc_get()))

    def _gc_set(self, flags, enabled=0, debug=0, threshold=(0, 0, 0)):
        self._ioctl(PYHEAP_CMD_GC_SET, PyheapGcState(
            flags=flags, enabled=enabled, debug=debug, threshold=threshold))

    def isenabled(self):
        return bool(self._gc_get().enabled)

    def enable(self):
        self._gc_set(PYHEAP_GC_SET_ENABLED, enabled=1)

    def disable(self):
        self._gc_set(PYHEAP_GC_SET_ENABLED, enabled=0)

    def get_debug(self):
        return self._gc_get().debug

    def set_debug(self, flags):
        self._gc_set(PYHEAP_GC_SET_DEBUG, debug=flags)

    def get_threshold(self):
        return tuple(self._gc_get().threshold)

    def set_threshold(self, threshold0, threshold1=None, threshold2=None):
        old = self.get_threshold()
        new = (threshold0,
               old[1] if threshold1 is None else threshold1,
               old[2] if threshold2 is None else threshold2)
        self._gc_set(PYHEAP_GC_SET_THRESHOLD, threshold=new)

    def get_count(self):
        """gc.get_count(), as CPython 3.11 counts: count 0 goes up by one
        for each object tracked and down by one for each freed, and each
        collection of generation g clears the counts up to g and adds
        one to count g + 1."""
        count = list(self._gc_get().out_count)
        if self._count_fix:
            fix, seen = self._count_fix
            now = [s["collections"] for s in self._raw_stats()]
            for i in range(PYHEAP_GC_NR_GENS):
                # a collection of generation i or older cleared count i
                if now[i:] != seen[i:]:
                    fix[i] = 0
                count[i] = max(0, count[i] + fix[i])
            if not any(fix):
                self._count_fix = None
        return tuple(count)

    def get_freeze_count(self):
        return self._gc_get().out_freeze_count

    def freeze(self):
        self._ioctl(PYHEAP_CMD_GC_FREEZE,
                    PyheapGcFreeze(flags=PYHEAP_GC_FREEZE))

    def unfreeze(self):
        self._ioctl(PYHEAP_CMD_GC_FREEZE,
                    PyheapGcFreeze(flags=PYHEAP_GC_UNFREEZE))

    def get_stats(self):
        """gc.get_stats(), plus candidates, durations, pauses and the
        collections answered without a scan ("skipped")."""
        stats = self._raw_stats()
        for gen, fix in zip(stats, self._stats_fix):
            for k, d in fix.items():
                gen[k] += d
        return stats

    def _raw_stats(self):
        """GC_STATS as the kernel counts: every collection it ran."""
        out = self._ioctl(PYHEAP_CMD_GC_STATS, PyheapGcStats())
        stats = [{name: getattr(gen, name)
                  for name, _ in PyheapGcGenStats._fields_}
                 for gen in out.out_gen]
        for gen, skipped in zip(stats, out.out_skipped):
            gen["skipped"] = skipped
        return stats

    def _obj_info(self, obj):
        return self._ioctl(PYHEAP_CMD_GC_OBJ_INFO,
                           PyheapGcObjInfo(handle=obj.handle))

    def is_tracked(self, obj):
        return bool(self._obj_info(obj).out_tracked)

    def is_finalized(self, obj):
        return bool(self._obj_info(obj).out_finalized)

    def generation(self, obj):
        """0, 1 or 2; 3 when frozen; 4 when not tracked."""
        return self._obj_info(obj).out_generation

    def getrefcount(self, obj):
        """The object's reference count, this handle's included."""
        return self._obj_info(obj).out_refcnt

    def id_of(self, obj):
        """Python's id(): equal for every handle of one object, and
        stable while it lives; a keyed hash, never an address."""
        return self._obj_info(obj).out_id

    def typename(self, obj):
        """type(obj).__name__: "object", "lru_cache", ..."""
        return self._obj_info(obj).out_type.decode()

    def _handles_out(self, cmd, arg, limit):
        """GC_REFS or GC_GARBAGE LIST with room for limit handles: the
        new Objs and out_total."""
        handles = (_u32 * limit)()
        arg.max = limit
        arg.handles = ctypes.addressof(handles)
        out = self._ioctl(cmd, arg)
        return ([Obj(self, handles[i]) for i in range(out.out_count)],
                out.out_total)

    def get_referents(self, obj, limit=PYHEAP_GC_REFS_MAX):
        return self._handles_out(PYHEAP_CMD_GC_REFS, PyheapGcRefs(
            flags=PYHEAP_GC_REFERENTS, handle=obj.handle), limit)[0]

    def get_referrers(self, obj, limit=PYHEAP_GC_REFS_MAX):
        return self._handles_out(PYHEAP_CMD_GC_REFS, PyheapGcRefs(
            flags=PYHEAP_GC_REFERRERS, handle=obj.handle), limit)[0]

    def get_objects(self, generation=None):
        """gc.get_objects(generation): new Objs of the tracked objects of
        one generation, or of all three (not the frozen ones, as in
        CPython 3.11), generation 0 first and each from its oldest
        object.  One GC_OBJECTS call per 4096; if a collection runs or a
        listed object goes meanwhile, it starts over."""
        flags, gen = 0, 0
        if generation is not None:
            generation = operator.index(generation)
        if generation is not None and generation != -1:  # -1: all, too
            gen = generation
            if gen >= PYHEAP_GC_NR_GENS:
                raise ValueError("generation parameter must be less than "
                                 "the number of available generations "
                                 "(%d)" % PYHEAP_GC_NR_GENS)
            if gen < 0:
                raise ValueError("generation parameter cannot be negative")
            flags = PYHEAP_GC_OBJECTS_GENERATION
        page = PYHEAP_GC_REFS_MAX
        handles = (_u32 * page)()
        for _ in range(16):
            before = [s["collections"] for s in self._raw_stats()]
            objs, total = [], None
            while total is None or len(objs) < total:
                out = self._ioctl(PYHEAP_CMD_GC_OBJECTS, PyheapGcObjects(
                    flags=flags, generation=gen, max=page, offset=len(objs),
                    handles=ctypes.addressof(handles)))
                objs += [Obj(self, x) for x in handles[:out.out_count]]
                if total is not None and out.out_total != total:
                    break
                total = out.out_total
                if not out.out_count:
                    break
            after = [s["collections"] for s in self._raw_stats()]
            if len(objs) == total and before == after:
                return objs
            self.close_many(objs)
        raise PyheapError(errno.EAGAIN, "the generations keep changing")

    @property
    def garbage(self):
        """gc.garbage: the uncollectable objects (at most 4096 here)."""
        if not self._gc_get().out_garbage:
            return []
        return self._handles_out(PYHEAP_CMD_GC_GARBAGE, PyheapGcGarbage(
            flags=PYHEAP_GC_GARBAGE_LIST), PYHEAP_GC_REFS_MAX)[0]

    def garbage_cycles(self):
        """The cycles of gc.garbage, which neither CPython nor objgraph
        reports: one list of Objs per cycle (a strongly connected
        component of the references between garbage objects), the cycles
        in the order each first appears in gc.garbage and each in
        gc.garbage's order; objects on no cycle are left out.  One ioctl
        numbers the whole list, then one per 4096 entries that hold a
        cycle fetches the handles.  If the list changes meanwhile (a
        collection appends to it), it starts over."""
        for _ in range(16):
            total = self._gc_get().out_garbage
            if not total:
                return []
            groups = (_u32 * total)()
            out = self._ioctl(PYHEAP_CMD_GC_GARBAGE, PyheapGcGarbage(
                flags=PYHEAP_GC_GARBAGE_LIST, max=total,
                groups=ctypes.addressof(groups)))
            if out.out_total != total:
                continue
            cycles = self._garbage_cycle_members(groups, out.out_cycles)
            if cycles is not None:
                return cycles
        raise PyheapError(errno.EAGAIN, "gc.garbage keeps changing")

    def _garbage_cycle_members(self, groups, nr_cycles):
        """The Objs of each cycle, from pages of GC_GARBAGE LIST that
        hold one (the others are skipped, the entries on no cycle closed
        again); None if the list changed."""
        cycles = [[] for _ in range(nr_cycles)]
        total, page = len(groups), PYHEAP_GC_REFS_MAX
        handles = (_u32 * page)()
        for start in range(0, total, page):
            part = groups[start:start + page]
            if not any(part):
                continue
            out = self._ioctl(PYHEAP_CMD_GC_GARBAGE, PyheapGcGarbage(
                flags=PYHEAP_GC_GARBAGE_LIST, max=page, offset=start,
                handles=ctypes.addressof(handles)))
            objs = [Obj(self, x) for x in handles[:out.out_count]]
            self.close_many(o for o, g in zip(objs, part) if not g)
            if out.out_total != total or out.out_count != len(part):
                return None
            for o, g in zip(objs, part):
                if g:
                    cycles[g - 1].append(o)
        return cycles

    def why(self, obj):
        """Why is obj alive?  The shortest chain of references that
        keeps it, as the kernel finds it in one call, breadth first from
        every other handle: [(obj0, slot0), (obj1, slot1), ..., obj],
        where a handle other than obj's names obj0 and obj_k[slot_k] is
        the next object (for an lru_cache, slot_k counts its object
        values from the least recent).  [obj] if another handle names obj
        itself; None if nothing but gc.garbage and obj's own handle keeps
        it."""
        room = 64
        while True:
            steps = (PyheapGcWhyStep * room)()
            out = PyheapGcWhy(handle=obj.handle, max=room,
                              steps=ctypes.addressof(steps))
            try:
                self._ioctl(PYHEAP_CMD_GC_WHY, out)
                break
            except PyheapError as e:
                if e.errno == errno.ENOENT and obj.handle:
                    return None
                if e.errno != errno.EOVERFLOW:
                    raise
                # too long: out_count says how long; nothing was opened
                room = max(out.out_count, room * 2)
        n = out.out_count
        # the steps as plain words, (handle, slot) after (handle, slot)
        words = (_u32 * (2 * room)).from_buffer(steps)[:2 * n]
        chain = [(Obj(self, words[i]), words[i + 1])
                 for i in range(0, 2 * n - 2, 2)]
        self.close_many([Obj(self, words[2 * n - 2])])
        chain.append(obj)
        return chain

    def clear_garbage(self):
        """del gc.garbage[:]; returns how many went."""
        return self._ioctl(PYHEAP_CMD_GC_GARBAGE, PyheapGcGarbage(
            flags=PYHEAP_GC_GARBAGE_CLEAR)).out_count

    def lru_cache(self, maxsize=128, typed=False, compute_once=False,
                  timeout=10.0, may_shrink=False):
        """An LRU map in this heap with functools.lru_cache semantics;
        use it as a map or as a decorator.  With compute_once, concurrent
        calls with one key compute it once: the others wait (up to
        `timeout` seconds) for the first one's result.  With may_shrink
        (ABI 1.8), memory pressure may evict its least recent entries;
        its keys must then be values (see LruCache)."""
        return LruCache(self, maxsize, typed, compute_once, timeout,
                        may_shrink)

    def events(self, block=False):
        """The finalizer=True objects whose finalizer is due, as new Objs
        (read off the file, or read by collect() before).  Drop them to
        let the collector free them.  Callable finalizers found due among
        the events run now."""
        self._run_finalizers(self._due(block and not self._events))
        objs = list(self._events)
        self._events.clear()
        return objs

    def _read_events(self, block=False):
        """Every event waiting on the file, as Objs; with block, wait for
        the first.  The file is left as blocking as it was: O_NONBLOCK
        also makes compute-once lookups fail at once with EAGAIN."""
        size = ctypes.sizeof(PyheapEvent)
        objs = []
        was = os.get_blocking(self.fd)
        try:
            while True:
                os.set_blocking(self.fd, block and not objs)
                try:
                    data = os.read(self.fd, size * 256)
                except BlockingIOError:
                    return objs
                objs += [Obj(self,
                             PyheapEvent.from_buffer_copy(data, i).handle)
                         for i in range(0, len(data), size)]
                if len(data) < size * 256:
                    return objs
        finally:
            os.set_blocking(self.fd, was)

    def info(self):
        out = self._ioctl(PYHEAP_CMD_HEAP_INFO, PyheapHeapInfo())
        return HeapInfo(*(getattr(out, "out_" + name)
                          for name in HeapInfo._fields))

    def sizeinfo(self, obj, deep=False):
        out = self._ioctl(PYHEAP_CMD_GETSIZEOF, PyheapGetsizeof(
            flags=PYHEAP_GETSIZEOF_DEEP if deep else 0, handle=obj.handle))
        return SizeInfo(*(getattr(out, "out_" + name)
                          for name in SizeInfo._fields))

    def getsizeof(self, obj):
        """What sys.getsizeof() reports: header, slots and payload."""
        return self.sizeinfo(obj).size

    def batch(self, ops, stop_on_error=False):
        """Run [(cmd, arg), ...] in one ioctl, arg a Structure above or
        its bytes; returns the list of (result, output bytes), result 0
        or a negative errno."""
        ops = list(ops)
        arr = (PyheapOp * len(ops))()
        room = PyheapOp.arg.size
        for op, (cmd, arg) in zip(arr, ops):
            op.cmd = cmd
            data = bytes(arg)[:room]
            ctypes.memmove(op.arg, data, len(data))
        out = self._ioctl(PYHEAP_CMD_BATCH, PyheapBatch(
            flags=PYHEAP_BATCH_STOP_ON_ERROR if stop_on_error else 0,
            count=len(ops), op_size=ctypes.sizeof(PyheapOp),
            ops=ctypes.addressof(arr)))
        self._finalize_due()
        return [(op.out_result, bytes(op.arg))
                for op in arr[:out.out_executed]]


def _obj_flags(finalizer, legacy_finalizer):
    return ((PYHEAP_OBJ_FINALIZER if finalizer else 0) |
            (PYHEAP_OBJ_LEGACY_FINALIZER if legacy_finalizer else 0))


def _buffer_address(buf):
    return ctypes.addressof(ctypes.c_char.from_buffer(buf))


# LRU keys.  A key is built as functools._make_key builds it, and reaches
# the kernel in one of two forms:
#
# - a key made only of values (int, bool, float but NaN, str, bytes, None,
#   and tuples of them) is encoded exactly: as bytes that are equal where
#   the values are == (3, 3.0 and True are one key, as in a dict);
# - any other key (objects with their own __eq__ and __hash__, NaN,
#   frozensets, instances, a value too long to encode) is looked up in its
#   map's surrogate table, a dict that numbers each distinct key, and the
#   kernel stores the number.  The table holds the key for as long as the
#   kernel holds the entry, as functools' own dict holds it.

_VALUE_TYPES = frozenset((int, bool, str, bytes, type(None)))

# functools' kwd_mark: an object no argument is equal to
_KWD_MARK = object()


def _is_value(x):
    """Whether x has an exact encoding: equality of the encodings is
    equality of the values.  NaN is not equal to itself, so is no value."""
    t = type(x)
    if t in _VALUE_TYPES:
        return True
    if t is float:
        return x == x
    if t is tuple:
        return all(map(_is_value, x))
    return False


def _norm(x):
    """A byte-stable stand-in for a value, equal where Python's == is:
    3, 3.0 and True are one key, as in a dict."""
    if x is _KWD_MARK:
        return ("<kwd_mark>",)          # no value normalises to a 1-tuple
    if type(x) is type:
        return ("type", x.__qualname__)  # typed: builtin value types only
    if isinstance(x, (bool, int)) or (isinstance(x, float) and
                                      x.is_integer()):
        return ("n", int(x))
    if isinstance(x, float):
        return ("f", repr(x))
    if isinstance(x, tuple):
        return ("t", tuple(_norm(i) for i in x))
    return (type(x).__name__, x)


class _HashedSeq(list):
    """functools._HashedSeq: a key whose parts are hashed once, when it is
    made (an unhashable part raises TypeError there)."""

    __slots__ = ("hashvalue",)

    def __init__(self, tup):
        self[:] = tup
        self.hashvalue = hash(tup)

    def __hash__(self):
        return self.hashvalue


def _encode(data):
    """The bytes of an encoded key, or None if too long for the kernel."""
    data = data.encode()
    return data if len(data) <= PYHEAP_LRU_MAX_KEY_SIZE else None


def _make_key(args, kwds, typed):
    """functools._make_key: (type tag, key bytes) for a key of values,
    otherwise the key object itself, hashed."""
    if not kwds and not typed and len(args) == 1 and \
            type(args[0]) in (int, str):
        # lru_cache's fast path: a lone int or str is the key itself, not
        # a 1-tuple, so f(1) and f(True) are different entries
        try:
            data = _encode(repr(("bare", _norm(args[0]))))
        except ValueError:              # an int too long for str()
            data = None
        return (0, data) if data is not None else args[0]
    key = args
    if kwds:
        key += (_KWD_MARK,)
        for item in kwds.items():
            key += item
    if typed:
        key += tuple(type(v) for v in args)
        if kwds:
            key += tuple(type(v) for v in kwds.values())
    if all(map(_is_value, args)) and \
            (not kwds or all(map(_is_value, kwds.values()))):
        try:
            data = _encode(repr(_norm(key)))
        except ValueError:
            data = None
        if data is not None:
            tag = 0
            if typed:
                names = [type(v).__qualname__ for v in args]
                if kwds:
                    names += [type(v).__qualname__ for v in kwds.values()]
                tag = zlib.crc32(",".join(names).encode()) or 1
            return tag, data
    return _HashedSeq(key)


def _sid_key(sid):
    """The kernel key of surrogate number sid: a leading NUL, which no
    encoded key has (they are repr()s)."""
    return b"\0" + sid.to_bytes(7, "little")


# Surrogate 0 is never given out: its key is never stored.
_ABSENT = _sid_key(0)


class LruCache:
    """functools.lru_cache, kept in a pyheap heap.

    As a map: get(key) -> value or default (a hit or a miss), set(key,
    value), delete(key), peek(key), get_many(keys), cache_info(),
    cache_clear(), cache_parameters(), evictions().  As a decorator:
    @h.lru_cache(5) works like @functools.lru_cache(5).

    Keys are functools.lru_cache's, compared as its dict compares them:
    hash() is called first, so an unhashable argument raises its
    TypeError; equal keys hit and unequal keys miss, objects with their
    own __eq__ and __hash__, NaN and frozensets included.  A key of values
    (int, bool, float, str, bytes, None, and tuples of them) goes to the
    kernel as it is; any other key is kept alive here for as long as the
    kernel holds its entry, and let go when the entry is evicted, deleted
    or cleared.

    With may_shrink, the kernel's shrinker may evict least recent entries
    at any time, when the heap's memory cgroup is short of memory; each
    counts in evictions().  Such a cache takes keys of values only: any
    other key raises TypeError, since the shrinker's evictions could not
    be mirrored in the table that keeps those keys alive.

    Values are stored by copy: as pickles, except an Obj of the same heap,
    which is stored as a reference (a hit returns a new Obj of that
    object).  A hit therefore returns a copy of any other value, not the
    object the function returned, as functools would: a mutable value
    changed after it was cached is not changed in the cache.  A value must
    be picklable, and at most 1 MiB pickled.
    """

    def __init__(self, heap, maxsize=128, typed=False, compute_once=False,
                 timeout=10.0, may_shrink=False):
        if maxsize is not None and not isinstance(maxsize, int):
            raise TypeError("Expected first argument to be an integer, "
                            "a callable, or None")
        if maxsize is not None and maxsize < 0:
            maxsize = 0
        self.heap = heap
        out = heap._ioctl(PYHEAP_CMD_LRU_NEW, PyheapLruNew(
            flags=((PYHEAP_LRU_TYPED if typed else 0) |
                   (PYHEAP_LRU_MAY_SHRINK if may_shrink else 0)),
            maxsize=PYHEAP_LRU_MAXSIZE_NONE if maxsize is None else maxsize))
        self.obj = Obj(heap, out.out_handle)
        self.maxsize = maxsize
        self.typed = typed
        self.may_shrink = may_shrink
        self.compute_once = compute_once
        self.timeout_ms = int(timeout * 1000)
        # The surrogate table.  _order mirrors the kernel's recency order
        # among the numbered entries, least recent first: a SET into a
        # full map evicts the least recent entry of all, so if it evicts
        # a numbered one, that is the first of _order.  _computing counts
        # the callers computing each number (compute-once), whose entry a
        # plain lookup misses while it is claimed.  The lock is reentrant:
        # a key's __eq__, __hash__ or __del__ may call the cache.
        self._lock = threading.RLock()
        self._sids = {}
        self._order = collections.OrderedDict()
        self._computing = collections.Counter()
        self._next_sid = 1

    def _arg(self, cmd, flags, tag, key, value=b"", value_handle=0,
             room=0, timeout_ms=0):
        """The argument of one LRU GET, SET or DELETE, and the buffers it
        points to (keep them until the call is done).  value_handle and
        timeout_ms share their member."""
        kbuf = bytearray(key) or bytearray(1)
        vbuf = bytearray(value) or bytearray(max(room, 1))
        arg = PyheapLruOp(
            flags=flags, handle=self.obj.handle, key_type=tag,
            key_len=len(key), value_len=len(value) if value else room,
            key=_buffer_address(kbuf),
            value=_buffer_address(vbuf) if (value or room) else 0,
            value_handle=value_handle)
        if timeout_ms:
            arg.timeout_ms = timeout_ms
        return arg, kbuf, vbuf

    def _op(self, cmd, flags, tag, key, value=b"", value_handle=0,
            room=0, timeout_ms=0):
        """One LRU GET, SET or DELETE: (the struct afterwards, the value
        buffer)."""
        arg, kbuf, vbuf = self._arg(cmd, flags, tag, key, value,
                                    value_handle, room, timeout_ms)
        return self.heap._ioctl(cmd, arg), vbuf

    def _lookup(self, tag, data, flags):
        """(found, value); found is PYHEAP_LRU_CLAIMED when this caller
        must compute the value (compute-once)."""
        room = 256
        timeout = self.timeout_ms if flags & PYHEAP_LRU_COMPUTE else 0
        while True:
            try:
                out, vbuf = self._op(PYHEAP_CMD_LRU_GET, flags, tag, data,
                                     room=room, timeout_ms=timeout)
                break
            except PyheapError as e:
                if e.errno != errno.EOVERFLOW or \
                        room >= PYHEAP_LRU_MAX_VALUE_SIZE:
                    raise
                # too small: the failed GET changed nothing, and does not
                # say how long the value is; ask again with more room
                room = min(room * 16, PYHEAP_LRU_MAX_VALUE_SIZE)
        if out.out_hit == PYHEAP_LRU_CLAIMED:
            return PYHEAP_LRU_CLAIMED, None
        if out.out_hit == PYHEAP_LRU_MISS:
            return False, None
        if out.out_value_handle:
            return True, Obj(self.heap, out.out_value_handle)
        return True, pickle.loads(bytes(vbuf[:out.out_value_len]))

    # The surrogate table.

    def _resolve(self, key, insert=False):
        """(tag, kernel key, number) of a key from _make_key: a key of
        values as it is, number 0; any other by its number, given one if
        insert (a SET or a claim follows), else the key of number 0, which
        the kernel never holds."""
        if type(key) is tuple:
            return key[0], key[1], 0
        if self.may_shrink:
            # The shrinker evicts behind the table's back: nothing could
            # say which of its keys to let go.
            raise TypeError("a may_shrink cache takes only keys of values "
                            "(int, bool, float, str, bytes, None, tuples)")
        with self._lock:
            sid = self._sids.get(key)
            if sid is None:
                if not insert or self.maxsize == 0:
                    return 0, _ABSENT, 0
                sid = self._next_sid
                self._next_sid += 1
                self._sids[key] = sid
                self._order[sid] = key
        return 0, _sid_key(sid), sid

    def _forget(self, sid):
        """Drop number sid, letting its key go.  Caller holds _lock."""
        key = self._order.pop(sid, None)
        if key is not None:
            del self._sids[key]

    def _seen(self, sid, hit, peek=False):
        """Book a lookup of number sid: a hit made its entry the most
        recent (unless peeked); a miss means the entry is gone, unless it
        is claimed by a compute-once caller."""
        if not sid:
            return
        with self._lock:
            if sid not in self._order:
                return
            if hit:
                if not peek:
                    self._order.move_to_end(sid)
                return
            if not self._computing[sid]:
                self._forget(sid)

    def _oldest(self, sid):
        """The least recent number other than sid that no caller holds
        claimed: the one numbered entry that an insertion may have evicted
        (one insertion evicts at most one entry, the least recent)."""
        if not self.maxsize or not self._order:
            return 0
        with self._lock:
            for other in self._order:
                if other != sid and not self._computing[other]:
                    return other
        return 0

    def _peek_arg(self, sid):
        arg, kbuf, _ = self._arg(PYHEAP_CMD_LRU_GET, PYHEAP_LRU_PEEK, 0,
                                 _sid_key(sid))
        arg.value_len = 0
        return arg, kbuf

    def _peeked(self, result, out, handles):
        """Whether a batched peek (no room for the value) found its key; an
        object value's new handle goes on handles, to be closed."""
        if result == -errno.EOVERFLOW:
            return True                 # found, with bytes to copy
        if result:
            raise PyheapError(-result, os.strerror(-result))
        out = PyheapLruOp.from_buffer_copy(out)
        if out.out_value_handle:
            handles.append(Obj(self.heap, out.out_value_handle))
        return out.out_hit == PYHEAP_LRU_HIT

    def _present(self, sids):
        """Which numbers the kernel holds, peeked in batches."""
        found, handles = [], []
        for i in range(0, len(sids), PYHEAP_BATCH_MAX):
            args = [self._peek_arg(s) for s in sids[i:i + PYHEAP_BATCH_MAX]]
            for result, out in self.heap.batch(
                    (PYHEAP_CMD_LRU_GET, a) for a, _ in args):
                found.append(self._peeked(result, out, handles))
        self.heap.close_many(handles)
        return found

    def _prune(self, sids):
        """Forget those of sids whose entries the kernel does not hold."""
        sids = [s for s in sids if s]
        if not sids:
            return
        present = self._present(sids)
        with self._lock:
            for s, p in zip(sids, present):
                if not p and not self._computing[s]:
                    self._forget(s)

    def _inserted(self, sid, victim, present):
        """After an insertion: sid is the most recent, and the victim
        goes if it is gone."""
        with self._lock:
            if sid in self._order:
                self._order.move_to_end(sid)
            if victim and not present and not self._computing[victim]:
                self._forget(victim)
            stale = (self.maxsize and
                     len(self._order) - len(self._computing) > self.maxsize)
        if stale:
            # more unclaimed numbers than the kernel can hold: the mirror
            # of its order missed something (callers in other threads
            # race); ask it
            with self._lock:
                sids = [s for s in self._order if not self._computing[s]]
            self._prune(sids)

    def _store(self, tag, data, value, sid=0):
        """SET, and in the same batch a peek at the one numbered entry it
        may evict, so that the table lets that key go with the entry.
        The finalizers of what the map let go (the value replaced, the
        entry evicted) run before it returns, as __del__ does when
        lru_cache's dict drops the last reference."""
        try:
            self._store_locked(tag, data, value, sid)
        finally:
            self.heap._finalize_due()

    def _store_locked(self, tag, data, value, sid):
        if isinstance(value, Obj):
            arg, kbuf, vbuf = self._arg(PYHEAP_CMD_LRU_SET,
                                        PYHEAP_LRU_VALUE_OBJECT, tag, data,
                                        value_handle=value.handle)
        else:
            arg, kbuf, vbuf = self._arg(PYHEAP_CMD_LRU_SET, 0, tag, data,
                                        pickle.dumps(value))
        victim = self._oldest(sid)
        present = True
        if not victim:
            try:
                self.heap._ioctl(PYHEAP_CMD_LRU_SET, arg)
            except PyheapError:
                self._prune([sid])
                raise
        else:
            peek, pbuf = self._peek_arg(victim)
            (result, _), (presult, pout) = self.heap.batch(
                [(PYHEAP_CMD_LRU_SET, arg), (PYHEAP_CMD_LRU_GET, peek)])
            handles = []
            present = self._peeked(presult, pout, handles)
            self.heap.close_many(handles)
            if result:
                self._inserted(0, victim, present)
                self._prune([sid])
                raise PyheapError(-result, os.strerror(-result))
        self._inserted(sid, victim, present)

    def _claimed(self, sid):
        """A compute-once claim inserted an entry, which may have evicted
        one: book it as a SET."""
        victim = self._oldest(sid)
        present = self._present([victim])[0] if victim else True
        self._inserted(sid, victim, present)

    # The map.

    def _key_of(self, key):
        return _make_key((key,), None, self.typed)

    def _key(self, key):
        """(tag, kernel key) of a map key, as a lookup sends it."""
        return self._resolve(self._key_of(key))[:2]

    def _get(self, key, flags):
        tag, data, sid = self._resolve(self._key_of(key))
        found, value = self._lookup(tag, data, flags)
        self._seen(sid, found, flags & PYHEAP_LRU_PEEK)
        return found, value

    def get(self, key, default=None):
        found, value = self._get(key, 0)
        return value if found else default

    def peek(self, key, default=None):
        found, value = self._get(key, PYHEAP_LRU_PEEK)
        return value if found else default

    def get_many(self, keys, default=None, peek=False):
        """[get(k, default) for k in keys] (or peek), the same hits,
        misses and recency, in one LRU_GETV ioctl per run of keys of
        equal length and type tag."""
        packed = [self._resolve(self._key_of(k)) for k in keys]
        flags = PYHEAP_LRU_PEEK if peek else 0
        answers, i = [], 0
        while i < len(packed):
            tag, data, _ = packed[i]
            j = i + 1
            while (j < len(packed) and j - i < PYHEAP_LRU_GETV_MAX and
                   packed[j][0] == tag and len(packed[j][1]) == len(data)):
                j += 1
            answers += self._getv(tag, [d for _, d, _ in packed[i:j]], flags)
            i = j
        for (_, _, sid), (found, _) in zip(packed, answers):
            self._seen(sid, found, peek)
        return [value if found else default for found, value in answers]

    def _getv(self, tag, datas, flags):
        """LRU_GETV over keys of one length, as [(found, value)]; grows
        the value room on EOVERFLOW (which changed nothing) and asks
        again."""
        klen, room, answers = len(datas[0]), 256, []
        while datas:
            n = max(1, min(len(datas), PYHEAP_LRU_GETV_MAX_BYTES // room))
            kbuf = bytearray(b"".join(datas[:n])) or bytearray(1)
            vbuf = bytearray(n * room)
            results = (PyheapLruResult * n)()
            try:
                self.heap._ioctl(PYHEAP_CMD_LRU_GETV, PyheapLruGetv(
                    flags=flags, handle=self.obj.handle, count=n,
                    key_type=tag, key_len=klen, value_len=room,
                    keys=_buffer_address(kbuf), values=_buffer_address(vbuf),
                    results=ctypes.addressof(results)))
            except PyheapError as e:
                if e.errno != errno.EOVERFLOW:
                    raise
                room = max(r.out_value_len for r in results)
                continue
            for i, r in enumerate(results):
                if r.out_hit == PYHEAP_LRU_MISS:
                    answers.append((False, None))
                elif r.out_value_handle:
                    answers.append((True, Obj(self.heap, r.out_value_handle)))
                else:
                    answers.append((True, pickle.loads(
                        bytes(vbuf[i * room:i * room + r.out_value_len]))))
            datas = datas[n:]
        return answers

    def set(self, key, value):
        tag, data, sid = self._resolve(self._key_of(key), insert=True)
        self._store(tag, data, value, sid)

    def delete(self, key):
        tag, data, sid = self._resolve(self._key_of(key))
        out, _ = self._op(PYHEAP_CMD_LRU_DELETE, 0, tag, data)
        self._seen(sid, False)
        self.heap._finalize_due()
        return bool(out.out_hit)

    def _info(self, flags=0):
        return self.heap._ioctl(PYHEAP_CMD_LRU_INFO, PyheapLruCacheInfo(
            flags=flags, handle=self.obj.handle))

    def cache_info(self):
        out = self._info()
        return CacheInfo(out.out_hits, out.out_misses,
                         _maxsize(out.out_maxsize), out.out_currsize)

    def evictions(self):
        return self._info().out_evictions

    def cache_clear(self):
        self._info(PYHEAP_LRU_CLEAR)
        with self._lock:
            for s in list(self._order):
                if not self._computing[s]:
                    self._forget(s)
        self.heap._finalize_due()

    def cache_parameters(self):
        out = self._info()
        return {"maxsize": _maxsize(out.out_maxsize),
                "typed": bool(out.out_typed)}

    # The decorator.

    def _call(self, user_function, args, kwds):
        if self.maxsize == 0:
            # lru_cache(0) makes no key (an unhashable argument is fine):
            # it counts a miss and calls
            self._lookup(0, _ABSENT, 0)
            return user_function(*args, **kwds)
        key = _make_key(args, kwds, self.typed)
        if self.compute_once:
            return self._compute(key, user_function, args, kwds)
        tag, data, sid = self._resolve(key)
        found, value = self._lookup(tag, data, 0)
        self._seen(sid, found)
        if found:
            return value
        result = user_function(*args, **kwds)
        tag, data, sid = self._resolve(key, insert=True)
        self._store(tag, data, result, sid)
        return result

    def _compute(self, key, user_function, args, kwds):
        """A call with compute-once: a miss claims the key, and callers
        that find it claimed wait for the value."""
        tag, data, sid = self._resolve(key, insert=True)
        if sid:
            with self._lock:
                self._computing[sid] += 1
        settled = False         # the kernel holds the entry, or a claim
        try:
            try:
                found, value = self._lookup(tag, data, PYHEAP_LRU_COMPUTE)
            except PyheapError as e:
                if e.errno != errno.EAGAIN:
                    raise
                settled = True                      # another's claim
                return user_function(*args, **kwds)    # waited too long
            if found is True:
                settled = True
                self._seen(sid, True)
                return value
            if found == PYHEAP_LRU_CLAIMED:
                self._claimed(sid)              # (may have evicted)
                self.heap._finalize_due()
            try:
                result = user_function(*args, **kwds)
            except BaseException:
                if found == PYHEAP_LRU_CLAIMED:
                    # give up
                    self._op(PYHEAP_CMD_LRU_DELETE, 0, tag, data)
                    self.heap._finalize_due()
                raise
            self._store(tag, data, result, sid)
            settled = True
            return result
        finally:
            if sid:
                with self._lock:
                    self._computing[sid] -= 1
                    if not self._computing[sid]:
                        del self._computing[sid]
                if not settled:
                    self._prune([sid])  # given up, or failed: gone?

    def __call__(self, user_function):
        """Decorate a function, as functools.lru_cache does."""
        cache = self

        def wrapper(*args, **kwds):
            return cache._call(user_function, args, kwds)

        wrapper.cache_info = cache.cache_info
        wrapper.cache_clear = cache.cache_clear
        wrapper.cache_parameters = cache.cache_parameters
        wrapper.__wrapped__ = user_function
        functools.update_wrapper(wrapper, user_function)
        return wrapper


def _maxsize(out_maxsize):
    """cache_parameters()["maxsize"] of an out_maxsize: None if unbounded
    (PYHEAP_LRU_MAXSIZE_NONE, or any negative)."""
    return None if out_maxsize < 0 else out_maxsize


class Obj:
    """A handle on one object: indexing reads and writes its slots."""

    __slots__ = ("heap", "handle")

    def __init__(self, heap, handle):
        self.heap = heap
        self.handle = handle

    def __getitem__(self, index):
        out = self.heap._ioctl(PYHEAP_CMD_SLOT_GET,
                               PyheapSlot(handle=self.handle, index=index))
        if out.out_handle == PYHEAP_HANDLE_NONE:
            return None
        return Obj(self.heap, out.out_handle)

    def __setitem__(self, index, target):
        self.heap._ioctl(PYHEAP_CMD_SLOT_SET, PyheapSlot(
            handle=self.handle, index=index,
            target=target.handle if target else PYHEAP_HANDLE_NONE))
        self.heap._finalize_due()

    def __delitem__(self, index):
        self[index] = None

    def write(self, offset, data):
        data = bytes(data)
        buf = bytearray(data) or bytearray(1)
        self.heap._ioctl(PYHEAP_CMD_PAYLOAD_WRITE, PyheapPayload(
            handle=self.handle, length=len(data), offset=offset,
            data=_buffer_address(buf)))

    def payload_u32(self):
        """The first 4 payload bytes as an unsigned integer."""
        return _u32.from_buffer_copy(self.read(0, 4)).value

    def read(self, offset, length):
        buf = bytearray(length or 1)
        self.heap._ioctl(PYHEAP_CMD_PAYLOAD_READ, PyheapPayload(
            handle=self.handle, length=length, offset=offset,
            data=_buffer_address(buf)))
        return bytes(buf[:length])

    def close(self):
        """Drop this handle's reference now (``del`` does the same)."""
        if self.handle and self.heap.fd >= 0:
            self.heap._ioctl(PYHEAP_CMD_HANDLE_CLOSE,
                             PyheapHandleClose(handle=self.handle))
            self.handle = 0
            self.heap._finalize_due()
        self.handle = 0

    def __del__(self):
        try:
            self.close()
        except OSError:
            pass

    def __repr__(self):
        return "<pyheap.Obj handle %d of heap %d>" % (self.handle,
                                                      self.heap.id)
