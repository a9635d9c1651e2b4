// SPDX-License-Identifier: GPL-2.0
/*
 * graph.c - the graph command, and graph() and why() in the shell
 *
 * The graph is every object reachable from a name of the shell or from
 * gc.garbage, with an edge for each reference.  It is printed for
 * Graphviz (dot), or as JSON, with the objects on a cycle found by
 * Tarjan's algorithm; why() prints instead the shortest chain of
 * references that keeps one object alive.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
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

/* graph() and why(x): print even when a script's output is quiet. */
int graph_cmd(struct shell *sh, const struct value *why)
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

/* pyheapctl graph [--why NAME] [FILE]: run the script quietly, then draw. */
int do_graph(int argc, char **argv)
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
		b = name_lookup(&sh, why);
		if (!b || b->v.kind != V_OBJ) {
			p_err("--why %s: %s %s", why,
			      "no object has that name at the end of", file);
			ret = 1;
		} else if (graph_cmd(&sh, &b->v)) {
			p_err("%s", sh.err);
			ret = 1;
		}
	} else if (!ret && graph_cmd(&sh, NULL)) {
		p_err("%s", sh.err);
		ret = 1;
	}
	shell_fini(&sh);
	return ret;
}
