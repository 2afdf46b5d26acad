#!/usr/bin/env bash
# gmd against an HTTP server that misbehaves on purpose
# (tests/caps-fixtures/hostilehttp.go): every answer must be one clear line,
# in bounded memory and time, never a silent wrong result (issue 11).
source "$(dirname "$0")/lib.sh"
: "${GO:?GO must name the go binary (ctest sets it)}"
[ -n "${HOME:-}" ] || export GOCACHE="${TESTTMP:-$T}/gocache"
"$GO" build -o "$T/hostile" "$SRCDIR/tests/caps-fixtures/hostilehttp.go" || fail "cannot build hostilehttp"

"$T/hostile" "$T/port" "$FIXTURES/heap-1.pb.gz" 2>"$T/server.log" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; rm -rf "$T"' EXIT
for _ in $(seq 600); do [ -s "$T/port" ] && break; sleep 0.1; done
[ -s "$T/port" ] || fail "hostilehttp did not start: $(cat "$T/server.log")"
U=http://127.0.0.1:$(cat "$T/port")

# Sanity: the plain profile, and a gzip Content-Encoding within the cap, read fine.
run timeout 60 "$GMD" pprof top "$U/profile"
assert_rc 0
assert_out_contains "main."
run timeout 60 "$GMD" pprof top "$U/encoded"
assert_rc 0
assert_out_contains "main."

# A gzip Content-Encoding is under the same ratio cap as a gzip file
# (libcurl used to inflate it unbounded: 64 MiB from 64 KiB here).
run timeout 60 "$GMD" pprof top "$U/bomb"
assert_rc 1
assert_err_contains "Content-Encoding gzip: decompressed data exceeds the cap"
assert_err_one_line
# ... and GMD_GZIP_RATIO, the knob it names, really raises it.
run env GMD_GZIP_RATIO=100000 timeout 60 "$GMD" pprof top "$U/bomb"
assert_rc 1
assert_err_contains "not a pprof profile"
# Encodings gmd does not undo itself are refused by name.
run timeout 60 "$GMD" pprof top "$U/brotli"
assert_rc 1
assert_err_contains "Content-Encoding 'br'"

# GMD_MAX_INPUT bounds what is fetched, and the error names it.
run env GMD_MAX_INPUT=1000 timeout 60 "$GMD" pprof top "$U/profile"
assert_rc 1
assert_err_contains "larger than the limit of 1000 bytes; raise it with GMD_MAX_INPUT"

# Redirects: followed on the same host and port, refused (by name) elsewhere.
run timeout 60 "$GMD" pprof top "$U/same-host"
assert_rc 0
assert_out_contains "main."
run timeout 60 "$GMD" pprof top "$U/other-host"
assert_rc 1
assert_err_contains "redirected (HTTP 302) to http://127.0.0.1:"
assert_err_contains "not followed"
assert_err_one_line
run timeout 60 "$GMD" pprof top "$U/loop"
assert_rc 1
assert_err_contains "more than 10 redirects"

# Oversized response headers: a clear line, not "Out of memory".
for path in big-header many-headers; do
    run timeout 60 "$GMD" pprof top "$U/$path"
    assert_rc 1
    assert_err_contains "header"
    grep -qF "Out of memory" "$T/err" && fail "$path: $(cat "$T/err")"
    assert_err_one_line
done

# A body that trickles in: the timeout says how much arrived.
run timeout 60 "$GMD" pprof top --timeout 3 "$U/trickle"
assert_rc 1
assert_err_contains "timed out after 3 s with"
assert_err_contains "bytes of the body received"

# A heap profile served where a goroutine profile belongs is refused.
run timeout 60 "$GMD" pprof goroutines "$U/debug/pprof/goroutine"
assert_rc 1
assert_err_contains "not a goroutine profile"

# ... and in watch, where it read as a million goroutines: skipped, by name.
run timeout 120 "$GMD" watch -o "$T/bundle" --duration 3s --interval 1s "$U/debug/pprof/"
assert_rc 0
assert_err_contains "not a goroutine profile (its sample type is alloc_objects)"
grep -E "goroutines +[0-9]{4,}" "$T/out" && fail "a heap profile was counted as goroutines"
pass

done_ok
