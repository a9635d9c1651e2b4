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

import array
import collections
import ctypes
import errno
import fcntl
import functools
import os
import pickle
import struct
import zlib

__all__ = ["Heap", "Obj", "LruCache", "CacheInfo", "HeapInfo", "SizeInfo",
           "PyheapError"]

_MAGIC = 0xB9
ABI_MAJOR = 1

(CMD_VERSION, CMD_OBJ_NEW, CMD_HANDLE_DUP, CMD_HANDLE_CLOSE, CMD_SLOT_SET,
 CMD_SLOT_GET, CMD_PAYLOAD_WRITE, CMD_PAYLOAD_READ, CMD_GETSIZEOF,
 CMD_HEAP_INFO, CMD_BATCH, CMD_GC_COLLECT, CMD_GC_GET, CMD_GC_SET,
 CMD_GC_STATS, CMD_GC_FREEZE, CMD_GC_OBJ_INFO, CMD_GC_REFS,
 CMD_GC_GARBAGE, CMD_LRU_NEW, CMD_LRU_GET, CMD_LRU_SET, CMD_LRU_DELETE,
 CMD_LRU_INFO, CMD_LRU_GETV, CMD_OBJ_NEWV, CMD_HANDLE_CLOSEV) = range(27)

GETSIZEOF_DEEP = 1
BATCH_STOP_ON_ERROR = 1
OBJ_FINALIZER = 1
OBJ_LEGACY_FINALIZER = 2
VEC_MAX = 4096

# gc debug flags: the values of Python's gc module
DEBUG_STATS = 1
DEBUG_COLLECTABLE = 2
DEBUG_UNCOLLECTABLE = 4
DEBUG_SAVEALL = 32
DEBUG_LEAK = DEBUG_COLLECTABLE | DEBUG_UNCOLLECTABLE | DEBUG_SAVEALL

_GC_SET_ENABLED, _GC_SET_DEBUG, _GC_SET_THRESHOLD = 1, 2, 4
_FREEZE, _UNFREEZE = 1, 2
_GC_REFERENTS, _GC_REFERRERS = 1, 2
_GC_GARBAGE_LIST, _GC_GARBAGE_CLEAR = 1, 2
_EVENT_FINALIZE = 1

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
_GC_COLLECT = struct.Struct("=IIIIQ")
_GC_STATE = struct.Struct("=IIII3I3IQQQII")
_GC_GEN_STATS = struct.Struct("=7Q")
_GC_STATS = struct.Struct("=II" + "7Q" * 3)
_GC_FREEZE = struct.Struct("=IIQ")
_GC_OBJ_INFO = struct.Struct("=IIIIIIIIQ16s")
_GC_REFS = struct.Struct("=IIIIQII")
_GC_GARBAGE = struct.Struct("=IIIIQII")
_EVENT = struct.Struct("=II")
_LRU_NEW = struct.Struct("=IIqII")
_LRU_OP = struct.Struct("=IIIIIIQQIIII")
_LRU_INFO = struct.Struct("=IIIIqQQQQ")
_LRU_GETV = struct.Struct("=IIIIIIIIQQQ")
_LRU_RESULT = struct.Struct("=IIII")
_OBJ_NEWV = struct.Struct("=IIIIIIQ")
_HANDLE_CLOSEV = struct.Struct("=IIIIQ")
_LRU_GETV_MAX, _LRU_GETV_MAX_BYTES = 4096, 1 << 20
_LRU_TYPED, _LRU_PEEK, _LRU_VALUE_OBJECT, _LRU_CLEAR = 1, 1, 2, 1
_LRU_COMPUTE = 4
_LRU_MISS, _LRU_HIT, _LRU_CLAIMED = 0, 1, 2

CacheInfo = collections.namedtuple("CacheInfo",
                                   "hits misses maxsize currsize")

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

    def fileno(self):
        """The file descriptor, for select() and poll(): readable when a
        finalizer event waits."""
        return self.fd

    def new(self, slots=0, size=0, finalizer=False, legacy_finalizer=False):
        """A new object with `slots` empty reference slots and `size`
        zeroed payload bytes.  With `finalizer`, the collector hands it
        back once through events() before freeing it (PEP 442); with
        `legacy_finalizer`, a cycle through it is uncollectable, like a
        class with __del__ before Python 3.4."""
        flags = ((OBJ_FINALIZER if finalizer else 0) |
                 (OBJ_LEGACY_FINALIZER if legacy_finalizer else 0))
        out = self._call(CMD_OBJ_NEW, _OBJ_NEW, _OBJ_NEW.size, flags, slots,
                         size, 0, 0)
        return Obj(self, out[4])

    def new_many(self, n, slots=0, size=0, finalizer=False,
                 legacy_finalizer=False):
        """n new objects of one shape, as new() makes them, in one ioctl
        (OBJ_NEWV) per 4096: all of each 4096 are made, or none."""
        flags = ((OBJ_FINALIZER if finalizer else 0) |
                 (OBJ_LEGACY_FINALIZER if legacy_finalizer else 0))
        objs = []
        while len(objs) < n:
            k = min(n - len(objs), VEC_MAX)
            handles = array.array("I", bytes(4 * k))
            self._call(CMD_OBJ_NEWV, _OBJ_NEWV, _OBJ_NEWV.size, flags, slots,
                       size, k, 0, _buffer_address(handles))
            objs.extend(Obj(self, h) for h in handles)
        return objs

    def close_many(self, objs):
        """Close many handles, in one ioctl (HANDLE_CLOSEV) per 4096: if
        one of them is closed already, or named twice, none of its 4096 is
        closed and PyheapError(ENOENT) is raised."""
        objs = list(objs)
        for i in range(0, len(objs), VEC_MAX):
            part = objs[i:i + VEC_MAX]
            handles = array.array("I", (o.handle for o in part))
            self._call(CMD_HANDLE_CLOSEV, _HANDLE_CLOSEV,
                       _HANDLE_CLOSEV.size, 0, len(part), 0,
                       _buffer_address(handles))
            for o in part:
                o.handle = 0

    def link_many(self, links):
        """Set many slots at once: [(obj, index, target or None), ...]."""
        links = list(links)
        for i in range(0, len(links), 4096):
            ops = [(CMD_SLOT_SET,
                    _SLOT.pack(_SLOT.size, 0, o.handle, k,
                               t.handle if t else 0, 0))
                   for o, k, t in links[i:i + 4096]]
            for result, _ in self.batch(ops):
                if result:
                    raise PyheapError(-result, os.strerror(-result))

    # The gc module's interface, for this heap.

    def collect(self, generation=2):
        """gc.collect(): the number of unreachable objects found."""
        return self._call(CMD_GC_COLLECT, _GC_COLLECT, _GC_COLLECT.size, 0,
                          generation, 0, 0)[4]

    def _gc_state(self):
        return self._call(CMD_GC_GET, _GC_STATE, _GC_STATE.size, 0, 0, 0,
                          0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)

    def _gc_set(self, flags, enabled=0, debug=0, threshold=(0, 0, 0)):
        self._call(CMD_GC_SET, _GC_STATE, _GC_STATE.size, flags, enabled,
                   debug, *threshold, 0, 0, 0, 0, 0, 0, 0, 0)

    def isenabled(self):
        return bool(self._gc_state()[2])

    def enable(self):
        self._gc_set(_GC_SET_ENABLED, enabled=1)

    def disable(self):
        self._gc_set(_GC_SET_ENABLED, enabled=0)

    def get_debug(self):
        return self._gc_state()[3]

    def set_debug(self, flags):
        self._gc_set(_GC_SET_DEBUG, debug=flags)

    def get_threshold(self):
        return tuple(self._gc_state()[4:7])

    def set_threshold(self, threshold0, threshold1=None, threshold2=None):
        old = self.get_threshold()
        new = (threshold0,
               old[1] if threshold1 is None else threshold1,
               old[2] if threshold2 is None else threshold2)
        self._gc_set(_GC_SET_THRESHOLD, threshold=new)

    def get_count(self):
        return tuple(self._gc_state()[7:10])

    def get_freeze_count(self):
        return self._gc_state()[10]

    def freeze(self):
        self._call(CMD_GC_FREEZE, _GC_FREEZE, _GC_FREEZE.size, _FREEZE,
                   0)

    def unfreeze(self):
        self._call(CMD_GC_FREEZE, _GC_FREEZE, _GC_FREEZE.size,
                   _UNFREEZE, 0)

    def get_stats(self):
        """gc.get_stats(), plus candidates, durations and pauses."""
        out = self._call(CMD_GC_STATS, _GC_STATS, _GC_STATS.size, 0,
                         *([0] * 21))
        keys = ("collections", "collected", "uncollectable", "candidates",
                "duration_ns", "max_pause_ns", "objects")
        return [dict(zip(keys, out[2 + 7 * g:9 + 7 * g])) for g in range(3)]

    def _obj_info(self, obj):
        return self._call(CMD_GC_OBJ_INFO, _GC_OBJ_INFO, _GC_OBJ_INFO.size,
                          0, obj.handle, 0, 0, 0, 0, 0, 0, b"")

    def is_tracked(self, obj):
        return bool(self._obj_info(obj)[3])

    def is_finalized(self, obj):
        return bool(self._obj_info(obj)[4])

    def generation(self, obj):
        """0, 1 or 2; 3 when frozen."""
        return self._obj_info(obj)[5]

    def getrefcount(self, obj):
        """The object's reference count, this handle's included."""
        return self._obj_info(obj)[6]

    def id_of(self, obj):
        """Python's id(): equal for every handle of one object, and
        stable while it lives; a keyed hash, never an address."""
        return self._obj_info(obj)[8]

    def typename(self, obj):
        """type(obj).__name__: "object", "lru_cache", ..."""
        return self._obj_info(obj)[9].rstrip(b"\0").decode()

    def _handles_out(self, cmd, layout, flags, a, b, limit):
        arr = (ctypes.c_uint32 * limit)()
        out = self._call(cmd, layout, layout.size, flags, a, b,
                         ctypes.addressof(arr), 0, 0)
        return [Obj(self, arr[i]) for i in range(out[5])], out[6]

    def get_referents(self, obj, limit=4096):
        return self._handles_out(CMD_GC_REFS, _GC_REFS, _GC_REFERENTS,
                                 obj.handle, limit, limit)[0]

    def get_referrers(self, obj, limit=4096):
        return self._handles_out(CMD_GC_REFS, _GC_REFS, _GC_REFERRERS,
                                 obj.handle, limit, limit)[0]

    @property
    def garbage(self):
        """gc.garbage: the uncollectable objects (at most 4096 here)."""
        if not self._gc_state()[11]:
            return []
        return self._handles_out(CMD_GC_GARBAGE, _GC_GARBAGE,
                                 _GC_GARBAGE_LIST, 4096, 0, 4096)[0]

    def clear_garbage(self):
        """del gc.garbage[:]; returns how many went."""
        return self._call(CMD_GC_GARBAGE, _GC_GARBAGE, _GC_GARBAGE.size,
                          _GC_GARBAGE_CLEAR, 0, 0, 0, 0, 0)[5]

    def lru_cache(self, maxsize=128, typed=False, compute_once=False,
                  timeout=10.0):
        """An LRU map in this heap with functools.lru_cache semantics;
        use it as a map or as a decorator.  With compute_once, concurrent
        calls with one key compute it once: the others wait (up to
        `timeout` seconds) for the first one's result."""
        return LruCache(self, maxsize, typed, compute_once, timeout)

    def events(self, block=False):
        """Objects whose finalizer is due, as new Objs (reading them
        off the file).  Drop them to let the collector free them."""
        os.set_blocking(self.fd, block)
        try:
            data = os.read(self.fd, _EVENT.size * 256)
        except BlockingIOError:
            return []
        return [Obj(self, _EVENT.unpack_from(data, i)[1])
                for i in range(0, len(data), _EVENT.size)]

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


def _norm(x):
    """A byte-stable stand-in for x that is equal where Python's == is:
    3, 3.0 and True are one key, as in a dict."""
    if isinstance(x, (bool, int)) or (isinstance(x, float) and
                                      x.is_integer()):
        return ("n", int(x))
    if isinstance(x, float):
        return ("f", repr(x))
    if isinstance(x, tuple):
        return ("t", tuple(_norm(i) for i in x))
    return (type(x).__name__, x)


_KWD_MARK = ("<kwd_mark>",)


def _make_key(args, kwds, typed):
    """functools._make_key, as (type tag, key bytes) for the kernel map."""
    kwds = kwds or {}
    if not kwds and not typed and len(args) == 1 and \
            type(args[0]) in (int, str):
        # lru_cache's fast path: a lone int or str is the key itself, not
        # a 1-tuple, so f(1) and f(True) are different entries
        return 0, repr(("bare", _norm(args[0]))).encode()
    key = args
    if kwds:
        key += _KWD_MARK
        for item in kwds.items():
            key += item
    data = repr(_norm(key)).encode()
    tag = 0
    if typed:
        names = [type(v).__qualname__ for v in args]
        names += [type(v).__qualname__ for v in kwds.values()]
        tag = zlib.crc32(",".join(names).encode()) or 1
    return tag, data


class LruCache:
    """functools.lru_cache, kept in a pyheap heap.

    As a map: get(key) -> value or default (a hit or a miss), set(key,
    value), delete(key), peek(key), cache_info(), cache_clear(),
    cache_parameters().  Values are bytes, str, ints, picklable objects
    (stored as pickles) or Objs of the same heap (stored as references).
    As a decorator: @h.lru_cache(5) works like @functools.lru_cache(5).
    """

    def __init__(self, heap, maxsize=128, typed=False, compute_once=False,
                 timeout=10.0):
        if maxsize is not None and not isinstance(maxsize, int):
            raise TypeError("Expected first argument to be an integer, "
                            "a callable, or None")
        if maxsize is not None and maxsize < 0:
            maxsize = 0
        self.heap = heap
        out = heap._call(CMD_LRU_NEW, _LRU_NEW, _LRU_NEW.size,
                         _LRU_TYPED if typed else 0,
                         -1 if maxsize is None else maxsize, 0, 0)
        self.obj = Obj(heap, out[3])
        self.typed = typed
        self.compute_once = compute_once
        self.timeout_ms = int(timeout * 1000)

    def _op(self, cmd, flags, tag, key, value=b"", value_handle=0,
            room=0):
        """One LRU ioctl; value_handle doubles as timeout_ms for GET."""
        kbuf = bytearray(key) or bytearray(1)
        vbuf = bytearray(value) or bytearray(max(room, 1))
        out = self.heap._call(cmd, _LRU_OP, _LRU_OP.size, flags,
                              self.obj.handle, tag, len(key),
                              len(value) if value else room,
                              _buffer_address(kbuf),
                              _buffer_address(vbuf) if (value or room)
                              else 0, value_handle, 0, 0, 0)
        return out, vbuf

    def _lookup(self, tag, data, flags):
        """(found, value); found is _LRU_CLAIMED when this caller must
        compute the value (compute-once)."""
        room = 256
        timeout = self.timeout_ms if flags & _LRU_COMPUTE else 0
        while True:
            try:
                out, vbuf = self._op(CMD_LRU_GET, flags, tag, data,
                                     room=room, value_handle=timeout)
                break
            except PyheapError as e:
                if e.errno != errno.EOVERFLOW:
                    raise
                # too small: ask again with room for it (peek, so the
                # statistics count one lookup)
                out, _ = self._op(CMD_LRU_GET, _LRU_PEEK, tag, data)
                room = max(out[10], room * 2)
        if out[9] == _LRU_CLAIMED:
            return _LRU_CLAIMED, None
        if not out[9]:
            return False, None
        if out[11]:
            return True, Obj(self.heap, out[11])
        return True, pickle.loads(bytes(vbuf[:out[10]]))

    def _store(self, tag, data, value):
        if isinstance(value, Obj):
            self._op(CMD_LRU_SET, _LRU_VALUE_OBJECT, tag, data,
                     value_handle=value.handle)
        else:
            self._op(CMD_LRU_SET, 0, tag, data, pickle.dumps(value))

    def _key(self, key):
        return _make_key((key,), None, self.typed)

    def get(self, key, default=None):
        found, value = self._lookup(*self._key(key), 0)
        return value if found else default

    def peek(self, key, default=None):
        found, value = self._lookup(*self._key(key), _LRU_PEEK)
        return value if found else default

    def get_many(self, keys, default=None, peek=False):
        """[get(k, default) for k in keys] (or peek), the same hits,
        misses and recency, in one LRU_GETV ioctl per run of keys of
        equal length and type tag."""
        packed = [self._key(k) for k in keys]
        flags = _LRU_PEEK if peek else 0
        values, i = [], 0
        while i < len(packed):
            tag, data = packed[i]
            j = i + 1
            while (j < len(packed) and j - i < _LRU_GETV_MAX and
                   packed[j][0] == tag and len(packed[j][1]) == len(data)):
                j += 1
            values += self._getv(tag, [d for _, d in packed[i:j]], flags,
                                 default)
            i = j
        return values

    def _getv(self, tag, datas, flags, default):
        """LRU_GETV over keys of one length; grows the value room on
        EOVERFLOW (which changed nothing) and asks again."""
        klen, room, values = len(datas[0]), 256, []
        while datas:
            n = max(1, min(len(datas), _LRU_GETV_MAX_BYTES // room))
            kbuf = bytearray(b"".join(datas[:n])) or bytearray(1)
            vbuf = bytearray(n * room)
            rbuf = bytearray(n * _LRU_RESULT.size)
            try:
                self.heap._call(CMD_LRU_GETV, _LRU_GETV, _LRU_GETV.size,
                                flags, self.obj.handle, n, tag, klen, room,
                                0, _buffer_address(kbuf),
                                _buffer_address(vbuf), _buffer_address(rbuf))
            except PyheapError as e:
                if e.errno != errno.EOVERFLOW:
                    raise
                room = max(r[1] for r in _LRU_RESULT.iter_unpack(rbuf))
                continue
            for i, (hit, vlen, handle, _) in \
                    enumerate(_LRU_RESULT.iter_unpack(rbuf)):
                if not hit:
                    values.append(default)
                elif handle:
                    values.append(Obj(self.heap, handle))
                else:
                    values.append(pickle.loads(
                        bytes(vbuf[i * room:i * room + vlen])))
            datas = datas[n:]
        return values

    def set(self, key, value):
        self._store(*self._key(key), value)

    def delete(self, key):
        tag, data = self._key(key)
        out, _ = self._op(CMD_LRU_DELETE, 0, tag, data)
        return bool(out[9])

    def _info(self, flags=0):
        return self.heap._call(CMD_LRU_INFO, _LRU_INFO, _LRU_INFO.size,
                               flags, self.obj.handle, 0, 0, 0, 0, 0, 0)

    def cache_info(self):
        out = self._info()
        return CacheInfo(out[5], out[6], None if out[4] < 0 else out[4],
                         out[7])

    def evictions(self):
        return self._info()[8]

    def cache_clear(self):
        self._info(_LRU_CLEAR)

    def cache_parameters(self):
        out = self._info()
        return {"maxsize": None if out[4] < 0 else out[4],
                "typed": bool(out[3])}

    def __call__(self, user_function):
        """Decorate a function, as functools.lru_cache does."""
        cache = self

        def wrapper(*args, **kwds):
            tag, data = _make_key(args, kwds, cache.typed)
            if not cache.compute_once:
                found, value = cache._lookup(tag, data, 0)
                if found:
                    return value
                result = user_function(*args, **kwds)
                cache._store(tag, data, result)
                return result
            try:
                found, value = cache._lookup(tag, data, _LRU_COMPUTE)
            except PyheapError as e:
                if e.errno != errno.EAGAIN:
                    raise
                return user_function(*args, **kwds)   # waited too long
            if found is True:
                return value
            try:
                result = user_function(*args, **kwds)
            except BaseException:
                if found == _LRU_CLAIMED:
                    cache._op(CMD_LRU_DELETE, 0, tag, data)   # give up
                raise
            cache._store(tag, data, result)
            return result

        wrapper.cache_info = cache.cache_info
        wrapper.cache_clear = cache.cache_clear
        wrapper.cache_parameters = cache.cache_parameters
        wrapper.__wrapped__ = user_function
        functools.update_wrapper(wrapper, user_function)
        return wrapper


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

    def payload_u32(self):
        """The first 4 payload bytes as an unsigned integer."""
        return struct.unpack("=I", self.read(0, 4))[0]

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
