// SPDX-License-Identifier: GPL-2.0
/*
 * pyheapctl - drive pyheap from the shell and look inside it
 *
 *   pyheapctl [-j] shell [FILE]        a heap and a small Python-like language
 *   pyheapctl [-j] graph [--why NAME] [FILE]
 *                                      run FILE, then draw the heap (dot)
 *   pyheapctl [-j] stats [-H HEAP] [SECTION...]
 *                                      the debugfs tables, readable or JSON
 *   pyheapctl top [-d SECS] [-n COUNT] [-s COLUMN]
 *                                      a refreshing view, as slabtop
 *
 * Exit status: 0 success, 1 failure, 2 usage.  See pyheapctl(8).
 *
 * Every heap is one open file of /dev/pyheap, so shell and graph work on
 * the heap they create; stats and top read every heap through debugfs.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include <linux/pyheap.h>

#ifdef HAVE_READLINE
#include <readline/history.h>
#include <readline/readline.h>
#endif

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define EXIT_USAGE	2
#define MAX_ARGS	8
#define MAX_NODES	100000

static const char *dev_path = "/dev/pyheap";
static const char *dbg_path = "/sys/kernel/debug/pyheap";
static bool json;

/* "pyheapctl: <message><tail>" on stderr, then exit with @status. */
static void vexit(int status, const char *tail, const char *fmt, va_list ap)
{
	fputs("pyheapctl: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputs(tail, stderr);
	exit(status);
}

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vexit(1, "\n", fmt, ap);
	va_end(ap);
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p)
		die("out of memory");
	return p;
}

static void *xrealloc(void *p, size_t n, size_t size)
{
	p = reallocarray(p, n ? n : 1, size);
	if (!p)
		die("out of memory");
	return p;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);

	if (!d)
		die("out of memory");
	return d;
}

/* ---- the device ---------------------------------------------------- */

static int heap_open(void)
{
	int fd = open(dev_path, O_RDWR | O_CLOEXEC | O_NONBLOCK);

	if (fd >= 0)
		return fd;
	if (errno == ENOENT)
		die("%s: no such device: load the module (insmod pyheap.ko)",
		    dev_path);
	if (errno == EACCES || errno == EPERM)
		die("%s: permission denied: %s", dev_path,
		    "join its group (see pyheap(4)) or run as root");
	die("%s: %s", dev_path, strerror(errno));
	return -1;
}

/* One ioctl; 0 or a negative errno.  The struct's size is set here. */
static int px(int fd, unsigned long cmd, void *arg, __u32 size)
{
	*(__u32 *)arg = size;
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

static void handle_close(int fd, __u32 h)
{
	struct pyheap_handle_close c = { .handle = h };

	if (h)
		px(fd, PYHEAP_IOC_HANDLE_CLOSE, &c, sizeof(c));
}

static __u32 handle_dup(int fd, __u32 h)
{
	struct pyheap_handle_dup d = { .handle = h };

	if (px(fd, PYHEAP_IOC_HANDLE_DUP, &d, sizeof(d)))
		die("HANDLE_DUP: %s", strerror(errno));
	return d.out_handle;
}

static int obj_info(int fd, __u32 h, struct pyheap_gc_obj_info *info)
{
	memset(info, 0, sizeof(*info));
	info->handle = h;
	return px(fd, PYHEAP_IOC_GC_OBJ_INFO, info, sizeof(*info));
}

/* ---- values of the shell's language -------------------------------- */

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

struct binding {
	char *name;
	struct value v;
};

struct shell {
	int fd;
	bool interactive;
	bool quiet;		/* graph: run the script, print nothing */
	struct binding *vars;
	size_t nvars;
	char err[512];
	char *vbuf;		/* LRU values come back here */
};

static int serr(struct shell *sh, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sh->err, sizeof(sh->err), fmt, ap);
	va_end(ap);
	return -1;
}

/* An errno from the kernel, as the Python exception the binding raises. */
static int serrno(struct shell *sh, const char *what, int err)
{
	const char *exc = "OSError";

	if (err == -ENOMEM || err == -ENOSPC)
		exc = "MemoryError";
	else if (err == -ERANGE)
		exc = "IndexError";
	return serr(sh, "%s: [Errno %d] %s: %s", exc, -err, what,
		    strerror(-err));
}

static void value_release(struct shell *sh, struct value *v)
{
	if (v->kind == V_OBJ)
		handle_close(sh->fd, v->h);
	free(v->s);
	free(v->j);
	memset(v, 0, sizeof(*v));
}

static struct value value_copy(struct shell *sh, const struct value *v)
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

static struct value v_int(long long i)
{
	return (struct value){ .kind = V_INT, .i = i };
}

static struct value v_bool(bool b)
{
	return (struct value){ .kind = V_BOOL, .i = b };
}

static struct value v_text(char *s, char *j)
{
	return (struct value){ .kind = V_TEXT, .s = s, .j = j };
}

static char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		die("out of memory");
	va_end(ap);
	return s;
}

/* A growing string, for reprs and JSON. */
struct sbuf {
	char *p;
	size_t len, cap;
};

static void sb_add(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			die("format error");
		if (b->len + n < b->cap)
			break;
		b->cap = (b->cap + n + 1) * 2;
		b->p = xrealloc(b->p, b->cap, 1);
	}
	b->len += n;
}

static char *sb_take(struct sbuf *b)
{
	char *p = b->p ? b->p : xstrdup("");

	memset(b, 0, sizeof(*b));
	return p;
}

/* s quoted as Python's repr() (json false) or as a JSON string. */
static void sb_quote(struct sbuf *b, const char *s, bool as_json)
{
	sb_add(b, "%c", as_json ? '"' : '\'');
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '\\' || c == (as_json ? '"' : '\''))
			sb_add(b, "\\%c", c);
		else if (c == '\n')
			sb_add(b, "\\n");
		else if (c == '\t')
			sb_add(b, "\\t");
		else if (c < 0x20 || c == 0x7f)
			sb_add(b, as_json ? "\\u%04x" : "\\x%02x", c);
		else
			sb_add(b, "%c", c);
	}
	sb_add(b, "%c", as_json ? '"' : '\'');
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

static void sb_value(struct sbuf *b, struct shell *sh, const struct value *v,
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

static void print_value(struct shell *sh, const struct value *v)
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
static struct value handles_list(struct shell *sh, const __u32 *hs,
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
static struct value numbers(const long long *n, unsigned int count)
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
static struct value record(const char *type, const char *const *names,
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

/* ---- names ----------------------------------------------------------- */

static struct binding *lookup(struct shell *sh, const char *name)
{
	size_t i;

	for (i = 0; i < sh->nvars; i++)
		if (!strcmp(sh->vars[i].name, name))
			return &sh->vars[i];
	return NULL;
}

/* Bind @name to @v, which the binding then owns. */
static void bind(struct shell *sh, const char *name, struct value v)
{
	struct binding *b = lookup(sh, name);

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

static int unbind(struct shell *sh, const char *name)
{
	struct binding *b = lookup(sh, name);

	if (!b)
		return serr(sh, "NameError: name '%s' is not defined", name);
	value_release(sh, &b->v);
	free(b->name);
	*b = sh->vars[--sh->nvars];
	return 0;
}

/* ---- the lexer ------------------------------------------------------- */

enum tok { T_END, T_NAME, T_INT, T_STR, T_OP };

struct lexer {
	const char *p;
	enum tok t;
	char op;
	long long i;
	char text[4096];
};

static int lex(struct shell *sh, struct lexer *lx)
{
	const char *p = lx->p;
	size_t n = 0;

	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	if (!*p || *p == '#') {
		lx->t = T_END;
		lx->p = p;
		return 0;
	}
	if (isalpha((unsigned char)*p) || *p == '_') {
		while (isalnum((unsigned char)*p) || *p == '_') {
			if (n == 63)
				return serr(sh, "SyntaxError: name too long");
			lx->text[n++] = *p++;
		}
		lx->text[n] = 0;
		lx->t = T_NAME;
	} else if (isdigit((unsigned char)*p) ||
		   (*p == '-' && isdigit((unsigned char)p[1]))) {
		char *end;

		errno = 0;
		lx->i = strtoll(p, &end, 0);
		if (errno || isalnum((unsigned char)*end) || *end == '_')
			return serr(sh, "SyntaxError: invalid number");
		p = end;
		lx->t = T_INT;
	} else if (*p == '\'' || *p == '"') {
		char quote = *p++;

		while (*p && *p != quote) {
			char c = *p++;

			if (c == '\\') {
				c = *p++;
				if (c == 'n')
					c = '\n';
				else if (c == 't')
					c = '\t';
				else if (c == '0')
					c = 0;
				else if (!c)
					break;
			}
			if (!c || n + 1 >= sizeof(lx->text))
				return serr(sh, "SyntaxError: bad string");
			lx->text[n++] = c;
		}
		if (*p != quote)
			return serr(sh, "SyntaxError: unterminated string");
		p++;
		lx->text[n] = 0;
		lx->t = T_STR;
	} else if (strchr("=[](),.", *p)) {
		lx->op = *p++;
		lx->t = T_OP;
	} else {
		return serr(sh, "SyntaxError: invalid character '%c'", *p);
	}
	lx->p = p;
	return 0;
}

static bool is_op(const struct lexer *lx, char op)
{
	return lx->t == T_OP && lx->op == op;
}

static int expect(struct shell *sh, struct lexer *lx, char op)
{
	if (!is_op(lx, op))
		return serr(sh, "SyntaxError: expected '%c'", op);
	return lex(sh, lx);
}

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
		b = lookup(sh, lx->text);
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

/* ---- calls --------------------------------------------------------- */

struct args {
	unsigned int n;
	struct value v[MAX_ARGS];
	bool borrowed[MAX_ARGS];
	const char *kw[MAX_ARGS];	/* NULL for a positional argument */
	char kwbuf[MAX_ARGS][64];
};

static void args_release(struct shell *sh, struct args *a)
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
static const struct value *arg(struct args *a, unsigned int pos,
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

static int args_check(struct shell *sh, struct args *a, const char *fn,
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

static int want_int(struct shell *sh, const struct value *v, const char *fn,
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

static int want_obj(struct shell *sh, const struct value *v, const char *fn,
		    __u32 *h)
{
	if (!v || v->kind != V_OBJ)
		return serr(sh, "TypeError: %s() needs a heap object", fn);
	*h = v->h;
	return 0;
}

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

static bool is_lru(struct shell *sh, const struct value *v)
{
	struct pyheap_gc_obj_info info;

	return v->kind == V_OBJ && !obj_info(sh->fd, v->h, &info) &&
	       !strcmp(info.out_type, "lru_cache");
}

/* GET (flags may say PEEK) or DELETE; *found is false on a miss. */
static int lru_lookup(struct shell *sh, __u32 map, const struct value *key,
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

static int lru_store(struct shell *sh, __u32 map, const struct value *key,
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

static struct value lru_parameters(const struct pyheap_lru_cache_info *info)
{
	const char *py = info->out_typed ? "True" : "False";
	const char *js = info->out_typed ? "true" : "false";
	char n[32];

	if (info->out_maxsize < 0)
		snprintf(n, sizeof(n), "None");
	else
		snprintf(n, sizeof(n), "%lld", (long long)info->out_maxsize);
	return v_text(xasprintf("{'maxsize': %s, 'typed': %s}", n, py),
		      xasprintf("{\"maxsize\": %s, \"typed\": %s}",
				info->out_maxsize < 0 ? "null" : n, js));
}

static int lru_method(struct shell *sh, __u32 map, const char *m,
		      struct args *a, struct value *res)
{
	struct pyheap_lru_cache_info info = { .handle = map };
	unsigned int claimed = 0;
	const struct value *k = arg(a, 0, "key", &claimed);
	bool found;
	int err;

	if (!strcmp(m, "get") || !strcmp(m, "peek")) {
		const struct value *def = arg(a, 1, "default", &claimed);

		if (!k || args_check(sh, a, m, claimed))
			return k ? -1 : serr(sh, "TypeError: %s() needs a key",
					     m);
		if (lru_lookup(sh, map, k, PYHEAP_IOC_LRU_GET,
			       *m == 'p' ? PYHEAP_LRU_PEEK : 0, res, &found))
			return -1;
		if (!found && def)
			*res = value_copy(sh, def);
		return 0;
	}
	if (!strcmp(m, "set")) {
		const struct value *v = arg(a, 1, "value", &claimed);

		if (!k || !v)
			return serr(sh, "TypeError: set(key, value)");
		return args_check(sh, a, m, claimed) ?:
		       lru_store(sh, map, k, v);
	}
	if (!strcmp(m, "delete")) {
		if (!k || args_check(sh, a, m, claimed))
			return k ? -1 : serr(sh, "TypeError: delete(key)");
		if (lru_lookup(sh, map, k, PYHEAP_IOC_LRU_DELETE, 0, res,
			       &found))
			return -1;
		*res = v_bool(found);
		return 0;
	}
	if (args_check(sh, a, m, claimed))
		return -1;
	if (!strcmp(m, "cache_clear"))
		info.flags = PYHEAP_LRU_CLEAR;
	else if (strcmp(m, "cache_info") && strcmp(m, "cache_parameters") &&
		 strcmp(m, "evictions"))
		return serr(sh, "AttributeError: %s '%s'",
			    "'lru_cache' object has no attribute", m);
	err = px(sh->fd, PYHEAP_IOC_LRU_INFO, &info, sizeof(info));
	if (err)
		return serrno(sh, m, err);
	if (!strcmp(m, "cache_info")) {
		struct sbuf py = {}, js = {};
		char max[24] = "None", jmax[24] = "null";

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
	} else if (!strcmp(m, "cache_parameters")) {
		*res = lru_parameters(&info);
	} else if (!strcmp(m, "evictions")) {
		*res = v_int(info.out_evictions);
	}
	return 0;
}

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
static int garbage(struct shell *sh, __u32 *hs, __u32 *n)
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

static int graph_cmd(struct shell *sh, const struct value *why);

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

static int call(struct shell *sh, const char *mod, const char *fn,
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
		struct binding *b = lookup(sh, mod);

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

/* ---- statements ------------------------------------------------------ */

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
		struct binding *b = lookup(sh, first);

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

static int statement(struct shell *sh, const char *line)
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
			return lx.t == T_END ? unbind(sh, name) :
			       serr(sh, "SyntaxError: invalid syntax");
		b = lookup(sh, name);
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
		bind(sh, name, v);
		memset(&v, 0, sizeof(v));
	} else {
		struct binding *b = lookup(sh, name);

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

static void print_event(const struct pyheap_gc_obj_info *info)
{
	if (json)
		printf("{\"event\": \"finalize\", \"id\": %llu}\n",
		       (unsigned long long)info->out_id);
	else
		printf("# finalizer: <%s object at 0x%llx>\n", info->out_type,
		       (unsigned long long)info->out_id);
}

/* Finalizer events that came in: print them and drop their handles. */
static void drain_events(struct shell *sh)
{
	struct pyheap_event ev[64];
	ssize_t n;
	int i;

	while ((n = read(sh->fd, ev, sizeof(ev))) > 0) {
		for (i = 0; i < n / (ssize_t)sizeof(ev[0]); i++) {
			struct pyheap_gc_obj_info info;

			if (!sh->quiet && !obj_info(sh->fd, ev[i].handle,
						    &info)) {
				print_event(&info);
			}
			handle_close(sh->fd, ev[i].handle);
		}
	}
}

static void shell_init(struct shell *sh)
{
	memset(sh, 0, sizeof(*sh));
	sh->fd = heap_open();
	sh->vbuf = xcalloc(PYHEAP_LRU_MAX_VALUE_SIZE, 1);
}

static void shell_fini(struct shell *sh)
{
	while (sh->nvars)
		unbind(sh, sh->vars[0].name);
	free(sh->vars);
	free(sh->vbuf);
	close(sh->fd);
}

static char *read_line(struct shell *sh, FILE *in, const char *prompt)
{
	static char *buf;
	static size_t cap;

#ifdef HAVE_READLINE
	if (sh->interactive) {
		char *line = readline(prompt);

		if (line && *line)
			add_history(line);
		free(buf);
		buf = line;
		return line;
	}
#endif
	if (sh->interactive) {
		fputs(prompt, stdout);
		fflush(stdout);
	}
	if (getline(&buf, &cap, in) < 0)
		return NULL;
	return buf;
}

/*
 * Run @in line by line.  A script stops at its first error, reported as
 * FILE:LINE; at the prompt an error is printed and the session goes on.
 */
static int run_script(struct shell *sh, FILE *in, const char *file)
{
	unsigned int lineno = 0;
	char *line;

	while ((line = read_line(sh, in, ">>> "))) {
		lineno++;
		sh->err[0] = 0;
		if (statement(sh, line)) {
			if (sh->interactive) {
				fprintf(stderr, "%s\n", sh->err);
			} else {
				fprintf(stderr, "%s:%u: %s\n", file, lineno,
					sh->err);
				return 1;
			}
		}
		drain_events(sh);
		fflush(stdout);
	}
	if (sh->interactive)
		putchar('\n');
	return 0;
}

/* ---- the object graph -------------------------------------------------- */

struct gnode {
	__u64 id;
	__u32 h;		/* a handle of ours, closed at the end */
	__u32 refcnt, gen, tracked;
	char type[16];
	const char *name;	/* the first name bound to it, or NULL */
	bool garbage;
	bool cyclic;
	int edges, nedges;	/* its out-edges: edge[edges..edges+nedges) */
};

struct gedge {
	int to;
	int label;		/* the slot index, or -1 */
};

struct graph {
	struct gnode *node;
	int n, cap;
	struct gedge *edge;
	int ne, ecap;
	int *hash;		/* open addressing on id: node index + 1 */
	int hcap;
	bool truncated;
};

static int graph_find(struct graph *g, __u64 id)
{
	int i = id & (g->hcap - 1);

	while (g->hash[i]) {
		if (g->node[g->hash[i] - 1].id == id)
			return g->hash[i] - 1;
		i = (i + 1) & (g->hcap - 1);
	}
	return -1;
}

static void graph_rehash(struct graph *g)
{
	int i, j;

	g->hcap = g->hcap ? g->hcap * 2 : 1024;
	free(g->hash);
	g->hash = xcalloc(g->hcap, sizeof(*g->hash));
	for (i = 0; i < g->n; i++) {
		j = g->node[i].id & (g->hcap - 1);
		while (g->hash[j])
			j = (j + 1) & (g->hcap - 1);
		g->hash[j] = i + 1;
	}
}

/*
 * The node for the object behind handle @h, which is then the graph's to
 * close (now, if the object already has a node).  -1 if the graph is full.
 */
static int graph_add(struct shell *sh, struct graph *g, __u32 h)
{
	struct pyheap_gc_obj_info info;
	struct gnode *nd;
	int i;

	if (obj_info(sh->fd, h, &info))
		die("GC_OBJ_INFO: %s", strerror(errno));
	i = graph_find(g, info.out_id);
	if (i >= 0) {
		handle_close(sh->fd, h);
		return i;
	}
	if (g->n == MAX_NODES) {
		handle_close(sh->fd, h);
		g->truncated = true;
		return -1;
	}
	if (g->n == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 64;
		g->node = xrealloc(g->node, g->cap, sizeof(*g->node));
	}
	nd = &g->node[g->n];
	memset(nd, 0, sizeof(*nd));
	nd->id = info.out_id;
	nd->h = h;
	nd->refcnt = info.out_refcnt;
	nd->gen = info.out_generation;
	nd->tracked = info.out_tracked;
	memcpy(nd->type, info.out_type, sizeof(nd->type));
	nd->type[sizeof(nd->type) - 1] = 0;
	g->n++;
	if (g->n * 2 > g->hcap) {
		graph_rehash(g);
	} else {
		i = nd->id & (g->hcap - 1);
		while (g->hash[i])
			i = (i + 1) & (g->hcap - 1);
		g->hash[i] = g->n;
	}
	return g->n - 1;
}

static void graph_edge(struct graph *g, int from, int to, int label)
{
	if (g->ne == g->ecap) {
		g->ecap = g->ecap ? g->ecap * 2 : 256;
		g->edge = xrealloc(g->edge, g->ecap, sizeof(*g->edge));
	}
	g->edge[g->ne].to = to;
	g->edge[g->ne].label = label;
	g->ne++;
	g->node[from].nedges++;
}

/*
 * Walk breadth first from every name and every object in gc.garbage,
 * over slots (objects) and referents (other types).  A node's edges are
 * added together, while it is the one being walked, so they lie in one
 * run of g->edge.
 */
static void graph_build(struct shell *sh, struct graph *g)
{
	__u32 *hs = xcalloc(PYHEAP_GC_REFS_MAX, sizeof(*hs)), cnt = 0;
	size_t v;
	int i, j, t;

	memset(g, 0, sizeof(*g));
	graph_rehash(g);
	for (v = 0; v < sh->nvars; v++) {
		if (sh->vars[v].v.kind != V_OBJ)
			continue;
		i = graph_add(sh, g, handle_dup(sh->fd, sh->vars[v].v.h));
		if (i >= 0 && !g->node[i].name)
			g->node[i].name = sh->vars[v].name;
	}
	if (!garbage(sh, hs, &cnt)) {
		for (j = 0; j < (int)cnt; j++) {
			i = graph_add(sh, g, hs[j]);
			if (i >= 0)
				g->node[i].garbage = true;
		}
	}
	for (i = 0; i < g->n; i++) {
		g->node[i].edges = g->ne;
		if (!strcmp(g->node[i].type, "object")) {
			struct pyheap_slot s = {};

			for (j = 0; j < PYHEAP_MAX_SLOTS; j++) {
				s.handle = g->node[i].h;
				s.index = j;
				s.target = 0;
				s.out_handle = 0;
				if (px(sh->fd, PYHEAP_IOC_SLOT_GET, &s,
				       sizeof(s)))
					break;
				if (!s.out_handle)
					continue;
				t = graph_add(sh, g, s.out_handle);
				if (t >= 0)
					graph_edge(g, i, t, j);
			}
		} else {
			struct pyheap_gc_refs r = {
				.flags = PYHEAP_GC_REFERENTS,
				.handle = g->node[i].h,
				.max = PYHEAP_GC_REFS_MAX,
				.handles = (uintptr_t)hs,
			};

			if (px(sh->fd, PYHEAP_IOC_GC_REFS, &r, sizeof(r)))
				continue;
			for (j = 0; j < (int)r.out_count; j++) {
				t = graph_add(sh, g, hs[j]);
				if (t >= 0)
					graph_edge(g, i, t, -1);
			}
		}
	}
	free(hs);
}

/*
 * Tarjan's strongly connected components, with an explicit stack: mark
 * every node that lies on a cycle (a component of two or more, or a
 * self-reference).
 */
static void graph_cycles(struct graph *g)
{
	int *index = xcalloc(g->n, sizeof(int));
	int *low = xcalloc(g->n, sizeof(int));
	int *pos = xcalloc(g->n, sizeof(int));
	int *stack = xcalloc(g->n, sizeof(int));
	int *calls = xcalloc(g->n, sizeof(int));
	bool *on = xcalloc(g->n, sizeof(bool));
	int next = 1, sp = 0, cp, root, i;

	for (root = 0; root < g->n; root++) {
		if (index[root])
			continue;
		cp = 0;
		calls[cp++] = root;
		index[root] = next++;
		low[root] = index[root];
		stack[sp++] = root;
		on[root] = true;
		while (cp) {
			int v = calls[cp - 1];
			struct gnode *nd = &g->node[v];

			if (pos[v] < nd->nedges) {
				int w = g->edge[nd->edges + pos[v]++].to;

				if (w == v)
					nd->cyclic = true;
				if (!index[w]) {
					index[w] = next++;
					low[w] = index[w];
					stack[sp++] = w;
					on[w] = true;
					calls[cp++] = w;
				} else if (on[w] && index[w] < low[v]) {
					low[v] = index[w];
				}
				continue;
			}
			cp--;
			if (cp && low[v] < low[calls[cp - 1]])
				low[calls[cp - 1]] = low[v];
			if (low[v] != index[v])
				continue;
			i = sp;
			do {
				on[stack[--sp]] = false;
			} while (stack[sp] != v);
			if (i - sp > 1)
				while (i > sp)
					g->node[stack[--i]].cyclic = true;
		}
	}
	free(index);
	free(low);
	free(pos);
	free(stack);
	free(calls);
	free(on);
}

static void graph_free(struct shell *sh, struct graph *g)
{
	int i;

	for (i = 0; i < g->n; i++)
		handle_close(sh->fd, g->node[i].h);
	free(g->node);
	free(g->edge);
	free(g->hash);
}

static void graph_dot(struct graph *g)
{
	bool first = true;
	int i, e;

	if (json) {
		printf("{\"nodes\": [");
		for (i = 0; i < g->n; i++) {
			struct gnode *nd = &g->node[i];
			struct sbuf b = {};
			char *name;

			if (nd->name)
				sb_quote(&b, nd->name, true);
			else
				sb_add(&b, "null");
			name = sb_take(&b);
			printf("%s{\"id\": %llu, \"type\": \"%s\", ",
			       i ? ", " : "", (unsigned long long)nd->id,
			       nd->type);
			printf("\"name\": %s, \"refcnt\": %u, ", name,
			       nd->refcnt);
			printf("\"generation\": %u, \"cyclic\": %s, ", nd->gen,
			       nd->cyclic ? "true" : "false");
			printf("\"garbage\": %s}",
			       nd->garbage ? "true" : "false");
			free(name);
		}
		printf("], \"edges\": [");
		for (i = 0; i < g->n; i++)
			for (e = 0; e < g->node[i].nedges; e++) {
				struct gedge *ed;

				ed = &g->edge[g->node[i].edges + e];
				printf("%s{\"from\": %llu, \"to\": %llu, ",
				       first ? "" : ", ",
				       (unsigned long long)g->node[i].id,
				       (unsigned long long)g->node[ed->to].id);
				printf("\"slot\": %d}", ed->label);
				first = false;
			}
		printf("], \"truncated\": %s}\n",
		       g->truncated ? "true" : "false");
		return;
	}
	printf("digraph pyheap {\n");
	printf("\tnode [shape=box, style=rounded, fontname=\"monospace\"];\n");
	printf("\t/* bold: a name's; orange: on a cycle; red: garbage */\n");
	for (i = 0; i < g->n; i++) {
		struct gnode *nd = &g->node[i];

		printf("\tn%d [label=\"%s%s%s 0x%llx\\nrefcnt %u, %s %u\"",
		       i, nd->name ? nd->name : "", nd->name ? "\\n" : "",
		       nd->type, (unsigned long long)nd->id, nd->refcnt,
		       nd->tracked ? "gen" : "untracked", nd->gen);
		if (nd->name)
			printf(", penwidth=2");
		if (nd->garbage)
			printf(", color=red, fontcolor=red");
		if (nd->cyclic)
			printf(", style=\"rounded,filled\", fillcolor=orange");
		printf("];\n");
	}
	for (i = 0; i < g->n; i++)
		for (e = 0; e < g->node[i].nedges; e++) {
			struct gedge *ed = &g->edge[g->node[i].edges + e];

			printf("\tn%d -> n%d", i, ed->to);
			if (ed->label >= 0)
				printf(" [label=\"[%d]\"]", ed->label);
			printf(";\n");
		}
	if (g->truncated)
		printf("\t/* truncated at %d objects */\n", MAX_NODES);
	printf("}\n");
}

/*
 * The shortest chain of references to @target from a name other than its
 * own, found breadth first from every such name at once (objgraph's
 * find_backref_chain, run forwards).  Each step is printed as the Python
 * expression that reaches it.
 */
static int graph_why(struct shell *sh, struct graph *g, __u64 target)
{
	int *prev = xcalloc(g->n, sizeof(int));	/* the edge that reached it */
	int *parent = xcalloc(g->n, sizeof(int));
	int *queue = xcalloc(g->n, sizeof(int));
	int *path = xcalloc(g->n, sizeof(int));
	int head = 0, tail = 0, t = graph_find(g, target), i, e, n = 0;
	struct sbuf expr = {};

	for (i = 0; i < g->n; i++) {
		prev[i] = -2;		/* not reached */
		if (g->node[i].name && i != t) {
			prev[i] = -1;	/* a root */
			queue[tail++] = i;
		}
	}
	while (head < tail && t >= 0 && prev[t] == -2) {
		int v = queue[head++];

		for (e = 0; e < g->node[v].nedges; e++) {
			int w = g->edge[g->node[v].edges + e].to;

			if (prev[w] == -2) {
				prev[w] = g->node[v].edges + e;
				parent[w] = v;
				queue[tail++] = w;
			}
		}
	}
	if (t < 0 || prev[t] == -2) {
		bool garb = t >= 0 && g->node[t].garbage;

		if (json) {
			printf("{\"id\": %llu, \"chain\": null, ",
			       (unsigned long long)target);
			printf("\"garbage\": %s}\n",
			       garb ? "true" : "false");
		} else {
			printf("0x%llx is reachable from no other name%s\n",
			       (unsigned long long)target,
			       garb ? "; it is in gc.garbage" : "");
		}
		goto out;
	}
	for (i = t; ; i = parent[i]) {	/* walk back to the root */
		path[n++] = i;
		if (prev[i] == -1)
			break;
	}
	sb_add(&expr, "%s", g->node[path[n - 1]].name);
	if (json)
		printf("{\"id\": %llu, \"chain\": [",
		       (unsigned long long)target);
	for (i = n - 1; i >= 0; i--) {
		struct gnode *nd = &g->node[path[i]];

		if (i < n - 1) {
			int label = g->edge[prev[path[i]]].label;

			if (label >= 0)
				sb_add(&expr, "[%d]", label);
			else
				sb_add(&expr, ".<value>");
		}
		if (json) {
			printf("%s{\"expr\": \"%s\", \"type\": \"%s\", ",
			       i < n - 1 ? ", " : "", expr.p, nd->type);
			printf("\"id\": %llu}", (unsigned long long)nd->id);
		} else {
			printf("%-24s <%s object at 0x%llx>\n", expr.p,
			       nd->type, (unsigned long long)nd->id);
		}
	}
	if (json)
		printf("]}\n");
out:
	free(expr.p);
	free(prev);
	free(parent);
	free(queue);
	free(path);
	return 0;
}

static int graph_cmd(struct shell *sh, const struct value *why)
{
	struct pyheap_gc_obj_info info;
	struct graph g;
	bool quiet = sh->quiet;

	if (why && obj_info(sh->fd, why->h, &info))
		return serrno(sh, "why", -errno);
	graph_build(sh, &g);
	graph_cycles(&g);
	sh->quiet = false;
	if (why)
		graph_why(sh, &g, info.out_id);
	else
		graph_dot(&g);
	sh->quiet = quiet;
	graph_free(sh, &g);
	return 0;
}

/* ---- debugfs tables: stats and top ------------------------------------- */

struct table {
	char title[64];
	int ncols, nrows;
	char **cols;
	char ***rows;
};

static void table_free(struct table *t)
{
	int r, c;

	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++)
			free(t->rows[r][c]);
		free(t->rows[r]);
	}
	for (c = 0; c < t->ncols; c++)
		free(t->cols[c]);
	free(t->rows);
	free(t->cols);
	memset(t, 0, sizeof(*t));
}

static void dbg_error(const char *path)
{
	if (errno == EACCES || errno == EPERM)
		die("%s: permission denied: debugfs is root-only; run as root",
		    path);
	if (errno == ENOENT)
		die("%s: not found: load the module and mount debugfs: %s",
		    path, "mount -t debugfs none /sys/kernel/debug");
	die("%s: %s", path, strerror(errno));
}

/*
 * Read a debugfs table: "<name> - version: X", then "# " and the column
 * names, then one row per line.  With @prefix, every row gets a leading
 * "heap" column holding it.  Rows are appended, so per-heap files add up.
 */
static void table_read(struct table *t, const char *path, const char *prefix)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, *save, *tok;
	size_t cap = 0;
	int c, lineno = 0;

	if (!f)
		dbg_error(path);
	while (getline(&line, &cap, f) > 0) {
		line[strcspn(line, "\n")] = 0;
		if (++lineno == 1) {
			if (!t->title[0])
				snprintf(t->title, sizeof(t->title), "%.*s",
					 (int)strcspn(line, " "), line);
			continue;
		}
		if (line[0] == '#') {
			if (t->ncols)
				continue;
			if (prefix) {
				t->cols = xrealloc(t->cols, 1, sizeof(char *));
				t->cols[t->ncols++] = xstrdup("heap");
			}
			for (tok = strtok_r(line + 1, " ", &save); tok;
			     tok = strtok_r(NULL, " ", &save)) {
				t->cols = xrealloc(t->cols, t->ncols + 1,
						   sizeof(char *));
				t->cols[t->ncols++] = xstrdup(tok);
			}
			continue;
		}
		t->rows = xrealloc(t->rows, t->nrows + 1, sizeof(char **));
		t->rows[t->nrows] = xcalloc(t->ncols, sizeof(char *));
		c = 0;
		if (prefix)
			t->rows[t->nrows][c++] = xstrdup(prefix);
		tok = strtok_r(line, " ", &save);
		for (; tok && c < t->ncols; c++) {
			/* the last column keeps the rest of the line */
			if (c == t->ncols - 1 && save && *save)
				t->rows[t->nrows][c] =
					xasprintf("%s %s", tok, save);
			else
				t->rows[t->nrows][c] = xstrdup(tok);
			tok = strtok_r(NULL, " ", &save);
		}
		for (; c < t->ncols; c++)
			t->rows[t->nrows][c] = xstrdup("");
		t->nrows++;
	}
	free(line);
	fclose(f);
}

static bool is_number(const char *s)
{
	if (*s == '-')
		s++;
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* Rows whose numbers (past the first @keep columns) are all 0 go. */
static void table_drop_idle(struct table *t, int keep)
{
	int r, c, out = 0;

	for (r = 0; r < t->nrows; r++) {
		bool idle = true;

		for (c = keep; c < t->ncols; c++)
			if (strcmp(t->rows[r][c], "0"))
				idle = false;
		if (idle) {
			for (c = 0; c < t->ncols; c++)
				free(t->rows[r][c]);
			free(t->rows[r]);
		} else {
			t->rows[out++] = t->rows[r];
		}
	}
	t->nrows = out;
}

static void table_print(const struct table *t, int max_rows)
{
	int *w = xcalloc(t->ncols, sizeof(int));
	int r, c, n;

	for (c = 0; c < t->ncols; c++) {
		w[c] = strlen(t->cols[c]);
		for (r = 0; r < t->nrows; r++) {
			n = strlen(t->rows[r][c]);
			if (n > w[c])
				w[c] = n;
		}
	}
	for (c = 0; c < t->ncols; c++)
		printf("%s%*s", c ? "  " : "", w[c], t->cols[c]);
	putchar('\n');
	for (r = 0; r < t->nrows && (max_rows < 0 || r < max_rows); r++) {
		for (c = 0; c < t->ncols; c++)
			printf("%s%*s", c ? "  " : "", w[c], t->rows[r][c]);
		putchar('\n');
	}
	if (!t->nrows)
		printf("(none)\n");
	free(w);
}

static void table_json(const struct table *t)
{
	struct sbuf b = {};
	int r, c;

	printf("[");
	for (r = 0; r < t->nrows; r++) {
		printf("%s{", r ? ", " : "");
		for (c = 0; c < t->ncols; c++) {
			printf("%s\"%s\": ", c ? ", " : "", t->cols[c]);
			if (is_number(t->rows[r][c])) {
				printf("%s", t->rows[r][c]);
			} else {
				sb_quote(&b, t->rows[r][c], true);
				printf("%s", b.p);
				b.len = 0;
			}
		}
		printf("}");
	}
	printf("]");
	free(b.p);
}

static const char *const sections[] = {
	"heaps", "classes", "arenas", "bytes", "gc", "gc_pauses", "types",
	"lru", "lru_keys",
};

static bool per_heap_only(const char *sec)
{
	return !strcmp(sec, "lru") || !strcmp(sec, "lru_keys") ||
	       !strcmp(sec, "types");
}

static int heap_ids(long long **ids)
{
	DIR *d = opendir(dbg_path);
	struct dirent *de;
	int n = 0;

	if (!d)
		dbg_error(dbg_path);
	*ids = NULL;
	while ((de = readdir(d))) {
		if (!is_number(de->d_name))
			continue;
		*ids = xrealloc(*ids, n + 1, sizeof(**ids));
		(*ids)[n++] = atoll(de->d_name);
	}
	closedir(d);
	return n;
}

/* One section, for every heap (@heap < 0) or one. */
static void section_load(struct table *t, const char *sec, long long heap)
{
	char path[512], id[32];
	long long *ids;
	int i, n;

	memset(t, 0, sizeof(*t));
	if (heap >= 0) {
		snprintf(path, sizeof(path), "%s/%lld/%s", dbg_path, heap, sec);
		snprintf(id, sizeof(id), "%lld", heap);
		table_read(t, path, per_heap_only(sec) ? id : NULL);
		if (!strcmp(sec, "classes"))
			table_drop_idle(t, 2);
		return;
	}
	if (!per_heap_only(sec)) {
		snprintf(path, sizeof(path), "%s/%s", dbg_path, sec);
		table_read(t, path, NULL);
		if (!strcmp(sec, "classes"))
			table_drop_idle(t, 2);
		return;
	}
	n = heap_ids(&ids);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%lld/%s", dbg_path, ids[i],
			 sec);
		snprintf(id, sizeof(id), "%lld", ids[i]);
		table_read(t, path, id);
	}
	free(ids);
	if (!t->ncols) {
		/* no heap open: still name the columns */
		t->cols = xcalloc(1, sizeof(char *));
		t->cols[0] = xstrdup("heap");
		t->ncols = 1;
		snprintf(t->title, sizeof(t->title), "pyheap_%s", sec);
	}
}

static void print_help(FILE *out)
{
	fputs("usage: pyheapctl [-j] [-D DEVICE] [-B DEBUGFS] COMMAND ...\n"
	      "\n"
	      "  shell [FILE]              a heap and a Python-like language;\n"
	      "                            FILE (- for stdin) runs as a script\n"
	      "  graph [--why NAME] [FILE] run FILE, then draw the heap (dot);\n"
	      "                            --why: the chain from a name to NAME\n"
	      "  stats [-H HEAP] [SECTION...]\n"
	      "                            debugfs tables (root); sections: heaps,\n"
	      "                            classes, arenas, bytes, gc, gc_pauses,\n"
	      "                            types, lru, lru_keys\n"
	      "  top [-d SECS] [-n COUNT] [-s COLUMN]\n"
	      "                            heaps and classes, refreshing (q quits)\n"
	      "\n"
	      "  -j, --json                machine-readable output\n"
	      "  -D, --device PATH         the device (default /dev/pyheap)\n"
	      "  -B, --debugfs DIR         default /sys/kernel/debug/pyheap\n"
	      "  -h, --help                this text\n"
	      "  -V, --version             the ABI it was built for\n"
	      "\n"
	      "Exit status: 0 success, 1 failure, 2 usage.  See pyheapctl(8).\n",
	      out);
}

static void bad_usage(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vexit(EXIT_USAGE, "\nTry 'pyheapctl --help'.\n", fmt, ap);
	va_end(ap);
}

static long long parse_num(const char *s, const char *what, long long min,
			   long long max)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || end == s || v < min || v > max)
		bad_usage("%s: '%s' is not a number in %lld..%lld", what, s,
			  min, max);
	return v;
}

static int cmd_stats(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "heap", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	static const char *const defaults[] = {
		"heaps", "classes", "arenas", "gc", "lru",
	};
	const char *const *want = defaults;
	long long heap = -1;
	int nwant = 5, i, c;
	size_t s;

	while ((c = getopt_long(argc, argv, "+H:h", opts, NULL)) != -1) {
		switch (c) {
		case 'H':
			heap = parse_num(optarg, "--heap", 0, LLONG_MAX);
			break;
		case 'h':
			print_help(stdout);
			return 0;
		default:
			bad_usage("stats: unknown option");
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		want = (const char *const *)argv + optind;
		nwant = argc - optind;
	}
	for (i = 0; i < nwant; i++) {
		for (s = 0; s < ARRAY_SIZE(sections); s++)
			if (!strcmp(want[i], sections[s]))
				break;
		if (s == ARRAY_SIZE(sections))
			bad_usage("stats: no section '%s' (see --help)",
				  want[i]);
	}
	if (json)
		printf("{");
	for (i = 0; i < nwant; i++) {
		struct table t;

		section_load(&t, want[i], heap);
		if (json) {
			printf("%s\"%s\": ", i ? ", " : "", want[i]);
			table_json(&t);
		} else {
			printf("%s%s\n", i ? "\n" : "", t.title);
			table_print(&t, -1);
		}
		table_free(&t);
	}
	if (json)
		printf("}\n");
	return 0;
}

static int column(const struct table *t, const char *name)
{
	int c;

	for (c = 0; c < t->ncols; c++)
		if (!strcmp(t->cols[c], name))
			return c;
	return -1;
}

static const char *sort_col;

static int rows_by_col(const void *a, const void *b, void *arg)
{
	const int c = *(int *)arg;
	const char *const *ra = *(const char *const *const *)a;
	const char *const *rb = *(const char *const *const *)b;
	unsigned long long x = strtoull(ra[c], NULL, 10);
	unsigned long long y = strtoull(rb[c], NULL, 10);

	return x < y ? 1 : x > y ? -1 : 0;
}

static void top_once(void)
{
	struct table heaps, classes, gc;
	unsigned long long tot[4] = {};
	int c, r, s;
	time_t now = time(NULL);

	section_load(&heaps, "heaps", -1);
	section_load(&classes, "classes", -1);
	section_load(&gc, "gc", -1);
	for (r = 0; r < heaps.nrows; r++)
		for (c = 0; c < 4; c++) {
			static const char *const cols[] = {
				"objects", "bytes", "handles", "ioctls",
			};
			int k = column(&heaps, cols[c]);

			if (k >= 0)
				tot[c] += strtoull(heaps.rows[r][k], NULL, 10);
		}
	printf(" pyheapctl top - %s", ctime(&now));
	printf(" Heaps: %d   Objects: %llu   Bytes: %llu", heaps.nrows, tot[0],
	       tot[1]);
	printf("   Handles: %llu   Ioctls: %llu\n\n", tot[2], tot[3]);
	s = column(&heaps, sort_col);
	if (s < 0)
		s = column(&heaps, "objects");
	if (s >= 0)
		qsort_r(heaps.rows, heaps.nrows, sizeof(char **), rows_by_col,
			&s);
	table_print(&heaps, 10);
	s = column(&classes, "blocks_inuse");
	if (s >= 0)
		qsort_r(classes.rows, classes.nrows, sizeof(char **),
			rows_by_col, &s);
	printf("\n");
	table_print(&classes, 10);
	printf("\n");
	table_drop_idle(&gc, 3);
	table_print(&gc, 9);
	table_free(&heaps);
	table_free(&classes);
	table_free(&gc);
	fflush(stdout);
}

/* set from a signal handler: lock-free, so async-signal-safe */
static atomic_bool top_stop;

static void top_signal(int sig)
{
	atomic_store(&top_stop, true);
}

static int cmd_top(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = top_signal };
	static const struct option opts[] = {
		{ "delay", required_argument, NULL, 'd' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "sort", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	long long delay = 3, count = -1, i;
	struct termios old, raw;
	bool tty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
	int c;

	sort_col = "objects";
	while ((c = getopt_long(argc, argv, "+d:n:s:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			delay = parse_num(optarg, "--delay", 1, 3600);
			break;
		case 'n':
			count = parse_num(optarg, "--iterations", 1, LLONG_MAX);
			break;
		case 's':
			sort_col = optarg;
			break;
		case 'h':
			print_help(stdout);
			exit(0);
		default:
			bad_usage("top: unknown option");
		}
	}
	if (optind < argc)
		bad_usage("top: unexpected argument '%s'", argv[optind]);
	if (json)
		bad_usage("top: no JSON; use 'pyheapctl -j stats'");
	/* no SA_RESTART: ^C ends the wait, and the terminal is restored */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (tty) {
		tcgetattr(STDIN_FILENO, &old);
		raw = old;
		raw.c_lflag &= ~(ICANON | ECHO);
		tcsetattr(STDIN_FILENO, TCSANOW, &raw);
	}
	for (i = 0; !atomic_load(&top_stop) && (count < 0 || i < count); i++) {
		struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
		char key = 0;

		if (tty)
			printf("\033[H\033[2J");
		else if (i)
			printf("\n");
		top_once();
		if (count >= 0 && i + 1 == count)
			break;
		if (tty && poll(&p, 1, delay * 1000) > 0 &&
		    read(STDIN_FILENO, &key, 1) == 1 && tolower(key) == 'q')
			break;
		if (!tty && !atomic_load(&top_stop))
			sleep(delay);
	}
	if (tty)
		tcsetattr(STDIN_FILENO, TCSANOW, &old);
	return 0;
}

static FILE *open_script(const char *file, bool *interactive)
{
	FILE *in;

	*interactive = false;
	if (!file || !strcmp(file, "-")) {
		*interactive = !file && isatty(STDIN_FILENO);
		return stdin;
	}
	in = fopen(file, "r");
	if (!in)
		die("%s: %s", file, strerror(errno));
	return in;
}

static int cmd_shell(int argc, char **argv)
{
	struct shell sh;
	FILE *in;
	int ret;

	if (argc > 2)
		bad_usage("shell: one script at most");
	shell_init(&sh);
	in = open_script(argc == 2 ? argv[1] : NULL, &sh.interactive);
	if (sh.interactive) {
		struct pyheap_version v = {};

		px(sh.fd, PYHEAP_IOC_VERSION, &v, sizeof(v));
		printf("pyheap heap %llu (ABI %u.%u).  %s\n",
		       (unsigned long long)v.out_heap_id, v.out_abi_major,
		       v.out_abi_minor, "help() lists commands; ^D leaves.");
	}
	ret = run_script(&sh, in, argc == 2 ? argv[1] : "<stdin>");
	if (in != stdin)
		fclose(in);
	shell_fini(&sh);
	return ret;
}

static int cmd_graph(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "why", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *why = NULL, *file;
	struct binding *b;
	struct shell sh;
	FILE *in;
	int c, ret;

	while ((c = getopt_long(argc, argv, "+w:h", opts, NULL)) != -1) {
		switch (c) {
		case 'w':
			why = optarg;
			break;
		case 'h':
			print_help(stdout);
			return 0;
		default:
			bad_usage("graph: unknown option");
			return EXIT_USAGE;
		}
	}
	if (argc - optind > 1)
		bad_usage("graph: one script at most");
	file = optind < argc ? argv[optind] : "-";
	if (!strcmp(file, "-") && isatty(STDIN_FILENO))
		bad_usage("graph: name a script (- for stdin)");
	shell_init(&sh);
	sh.quiet = true;
	in = open_script(file, &sh.interactive);
	ret = run_script(&sh, in, file);
	if (in != stdin)
		fclose(in);
	if (!ret && why) {
		b = lookup(&sh, why);
		if (!b || b->v.kind != V_OBJ) {
			fprintf(stderr, "pyheapctl: --why %s: %s %s\n", why,
				"no object has that name at the end of", file);
			ret = 1;
		} else if (graph_cmd(&sh, &b->v)) {
			fprintf(stderr, "pyheapctl: %s\n", sh.err);
			ret = 1;
		}
	} else if (!ret && graph_cmd(&sh, NULL)) {
		fprintf(stderr, "pyheapctl: %s\n", sh.err);
		ret = 1;
	}
	shell_fini(&sh);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "device", required_argument, NULL, 'D' },
		{ "debugfs", required_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{}
	};
	const char *cmd;
	int c;

	while ((c = getopt_long(argc, argv, "+jD:B:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'D':
			dev_path = optarg;
			break;
		case 'B':
			dbg_path = optarg;
			break;
		case 'h':
			print_help(stdout);
			return 0;
		case 'V':
			printf("pyheapctl for pyheap ABI %d.%d\n",
			       PYHEAP_ABI_MAJOR, PYHEAP_ABI_MINOR);
			return 0;
		default:
			fputs("Try 'pyheapctl --help'.\n", stderr);
			return EXIT_USAGE;
		}
	}
	if (optind == argc)
		bad_usage("no command: shell, graph, stats or top");
	cmd = argv[optind];
	argc -= optind;
	argv += optind;
	optind = 1;
	if (!strcmp(cmd, "shell"))
		return cmd_shell(argc, argv);
	if (!strcmp(cmd, "graph"))
		return cmd_graph(argc, argv);
	if (!strcmp(cmd, "stats"))
		return cmd_stats(argc, argv);
	if (!strcmp(cmd, "top"))
		return cmd_top(argc, argv);
	bad_usage("unknown command '%s' (shell, graph, stats or top)", cmd);
	return EXIT_USAGE;
}
