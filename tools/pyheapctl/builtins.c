// SPDX-License-Identifier: GPL-2.0
/*
 * builtins.c - the functions the shell can call
 *
 * The builtins, the gc module and sys.getrefcount(), each the function
 * that runs it.  call() looks a name up and hands it the arguments;
 * each builtin claims the arguments it knows and args_check() rejects
 * the rest, so the error messages match Python's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shell.h"

static int gc_state(struct shell *sh, struct pyheap_gc_state *st)
{
	int err;

	memset(st, 0, sizeof(*st));
	err = px(sh->fd, PYHEAP_IOC_GC_GET, st, sizeof(*st));
	return err ? serrno(sh, "gc", err) : 0;
}

static int gc_set(struct shell *sh, struct pyheap_gc_state *st, __u32 flags)
{
	int err;

	st->flags = flags;
	memset(st->out_count, 0, sizeof(st->out_count));
	st->out_freeze_count = 0;
	st->out_garbage = 0;
	st->out_events = 0;
	err = px(sh->fd, PYHEAP_IOC_GC_SET, st, sizeof(*st));
	return err ? serrno(sh, "gc", err) : 0;
}

static int refs(struct shell *sh, __u32 h, __u32 flags, struct value *res)
{
	struct pyheap_gc_refs r = { .flags = flags, .handle = h,
				    .max = PYHEAP_GC_REFS_MAX };
	__u32 *hs = xcalloc(PYHEAP_GC_REFS_MAX, sizeof(*hs));
	int err;

	r.handles = (uintptr_t)hs;
	err = px(sh->fd, PYHEAP_IOC_GC_REFS, &r, sizeof(r));
	if (!err)
		*res = handles_list(sh, hs, r.out_count);
	free(hs);
	return err ? serrno(sh, "gc.get_referents", err) : 0;
}

/* List gc.garbage into @hs, or (@hs NULL) clear it. */
int garbage(struct shell *sh, __u32 *hs, __u32 *n)
{
	struct pyheap_gc_garbage g = {
		.flags = hs ? PYHEAP_GC_GARBAGE_LIST : PYHEAP_GC_GARBAGE_CLEAR,
		.max = hs ? PYHEAP_GC_REFS_MAX : 0,
		.handles = (uintptr_t)hs,
	};
	int err = px(sh->fd, PYHEAP_IOC_GC_GARBAGE, &g, sizeof(g));

	if (err)
		return serrno(sh, "gc", err);
	*n = g.out_count;
	return 0;
}

static int gc_call(struct shell *sh, const char *fn, struct args *a,
		   struct value *res)
{
	static const char *const stat_names[] = {
		"collections", "collected", "uncollectable", "candidates",
		"duration_ns", "max_pause_ns", "objects",
	};
	struct pyheap_gc_state st;
	unsigned int claimed = 0, i;
	long long n[3] = {};
	__u32 h = 0;
	int err;

	if (!strcmp(fn, "collect")) {
		struct pyheap_gc_collect c = {};

		if (want_int(sh, arg(a, 0, "generation", &claimed), fn, 2,
			     &n[0]) || args_check(sh, a, fn, claimed))
			return -1;
		c.generation = n[0];
		err = px(sh->fd, PYHEAP_IOC_GC_COLLECT, &c, sizeof(c));
		if (err)
			return err == -EINVAL ?
			       serr(sh, "ValueError: invalid generation") :
			       serrno(sh, fn, err);
		*res = v_int(c.out_unreachable);
		return 0;
	}
	if (!strcmp(fn, "is_tracked") || !strcmp(fn, "is_finalized") ||
	    !strcmp(fn, "get_referents") || !strcmp(fn, "get_referrers")) {
		struct pyheap_gc_obj_info info;

		if (want_obj(sh, arg(a, 0, NULL, &claimed), fn, &h) ||
		    args_check(sh, a, fn, claimed))
			return -1;
		if (!strcmp(fn, "get_referents"))
			return refs(sh, h, PYHEAP_GC_REFERENTS, res);
		if (!strcmp(fn, "get_referrers"))
			return refs(sh, h, PYHEAP_GC_REFERRERS, res);
		err = obj_info(sh->fd, h, &info);
		if (err)
			return serrno(sh, fn, err);
		*res = v_bool(fn[3] == 't' ? info.out_tracked :
				info.out_finalized);
		return 0;
	}
	if (!strcmp(fn, "set_threshold")) {
		if (gc_state(sh, &st))
			return -1;
		for (i = 0; i < 3; i++) {
			if (want_int(sh, arg(a, i, NULL, &claimed), fn,
				     st.threshold[i], &n[i]))
				return -1;
			if (n[i] < 0 || n[i] > UINT32_MAX)
				return serr(sh, "ValueError: bad threshold");
			st.threshold[i] = n[i];
		}
		if (!a->n)
			return serr(sh, "TypeError: give 1 to 3 thresholds");
		return args_check(sh, a, fn, claimed) ?:
		       gc_set(sh, &st, PYHEAP_GC_SET_THRESHOLD);
	}
	if (!strcmp(fn, "set_debug")) {
		if (!a->n || want_int(sh, arg(a, 0, "flags", &claimed), fn, 0,
				      &n[0]) || args_check(sh, a, fn, claimed))
			return a->n ? -1 :
			       serr(sh, "TypeError: set_debug(flags)");
		if (gc_state(sh, &st))
			return -1;
		st.debug = n[0];
		return gc_set(sh, &st, PYHEAP_GC_SET_DEBUG);
	}
	if (args_check(sh, a, fn, claimed))
		return -1;
	if (!strcmp(fn, "enable") || !strcmp(fn, "disable")) {
		if (gc_state(sh, &st))
			return -1;
		st.enabled = fn[0] == 'e';
		return gc_set(sh, &st, PYHEAP_GC_SET_ENABLED);
	}
	if (!strcmp(fn, "freeze") || !strcmp(fn, "unfreeze")) {
		struct pyheap_gc_freeze f = {
			.flags = fn[0] == 'f' ? PYHEAP_GC_FREEZE :
				 PYHEAP_GC_UNFREEZE,
		};

		err = px(sh->fd, PYHEAP_IOC_GC_FREEZE, &f, sizeof(f));
		return err ? serrno(sh, fn, err) : 0;
	}
	if (!strcmp(fn, "get_stats")) {
		struct pyheap_gc_stats s = {};
		struct sbuf py = {}, js = {};

		err = px(sh->fd, PYHEAP_IOC_GC_STATS, &s, sizeof(s));
		if (err)
			return serrno(sh, fn, err);
		sb_add(&py, "[");
		sb_add(&js, "[");
		for (i = 0; i < 3; i++) {
			const struct pyheap_gc_gen_stats *g = &s.out_gen[i];
			long long v[7] = {
				g->collections, g->collected, g->uncollectable,
				g->candidates, g->duration_ns, g->max_pause_ns,
				g->objects,
			};
			struct value r = record(NULL, stat_names, v, 7);

			sb_add(&py, "%s%s", i ? ", " : "", r.s);
			sb_add(&js, "%s%s", i ? ", " : "", r.j);
			free(r.s);
			free(r.j);
		}
		sb_add(&py, "]");
		sb_add(&js, "]");
		*res = v_text(sb_take(&py), sb_take(&js));
		return 0;
	}
	if (!strcmp(fn, "garbage") || !strcmp(fn, "clear_garbage")) {
		__u32 *hs = xcalloc(PYHEAP_GC_REFS_MAX, sizeof(*hs)), cnt = 0;

		err = garbage(sh, fn[0] == 'g' ? hs : NULL, &cnt);
		if (!err && fn[0] == 'g')
			*res = handles_list(sh, hs, cnt);
		free(hs);
		return err;
	}
	if (gc_state(sh, &st))
		return -1;
	if (!strcmp(fn, "isenabled")) {
		*res = v_bool(st.enabled);
	} else if (!strcmp(fn, "get_count")) {
		for (i = 0; i < 3; i++)
			n[i] = st.out_count[i];
		*res = numbers(n, 3);
	} else if (!strcmp(fn, "get_threshold")) {
		for (i = 0; i < 3; i++)
			n[i] = st.threshold[i];
		*res = numbers(n, 3);
	} else if (!strcmp(fn, "get_freeze_count")) {
		*res = v_int(st.out_freeze_count);
	} else if (!strcmp(fn, "get_debug")) {
		*res = v_int(st.debug);
	} else {
		return serr(sh, "AttributeError: %s '%s'",
			    "module 'gc' has no attribute", fn);
	}
	return 0;
}

static const char help_text[] =
"Statements, one per line, as in Python:\n"
"  a = new(slots=2, size=64)       an object: slots hold references\n"
"  a[0] = b    a[0] = None         set a slot    a[0]  read one\n"
"  del a                           drop the name (and its reference)\n"
"  c = lru_cache(5, typed=False)   an LRU map; c[k] = v, c[k], del c[k]\n"
"  c.get(k)  c.peek(k)  c.set(k, v)  c.delete(k)  c.cache_info()\n"
"  c.cache_clear()  c.cache_parameters()  c.evictions()\n"
"  collect(gen=2)  getsizeof(x)  getsizeof(x, deep=True)  id(x)  type(x)\n"
"  sys.getrefcount(x)  heap()  graph()  why(x)  print(x)  help()\n"
"  gc.collect(gen)  gc.enable()  gc.disable()  gc.isenabled()\n"
"  gc.get_count()  gc.get_threshold()  gc.set_threshold(700, 10, 10)\n"
"  gc.get_stats()  gc.freeze()  gc.unfreeze()  gc.get_freeze_count()\n"
"  gc.garbage  gc.clear_garbage()  gc.is_tracked(x)  gc.is_finalized(x)\n"
"  gc.get_referents(x)  gc.get_referrers(x)  gc.set_debug(n)\n"
"new() takes finalizer=True (PEP 442: a finalizer event) or legacy=True\n"
"(a __del__: a cycle through it goes to gc.garbage).  An expression's\n"
"value is printed unless it is None.\n";

int call(struct shell *sh, const char *mod, const char *fn,
	 struct args *a, struct value *res)
{
	unsigned int claimed = 0;
	long long n[4] = {};
	__u32 h = 0;
	int err;

	memset(res, 0, sizeof(*res));
	if (mod && !strcmp(mod, "gc"))
		return gc_call(sh, fn, a, res);
	if (mod && !strcmp(mod, "sys") && !strcmp(fn, "getrefcount")) {
		struct pyheap_gc_obj_info info;

		if (want_obj(sh, arg(a, 0, NULL, &claimed), fn, &h) ||
		    args_check(sh, a, fn, claimed))
			return -1;
		/* the argument is a reference while the call runs, as in
		 * CPython, and counted
		 */
		h = handle_dup(sh->fd, h);
		err = obj_info(sh->fd, h, &info);
		handle_close(sh->fd, h);
		if (err)
			return serrno(sh, fn, err);
		*res = v_int(info.out_refcnt);
		return 0;
	}
	if (mod) {
		struct binding *b = name_lookup(sh, mod);

		if (b && is_lru(sh, &b->v))
			return lru_method(sh, b->v.h, fn, a, res);
		if (!b)
			return serr(sh, "NameError: name '%s' is not defined",
				    mod);
		return serr(sh, "AttributeError: '%s' has no attribute '%s'",
			    mod, fn);
	}
	if (!strcmp(fn, "new") || !strcmp(fn, "object")) {
		struct pyheap_obj_new o = {};

		if (want_int(sh, arg(a, 0, "slots", &claimed), fn, 0, &n[0]) ||
		    want_int(sh, arg(a, 1, "size", &claimed), fn, 0, &n[1]) ||
		    want_int(sh, arg(a, 2, "finalizer", &claimed), fn, 0,
			     &n[2]) ||
		    want_int(sh, arg(a, 3, "legacy", &claimed), fn, 0, &n[3]) ||
		    args_check(sh, a, fn, claimed))
			return -1;
		if (n[0] < 0 || n[0] > PYHEAP_MAX_SLOTS || n[1] < 0 ||
		    n[1] > PYHEAP_MAX_PAYLOAD)
			return serr(sh, "ValueError: %s 0..%d, size 0..%u",
				    "slots", PYHEAP_MAX_SLOTS,
				    PYHEAP_MAX_PAYLOAD);
		o.nslots = n[0];
		o.payload_size = n[1];
		o.flags = (n[2] ? PYHEAP_OBJ_FINALIZER : 0) |
			  (n[3] ? PYHEAP_OBJ_LEGACY_FINALIZER : 0);
		err = px(sh->fd, PYHEAP_IOC_OBJ_NEW, &o, sizeof(o));
		if (err)
			return serrno(sh, fn, err);
		res->kind = V_OBJ;
		res->h = o.out_handle;
		return 0;
	}
	if (!strcmp(fn, "lru_cache")) {
		const struct value *m = arg(a, 0, "maxsize", &claimed);
		struct pyheap_lru_new l = {};

		if (want_int(sh, arg(a, 1, "typed", &claimed), fn, 0, &n[1]))
			return -1;
		if (m && m->kind == V_NONE)
			n[0] = PYHEAP_LRU_MAXSIZE_NONE;
		else if (want_int(sh, m, fn, 128, &n[0]))
			return -1;
		else if (n[0] < 0)
			n[0] = 0;	/* as functools: a negative is 0 */
		if (args_check(sh, a, fn, claimed))
			return -1;
		l.maxsize = n[0];
		l.flags = n[1] ? PYHEAP_LRU_TYPED : 0;
		err = px(sh->fd, PYHEAP_IOC_LRU_NEW, &l, sizeof(l));
		if (err)
			return serrno(sh, fn, err);
		res->kind = V_OBJ;
		res->h = l.out_handle;
		return 0;
	}
	if (!strcmp(fn, "collect"))
		return gc_call(sh, fn, a, res);
	if (!strcmp(fn, "getsizeof")) {
		struct pyheap_getsizeof g = {};

		if (want_obj(sh, arg(a, 0, NULL, &claimed), fn, &h) ||
		    want_int(sh, arg(a, 1, "deep", &claimed), fn, 0, &n[0]) ||
		    args_check(sh, a, fn, claimed))
			return -1;
		g.handle = h;
		g.flags = n[0] ? PYHEAP_GETSIZEOF_DEEP : 0;
		err = px(sh->fd, PYHEAP_IOC_GETSIZEOF, &g, sizeof(g));
		if (err)
			return serrno(sh, fn, err);
		*res = v_int(n[0] ? g.out_deep_size : g.out_size);
		return 0;
	}
	if (!strcmp(fn, "id") || !strcmp(fn, "type")) {
		struct pyheap_gc_obj_info info;

		if (want_obj(sh, arg(a, 0, NULL, &claimed), fn, &h) ||
		    args_check(sh, a, fn, claimed))
			return -1;
		err = obj_info(sh->fd, h, &info);
		if (err)
			return serrno(sh, fn, err);
		if (fn[0] == 'i')
			*res = v_int(info.out_id);
		else
			*res = v_text(xasprintf("<class '%s'>", info.out_type),
				      xasprintf("\"%s\"", info.out_type));
		return 0;
	}
	if (!strcmp(fn, "heap")) {
		static const char *const names[] = {
			"objects", "bytes", "handles", "max_objects",
			"max_bytes", "max_handles",
		};
		struct pyheap_heap_info hi = {};
		long long v[6];

		if (args_check(sh, a, fn, claimed))
			return -1;
		err = px(sh->fd, PYHEAP_IOC_HEAP_INFO, &hi, sizeof(hi));
		if (err)
			return serrno(sh, fn, err);
		v[0] = hi.out_objects;
		v[1] = hi.out_bytes;
		v[2] = hi.out_handles;
		v[3] = hi.out_max_objects;
		v[4] = hi.out_max_bytes;
		v[5] = hi.out_max_handles;
		*res = record(NULL, names, v, 6);
		return 0;
	}
	if (!strcmp(fn, "print")) {
		unsigned int i;

		for (i = 0; i < a->n && !sh->quiet; i++) {
			struct sbuf b = {};
			char *s;

			if (a->v[i].kind == V_STR && !json)
				sb_add(&b, "%s", a->v[i].s);
			else
				sb_value(&b, sh, &a->v[i], json);
			s = sb_take(&b);
			printf("%s%s", i ? " " : "", s);
			free(s);
		}
		if (!sh->quiet)
			putchar('\n');
		return 0;
	}
	if (!strcmp(fn, "graph") || !strcmp(fn, "why")) {
		const struct value *x = arg(a, 0, NULL, &claimed);

		if (args_check(sh, a, fn, claimed))
			return -1;
		if (fn[0] == 'w' && (!x || x->kind != V_OBJ))
			return serr(sh, "TypeError: why() needs a heap object");
		return graph_cmd(sh, fn[0] == 'w' ? x : NULL);
	}
	if (!strcmp(fn, "help")) {
		if (!sh->quiet)
			fputs(help_text, stdout);
		return 0;
	}
	return serr(sh, "NameError: name '%s' is not defined", fn);
}
