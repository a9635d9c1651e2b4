/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What both fuzzers share: -S US runs full collections in slices of US
 * microseconds (the gc_slice_us module parameter, read by each heap as it
 * is made), put back to 0 at exit.  Include after <stdio.h>/<stdlib.h>.
 */
#ifndef PYHEAP_FUZZ_GC_SLICE_H
#define PYHEAP_FUZZ_GC_SLICE_H

#define GC_SLICE_PARAM	"/sys/module/pyheap/parameters/gc_slice_us"

static void gc_slice_set(long us)
{
	FILE *f = fopen(GC_SLICE_PARAM, "w");

	if (!f || fprintf(f, "%ld\n", us) < 0 || fclose(f)) {
		perror("fuzz: " GC_SLICE_PARAM);
		exit(2);
	}
}

static void gc_slice_reset(void)
{
	gc_slice_set(0);
}

static void gc_slice_mode(const char *arg)
{
	gc_slice_set(atol(arg));
	atexit(gc_slice_reset);
}

#endif /* PYHEAP_FUZZ_GC_SLICE_H */
