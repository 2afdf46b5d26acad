#!/bin/bash
# gmd dump on heap dumps from a real Go program (tests/dump-fixtures/leaky)
# that builds known structures: a 1000-node linked list of 1 KiB nodes, a
# map of 100 slices of 4 KiB, a goroutine holding 1 MiB on its stack, and a
# 64 KiB object shared by two globals.
. "$(dirname "$0")/lib.sh"
: "${GO:?GO must name the go binary (ctest sets it)}"
: "${SRCDIR:?SRCDIR must name the repository root (ctest sets it)}"

D="$T/dump"
mkdir -p "$D"
[ -n "${HOME:-}" ] || export GOCACHE="${TESTTMP:-$T}/gocache"
"$GO" build -o "$D/leaky" "$SRCDIR/tests/dump-fixtures/leaky/main.go" || fail "cannot build the fixture program"
(cd "$D" && ./leaky "$D" >"$D/facts") || fail "fixture program failed"
LAST=$(awk '$1 == "last" {print $2}' "$D/facts")
[ -n "$LAST" ] || fail "fixture printed no address"
H1="$D/heap1.dump" H2="$D/heap2.dump" BIN="$D/leaky"

# --help everywhere
for verb in summary top path show suspects diff histogram export; do
    run "$GMD" dump $verb --help
    assert_rc 0
    assert_out_contains "usage: gmd dump $verb"
    assert_out_contains "Example"
done
run "$GMD" dump --help; assert_rc 0; assert_out_contains "suspects"
run "$GMD" dump frobnicate "$H1"; assert_rc 2
run "$GMD" dump top; assert_rc 2

# summary
run "$GMD" dump summary "$H1"
assert_rc 0
assert_out_contains "go1."
assert_out_contains "goroutines"
run "$GMD" dump summary --json "$H1"
assert_rc 0
assert_out_contains '"goarch":"amd64"'

# top: the list's global retains exactly 1000 nodes of 1024 bytes
run "$GMD" dump top --json -n 0 --binary "$BIN" "$H1"
assert_rc 0
assert_out_contains '"name":"main.list","address":'
LIST=$(grep -o '"name":"main.list","address":[0-9]*,"retained":[0-9]*,"retained_objects":[0-9]*' "$T/out")
assert_eq "$(echo "$LIST" | sed 's/.*"retained":\([0-9]*\).*/\1/')" 1024000 "main.list retained bytes"
assert_eq "$(echo "$LIST" | sed 's/.*"retained_objects":\([0-9]*\).*/\1/')" 1000 "main.list retained objects"
# the map retains its 100 slices of 4096 bytes plus its own memory
REG=$(grep -o '"name":"main.registry","address":[0-9]*,"retained":[0-9]*,"retained_objects":[0-9]*' "$T/out")
REGB=$(echo "$REG" | sed 's/.*"retained":\([0-9]*\).*/\1/')
[ "${REGB:-0}" -ge 409600 ] && [ "$REGB" -lt 600000 ] || fail "main.registry retains $REGB bytes"; pass
# the 64 KiB object shared by two globals is retained by neither alone
SHARED=$(grep -o '"shared_bytes":[0-9]*' "$T/out" | cut -d: -f2)
[ "${SHARED:-0}" -ge 65536 ] || fail "shared bytes $SHARED"; pass
SA=$(grep -o '"name":"main.sharedA","address":[0-9]*,"retained":[0-9]*' "$T/out" | sed 's/.*"retained":\([0-9]*\).*/\1/')
[ "${SA:-0}" -lt 65536 ] || fail "main.sharedA alone retains $SA bytes"; pass

run "$GMD" dump top --binary "$BIN" "$H1"
assert_rc 0
assert_out_contains "main.list"
assert_out_contains "in main.holder"
# the goroutine blocked in main.holder retains its 1 MiB buffer
grep -E '^ +1\.0 MiB .* goroutine [0-9]+ \[chan receive\]' "$T/out" >/dev/null || fail "goroutine root does not retain 1 MiB: $(head -c 800 "$T/out")"; pass
assert_out_contains "main.node"

# without --binary, roots are addresses in the data/bss segments
run "$GMD" dump top "$H1"
assert_rc 0
assert_out_contains "bss+0x"
assert_out_lacks "main.list"

# suspects name the global and the goroutine, with their paths
run "$GMD" dump suspects --binary "$BIN" "$H1"
assert_rc 0
assert_out_contains "main.list retains"
assert_out_contains "heads a chain"
assert_out_contains "goroutine"
assert_out_contains "-> main.holder (frame"
assert_out_contains "main.registry retains"
assert_out_contains "map[int][]uint8 reached from main.registry holds 100 entries"
# the goroutine's buffer is typed from main.holder's DWARF local at the frame's PC
assert_out_contains "A 1.0 MiB backing array ([]uint8) reached from goroutine"
run "$GMD" dump suspects --json --binary "$BIN" "$H1"
assert_rc 0
assert_out_contains '"chain":true'

# path to the last list node walks the whole list from main.list
run "$GMD" dump path --binary "$BIN" "$H1" "$LAST"
assert_rc 0
assert_out_contains "Path 1 from main.list (1000 steps)"
assert_out_contains "more steps"
assert_out_contains "-> +8 object"
run "$GMD" dump path "$H1" 0x10
assert_rc 1
assert_err_contains "no heap object contains"
run "$GMD" dump path "$H1" nothex
assert_rc 2

# histogram by size and by type
run "$GMD" dump histogram "$H1"
assert_rc 0
grep -E '^ +1,0[0-9][0-9] .* 1\.0 KiB$' "$T/out" >/dev/null || fail "no 1 KiB row with ~1000 objects: $(head -c 800 "$T/out")"; pass
run "$GMD" dump histogram --by type --binary "$BIN" "$H1"
assert_rc 0
assert_out_contains "main.node"
assert_out_contains "map[int][]uint8"
assert_out_contains "[]map.group[int][]uint8"
run "$GMD" dump histogram --by colour "$H1"
assert_rc 2

# diff: the list grew by 500 nodes of 1 KiB
run "$GMD" dump diff --binary "$BIN" "$H1" "$H2"
assert_rc 0
assert_out_contains "+500.0 KiB"
assert_out_contains "main.list"
run "$GMD" dump diff --json --binary "$BIN" "$H1" "$H2"
assert_rc 0
assert_out_contains '{"name":"main.list","old_bytes":1024000,"new_bytes":1536000'
assert_out_contains '"types":[{"name":"main.node","old_bytes":1024000,"new_bytes":1536000'

# export: retained sizes as a pprof profile that pprof tools read
run "$GMD" dump export --pprof --by root --binary "$BIN" "$H1" -o "$T/roots.pb.gz"
assert_rc 0
run "$GMD" pprof top -n 0 "$T/roots.pb.gz"
assert_rc 0
assert_out_contains "retained_space"
assert_out_contains "main.list"
assert_out_contains "main.holder"
run "$GMD" dump export --pprof --binary "$BIN" "$H1" -o "$T/sites.pb.gz"
assert_rc 0
run "$GMD" pprof top --cum -n 0 "$T/sites.pb.gz"
assert_rc 0
assert_out_contains "main.holder"
run "$GMD" dump export "$H1" -o "$T/x.pb.gz"
assert_rc 2

# bad input: one-line errors with byte offsets, never a crash
head -c 100000 "$H1" >"$T/trunc.dump"
run "$GMD" dump summary "$T/trunc.dump"
assert_rc 1
assert_err_one_line
assert_err_contains "trunc.dump: byte "
printf 'hello world, not a dump' >"$T/bad.dump"
run "$GMD" dump summary "$T/bad.dump"
assert_rc 1
assert_err_contains "not a Go heap dump"
run "$GMD" dump summary "$T/missing.dump"
assert_rc 1
# a wrong binary is refused
run "$GMD" dump top --binary /bin/sh "$H1"
assert_rc 1
run "$GMD" dump top --binary "$T/bad.dump" "$H1"
assert_rc 1
assert_err_contains "not an ELF binary"

done_ok
