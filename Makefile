# SPDX-License-Identifier: GPL-2.0
#
# pyheap: CPython's memory model as a Linux kernel module.
#
#   make              build pyheap.ko against KDIR (default: running kernel)
#   make demo         set everything up and show pyheap working in a VM
#   make test         firstrun + check + kunit + vmtest + compat + htmldocs + dkms +
#                     install + fuzz + a bench smoke run + a profile run;
#                     ends "N passed, N failed"
#
#   make deps         install the Debian packages the targets below need
#   make check        sparse (C=2), W=1, checkpatch --strict, kernel-doc
#   make kunit        KUnit suites in the debug UML kernel (KASAN, lockdep, ...)
#   make vmtest       user-space tests in UML and in QEMU (Debian 6.12, SMP)
#   make compat       build against Debian's 6.1 and 6.12 headers, W=1
#   make bench        benchmarks against SLUB, kmalloc, refcount_t, kref,
#                     rhashtable, getppid, CPython's object() and lru_cache
#   make htmldocs     Documentation/ as HTML with Sphinx (build/htmldocs)
#   make install      module, UAPI header, Python binding, man page, udev
#                     rule; honours DESTDIR (KDIR picks the kernel)
#   make fuzz         10^6 model-checked calls in UML (fail-nth too), 10^5
#                     in QEMU with 2 CPUs; and 10^6 random ioctls, 4
#                     threads, 3 files, in each
#   make race         the three races of race_test, 10^5 times each, in
#                     UML and in QEMU with 2 CPUs
#   make tools        build the user-space tools and tests
#
# Kernel builds are cached in $(PYHEAP_CACHE) (default ~/.cache/pyheap);
# build products of this tree go to build/.

KDIR ?= /lib/modules/$(shell uname -r)/build

all: modules

modules:
	@if [ ! -f "$(KDIR)/Makefile" ]; then \
		echo "pyheap: no kernel build tree at $(KDIR)" >&2; \
		echo "pyheap: install the headers (Debian: apt install linux-headers-$$(uname -r))," >&2; \
		echo "pyheap: or name a configured kernel tree: make KDIR=/path/to/linux" >&2; \
		exit 1; \
	fi
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

deps:
	@tools/vm/deps

check: deps
	@rm -f build/results.txt
	@tools/check; tools/vm/summary

kunit: deps
	@rm -f build/results.txt
	@tools/vm/kunit; tools/vm/summary

vmtest: deps
	@rm -f build/results.txt
	@tools/vm/vmtest; tools/vm/summary

compat: deps
	@rm -f build/results.txt
	@tools/compat; tools/vm/summary

test: deps
	@rm -f build/results.txt
	@tools/firstrun-test || true
	@tools/check || true
	@tools/vm/kunit || true
	@tools/vm/vmtest || true
	@tools/compat || true
	@tools/htmldocs-test || true
	@tools/dkms-test || true
	@tools/install-test || true
	@tools/fuzz/run uml -n 100000 -s 1 -F -- -n 100000 -t 4 -f 3 -s 1 || true
	@tools/fuzz/run qemu -n 10000 -s 2 -- -n 100000 -t 4 -f 3 -s 2 || true
	@tools/bench/run --smoke uml-perf qemu || true
	@tools/bench/profile-test || true
	@tools/vm/summary

demo: deps
	@tools/demo/run

bench: deps
	@tools/bench/run

htmldocs: deps
	@tools/htmldocs

fuzz: deps
	@rm -f build/results.txt
	@tools/fuzz/run uml || true
	@tools/fuzz/run qemu || true
	@tools/vm/summary

race: deps
	@rm -f build/results.txt
	@tools/tests/race-run uml || true
	@tools/tests/race-run qemu || true
	@tools/vm/summary

# Where make install puts things, under DESTDIR.
KVER ?= $(shell uname -r)
PREFIX ?= /usr
PYTHONDIR ?= $(PREFIX)/lib/python3/dist-packages

install: modules
	$(MAKE) -C tools pyheapctl
	install -D -m 644 pyheap.ko $(DESTDIR)/lib/modules/$(KVER)/updates/pyheap.ko
	install -D -m 644 include/uapi/linux/pyheap.h $(DESTDIR)$(PREFIX)/include/linux/pyheap.h
	install -D -m 644 tools/python/pyheap/__init__.py $(DESTDIR)$(PYTHONDIR)/pyheap/__init__.py
	install -D -m 644 tools/man/pyheap.4 $(DESTDIR)$(PREFIX)/share/man/man4/pyheap.4
	install -D -m 755 tools/pyheapctl/pyheapctl $(DESTDIR)$(PREFIX)/sbin/pyheapctl
	install -D -m 644 tools/man/pyheapctl.8 $(DESTDIR)$(PREFIX)/share/man/man8/pyheapctl.8
	install -D -m 644 tools/udev/60-pyheap.rules $(DESTDIR)/lib/udev/rules.d/60-pyheap.rules
	@if [ -z "$(DESTDIR)" ]; then depmod -a $(KVER); fi

# kselftest_harness.h comes from the unpacked kernel source.
tools: deps
	$(MAKE) -C tools SELFTESTS="$$(tools/vm/source)/tools/testing/selftests"

clean:
	rm -rf build
	$(MAKE) -C tools clean
	@if [ -f "$(KDIR)/Makefile" ]; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; fi

.PHONY: all modules deps check kunit vmtest compat test demo bench htmldocs \
	fuzz race install tools clean
