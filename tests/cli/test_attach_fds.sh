#!/usr/bin/env bash
# gmd attach names a process's open file descriptors and its soft
# RLIMIT_NOFILE, and warns above 80% of it: a service out of descriptors
# fails every accept and open, which no memory figure shows. The fixture
# fdprog (tests/target-fixtures) holds N open files under a limit it sets.
. "$(dirname "$0")/lib.sh"

FD=$FIXTURES/target/fdprog
[ -x "$FD" ] || fail "fixture $FD is missing"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$T"; }
trap cleanup EXIT
g() { timeout 60 "$GMD" "$@"; }

# start N LIMIT: run fdprog and wait for its "ready" (every file open).
start() {
  rm -f "$T/fd.out"   # a "ready" left by the previous run must not count
  "$FD" "$1" "$2" >"$T/fd.out" 2>"$T/fd.err" </dev/null &
  P=$!
  PIDS+=("$P")
  local waited=0
  until [ -s "$T/fd.out" ]; do
    sleep 0.1; waited=$((waited + 1))
    kill -0 "$P" 2>/dev/null || fail "fdprog exited: $(cat "$T/fd.err")"
    [ $waited -lt 300 ] || fail "fdprog did not get ready within 30 s"
  done
}
# The descriptors the kernel lists for it (stable once it is ready).
nfds() { ls "/proc/$1/fd" | wc -l; }

# --- 90 files under a limit of 100: counted, and warned about --------------
start 90 100
N=$(nfds "$P")
[ "$N" -ge 93 ] || fail "fdprog 90 holds only $N descriptors"
run g attach "$P"
assert_rc 0
assert_out_contains "Files: $N open file descriptors of 100 allowed (soft RLIMIT_NOFILE)"
assert_out_contains "WARNING: near the open-file limit"
run g attach --json "$P"
assert_rc 0
python3 - "$T/out" "$N" <<'PY' || fail "attach --json fds"
import json, sys
f = json.load(open(sys.argv[1]))["fds"]
assert f == {"open": int(sys.argv[2]), "limit": 100, "unlimited": False, "near_limit": True}, f
PY
pass
assert_eq "$(nfds "$P")" "$N" "descriptors changed while read"

# --- 5 files under 1000: counted, no warning ---------------------------------
start 5 1000
N=$(nfds "$P")
run g attach "$P"
assert_rc 0
assert_out_contains "Files: $N open file descriptors of 1000 allowed (soft RLIMIT_NOFILE)"
assert_out_lacks "WARNING: near the open-file limit"
run g attach --json "$P"
python3 - "$T/out" "$N" <<'PY' || fail "attach --json fds (few)"
import json, sys
f = json.load(open(sys.argv[1]))["fds"]
assert f["open"] == int(sys.argv[2]) and f["limit"] == 1000 and not f["near_limit"], f
PY
pass

done_ok
