#!/usr/bin/env bash
# gmd pprof dot: DOT that Graphviz accepts, with the nodes and edges
# `go tool pprof -dot` draws; -n, --nodefraction, inline edges, --svg.
. "$(dirname "$0")/lib.sh"

H1=$FIXTURES/heap-1.pb.gz
H3=$FIXTURES/heap-3.pb.gz

run "$GMD" pprof dot --help; assert_rc 0; assert_out_contains "usage: gmd pprof dot"

run "$GMD" pprof dot "$H3"; assert_rc 0
cp "$T/out" "$T/h3.dot"
assert_out_contains 'digraph "heapprog"'
assert_out_contains 'Type: inuse_space\l'
assert_out_contains 'Showing nodes accounting for '
# A line per part of the name, as pprof; flat with its percentage.
assert_out_contains 'label="main\n(*leakyCache)\nadd\n3000'
assert_out_contains 'label="main\nsteadyBuffer\n256kB'
assert_out_contains 'label="runtime\nmain\n0 of '
assert_out_contains 'tooltip="main.fillCache -> main.(*leakyCache).add (3000'
if command -v dot >/dev/null; then
    dot -Tsvg "$T/h3.dot" -o "$T/h3.svg" 2>"$T/dot.err" || fail "dot -Tsvg rejects the output: $(head -c 600 "$T/dot.err")"
    pass
fi

# The same nodes and edges as go tool pprof -dot (its nodelets aside).
nodes() { grep -o '^N[0-9]* \[label=.*tooltip="[^"]*"' | sed 's/.*tooltip="//; s/ ([^(]*)"$//' | sort; }
edges() { grep -E -- ' -> N[0-9]+ \[' | grep -o 'labeltooltip="[^"]*"' | sort; }
if [ -n "${GO:-}" ] && [ -x "$GO" ]; then
    for f in heap-3.pb.gz allocs.pb.gz goroutine.pb.gz; do
        "$GO" tool pprof -dot "$FIXTURES/$f" 2>/dev/null >"$T/want.dot" || fail "go tool pprof -dot $f failed"
        "$GMD" pprof dot "$FIXTURES/$f" >"$T/got.dot" || fail "gmd pprof dot $f failed"
        assert_eq "$(nodes <"$T/got.dot")" "$(nodes <"$T/want.dot")" "nodes of $f differ from go tool pprof -dot"
        assert_eq "$(edges <"$T/got.dot")" "$(edges <"$T/want.dot")" "edges of $f differ from go tool pprof -dot"
    done
fi

# -n keeps the heaviest nodes; skipped callers leave a dotted (residual) edge.
run "$GMD" pprof dot -n 3 "$H3"; assert_rc 0
# As pprof counts them: each node's size boxes (nodelets) count too, so
# main.(*leakyCache).add and its 1kB box, then the next node, fill 3.
assert_out_contains 'Showing top 2 nodes out of '
assert_eq "$(grep -c '^N[0-9]* \[label' "$T/out")" 2 "node count with -n 3"
assert_out_contains 'style=dotted'

# Everything, including the inlined smallHelper: a dashed edge.
run "$GMD" pprof dot --nodefraction 0 "$H3"; assert_rc 0
grep -q 'N[0-9]* -> N[0-9]* \[label=" [^"]* (inline)".*style=dashed.*main.retainSmall -> main.smallHelper' "$T/out" \
    || fail "no dashed inline edge retainSmall -> smallHelper"
pass

# --base: the difference; --title with characters DOT must escape.
run "$GMD" pprof dot --base "$H1" --title 'leak "soak" \ run' "$H3"; assert_rc 0
assert_out_contains 'label="leak \"soak\" \\ run\l'
# +2048000 B: printed in the unit pprof would pick for this graph
grep -qE 'label="main\\n\(\*leakyCache\)\\nadd\\n(2000(\.[0-9]+)?kB|1\.95MB) ' "$T/out" || fail "leak growth not in the diff graph"
pass
if command -v dot >/dev/null; then
    dot -Tsvg "$T/out" -o /dev/null 2>"$T/dot.err" || fail "dot rejects the escaped title: $(head -c 600 "$T/dot.err")"
    pass
fi

# --svg renders with Graphviz's library (when this gmd has it). Graphviz and
# fontconfig keep caches they never free; in a sanitizer build LeakSanitizer
# would report them, so they are suppressed (gmd's own leaks still count).
printf 'leak:libfontconfig.so\nleak:libgvc.so\nleak:libcgraph.so\nleak:libpango\nleak:libcairo.so\n' >"$T/lsan.supp"
export LSAN_OPTIONS="suppressions=$T/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
run "$GMD" pprof dot --svg "$H3"
if [ "$RC" -ne 0 ] && grep -q "built without Graphviz" "$T/err"; then
    echo "skipping --svg checks: this gmd was built without libgvc"
    assert_err_one_line
    done_ok
fi
assert_rc 0
python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$T/out" || fail "--svg output is not well-formed XML"
pass
assert_out_contains '<svg'
assert_out_contains '(*leakyCache).add'
run "$GMD" pprof dot --svg "$H3" -o "$T/g.svg"; assert_rc 0
[ -s "$T/g.svg" ] && [ ! -s "$T/out" ] || fail "--svg -o: expected the file written and stdout empty"
pass

# Errors.
run "$GMD" pprof dot "$T/nosuch.pb.gz"; assert_rc 1; assert_err_one_line
run "$GMD" pprof dot --json "$H3"; assert_rc 2
done_ok
