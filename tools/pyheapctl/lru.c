// SPDX-License-Identifier: GPL-2.0
/*
 * lru.c - the shell's lru_cache objects
 *
 * An lru_cache is a map inside the heap (PYHEAP_IOC_LRU_*).  The shell
 * reaches it through subscripts (c[k], c[k] = v, del c[k]) and through
 * the methods of functools.lru_cache and a few more, dispatched here.
 * Keys and plain values cross the ioctl as a type letter and text.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shell.h"

/* LRU keys and byte values: a type letter, then the text. */
static int lru_encode(struct shell *sh, const struct value *v, char *buf,
		      size_t size, __u32 *type, __u32 *len)
{
	int n;

	if (v->kind == V_STR)
		n = snprintf(buf, size, "s:%s", v->s);
	else if (v->kind == V_INT || v->kind == V_BOOL)
		n = snprintf(buf, size, "i:%lld", v->i);
	else if (v->kind == V_NONE)
		n = snprintf(buf, size, "n:");
	else
		return serr(sh, "TypeError: unhashable key");
	if (n < 0 || (size_t)n >= size)
		return serr(sh, "ValueError: key or value too long");
	*type = v->kind == V_STR ? 1 : 2;
	*len = n;
	return 0;
}

static struct value lru_decode(const char *buf, size_t len)
{
	struct value v = {};

	if (len >= 2 && buf[0] == 'i' && buf[1] == ':') {
		v = v_int(strtoll(buf + 2, NULL, 10));
	} else if (len >= 2 && buf[0] == 's' && buf[1] == ':') {
		v.kind = V_STR;
		v.s = xcalloc(len - 1, 1);
		memcpy(v.s, buf + 2, len - 2);
	}
	return v;
}

bool is_lru(struct shell *sh, const struct value *v)
{
	struct pyheap_gc_obj_info info;

	return v->kind == V_OBJ && !obj_info(sh->fd, v->h, &info) &&
	       !strcmp(info.out_type, "lru_cache");
}

/* GET (flags may say PEEK) or DELETE; *found is false on a miss. */
int lru_lookup(struct shell *sh, __u32 map, const struct value *key,
	       unsigned long cmd, __u32 flags, struct value *out,
	       bool *found)
{
	char kbuf[PYHEAP_LRU_MAX_KEY_SIZE];
	struct pyheap_lru_op op = {
		.flags = flags, .handle = map, .key = (uintptr_t)kbuf,
	};
	int err;

	if (lru_encode(sh, key, kbuf, sizeof(kbuf), &op.key_type,
		       &op.key_len))
		return -1;
	if (cmd == PYHEAP_IOC_LRU_GET) {
		op.value = (uintptr_t)sh->vbuf;
		op.value_len = PYHEAP_LRU_MAX_VALUE_SIZE;
	}
	err = px(sh->fd, cmd, &op, sizeof(op));
	if (err)
		return serrno(sh, "lru_cache", err);
	*found = op.out_hit == PYHEAP_LRU_HIT;
	memset(out, 0, sizeof(*out));
	if (*found && op.out_value_handle) {
		out->kind = V_OBJ;
		out->h = op.out_value_handle;
	} else if (*found && cmd == PYHEAP_IOC_LRU_GET) {
		*out = lru_decode(sh->vbuf, op.out_value_len);
	}
	return 0;
}

int lru_store(struct shell *sh, __u32 map, const struct value *key,
	      const struct value *val)
{
	char kbuf[PYHEAP_LRU_MAX_KEY_SIZE], vbuf[PYHEAP_LRU_MAX_KEY_SIZE];
	struct pyheap_lru_op op = {
		.handle = map, .key = (uintptr_t)kbuf,
	};
	__u32 vtype;
	int err;

	if (lru_encode(sh, key, kbuf, sizeof(kbuf), &op.key_type,
		       &op.key_len))
		return -1;
	if (val->kind == V_OBJ) {
		op.flags = PYHEAP_LRU_VALUE_OBJECT;
		op.value_handle = val->h;
	} else {
		if (lru_encode(sh, val, vbuf, sizeof(vbuf), &vtype,
			       &op.value_len))
			return -1;
		op.value = (uintptr_t)vbuf;
	}
	err = px(sh->fd, PYHEAP_IOC_LRU_SET, &op, sizeof(op));
	return err ? serrno(sh, "lru_cache", err) : 0;
}

/*
 * The methods.  Each takes the map's handle, its own name (get and peek
 * share one function), the arguments and where the result goes.
 */
static int lru_get(struct shell *sh, __u32 map, const char *m,
		   struct args *a, struct value *res)
{
	unsigned int claimed = 0;
	const struct value *k = arg(a, 0, "key", &claimed);
	const struct value *def = arg(a, 1, "default", &claimed);
	bool found;

	if (!k)
		return serr(sh, "TypeError: %s() needs a key", m);
	if (args_check(sh, a, m, claimed))
		return -1;
	if (lru_lookup(sh, map, k, PYHEAP_IOC_LRU_GET,
		       !strcmp(m, "peek") ? PYHEAP_LRU_PEEK : 0, res, &found))
		return -1;
	if (!found && def)
		*res = value_copy(sh, def);
	return 0;
}

static int lru_set(struct shell *sh, __u32 map, const char *m,
		   struct args *a, struct value *res)
{
	unsigned int claimed = 0;
	const struct value *k = arg(a, 0, "key", &claimed);
	const struct value *v = arg(a, 1, "value", &claimed);

	if (!k || !v)
		return serr(sh, "TypeError: set(key, value)");
	return args_check(sh, a, m, claimed) ?: lru_store(sh, map, k, v);
}

/* delete(key): whether the key was there. */
static int lru_delete(struct shell *sh, __u32 map, const char *m,
		      struct args *a, struct value *res)
{
	unsigned int claimed = 0;
	const struct value *k = arg(a, 0, "key", &claimed);
	bool found;

	if (!k)
		return serr(sh, "TypeError: delete(key)");
	if (args_check(sh, a, m, claimed) ||
	    lru_lookup(sh, map, k, PYHEAP_IOC_LRU_DELETE, 0, res, &found))
		return -1;
	*res = v_bool(found);
	return 0;
}

/*
 * The methods without arguments read (or, with PYHEAP_LRU_CLEAR, clear)
 * the map through LRU_INFO.  They let a key argument pass unused, as
 * they always have.
 */
static int lru_info(struct shell *sh, __u32 map, const char *m,
		    struct args *a, __u32 flags,
		    struct pyheap_lru_cache_info *info)
{
	unsigned int claimed = 0;
	int err;

	arg(a, 0, "key", &claimed);
	if (args_check(sh, a, m, claimed))
		return -1;
	memset(info, 0, sizeof(*info));
	info->handle = map;
	info->flags = flags;
	err = px(sh->fd, PYHEAP_IOC_LRU_INFO, info, sizeof(*info));
	return err ? serrno(sh, m, err) : 0;
}

static int lru_cache_clear(struct shell *sh, __u32 map, const char *m,
			   struct args *a, struct value *res)
{
	struct pyheap_lru_cache_info info;

	return lru_info(sh, map, m, a, PYHEAP_LRU_CLEAR, &info);
}

/* cache_info(): functools' CacheInfo, and the evictions in JSON. */
static int lru_cache_info(struct shell *sh, __u32 map, const char *m,
			  struct args *a, struct value *res)
{
	struct pyheap_lru_cache_info info;
	struct sbuf py = {}, js = {};
	char max[24] = "None", jmax[24] = "null";

	if (lru_info(sh, map, m, a, 0, &info))
		return -1;
	/* functools prints maxsize=None for an unbounded cache */
	if (info.out_maxsize >= 0) {
		snprintf(max, sizeof(max), "%lld",
			 (long long)info.out_maxsize);
		snprintf(jmax, sizeof(jmax), "%s", max);
	}
	sb_add(&py, "CacheInfo(hits=%llu, misses=%llu, ",
	       (unsigned long long)info.out_hits,
	       (unsigned long long)info.out_misses);
	sb_add(&py, "maxsize=%s, currsize=%llu)", max,
	       (unsigned long long)info.out_currsize);
	sb_add(&js, "{\"hits\": %llu, \"misses\": %llu, ",
	       (unsigned long long)info.out_hits,
	       (unsigned long long)info.out_misses);
	sb_add(&js, "\"maxsize\": %s, \"currsize\": %llu, ", jmax,
	       (unsigned long long)info.out_currsize);
	sb_add(&js, "\"evictions\": %llu}",
	       (unsigned long long)info.out_evictions);
	*res = v_text(sb_take(&py), sb_take(&js));
	return 0;
}

/* cache_parameters(): the dict functools returns. */
static int lru_cache_parameters(struct shell *sh, __u32 map, const char *m,
				struct args *a, struct value *res)
{
	struct pyheap_lru_cache_info info;
	const char *py, *js;
	char n[32];

	if (lru_info(sh, map, m, a, 0, &info))
		return -1;
	py = info.out_typed ? "True" : "False";
	js = info.out_typed ? "true" : "false";
	if (info.out_maxsize < 0)
		snprintf(n, sizeof(n), "None");
	else
		snprintf(n, sizeof(n), "%lld", (long long)info.out_maxsize);
	*res = v_text(xasprintf("{'maxsize': %s, 'typed': %s}", n, py),
		      xasprintf("{\"maxsize\": %s, \"typed\": %s}",
				info.out_maxsize < 0 ? "null" : n, js));
	return 0;
}

/* evictions(): how many entries the size limit pushed out. */
static int lru_evictions(struct shell *sh, __u32 map, const char *m,
			 struct args *a, struct value *res)
{
	struct pyheap_lru_cache_info info;

	if (lru_info(sh, map, m, a, 0, &info))
		return -1;
	*res = v_int(info.out_evictions);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(struct shell *sh, __u32 map, const char *m, struct args *a,
		  struct value *res);
} lru_methods[] = {
	{ "get", lru_get },
	{ "peek", lru_get },
	{ "set", lru_set },
	{ "delete", lru_delete },
	{ "cache_clear", lru_cache_clear },
	{ "cache_info", lru_cache_info },
	{ "cache_parameters", lru_cache_parameters },
	{ "evictions", lru_evictions },
};

/* Call method @m of the lru_cache @map. */
int lru_method(struct shell *sh, __u32 map, const char *m, struct args *a,
	       struct value *res)
{
	unsigned int claimed = 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(lru_methods); i++)
		if (!strcmp(m, lru_methods[i].name))
			return lru_methods[i].fn(sh, map, m, a, res);
	/* an unknown method, too, takes a key before it complains */
	arg(a, 0, "key", &claimed);
	if (args_check(sh, a, m, claimed))
		return -1;
	return serr(sh, "AttributeError: %s '%s'",
		    "'lru_cache' object has no attribute", m);
}
