/* SPDX-License-Identifier: GPL-2.0 */
/*
 * shell.h - the types and functions of pyheapctl's little language
 *
 * A line of the shell goes through lexer.c (tokens), eval.c (statements
 * and expressions) and builtins.c (the functions it may call, with lru.c
 * for the methods of an lru_cache).  Its values and the names bound to
 * them are in value.c, and shell.c reads the lines.  graph.c walks the
 * objects the names reach.
 */
#ifndef PYHEAPCTL_SHELL_H
#define PYHEAPCTL_SHELL_H

#include "pyheapctl.h"

/* The most arguments one call may have. */
#define MAX_ARGS	8

enum vkind { V_NONE, V_BOOL, V_INT, V_STR, V_OBJ, V_TEXT };

/*
 * A value.  V_OBJ owns its handle and V_STR/V_TEXT their strings, unless
 * the value is borrowed from a name (see value_copy()).  V_TEXT is a
 * result already formatted, @s as Python prints it and @j as JSON.
 */
struct value {
	enum vkind kind;
	long long i;
	char *s;
	char *j;
	__u32 h;
};

/* A name and the value bound to it, which the binding owns. */
struct binding {
	char *name;
	struct value v;
};

/*
 * One session of the shell: its heap (@fd), its names, and the message
 * of the last error, which the functions that fail leave in @err.
 */
struct shell {
	int fd;
	bool interactive;
	bool quiet;		/* graph: run the script, print nothing */
	struct binding *vars;
	size_t nvars;
	char err[512];
	char *vbuf;		/* LRU values come back here */
};

enum tok { T_END, T_NAME, T_INT, T_STR, T_OP };

/* The lexer's place in a line, and the token it read last. */
struct lexer {
	const char *p;
	enum tok t;
	char op;
	long long i;
	char text[4096];
};

/* The arguments of one call, positional or by keyword. */
struct args {
	unsigned int n;
	struct value v[MAX_ARGS];
	bool borrowed[MAX_ARGS];
	const char *kw[MAX_ARGS];	/* NULL for a positional argument */
	char kwbuf[MAX_ARGS][64];
};

/* value.c: errors, values, their reprs, and names. */
int serr(struct shell *sh, const char *fmt, ...);
int serrno(struct shell *sh, const char *what, int err);
void value_release(struct shell *sh, struct value *v);
struct value value_copy(struct shell *sh, const struct value *v);
struct value v_int(long long i);
struct value v_bool(bool b);
struct value v_text(char *s, char *j);
void sb_value(struct sbuf *b, struct shell *sh, const struct value *v,
	      bool as_json);
void print_value(struct shell *sh, const struct value *v);
struct value handles_list(struct shell *sh, const __u32 *hs, unsigned int n);
struct value numbers(const long long *n, unsigned int count);
struct value record(const char *type, const char *const *names,
		    const long long *vals, unsigned int count);
struct binding *name_lookup(struct shell *sh, const char *name);
void name_bind(struct shell *sh, const char *name, struct value v);
int name_unbind(struct shell *sh, const char *name);

/* lexer.c: the tokens of a line. */
int lex(struct shell *sh, struct lexer *lx);
bool is_op(const struct lexer *lx, char op);
int expect(struct shell *sh, struct lexer *lx, char op);

/* eval.c: statements, and the arguments of calls. */
int statement(struct shell *sh, const char *line);
void args_release(struct shell *sh, struct args *a);
const struct value *arg(struct args *a, unsigned int pos, const char *kw,
			unsigned int *claimed);
int args_check(struct shell *sh, struct args *a, const char *fn,
	       unsigned int claimed);
int want_int(struct shell *sh, const struct value *v, const char *fn,
	     long long def, long long *out);
int want_obj(struct shell *sh, const struct value *v, const char *fn,
	     __u32 *h);

/* builtins.c: calls, and the gc module's state. */
int call(struct shell *sh, const char *mod, const char *fn, struct args *a,
	 struct value *res);
int garbage(struct shell *sh, __u32 *hs, __u32 *n);

/* lru.c: an lru_cache object, through its methods or subscripts. */
bool is_lru(struct shell *sh, const struct value *v);
int lru_lookup(struct shell *sh, __u32 map, const struct value *key,
	       unsigned long cmd, __u32 flags, struct value *out,
	       bool *found);
int lru_store(struct shell *sh, __u32 map, const struct value *key,
	      const struct value *val);
int lru_method(struct shell *sh, __u32 map, const char *m, struct args *a,
	       struct value *res);

/* shell.c: a session, and running a script or a prompt in it. */
void shell_init(struct shell *sh);
void shell_fini(struct shell *sh);
FILE *open_script(const char *file, bool *interactive);
int run_script(struct shell *sh, FILE *in, const char *file);

/*
 * graph.c: draw the heap ("graph"), print the chain that keeps @why
 * alive ("why"), or the cycles of gc.garbage ("cycles").
 */
int graph_cmd(struct shell *sh, const char *what, const struct value *why);

#endif /* PYHEAPCTL_SHELL_H */
