#!/bin/bash
# gmd dump on a service-like Go program (tests/dump-fixtures/service): roots
# in unnamed static blocks are named after the globals pointing at them, and
# with --binary nearly every reachable byte gets a type, propagated through
# structs, slices, strings, maps, channels and interfaces.
. "$(dirname "$0")/lib.sh"
: "${GO:?GO must name the go binary (ctest sets it)}"
: "${SRCDIR:?SRCDIR must name the repository root (ctest sets it)}"

D="$T/service"
mkdir -p "$D"
[ -n "${HOME:-}" ] || export GOCACHE="${TESTTMP:-$T}/gocache"
"$GO" build -o "$D/service" "$SRCDIR/tests/dump-fixtures/service/main.go" || fail "cannot build the fixture program"
(cd "$D" && ./service "$D" >"$D/facts") || fail "fixture program failed"
fact() { awk -v k="$1" '$1 == k {print $2}' "$D/facts"; }
H="$D/heap.dump" BIN="$D/service"

# Roots: the static SessionRegistry is named after main.registry; no root is a bare segment offset.
run "$GMD" dump top --json -n 0 --binary "$BIN" "$H"
assert_rc 0
assert_out_contains '"name":"main.registry -> static main.SessionRegistry"'
assert_out_contains '"name":"main.router"'
assert_out_contains '"name":"main.shapes"'
assert_out_contains '"name":"main.lookup"'
assert_out_contains '"name":"main.handlers"'
assert_out_lacks '"name":"data+0x'
assert_out_lacks '"name":"bss+0x'
run "$GMD" dump top --binary "$BIN" "$H"
assert_rc 0
grep -E '^ +[0-9.]+ [KM]iB +[0-9.]+% +[0-9,]+ +main\.registry -> static main\.SessionRegistry$' "$T/out" >/dev/null ||
    fail "main.registry is not the top root: $(head -c 600 "$T/out")"; pass

# Globals at the very start of .data and .bss (main.first, main.router; the
# fixture declares them so) are named: a root at a segment's offset 0.
seg_first() {   # runtime.data|runtime.bss -> "HEXADDR NAME" of the sized symbol at the segment's start
    "$GO" tool nm -n -size "$BIN" | awk -v m="$1" '{a[NR] = $1; s[NR] = $2; n[NR] = $4} $4 == m {at = $1}
        END {for (i = 1; i <= NR; i++) if (a[i] == at && s[i] > 0) {print a[i], n[i]; exit}}'
}
read -r DA DN <<<"$(seg_first runtime.data)"
read -r BA BN <<<"$(seg_first runtime.bss)"
assert_eq "$DN" main.first "first symbol of .data"
assert_eq "$BN" main.router "first symbol of .bss"
run "$GMD" dump top --json -n 0 --binary "$BIN" "$H"
assert_rc 0
assert_out_contains "{\"kind\":\"global\",\"name\":\"main.first\",\"address\":$((16#$DA)),"
assert_out_contains "{\"kind\":\"global\",\"name\":\"main.router\",\"address\":$((16#$BA)),"

# Typed share: at least 90% of reachable bytes.
run "$GMD" dump summary --json --binary "$BIN" "$H"
assert_rc 0
RB=$(grep -o '"reachable_bytes":[0-9]*' "$T/out" | cut -d: -f2)
TB=$(grep -o '"typed_bytes":[0-9]*' "$T/out" | cut -d: -f2)
TO=$(grep -o '"typed_objects":[0-9]*' "$T/out" | cut -d: -f2)
[ -n "$RB" ] && [ -n "$TB" ] && [ "${TO:-0}" -gt 20000 ] || fail "no typed counts: $(head -c 400 "$T/out")"; pass
[ $((TB * 100)) -ge $((RB * 90)) ] || fail "only $TB of $RB reachable bytes typed"; pass
# unreachable objects: nearly all are span tails (bitmaps the dump writes as objects), and say so
UN=$(grep -o '"unreachable_objects":[0-9]*' "$T/out" | cut -d: -f2)
ST=$(grep -o '"span_tail_objects":[0-9]*' "$T/out" | cut -d: -f2)
[ "${ST:-0}" -gt 0 ] && [ "$ST" -le "${UN:-0}" ] || fail "span tails $ST of $UN unreachable"; pass
run "$GMD" dump summary --binary "$BIN" "$H"
assert_rc 0
assert_out_contains "are not objects: the ends of small-object spans"
# without --binary only malloc headers type objects: far fewer
run "$GMD" dump summary --json "$H"
assert_rc 0
TB0=$(grep -o '"typed_bytes":[0-9]*' "$T/out" | cut -d: -f2)
[ "${TB0:-0}" -lt $((RB / 2)) ] || fail "typed without --binary: $TB0"; pass

# Known objects have their types (path prints the target's type).
check_type() {   # fact expected-type
    local a; a=$(fact "$1")
    [ -n "$a" ] || fail "fixture printed no $1"
    run "$GMD" dump path --paths 1 --binary "$BIN" "$H" "$a"
    assert_rc 0
    head -1 "$T/out" | grep -F -- "$2)" >/dev/null || fail "$1 at $a: want type $2, got: $(head -1 "$T/out")"; pass
}
check_type session "main.Session"
check_type user "main.User"
check_type events "[]main.Event"
check_type shapes "[]main.Shape"
check_type router "main.Router"
check_type queue "chan *main.Event"

# Strings from strings.Fields share one backing array: the first and the last word are in one
# "string data" object as long as the text (4,600 bytes, in a 4,864-byte slot).
run "$GMD" dump path --paths 1 --binary "$BIN" "$H" "$(fact word0)"
assert_rc 0
W0=$(head -1 "$T/out")
run "$GMD" dump path --paths 1 --binary "$BIN" "$H" "$(fact wordN)"
assert_rc 0
assert_eq "$(head -1 "$T/out")" "$W0" "the object holding the last word"
echo "$W0" | grep -qE '^object 0x[0-9a-f]+ \(4864 B, string data\) retains 4\.8 KiB$' || fail "words' backing array: $W0"; pass
assert_out_contains "Path 1 from main.words (2 steps):"
# main.first points from .data to a heap main.User: typed and retained
check_type first "main.User"

# histogram by type: the map's groups, interface dynamic types, string bytes
run "$GMD" dump histogram --by type --json -n 0 --binary "$BIN" "$H"
assert_rc 0
assert_out_contains '"type":"map[string]*main.Session"'
assert_out_contains '"type":"[]map.group[string]*main.Session"'
assert_out_contains '"type":"map.group[string]string"'
assert_out_contains '"type":"main.Circle"'
assert_out_contains '"type":"main.Rect"'
assert_out_contains '"type":"main.echo"'
assert_out_contains '"type":"main.counter"'
assert_out_contains '"type":"string data"'
# the 50 closures of main.handlers, named after their function
assert_out_contains '{"type":"closure main.build.func1","objects":50,'
SESS=$(grep -o '{"type":"main.Session","objects":[0-9]*' "$T/out" | sed 's/.*://')
assert_eq "$SESS" 2000 "main.Session objects"
# retained by all main.Session objects: at least their own bytes and their users, events, data
SR=$(grep -o '{"type":"main.Session","objects":[0-9]*,"bytes":[0-9]*,"reachable_objects":[0-9]*,"reachable_bytes":[0-9]*,"retained":[0-9]*' "$T/out" | sed 's/.*"retained"://')
[ "${SR:-0}" -gt $((2000 * 112 + 2000 * 256)) ] || fail "main.Session objects retain $SR"; pass
EV=$(grep -o '{"type":"\[\]main.Event","objects":[0-9]*' "$T/out" | sed 's/.*://')
assert_eq "$EV" 2000 "[]main.Event backing arrays"
# sync.Map's contents: through atomic.Pointer[T] and the trie's entry nodes to the *main.Token values
assert_out_contains '{"type":"internal/sync.entry[interface {},interface {}]","objects":100,'
assert_out_contains '{"type":"main.Token","objects":100,'
# the closures of the 20 parked goroutines: only the runtime's untyped words point at them
assert_out_contains '{"type":"closure main.build.func2","objects":20,'

# suspects name the declared container, not the map's internal tables
run "$GMD" dump suspects --binary "$BIN" "$H"
assert_rc 0
assert_out_contains "Suspect 1: main.registry -> static main.SessionRegistry retains"
assert_out_contains "map[string]*main.Session reached from main.registry -> static main.SessionRegistry holds 2,000 entries retaining"
run "$GMD" dump suspects --json --binary "$BIN" "$H"
assert_rc 0
assert_out_contains '"container":"map","entries":2000'
assert_out_contains '"types":[{"type":"map[string]*main.Session","objects":1,'
assert_out_contains '{"type":"main.Session","objects":2000,'
assert_out_lacks '"type":"table<'

# show: one object's fields with types and values, and who points at it
run "$GMD" dump show --binary "$BIN" "$H" "$(fact session)"
assert_rc 0
assert_out_contains "main.Session"
grep -E '^ +\+0 +ID +string +"session-[0-9]{5}" \(len 13\)$' "$T/out" >/dev/null || fail "no ID string field: $(head -c 800 "$T/out")"; pass
grep -E '^ +\+48 +Events +\[\]main\.Event +len 4, cap 4 -> 0x' "$T/out" >/dev/null || fail "no Events slice field"; pass
grep -E '^ +\+72 +Attrs +map\[string\]string +-> 0x[0-9a-f]+ \(map\[string\]string, 2 entries\)$' "$T/out" >/dev/null || fail "no Attrs map field"; pass
grep -E '^ +\+80 +Handler +main\.Handler +(\*main\.echo|main\.counter) 0x' "$T/out" >/dev/null || fail "no Handler dynamic type"; pass
assert_out_contains "[]map.group[string]*main.Session) at +"
run "$GMD" dump show --json --binary "$BIN" "$H" "$(fact router)"
assert_rc 0
assert_out_contains '"name":"reg","type":"*main.SessionRegistry"'
assert_out_contains '(static data)'
assert_out_contains '"referrers_count":1'
run "$GMD" dump show "$H" 0x10
assert_rc 1
assert_err_contains "no heap object contains"

# a binary without DWARF still names roots (symbols), with header types only
"$GO" build -ldflags=-w -o "$D/service-nodwarf" "$SRCDIR/tests/dump-fixtures/service/main.go" || fail "cannot build without DWARF"
run "$GMD" dump summary --json --binary "$D/service-nodwarf" "$H"
assert_rc 0
TBW=$(grep -o '"typed_bytes":[0-9]*' "$T/out" | cut -d: -f2)
[ "${TBW:-0}" -lt $((RB / 2)) ] || fail "typed without DWARF: $TBW"; pass

# A dump from Go 1.22 (map buckets before Go 1.24's swiss tables): types from that binary's
# DWARF, never the newer layout's. Only when the fixtures setup got Go 1.22.12 (it builds
# traceprog-go122 with it, so the toolchain is cached); skipped otherwise, as that is.
if [ -x "$FIXTURES/trace/traceprog-go122" ] &&
    timeout 120 env GOTOOLCHAIN=go1.22.12 "$GO" build -o "$D/service122" "$SRCDIR/tests/dump-fixtures/service/main.go" 2>"$D/go122.log"; then
    mkdir -p "$D/122"
    (cd "$D/122" && "$D/service122" "$D/122" >"$D/122/facts") || fail "Go 1.22 fixture program failed"
    H122="$D/122/heap.dump"
    run "$GMD" dump summary --binary "$D/service122" "$H122"
    assert_rc 0
    assert_out_contains "go1.22.12 amd64"
    run "$GMD" dump histogram --by type --json -n 0 --binary "$D/service122" "$H122"
    assert_rc 0
    assert_out_lacks 'map.group['
    assert_out_lacks '"type":"table<'
    assert_out_contains '{"type":"main.Session","objects":2000,'
    assert_out_contains '{"type":"main.User","objects":'
    assert_out_contains '{"type":"map[string]*main.Session","objects":1,'
    assert_out_contains '{"type":"closure main.build.func1","objects":50,'
    run "$GMD" dump suspects --binary "$D/service122" "$H122"
    assert_rc 0
    assert_out_contains "map[string]*main.Session reached from main.registry -> static main.SessionRegistry holds 2,000 entries retaining"
    assert_out_lacks "bucket<string,*main.Session> retain"
    run "$GMD" dump path --paths 1 --binary "$D/service122" "$H122" "$(awk '$1 == "session" {print $2}' "$D/122/facts")"
    assert_rc 0
    head -1 "$T/out" | grep -qF -- "main.Session)" || fail "Go 1.22 session type: $(head -1 "$T/out")"; pass
else
    echo "test_dump_types: WARNING: SKIPPED the Go 1.22 dump: no Go 1.22.12 ($(tail -1 "$D/go122.log" 2>/dev/null || echo "the fixtures have no traceprog-go122"))" >&2
fi

done_ok
