// SPDX-License-Identifier: GPL-2.0
/*
 * lexer.c - the shell's tokens
 *
 * lex() reads the next token of a line: a name, an integer, a quoted
 * string or one of the operators = [ ] ( ) , and .  A '#' starts a
 * comment that runs to the end of the line.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "shell.h"

/* Read the next token of the line into @lx; T_END at its end or at a '#'. */
int lex(struct shell *sh, struct lexer *lx)
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

/* Whether the current token is the operator @op. */
bool is_op(const struct lexer *lx, char op)
{
	return lx->t == T_OP && lx->op == op;
}

/* Step over the operator @op, which must come next. */
int expect(struct shell *sh, struct lexer *lx, char op)
{
	if (!is_op(lx, op))
		return serr(sh, "SyntaxError: expected '%c'", op);
	return lex(sh, lx);
}
