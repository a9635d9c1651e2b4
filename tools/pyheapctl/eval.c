// SPDX-License-Identifier: GPL-2.0
/*
 * eval.c - statements and expressions of the shell
 *
 * One line is one statement: an assignment (NAME = expr, NAME[atom] =
 * expr), a del, or an expression whose value is printed.  This file
 * parses and runs them, recursive descent straight from the tokens, with
 * no tree in between.  It also collects the arguments of a call and gives
 * builtins.c the helpers that pick them apart.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shell.h"

/*
 * An atom: a literal or a name.  A name's value is borrowed (*borrowed
 * set), a literal's is owned.
 */
static int atom(struct shell *sh, struct lexer *lx, struct value *v,
		bool *borrowed)
{
	struct binding *b;

	*borrowed = false;
	memset(v, 0, sizeof(*v));
	switch (lx->t) {
	case T_INT:
		*v = v_int(lx->i);
		break;
	case T_STR:
		v->kind = V_STR;
		v->s = xstrdup(lx->text);
		break;
	case T_NAME:
		if (!strcmp(lx->text, "None"))
			break;
		if (!strcmp(lx->text, "True") || !strcmp(lx->text, "False")) {
			*v = v_bool(lx->text[0] == 'T');
			break;
		}
		b = name_lookup(sh, lx->text);
		if (!b)
			return serr(sh, "NameError: name '%s' is not defined",
				    lx->text);
		*v = b->v;
		*borrowed = true;
		break;
	default:
		return serr(sh, "SyntaxError: invalid syntax");
	}
	return lex(sh, lx);
}

/* Release the arguments the call owns (not the ones borrowed from names). */
void args_release(struct shell *sh, struct args *a)
{
	unsigned int i;

	for (i = 0; i < a->n; i++)
		if (!a->borrowed[i])
			value_release(sh, &a->v[i]);
	a->n = 0;
}

static int parse_args(struct shell *sh, struct lexer *lx, struct args *a)
{
	a->n = 0;
	while (!is_op(lx, ')')) {
		struct lexer save = *lx;

		if (a->n == MAX_ARGS)
			return serr(sh, "SyntaxError: more than %d arguments",
				    MAX_ARGS);
		a->kw[a->n] = NULL;
		if (lx->t == T_NAME) {
			if (lex(sh, lx))
				return -1;
			if (is_op(lx, '=')) {
				snprintf(a->kwbuf[a->n], sizeof(a->kwbuf[0]),
					 "%.63s", save.text);
				a->kw[a->n] = a->kwbuf[a->n];
				if (lex(sh, lx))
					return -1;
			} else {
				*lx = save;
			}
		}
		if (atom(sh, lx, &a->v[a->n], &a->borrowed[a->n]))
			return -1;
		a->n++;
		if (is_op(lx, ','))
			lex(sh, lx);
		else if (!is_op(lx, ')'))
			return serr(sh, "SyntaxError: expected ',' or ')'");
	}
	return lex(sh, lx);
}

/*
 * Find argument @pos (or keyword @kw); NULL if absent.  Every argument
 * must be claimed by some call to arg(): see args_check().
 */
const struct value *arg(struct args *a, unsigned int pos,
			const char *kw, unsigned int *claimed)
{
	unsigned int i, p = 0;

	for (i = 0; i < a->n; i++) {
		if (a->kw[i] ? (kw && !strcmp(a->kw[i], kw)) : p++ == pos) {
			*claimed |= 1U << i;
			return &a->v[i];
		}
	}
	return NULL;
}

int args_check(struct shell *sh, struct args *a, const char *fn,
	       unsigned int claimed)
{
	unsigned int i;

	for (i = 0; i < a->n; i++) {
		if (claimed & (1U << i))
			continue;
		if (a->kw[i])
			return serr(sh, "TypeError: %s() got %s '%s'", fn,
				    "an unexpected keyword argument", a->kw[i]);
		return serr(sh, "TypeError: %s() takes %s", fn,
			    "fewer arguments (try help())");
	}
	return 0;
}

int want_int(struct shell *sh, const struct value *v, const char *fn,
	     long long def, long long *out)
{
	if (!v) {
		*out = def;
		return 0;
	}
	if (v->kind != V_INT && v->kind != V_BOOL)
		return serr(sh, "TypeError: %s(): an integer is required", fn);
	*out = v->i;
	return 0;
}

int want_obj(struct shell *sh, const struct value *v, const char *fn,
	     __u32 *h)
{
	if (!v || v->kind != V_OBJ)
		return serr(sh, "TypeError: %s() needs a heap object", fn);
	*h = v->h;
	return 0;
}

/* obj[key] for an object (a slot) or a map (a lookup). */
static int subscript(struct shell *sh, const struct value *obj,
		     const struct value *key, struct value *res)
{
	struct pyheap_slot s = {};
	bool found;
	int err;

	if (obj->kind != V_OBJ)
		return serr(sh, "TypeError: object is not subscriptable");
	if (is_lru(sh, obj)) {
		if (lru_lookup(sh, obj->h, key, PYHEAP_IOC_LRU_GET, 0, res,
			       &found))
			return -1;
		if (!found) {
			struct sbuf b = {};
			char *k;

			sb_value(&b, sh, key, false);
			k = sb_take(&b);
			serr(sh, "KeyError: %s", k);
			free(k);
			return -1;
		}
		return 0;
	}
	if (key->kind != V_INT)
		return serr(sh, "TypeError: slot indices must be integers");
	s.handle = obj->h;
	s.index = key->i;
	if (key->i < 0 || key->i > UINT32_MAX)
		return serr(sh, "IndexError: slot index out of range");
	err = px(sh->fd, PYHEAP_IOC_SLOT_GET, &s, sizeof(s));
	if (err == -ERANGE)
		return serr(sh, "IndexError: slot index out of range");
	if (err)
		return serrno(sh, "slot", err);
	memset(res, 0, sizeof(*res));
	if (s.out_handle) {
		res->kind = V_OBJ;
		res->h = s.out_handle;
	}
	return 0;
}

static int store(struct shell *sh, const struct value *obj,
		 const struct value *key, const struct value *val)
{
	struct pyheap_slot s = {};
	int err;

	if (obj->kind != V_OBJ)
		return serr(sh, "TypeError: not a heap object");
	if (is_lru(sh, obj))
		return lru_store(sh, obj->h, key, val);
	if (key->kind != V_INT || key->i < 0 || key->i > UINT32_MAX)
		return serr(sh, "IndexError: slot index out of range");
	if (val->kind != V_OBJ && val->kind != V_NONE)
		return serr(sh, "TypeError: a slot holds an object or None");
	s.handle = obj->h;
	s.index = key->i;
	s.target = val->kind == V_OBJ ? val->h : PYHEAP_HANDLE_NONE;
	err = px(sh->fd, PYHEAP_IOC_SLOT_SET, &s, sizeof(s));
	if (err == -ERANGE)
		return serr(sh, "IndexError: slot index out of range");
	return err ? serrno(sh, "slot", err) : 0;
}

/*
 * expr := atom | NAME '[' atom ']' | [NAME '.'] NAME '(' args ')'
 *	 | NAME '.' NAME (an attribute: gc.garbage)
 * The result is owned by the caller.
 */
static int expr(struct shell *sh, struct lexer *lx, struct value *res)
{
	struct lexer save = *lx;
	char first[64], second[64];
	struct value v, k;
	bool bv, bk;
	struct args a;
	int err;

	memset(res, 0, sizeof(*res));
	if (lx->t != T_NAME)
		goto plain;
	snprintf(first, sizeof(first), "%.63s", lx->text);
	if (lex(sh, lx))
		return -1;
	if (is_op(lx, '.')) {
		if (lex(sh, lx))
			return -1;
		if (lx->t != T_NAME)
			return serr(sh, "SyntaxError: invalid syntax");
		snprintf(second, sizeof(second), "%.63s", lx->text);
		if (lex(sh, lx))
			return -1;
		if (!is_op(lx, '(')) {
			if (strcmp(first, "gc") || strcmp(second, "garbage"))
				return serr(sh, "SyntaxError: call it: %s.%s()",
					    first, second);
			a.n = 0;
			return call(sh, first, second, &a, res);
		}
		if (lex(sh, lx) || parse_args(sh, lx, &a))
			goto out_args;
		err = call(sh, first, second, &a, res);
		args_release(sh, &a);
		return err;
	}
	if (is_op(lx, '(')) {
		if (lex(sh, lx) || parse_args(sh, lx, &a))
			goto out_args;
		err = call(sh, NULL, first, &a, res);
		args_release(sh, &a);
		return err;
	}
	if (is_op(lx, '[')) {
		struct binding *b = name_lookup(sh, first);

		if (!b)
			return serr(sh, "NameError: name '%s' is not defined",
				    first);
		if (lex(sh, lx) || atom(sh, lx, &k, &bk))
			return -1;
		err = expect(sh, lx, ']') ?: subscript(sh, &b->v, &k, res);
		if (!bk)
			value_release(sh, &k);
		return err;
	}
	*lx = save;
plain:
	if (atom(sh, lx, &v, &bv))
		return -1;
	*res = bv ? value_copy(sh, &v) : v;
	return 0;
out_args:
	args_release(sh, &a);
	return -1;
}

/* Run one line.  0, or -1 with the message in sh->err. */
int statement(struct shell *sh, const char *line)
{
	struct lexer lx = { .p = line };
	struct value v = {}, k = {};
	char name[64];
	bool bk = false, sub = false;
	struct lexer save;
	int err;

	if (lex(sh, &lx))
		return -1;
	if (lx.t == T_END)
		return 0;
	if (lx.t == T_NAME && !strcmp(lx.text, "del")) {
		struct binding *b;
		bool found;

		if (lex(sh, &lx))
			return -1;
		if (lx.t != T_NAME)
			return serr(sh, "SyntaxError: cannot delete that");
		snprintf(name, sizeof(name), "%.63s", lx.text);
		if (lex(sh, &lx))
			return -1;
		if (!is_op(&lx, '['))
			return lx.t == T_END ? name_unbind(sh, name) :
			       serr(sh, "SyntaxError: invalid syntax");
		b = name_lookup(sh, name);
		if (!b)
			return serr(sh, "NameError: name '%s' is not defined",
				    name);
		if (lex(sh, &lx) || atom(sh, &lx, &k, &bk))
			return -1;
		err = expect(sh, &lx, ']');
		if (!err && lx.t != T_END)
			err = serr(sh, "SyntaxError: invalid syntax");
		if (!err && is_lru(sh, &b->v)) {
			err = lru_lookup(sh, b->v.h, &k, PYHEAP_IOC_LRU_DELETE,
					 0, &v, &found);
			if (!err && !found)
				err = serr(sh, "KeyError: no such key");
		} else if (!err) {
			err = store(sh, &b->v, &k, &v);	/* slot = None */
		}
		goto out;
	}

	/* NAME = expr, or NAME[atom] = expr? */
	save = lx;
	if (lx.t == T_NAME) {
		snprintf(name, sizeof(name), "%.63s", lx.text);
		if (lex(sh, &lx))
			return -1;
		if (is_op(&lx, '[')) {
			if (lex(sh, &lx) || atom(sh, &lx, &k, &bk))
				return -1;
			sub = !expect(sh, &lx, ']') && is_op(&lx, '=');
			if (sub)
				goto assign;
			if (!bk)
				value_release(sh, &k);
			memset(&k, 0, sizeof(k));
		} else if (is_op(&lx, '=')) {
			goto assign;
		}
	}
	lx = save;
	err = expr(sh, &lx, &v);
	if (!err && lx.t != T_END)
		err = serr(sh, "SyntaxError: invalid syntax");
	if (!err)
		print_value(sh, &v);
	goto out;

assign:
	if (lex(sh, &lx))
		goto out_err;
	err = expr(sh, &lx, &v);
	if (!err && lx.t != T_END)
		err = serr(sh, "SyntaxError: invalid syntax");
	if (err)
		goto out;
	if (!sub) {
		name_bind(sh, name, v);
		memset(&v, 0, sizeof(v));
	} else {
		struct binding *b = name_lookup(sh, name);

		err = b ? store(sh, &b->v, &k, &v) :
		      serr(sh, "NameError: name '%s' is not defined", name);
	}
	goto out;
out_err:
	err = -1;
out:
	value_release(sh, &v);
	if (!bk)
		value_release(sh, &k);
	return err;
}
