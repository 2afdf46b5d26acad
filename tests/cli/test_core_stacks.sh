#!/usr/bin/env bash
# A core is a stop: gmd core (and core:FILE goroutines) unwind the goroutines
# that were running from the core's thread registers, and name the crash.
# The fixture corestack (tests/target-fixtures) parks a goroutine in the
# kernel while it stays running; gcore copies it there. A crash core is made
# under gdb at the runtime's second dieFromSignal: the thread is then in the
# signal handler, on the signal stack, the goroutine's registers in the
# kernel's signal frame, as in a kernel core of GOTRACEBACK=crash (which CI
# cannot rely on: core_pattern belongs to the host).
. "$(dirname "$0")/lib.sh"

CS=$FIXTURES/target/corestack
SRC=$(cd "$(dirname "$0")/../target-fixtures/corestack" && pwd)/main.go
[ -x "$CS" ] || fail "fixture $CS is missing"
if ! command -v gcore >/dev/null || ! command -v gdb >/dev/null; then
  echo "SKIPPED core stack checks: gcore (gdb) is not installed" >&2
  done_ok
fi
g() { timeout 60 "$GMD" "$@"; }
line_of() { grep -n -- "corestack: $1" "$SRC" | cut -d: -f1; }
PARK_LINE=$(line_of "parked here")
CRASH_LINE=$(line_of "crashes here")

P=
cleanup() { [ -n "$P" ] && kill "$P" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT

# --- a running goroutine, gcore'd: its stack from the thread's registers ----
GODEBUG=asyncpreemptoff=1 "$CS" >"$T/cs.out" 2>"$T/cs.err" </dev/null &
P=$!
# Ready once a thread of it sleeps in pause(2) (syscall 34 on amd64): the
# goroutine is then in the kernel for good, and still "running".
waited=0
until grep -qs '^34 ' /proc/$P/task/*/syscall && [ -s "$T/cs.out" ]; do
  sleep 0.1; waited=$((waited + 1))
  kill -0 "$P" 2>/dev/null || fail "corestack exited: $(cat "$T/cs.err")"
  [ $waited -lt 600 ] || fail "corestack never parked in pause(2) within 60 s"
done
timeout 120 gcore -o "$T/core" "$P" >/dev/null 2>&1 || fail "gcore failed"
CORE=$T/core.$P
[ -s "$CORE" ] || fail "gcore wrote no $CORE"

run g core "$CORE"
assert_rc 0
assert_out_contains "1 running (stacks below)"
assert_out_lacks "a stack needs a stop"
assert_out_contains "Running goroutines (stacks from the core's thread registers):"
assert_out_contains "    main.parkInKernel  $SRC:$PARK_LINE"
assert_out_lacks "Crash:"          # gcore's stop is no crash
assert_out_lacks "Files:"          # descriptors are a live process's only

run g core --json "$CORE"
assert_rc 0
python3 - "$T/out" "$SRC" "$PARK_LINE" <<'PY' || fail "core --json: running goroutine's stack"
import json, sys
d = json.load(open(sys.argv[1]))
gs = d["goroutines"]
assert gs["running"] == 1 and gs["running_stacks"] == 1, gs
(r,) = gs["running_goroutines"]
frames = [(f["function"], f["file"], f["line"]) for f in r["stack"]]
assert ("main.parkInKernel", sys.argv[2], int(sys.argv[3])) in frames, frames
assert frames[-1][0] == "main.parkInKernel", frames   # nothing hidden above it but runtime.goexit
assert d["crash"] is None, d["crash"]
PY
pass

run g pprof goroutines "core:$CORE"
assert_rc 0
assert_out_contains "main.parkInKernel  $SRC:$PARK_LINE"
assert_out_lacks "stopped by"
kill "$P"; wait "$P" 2>/dev/null; P=
rm -f "$CORE"   # gcore copies Go's address-space reservations too: a GB or so

# --- a panic with GOTRACEBACK=crash, copied inside the runtime's crash ------
GOTRACEBACK=crash timeout 120 gdb -nx -batch -iex 'set auto-load no' \
  -ex 'handle all nostop noprint pass' -ex 'break runtime.dieFromSignal' \
  -ex run -ex continue -ex "gcore $T/crash.core" -ex kill \
  --args "$CS" crash >"$T/gdb.out" 2>&1 || fail "gdb failed: $(tail -5 "$T/gdb.out")"
[ -s "$T/crash.core" ] || fail "gdb wrote no crash core: $(tail -5 "$T/gdb.out")"
grep -q "assignment to entry in nil map" "$T/gdb.out" || fail "the fixture did not panic: $(tail -5 "$T/gdb.out")"

run g core --binary "$CS" "$T/crash.core"
assert_rc 0
assert_out_contains "goroutine 1 panicked: assignment to entry in nil map"
assert_out_contains "  goroutine 1 [running] (panicking):"
assert_out_contains "    main.crashHere  $SRC:$CRASH_LINE"
assert_out_contains "    main.main  $SRC:"
run g pprof goroutines "core:$T/crash.core"
assert_rc 0
assert_out_contains "stopped by: panic: assignment to entry in nil map (in goroutine 1)"
assert_out_contains "main.crashHere  $SRC:$CRASH_LINE"

done_ok
