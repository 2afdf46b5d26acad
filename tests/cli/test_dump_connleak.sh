#!/bin/bash
# gmd dump on a connection leak (tests/dump-fixtures/connleak): 500 *main.Conn
# each held by its reader goroutine, its writer goroutine, the map main.conns
# and the map in main.srv's clients field. No root retains them, so the type
# is the suspect: first, with its count, the retained size of the set (as
# histogram --by type says) and its four holders, each referencing all 500;
# main.cache comes next.
. "$(dirname "$0")/lib.sh"
: "${GO:?GO must name the go binary (ctest sets it)}"
: "${SRCDIR:?SRCDIR must name the repository root (ctest sets it)}"

D="$T/connleak"
mkdir -p "$D"
[ -n "${HOME:-}" ] || export GOCACHE="${TESTTMP:-$T}/gocache"
SRC="$SRCDIR/tests/dump-fixtures/connleak/main.go"
"$GO" build -o "$D/connleak" "$SRC" || fail "cannot build the fixture program"
(cd "$D" && ./connleak "$D" >"$D/facts") || fail "fixture program failed"
assert_eq "$(awk '$1 == "conns" {print $2}' "$D/facts")" 500 "connections"
RECV=$(grep -n '// RECV' "$SRC" | cut -d: -f1)
BIN="$D/connleak" H="$D/heap.dump"
command -v jq >/dev/null || fail "jq is needed"

run "$GMD" dump suspects --json --binary "$BIN" "$H"
assert_rc 0
J="$T/suspects.json"
cp "$T/out" "$J"
q() { jq -r "$1" "$J"; }
assert_eq "$(q '.suspects[0].kind')" type "suspect 1 kind"
assert_eq "$(q '.suspects[0].type')" main.Conn "suspect 1 type"
assert_eq "$(q '.suspects[0].objects')" 500 "objects"
assert_eq "$(q '.suspects[0].shared_objects')" 500 "shared objects"
# existing fields kept: the root is one of them, shared by several roots
assert_eq "$(q '.suspects[0].root.type')" main.Conn "root of a type suspect"
assert_eq "$(q '.suspects[0].shared')" true "shared"
# retained: at least each Conn (80 B slot), its 2 KiB read and 1 KiB write buffer, and exactly what histogram --by type says
RET=$(q '.suspects[0].retained')
[ "$RET" -ge $((500 * (80 + 2048 + 1024))) ] && [ "$RET" -le $((500 * 3600)) ] || fail "retained $RET"; pass
assert_eq "$(q '.suspects[0].shared_retained')" "$RET" "shared retained"
SHARE=$(q '.suspects[0].share')
assert_eq "$(jq -n "($RET / $(q '.reachable_bytes') - $SHARE) | fabs < 1e-9")" true "share is retained / reachable"
run "$GMD" dump histogram --by type --json -n 0 --binary "$BIN" "$H"
assert_rc 0
assert_eq "$(jq -r '.rows[] | select(.type == "main.Conn") | .retained' "$T/out")" "$RET" "the histogram's retained"

# holders: the map with its entries and the global above it, and both goroutine groups, each referencing all 500
assert_eq "$(q '.suspects[0].holders | length')" 4 "holders"
assert_eq "$(q '.suspects[0].more_holders')" 0 "more holders"
assert_eq "$(q '[.suspects[0].holders[] | select(.container == "map" and .container_type == "map[int]*main.Conn" and .entries == 500 and .containers == 1 and .root.kind == "global" and .root.name == "main.conns" and .objects == 500)] | length')" 1 "the map holder"
assert_eq "$(q '[.suspects[0].holders[] | select(.container == "map" and .field == "main.Server.clients" and .entries == 500 and .root.name == "main.srv" and .objects == 500)] | length')" 1 "the map in a field"
assert_eq "$(q '[.suspects[0].holders[] | select(.container == null and .root.kind == "goroutines" and .goroutine_group.function == "main.readLoop" and .goroutine_group.count == 500 and .goroutine_group.state == "chan receive" and .goroutine_group.line == '"$RECV"' and .objects == 500)] | length')" 1 "the readers"
assert_eq "$(q '[.suspects[0].holders[] | select(.container == null and .goroutine_group.function == "main.writeLoop" and .goroutine_group.count == 500 and .goroutine_group.state == "select" and .objects == 500)] | length')" 1 "the writers"
# root suspects follow, ranked by retained size, and say they are
assert_eq "$(q '.suspects[1].kind')" root "suspect 2 kind"
assert_eq "$(q '.suspects[1].root.name')" main.cache "suspect 2"
[ "$(q '.suspects[1].root.retained')" -le "$RET" ] || fail "suspect 2 retains more than suspect 1"; pass

run "$GMD" dump suspects --binary "$BIN" "$H"
assert_rc 0
grep -E '^Suspect 1: 500 objects of main\.Conn retain [0-9.]+ MiB \([0-9.]+% of the heap\) together; no root retains them alone\.$' "$T/out" >/dev/null ||
    fail "suspect 1 text: $(head -c 800 "$T/out")"; pass
assert_out_contains "  500 of them ("
assert_out_contains "    500 from map[int]*main.Conn reached from main.conns holding 500 entries"
assert_out_contains "    500 from map[int]*main.Conn in main.Server.clients reached from main.srv holding 500 entries"
assert_out_contains "    500 from 500 goroutines blocked in chan receive at main.readLoop (main.go:$RECV), created at main.accept"
assert_out_contains "    500 from 500 goroutines blocked in select at main.writeLoop (main.go:"
grep -qE '^Suspect 2: main\.cache retains' "$T/out" || fail "suspect 2 text: $(head -c 1600 "$T/out")"; pass
assert_out_lacks "No leak suspect"

# diff: 200 -> 500 connections; the groups' goroutines are in the groups' rows, not rows of their own
run "$GMD" dump diff --binary "$BIN" "$D/heap1.dump" "$H"
assert_rc 0
assert_out_contains "goroutines [chan receive] in main.readLoop"
assert_out_contains "goroutines [select] in main.writeLoop"
# (the few goroutines alone -- main, the runtime's -- may have rows; the 1,000 in groups must not)
N=$(grep -cE '  goroutine [0-9]+$' "$T/out")
[ "$N" -lt 50 ] || fail "$N goroutine rows next to the groups: $(head -c 800 "$T/out")"; pass
run "$GMD" dump diff --json --binary "$BIN" "$D/heap1.dump" "$H"
assert_rc 0
assert_eq "$(jq '[.roots[] | select(.name | test("^goroutine [0-9]+$"))] | length < 50' "$T/out")" true "goroutine rows in JSON"

# without the binary there are no types: no type suspect, and no crash
run "$GMD" dump suspects --json "$H"
assert_rc 0
assert_eq "$(jq '[.suspects[] | select(.kind == "type")] | length' "$T/out")" 0 "type suspects without --binary"

done_ok
