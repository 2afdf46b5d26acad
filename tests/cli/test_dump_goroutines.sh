#!/bin/bash
# gmd dump on goroutine leaks (tests/dump-fixtures/goleak): 3,000 goroutines
# blocked in chan send are one group, named by where they block and where
# they were created, and retain exactly their runtime.g, sudog and payload
# each; a program with three idle workers has a group but no goroutine suspect.
. "$(dirname "$0")/lib.sh"
: "${GO:?GO must name the go binary (ctest sets it)}"
: "${SRCDIR:?SRCDIR must name the repository root (ctest sets it)}"

D="$T/goleak"
mkdir -p "$D/leak" "$D/normal"
[ -n "${HOME:-}" ] || export GOCACHE="${TESTTMP:-$T}/gocache"
SRC="$SRCDIR/tests/dump-fixtures/goleak/main.go"
"$GO" build -o "$D/goleak" "$SRC" || fail "cannot build the fixture program"
(cd "$D" && ./goleak "$D/leak" leak >"$D/leak/facts") || fail "fixture program failed (leak)"
(cd "$D" && ./goleak "$D/normal" normal >"$D/normal/facts") || fail "fixture program failed (normal)"
N=$(awk '$1 == "goroutines" {print $2}' "$D/leak/facts")
assert_eq "$N" 3000 "leaking goroutines"
SEND=$(grep -n '// SEND' "$SRC" | cut -d: -f1)
GOLINE=$(grep -n '// GO:' "$SRC" | cut -d: -f1)
BIN="$D/goleak" H="$D/leak/heap.dump"

# The group is the first suspect, in the user's words, then the unrelated cache.
run "$GMD" dump suspects --binary "$BIN" "$H"
assert_rc 0
grep -E "^Suspect 1: 3,000 goroutines blocked in chan send at main\.sender \(main\.go:$SEND\), created at main\.spawn \(main\.go:$GOLINE\), retain [0-9.]+ MiB \([0-9.]+% of the heap\)$" "$T/out" >/dev/null ||
    fail "suspect 1 is not the goroutine group: $(head -c 800 "$T/out")"; pass
assert_out_contains "They hold 9,000 objects"
assert_out_contains "Their stacks take another"
assert_out_contains "    main.sender (main.go:$SEND)"
grep -E '^Suspect 2: main\.cache retains' "$T/out" >/dev/null || fail "suspect 2 is not main.cache: $(head -c 1600 "$T/out")"; pass

run "$GMD" dump suspects --json --binary "$BIN" "$H"
assert_rc 0
FIRST=$(grep -o '"suspects":\[{"root":{[^}]*}' "$T/out")
echo "$FIRST" | grep -qF '"kind":"goroutines","name":"3,000 goroutines [chan send] in main.sender","goroutines":3000,"state":"chan send","function":"main.sender"' ||
    fail "first suspect root: $FIRST"; pass
# exact: each goroutine alone keeps its runtime.g, its sudog (also on the channel's queue) and its payload
assert_eq "$(echo "$FIRST" | sed 's/.*"retained_objects":\([0-9]*\).*/\1/')" 9000 "objects the group retains"
RET=$(echo "$FIRST" | sed 's/.*"retained":\([0-9]*\).*/\1/')
[ "${RET:-0}" -ge $((3000 * (1024 + 400))) ] || fail "the group retains $RET bytes"; pass
GG=$(grep -o '"goroutine_group":{[^}]*}' "$T/out" | head -1)
for kv in '"count":3000' '"state":"chan send"' '"waiting":true' '"function":"main.sender"' "\"line\":$SEND" \
          '"created_by":"main.spawn"' "\"created_line\":$GOLINE"; do
    echo "$GG" | grep -qF "$kv" || fail "goroutine_group lacks $kv: $GG"; pass
done
echo "$GG" | grep -qE '"file":"[^"]*/goleak/main\.go"' || fail "goroutine_group file: $GG"; pass
STK=$(echo "$GG" | sed 's/.*"stack_bytes":\([0-9]*\).*/\1/')
[ "${STK:-0}" -ge $((3000 * 2048)) ] || fail "stack bytes $STK"; pass
# the only other suspect is the cache, with no group
assert_eq "$(grep -o '"goroutine_group":{' "$T/out" | wc -l)" 1 "group suspects"
assert_out_contains '"root":{"kind":"global","name":"main.cache"'

# a binary without DWARF still has its pclntab: the same names and lines
"$GO" build -ldflags=-w -o "$D/goleak-nodwarf" "$SRC" || fail "cannot build without DWARF"
run "$GMD" dump suspects --binary "$D/goleak-nodwarf" "$H"
assert_rc 0
assert_out_contains "Suspect 1: 3,000 goroutines blocked in chan send at main.sender (main.go:$SEND), created at main.spawn (main.go:$GOLINE), retain"

# without the binary: the dump's own function names, no lines
run "$GMD" dump suspects "$H"
assert_rc 0
grep -E '^Suspect 1: 3,000 goroutines blocked in chan send at main\.[a-z.0-9]+, retain ' "$T/out" >/dev/null ||
    fail "suspect 1 without --binary: $(head -c 600 "$T/out")"; pass

# top, summary, histogram and export still work; the group is the top root
run "$GMD" dump top --json --binary "$BIN" "$H"
assert_rc 0
grep -o '"roots":\[{[^}]*}' "$T/out" | grep -qF '"kind":"goroutines","name":"3,000 goroutines [chan send] in main.sender","goroutines":3000' ||
    fail "top root: $(head -c 600 "$T/out")"; pass
run "$GMD" dump top --binary "$BIN" "$H"
assert_rc 0
grep -E '^ +[0-9.]+ MiB +[0-9.]+% +9,000  3,000 goroutines \[chan send\] in main\.sender$' "$T/out" >/dev/null ||
    fail "top text: $(head -c 600 "$T/out")"; pass
run "$GMD" dump summary --json "$H"
assert_rc 0
G=$(grep -o '"goroutines":[0-9]*' "$T/out" | head -1 | cut -d: -f2)
[ "${G:-0}" -ge 3000 ] || fail "summary goroutines $G"; pass
run "$GMD" dump summary --json --binary "$BIN" "$H"
assert_rc 0
assert_out_contains '"goroutine_groups":[{"name":"3,000 goroutines [chan send] in main.sender","goroutines":3000,"retained":'
run "$GMD" dump summary --binary "$BIN" "$H"
assert_rc 0
grep -E '^  alike +3,000 goroutines \[chan send\] in main\.sender, retaining [0-9.]+ MiB$' "$T/out" >/dev/null ||
    fail "summary groups: $(tail -4 "$T/out")"; pass
run "$GMD" dump histogram --by type --json -n 0 --binary "$BIN" "$H"
assert_rc 0
assert_out_contains '"type":"runtime.g"'
# each sender's payload is typed by the parameter of main.sender, inlined into its go wrapper
assert_out_contains '{"type":"main.payload","objects":3000,'
run "$GMD" dump export --pprof --by root --binary "$BIN" "$H" -o "$T/roots.pb.gz"
assert_rc 0
run "$GMD" pprof top -n 0 "$T/roots.pb.gz"
assert_rc 0
assert_out_contains "goroutines"

# show: a runtime.g is its goroutine's, though allgs points at it too
run "$GMD" dump suspects --json --binary "$BIN" "$H"
assert_rc 0
GA=$(grep -o '"example_g":[0-9]*' "$T/out" | head -1 | cut -d: -f2)
[ -n "$GA" ] || fail "no example_g"; pass
run "$GMD" dump show --binary "$BIN" "$H" "$(printf '0x%x' "$GA")"
assert_rc 0
assert_out_contains ": 480 B, runtime.g"
assert_out_contains "It belongs to its goroutine"
grep -qE '^    goroutine [0-9]+ \[chan send\]$' "$T/out" || fail "show: no goroutine among the referrers: $(tail -8 "$T/out")"; pass

# diff: the group grew from 1,000 to 3,000 goroutines; groups match by state and function, not count
run "$GMD" dump diff --json --binary "$BIN" "$D/leak/heap1.dump" "$H"
assert_rc 0
grep -qE '\{"name":"goroutines \[chan send\] in main\.sender","old_bytes":[1-9][0-9]*,"new_bytes":[1-9][0-9]*,' "$T/out" ||
    fail "diff lacks the group: $(head -c 600 "$T/out")"; pass
OLDB=$(grep -o '"name":"goroutines \[chan send\] in main\.sender","old_bytes":[0-9]*,"new_bytes":[0-9]*' "$T/out" | sed 's/.*"old_bytes":\([0-9]*\),"new_bytes":\([0-9]*\)/\1 \2/')
read -r OB NB <<<"$OLDB"
[ $((OB * 3)) -eq "$NB" ] || fail "the group's retained size did not triple: $OB -> $NB"; pass

# A normal program: three idle workers form a group, which is no suspect.
H="$D/normal/heap.dump"
run "$GMD" dump suspects --json --binary "$BIN" "$H"
assert_rc 0
assert_out_lacks '"goroutine_group":{'
assert_out_contains '"goroutine_group":null'
assert_out_contains '"suspects":[{"root":{"kind":"global","name":"main.cache"'
run "$GMD" dump suspects --binary "$BIN" "$H"
assert_rc 0
assert_out_lacks "goroutines blocked"
run "$GMD" dump top --json -n 0 --binary "$BIN" "$H"
assert_rc 0
assert_out_contains '"kind":"goroutines","name":"3 goroutines [chan receive] in main.worker","goroutines":3,"state":"chan receive","function":"main.worker"'
# each worker keeps its runtime.g, sudog and payload
assert_out_contains '"function":"main.worker","retained":'
grep -o '"function":"main.worker","retained":[0-9]*,"retained_objects":[0-9]*' "$T/out" | grep -q '"retained_objects":9$' ||
    fail "the workers' group: $(grep -o '"function":"main.worker"[^}]*' "$T/out")"; pass

done_ok
