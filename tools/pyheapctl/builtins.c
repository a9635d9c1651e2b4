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

/*
 * How a builtin takes its arguments.  call() rejects every argument of a
 * NO_ARGS builtin before it runs.  A SOME_ARGS builtin claims the ones it
 * knows with arg() and has args_check() reject the rest, in the order
 * CPython would complain.  An ANY_ARGS builtin takes whatever it gets.
 */
enum arity { NO_ARGS, SOME_ARGS, ANY_ARGS };

/* One builtin: its name, its arguments, and the function that runs it. */
struct builtin {
	const char *name;
	enum arity arity;
	int (*fn)(struct shell *sh, const char *name, struct args *a,
		  struct value *res);
};

/* ---- the gc module ------------------------------------------------- */

/* gc.collect(generation=2), and collect(): how many were unreachable. */
static int do_collect(struct shell *sh, const char *fn, struct args *a,
		      struct value *res)
{
	struct pyheap_gc_collect c = {};
	unsigned int claimed = 0;
	long long gen;
	int err;

	if (want_int(sh, arg(a, 0, "generation", &claimed), fn, 2, &gen) ||
	    args_check(sh, a, fn, claimed))
		return -1;
	c.generation = gen;
	err = px(sh->fd, PYHEAP_IOC_GC_COLLECT, &c, sizeof(c));
	if (err)
		return err == -EINVAL ?
		       serr(sh, "ValueError: invalid generation") :
		       serrno(sh, fn, err);
	*res = v_int(c.out_unreachable);
	return 0;
}

/* gc.is_tracked(x), gc.is_finalized(x), gc.get_referents(x), ... */
static int do_gc_object(struct shell *sh, const char *fn, struct args *a,
			struct value *res)
{
	struct pyheap_gc_obj_info info;
	unsigned int claimed = 0;
	__u32 h = 0;
	int err;

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
	*res = v_bool(!strcmp(fn, "is_tracked") ? info.out_tracked :
		      info.out_finalized);
	return 0;
}

/* gc.set_threshold(t0[, t1[, t2]]): the ones not given stay as they are. */
static int do_set_threshold(struct shell *sh, const char *fn,
			    struct args *a, struct value *res)
{
	struct pyheap_gc_state st;
	unsigned int claimed = 0, i;
	long long n;

	if (gc_state(sh, &st))
		return -1;
	for (i = 0; i < 3; i++) {
		if (want_int(sh, arg(a, i, NULL, &claimed), fn,
			     st.threshold[i], &n))
			return -1;
		if (n < 0 || n > UINT32_MAX)
			return serr(sh, "ValueError: bad threshold");
		st.threshold[i] = n;
	}
	if (!a->n)
		return serr(sh, "TypeError: give 1 to 3 thresholds");
	return args_check(sh, a, fn, claimed) ?:
	       gc_set(sh, &st, PYHEAP_GC_SET_THRESHOLD);
}

static int do_set_debug(struct shell *sh, const char *fn, struct args *a,
			struct value *res)
{
	struct pyheap_gc_state st;
	unsigned int claimed = 0;
	long long flags;

	if (!a->n)
		return serr(sh, "TypeError: set_debug(flags)");
	if (want_int(sh, arg(a, 0, "flags", &claimed), fn, 0, &flags) ||
	    args_check(sh, a, fn, claimed) || gc_state(sh, &st))
		return -1;
	st.debug = flags;
	return gc_set(sh, &st, PYHEAP_GC_SET_DEBUG);
}

/* gc.enable() and gc.disable(). */
static int do_enable(struct shell *sh, const char *fn, struct args *a,
		     struct value *res)
{
	struct pyheap_gc_state st;

	if (gc_state(sh, &st))
		return -1;
	st.enabled = !strcmp(fn, "enable");
	return gc_set(sh, &st, PYHEAP_GC_SET_ENABLED);
}

/* gc.freeze() and gc.unfreeze(). */
static int do_freeze(struct shell *sh, const char *fn, struct args *a,
		     struct value *res)
{
	struct pyheap_gc_freeze f = {
		.flags = !strcmp(fn, "freeze") ? PYHEAP_GC_FREEZE :
			 PYHEAP_GC_UNFREEZE,
	};
	int err;

	err = px(sh->fd, PYHEAP_IOC_GC_FREEZE, &f, sizeof(f));
	return err ? serrno(sh, fn, err) : 0;
}

/* gc.get_stats(): one dict per generation, as CPython's. */
static int do_get_stats(struct shell *sh, const char *fn, struct args *a,
			struct value *res)
{
	static const char *const stat_names[] = {
		"collections", "collected", "uncollectable", "candidates",
		"duration_ns", "max_pause_ns", "objects", "skipped",
	};
	struct pyheap_gc_stats s = {};
	struct sbuf py = {}, js = {};
	unsigned int i;
	int err;

	err = px(sh->fd, PYHEAP_IOC_GC_STATS, &s, sizeof(s));
	if (err)
		return serrno(sh, fn, err);
	sb_add(&py, "[");
	sb_add(&js, "[");
	for (i = 0; i < 3; i++) {
		const struct pyheap_gc_gen_stats *g = &s.out_gen[i];
		long long v[8] = {
			g->collections, g->collected, g->uncollectable,
			g->candidates, g->duration_ns, g->max_pause_ns,
			g->objects, s.out_skipped[i],
		};
		struct value r = record(NULL, stat_names, v, 8);

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

/* gc.garbage (a list of what it holds) and gc.clear_garbage(). */
static int do_garbage(struct shell *sh, const char *fn, struct args *a,
		      struct value *res)
{
	bool list = !strcmp(fn, "garbage");
	__u32 *hs = xcalloc(PYHEAP_GC_REFS_MAX, sizeof(*hs)), cnt = 0;
	int err;

	err = garbage(sh, list ? hs : NULL, &cnt);
	if (!err && list)
		*res = handles_list(sh, hs, cnt);
	free(hs);
	return err;
}

/* The getters of the collector's state: isenabled(), get_count(), ... */
static int do_gc_get(struct shell *sh, const char *fn, struct args *a,
		     struct value *res)
{
	struct pyheap_gc_state st;
	long long n[3];
	unsigned int i;

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
	} else {
		*res = v_int(st.debug);		/* get_debug */
	}
	return 0;
}

static const struct builtin gc_builtins[] = {
	{ "collect", SOME_ARGS, do_collect },
	{ "is_tracked", SOME_ARGS, do_gc_object },
	{ "is_finalized", SOME_ARGS, do_gc_object },
	{ "get_referents", SOME_ARGS, do_gc_object },
	{ "get_referrers", SOME_ARGS, do_gc_object },
	{ "set_threshold", SOME_ARGS, do_set_threshold },
	{ "set_debug", SOME_ARGS, do_set_debug },
	{ "enable", NO_ARGS, do_enable },
	{ "disable", NO_ARGS, do_enable },
	{ "freeze", NO_ARGS, do_freeze },
	{ "unfreeze", NO_ARGS, do_freeze },
	{ "get_stats", NO_ARGS, do_get_stats },
	{ "garbage", NO_ARGS, do_garbage },
	{ "clear_garbage", NO_ARGS, do_garbage },
	{ "isenabled", NO_ARGS, do_gc_get },
	{ "get_count", NO_ARGS, do_gc_get },
	{ "get_threshold", NO_ARGS, do_gc_get },
	{ "get_freeze_count", NO_ARGS, do_gc_get },
	{ "get_debug", NO_ARGS, do_gc_get },
	{}
};

/*
 * gc.<fn> for a name the module does not have.  The arguments are
 * checked first, and the collector's state read, as they were when this
 * was the last branch of one long function; the message is the same.
 */
static int gc_missing(struct shell *sh, const char *fn, struct args *a)
{
	struct pyheap_gc_state st;

	if (args_check(sh, a, fn, 0) || gc_state(sh, &st))
		return -1;
	return serr(sh, "AttributeError: %s '%s'",
		    "module 'gc' has no attribute", fn);
}

/* ---- the sys module ------------------------------------------------ */

static int do_getrefcount(struct shell *sh, const char *fn, struct args *a,
			  struct value *res)
{
	struct pyheap_gc_obj_info info;
	unsigned int claimed = 0;
	__u32 h = 0;
	int err;

	if (want_obj(sh, arg(a, 0, NULL, &claimed), fn, &h) ||
	    args_check(sh, a, fn, claimed))
		return -1;
	/*
	 * The argument is a reference while the call runs, as in CPython,
	 * and is counted.
	 */
	h = handle_dup(sh->fd, h);
	err = obj_info(sh->fd, h, &info);
	handle_close(sh->fd, h);
	if (err)
		return serrno(sh, fn, err);
	*res = v_int(info.out_refcnt);
	return 0;
}

static const struct builtin sys_builtins[] = {
	{ "getrefcount", SOME_ARGS, do_getrefcount },
	{}
};

/* ---- the builtins without a module --------------------------------- */

/* new(slots=0, size=0, finalizer=False, legacy=False), or object(). */
static int do_new(struct shell *sh, const char *fn, struct args *a,
		  struct value *res)
{
	struct pyheap_obj_new o = {};
	unsigned int claimed = 0;
	long long n[4] = {};
	int err;

	if (want_int(sh, arg(a, 0, "slots", &claimed), fn, 0, &n[0]) ||
	    want_int(sh, arg(a, 1, "size", &claimed), fn, 0, &n[1]) ||
	    want_int(sh, arg(a, 2, "finalizer", &claimed), fn, 0, &n[2]) ||
	    want_int(sh, arg(a, 3, "legacy", &claimed), fn, 0, &n[3]) ||
	    args_check(sh, a, fn, claimed))
		return -1;
	if (n[0] < 0 || n[0] > PYHEAP_MAX_SLOTS || n[1] < 0 ||
	    n[1] > PYHEAP_MAX_PAYLOAD)
		return serr(sh, "ValueError: %s 0..%d, size 0..%u",
			    "slots", PYHEAP_MAX_SLOTS, PYHEAP_MAX_PAYLOAD);
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

/* lru_cache(maxsize=128, typed=False), as functools.lru_cache. */
static int do_lru_cache(struct shell *sh, const char *fn, struct args *a,
			struct value *res)
{
	unsigned int claimed = 0;
	const struct value *m = arg(a, 0, "maxsize", &claimed);
	struct pyheap_lru_new l = {};
	long long maxsize, typed;
	int err;

	if (want_int(sh, arg(a, 1, "typed", &claimed), fn, 0, &typed))
		return -1;
	if (m && m->kind == V_NONE)
		maxsize = PYHEAP_LRU_MAXSIZE_NONE;
	else if (want_int(sh, m, fn, 128, &maxsize))
		return -1;
	else if (maxsize < 0)
		maxsize = 0;	/* as functools: a negative is 0 */
	if (args_check(sh, a, fn, claimed))
		return -1;
	l.maxsize = maxsize;
	l.flags = typed ? PYHEAP_LRU_TYPED : 0;
	err = px(sh->fd, PYHEAP_IOC_LRU_NEW, &l, sizeof(l));
	if (err)
		return serrno(sh, fn, err);
	res->kind = V_OBJ;
	res->h = l.out_handle;
	return 0;
}

/* getsizeof(x, deep=False): deep adds what only x keeps alive. */
static int do_getsizeof(struct shell *sh, const char *fn, struct args *a,
			struct value *res)
{
	struct pyheap_getsizeof g = {};
	unsigned int claimed = 0;
	long long deep;
	__u32 h = 0;
	int err;

	if (want_obj(sh, arg(a, 0, NULL, &claimed), fn, &h) ||
	    want_int(sh, arg(a, 1, "deep", &claimed), fn, 0, &deep) ||
	    args_check(sh, a, fn, claimed))
		return -1;
	g.handle = h;
	g.flags = deep ? PYHEAP_GETSIZEOF_DEEP : 0;
	err = px(sh->fd, PYHEAP_IOC_GETSIZEOF, &g, sizeof(g));
	if (err)
		return serrno(sh, fn, err);
	*res = v_int(deep ? g.out_deep_size : g.out_size);
	return 0;
}

/* id(x) and type(x). */
static int do_id_type(struct shell *sh, const char *fn, struct args *a,
		      struct value *res)
{
	struct pyheap_gc_obj_info info;
	unsigned int claimed = 0;
	__u32 h = 0;
	int err;

	if (want_obj(sh, arg(a, 0, NULL, &claimed), fn, &h) ||
	    args_check(sh, a, fn, claimed))
		return -1;
	err = obj_info(sh->fd, h, &info);
	if (err)
		return serrno(sh, fn, err);
	if (!strcmp(fn, "id"))
		*res = v_int(info.out_id);
	else
		*res = v_text(xasprintf("<class '%s'>", info.out_type),
			      xasprintf("\"%s\"", info.out_type));
	return 0;
}

/* heap(): what the heap holds, and its limits. */
static int do_heap(struct shell *sh, const char *fn, struct args *a,
		   struct value *res)
{
	static const char *const names[] = {
		"objects", "bytes", "handles", "max_objects",
		"max_bytes", "max_handles",
	};
	struct pyheap_heap_info hi = {};
	long long v[6];
	int err;

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

/* print(...): strings bare, everything else as its repr. */
static int do_print(struct shell *sh, const char *fn, struct args *a,
		    struct value *res)
{
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

/*
 * graph() draws the heap; why(x) prints the chain of references that
 * keeps x, which the kernel finds; cycles() the cycles of gc.garbage.
 */
static int do_graph_why(struct shell *sh, const char *fn, struct args *a,
			struct value *res)
{
	unsigned int claimed = 0;
	const struct value *x = strcmp(fn, "why") ? NULL :
				arg(a, 0, NULL, &claimed);
	bool why = !strcmp(fn, "why");

	if (args_check(sh, a, fn, claimed))
		return -1;
	if (why && (!x || x->kind != V_OBJ))
		return serr(sh, "TypeError: why() needs a heap object");
	return graph_cmd(sh, fn, x);
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
"  sys.getrefcount(x)  heap()  graph()  why(x)  cycles()  print(x)\n"
"  help()\n"
"  gc.collect(gen)  gc.enable()  gc.disable()  gc.isenabled()\n"
"  gc.get_count()  gc.get_threshold()  gc.set_threshold(700, 10, 10)\n"
"  gc.get_stats()  gc.freeze()  gc.unfreeze()  gc.get_freeze_count()\n"
"  gc.garbage  gc.clear_garbage()  gc.is_tracked(x)  gc.is_finalized(x)\n"
"  gc.get_referents(x)  gc.get_referrers(x)  gc.set_debug(n)\n"
"new() takes finalizer=True (PEP 442: a finalizer event) or legacy=True\n"
"(a __del__: a cycle through it goes to gc.garbage).  An expression's\n"
"value is printed unless it is None.\n";

static int do_help(struct shell *sh, const char *fn, struct args *a,
		   struct value *res)
{
	if (!sh->quiet)
		fputs(help_text, stdout);
	return 0;
}

static const struct builtin builtins[] = {
	{ "new", SOME_ARGS, do_new },
	{ "object", SOME_ARGS, do_new },
	{ "lru_cache", SOME_ARGS, do_lru_cache },
	{ "collect", SOME_ARGS, do_collect },
	{ "getsizeof", SOME_ARGS, do_getsizeof },
	{ "id", SOME_ARGS, do_id_type },
	{ "type", SOME_ARGS, do_id_type },
	{ "heap", NO_ARGS, do_heap },
	{ "print", ANY_ARGS, do_print },
	{ "graph", SOME_ARGS, do_graph_why },
	{ "why", SOME_ARGS, do_graph_why },
	{ "cycles", NO_ARGS, do_graph_why },
	{ "help", ANY_ARGS, do_help },
	{}
};

/*
 * The modules, and what a name they lack means: gc_missing() for gc; for
 * sys (missing NULL), the name before the dot is then looked up as a
 * variable, as any other NAME.fn().
 */
static const struct module {
	const char *name;
	const struct builtin *fns;
	int (*missing)(struct shell *sh, const char *fn, struct args *a);
} modules[] = {
	{ "gc", gc_builtins, gc_missing },
	{ "sys", sys_builtins, NULL },
};

static const struct builtin *find(const struct builtin *fns, const char *fn)
{
	for (; fns->name; fns++)
		if (!strcmp(fns->name, fn))
			return fns;
	return NULL;
}

static int run(struct shell *sh, const struct builtin *b, struct args *a,
	       struct value *res)
{
	if (b->arity == NO_ARGS && args_check(sh, a, b->name, 0))
		return -1;
	return b->fn(sh, b->name, a, res);
}

/*
 * Call [@mod.]@fn with @a: a builtin, a function of a module, or (when
 * @mod names an lru_cache) a method.  The result, owned by the caller,
 * goes to @res, which is None until the call sets it.
 */
int call(struct shell *sh, const char *mod, const char *fn, struct args *a,
	 struct value *res)
{
	const struct builtin *b;
	struct binding *var;
	size_t i;

	memset(res, 0, sizeof(*res));
	for (i = 0; mod && i < ARRAY_SIZE(modules); i++) {
		if (strcmp(mod, modules[i].name))
			continue;
		b = find(modules[i].fns, fn);
		if (b)
			return run(sh, b, a, res);
		if (modules[i].missing)
			return modules[i].missing(sh, fn, a);
	}
	if (mod) {
		var = name_lookup(sh, mod);
		if (var && is_lru(sh, &var->v))
			return lru_method(sh, var->v.h, fn, a, res);
		if (!var)
			return serr(sh, "NameError: name '%s' is not defined",
				    mod);
		return serr(sh, "AttributeError: '%s' has no attribute '%s'",
			    mod, fn);
	}
	b = find(builtins, fn);
	if (!b)
		return serr(sh, "NameError: name '%s' is not defined", fn);
	return run(sh, b, a, res);
}
