// SPDX-License-Identifier: GPL-2.0
/*
 * util.c - memory and string helpers for all of pyheapctl
 *
 * The x*() allocators never return NULL: when memory runs out there is
 * nothing useful left to do, so they end the program with a message.  An
 * sbuf is a string that grows as text is added to it; the shell builds
 * its reprs and JSON in them, and stats quotes its cells with them.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "pyheapctl.h"

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p)
		die("out of memory");
	return p;
}

void *xrealloc(void *p, size_t n, size_t size)
{
	p = reallocarray(p, n ? n : 1, size);
	if (!p)
		die("out of memory");
	return p;
}

char *xstrdup(const char *s)
{
	char *d = strdup(s);

	if (!d)
		die("out of memory");
	return d;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		die("out of memory");
	va_end(ap);
	return s;
}

void sb_add(struct sbuf *b, const char *fmt, ...)
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

/* The string built so far, which the caller now owns; @b starts again empty. */
char *sb_take(struct sbuf *b)
{
	char *p = b->p ? b->p : xstrdup("");

	memset(b, 0, sizeof(*b));
	return p;
}

/* s quoted as Python's repr() (json false) or as a JSON string. */
void sb_quote(struct sbuf *b, const char *s, bool as_json)
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

/* Whether @s is a decimal integer, as a JSON number may be printed bare. */
bool is_number(const char *s)
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
