// SPDX-License-Identifier: GPL-2.0
/*
 * stats.c - the stats command: the debugfs tables, as text or JSON
 *
 * The module shows its state under /sys/kernel/debug/pyheap, one table
 * per file, both for all heaps and for each heap in a directory named by
 * its id.  This file reads those tables, merges the per-heap ones, and
 * prints them aligned or as JSON.  top.c uses the same tables.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pyheapctl.h"

/* Free every cell of @t and leave it empty. */
void table_free(struct table *t)
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

/* Rows whose numbers (past the first @keep columns) are all 0 go. */
void table_drop_idle(struct table *t, int keep)
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

/* Print @t with its columns right-aligned: all rows, or at most @max_rows. */
void table_print(const struct table *t, int max_rows)
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
	"heaps", "classes", "arenas", "bytes", "gc", "gc_pauses", "gc_slices",
	"types", "lru", "lru_keys", "shrinker", "garbage",
};

static bool per_heap_only(const char *sec)
{
	return !strcmp(sec, "lru") || !strcmp(sec, "lru_keys") ||
	       !strcmp(sec, "types") || !strcmp(sec, "garbage");
}

/* Keep the rows of @t whose first column is @heap. */
static void table_keep_heap(struct table *t, long long heap)
{
	int r, c, out = 0;

	for (r = 0; r < t->nrows; r++) {
		if (atoll(t->rows[r][0]) == heap) {
			t->rows[out++] = t->rows[r];
			continue;
		}
		for (c = 0; c < t->ncols; c++)
			free(t->rows[r][c]);
		free(t->rows[r]);
	}
	t->nrows = out;
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
void section_load(struct table *t, const char *sec, long long heap)
{
	char path[512], id[32];
	long long *ids;
	int i, n;

	memset(t, 0, sizeof(*t));
	if (heap >= 0 && !strcmp(sec, "heaps")) {
		/* one table for all heaps: that heap's row */
		snprintf(path, sizeof(path), "%s/%lld/types", dbg_path, heap);
		if (access(path, F_OK))
			dbg_error(path);
		snprintf(path, sizeof(path), "%s/heaps", dbg_path);
		table_read(t, path, NULL);
		table_keep_heap(t, heap);
		return;
	}
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

/*
 * pyheapctl stats [-H HEAP] [SECTION...]: the default sections, or these;
 * with -H, of one heap, whichever process owns it.
 */
int do_stats(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "heap", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	static const char *const defaults[] = {
		"heaps", "classes", "arenas", "gc", "lru", "shrinker",
	};
	/* one heap's: its row of heaps, and the tables only it has */
	static const char *const heap_defaults[] = {
		"heaps", "classes", "arenas", "gc", "types", "lru", "shrinker",
	};
	const char *const *want = defaults;
	long long heap = -1;
	int nwant = ARRAY_SIZE(defaults), i, c;
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
	if (heap >= 0) {
		want = heap_defaults;
		nwant = ARRAY_SIZE(heap_defaults);
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
