// SPDX-License-Identifier: GPL-2.0
/*
 * shell.c - the shell command: a session, its prompt and its scripts
 *
 * A session is one heap (one open file of /dev/pyheap) and the names the
 * statements bind in it.  Lines come from a script, from stdin, or from
 * a prompt (with GNU readline, where it was found at build time).  The
 * finalizer events the heap sends are printed after each line.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef HAVE_READLINE
#include <readline/history.h>
#include <readline/readline.h>
#endif

#include "shell.h"

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

/* A new session with a heap of its own, and no names yet. */
void shell_init(struct shell *sh)
{
	memset(sh, 0, sizeof(*sh));
	sh->fd = heap_open();
	sh->vbuf = xcalloc(PYHEAP_LRU_MAX_VALUE_SIZE, 1);
}

/* Drop every name, then the heap: closing the device frees what is left. */
void shell_fini(struct shell *sh)
{
	while (sh->nvars)
		name_unbind(sh, sh->vars[0].name);
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
int run_script(struct shell *sh, FILE *in, const char *file)
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

/* The script @file (stdin for none or "-"); a prompt only on a terminal. */
FILE *open_script(const char *file, bool *interactive)
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

/* pyheapctl shell [FILE]: a prompt on a terminal, else a script. */
int do_shell(int argc, char **argv)
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
