#!/usr/bin/env bash
# gmd gc: verdicts on four real Go programs run with GODEBUG=gctrace=1, the
# live --follow pipe, output formats, and bad input.
. "$(dirname "$0")/lib.sh"
: "${GO:?GO must name the go binary (ctest sets it)}"
: "${SRCDIR:?SRCDIR must name the repository (ctest sets it)}"
FX="$SRCDIR/tests/gc-fixtures"

# Verdicts are judged on logs the fixture programs produced once and that are
# kept (tests/gc-logs/README.md): a verdict on a log recorded at test time
# depends on the machine's load. The programs still run here, and what their
# logs must hold whatever the load (enough cycles, every line read) is checked.
LOGS="$SRCDIR/tests/gc-logs"
for p in leak cache churn memlimit; do cp "$LOGS/$p.log" "$T/$p.log"; done

# The programs drive GC by a fixed amount of allocation per step, not by
# wall-clock time, and a small GOGC gives them 100+ cycles in about a second.
for p in leak cache churn memlimit; do
    "$GO" build -o "$T/$p" "$FX/$p.go" || fail "go build $p"
done
GOGC=20 GODEBUG=gctrace=1 "$T/leak" >"$T/live-leak.log" 2>&1 || fail "leak fixture failed"
GOGC=20 GODEBUG=gctrace=1 "$T/cache" >"$T/live-cache.log" 2>&1 || fail "cache fixture failed"
GOGC=20 GODEBUG=gctrace=1 "$T/churn" >"$T/live-churn.log" 2>&1 || fail "churn fixture failed"
GOGC=100 GOMEMLIMIT=140MiB GODEBUG=gctrace=1 "$T/memlimit" >"$T/live-memlimit.log" 2>&1 || fail "memlimit fixture failed"
for p in leak cache churn memlimit; do
    n=$(grep -cE '^gc [0-9]+ @[0-9.]+s [0-9]+%: .* [0-9]+ P( \(forced\))?$' "$T/live-$p.log")
    [ "$n" -ge 30 ] || fail "live $p: only $n complete gctrace lines"; pass
    run "$GMD" gc --json "$T/live-$p.log"; assert_rc 0
    # Every complete line is read (a line the program's own output cut into
    # can be read too, mid-line, so at least n).
    got=$(sed -n 's/.*"gc_lines":\([0-9]*\),.*/\1/p' "$T/out")
    [ -n "$got" ] && [ "$got" -ge "$n" ] || fail "live $p: gmd read $got gc lines of $n complete ones"; pass
done

verdict() { sed -n 's/.*"verdict":"\([a-z_]*\)".*/\1/p' "$T/out"; }

run "$GMD" gc "$T/leak.log"; assert_rc 0
assert_out_contains "verdict: GROWING"
assert_out_contains "at this rate the live heap reaches"
head -1 "$T/out" | grep -q '^verdict:' || fail "the verdict is not the first line"; pass
run "$GMD" gc --json "$T/leak.log"; assert_rc 0; assert_eq "$(verdict)" growing "leak verdict"

run "$GMD" gc "$T/cache.log"; assert_rc 0
assert_out_contains "verdict: stable"; assert_out_contains "plateau"; assert_out_contains "warm-up ended"
run "$GMD" gc --json "$T/cache.log"; assert_rc 0; assert_eq "$(verdict)" stable "cache verdict"
assert_out_contains '"plateau":true'

run "$GMD" gc --json "$T/churn.log"; assert_rc 0; assert_eq "$(verdict)" stable "churn verdict"
assert_out_contains '"memory_limit_pressure":false'

run "$GMD" gc --json "$T/memlimit.log"; assert_rc 0; assert_eq "$(verdict)" growing "memlimit verdict"
assert_out_contains '"memory_limit_pressure":true'
run "$GMD" gc "$T/memlimit.log"; assert_rc 0; assert_out_contains "memory limit pressure"

# Every complete gc line of the log is a cycle; the program's own lines are
# counted as skipped. The runtime writes a gctrace line in several write()s, so
# the program's own stderr line can land inside one and cut it in two: such a
# cut line is skipped, not a cycle, and is not counted here either.
n=$(grep -cE '^gc [0-9]+ @[0-9.]+s [0-9]+%: .* [0-9]+ P( \(forced\))?$' "$T/leak.log")
run "$GMD" gc --csv "$T/leak.log"; assert_rc 0
assert_eq "$(($(wc -l <"$T/out") - 1))" "$n" "CSV rows"
assert_out_contains "n,run,t_s,wall,"
run "$GMD" gc --json "$T/leak.log"; assert_out_contains "\"gc_lines\":$n,"

# A gzip'd log on standard input reads like the plain one; a cut one is a
# one-line error.
gzip -c "$T/leak.log" >"$T/leak.log.gz"
"$GMD" gc --json - <"$T/leak.log.gz" >"$T/out" 2>"$T/err"; RC=$?
assert_rc 0; assert_out_contains "\"gc_lines\":$n,"; assert_eq "$(verdict)" growing "gzip on stdin: verdict"
head -c 2000 "$T/leak.log.gz" | "$GMD" gc - >"$T/out" 2>"$T/err"; RC=$?
assert_rc 1; assert_err_one_line; assert_err_contains "truncated"

# Chart: a complete SVG with axes, legend and the verdict.
run "$GMD" gc --svg "$T/leak.svg" "$T/leak.log"; assert_rc 0
grep -q '</svg>' "$T/leak.svg" || fail "svg incomplete"; pass
grep -q 'live heap after GC' "$T/leak.svg" || fail "svg lacks legend"; pass
grep -q 'GROWING' "$T/leak.svg" || fail "svg lacks verdict"; pass

# Foreign, cut and interleaved lines, timestamps and restarts.
{
    echo "2024/05/01 12:00:00 listening on :8080"
    echo "gc 1 @0.010s 2%: 0.010+0.20+0.003 ms clock, 0.020+0.10/0.20/0+0.006 ms cpu, 4->4->2 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 2 P"
    echo "gc 2 @0.020s 2%: 0.010+0.20+0.003 ms clock, 0.020+0.10/0.2"
    echo "request servedgc 3 @0.030s 2%: 0.010+0.20+0.003 ms clock, 0.020+0.10/0.20/0+0.006 ms cpu, 5->5->3 MB, 5 MB goal, 0 MB stacks, 0 MB globals, 2 P"
    echo "gc 4 @0.040s 2%: 0.010+0.20+0.003 ms clock, 0.020+0.10/0.20/0+0.006 ms cpu, 5->6->3 MB, 6 MB goal, 2 P (forced)"
    printf 'gc 5 @0.050s 2%%: 0.010+0.20+0.003 ms clock'
} >"$T/mixed.log"
run "$GMD" gc --json "$T/mixed.log"; assert_rc 0
assert_out_contains '"gc_lines":3,'; assert_out_contains '"gc_midline":1,'; assert_out_contains '"malformed_lines":2,'
assert_out_contains '"foreign_lines":1,'; assert_out_contains '"forced":1,'
assert_eq "$(verdict)" insufficient_data "few cycles"

sed 's/^/2024-05-01T10:00:00.000000000Z stderr F /' "$T/cache.log" >"$T/cri.log"
run "$GMD" gc --json "$T/cri.log"; assert_rc 0; assert_eq "$(verdict)" stable "CRI-prefixed cache verdict"
assert_out_contains '"wall":1714557600'
run "$GMD" gc --start 2024-05-01T09:00:00Z "$T/leak.log"; assert_rc 0; assert_out_contains "2024-05-01 09:00:0"

cat "$T/churn.log" "$T/leak.log" >"$T/two-runs.log"
run "$GMD" gc --json "$T/two-runs.log"; assert_rc 0; assert_eq "$(verdict)" growing "last run analysed"
assert_out_contains '"runs":2,'

# Live mode: every byte passes through unchanged, the summary goes to stderr.
GODEBUG=gctrace=1 GOGC=20 "$T/leak" 2>&1 | "$GMD" gc --follow - >"$T/pass" 2>"$T/summary"
RC=$?; assert_rc 0
grep -q 'leak: done 400' "$T/pass" || fail "program output was not passed through"; pass
[ "$(grep -c '^gc [0-9]' "$T/pass")" -gt 50 ] || fail "gc lines not passed through"; pass
grep -q 'verdict: GROWING' "$T/summary" || fail "follow summary: $(head -3 "$T/summary")"; pass
cmp -s "$T/mixed.log" <("$GMD" gc --follow - <"$T/mixed.log" 2>/dev/null) || fail "passthrough altered bytes"; pass
# Output appears before the input ends (nothing is held back). The input
# stays open until the first line has come out (polled, up to 60 s), so a
# slow start under load cannot fail this; only holding output back can.
{ echo "first line"; for _ in $(seq 1 1200); do [ -e "$T/seen" ] && break; sleep 0.1; done; echo "second line"; } |
    "$GMD" gc --follow - >"$T/early" 2>/dev/null &
for _ in $(seq 1 600); do grep -q 'first line' "$T/early" && break; sleep 0.1; done
grep -q 'first line' "$T/early" || fail "--follow held back the program's output"; pass
touch "$T/seen"
wait

# Bad input and usage.
echo "just a log line" >"$T/none.log"
run "$GMD" gc "$T/none.log"; assert_rc 1; assert_err_one_line; assert_err_contains "no GODEBUG=gctrace=1 lines"
run "$GMD" gc "$T/missing.log"; assert_rc 1; assert_err_contains "missing.log"
run "$GMD" gc; assert_rc 2
run "$GMD" gc --bogus x; assert_rc 2; assert_err_contains "unknown option"
run "$GMD" gc --start yesterday x; assert_rc 2
run "$GMD" gc --json --csv x; assert_rc 2
run "$GMD" gc --help; assert_rc 0; assert_out_contains "GODEBUG=gctrace=1 ./app 2>&1 | gmd gc --follow -"
done_ok
