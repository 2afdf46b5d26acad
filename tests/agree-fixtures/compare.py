#!/usr/bin/env python3
"""Compare a gmd pprof report with go tool pprof's, row for row.

    compare.py KIND PPROF_OUT GMD_OUT [--allow NAME]...

KIND is top, tree, peek, traces or dot. Both outputs are parsed into rows
(whitespace squeezed); every value, percentage and name string must be equal,
in pprof's order. Exit 0 when they agree, 1 with the first difference named
(row number, pprof's row, gmd's row) or an output that cannot be parsed, 2
on bad usage.

The only normalisations are for pprof's own non-determinism or for
differences the README states, each opted into by --allow NAME so a test says
which it relies on:

  edge-ties  tree/peek: pprof sorts a node's callers and callees by |weight|
             and calls a +w and a -w edge equal; sort.Sort is not stable, so
             their order is chance (delta profiles). Runs of rows of equal
             |weight| are compared as sets.
  dot-hint   dot: pprof's legend ends with a "See https://git.io/JfYMW ..."
             line that gmd leaves out.
  dot-names  dot: nodes and edges keyed by function name, not by node id
             (N1, N2, ...), i.e. as sets. pprof ranks the nodes of a profile
             with negative values partly by NaN scores, and Go's int64(NaN)
             depends on the CPU; gmd ranks them as pprof does on amd64. On
             other CPUs the test compares such graphs whole (a node count
             that keeps every node) as sets.
  dot-n0     dot: pprof draws an edge to or from "N0", a node it never
             declares (a function whose values cancel out to zero in a
             delta); gmd draws none. Such edges are left out of pprof's.
"""
import re
import sys

ALLOWS = {"edge-ties", "dot-hint", "dot-names", "dot-n0"}


class Bad(Exception):
    pass


def squeeze(line):
    return " ".join(line.split())


def lines_of(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return [squeeze(l) for l in f.read().splitlines()]


def differ(what, i, want, got):
    raise Bad("%s, row %d:\n  go tool pprof: %s\n  gmd:           %s" % (what, i, want, got))


def compare_lists(what, want, got):
    for i, (w, g) in enumerate(zip(want, got), 1):
        if w != g:
            differ(what, i, w, g)
    if len(want) != len(got):
        i = min(len(want), len(got))
        differ(what + " (row count %d vs %d)" % (len(want), len(got)), i + 1,
               want[i] if i < len(want) else "(none)", got[i] if i < len(got) else "(none)")


# ---- top: header lines, then rows of flat flat% sum% cum cum% name.
TOP_HEAD = "flat flat% sum% cum cum%"
TOP_ROW = re.compile(r"^(\S+) (\S+%) (\S+%) (\S+) (\S+%) (.+)$")


def parse_top(path):
    ls = [l for l in lines_of(path) if l]
    if TOP_HEAD not in ls:
        raise Bad("%s: no '%s' line" % (path, TOP_HEAD))
    k = ls.index(TOP_HEAD)
    rows = []
    for l in ls[k + 1:]:
        m = TOP_ROW.match(l)
        if not m:
            raise Bad("%s: not a top row: %s" % (path, l))
        rows.append(m.groups())
    return ls[:k], rows


def cmp_top(want_path, got_path, allow):
    wh, wr = parse_top(want_path)
    gh, gr = parse_top(got_path)
    compare_lists("header", wh, gh)
    cols = ("flat", "flat%", "sum%", "cum", "cum%", "name")
    for i, (w, g) in enumerate(zip(wr, gr), 1):
        for c, a, b in zip(cols, w, g):
            if a != b:
                differ("column %s" % c, i, " ".join(w), " ".join(g))
    compare_lists("top", [" ".join(r) for r in wr], [" ".join(r) for r in gr])
    return len(wr)


# ---- tree and peek: header, then blocks between separator lines; a block
# is the callers, the node's own row, the callees.
SEP = re.compile(r"^-+\+-+$")
NODE_ROW = re.compile(r"^(\S+) (\S+%) (\S+%) (\S+) (\S+%) \| (.+)$")
EDGE_ROW = re.compile(r"^(\S+) (\S+%) \| (.+)$")


def parse_graph(path):
    ls = [l for l in lines_of(path) if l]
    if not any(SEP.match(l) for l in ls):
        raise Bad("%s: no block separator" % path)
    head, blocks, cur, seen = [], [], None, False
    for l in ls:
        if SEP.match(l):
            seen = True
            if cur:
                blocks.append(cur)
            cur = []
            continue
        if not seen:
            head.append(l)
        elif l.startswith("flat flat% sum% cum cum% calls calls%"):
            head.append(l)
        else:
            cur.append(l)
    if cur:
        blocks.append(cur)
    return head, blocks


def untie(rows):
    """Sort each run of edge rows of equal |weight|, keeping run order."""
    out, run, key = [], [], None
    for r in rows:
        m = EDGE_ROW.match(r)
        k = m.group(1).lstrip("-") if m else None
        if run and k != key:
            out.extend(sorted(run))
            run = []
        run.append(r)
        key = k
    out.extend(sorted(run))
    return out


def split_block(path, b):
    nodes = [i for i, r in enumerate(b) if NODE_ROW.match(r)]
    if len(nodes) != 1:
        raise Bad("%s: a block without exactly one node row: %s" % (path, " / ".join(b)))
    n = nodes[0]
    for r in b[:n] + b[n + 1:]:
        if not EDGE_ROW.match(r):
            raise Bad("%s: not an edge row: %s" % (path, r))
    return b[:n], b[n], b[n + 1:]


def cmp_graph(want_path, got_path, allow):
    wh, wb = parse_graph(want_path)
    gh, gb = parse_graph(got_path)
    compare_lists("header", wh, gh)
    compare_lists("node rows", [split_block(want_path, b)[1] for b in wb],
                  [split_block(got_path, b)[1] for b in gb])
    for w, g in zip(wb, gb):
        wc, wn, wd = split_block(want_path, w)
        gc, _, gd = split_block(got_path, g)
        if "edge-ties" in allow:
            wc, wd, gc, gd = untie(wc), untie(wd), untie(gc), untie(gd)
        compare_lists("callers of " + wn, wc, gc)
        compare_lists("callees of " + wn, wd, gd)
    return len(wb)


# ---- traces: header, then one block per sample (labels, value and frames).
TRACE_SEP = "-----------+-------------------------------------------------------"


def cmp_traces(want_path, got_path, allow):
    def parse(path):
        ls = [l for l in lines_of(path) if l]
        if TRACE_SEP not in ls:
            raise Bad("%s: no trace separator" % path)
        k = ls.index(TRACE_SEP)
        blocks, cur = [], []
        for l in ls[k:]:
            if l == TRACE_SEP:
                if cur:
                    blocks.append(cur)
                cur = []
            else:
                cur.append(l)
        if cur:
            blocks.append(cur)
        return ls[:k], blocks

    wh, wb = parse(want_path)
    gh, gb = parse(got_path)
    compare_lists("header", wh, gh)
    for i, (w, g) in enumerate(zip(wb, gb), 1):
        compare_lists("trace %d" % i, w, g)
    compare_lists("traces", [" / ".join(b) for b in wb], [" / ".join(b) for b in gb])
    return len(wb)


# ---- dot: the legend, nodes and label/size boxes (id, label, shape,
# tooltip) and edges (ends, label). The look is gmd's own and not compared:
# colours, fonts and font sizes, and an edge's layout weight, line style and
# tooltip text.
DOT_NODE = re.compile(r'^(N[N0-9_]*) \[(.*)\]$')
DOT_EDGE = re.compile(r'^(N[N0-9_]*) -> (N[N0-9_]*) \[(.*)\]$')
DOT_ATTR = re.compile(r'(\w+) ?= ?("(?:[^"\\]|\\.)*"|[^ \]]+)')
NODE_KEYS = ("label", "shape", "tooltip")
EDGE_KEYS = ("label",)
HINT = r"\l\lSee https://git.io/JfYMW for how to read the graph\l"


def parse_dot(path, allow):
    legend, nodes, edges = None, {}, {}
    with open(path, encoding="utf-8", errors="replace") as f:
        for raw in f.read().splitlines():
            l = raw.strip()
            if l.startswith("subgraph cluster_L"):
                m = re.search(r' label="((?:[^"\\]|\\.)*)"', l)
                legend = m.group(1) if m else l
                if "dot-hint" in allow and legend.endswith(HINT):
                    legend = legend[:-len(HINT)] + r"\l"
                continue
            m = DOT_EDGE.match(l)
            if m and "dot-n0" in allow and "N0" in (m.group(1), m.group(2)):
                continue
            if m:
                a = dict(DOT_ATTR.findall(m.group(3)))
                edges[(m.group(1), m.group(2))] = tuple((k, a.get(k)) for k in EDGE_KEYS)
                continue
            m = DOT_NODE.match(l)
            if m:
                a = dict(DOT_ATTR.findall(m.group(2)))
                nodes[m.group(1)] = tuple((k, a.get(k)) for k in NODE_KEYS)
    if legend is None or not nodes:
        raise Bad("%s: no legend or no nodes: not a pprof dot graph" % path)
    if "dot-names" in allow:
        # A node's name is its tooltip's "name (value)"; a box's is its
        # node's name and its own label.
        name = {}
        for k, a in nodes.items():
            t = (dict(a)["tooltip"] or "").strip('"')
            if not k.startswith("NN"):
                name[k] = t[:t.rfind(" (")] if " (" in t else t
        for k, a in nodes.items():
            if k.startswith("NN"):
                name[k] = "%s box %s" % (name.get("N" + k[2:k.index("_")], k), dict(a)["label"])
        nodes = {name[k]: a for k, a in nodes.items()}
        edges = {(name.get(a, a), name.get(b, b)): v for (a, b), v in edges.items()}
    return legend, nodes, edges


def cmp_dot(want_path, got_path, allow):
    wl, wn, we = parse_dot(want_path, allow)
    gl, gn, ge = parse_dot(got_path, allow)
    compare_lists("legend", wl.split(r"\l"), gl.split(r"\l"))

    def fmt(d, k):
        return "%s %s" % (k if isinstance(k, str) else " -> ".join(k),
                          " ".join("%s=%s" % kv for kv in d[k] if kv[1] is not None) if k in d else "(absent)")

    for what, w, g in (("node", wn, gn), ("edge", we, ge)):
        for i, k in enumerate(sorted(set(w) | set(g), key=str), 1):
            if w.get(k) != g.get(k):
                differ("%s %s" % (what, k if isinstance(k, str) else " -> ".join(k)), i,
                       fmt(w, k), fmt(g, k))
    return len(wn)


KINDS = {"top": cmp_top, "tree": cmp_graph, "peek": cmp_graph, "traces": cmp_traces, "dot": cmp_dot}


def main(argv):
    args, allow = [], set()
    it = iter(argv[1:])
    for a in it:
        if a == "--allow":
            name = next(it, None)
            if name not in ALLOWS:
                print("compare.py: unknown --allow %r" % name, file=sys.stderr)
                return 2
            allow.add(name)
        else:
            args.append(a)
    if len(args) != 3 or args[0] not in KINDS:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    kind, want, got = args
    try:
        n = KINDS[kind](want, got, allow)
    except Bad as e:
        print("%s: %s" % (kind, e), file=sys.stderr)
        return 1
    except OSError as e:
        print("compare.py: %s" % e, file=sys.stderr)
        return 2
    print(n)  # rows, blocks or nodes compared: the caller checks it is not 0
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
