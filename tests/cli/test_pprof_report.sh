#!/usr/bin/env bash
# gmd pprof top/peek/tree/traces/list/diff on the heap and goroutine
# fixtures: content, --json validity and values, source lookup for list,
# errors and exit codes.
. "$(dirname "$0")/lib.sh"
H1=$FIXTURES/heap-1.pb.gz
H3=$FIXTURES/heap-3.pb.gz
GR=$FIXTURES/goroutine.pb.gz
PY=$(command -v python3) || fail "python3 is needed to check JSON"

# --- top ---
run "$GMD" pprof top "$H3"
assert_rc 0
assert_out_contains "Type: inuse_space"
assert_out_contains "Showing nodes accounting for"
assert_out_contains "      flat  flat%   sum%        cum   cum%"
# The leak is the first row (largest flat); 3000 KiB and change.
first=$(grep -A1 '^      flat  flat%' "$T/out" | tail -1)
case "$first" in *"main.(*leakyCache).add"*) pass ;; *) fail "first row is not the leak: $first" ;; esac
assert_out_lacks "main.smallHelper"   # 6400B is under 0.5% of the total: dropped
rows=$(sed -n '/^      flat  flat%/,$p' "$T/out" | tail -n +2 | wc -l)
[ "$rows" -le 20 ] || fail "top printed $rows rows by default, wanted at most 20"
pass

run "$GMD" pprof top -n 3 "$H3"
assert_rc 0
assert_out_contains "Showing top 3 nodes out of"
assert_eq "$(sed -n '/^      flat  flat%/,$p' "$T/out" | tail -n +2 | wc -l)" 3 "rows with -n 3"

run "$GMD" pprof top -n 0 --cum "$H3"
assert_rc 0
first=$(grep -A1 '^      flat  flat%' "$T/out" | tail -1)
case "$first" in *"runtime.main"* | *"main.main"*) pass ;; *) fail "--cum first row: $first" ;; esac

run "$GMD" pprof top -n 0 -i inuse_objects "$H3"
assert_rc 0
assert_out_contains "Type: inuse_objects"
grep -qE '^ +300[0-9] +[0-9.]+% .* main\.\(\*leakyCache\)\.add$' "$T/out" || fail "about 3000 leak objects row missing: $(head -c 800 "$T/out")"
pass

run "$GMD" pprof top -n 0 --granularity lines "$H3"
assert_rc 0
grep -qE 'main\.\(\*leakyCache\)\.add /.*/heapprog/main\.go:[0-9]+$' "$T/out" || fail "lines granularity row missing"
pass

# JSON: valid, values in bytes, rows consistent with the totals.
run "$GMD" pprof top -n 0 --nodefraction 0 "$H3"
assert_rc 0
assert_out_contains "main.smallHelper (inline)"
assert_out_lacks "Dropped"

run "$GMD" pprof top -n 0 --nodefraction 0 --json "$H3"
assert_rc 0
"$PY" - "$T/out" <<'EOF' || fail "top --json check failed"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["sample_type"] == "inuse_space" and d["unit"] == "bytes", d
leak = [n for n in d["nodes"] if n["name"] == "main.(*leakyCache).add"]
assert len(leak) == 1, "leak row"
assert 3072000 <= leak[0]["flat"] < 3100000, leak[0]
assert leak[0]["file"].endswith("heapprog/main.go"), leak[0]
assert abs(leak[0]["flat_pct"] - 100.0 * leak[0]["flat"] / d["total"]) < 1e-6
assert d["shown"] == sum(n["flat"] for n in d["nodes"]), "shown is the sum of flat"
assert d["nodes"][0]["name"] == "main.(*leakyCache).add", "sorted by flat"
inl = [n for n in d["nodes"] if n["name"] == "main.smallHelper"]
assert inl and inl[0].get("inline") == "inline", inl
EOF
pass

# --- peek ---
run "$GMD" pprof peek 'fillCache' "$H3"
assert_rc 0
assert_out_contains "calls calls% + context"
assert_out_contains "|   main.main"
assert_out_contains "| main.fillCache"
assert_out_contains "|   main.(*leakyCache).add"
# Caller line comes before the node line, callee after.
caller=$(grep -n '|   main.main$' "$T/out" | head -1 | cut -d: -f1)
self=$(grep -n '| main.fillCache$' "$T/out" | head -1 | cut -d: -f1)
callee=$(grep -n '|   main.(\*leakyCache).add$' "$T/out" | head -1 | cut -d: -f1)
[ "$caller" -lt "$self" ] && [ "$self" -lt "$callee" ] || fail "peek order: $caller $self $callee"
pass

run "$GMD" pprof peek 'no_such_function_anywhere' "$H3"
assert_rc 1
assert_err_contains "no function matches 'no_such_function_anywhere'"
assert_err_one_line

run "$GMD" pprof peek '(' "$H3"
assert_rc 1
assert_err_contains "bad regular expression"

run "$GMD" pprof peek "$H3"
assert_rc 2

# --- tree ---
run "$GMD" pprof tree "$H3"
assert_rc 0
assert_out_contains "----------------------------------------------------------+-------------"
assert_out_contains "| main.(*leakyCache).add"
run "$GMD" pprof tree -n 2 "$H3"
assert_rc 0
assert_out_contains "Showing top 2 nodes out of"

# --- traces ---
run "$GMD" pprof traces --focus leakyCache "$H3"
assert_rc 0
assert_out_contains "-----------+-------------------------------------------------------"
grep -qE '^ +2\.9[0-9]MB +main\.\(\*leakyCache\)\.add$' "$T/out" || fail "traces: leak sample with its value first"
pass
assert_out_contains "             main.fillCache"
assert_out_lacks "main.steadyBuffer"

run "$GMD" pprof traces --json "$H3"
assert_rc 0
"$PY" - "$T/out" <<'EOF' || fail "traces --json check failed"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["unit"] == "bytes"
leak = [t for t in d["traces"] if t["frames"][0]["function"] == "main.(*leakyCache).add"]
assert leak and sum(t["value"] for t in leak) >= 3072000, leak
fr = [f["function"] for f in leak[0]["frames"]]
assert fr[:2] == ["main.(*leakyCache).add", "main.fillCache"], fr
assert "runtime.main" in fr
small = [t for t in d["traces"] if t["frames"][0]["function"] == "main.smallHelper"]
assert small and small[0]["frames"][0].get("inline") is True, small
EOF
pass

# goroutine profiles carry labels: traces print them.
run "$GMD" pprof traces "$GR"
assert_rc 0
assert_out_contains "      role:  labeled-worker"
assert_out_contains "Type: goroutine"

# --- list ---
run "$GMD" pprof list 'main\.fillCache' "$H3"
assert_rc 0
assert_out_contains "Total: "
assert_out_contains "ROUTINE ======================== main.fillCache in "
assert_out_contains "(flat, cum)"
assert_out_contains "c.add()"
grep -qE '^ +\. +2\.9[0-9]MB +[0-9]+:.*c\.add\(\)' "$T/out" || fail "list: the c.add() line with its cum"
pass

# A profile whose recorded source path is gone: build and run the heap
# program from a scratch copy, then move its source away. list says so
# inside the ROUTINE block (exit 0, as pprof), and --source-path finds the
# moved file by a suffix of the recorded path.
: "${GO:?GO must name the go binary (ctest sets it)}"
if [ -z "${HOME:-}" ]; then export GOCACHE=$FIXTURES/.gocache GOPATH=$FIXTURES/.gopath; fi
export GOFLAGS=-mod=mod GO111MODULE=on GOTOOLCHAIN=local GOWORK=off
mkdir -p "$T/app/heapprog" "$T/app/out" "$T/moved/src/heapprog"
cp "$SRCDIR/tests/fixtures/go.mod" "$T/app/"
cp "$SRCDIR/tests/fixtures/heapprog/main.go" "$T/app/heapprog/"
(cd "$T/app" && "$GO" build -o "$T/app/out/" ./heapprog && "$T/app/out/heapprog" "$T/app/out") >"$T/build.log" 2>&1 ||
    fail "building the scratch heap program: $(tail -5 "$T/build.log")"
mv "$T/app/heapprog/main.go" "$T/moved/src/heapprog/main.go"
run "$GMD" pprof list 'main\.fillCache' --source-path "$T/nowhere" "$T/app/out/heap-3.pb.gz"
assert_rc 0
assert_out_contains "ROUTINE ======================== main.fillCache in $T/app/heapprog/main.go"
assert_out_contains "Error: could not find source file $T/app/heapprog/main.go"
assert_out_lacks "c.add()"
run "$GMD" pprof list 'main\.fillCache' --source-path "$T/nowhere:$T/moved/src" "$T/app/out/heap-3.pb.gz"
assert_rc 0
assert_out_contains "c.add()"
assert_out_lacks "Error:"

run "$GMD" pprof list 'no_such_function_anywhere' "$H3"
assert_rc 1
assert_err_contains "no function matches"

# --- diff ---
# (The unit depends on the smallest value shown, which runtime noise may set: MB or kB.)
run "$GMD" pprof diff -n 0 "$H1" "$H3"
assert_rc 0
grep -qE '^ +(1\.9[0-9]MB|20[0-9][0-9](\.[0-9]+)?kB) .* main\.\(\*leakyCache\)\.add$' "$T/out" || fail "diff: the leak grew by 2000 KiB: $(head -c 900 "$T/out")"
pass
assert_out_lacks "main.steadyBuffer"   # unchanged: nothing to show

run "$GMD" pprof diff -n 0 "$H3" "$H1"
assert_rc 0
grep -qE '^ +-(1\.9[0-9]MB|20[0-9][0-9](\.[0-9]+)?kB) .* main\.\(\*leakyCache\)\.add$' "$T/out" || fail "diff: negative values kept"
pass

run "$GMD" pprof diff --json -i inuse_objects "$H1" "$H3"
assert_rc 0
"$PY" - "$T/out" <<'EOF' || fail "diff --json check failed"
import json, sys
d = json.load(open(sys.argv[1]))
leak = [n for n in d["nodes"] if n["name"] == "main.(*leakyCache).add"]
assert leak and 2000 <= leak[0]["flat"] <= 2010, leak
EOF
pass

# Same as top --base.
run "$GMD" pprof top -n 0 --base "$H1" "$H3"
cp "$T/out" "$T/viabase"
run "$GMD" pprof diff -n 0 "$H1" "$H3"
cmp -s "$T/out" "$T/viabase" || fail "diff differs from top --base"
pass

run "$GMD" pprof diff --flame "$T/diff.svg" "$H1" "$H3"
if [ "$RC" -eq 0 ]; then
    grep -q "<svg" "$T/diff.svg" || fail "diff --flame wrote no SVG"
    pass
else
    assert_rc 1   # the flame renderer may not be built yet: a clean error, not a crash
fi

run "$GMD" pprof diff "$H1"
assert_rc 2
run "$GMD" pprof diff --base "$H1" "$H1" "$H3"
assert_rc 2
assert_err_contains "--base is not used by diff"
run "$GMD" pprof diff "$H1" "$T/missing.pb.gz"
assert_rc 1
assert_err_one_line

# Goroutine profiles take the goroutine path of diff.
run "$GMD" pprof diff "$GR" "$GR"
assert_rc 0

# Output to a file with -o.
run "$GMD" pprof top -o "$T/top.txt" "$H3"
assert_rc 0
grep -q "Showing nodes accounting for" "$T/top.txt" || fail "-o file lacks the report"
pass

# Help teaches.
for sub in top peek tree traces list diff; do
    run "$GMD" pprof "$sub" --help
    assert_rc 0
    assert_out_contains "Example: gmd pprof $sub"
done
done_ok
