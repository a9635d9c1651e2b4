/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pyheap lru internals shared by mod/lru.c, mod/lru_obj.c and the KUnit
 * suite: what the in-kernel API of include/pyheap/lru.h does not offer.
 */
#ifndef _PYHEAP_LRU_INTERNAL_H
#define _PYHEAP_LRU_INTERNAL_H

#include <linux/types.h>

struct pyheap_lru;

/* mod/lru.c, exported for KUnit only */
unsigned int pyheap_lru_fail_nth(struct pyheap_lru *lru, unsigned int nth);
u32 pyheap_lru_chains(struct pyheap_lru *lru);

#endif /* _PYHEAP_LRU_INTERNAL_H */
