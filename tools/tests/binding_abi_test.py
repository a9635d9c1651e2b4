#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""binding_abi_test: the Python binding against the UAPI header.  TAP.

Parses include/uapi/linux/pyheap.h -- its structs and unions (members,
__u8..__s64 and char, arrays, nested structs, anonymous unions, laid out
with C's rules for an LP64 target such as x86-64), its enum and its
numeric #defines -- and checks against it every Structure of
tools/python/pyheap (size, alignment, member names, types and offsets,
in order), every command number, ioctl number and constant the binding
defines, and the PYHEAP_*_SIZE_VER* sizes.  With gcc, it also compiles a
program that prints sizeof, offsetof and every constant, so that the
parser itself is checked against the compiler.  Needs no kernel module.

    binding_abi_test.py [HEADER]    (or PYHEAP_UAPI_HEADER=HEADER)

tests another copy of the header.
"""
import ast
import ctypes
import itertools
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.join(HERE, "..", "..")
sys.path.insert(0, os.path.join(REPO, "tools", "python"))
import pyheap  # noqa: E402

HEADER = (sys.argv[1] if len(sys.argv) > 1 else
          os.environ.get("PYHEAP_UAPI_HEADER") or
          os.path.normpath(os.path.join(REPO, "include", "uapi", "linux",
                                        "pyheap.h")))

# size (and alignment, as on LP64 targets) of the header's scalar types
SCALARS = {"__u8": 1, "__s8": 1, "__u16": 2, "__s16": 2, "__u32": 4,
           "__s32": 4, "__u64": 8, "__s64": 8, "char": 1}

CTYPE_NAMES = {ctypes.c_uint8: "__u8", ctypes.c_int8: "__s8",
               ctypes.c_uint16: "__u16", ctypes.c_int16: "__s16",
               ctypes.c_uint32: "__u32", ctypes.c_int32: "__s32",
               ctypes.c_uint64: "__u64", ctypes.c_int64: "__s64",
               ctypes.c_char: "char"}


class HeaderError(Exception):
    pass


class Aggregate:
    """A struct or union of the header, laid out as C lays it out."""

    def __init__(self, kind, tag, members):
        self.kind, self.tag, self.members = kind, tag, members
        self.size, self.align = 0, 1
        for m in members:
            size, align = m.type_size_align()
            m.offset = 0 if kind == "union" else _round(self.size, align)
            self.align = max(self.align, align)
            end = m.offset + size
            self.size = max(self.size, end)
        self.size = _round(self.size, self.align)


class Member:
    def __init__(self, name, base, dims):
        self.name, self.base, self.dims = name, base, dims
        self.offset = 0

    def count(self):
        n = 1
        for d in self.dims:
            n *= d
        return n

    def type_size_align(self):
        if isinstance(self.base, Aggregate):
            return self.base.size * self.count(), self.base.align
        return SCALARS[self.base] * self.count(), SCALARS[self.base]

    def type_name(self):
        if isinstance(self.base, Aggregate):
            return "%s %s" % (self.base.kind, self.base.tag or "")
        return self.base


def _round(n, align):
    return (n + align - 1) // align * align


class Header:
    """What binding_abi_test needs of a UAPI header: .structs {name:
    Aggregate}, .consts {name: value} (enum members and numeric
    #defines, in order) and .exprs {name: C expression}."""

    TOKEN = re.compile(r"[A-Za-z_]\w*|0[xX][0-9a-fA-F]+[uUlL]*|\d+[uUlL]*"
                       r"|<<|>>|\S")

    def __init__(self, path):
        self.path = path
        with open(path) as f:
            text = f.read()
        text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
        text = re.sub(r"//[^\n]*", "", text)
        text = text.replace("\\\n", " ")
        self.structs, self.consts, self.exprs = {}, {}, {}
        self.undefined = []   # defines that are not numbers
        code = []
        for line in text.splitlines():
            if line.lstrip().startswith("#"):
                self._directive(line.strip())
                code.append("")
            else:
                code.append(line)
        self.toks = self.TOKEN.findall("\n".join(code))
        self._top_level()
        self._evaluate_defines()

    def _directive(self, line):
        m = re.match(r"#\s*define\s+(\w+)(\(?)\s*(.*)$", line)
        if m and not m.group(2) and m.group(3):
            self.exprs[m.group(1)] = ("define", m.group(3).strip())

    def _evaluate_defines(self):
        for name, (kind, expr) in list(self.exprs.items()):
            if kind != "define" or name in self.consts:
                continue
            try:
                self.consts[name] = self.eval(expr)
            except HeaderError:
                self.undefined.append(name)

    # C constant expressions, as far as this header needs them

    def eval(self, expr):
        expr = re.sub(r"\bsizeof\s*\(\s*(struct|union)\s+(\w+)\s*\)",
                      lambda m: str(self._agg(m.group(2)).size), expr)
        expr = re.sub(r"\b(0[xX][0-9a-fA-F]+|\d+)[uUlL]+\b", r"\1", expr)
        try:
            tree = ast.parse(expr.strip(), mode="eval")
        except SyntaxError:
            raise HeaderError("cannot parse %r" % expr) from None
        return self._eval(tree.body, expr)

    BINOPS = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b,
              ast.Mult: lambda a, b: a * b,
              ast.Div: lambda a, b: int(a / b),
              ast.Mod: lambda a, b: a % b,
              ast.LShift: lambda a, b: a << b,
              ast.RShift: lambda a, b: a >> b,
              ast.BitOr: lambda a, b: a | b, ast.BitAnd: lambda a, b: a & b,
              ast.BitXor: lambda a, b: a ^ b}
    UNOPS = {ast.USub: lambda a: -a, ast.UAdd: lambda a: a,
             ast.Invert: lambda a: ~a}

    def _eval(self, node, expr):
        if isinstance(node, ast.Constant) and isinstance(node.value, int):
            return node.value
        if isinstance(node, ast.Name):
            if node.id not in self.consts and \
                    self.exprs.get(node.id, ("",))[0] == "define":
                # a macro: expanded where it is used
                define = self.exprs.pop(node.id)
                try:
                    self.consts[node.id] = self.eval(define[1])
                finally:
                    self.exprs[node.id] = define
            if node.id not in self.consts:
                raise HeaderError("%s: unknown name in %r" % (node.id, expr))
            return self.consts[node.id]
        if isinstance(node, ast.BinOp) and type(node.op) in self.BINOPS:
            return self.BINOPS[type(node.op)](self._eval(node.left, expr),
                                              self._eval(node.right, expr))
        if isinstance(node, ast.UnaryOp) and type(node.op) in self.UNOPS:
            return self.UNOPS[type(node.op)](self._eval(node.operand, expr))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and not node.keywords:
            args = [self._eval(a, expr) for a in node.args]
            # <asm-generic/ioctl.h>: nr bits 0-7, type 8-15, size 16-29,
            # direction 30-31
            if node.func.id == "_IO" and len(args) == 2:
                return (args[0] << 8) | args[1]
            if node.func.id == "_IOC" and len(args) == 4:
                return (args[0] << 30) | (args[3] << 16) | \
                    (args[1] << 8) | args[2]
        raise HeaderError("cannot evaluate %r" % expr)

    # declarations

    def _agg(self, tag):
        if tag not in self.structs:
            raise HeaderError("struct %s used before its definition" % tag)
        return self.structs[tag]

    def _expect(self, i, tok):
        if self.toks[i] != tok:
            raise HeaderError("expected %r, got %r near %s" %
                              (tok, self.toks[i],
                               " ".join(self.toks[max(0, i - 8):i + 3])))
        return i + 1

    def _top_level(self):
        toks, i = self.toks, 0
        while i < len(toks):
            if toks[i] in ("struct", "union") and i + 2 < len(toks) and \
                    toks[i + 2] == "{":
                _, i = self._aggregate(i)
            elif toks[i] == "enum":
                i = self._enum(i + 1)
            else:
                i += 1

    def _enum(self, i):
        if self.toks[i] != "{":
            i += 1
        if self.toks[i] != "{":
            return i
        i += 1
        value = -1
        while self.toks[i] != "}":
            name = self.toks[i]
            i += 1
            if self.toks[i] == "=":
                j = i + 1
                depth = 0
                while depth or self.toks[j] not in (",", "}"):
                    depth += {"(": 1, ")": -1}.get(self.toks[j], 0)
                    j += 1
                expr = " ".join(self.toks[i + 1:j])
                value = self.eval(expr)
                i = j
            else:
                value += 1
                expr = None
            self.consts[name] = value
            self.exprs[name] = ("enum", expr)
            if self.toks[i] == ",":
                i += 1
        return i + 1

    def _aggregate(self, i):
        """Parse 'struct|union [tag] { members }' from token i."""
        kind = self.toks[i]
        i += 1
        tag = None
        if self.toks[i] != "{":
            tag = self.toks[i]
            i += 1
        i = self._expect(i, "{")
        members = []
        while self.toks[i] != "}":
            i = self._member(i, members)
        agg = Aggregate(kind, tag, members)
        if tag:
            self.structs[tag] = agg
        return agg, i + 1

    def _member(self, i, members):
        toks = self.toks
        if toks[i] in ("struct", "union"):
            if toks[i + 1] == "{" or toks[i + 2] == "{":
                base, i = self._aggregate(i)
            else:
                base = self._agg(toks[i + 1])
                i += 2
        elif toks[i] in SCALARS:
            base = toks[i]
            i += 1
        else:
            raise HeaderError("unknown type %r near %s" %
                              (toks[i], " ".join(toks[i - 6:i + 4])))
        if toks[i] == ";":
            if not isinstance(base, Aggregate):
                raise HeaderError("a %s with no name" % base)
            members.append(Member(None, base, []))
            return i + 1
        while True:
            name = toks[i]
            i += 1
            dims = []
            while toks[i] == "[":
                j = toks.index("]", i)
                dims.append(self.eval(" ".join(toks[i + 1:j])))
                i = j + 1
            members.append(Member(name, base, dims))
            if toks[i] != ",":
                return self._expect(i, ";")
            i += 1


def header_rows(agg, base=0, prefix=""):
    """(name, offset, size, type, dims) of each member of agg, in order:
    an anonymous struct or union's members as the C compiler promotes
    them, a named one's as name.member."""
    rows = []
    for m in agg.members:
        size = m.type_size_align()[0]
        if isinstance(m.base, Aggregate) and not m.base.tag:
            if m.name is None:
                rows += header_rows(m.base, base + m.offset, prefix)
                continue
            if not m.dims:
                rows += header_rows(m.base, base + m.offset,
                                    prefix + m.name + ".")
                continue
        rows.append((prefix + m.name, base + m.offset, size, m.type_name(),
                     m.dims))
    return rows


def binding_rows(cls, base=0, prefix=""):
    """The same rows for a ctypes Structure or Union of the binding."""
    rows = []
    anonymous = getattr(cls, "_anonymous_", ())
    named = {v: k for k, v in pyheap._UAPI_STRUCTS.items()}
    for name, ctype in cls._fields_:
        field = getattr(cls, name)
        dims, elem = [], ctype
        while issubclass(elem, ctypes.Array):
            dims.append(elem._length_)
            elem = elem._type_
        if elem in CTYPE_NAMES:
            kind = CTYPE_NAMES[elem]
        elif elem in named:
            kind = "%s %s" % ("union" if issubclass(elem, ctypes.Union)
                              else "struct", named[elem])
        elif issubclass(elem, (ctypes.Structure, ctypes.Union)) and \
                not dims:
            rows += binding_rows(elem, base + field.offset,
                                 prefix if name in anonymous
                                 else prefix + name + ".")
            continue
        else:
            kind = repr(elem)
        rows.append((prefix + name, base + field.offset, field.size, kind,
                     dims))
    return rows


def fmt_row(row):
    if row is None:
        return "nothing"
    name, offset, size, kind, dims = row
    return "%s %s%s at %d (%d bytes)" % (kind, name,
                                         "".join("[%d]" % d for d in dims),
                                         offset, size)


def compare_struct(hdr, name):
    """Every difference between the header's struct name and the
    binding's Structure for it, as readable lines."""
    agg = hdr.structs[name]
    cls = pyheap._UAPI_STRUCTS.get(name)
    if cls is None:
        return ["struct %s: no Structure in the binding" % name]
    errs = []
    if issubclass(cls, ctypes.Union) != (agg.kind == "union"):
        errs.append("%s: a %s in the header" % (name, agg.kind))
    if ctypes.sizeof(cls) != agg.size:
        errs.append("%s: sizeof %d in the header, %d in the binding" %
                    (name, agg.size, ctypes.sizeof(cls)))
    if ctypes.alignment(cls) != agg.align:
        errs.append("%s: alignment %d in the header, %d in the binding" %
                    (name, agg.align, ctypes.alignment(cls)))
    for i, (h, b) in enumerate(itertools.zip_longest(
            header_rows(agg), binding_rows(cls))):
        if h != b:
            errs.append("%s member %d: the header has %s, the binding %s" %
                        (name, i, fmt_row(h), fmt_row(b)))
    return errs


def load():
    try:
        return Header(HEADER), None
    except (OSError, HeaderError, IndexError, KeyError) as e:
        return None, e


HDR, PARSE_ERROR = load()


def header():
    if HDR is None:
        raise AssertionError("%s: %r" % (HEADER, PARSE_ERROR))
    return HDR


def test_header_parses():
    h = header()
    cmds = [n for n in h.consts if n.startswith("PYHEAP_CMD_")]
    assert len(h.structs) >= 20 and len(cmds) >= 20, (h.structs, cmds)
    return "%s: %d structs, %d commands, %d constants" % (
        HEADER, len(h.structs), len(cmds), len(h.consts))


def test_every_struct_has_one_structure():
    h = header()
    missing = sorted(set(h.structs) - set(pyheap._UAPI_STRUCTS))
    extra = sorted(set(pyheap._UAPI_STRUCTS) - set(h.structs))
    assert not missing and not extra, \
        "not in the binding: %s; not in the header: %s" % (missing, extra)


def _struct_test(name):
    def test():
        errs = compare_struct(header(), name)
        assert not errs, "; ".join(errs)
        return "%s: %d bytes, %d members" % (
            name, header().structs[name].size,
            len(header_rows(header().structs[name])))
    test.__name__ = "test_struct_" + name
    return test


if HDR is not None:
    for _name in HDR.structs:
        globals()["test_struct_" + _name] = _struct_test(_name)


def test_command_numbers():
    h = header()
    errs = []
    for name, value in h.consts.items():
        if name.startswith("PYHEAP_CMD_"):
            got = getattr(pyheap, name, None)
            if got != value:
                errs.append("%s: %s in the header, %s in the binding" %
                            (name, value, got))
            alias = name[len("PYHEAP_"):]
            if hasattr(pyheap, alias) and getattr(pyheap, alias) != value:
                errs.append("%s: %s, not %s" % (alias,
                                                getattr(pyheap, alias), value))
    for name in dir(pyheap):
        if name.startswith("PYHEAP_CMD_") and name not in h.consts:
            errs.append("%s: not in the header" % name)
    assert not errs, errs
    return "%d commands" % sum(n.startswith("PYHEAP_CMD_") for n in h.consts)


def test_ioctl_numbers():
    """Each PYHEAP_IOC_<X> of the header is the request the binding
    sends for PYHEAP_CMD_<X>."""
    h = header()
    errs, n = [], 0
    for name, value in h.consts.items():
        if not name.startswith("PYHEAP_IOC_") or name == "PYHEAP_IOC_MAGIC":
            continue
        cmd = getattr(pyheap, "PYHEAP_CMD_" + name[len("PYHEAP_IOC_"):],
                      None)
        if cmd is None:
            errs.append("%s: no PYHEAP_CMD_ in the binding" % name)
        elif pyheap._request(cmd) != value:
            errs.append("%s: %#x in the header, the binding sends %#x" %
                        (name, value, pyheap._request(cmd)))
        n += 1
    assert n and not errs, errs
    return "%d ioctl numbers" % n


def test_constants():
    """Every PYHEAP_* constant the binding defines is the header's."""
    h = header()
    errs, n = [], 0
    for name in dir(pyheap):
        value = getattr(pyheap, name)
        if not name.startswith("PYHEAP_") or not isinstance(value, int):
            continue
        n += 1
        if name not in h.consts:
            errs.append("%s: not a constant of the header" % name)
        elif h.consts[name] != value:
            errs.append("%s: %d in the header, %d in the binding" %
                        (name, h.consts[name], value))
    assert not errs, errs
    unused = [c for c in h.consts if c.startswith("PYHEAP_") and
              not hasattr(pyheap, c) and not c.startswith("PYHEAP_IOC_") and
              "_SIZE_VER" not in c]
    return "%d constants%s" % (n, "; not in the binding: " +
                               " ".join(unused) if unused else "")


def test_size_versions():
    """PYHEAP_<S>_SIZE_VER<n> grows with n, ends at a member of struct
    pyheap_<s>, and the newest is sizeof: the size the binding sends."""
    h = header()
    versions = {}
    for name, value in h.consts.items():
        m = re.match(r"PYHEAP_(\w+)_SIZE_VER(\d+)$", name)
        if m:
            versions.setdefault("pyheap_" + m.group(1).lower(),
                                {})[int(m.group(2))] = value
    errs = []
    for name, agg in h.structs.items():
        if agg.members and agg.members[0].name == "size" and \
                name not in versions:
            errs.append("%s has a size member and no SIZE_VER0" % name)
    for name, vers in versions.items():
        if name not in h.structs:
            errs.append("%s: SIZE_VER of no struct" % name)
            continue
        ends = {off + size for _, off, size, _, _ in
                header_rows(h.structs[name])}
        sizes = [vers[v] for v in sorted(vers)]
        if sorted(vers) != list(range(len(vers))) or \
                sizes != sorted(set(sizes)):
            errs.append("%s: versions %s" % (name, vers))
        errs += ["%s: VER%d = %d ends inside a member" % (name, v, s)
                 for v, s in vers.items() if s not in ends]
        cls = pyheap._UAPI_STRUCTS.get(name)
        if sizes[-1] != h.structs[name].size or \
                cls is None or ctypes.sizeof(cls) != sizes[-1]:
            errs.append("%s: newest size %d, sizeof %d in the header, %s in "
                        "the binding" % (name, sizes[-1],
                                         h.structs[name].size,
                                         cls and ctypes.sizeof(cls)))
    assert not errs, errs
    return "%d structs, %d sizes" % (len(versions),
                                     sum(map(len, versions.values())))


def test_flat_layouts_follow_the_structures():
    """The flat struct.Struct layouts some tests pack raw arguments with
    are generated from the Structures: each has its size, and
    _gc_state()'s [12] is out_events (limits_test.py reads it)."""
    pairs = [(k, v) for k, v in vars(pyheap).items()
             if k.startswith("_") and hasattr(v, "unpack")]
    sizes = {ctypes.sizeof(c) for c in pyheap._UAPI_STRUCTS.values()}
    bad = [k for k, v in pairs if v.size not in sizes]
    assert len(pairs) >= len(pyheap._UAPI_STRUCTS) and not bad, bad
    s = pyheap.PyheapGcState(out_events=12345)
    assert pyheap._GC_STATE.unpack(bytes(s))[12] == 12345
    op = pyheap.PyheapLruOp(timeout_ms=7)
    assert op.value_handle == 7 and \
        pyheap._LRU_OP.unpack(bytes(op))[8] == 7
    return "%d layouts" % len(pairs)


def test_a_renamed_or_moved_member_fails():
    """The checks above catch a member renamed, or moved, in the header:
    shown on copies of it with pyheap_obj_new's out_handle renamed and
    pyheap_payload's offset moved before length."""
    with open(HEADER) as f:
        text = f.read()
    cases = {
        "renamed": (r"(struct pyheap_obj_new \{[^}]*?)\bout_handle\b",
                    r"\1out_hndl", "pyheap_obj_new"),
        "moved": (r"(struct pyheap_payload \{[^}]*?)(\t__u32 length;\n)"
                  r"(\t__u64 offset;\n)", r"\1\3\2", "pyheap_payload"),
    }
    notes = []
    with tempfile.TemporaryDirectory() as tmp:
        for what, (pattern, repl, struct) in cases.items():
            mutated, n = re.subn(pattern, repl, text, count=1)
            if not n:
                notes.append("%s: not applicable to this header" % what)
                continue
            path = os.path.join(tmp, "pyheap.h")
            with open(path, "w") as f:
                f.write(mutated)
            errs = compare_struct(Header(path), struct)
            assert errs, "%s member not caught" % what
            notes.append("%s: %s" % (what, errs[0]))
    return "; ".join(notes)


def test_parser_agrees_with_gcc():
    """sizeof, _Alignof and offsetof of every struct and member, and
    every constant, as gcc computes them, against the parser's."""
    h = header()
    gcc = shutil.which("gcc")
    if not gcc:
        return "SKIP: no gcc here, parser not checked against a compiler"
    lines = ["#include <stddef.h>", "#include <stdio.h>",
             '#include "%s"' % os.path.abspath(HEADER),
             "int main(void)", "{"]
    want = []
    for name, agg in h.structs.items():
        t = "%s %s" % (agg.kind, name)
        lines.append('\tprintf("%s %%zu %%zu\\n", sizeof(%s), '
                     '_Alignof(%s));' % (name, t, t))
        want.append("%s %d %d" % (name, agg.size, agg.align))
        for member, offset, size, _, _ in header_rows(agg):
            lines.append('\tprintf("%s.%s %%zu %%zu\\n", offsetof(%s, %s), '
                         'sizeof(((%s *)0)->%s));' %
                         (name, member, t, member, t, member))
            want.append("%s.%s %d %d" % (name, member, offset, size))
    for name, value in h.consts.items():
        lines.append('\tprintf("%s %%lld\\n", (long long)(%s));' %
                     (name, name))
        want.append("%s %d" % (name, value))
    lines += ["\treturn 0;", "}", ""]
    with tempfile.TemporaryDirectory() as tmp:
        src, exe = os.path.join(tmp, "abi.c"), os.path.join(tmp, "abi")
        probe = os.path.join(tmp, "probe.c")
        with open(probe, "w") as f:
            f.write("#include <linux/ioctl.h>\n#include <linux/types.h>\n")
        if subprocess.run([gcc, "-fsyntax-only", probe],
                          capture_output=True).returncode:
            return "SKIP: gcc has no <linux/types.h>, parser not checked"
        with open(src, "w") as f:
            f.write("\n".join(lines))
        cc = subprocess.run([gcc, "-Wall", "-Werror", "-I",
                             os.path.join(REPO, "include", "uapi"),
                             "-o", exe, src],
                            capture_output=True, text=True)
        assert cc.returncode == 0, cc.stderr[-2000:]
        got = subprocess.run([exe], capture_output=True, text=True,
                             check=True).stdout.splitlines()
    diff = [(w, g) for w, g in itertools.zip_longest(want, got) if w != g]
    assert not diff, "parser, gcc: %s" % diff[:10]
    return "gcc agrees on %d structs, %d members, %d constants" % (
        len(h.structs), len(want) - len(h.structs) - len(h.consts),
        len(h.consts))


if __name__ == "__main__":
    from taplib import run_tests
    raise SystemExit(run_tests(globals()))
