#!/usr/bin/env bash
# gmd trace can read a trace on two threads (GMD_TRACE_THREADS=1: one orders
# the events, the caller analyses them; see gmd_trace_set_threaded). Both
# ways must give the same bytes: every view and the raw event dump on each
# recorded format, and the same output, message and status on cut and
# corrupt traces.
. "$(dirname "$0")/lib.sh"
TR=$FIXTURES/trace
[ -s "$TR/go126.trace" ] || fail "trace fixtures missing in $TR (make-fixtures.sh)"

# same NAME ARGS...: gmd ARGS on one thread and on two, byte for byte.
same() {
  local name=$1
  shift
  GMD_TRACE_THREADS=0 "$GMD" "$@" >"$T/one.out" 2>"$T/one.err"
  local rc1=$?
  GMD_TRACE_THREADS=1 "$GMD" "$@" >"$T/two.out" 2>"$T/two.err"
  local rc2=$?
  assert_eq "$rc2" "$rc1" "$name: exit status, two threads vs one"
  cmp -s "$T/one.out" "$T/two.out" || fail "$name: stdout differs between one and two threads"
  cmp -s "$T/one.err" "$T/two.err" || fail "$name: stderr differs: $(head -c 300 "$T/one.err") / $(head -c 300 "$T/two.err")"
  pass
}

for f in "$TR"/go12*.trace; do
  for v in summary goroutines blocking gc; do same "$v $f" trace "$v" --json "$f"; done
  same "events $f" trace events "$f"
  same "count $f" trace count "$f"
done

# Cut at several places (complete generations kept, the loss named) and
# corrupted at several places (one-line error at the same event).
f=$TR/go126.trace
sz=$(stat -c %s "$f")
for k in 1 2 3 5 7; do
  head -c $((sz * k / 8)) "$f" >"$T/cut.trace"
  same "cut at $k/8" trace summary --json "$T/cut.trace"
  cp "$f" "$T/bad.trace"
  printf '\xff\xff\xff' | dd of="$T/bad.trace" bs=1 seek=$((sz * k / 8)) conv=notrunc status=none
  same "corrupt at $k/8" trace goroutines --json "$T/bad.trace"
  same "corrupt events at $k/8" trace events "$T/bad.trace"
done
done_ok
