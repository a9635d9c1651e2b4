# SPDX-License-Identifier: GPL-2.0
"""Run a test module's test_* functions and print TAP, for tools/tests.

A test passes by returning (a returned string is printed as a TAP
comment) and fails by raising; every failure is reported and the run goes
on.  The exit status is 1 if anything failed.
"""
import gc


def run_tests(namespace):
    tests = [v for k, v in sorted(namespace.items()) if k.startswith("test_")]
    print("TAP version 13")
    print("1..%d" % len(tests))
    failed = 0
    for i, t in enumerate(tests, 1):
        try:
            note = t()
            gc.collect()
            if note:
                print("# " + note)
            print("ok %d %s" % (i, t.__name__), flush=True)
        except Exception as e:  # report every failure, keep going
            failed += 1
            print("# %s: %r" % (t.__name__, e))
            print("not ok %d %s" % (i, t.__name__), flush=True)
    return 1 if failed else 0
