#!/usr/bin/env bash
# gmd pprof convert writes profiles go tool pprof opens with the same
# numbers (as-is, raw, merged, --base, filtered, -i), and gmd pprof info
# describes profiles in text and JSON.
. "$(dirname "$0")/lib.sh"
: "${GO:?GO must name the go binary (ctest sets it)}"

H1=$FIXTURES/heap-1.pb.gz
H2=$FIXTURES/heap-2.pb.gz
H3=$FIXTURES/heap-3.pb.gz
AL=$FIXTURES/allocs.pb.gz
GR=$FIXTURES/goroutine.pb.gz
for f in "$H1" "$H2" "$H3" "$AL" "$GR" "$FIXTURES/goroutine-debug2.txt" "$FIXTURES/heap-debug1.txt"; do
    [ -s "$f" ] || fail "missing fixture $f"
done

# same GOT WANT WHAT: WANT (from go tool pprof on the input) must not be empty.
same() { [ -n "$2" ] || fail "$3: go tool pprof printed nothing for the reference"; assert_eq "$1" "$2" "$3"; }
# The "Showing nodes accounting for X, P% of T total" line of pprof -top.
total_line() { "$GO" tool pprof -top "$@" 2>/dev/null | grep -m1 "Showing nodes accounting for"; }
# The first table rows (function names and values).
top_rows() { "$GO" tool pprof -top "$@" 2>/dev/null | sed -n '/flat%/,$p' | head -6; }
# flat, cum and name of the first rows, in bytes: percentages differ when a
# filter is applied (pprof divides by the unfiltered total).
top_vals() {
    "$GO" tool pprof -top -unit=B "$@" 2>/dev/null | sed -n '/flat%/,$p' | sed 1d | head -8 |
        awk '{ printf "%s %s", $1, $4; for (i = 6; i <= NF; i++) printf " %s", $i; print "" }'
}

# As-is, gzipped: same total and rows for every sample index.
run "$GMD" pprof convert "$H3" -o "$T/h3.pb.gz"; assert_rc 0
assert_err_contains "wrote $T/h3.pb.gz ("
assert_err_contains " samples, "
assert_err_one_line
[ "$(head -c 2 "$T/h3.pb.gz" | od -An -tx1 | tr -d ' ')" = "1f8b" ] || fail "output is not gzip"; pass
for si in inuse_space alloc_objects; do
    want=$(total_line -sample_index=$si "$H3")
    [ -n "$want" ] || fail "go tool pprof printed no total for $H3"
    same "$(total_line -sample_index=$si "$T/h3.pb.gz")" "$want" "total line ($si)"
    same "$(top_rows -sample_index=$si "$T/h3.pb.gz")" "$(top_rows -sample_index=$si "$H3")" "top rows ($si)"
done

# Raw protobuf with --no-gzip; allocs keeps its default type (alloc_space).
run "$GMD" pprof convert --no-gzip "$AL" -o "$T/allocs.pb"; assert_rc 0
[ "$(head -c 2 "$T/allocs.pb" | od -An -tx1 | tr -d ' ')" != "1f8b" ] || fail "--no-gzip wrote gzip"; pass
same "$(total_line "$T/allocs.pb")" "$(total_line "$AL")" "allocs total line"
"$GO" tool pprof -top "$T/allocs.pb" 2>/dev/null | grep -q "Type: alloc_space" || fail "default type lost"; pass

# Goroutine profile (labels, unpacked fields in Go's output).
run "$GMD" pprof convert "$GR" -o "$T/gr.pb.gz"; assert_rc 0
same "$(total_line "$T/gr.pb.gz")" "$(total_line "$GR")" "goroutine total line"
same "$("$GO" tool pprof -traces "$T/gr.pb.gz" 2>/dev/null | grep -c 'labeled-worker')" \
          "$("$GO" tool pprof -traces "$GR" 2>/dev/null | grep -c 'labeled-worker')" "goroutine labels"

# Text formats convert too.
run "$GMD" pprof convert "$FIXTURES/goroutine-debug2.txt" -o "$T/g2.pb.gz"; assert_rc 0
"$GO" tool pprof -top "$T/g2.pb.gz" >"$T/g2.top" 2>&1 || fail "go tool pprof cannot open converted debug=2: $(head -c 300 "$T/g2.top")"; pass

# Merge of two heap profiles: pprof merges the same way.
run "$GMD" pprof convert "$H1" "$H2" -o "$T/merged.pb.gz"; assert_rc 0
same "$(total_line "$T/merged.pb.gz")" "$(total_line "$H1" "$H2")" "merged total line"
same "$(top_rows "$T/merged.pb.gz")" "$(top_rows "$H1" "$H2")" "merged top rows"

# --base: the diff, written and opened.
run "$GMD" pprof convert --base "$H1" "$H3" -o "$T/diff.pb.gz"; assert_rc 0
same "$(total_line "$T/diff.pb.gz")" "$(total_line -base "$H1" "$H3")" "diff total line"
top_rows "$T/diff.pb.gz" | grep -q 'main.(\*leakyCache).add' || fail "diff lost the leak"; pass

# Filters: the written profile holds what pprof keeps with the same filter.
run "$GMD" pprof convert --focus fillCache "$H3" -o "$T/focus.pb.gz"; assert_rc 0
same "$(top_vals "$T/focus.pb.gz")" "$(top_vals -focus fillCache "$H3")" "focus rows"
run "$GMD" pprof convert --ignore 'leakyCache' "$H3" -o "$T/ignore.pb.gz"; assert_rc 0
"$GO" tool pprof -top "$T/ignore.pb.gz" 2>/dev/null | grep -q 'leakyCache' && fail "--ignore kept leakyCache"; pass
run "$GMD" pprof convert --hide 'runtime\.main' "$H3" -o "$T/hide.pb.gz"; assert_rc 0
"$GO" tool pprof -top "$T/hide.pb.gz" 2>/dev/null | grep -q 'runtime.main$' && fail "--hide kept runtime.main"; pass
"$GO" tool pprof -top "$T/hide.pb.gz" 2>/dev/null | grep -q 'main.fillCache' || fail "--hide dropped other frames"; pass
# All sample types survive filtering.
same "$(top_vals -sample_index=alloc_space "$T/focus.pb.gz")" \
          "$(top_vals -sample_index=alloc_space -focus fillCache "$H3")" "focus keeps alloc_space"
# --show cuts the inlined location (main.smallHelper inlined into
# main.retainSmall) down to the shown function.
run "$GMD" pprof convert --show 'smallHelper' "$H3" -o "$T/show.pb.gz"; assert_rc 0
"$GO" tool pprof -top "$T/show.pb.gz" 2>/dev/null | grep -q 'main.smallHelper' || fail "--show lost smallHelper"; pass
"$GO" tool pprof -top "$T/show.pb.gz" 2>/dev/null | grep -q 'main.retainSmall' && fail "--show kept retainSmall"; pass

# -i makes the chosen type the default of the output.
run "$GMD" pprof convert -i inuse_objects "$H3" -o "$T/io.pb.gz"; assert_rc 0
"$GO" tool pprof -top "$T/io.pb.gz" 2>/dev/null | grep -q "Type: inuse_objects" || fail "-i did not set the default"; pass

# Round trip through gmd itself.
run "$GMD" pprof convert "$T/h3.pb.gz" -o "$T/h3b.pb.gz"; assert_rc 0
cmp -s "$T/h3.pb.gz" "$T/h3b.pb.gz" || fail "converting a converted profile changed it"; pass

# Errors and usage.
run "$GMD" pprof convert "$FIXTURES/nonexistent.pb.gz" -o "$T/x.pb.gz"; assert_rc 1
assert_err_contains "nonexistent.pb.gz"
run "$GMD" pprof convert --json "$H3" -o "$T/x.pb.gz"; assert_rc 2
run "$GMD" pprof convert -i nosuchtype "$H3" -o "$T/x.pb.gz"; assert_rc 1
assert_err_contains "nosuchtype"
run "$GMD" pprof convert --help; assert_rc 0; assert_out_contains "usage: gmd pprof convert"
printf '\x0a\x05\x08' >"$T/trunc.pb"
run "$GMD" pprof convert "$T/trunc.pb" -o "$T/x.pb.gz"; assert_rc 1
assert_err_contains "byte 1:"; assert_err_one_line

# info, text.
run "$GMD" pprof info "$H3"; assert_rc 0
assert_out_contains "format:        protobuf"
assert_out_contains "inuse_space/bytes (default)"
assert_out_contains "period:        1 space/bytes"
assert_out_contains "main binary:"
assert_out_contains "total inuse_space"
grep -Eq 'time: +20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z' "$T/out" || fail "no ISO time"; pass
n=$("$GO" tool pprof -raw "$H3" 2>/dev/null | sed -n '/^Samples:/,/^Locations/p' | grep -cE '^ +-?[0-9]+ +-?[0-9]+ +-?[0-9]+ +-?[0-9]+:')
grep -q "samples:       $n\$" "$T/out" || fail "sample count differs from pprof -raw ($n): $(grep samples: "$T/out")"; pass
run "$GMD" pprof info "$AL"; assert_rc 0; assert_out_contains "alloc_space/bytes (default)"
run "$GMD" pprof info "$FIXTURES/goroutine-debug2.txt"; assert_rc 0
assert_out_contains "goroutine text (debug=2)"; assert_out_contains "goroutines:"
run "$GMD" pprof info "$FIXTURES/heap-debug1.txt"; assert_rc 0
assert_out_contains "memstats:"; assert_out_contains "HeapAlloc"

# info --json: valid JSON with the same facts; an array for several files.
run "$GMD" pprof info --json "$H3"; assert_rc 0
python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["default_sample_type"]=="inuse_space", d; assert d["samples"]>0; assert [t["type"] for t in d["sample_types"]]==["alloc_objects","alloc_space","inuse_objects","inuse_space"]; assert d["period_type"]["type"]=="space"' <"$T/out" \
    || fail "info --json: $(head -c 300 "$T/out")"; pass
run "$GMD" pprof info --json "$H3" "$FIXTURES/heap-debug1.txt" "$FIXTURES/goroutine-debug2.txt"; assert_rc 0
python3 -c 'import json,sys; d=json.load(sys.stdin); assert len(d)==3; assert "HeapAlloc" in d[1]["memstats"]; assert d[2]["goroutines"]>0' <"$T/out" \
    || fail "info --json (3 files): $(head -c 300 "$T/out")"; pass
run "$GMD" pprof info "$T/trunc.pb"; assert_rc 1; assert_err_one_line
done_ok
