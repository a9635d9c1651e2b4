#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Keep tools/syzkaller/dev_pyheap.txt true to include/uapi/linux/pyheap.h.

Without syzkaller at hand, check what would otherwise rot silently: every
ioctl of the header is described, every PYHEAP_ constant the description
names exists, and every described struct has the size the header
publishes for it.  Prints what is wrong; exit status 1 if anything is.
"""
import os
import re
import sys

TOP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
HEADER = os.path.join(TOP, "include", "uapi", "linux", "pyheap.h")
DESC = os.path.join(TOP, "tools", "syzkaller", "dev_pyheap.txt")

# described struct -> the header's size constant for it
SIZES = {
    "pyheap_version": "VERSION_SIZE_VER0",
    "pyheap_obj_new": "OBJ_NEW_SIZE_VER0",
    "pyheap_handle_dup": "HANDLE_DUP_SIZE_VER0",
    "pyheap_handle_close": "HANDLE_CLOSE_SIZE_VER0",
    "pyheap_slot_set": "SLOT_SIZE_VER0",
    "pyheap_slot_get": "SLOT_SIZE_VER0",
    "pyheap_payload_write": "PAYLOAD_SIZE_VER0",
    "pyheap_payload_read": "PAYLOAD_SIZE_VER0",
    "pyheap_getsizeof": "GETSIZEOF_SIZE_VER0",
    "pyheap_heap_info": "HEAP_INFO_SIZE_VER0",
    "pyheap_batch": "BATCH_SIZE_VER0",
    "pyheap_gc_collect": "GC_COLLECT_SIZE_VER0",
    "pyheap_gc_state": "GC_STATE_SIZE_VER0",
    "pyheap_gc_state_set": "GC_STATE_SIZE_VER0",
    "pyheap_gc_stats": "GC_STATS_SIZE_VER1",
    "pyheap_gc_freeze": "GC_FREEZE_SIZE_VER0",
    "pyheap_gc_obj_info": "GC_OBJ_INFO_SIZE_VER1",
    "pyheap_gc_refs": "GC_REFS_SIZE_VER0",
    "pyheap_gc_garbage": "GC_GARBAGE_SIZE_VER1",
    "pyheap_lru_new": "LRU_NEW_SIZE_VER0",
    "pyheap_lru_get": "LRU_OP_SIZE_VER0",
    "pyheap_lru_set": "LRU_OP_SIZE_VER0",
    "pyheap_lru_set_obj": "LRU_OP_SIZE_VER0",
    "pyheap_lru_delete": "LRU_OP_SIZE_VER0",
    "pyheap_lru_cache_info": "LRU_CACHE_INFO_SIZE_VER0",
    "pyheap_gc_why": "GC_WHY_SIZE_VER0",
    "pyheap_gc_objects": "GC_OBJECTS_SIZE_VER0",
}

SCALAR = {"int8": 1, "int32": 4, "int64": 8, "bool32": 4, "ptr64": 8,
          "pyheap_handle": 4}


def type_size(t):
    """Bytes of one syzlang field type, for the types the file uses."""
    t = t.strip()
    m = re.fullmatch(r"array\[(.+),\s*(\d+)\]", t)
    if m:
        return type_size(m.group(1)) * int(m.group(2))
    m = re.fullmatch(r"(const|flags|bytesize|len)\[.*,\s*(\w+)\]", t)
    if m:
        return SCALAR[m.group(2)]
    base = re.match(r"\w+", t).group(0)
    return SCALAR[base]


def main():
    header = open(HEADER).read()
    desc = open(DESC).read()
    errors = []
    defined = set(re.findall(r"#define\s+(PYHEAP_\w+)", header))
    defined |= set(re.findall(r"\b(PYHEAP_CMD_\w+)\s*[,=]", header))
    for ioc in sorted(n for n in defined if n.startswith("PYHEAP_IOC_")
                      and n != "PYHEAP_IOC_MAGIC"):
        if not re.search(r"^ioctl\$%s[\w]*\(" % ioc, desc, re.M):
            errors.append("%s is not described" % ioc)
    # (a call's name, after the "$", is not a constant)
    for name in sorted(set(re.findall(r"(?<!\$)\bPYHEAP_\w+", desc))):
        if name not in defined:
            errors.append("%s is not in the header" % name)
    consts = {k: int(v) for k, v in
              re.findall(r"#define\s+PYHEAP_(\w+_SIZE_VER\d)\s+(\d+)",
                         header)}
    for struct, body in re.findall(r"^(pyheap_\w+) \{\n(.*?)^\}", desc,
                                   re.M | re.S):
        if struct not in SIZES:
            continue
        size = 0
        for line in body.splitlines():
            fields = line.split(None, 1)
            if len(fields) == 2:
                size += type_size(re.sub(r"\s*\(out\)$", "", fields[1]))
        want = consts[SIZES[struct]]
        if size != want:
            errors.append("%s: %d bytes described, the header says %d"
                          % (struct, size, want))
    missing = set(SIZES) - set(re.findall(r"^(pyheap_\w+) \{", desc, re.M))
    errors += ["%s is not described" % s for s in sorted(missing)]
    for e in errors:
        print("syzkaller: " + e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
