// SPDX-License-Identifier: GPL-2.0
/*
 * top.c - the top command: heaps and classes, refreshing
 *
 * Like slabtop: the totals, then the busiest heaps, size classes and
 * collector generations, read from debugfs and drawn again every few
 * seconds until q, ^C or the last of --iterations.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "pyheapctl.h"

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

/* pyheapctl top [-d SECS] [-n COUNT] [-s COLUMN]: redraw until told to stop. */
int do_top(int argc, char **argv)
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
