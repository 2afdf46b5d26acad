#!/usr/bin/env bash
# gmd run measures and stops the right process (issue 9, item 6-8):
#  - `gmd run -- go run prog.go` and `gmd run -- sh -c '...'` sample the Go
#    program (its pid, its exe), not the go tool or the shell, keep only its
#    gctrace lines, and leave nothing running afterwards, also when the
#    program ignores SIGINT or a shell leaves it behind as an orphan;
#  - a --pprof port served by another process is refused (and read with --force);
#  - a program that fails at start is reported as such, with a non-zero status;
#  - gmd watch URL --pid P --duration D (options after the URL);
#  - forced GCs: heap?gc=1 only on some rounds, and `gmd gc` on the bundle
#    does not blame the program for the cycles gmd forced.
# No timing is asserted: every wait polls with wide margins, and gmd only
# returns once the program's whole process tree is gone.
. "$(dirname "$0")/lib.sh"
: "${GO:?GO must name the go binary}"
: "${SRCDIR:?SRCDIR must name the repo root}"

SRC="$SRCDIR/tests/run-fixtures/procleak.go"
"$GO" build -o "$T/procleak" "$SRC" || fail "go build procleak"
TAG="$T/tag"   # an argument only our programs get, for pgrep -f

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
json_get() { python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }
wait_for() {
    local what=$1 tries=$(($2 * 10)); shift 2
    until "$@"; do
        tries=$((tries - 1))
        [ "$tries" -gt 0 ] || fail "timed out waiting for $what"
        sleep 0.1
    done
}
gone() { ! kill -0 "$1" 2>/dev/null || [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]; }
OTHER=
trap 'pkill -f -- "$TAG" 2>/dev/null; [ -n "$OTHER" ] && kill "$OTHER" 2>/dev/null; rm -rf "$T"' EXIT

# nothing_left NAME: no process with our tag, and the program's pid is gone.
nothing_left() {
    local pid
    pid=$(cat "$T/$1.pid" 2>/dev/null) || fail "$1: the program never wrote its pid"
    gone "$pid" || fail "$1: the program (pid $pid) still runs after gmd exited"; pass
    ! pgrep -f -- "$TAG" >/dev/null || fail "$1: left running: $(pgrep -af -- "$TAG")"; pass
}

# observed NAME: the bundle's observed pid is the program's own.
observed() {
    local B="$T/$1.bundle"
    assert_eq "$(json_get "$B/meta.json" 'j["observed_pid"]')" "$(cat "$T/$1.pid")" "$1: observed pid is the program's"
    assert_eq "$(json_get "$B/meta.json" 'j["observed_exe"].split("/")[-1]')" "${2:-procleak}" "$1: observed exe"
    assert_eq "$(json_get "$B/meta.json" 'j["memprofilerate"] > 0')" "True" "$1: memprofilerate recorded"
    [ "$(grep -c '"kind":"proc"' "$B/index.jsonl")" -ge 2 ] || fail "$1: fewer than 2 /proc samples"; pass
    # gctrace.log (if the program ran a GC) holds one process's cycles:
    # numbers strictly increasing.
    [ -e "$B/gctrace.log" ] || return 0
    python3 - "$B/gctrace.log" <<'PY' || fail "$1: gctrace.log mixes processes"
import re, sys
last = 0
for line in open(sys.argv[1]):
    m = re.match(r"gc (\d+) @", line)
    if m:
        n = int(m.group(1))
        if n <= last: sys.exit("cycle %d after %d" % (n, last))
        last = n
PY
    pass
}

# 1. gmd run -- go run prog.go: the program built and started by the go tool.
PORT=$(free_port)
PORT=$PORT PIDFILE="$T/gorun.pid" "$GMD" run --duration 4s --interval 0.5s --json --no-html --out "$T/gorun.bundle" \
    --pprof "http://127.0.0.1:$PORT" -- "$GO" run "$SRC" "$TAG" >"$T/gorun.json" 2>"$T/gorun.err"
RC=$?; cp "$T/gorun.err" "$T/err"
assert_rc 0
nothing_left gorun
observed gorun
[ "$(json_get "$T/gorun.bundle/meta.json" 'j["pid"]')" != "$(cat "$T/gorun.pid")" ] || fail "go run: the child is the go tool, not the program"; pass
assert_eq "$(json_get "$T/gorun.json" 'j["snapshots"]["heap"] >= 3')" "True" "go run: heap profiles read"

# 2. gmd run -- sh -c '...': a shell that does not exec the program.
PIDFILE="$T/sh.pid" PORT=0 "$GMD" run --duration 3s --interval 0.5s --quiet --no-html --out "$T/sh.bundle" \
    -- sh -c "\"$T/procleak\" \"$TAG\"; echo after" >"$T/sh.out" 2>"$T/sh.err"
RC=$?; cp "$T/sh.err" "$T/err"
assert_rc 0
nothing_left sh
observed sh

# 3. The program ignores SIGINT (the shell's trap '' is inherited): SIGTERM follows.
PIDFILE="$T/deaf.pid" PORT=0 "$GMD" run --duration 2s --interval 0.5s --quiet --no-html --out "$T/deaf.bundle" \
    -- sh -c "trap '' INT; \"$T/procleak\" \"$TAG\"; echo after" >"$T/deaf.out" 2>"$T/deaf.err"
RC=$?; cp "$T/deaf.err" "$T/err"
assert_rc 0
nothing_left deaf

# 4. An orphan: the shell starts the program in the background and exits.
#    The tree is still stopped (gmd is its subreaper).
PIDFILE="$T/orphan.pid" PORT=0 "$GMD" run --duration 3s --interval 0.5s --quiet --no-html --out "$T/orphan.bundle" \
    -- sh -c "\"$T/procleak\" \"$TAG\" & while [ ! -s \"$T/orphan.pid\" ]; do sleep 0.05; done" \
    >"$T/orphan.out" 2>"$T/orphan.err"
RC=$?; cp "$T/orphan.err" "$T/err"
nothing_left orphan

# 5. A stale server on the --pprof port: another instance, outside the tree.
PORT=0 PORTFILE="$T/other.port" PIDFILE="$T/other.pid" "$T/procleak" "$TAG" >/dev/null 2>&1 &
OTHER=$!
wait_for "the other server's port" 30 test -s "$T/other.port"
OPORT=$(cat "$T/other.port")
PIDFILE="$T/stale.pid" PORT=0 "$GMD" run --duration 2s --interval 0.5s --json --no-html --out "$T/stale.bundle" \
    --pprof "http://127.0.0.1:$OPORT" -- "$T/procleak" "$TAG" >"$T/stale.json" 2>"$T/stale.err"
RC=$?; cp "$T/stale.err" "$T/err"
assert_rc 0
assert_err_contains "is served by pid $OTHER"
assert_err_contains "not reading it"
! grep -q '"kind":"heap"' "$T/stale.bundle/index.jsonl" || fail "stale endpoint: a heap profile was read"; pass
# --force reads it anyway.
PIDFILE="$T/force.pid" PORT=0 "$GMD" run --duration 2s --interval 0.5s --json --no-html --force --out "$T/force.bundle" \
    --pprof "http://127.0.0.1:$OPORT" -- "$T/procleak" "$TAG" >"$T/force.json" 2>"$T/force.err"
RC=$?; cp "$T/force.err" "$T/err"
assert_rc 0
grep -q '"kind":"heap"' "$T/force.bundle/index.jsonl" || fail "--force: no heap profile read"; pass

# 6. gmd watch URL --pid P --duration D: options after the URL.
run "$GMD" watch "http://127.0.0.1:$OPORT" --pid "$OTHER" --duration 3s --interval 0.5s --json --no-html --quiet \
    --out "$T/watch.bundle"
assert_rc 0
assert_eq "$(json_get "$T/out" 'j["snapshots"]["heap"] >= 3')" "True" "watch: heap snapshots"
assert_eq "$(json_get "$T/watch.bundle/meta.json" 'j["observed_pid"]')" "$OTHER" "watch: observed pid"
kill -0 "$OTHER" || fail "watch signalled the service"; pass
# ... and a --pid that does not serve the URL is refused.
sleep 60 &
SLEEPER=$!
run "$GMD" watch "http://127.0.0.1:$OPORT" --pid "$SLEEPER" --duration 1s --interval 0.5s --json --no-html --quiet \
    --out "$T/watch2.bundle"
kill "$SLEEPER"
assert_err_contains "is served by pid $OTHER"
kill "$OTHER"; wait "$OTHER" 2>/dev/null; OTHER=

# 7. A program that fails at start: said so, non-zero status, not "no leak".
run env FAIL=1 "$GMD" run --duration 10s --interval 2s --no-html --out "$T/fail.bundle" -- "$T/procleak" "$TAG"
assert_rc 1
assert_err_contains "procleak: bad configuration"
assert_err_contains "the program exited with status 1 after"
assert_err_contains "before anything could be measured"
assert_out_lacks "No leak"
# With --json, scripts still get an object: inconclusive.
run env FAIL=1 "$GMD" run --duration 10s --interval 2s --json --no-html --out "$T/fail2.bundle" -- "$T/procleak" "$TAG"
assert_rc 1
assert_eq "$(json_get "$T/out" 'j["verdict"], j["leak"]')" "('inconclusive', False)" "fail at start: --json verdict"

# 8. Forced GCs. By default only some heap fetches force one (first, last,
#    every 10th), each marked "gc": true; meta.json counts them.
B="$T/gorun.bundle"
assert_eq "$(grep -c '"gc":true' "$B/index.jsonl")" "$(json_get "$B/meta.json" 'j["gc_forced"]')" "gc_forced counts the gc=1 fetches"
assert_eq "$(python3 -c '
import json, sys
heap = [json.loads(l) for l in open(sys.argv[1]) if "\"kind\":\"heap\"" in l]
print(heap[0].get("gc") is True and sum(1 for e in heap if e.get("gc")) < len(heap))' "$B/index.jsonl")" "True" \
    "gc=1 on the first heap fetch, not on all"
# With a forced GC on every fetch, the cycles are mostly gmd's: `gmd gc` on
# the bundle does not blame runtime.GC() calls; on the same log alone it does.
PORT=$(free_port)
PIDFILE="$T/gc.pid" PORT=$PORT "$GMD" run --duration 6s --interval 0.25s --gc-every 1 --quiet --no-html \
    --out "$T/gc.bundle" --pprof "http://127.0.0.1:$PORT" -- "$T/procleak" "$TAG" >/dev/null 2>"$T/gc.err"
RC=$?; cp "$T/gc.err" "$T/err"
assert_rc 0
nothing_left gc
forced=$(json_get "$T/gc.bundle/meta.json" 'j["gc_forced"]')
[ "$forced" -ge 10 ] || fail "--gc-every 1: only $forced forced GCs"; pass
run "$GMD" gc --json "$T/gc.bundle"
assert_rc 0
assert_eq "$(json_get "$T/out" 'j["flags"]["many_forced"]')" "False" "gc on the bundle: gmd's forced cycles not blamed"
run "$GMD" gc "$T/gc.bundle/gctrace.log"
assert_rc 0
assert_out_contains "of the forced by gmd's heap?gc=1"
assert_out_lacks "explicit GC calls"
cp "$T/gc.bundle/gctrace.log" "$T/plain.log"
run "$GMD" gc "$T/plain.log"
assert_rc 0
assert_out_contains "explicit GC calls"
done_ok
