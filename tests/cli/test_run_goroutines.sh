#!/usr/bin/env bash
# gmd run --pprof on a program with many goroutines: goroutine profiles
# cost the program a walk over every stack, debug=2 text for each one more.
#  1. Over GMD_DEBUG2_MAX_GOROUTINES (10000) goroutines, the final
#     goroutine?debug=2 is left out and the summary says so; the proto
#     goroutine profile is still taken every round.
#  2. Slow goroutine fetches (GMD_GOROUTINE_SLOW_SEC=0 makes every one count
#     as slow, so the test does not depend on the machine's speed) are
#     thinned to every Nth sample, heap profiles are not, and the summary
#     says so.
#  3. A few goroutines: a goroutine profile every round and debug=2 at the
#     end, as before.
. "$(dirname "$0")/lib.sh"
: "${GO:?GO must name the go binary}"
: "${SRCDIR:?SRCDIR must name the repo root}"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# count BUNDLE KIND [DEBUG]: index records of a kind (and debug level, 0 = proto).
count() { python3 - "$@" <<'PY'
import json, sys
b, kind = sys.argv[1], sys.argv[2]
dbg = int(sys.argv[3]) if len(sys.argv) > 3 else None
n = 0
for line in open(b + "/index.jsonl"):
    e = json.loads(line)
    if e["kind"] == kind and (dbg is None or e.get("debug", 0) == dbg):
        n += 1
print(n)
PY
}

mkdir -p "$T/many"
cat >"$T/many/main.go" <<'GO'
// 12000 goroutines parked on a channel forever, and net/http/pprof.
package main

import (
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
)

func park(ch chan int) { <-ch }

func main() {
	ch := make(chan int)
	for i := 0; i < 12000; i++ {
		go park(ch)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:"+os.Getenv("PORT"))
	if err != nil {
		panic(err)
	}
	http.Serve(ln, nil)
}
GO
(cd "$T/many" && "$GO" mod init many >/dev/null 2>&1 && "$GO" build -o "$T/manyg" .) || fail "go build many goroutines"
"$GO" build -o "$T/heapleak" "$SRCDIR/tests/run-fixtures/heapleak.go" || fail "go build heapleak"

# 1. Many goroutines: no debug=2 at the end.
port=$(free_port)
PORT=$port run "$GMD" run --duration 3s --interval 0.5s --no-trace --no-html --quiet -o "$T/m" \
    --pprof "http://127.0.0.1:$port" -- "$T/manyg"
assert_rc 0
assert_err_contains "goroutine?debug=2 (goroutine states and wait times) not fetched at the end: too many goroutines (120"
assert_err_contains "the goroutine profiles' counts per stack are judged"
assert_eq "$(count "$T/m" goroutine 2)" "0" "many goroutines: no debug=2 fetched"
[ "$(count "$T/m" goroutine 0)" -ge 2 ] || fail "many goroutines: proto goroutine profiles missing"; pass

# 2. Slow goroutine fetches: thinned, heap every round.
port=$(free_port)
GMD_GOROUTINE_SLOW_SEC=0 PORT=$port run "$GMD" run --duration 4s --interval 0.5s --no-trace --no-html --quiet \
    -o "$T/s" --pprof "http://127.0.0.1:$port" -- "$T/heapleak"
assert_rc 0
grep -qE "^gmd run: goroutine profiles took up to [0-9.]+ s \([0-9]+ goroutines\): fetched every [0-9]+ samples instead of every one \([1-9][0-9]* samples without one; heap profiles were not thinned\)$" "$T/err" \
    || fail "slow goroutine fetches: no summary line: $(head -c 600 "$T/err")"; pass
assert_err_contains "not fetched at the end: goroutine profiles were slow"
h=$(count "$T/s" heap); g=$(count "$T/s" goroutine 0)
[ "$g" -ge 2 ] && [ "$g" -lt "$h" ] || fail "slow goroutine fetches: $g goroutine profiles for $h heap ones"; pass
assert_eq "$(count "$T/s" goroutine 2)" "0" "slow goroutine fetches: no debug=2"
run "$GMD" report --json --no-html "$T/s"
assert_rc 0
assert_eq "$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j["verdict"], j["suspects"][0]["site"])' "$T/out")" \
    "leak main.rememberRequest" "slow goroutine fetches: the heap leak is still named"

# 3. A few goroutines: unchanged.
port=$(free_port)
PORT=$port run "$GMD" run --duration 3s --interval 0.5s --no-trace --no-html --quiet -o "$T/f" \
    --pprof "http://127.0.0.1:$port" -- "$T/heapleak"
assert_rc 0
grep -q "goroutine profiles took\|debug=2" "$T/err" && fail "few goroutines: thinning reported: $(head -c 400 "$T/err")"; pass
assert_eq "$(count "$T/f" goroutine 0)" "$(count "$T/f" heap)" "few goroutines: a goroutine profile with every heap one"
assert_eq "$(count "$T/f" goroutine 2)" "1" "few goroutines: debug=2 at the end"

done_ok
