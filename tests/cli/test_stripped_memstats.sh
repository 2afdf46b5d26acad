#!/usr/bin/env bash
# A stripped Go program (-ldflags='-s -w') has no symbols: gmd finds
# runtime.memstats by its shape, which it has only after the first GC. Before
# that, attach says so (not "no runtime.memstats symbols"); and gmd run, which
# opens the program at its start, searches again each round, so the bundle's
# memstats/ fills once the program has collected.
. "$(dirname "$0")/lib.sh"
: "${GO:?GO must name the go binary (ctest sets it)}"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  rm -rf "$T"
}
trap cleanup EXIT

src=$(cd "$(dirname "$0")/../target-fixtures/lategc" && pwd)
(cd "$src" && GOFLAGS=-mod=mod GOWORK=off GOTOOLCHAIN=local "$GO" build -ldflags='-s -w' -o "$T/lategc" .) 2>"$T/build.err" ||
  fail "building lategc: $(head -c 300 "$T/build.err")"

# attach before the first GC: the reason, in one line
"$T/lategc" "$T/go1" >"$T/l.out" 2>&1 </dev/null &
PIDS+=($!)
LP=$!
for _ in $(seq 300); do [ -s "$T/l.out" ] && break; sleep 0.1; done
[ -s "$T/l.out" ] || fail "lategc did not start"
run "$GMD" attach "$LP"
assert_rc 0
assert_out_contains "variables found by shape"
assert_out_contains "found by its shape, which it has only after the first GC: none has finished yet"
# lategc uses no runtime.MemProfile: the linker turned heap profiling off.
# Without the symbol that says so, MemProfileRate 0 does (not a 1-sample
# profile of runtime.schedinit with period 0).
run "$GMD" pprof top "pid:$LP"
assert_rc 1
assert_err_contains "was compiled out"
assert_err_one_line
touch "$T/go1"
ok=
for _ in $(seq 300); do
  run "$GMD" attach "$LP"
  grep -q "Go heap in use" "$T/out" && ok=1 && break
  sleep 0.1
done
[ -n "$ok" ] || fail "attach never read the memory statistics after the GCs began: $(head -c 600 "$T/out")"
pass

# gmd run opens it before its first GC; the GCs begin once two rounds are in.
# No clock decides: the run is stopped (Ctrl-C) once memstats/ has a file,
# or at --duration when it never gets one.
"$GMD" run --duration 120s --quiet --no-html -o "$T/b" -- "$T/lategc" "$T/go2" >"$T/run.out" 2>"$T/run.err" &
RP=$!
PIDS+=($RP)
for _ in $(seq 600); do
  [ "$(grep -c '"goroutine"' "$T/b/index.jsonl" 2>/dev/null)" -ge 2 ] && break
  sleep 0.1
done
touch "$T/go2"
for _ in $(seq 1000); do
  [ -n "$(ls "$T/b/memstats" 2>/dev/null)" ] && break
  kill -0 "$RP" 2>/dev/null || break
  sleep 0.1
done
kill -INT "$RP" 2>/dev/null
wait "$RP"
RC=$?
assert_rc 0
n=$(ls "$T/b/memstats" 2>/dev/null | wc -l)
[ "$n" -ge 1 ] || fail "gmd run kept no memory statistics of a stripped program that began collecting during the run ($(grep -c '"goroutine"' "$T/b/index.jsonl") rounds)"
pass
done_ok
