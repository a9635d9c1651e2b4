// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - pyheapctl's entry point: options, commands, usage, messages
 *
 *   pyheapctl [-j] shell [FILE]        a heap and a small Python-like language
 *   pyheapctl [-j] graph [--why NAME | --cycles] [FILE]
 *                                      run FILE, then draw the heap (dot)
 *   pyheapctl [-j] graph -H HEAP [--cycles]
 *                                      draw any heap, from debugfs
 *   pyheapctl [-j] stats [-H HEAP] [SECTION...]
 *                                      the debugfs tables, readable or JSON
 *   pyheapctl top [-d SECS] [-n COUNT] [-s COLUMN]
 *                                      a refreshing view, as slabtop
 *
 * Exit status: 0 success, 1 failure, 2 usage.  See pyheapctl(8).
 *
 * Every heap is one open file of /dev/pyheap, so shell and graph work on
 * the heap they create; stats, top and graph -H read any heap through
 * debugfs.
 *
 * main() parses the global options and looks the command up in cmds[],
 * the command table; each command is a do_*() function in a file of its
 * own.  Every message pyheapctl prints about a failure goes out through
 * one function here, vp_err(), so they all look alike.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "pyheapctl.h"

const char *dev_path = "/dev/pyheap";
const char *dbg_path = "/sys/kernel/debug/pyheap";
bool json;

/* The commands, in the order usage messages list them. */
static const struct cmd cmds[] = {
	{ "shell", do_shell },
	{ "graph", do_graph },
	{ "stats", do_stats },
	{ "top", do_top },
};

/* "pyheapctl: <message><tail>" on stderr. */
static void vp_err(const char *tail, const char *fmt, va_list ap)
{
	fputs("pyheapctl: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputs(tail, stderr);
}

/* A message about a failure the caller goes on from, with a newline. */
void p_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vp_err("\n", fmt, ap);
	va_end(ap);
}

/* A message about a failure, then exit status 1. */
void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vp_err("\n", fmt, ap);
	va_end(ap);
	exit(1);
}

/* A message about a command line that makes no sense, then EXIT_USAGE. */
void bad_usage(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vp_err("\nTry 'pyheapctl --help'.\n", fmt, ap);
	va_end(ap);
	exit(EXIT_USAGE);
}

void print_help(FILE *out)
{
	fputs("usage: pyheapctl [-j] [-D DEVICE] [-B DEBUGFS] COMMAND ...\n"
	      "\n"
	      "  shell [FILE]              a heap and a Python-like language;\n"
	      "                            FILE (- for stdin) runs as a script\n"
	      "  graph [--why NAME | --cycles] [FILE]\n"
	      "                            run FILE, then draw the heap (dot);\n"
	      "                            --why: the chain from a name to NAME;\n"
	      "                            --cycles: the cycles of gc.garbage\n"
	      "  graph -H HEAP [--cycles]  the same of any heap, from debugfs (root)\n"
	      "  stats [-H HEAP] [SECTION...]\n"
	      "                            debugfs tables (root); sections: heaps,\n"
	      "                            classes, arenas, bytes, gc, gc_pauses,\n"
	      "                            gc_slices, types, lru, lru_keys,\n"
	      "                            shrinker, garbage\n"
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

long long parse_num(const char *s, const char *what, long long min,
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

/* The commands' names for a message: "shell, graph, stats or top". */
static const char *cmd_names(char *buf, size_t size)
{
	size_t i, len = 0;

	for (i = 0; i < ARRAY_SIZE(cmds) && len < size; i++)
		len += snprintf(buf + len, size - len, "%s%s",
				!i ? "" : i + 1 < ARRAY_SIZE(cmds) ? ", " :
				" or ", cmds[i].name);
	return buf;
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
	const char *name;
	char names[128];
	size_t i;
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
		bad_usage("no command: %s", cmd_names(names, sizeof(names)));
	name = argv[optind];
	argc -= optind;
	argv += optind;
	optind = 1;	/* the command parses its own options from argv[1] */
	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		if (!strcmp(name, cmds[i].name))
			return cmds[i].func(argc, argv);
	bad_usage("unknown command '%s' (%s)", name,
		  cmd_names(names, sizeof(names)));
	return EXIT_USAGE;
}
