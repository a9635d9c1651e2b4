/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pyheapctl.h - what every part of pyheapctl shares
 *
 * pyheapctl is laid out like the kernel's bpftool: main.c parses the
 * global options and hands the rest of the command line to one do_*()
 * function from its command table, and each command lives in its own
 * file.  This header holds the little that they all use: the options,
 * the one way out with a message, memory and string helpers, and the
 * wrappers around the ioctls of /dev/pyheap.  The shell's own types are
 * in shell.h.
 */
#ifndef PYHEAPCTL_H
#define PYHEAPCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <linux/pyheap.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* The exit status for a command line pyheapctl cannot make sense of. */
#define EXIT_USAGE	2

/* The global options, set by main() before any command runs. */
extern const char *dev_path;	/* -D: the device, /dev/pyheap */
extern const char *dbg_path;	/* -B: the debugfs directory */
extern bool json;		/* -j: JSON output instead of text */

/*
 * One entry of the command table: a command's name and the function that
 * runs it.  The function gets the command line from the command's name
 * on (argv[0] is the name) and returns the exit status.
 */
struct cmd {
	const char *name;
	int (*func)(int argc, char **argv);
};

/* The commands, one file each. */
int do_shell(int argc, char **argv);	/* shell.c */
int do_graph(int argc, char **argv);	/* graph.c */
int do_stats(int argc, char **argv);	/* stats.c */
int do_top(int argc, char **argv);	/* top.c */

/*
 * main.c: usage, and the messages.  Every message goes to stderr as
 * "pyheapctl: <message>".  die() then exits with status 1, and
 * bad_usage() with EXIT_USAGE after pointing at --help.
 */
void print_help(FILE *out);
void p_err(const char *fmt, ...);
void die(const char *fmt, ...);
void bad_usage(const char *fmt, ...);
long long parse_num(const char *s, const char *what, long long min,
		    long long max);

/* util.c: allocation that cannot fail (it dies instead), and strings. */
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...);
bool is_number(const char *s);

/* A growing string, for reprs and JSON. */
struct sbuf {
	char *p;
	size_t len, cap;
};

void sb_add(struct sbuf *b, const char *fmt, ...);
char *sb_take(struct sbuf *b);
void sb_quote(struct sbuf *b, const char *s, bool as_json);

/* device.c: the heap device and the ioctls every command needs. */
int heap_open(void);
int px(int fd, unsigned long cmd, void *arg, __u32 size);
void handle_close(int fd, __u32 h);
__u32 handle_dup(int fd, __u32 h);
int obj_info(int fd, __u32 h, struct pyheap_gc_obj_info *info);

/*
 * stats.c: a debugfs table, as stats prints it and top sorts it.  Every
 * cell is a string; @cols are the column names.
 */
struct table {
	char title[64];
	int ncols, nrows;
	char **cols;
	char ***rows;
};

void section_load(struct table *t, const char *sec, long long heap);
void table_drop_idle(struct table *t, int keep);
void table_print(const struct table *t, int max_rows);
void table_free(struct table *t);

#endif /* PYHEAPCTL_H */
