# SPDX-License-Identifier: GPL-2.0
# Sphinx configuration for pyheap's documentation (make htmldocs).
#
# The kernel-doc directive comes from the kernel's own Sphinx extension,
# in the linux-source-6.12 tree that tools/vm/lib.sh unpacks; the
# Makefile passes its path in PYHEAP_KERNEL_SRC.
import os
import sys

_src = os.environ.get("PYHEAP_KERNEL_SRC", "/usr/src/linux")
sys.path.insert(0, os.path.join(_src, "Documentation", "sphinx"))

project = "pyheap"
author = "The pyheap developers"
copyright = "2026, The pyheap developers"
root_doc = master_doc = "pyheap/index"
extensions = ["kerneldoc"]
kerneldoc_bin = os.path.join(_src, "scripts", "kernel-doc")
kerneldoc_srctree = os.path.abspath(os.path.join(os.path.dirname(__file__),
                                                 ".."))
exclude_patterns = ["_build"]
primary_domain = "c"
highlight_language = "none"
html_theme = "alabaster"
