#!/usr/bin/env bash
# Inputs and outputs that must not hang gmd or eat the machine (issue 11):
# FIFOs and pipes read once and in constant memory, absurd gctrace values
# refused, write errors said, very deep and very wide profiles in bounded
# time (wide bounds under `timeout`; nothing here compares timings).
source "$(dirname "$0")/lib.sh"
LOG="$SRCDIR/tests/gc-logs/leak.log"
GEN="$SRCDIR/tests/caps-fixtures/genprof.py"
# Address-space limits mean nothing to a sanitizer build (its shadow memory).
if grep -q __asan_init "$GMD" 2>/dev/null; then ASAN=1; else ASAN=0; fi

# --- gmd gc on a FIFO: opened once (it used to open it twice and hang when
# the writer had gone after the first open).
mkfifo "$T/fifo"
for i in 1 2 3 4 5; do
    cat "$LOG" >"$T/fifo" &
    W=$!
    run timeout 60 "$GMD" gc "$T/fifo"
    wait $W
    assert_rc 0
    assert_out_contains "verdict: GROWING"
done

# --- a pipe (<(cmd)) is streamed like '-': 400 MB through a 100 MB address
# space (it used to be read whole: "out of memory").
if [ "$ASAN" = 0 ]; then
    run bash -c 'ulimit -v 100000; timeout 120 "$1" gc <(cat "$2"; yes "the program said something" | head -c 400000000)' _ "$GMD" "$LOG"
    assert_rc 0
    assert_out_contains "verdict: GROWING"
    assert_out_contains "191 gc cycles"
fi
# A gzip'd log on a pipe still reads (inflated under the caps).
gzip -c "$LOG" >"$T/leak.log.gz"
run timeout 60 "$GMD" gc <(cat "$T/leak.log.gz")
assert_rc 0
assert_out_contains "verdict: GROWING"

# --- an endless device is streamed in constant memory and stops on SIGTERM
# with the summary of what it read (it used to be read whole, up to 4 GiB).
"$GMD" gc /dev/zero >"$T/out" 2>"$T/err" &
Z=$!
# The handler is installed before the open: wait until the device is open.
for _ in $(seq 600); do ls -l "/proc/$Z/fd" 2>/dev/null | grep -q /dev/zero && break; sleep 0.1; done
ls -l "/proc/$Z/fd" 2>/dev/null | grep -q /dev/zero || fail "gmd gc /dev/zero did not open it"
kill -TERM "$Z"
for _ in $(seq 600); do kill -0 "$Z" 2>/dev/null || break; sleep 0.1; done
kill -0 "$Z" 2>/dev/null && { kill -KILL "$Z"; fail "gmd gc /dev/zero ignored SIGTERM"; }
wait "$Z"; RC=$?
assert_rc 1
assert_err_contains "no GODEBUG=gctrace=1 lines"

# --- gctrace values no process reaches are skipped, not data, and named apart from cut lines.
{ cat "$LOG"; echo "gc 999 @9.000s 4%: 0.10+0.24+0.001 ms clock, 0.20+0.010/0.054/0.055+0.003 ms cpu, 999999999999->999999999999->999999999999 MB, 999999999999 MB goal, 0 MB stacks, 0 MB globals, 2 P"
  echo "gc 1000 @9.001s 4%: 99999999999999+0.24+0.001 ms clock, 0.20+0.010/0.054/0.055+0.003 ms cpu, 1->1->1 MB, 1 MB goal, 0 MB stacks, 0 MB globals, 2 P"
} >"$T/absurd.log"
run "$GMD" gc --json "$T/absurd.log"
assert_rc 0
python3 - "$T/out" "$(wc -l <"$LOG")" <<'PY' || fail "absurd gctrace values were accepted: $(head -c 300 "$T/out")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["input"]["malformed_lines"] == 0, d["input"]        # not called cut or interleaved
assert d["input"]["implausible_lines"] == 2, d["input"]
assert d["input"]["first_implausible_line"] == int(sys.argv[2]) + 1, d["input"]
assert d["input"]["gc_lines"] == 191, d["input"]
assert max(c["live_mb"] for c in d["cycles"]) < 1000, "absurd cycle kept"
assert max(c["stw_ms"] for c in d["cycles"]) < 1000, "absurd cycle kept"
PY
pass
run "$GMD" gc "$T/absurd.log"
assert_rc 0
assert_out_contains "; 2 lines with impossible values skipped (first at line $(( $(wc -l <"$LOG") + 1 )), byte $(wc -c <"$LOG"))"
grep -q "cut or interleaved" "$T/out" && fail "impossible values called cut or interleaved"; pass

# --- limits: GMD_MAX_INPUT is the knob the errors name, and it works.
run env GMD_MAX_INPUT=100 "$GMD" pprof top "$FIXTURES/heap-1.pb.gz"
assert_rc 1
assert_err_contains "GMD_MAX_INPUT"
assert_err_one_line
run env GMD_MAX_INPUT=100 "$GMD" pprof top - <"$FIXTURES/heap-1.pb.gz"
assert_rc 1
assert_err_contains "GMD_MAX_INPUT"

# --- write errors are said in one line, not a silent exit 1.
if [ -w /dev/full ]; then
    run "$GMD" pprof top "$FIXTURES/heap-1.pb.gz" -o /dev/full
    assert_rc 1
    assert_err_contains "write failed: No space left on device"
    "$GMD" pprof top "$FIXTURES/heap-1.pb.gz" >/dev/full 2>"$T/err"; RC=$?
    assert_rc 1
    assert_err_contains "gmd: write error on standard output: No space left on device"
    assert_err_one_line
    "$GMD" gc "$LOG" >/dev/full 2>"$T/err"; RC=$?
    assert_rc 1
    assert_err_contains "write error on standard output"
fi
# An output path too long for the system is refused, never cut short.
long="$T/$(printf 'd%.0s' $(seq 5000))"
run "$GMD" pprof top "$FIXTURES/heap-1.pb.gz" -o "$long"
assert_rc 1
assert_err_one_line
# run -o: a bundle path over its 511-byte buffer was cut short silently.
deep="$T"
for c in a b c d e f; do deep="$deep/$(printf "$c%.0s" $(seq 90))"; done
mkdir -p "$deep"
run timeout 60 "$GMD" run -o "$deep/bundle" --duration 1s -- true
[ "$RC" -ne 0 ] || fail "run -o with a ${#deep}-byte path succeeded"
pass
[ "$(find "$T/aaa"* -mindepth 1 | wc -l)" -eq 5 ] || fail "run -o wrote to a cut path: $(find "$T/aaa"* -mindepth 1)"
pass

# --- a 100,000-frame stack: dot was quadratic (54 s), the flame graph
# showed only 'root'.
python3 "$GEN" "$T/deep.pb.gz" 100000 100000 1 || fail "genprof deep"
run timeout 120 "$GMD" pprof dot "$T/deep.pb.gz"
assert_rc 0
assert_out_contains "digraph"
run timeout 120 "$GMD" pprof flame "$T/deep.pb.gz" -o "$T/deep.svg"
assert_rc 0
frames=$(grep -c '<title>' "$T/deep.svg")
[ "$frames" -ge 10000 ] || fail "deep flame graph draws $frames frames"
pass
grep -qF "stacks cut at depth" "$T/deep.svg" || fail "deep flame graph does not say where stacks were cut"
pass
python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$T/deep.svg" || fail "deep flame graph is not XML"
pass

# --- a million functions (16 MB gzipped): every view completes.
python3 "$GEN" "$T/wide.pb.gz" 1000000 64 || fail "genprof wide"
for view in top tree "peek gen/p500.f500000" dot flame; do
    # shellcheck disable=SC2086
    run timeout 240 "$GMD" pprof $view "$T/wide.pb.gz"
    assert_rc 0
done

done_ok
