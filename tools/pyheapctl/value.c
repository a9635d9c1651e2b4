// SPDX-License-Identifier: GPL-2.0
/*
 * value.c - the shell's values, how they print, and its names
 *
 * A struct value is what an expression of the shell evaluates to.  This
 * file makes, copies and releases them, prints them as Python would (or
 * as JSON, with -j), and keeps the table of names bound to them.  The
 * error helpers serr() and serrno() are here too: every part of the
 * shell reports a failure by leaving a Python-style message in sh->err
 * and returning -1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "shell.h"

/* Leave an error message in sh->err and return -1, for "return serr()". */
int serr(struct shell *sh, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sh->err, sizeof(sh->err), fmt, ap);
	va_end(ap);
	return -1;
}

/* An errno from the kernel, as the Python exception the binding raises. */
int serrno(struct shell *sh, const char *what, int err)
{
	const char *exc = "OSError";

	if (err == -ENOMEM || err == -ENOSPC)
		exc = "MemoryError";
	else if (err == -ERANGE)
		exc = "IndexError";
	return serr(sh, "%s: [Errno %d] %s: %s", exc, -err, what,
		    strerror(-err));
}

/* Free what @v owns (its handle, its strings) and make it None. */
void value_release(struct shell *sh, struct value *v)
{
	if (v->kind == V_OBJ)
		handle_close(sh->fd, v->h);
	free(v->s);
	free(v->j);
	memset(v, 0, sizeof(*v));
}

/* A copy of @v that owns its own handle and strings. */
struct value value_copy(struct shell *sh, const struct value *v)
{
	struct value c = *v;

	if (v->kind == V_OBJ)
		c.h = handle_dup(sh->fd, v->h);
	if (v->s)
		c.s = xstrdup(v->s);
	if (v->j)
		c.j = xstrdup(v->j);
	return c;
}

struct value v_int(long long i)
{
	return (struct value){ .kind = V_INT, .i = i };
}

struct value v_bool(bool b)
{
	return (struct value){ .kind = V_BOOL, .i = b };
}

struct value v_text(char *s, char *j)
{
	return (struct value){ .kind = V_TEXT, .s = s, .j = j };
}

static void sb_obj(struct sbuf *b, struct shell *sh, __u32 h, bool as_json)
{
	struct pyheap_gc_obj_info info;

	if (obj_info(sh->fd, h, &info)) {
		sb_add(b, as_json ? "null" : "<dead handle %u>", h);
		return;
	}
	if (as_json)
		sb_add(b, "{\"type\": \"%s\", \"id\": %llu, \"refcnt\": %u}",
		       info.out_type, (unsigned long long)info.out_id,
		       info.out_refcnt);
	else
		sb_add(b, "<%s object at 0x%llx>", info.out_type,
		       (unsigned long long)info.out_id);
}

void sb_value(struct sbuf *b, struct shell *sh, const struct value *v,
	      bool as_json)
{
	switch (v->kind) {
	case V_NONE:
		sb_add(b, as_json ? "null" : "None");
		break;
	case V_BOOL:
		sb_add(b, "%s", as_json ? (v->i ? "true" : "false") :
				(v->i ? "True" : "False"));
		break;
	case V_INT:
		sb_add(b, "%lld", v->i);
		break;
	case V_STR:
		sb_quote(b, v->s, as_json);
		break;
	case V_OBJ:
		sb_obj(b, sh, v->h, as_json);
		break;
	case V_TEXT:
		sb_add(b, "%s", as_json ? v->j : v->s);
		break;
	}
}

/* Print the value of an expression statement: nothing for None. */
void print_value(struct shell *sh, const struct value *v)
{
	struct sbuf b = {};
	char *s;

	if (v->kind == V_NONE || sh->quiet)
		return;
	sb_value(&b, sh, v, json);
	s = sb_take(&b);
	puts(s);
	free(s);
}

/* A list of handles as a V_TEXT, closing them. */
struct value handles_list(struct shell *sh, const __u32 *hs,
			  unsigned int n)
{
	struct sbuf py = {}, js = {};
	unsigned int i;

	sb_add(&py, "[");
	sb_add(&js, "[");
	for (i = 0; i < n; i++) {
		sb_add(&py, "%s", i ? ", " : "");
		sb_add(&js, "%s", i ? ", " : "");
		sb_obj(&py, sh, hs[i], false);
		sb_obj(&js, sh, hs[i], true);
		handle_close(sh->fd, hs[i]);
	}
	sb_add(&py, "]");
	sb_add(&js, "]");
	return v_text(sb_take(&py), sb_take(&js));
}

/* A tuple (python) / array (JSON) of numbers. */
struct value numbers(const long long *n, unsigned int count)
{
	struct sbuf py = {}, js = {};
	unsigned int i;

	sb_add(&py, "(");
	sb_add(&js, "[");
	for (i = 0; i < count; i++) {
		sb_add(&py, "%s%lld", i ? ", " : "", n[i]);
		sb_add(&js, "%s%lld", i ? ", " : "", n[i]);
	}
	sb_add(&py, count == 1 ? ",)" : ")");
	sb_add(&js, "]");
	return v_text(sb_take(&py), sb_take(&js));
}

/* name=value pairs as a Python named tuple / dict and a JSON object. */
struct value record(const char *type, const char *const *names,
		    const long long *vals, unsigned int count)
{
	struct sbuf py = {}, js = {};
	unsigned int i;

	sb_add(&py, type ? "%s(" : "{", type);
	sb_add(&js, "{");
	for (i = 0; i < count; i++) {
		if (type)
			sb_add(&py, "%s%s=%lld", i ? ", " : "", names[i],
			       vals[i]);
		else
			sb_add(&py, "%s'%s': %lld", i ? ", " : "", names[i],
			       vals[i]);
		sb_add(&js, "%s\"%s\": %lld", i ? ", " : "", names[i],
		       vals[i]);
	}
	sb_add(&py, type ? ")" : "}");
	sb_add(&js, "}");
	return v_text(sb_take(&py), sb_take(&js));
}

/* The binding of @name, or NULL if the name is not defined. */
struct binding *name_lookup(struct shell *sh, const char *name)
{
	size_t i;

	for (i = 0; i < sh->nvars; i++)
		if (!strcmp(sh->vars[i].name, name))
			return &sh->vars[i];
	return NULL;
}

/* Bind @name to @v, which the binding then owns. */
void name_bind(struct shell *sh, const char *name, struct value v)
{
	struct binding *b = name_lookup(sh, name);

	if (b) {
		value_release(sh, &b->v);
		b->v = v;
		return;
	}
	sh->vars = xrealloc(sh->vars, sh->nvars + 1, sizeof(*sh->vars));
	sh->vars[sh->nvars].name = xstrdup(name);
	sh->vars[sh->nvars].v = v;
	sh->nvars++;
}

/* "del name": drop the binding and what its value owns. */
int name_unbind(struct shell *sh, const char *name)
{
	struct binding *b = name_lookup(sh, name);

	if (!b)
		return serr(sh, "NameError: name '%s' is not defined", name);
	value_release(sh, &b->v);
	free(b->name);
	*b = sh->vars[--sh->nvars];
	return 0;
}
