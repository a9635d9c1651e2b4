// SPDX-License-Identifier: GPL-2.0
/*
 * graph.c - the graph command, and graph() and why() in the shell
 *
 * The graph is every object reachable from a name of the shell or from
 * gc.garbage, with an edge for each reference.  It is printed for
 * Graphviz (dot), or as JSON, with the live objects on a cycle found by
 * Tarjan's algorithm, and the garbage coloured by the cycle the kernel
 * says it is on (GC_GARBAGE's groups).  why() prints instead the shortest
 * chain of references that keeps one object alive, which the kernel finds
 * (GC_WHY), and cycles() the cycles of gc.garbage, one line each.
 *
 * With -H HEAP the graph is another heap's, read from its debugfs dumps
 * (objects, garbage and types under <debugfs>/HEAP/) instead of through
 * handles: every object of the heap, in id order, without names.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shell.h"

/* The most objects one graph draws; a bigger heap is cut off there. */
#define MAX_NODES	100000

struct gnode {
	__u64 id;
	__u32 h;		/* a handle of ours, closed at the end */
	__u32 refcnt, gen, tracked;
	char type[16];
	const char *name;	/* the first name bound to it, or NULL */
	bool garbage;
	bool cyclic;
	__u32 group;		/* its cycle in gc.garbage, or 0 */
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
	__u32 ncycles;		/* cycles in gc.garbage */
	int *first;		/* each cycle's first node, by its number */
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
 * The cycle of each entry of gc.garbage, numbered by the kernel over the
 * whole list in one call (groups only, no handles); NULL if the module
 * predates ABI 1.5.  *@n: the entries numbered, *@ncycles: the cycles.
 */
static __u32 *garbage_groups(struct shell *sh, __u32 *n, __u32 *ncycles)
{
	struct pyheap_gc_state st = {};
	struct pyheap_gc_garbage q = { .flags = PYHEAP_GC_GARBAGE_LIST };
	__u32 *groups;

	*n = *ncycles = 0;
	if (px(sh->fd, PYHEAP_IOC_GC_GET, &st, sizeof(st)) || !st.out_garbage)
		return NULL;
	groups = xcalloc(st.out_garbage, sizeof(*groups));
	q.max = st.out_garbage;
	q.groups = (uintptr_t)groups;
	if (px(sh->fd, PYHEAP_IOC_GC_GARBAGE, &q, sizeof(q))) {
		free(groups);
		return NULL;
	}
	*n = q.out_count;
	*ncycles = q.out_cycles;
	return groups;
}

/* Every object of gc.garbage, a page of handles at a time, and its cycle. */
static void graph_add_garbage(struct shell *sh, struct graph *g, __u32 *hs)
{
	struct pyheap_gc_garbage q = { .flags = PYHEAP_GC_GARBAGE_LIST };
	__u32 n, *groups = garbage_groups(sh, &n, &g->ncycles), j;
	int i;

	g->first = xcalloc(g->ncycles + 1, sizeof(*g->first));
	for (q.offset = 0; !g->truncated; q.offset += q.out_count) {
		q.max = PYHEAP_GC_REFS_MAX;
		q.handles = (uintptr_t)hs;
		q.out_count = 0;
		q.out_total = 0;
		if (px(sh->fd, PYHEAP_IOC_GC_GARBAGE, &q, sizeof(q)) ||
		    !q.out_count)
			break;
		for (j = 0; j < q.out_count; j++) {
			i = graph_add(sh, g, hs[j]);
			if (i < 0)
				continue;
			g->node[i].garbage = true;
			if (groups && q.offset + j < n &&
			    !g->node[i].group) {
				g->node[i].group = groups[q.offset + j];
				if (!g->first[g->node[i].group])
					g->first[g->node[i].group] = i + 1;
			}
		}
	}
	free(groups);
}

/*
 * Walk breadth first from every name and every object in gc.garbage,
 * over slots (objects) and referents (other types).  A node's edges are
 * added together, while it is the one being walked, so they lie in one
 * run of g->edge.
 */
static void graph_build(struct shell *sh, struct graph *g)
{
	__u32 *hs = xcalloc(PYHEAP_GC_REFS_MAX, sizeof(*hs));
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
	graph_add_garbage(sh, g, hs);
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
 * Another heap's graph, from the dumps of <debugfs>/HEAP/.  Each file
 * starts "<name> - version: 1.<minor>"; a major version other than 1 is
 * refused.
 */
static FILE *dump_open(long long heap, const char *name, const char *title)
{
	char path[512], want[64], *line = NULL;
	size_t cap = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%lld/%s", dbg_path, heap, name);
	f = fopen(path, "r");
	if (!f) {
		if (errno == ENOENT)
			die("%s: no heap %lld, or no module or no debugfs",
			    path, heap);
		if (errno == EACCES || errno == EPERM)
			die("%s: permission denied: %s", path,
			    "debugfs is root-only; run as root");
		die("%s: %s", path, strerror(errno));
	}
	snprintf(want, sizeof(want), "%s - version: 1.", title);
	if (getline(&line, &cap, f) <= 0 || strncmp(line, want, strlen(want)))
		die("%s: not a version 1 %s file", path, title);
	free(line);
	return f;
}

/* Type names by id, from <heap>/types; "type<N>" for one not listed. */
static void dump_types(long long heap, char names[][16], int n)
{
	FILE *f = dump_open(heap, "types", "pyheap_types");
	char *line = NULL, name[64];
	size_t cap = 0;
	int i, id;

	for (i = 0; i < n; i++)
		snprintf(names[i], 16, "type%d", i);
	while (getline(&line, &cap, f) > 0)
		if (line[0] != '#' &&
		    sscanf(line, "%d %*u %*u %63s", &id, name) == 2 &&
		    id >= 0 && id < n)
			snprintf(names[id], 16, "%.15s", name);
	free(line);
	fclose(f);
}

/* A node for a row of objects, or -1 when the graph is full. */
static int dump_node(struct graph *g, __u64 id, const char *type,
		     const unsigned int *f)
{
	struct gnode *nd;
	int i;

	if (g->n == MAX_NODES) {
		g->truncated = true;
		return -1;
	}
	if (g->n == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 64;
		g->node = xrealloc(g->node, g->cap, sizeof(*g->node));
	}
	nd = &g->node[g->n];
	memset(nd, 0, sizeof(*nd));
	nd->id = id;
	nd->refcnt = f[2];
	nd->gen = f[3];
	nd->tracked = f[3] != 4;	/* PYHEAP_GEN_UNTRACKED */
	snprintf(nd->type, sizeof(nd->type), "%.15s", type);
	g->n++;
	if (g->n * 2 > g->hcap) {
		graph_rehash(g);
	} else {
		i = id & (g->hcap - 1);
		while (g->hash[i])
			i = (i + 1) & (g->hcap - 1);
		g->hash[i] = g->n;
	}
	return g->n - 1;
}

/* An edge named by ids until every node is in: (from, to id, slot). */
struct dump_edge {
	int from, slot;
	__u64 to;
};

/*
 * <heap>/objects: "id type size refcnt gen nrefs first" and then
 * "slot:id" per reference (slot "-" for a type without slots).  An
 * object's references may take several rows, one after the other.
 */
static void dump_objects(struct graph *g, long long heap)
{
	char types[16][16], *line = NULL, *p;
	FILE *f = dump_open(heap, "objects", "pyheap_objects");
	struct dump_edge *de = NULL;
	size_t cap = 0, nde = 0, dcap = 0, k;
	unsigned int v[6];
	__u64 id, last = 0;
	int cur = -1, slot, i;

	dump_types(heap, types, 16);
	while (getline(&line, &cap, f) > 0) {
		if (line[0] == '#')
			continue;
		id = strtoull(line, &p, 10);
		for (i = 0; i < 6; i++)
			v[i] = strtoul(p, &p, 10);
		if (cur < 0 || id != last) {
			/* PYHEAP_MAX_TYPES in the kernel: 16 */
			cur = dump_node(g, id, v[0] < 16 ? types[v[0]] : "?",
					v);
			last = id;
		}
		while (cur >= 0 && *p == ' ') {
			p++;
			slot = *p == '-' ? -1 : (int)strtol(p, NULL, 10);
			p = strchr(p, ':');
			if (!p)
				break;
			if (nde == dcap) {
				dcap = dcap ? 2 * dcap : 256;
				de = xrealloc(de, dcap, sizeof(*de));
			}
			de[nde].from = cur;
			de[nde].slot = slot;
			de[nde].to = strtoull(p + 1, &p, 10);
			nde++;
		}
	}
	free(line);
	fclose(f);
	/* the rows come in id order: each node's edges are one run */
	for (k = 0; k < nde; k++) {
		if (!k || de[k].from != de[k - 1].from)
			g->node[de[k].from].edges = g->ne;
		i = graph_find(g, de[k].to);
		if (i >= 0)
			graph_edge(g, de[k].from, i, de[k].slot);
	}
	free(de);
}

/* <heap>/garbage: "index id group", gc.garbage in order. */
static void dump_garbage(struct graph *g, long long heap)
{
	FILE *f = dump_open(heap, "garbage", "pyheap_garbage");
	unsigned long long index, id;
	char *line = NULL;
	size_t cap = 0;
	unsigned int group;
	int i;

	while (getline(&line, &cap, f) > 0) {
		if (line[0] == '#' ||
		    sscanf(line, "%llu %llu %u", &index, &id, &group) != 3)
			continue;
		i = graph_find(g, id);
		if (i < 0)
			continue;
		g->node[i].garbage = true;
		if (group > g->ncycles) {
			g->first = xrealloc(g->first, group + 1,
					    sizeof(*g->first));
			memset(g->first + g->ncycles + 1, 0,
			       (group - g->ncycles) * sizeof(*g->first));
			g->ncycles = group;
		}
		if (group && !g->node[i].group) {
			g->node[i].group = group;
			if (!g->first[group])
				g->first[group] = i + 1;
		}
	}
	free(line);
	fclose(f);
}

static void graph_load(struct graph *g, long long heap)
{
	memset(g, 0, sizeof(*g));
	graph_rehash(g);
	g->first = xcalloc(1, sizeof(*g->first));
	dump_objects(g, heap);
	dump_garbage(g, heap);
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

	for (i = 0; sh && i < g->n; i++)
		handle_close(sh->fd, g->node[i].h);
	free(g->node);
	free(g->edge);
	free(g->hash);
	free(g->first);
}

/* Scratch for cycle_walk(), one entry per node of the graph. */
struct walk_scratch {
	int *queue, *prev, *seen;
	int stamp;
};

/*
 * The walk of one garbage cycle, for "cycle 1: a -> b -> a": the shortest
 * way from the cycle's first object in gc.garbage back to itself along
 * references between objects of the cycle, found breadth first.  @path
 * gets its objects, the first one once; returns how many, 0 if the graph
 * was cut off before the cycle closed.
 */
static int cycle_walk(struct graph *g, __u32 cycle, int *path,
		      struct walk_scratch *ws)
{
	int start = g->first[cycle] - 1, head = 0, tail = 0, v, w, e, n;

	if (start < 0)
		return 0;
	ws->stamp++;
	ws->queue[tail++] = start;
	ws->seen[start] = ws->stamp;
	while (head < tail) {
		v = ws->queue[head++];
		for (e = 0; e < g->node[v].nedges; e++) {
			w = g->edge[g->node[v].edges + e].to;
			if (w == start)
				goto closed;
			if (ws->seen[w] == ws->stamp ||
			    g->node[w].group != cycle)
				continue;
			ws->seen[w] = ws->stamp;
			ws->prev[w] = v;
			ws->queue[tail++] = w;
		}
	}
	return 0;
closed:
	for (n = 1, w = v; w != start; w = ws->prev[w])
		n++;
	for (e = n, w = v; e--; w = ws->prev[w])
		path[e] = w;
	return n;
}

/* How many objects of the graph are on garbage cycle @cycle. */
static int cycle_size(const struct graph *g, __u32 cycle)
{
	int i, n = 0;

	for (i = 0; i < g->n; i++)
		n += g->node[i].group == cycle;
	return n;
}

/* What a cycle line calls an object: its name, or its id. */
static void sb_node(struct sbuf *b, const struct gnode *nd)
{
	if (nd->name)
		sb_add(b, "%s", nd->name);
	else
		sb_add(b, "0x%llx", (unsigned long long)nd->id);
}

/*
 * "cycle 1: a -> b -> a" for each cycle of gc.garbage, with "(and 3
 * more)" when the cycle holds objects off the shortest walk; @prefix
 * starts each line (a dot comment, or nothing).  JSON: {"cycles": [[id,
 * ...], ...]}, each walk as ids, or (@prefix non-NULL) the same list
 * alone, for graph's document.
 */
static void print_cycles(struct graph *g, const char *prefix, bool as_json)
{
	struct walk_scratch ws = {
		.queue = xcalloc(g->n + 1, sizeof(int)),
		.prev = xcalloc(g->n + 1, sizeof(int)),
		.seen = xcalloc(g->n + 1, sizeof(int)),
	};
	int *path = xcalloc(g->n + 1, sizeof(int)), n, k, more;
	__u32 c;

	if (as_json)
		printf(prefix ? "[" : "{\"cycles\": [");
	for (c = 1; c <= g->ncycles; c++) {
		struct sbuf b = {};
		char *line;

		n = cycle_walk(g, c, path, &ws);
		if (as_json) {
			printf("%s[", c > 1 ? ", " : "");
			for (k = 0; k < n; k++)
				printf("%s%llu", k ? ", " : "",
				       (unsigned long long)g->node[path[k]].id);
			printf("]");
			continue;
		}
		sb_add(&b, "%scycle %u:", prefix ?: "", c);
		for (k = 0; k < n; k++) {
			sb_add(&b, " ");
			sb_node(&b, &g->node[path[k]]);
			sb_add(&b, " ->");
		}
		if (n) {
			sb_add(&b, " ");
			sb_node(&b, &g->node[path[0]]);
		} else {
			sb_add(&b, " (beyond the %d objects drawn)", MAX_NODES);
		}
		more = n ? cycle_size(g, c) - n : 0;
		if (more > 0)
			sb_add(&b, " (and %d more)", more);
		line = sb_take(&b);
		printf("%s%s\n", line, prefix && *prefix ? " */" : "");
		free(line);
	}
	if (as_json)
		printf(prefix ? "]" : "]}\n");
	else if (!g->ncycles && !prefix)
		printf("gc.garbage holds no cycle\n");
	free(path);
	free(ws.queue);
	free(ws.prev);
	free(ws.seen);
}

/* Fill colours of the garbage cycles, in turn; orange is a live cycle's. */
static const char *const cycle_colour[] = {
	"lightblue", "palegreen", "plum", "khaki", "lightsalmon",
	"lightcyan", "pink", "wheat",
};

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
			       nd->cyclic || nd->group ? "true" : "false");
			printf("\"garbage\": %s, \"cycle\": %u}",
			       nd->garbage ? "true" : "false", nd->group);
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
		printf("], \"cycles\": ");
		print_cycles(g, "", true);
		printf(", \"truncated\": %s}\n",
		       g->truncated ? "true" : "false");
		return;
	}
	printf("digraph pyheap {\n");
	printf("\tnode [shape=box, style=rounded, fontname=\"monospace\"];\n");
	printf("\t/* bold: a name's; orange: on a cycle; red: garbage, %s */\n",
	       "filled by its cycle");
	print_cycles(g, "\t/* ", false);
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
		if (nd->group)
			printf(", style=\"rounded,filled\", fillcolor=%s",
			       cycle_colour[(nd->group - 1) %
					    ARRAY_SIZE(cycle_colour)]);
		else if (nd->cyclic)
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
 * GC_WHY for handle @h: the chain into *@steps (malloc'ed), its length,
 * 0 if no other handle reaches the object (ENOENT), or a negative errno.
 */
static long why_chain(struct shell *sh, __u32 h,
		      struct pyheap_gc_why_step **steps)
{
	struct pyheap_gc_why w = { .handle = h };
	__u32 room = 64;
	int err;

	for (;;) {
		*steps = xcalloc(room, sizeof(**steps));
		w.max = room;
		w.steps = (uintptr_t)*steps;
		w.out_count = 0;
		err = px(sh->fd, PYHEAP_IOC_GC_WHY, &w, sizeof(w));
		if (err != -EOVERFLOW)
			break;
		free(*steps);
		room = w.out_count > room ? w.out_count : 2 * room;
	}
	if (!err)
		return w.out_count;
	free(*steps);
	*steps = NULL;
	return err == -ENOENT ? 0 : err;
}

/* Whether gc.garbage holds the object of id @id. */
static bool in_garbage(struct shell *sh, __u64 id)
{
	__u32 *hs = xcalloc(PYHEAP_GC_REFS_MAX, sizeof(*hs)), j;
	struct pyheap_gc_garbage q = { .flags = PYHEAP_GC_GARBAGE_LIST };
	struct pyheap_gc_obj_info info;
	bool found = false;

	for (q.offset = 0; !found; q.offset += q.out_count) {
		q.max = PYHEAP_GC_REFS_MAX;
		q.handles = (uintptr_t)hs;
		q.out_count = 0;
		q.out_total = 0;
		if (px(sh->fd, PYHEAP_IOC_GC_GARBAGE, &q, sizeof(q)) ||
		    !q.out_count)
			break;
		for (j = 0; j < q.out_count; j++) {
			if (!obj_info(sh->fd, hs[j], &info) &&
			    info.out_id == id)
				found = true;
			handle_close(sh->fd, hs[j]);
		}
	}
	free(hs);
	return found;
}

/*
 * The name of the object of id @id, or NULL: the first bound to it,
 * other than by handle @skip (the one why() asks about).
 */
static const char *name_of(struct shell *sh, __u64 id, __u32 skip)
{
	struct pyheap_gc_obj_info info;
	size_t v;

	for (v = 0; v < sh->nvars; v++)
		if (sh->vars[v].v.kind == V_OBJ && sh->vars[v].v.h != skip &&
		    !obj_info(sh->fd, sh->vars[v].v.h, &info) &&
		    info.out_id == id)
			return sh->vars[v].name;
	return NULL;
}

/*
 * The shortest chain of references to the object of handle @h from a
 * handle other than @h (objgraph's find_backref_chain, run forwards),
 * as the kernel finds it in one GC_WHY.  Each step is printed as the
 * Python expression that reaches it.
 */
static int graph_why(struct shell *sh, __u32 h, __u64 target)
{
	struct pyheap_gc_why_step *steps;
	struct pyheap_gc_obj_info info;
	struct sbuf expr = {};
	const char *root;
	long n = why_chain(sh, h, &steps), i;
	bool garb;

	if (n < 0)
		return serrno(sh, "why", n);
	if (!n) {
		garb = in_garbage(sh, target);
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
		return 0;
	}
	if (json)
		printf("{\"id\": %llu, \"chain\": [",
		       (unsigned long long)target);
	for (i = 0; i < n; i++) {
		if (obj_info(sh->fd, steps[i].handle, &info))
			memset(&info, 0, sizeof(info));
		if (!i) {
			root = name_of(sh, info.out_id, h);
			sb_add(&expr, "%s", root ?: "<no name>");
		} else {
			struct pyheap_gc_obj_info up;

			if (obj_info(sh->fd, steps[i - 1].handle, &up) ||
			    strcmp(up.out_type, "object"))
				sb_add(&expr, ".<value %u>", steps[i - 1].slot);
			else
				sb_add(&expr, "[%u]", steps[i - 1].slot);
		}
		if (json) {
			printf("%s{\"expr\": \"%s\", \"type\": \"%s\", ",
			       i ? ", " : "", expr.p, info.out_type);
			printf("\"id\": %llu, \"slot\": ",
			       (unsigned long long)info.out_id);
			if (i + 1 < n)
				printf("%u}", steps[i].slot);
			else
				printf("null}");
		} else {
			printf("%-24s <%s object at 0x%llx>\n", expr.p,
			       info.out_type, (unsigned long long)info.out_id);
		}
	}
	if (json)
		printf("]}\n");
	for (i = 0; i < n; i++)
		handle_close(sh->fd, steps[i].handle);
	free(steps);
	free(expr.p);
	return 0;
}

/*
 * graph(), why(x) and cycles(): print even when a script's output is
 * quiet.  @what is "graph", "why" (of @why) or "cycles".
 */
int graph_cmd(struct shell *sh, const char *what, const struct value *why)
{
	struct pyheap_gc_obj_info info;
	struct graph g;
	bool quiet = sh->quiet;
	int err = 0;

	sh->quiet = false;
	if (why) {
		err = obj_info(sh->fd, why->h, &info);
		err = err ? serrno(sh, "why", err) :
		      graph_why(sh, why->h, info.out_id);
		sh->quiet = quiet;
		return err;
	}
	graph_build(sh, &g);
	if (!strcmp(what, "cycles")) {
		print_cycles(&g, NULL, json);
	} else {
		graph_cycles(&g);
		graph_dot(&g);
	}
	sh->quiet = quiet;
	graph_free(sh, &g);
	return 0;
}

/* graph -H HEAP: another heap's graph, or its garbage cycles. */
static int graph_heap(long long heap, const char *what)
{
	struct graph g;

	graph_load(&g, heap);
	if (!strcmp(what, "cycles")) {
		print_cycles(&g, NULL, json);
	} else {
		graph_cycles(&g);
		graph_dot(&g);
	}
	graph_free(NULL, &g);
	return 0;
}

/*
 * pyheapctl graph [--why NAME | --cycles] [FILE]: run the script quietly,
 * then draw, or print the chain that keeps NAME, or the garbage cycles.
 * pyheapctl graph -H HEAP [--cycles]: the same of a heap of any process.
 */
int do_graph(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "why", required_argument, NULL, 'w' },
		{ "cycles", no_argument, NULL, 'c' },
		{ "heap", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *why = NULL, *file, *what = "graph";
	long long heap = -1;
	struct binding *b;
	struct shell sh;
	FILE *in;
	int c, ret;

	while ((c = getopt_long(argc, argv, "+w:cH:h", opts, NULL)) != -1) {
		switch (c) {
		case 'w':
			why = optarg;
			break;
		case 'H':
			heap = parse_num(optarg, "--heap", 0, LLONG_MAX);
			break;
		case 'c':
			what = "cycles";
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
	if (why && !strcmp(what, "cycles"))
		bad_usage("graph: --why or --cycles, not both");
	if (heap >= 0) {
		if (why || optind < argc)
			bad_usage("graph: -H takes no script and no --why");
		return graph_heap(heap, what);
	}
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
		b = name_lookup(&sh, why);
		if (!b || b->v.kind != V_OBJ) {
			p_err("--why %s: %s %s", why,
			      "no object has that name at the end of", file);
			ret = 1;
		} else if (graph_cmd(&sh, "why", &b->v)) {
			p_err("%s", sh.err);
			ret = 1;
		}
	} else if (!ret && graph_cmd(&sh, what, NULL)) {
		p_err("%s", sh.err);
		ret = 1;
	}
	shell_fini(&sh);
	return ret;
}
