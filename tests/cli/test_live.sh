#!/usr/bin/env bash
# Live endpoints: profiles fetched from a running Go program's net/http/pprof
# (the fixture pprofserver), and the errors a user meets when the URL is
# wrong, nothing listens, or the server never answers.
. "$(dirname "$0")/lib.sh"

SERVER=
SILENT=
cleanup() {
  [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null
  [ -n "$SILENT" ] && kill "$SILENT" 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT

# wait_port FILE: the port a server wrote to FILE, waiting at most 10 s.
wait_port() {
  for _ in $(seq 1 100); do
    [ -s "$1" ] && { cat "$1"; return 0; }
    sleep 0.1
  done
  fail "server did not write $1 within 10 s"
}

"$FIXTURES/pprofserver" "$T/port" 2>"$T/server.log" & SERVER=$!
PORT=$(wait_port "$T/port")
BASE=http://127.0.0.1:$PORT/debug/pprof
# No sleep here: the server writes its port only once its heap profile shows
# the leak (main.(*session).remember) and a goroutine is parked.

# `timeout` guards every fetch: a hang fails the test instead of stalling it.
g() { timeout 20 "$GMD" "$@"; }

# Heap, from the URL: the leaking function is there.
run g pprof top "$BASE/heap"
assert_rc 0; assert_out_contains "main.(*session).remember"
# The goroutine endpoint: the parked goroutines' function.
run g pprof top "$BASE/goroutine"
assert_rc 0; assert_out_contains "main.abandonedRequest"
# A delta profile over one second (the allocs endpoint supports ?seconds=).
run g pprof top --seconds 1 -i alloc_space "$BASE/allocs"
assert_rc 0; assert_out_contains "main.(*session).remember"
# A URL with its own query string gets &seconds= appended.
run g pprof top --seconds 1 "$BASE/allocs?gc=1"
assert_rc 0; assert_out_contains "main.(*session).remember"

# Unknown profile: the HTTP status and what the server said, on one line.
run g pprof top "$BASE/nosuch"
assert_rc 1; assert_err_one_line
assert_err_contains "gmd: $BASE/nosuch: HTTP 404 Not Found: Unknown profile"
# A path the server does not route at all.
run g pprof top "http://127.0.0.1:$PORT/nothing/here"
assert_rc 1; assert_err_one_line; assert_err_contains "HTTP 404"
# The index page is HTML, not a profile.
run g pprof top "$BASE/"
assert_rc 1; assert_err_one_line; assert_err_contains "got HTML"

# Redirects are followed: /debug/pprof answers 301 to /debug/pprof/ (HTML).
run g pprof top "http://127.0.0.1:$PORT/debug/pprof"
assert_rc 1; assert_err_one_line; assert_err_contains "got HTML"
# The body is bounded like any input.
GMD_MAX_INPUT=1000 run g pprof top "$BASE/heap"
assert_rc 1; assert_err_one_line; assert_err_contains "larger than the limit of 1000 bytes"

# Nothing listening: port 1 on loopback is closed on any sane machine.
run g pprof top "http://127.0.0.1:1/debug/pprof/heap"
assert_rc 1; assert_err_one_line
assert_err_contains "could not connect to 127.0.0.1:1: connection refused"
assert_err_contains "net/http/pprof"

# A server that accepts and never answers: --timeout ends the wait.
"$FIXTURES/pprofserver" -silent "$T/silent-port" 2>/dev/null & SILENT=$!
SPORT=$(wait_port "$T/silent-port")
run g pprof top --timeout 1 "http://127.0.0.1:$SPORT/debug/pprof/heap"
assert_rc 1; assert_err_one_line
assert_err_contains "no response after 1 s"
assert_err_contains "--timeout"

# A host name that cannot resolve (.invalid is reserved for that).
run g pprof top --timeout 5 "http://gmd-test.invalid/debug/pprof/heap"
assert_rc 1; assert_err_one_line; assert_err_contains "gmd: http://gmd-test.invalid/debug/pprof/heap: "

done_ok
