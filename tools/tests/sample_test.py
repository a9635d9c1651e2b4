#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""sample_test: load samples/pyheap/pyheap-example.ko and check its verdict.

The sample builds a cyclic graph of its own objects with the in-kernel API
only, drops it, and prints whether pyheap's collector freed all of it.
This test loads it, reads its lines of the kernel log and unloads it.
Leaks, KASAN and lockdep reports are tools/vm/run's to catch.  It loads
the sample once per VM run: loading a module a second time in the UML
kernel trips KASAN in load_module(), on the global redzones the first
load left in the shadow of the module area (a UML artifact, whatever the
module).  TAP; runs inside a VM with pyheap.ko loaded (tools/vm/vmtest),
which builds the sample with CONFIG_SAMPLE_PYHEAP=m.
"""
import os
import subprocess

MODULE = "pyheap_example"
PREFIX = MODULE + ": "


def ko_path():
    d = os.environ.get("PYHEAP_KO_DIR")
    assert d, "PYHEAP_KO_DIR unset: run me through tools/vm/vmtest"
    path = os.path.join(d, "samples", "pyheap", "pyheap-example.ko")
    assert os.path.exists(path), path + " not built"
    return path


def kernel_log():
    out = subprocess.run(["dmesg"], check=True, capture_output=True,
                         text=True).stdout
    return out.splitlines()


def new_lines(before):
    """The sample's lines logged since @before lines, prefix stripped."""
    lines = kernel_log()[len(before):]
    return [ln.split(PREFIX, 1)[1] for ln in lines if PREFIX in ln]


def loaded():
    with open("/proc/modules") as f:
        return any(ln.split()[0] == MODULE for ln in f)


def load():
    before = kernel_log()
    r = subprocess.run(["insmod", ko_path()], capture_output=True,
                       text=True)
    lines = new_lines(before)
    assert r.returncode == 0, "insmod: %s; log: %s" % (r.stderr.strip(),
                                                       lines)
    verdict = [ln for ln in lines if ln.startswith(("PASS", "FAIL"))]
    assert verdict and verdict[-1].startswith("PASS"), lines
    assert loaded()
    return verdict[-1]


def unload():
    before = kernel_log()
    r = subprocess.run(["rmmod", MODULE], capture_output=True, text=True)
    assert r.returncode == 0, "rmmod: " + r.stderr.strip()
    lines = new_lines(before)
    assert "unregistered sample_sock" in lines, lines
    assert not loaded()


def test_1_load_frees_every_cycle():
    return load()


def test_2_rmmod_unregisters_the_type():
    unload()


if __name__ == "__main__":
    from taplib import run_tests
    raise SystemExit(run_tests(globals()))
