#!/usr/bin/env bash
# gmd trace on execution traces recorded by the suite (tests/trace-fixtures):
# agreement with the reference reader (golang.org/x/exp/trace) and with go
# tool trace -pprof on every wire format, the leak named first, truncated,
# old and corrupt traces, standard input, JSON shape, SVG, usage errors.
. "$(dirname "$0")/lib.sh"
TR=$FIXTURES/trace
[ -x "$TR/traceref" ] && [ -s "$TR/go126.trace" ] || fail "trace fixtures missing in $TR (make-fixtures.sh)"

# Agreement: per-site created/ended/alive, GC cycles, stop-the-world pauses,
# waiting time by reason, syscall and runnable time, annotations, CPU
# samples and the event count, on each format that could be recorded.
agree() {
  "$TR/traceref" "$1" >"$T/ref.json" || fail "traceref $1"
  "$GMD" trace goroutines --json "$1" >"$T/g.json" || fail "gmd trace goroutines $1"
  "$GMD" trace summary --json "$1" >"$T/s.json" || fail "gmd trace summary $1"
  python3 - "$T/ref.json" "$T/g.json" "$T/s.json" <<'EOF' || fail "gmd trace disagrees with x/exp/trace on $1"
import json, sys
r, g, s = (json.load(open(p)) for p in sys.argv[1:4])
bad = []
key = lambda x: (x["start_function"], x["created_by"])
rs = {key(x): x for x in r["sites"]}
gs = {key(x): x for x in g["sites"] if x["created"]}
for k in set(rs) | set(gs):
    a, b = rs.get(k), gs.get(k)
    if not a or not b or any(a[f] != b[f] for f in ("created", "ended", "alive_at_end")):
        bad.append(("site", k, a, b))
for f, v in (("gc_cycles", s["gc_cycles"]), ("stw_pauses", s["stw_pauses"]), ("tasks", s["tasks"]),
             ("regions", s["regions"]), ("logs", s["logs"]), ("cpu_samples", s["cpu_samples"]), ("events", s["events"])):
    if r[f] != v: bad.append((f, r[f], v))
bn = dict(s["blocking_ns"])
if r["syscall_ns"] != bn.pop("syscall", 0): bad.append(("syscall", r["syscall_ns"]))
if r["runnable_ns"] != bn.pop("runnable (scheduler latency)", 0): bad.append(("runnable", r["runnable_ns"]))
if r["block_ns"] != bn: bad.append(("waiting", r["block_ns"], bn))
for b in bad: print("MISMATCH", b, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
  pass
}
n=0
for f in "$TR"/go12*.trace; do agree "$f"; n=$((n + 1)); done
[ "$n" -ge 2 ] || fail "fewer than 2 trace formats recorded"
[ -s "$TR/go122.trace" ] || echo "test_trace: NOTE: no Go 1.22 trace (toolchain unavailable); formats checked: $n" >&2

# go tool trace -pprof=KIND and gmd trace export --pprof KIND: same totals.
pprof_totals() {
  "$GMD" pprof info --json "$1" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(*[t["total"] for t in d["sample_types"]])'
}
for f in "$TR/go126.trace" "$TR/go122.trace"; do
  [ -s "$f" ] || continue
  for k in sync net syscall sched; do
    "$GO" tool trace -pprof=$k "$f" >"$T/go-$k.pb" 2>"$T/go.err" || fail "go tool trace -pprof=$k $f: $(head -c 300 "$T/go.err")"
    run "$GMD" trace export --pprof $k -o "$T/gmd-$k.pb.gz" "$f"
    assert_rc 0
    assert_eq "$(pprof_totals "$T/gmd-$k.pb.gz")" "$(pprof_totals "$T/go-$k.pb")" "export --pprof $k of $f vs go tool trace"
  done
done
# CPU samples become a CPU profile with as many samples as the trace has.
run "$GMD" trace export --pprof cpu -o "$T/cpu.pb.gz" "$TR/go126.trace"
assert_rc 0
ns=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["cpu_samples"])' <("$TR/traceref" "$TR/go126.trace"))
assert_eq "$("$GMD" pprof info --json "$T/cpu.pb.gz" | python3 -c 'import json,sys; print(json.load(sys.stdin)["sample_types"][0]["total"])')" "$ns" "CPU samples"

# The leak comes first, with what traceprog guarantees.
for f in "$TR/go126.trace" "$TR/go126-1gen.trace" "$TR/go122.trace"; do
  [ -s "$f" ] || continue
  run "$GMD" trace goroutines --json "$f"
  assert_rc 0
  python3 - "$T/out" <<'EOF' || fail "goroutines --json of $f"
import json, sys
d = json.load(open(sys.argv[1]))
s = d["sites"][0]
assert (s["start_function"], s["created_by"]) == ("main.leakWorker", "main.startLeaks"), s
assert (s["created"], s["ended"], s["alive_at_end"]) == (200, 0, 200), s
assert s["states"] == [{"state": "chan receive", "count": 200, "longest_ns": s["states"][0]["longest_ns"]}], s["states"]
assert s["creation_stack"][0]["function"] == "main.startLeaks", s["creation_stack"]
by = {x["start_function"]: x for x in d["sites"]}
for fn, n in (("main.shortTask", 500), ("main.mutexWaiter", 8), ("main.sleeper", 4), ("main.selector", 4),
              ("main.condWaiter", 4), ("main.piper", 2)):
    x = by[fn]
    assert (x["created"], x["ended"], x["alive_at_end"]) == (n, n, 0), x
assert d["truncated"] is None
EOF
  pass
done
# A transition without a stack (or with only a PC-0 frame) is a sample with no
# location, as go tool trace -pprof writes it: no "<unknown>" row.
run "$GMD" trace export --no-gzip --pprof sched -o "$T/sched-nostack.pb" "$TR/go126.trace"
assert_rc 0
run "$GMD" pprof top "$T/sched-nostack.pb"
assert_rc 0
assert_out_lacks "<unknown>"
run "$GMD" trace goroutines "$TR/go126.trace"
assert_rc 0
assert_out_contains "leak signal: 200 goroutines of main.leakWorker created by main.startLeaks"
run "$GMD" trace summary "$TR/go126.trace"
assert_rc 0
assert_out_contains "most created-and-never-ended: 200 of main.leakWorker"
assert_out_contains "3 created-and-never-ended goroutines of the tracer itself"
assert_out_contains "user annotations: 3 tasks, 5 regions, 7 logs"
run "$GMD" trace blocking "$TR/go126.trace"
assert_rc 0
assert_out_contains "chan receive"
assert_out_contains "sync.(*Cond).Wait"
# The 200 leaked workers never stop waiting: no row above counts them (as
# go tool trace -pprof does not); a section of their own does.
assert_out_contains "still blocked at the end of the trace (waits that never ended, not counted above; time so far):"
assert_out_contains "so far in 200 goroutines: chan receive"
grep -A3 "so far in 200 goroutines: chan receive" "$T/out" | grep -q "main.leakWorker" || fail "blocking: the leaked workers' stack"; pass
run "$GMD" trace blocking --json "$TR/go126.trace"
assert_rc 0
python3 - "$T/out" <<'EOF' || fail "blocking --json: still_blocked"
import json, sys
d = json.load(open(sys.argv[1]))["still_blocked"]
tot = {t["reason"]: t for t in d["totals"]}
assert tot["chan receive"]["goroutines"] >= 200 and tot["chan receive"]["class"] == "channel", tot
assert d["goroutines"] == sum(t["goroutines"] for t in d["totals"]), d
lw = [s for s in d["stacks"] if any(f["function"] == "main.leakWorker" for f in s["stack"])]
assert len(lw) == 1 and lw[0]["goroutines"] == 200 and lw[0]["reason"] == "chan receive" and lw[0]["ns"] > 0, lw
EOF
pass
run "$GMD" trace summary "$TR/go126.trace"
assert_out_contains "still blocked at the end of the trace: "
grep -A6 "^still blocked at the end" "$T/out" | grep -qE "^ +[0-9.]+[a-z]+ +20[0-9] goroutines  chan receive$" || fail "summary: still blocked by reason"; pass
run "$GMD" trace summary --json "$TR/go126.trace"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["still_blocked"]; assert d["goroutines"] >= 200 and "stacks" not in d, d' "$T/out" || fail "summary --json: still_blocked"
pass
run "$GMD" trace gc --json "$TR/go126.trace"
assert_rc 0
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["gc_cycles"] >= 2 and len(d["cycles"]) == d["gc_cycles"] and d["heap_live"], d' "$T/out" ||
  fail "gc --json"
pass

# Standard input gives the same as the file.
"$GMD" trace goroutines --json "$TR/go126.trace" | sed 's/"source":"[^"]*"//' >"$T/file.json"
"$GMD" trace goroutines --json - <"$TR/go126.trace" | sed 's/"source":"[^"]*"//' >"$T/stdin.json"
cmp -s "$T/file.json" "$T/stdin.json" || fail "trace from standard input differs from the file"
pass

# A /debug/pprof/trace URL (the pprofserver fixture): one second of trace,
# fetched and read; its parked goroutines are there.
"$FIXTURES/pprofserver" "$T/port" 2>"$T/server.log" & SERVER=$!
trap 'kill $SERVER 2>/dev/null; rm -rf "$T"' EXIT
for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.1; done
[ -s "$T/port" ] || fail "pprofserver did not start"
run timeout 60 "$GMD" trace goroutines --json "http://127.0.0.1:$(cat "$T/port")/debug/pprof/trace?seconds=1"
assert_rc 0
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["go_version"].startswith("1.") and d["goroutines"]["at_start"] > 0, d["goroutines"]' "$T/out" ||
  fail "trace from a URL"
pass
kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null

# A URL is read as it downloads. A download cut off part way (the server
# closes after 60% of a Content-Length it promised) gives what came before
# and says why it ended; errors before the body stay one-line errors.
cat >"$T/cutserver.py" <<'PY'
import http.server, sys, threading
data = open(sys.argv[1], "rb").read()
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        if not self.path.startswith("/debug/pprof/trace"):
            self.send_error(404, "Unknown profile"); return
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[: len(data) * 6 // 10]); self.wfile.flush()
        self.close_connection = True
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
open(sys.argv[2], "w").write(str(s.server_address[1]))
s.serve_forever()
PY
rm -f "$T/cutport"
python3 "$T/cutserver.py" "$TR/go126.trace" "$T/cutport" & CUT=$!
trap 'kill $CUT 2>/dev/null; rm -rf "$T"' EXIT
for _ in $(seq 100); do [ -s "$T/cutport" ] && break; sleep 0.1; done
[ -s "$T/cutport" ] || fail "cutserver did not start"
run timeout 60 "$GMD" trace summary "http://127.0.0.1:$(cat "$T/cutport")/debug/pprof/trace?seconds=1"
assert_rc 0
assert_out_contains "trace cut off at byte"
assert_out_contains "(the download ended:"
run timeout 60 "$GMD" trace summary "http://127.0.0.1:$(cat "$T/cutport")/debug/pprof/nosuch"
[ "$RC" -ne 0 ] || fail "a 404 trace URL exited 0"
pass
assert_err_contains "HTTP 404"
assert_err_one_line
kill $CUT 2>/dev/null; wait $CUT 2>/dev/null

# SVG timeline.
run "$GMD" trace timeline -o "$T/t.svg" "$TR/go126.trace"
assert_rc 0
head -c 200 "$T/t.svg" | grep -q "<svg" || fail "timeline is not an SVG"
grep -q "</svg>" "$T/t.svg" || fail "timeline SVG not closed"
pass

# A trace cut off mid-way: what came before, and a warning naming the loss.
sz=$(stat -c %s "$TR/go126.trace")
head -c $((sz * 2 / 3)) "$TR/go126.trace" >"$T/cut.trace"
run "$GMD" trace goroutines --json "$T/cut.trace"
assert_rc 0
assert_err_contains "trace cut off at byte"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert "was incomplete and is left out" in d["truncated"], d["truncated"]' "$T/out" ||
  fail "truncated not reported in JSON"
pass
run "$GMD" trace summary - <"$T/cut.trace"
assert_rc 0
assert_out_contains "warning: trace cut off at byte"

# Old and foreign files: one line naming the problem and byte 0.
printf 'go 1.21 trace\0\0\0\x00\x01\x02' >"$T/old.trace"
run "$GMD" trace summary "$T/old.trace"
assert_rc 1
assert_err_one_line
assert_err_contains "byte 0: a go 1.21 trace"
printf 'hello, world\n' >"$T/text.trace"
run "$GMD" trace summary "$T/text.trace"
assert_rc 1
assert_err_one_line
assert_err_contains "not a Go execution trace"

# Corrupt traces: an error with a byte offset or a (partial) result, never
# a crash or a hang.
python3 - "$TR/go126.trace" "$TR/go126-1gen.trace" "$T" <<'EOF'
import random, sys
rnd = random.Random(10)
for i in range(24):
    d = bytearray(open(sys.argv[1 + i % 2], "rb").read())
    for _ in range(rnd.randrange(1, 20)):
        d[rnd.randrange(16, len(d))] = rnd.randrange(256)
    if i % 5 == 0:
        d = d[: rnd.randrange(17, len(d))]
    open("%s/bad%d.trace" % (sys.argv[3], i), "wb").write(d)
EOF
for i in $(seq 0 23); do
  run timeout 60 "$GMD" trace goroutines "$T/bad$i.trace"
  [ "$RC" -le 1 ] || fail "bad$i.trace: exit $RC: $(head -c 300 "$T/err")"
  if [ "$RC" -eq 1 ]; then
    assert_err_one_line
    grep -qE "byte [0-9]+" "$T/err" || fail "bad$i.trace: error without a byte offset: $(cat "$T/err")"
  fi
done
pass

# Usage errors.
run "$GMD" trace
assert_rc 2
run "$GMD" trace frobnicate "$TR/go126.trace"
assert_rc 2
run "$GMD" trace export "$TR/go126.trace"
assert_rc 2
run "$GMD" trace export --pprof bogus -o "$T/x.pb.gz" "$TR/go126.trace"
assert_rc 2
run "$GMD" trace summary --top 0 "$TR/go126.trace"
assert_rc 2
# Options before the view, after it, or after TRACE.
run "$GMD" trace --json goroutines "$TR/go126.trace" --top 2
assert_rc 0
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["sites"][0]["start_function"] == "main.leakWorker"' "$T/out" ||
  fail "options around the view"
pass
run "$GMD" trace --help
assert_rc 0
assert_out_contains "usage: gmd trace"
done_ok
