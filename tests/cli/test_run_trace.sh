#!/usr/bin/env bash
# gmd run --pprof records execution traces in the background
# (tests/run-fixtures/heapleak.go serves net/http/pprof): the bundle holds
# trace/NNNN.trace files, each indexed by one record of the agreed form
# {"t","wall","kind":"trace","file","t_end"}, and `gmd trace summary` reads
# each; --no-trace and memory mode (no --pprof) record none. The last
# sample is taken at --duration itself, not an interval before. A trace
# still downloading when collection ends is kept as far as it reads.
. "$(dirname "$0")/lib.sh"
: "${GO:?GO must name the go binary}"
: "${SRCDIR:?SRCDIR must name the repo root}"

"$GO" build -o "$T/heapleak" "$SRCDIR/tests/run-fixtures/heapleak.go" || fail "go build heapleak"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# 1. Traces every 2 s, 1 s each, over 6 s: the first starts after the first
# sample, so at least one completes even under load.
port=$(free_port)
PORT=$port run "$GMD" run --duration 6s --trace-every 2s --trace-seconds 1 --no-html --quiet -o "$T/b" \
    --pprof "http://127.0.0.1:$port" -- "$T/heapleak"
assert_rc 0
assert_err_contains "execution trace"
n=$(ls "$T/b/trace/" | grep -c '^[0-9][0-9][0-9][0-9]\.trace$')
[ "$n" -ge 1 ] || fail "no trace in the bundle: $(ls "$T/b")"; pass
[ "$(ls "$T/b/trace/" | grep -vc '\.trace$')" -eq 0 ] || fail "temporary files left in trace/"; pass
assert_eq "$(python3 - "$T/b" <<'EOF'
import json, os, re, sys
b = sys.argv[1]
recs = []
for line in open(b + "/index.jsonl"):
    e = json.loads(line)
    if e["kind"] != "trace":
        continue
    assert list(e) == ["t", "wall", "kind", "file", "t_end"], list(e)
    assert re.fullmatch(r"trace/\d{4}\.trace", e["file"]), e["file"]
    assert 0 < e["t"] < e["t_end"] <= 7 and e["wall"] > 0, e
    assert e["t_end"] - e["t"] >= 0.9, e   # the endpoint traces for the whole second
    assert os.path.getsize(b + "/" + e["file"]) > 0
    recs.append(e["file"])
files = sorted("trace/" + f for f in os.listdir(b + "/trace"))
print(sorted(recs) == files and len(recs) > 0)
EOF
)" "True" "trace index records"
for f in "$T"/b/trace/*.trace; do
    run "$GMD" trace summary "$f"
    assert_rc 0
    assert_out_contains "go 1."
done
assert_eq "$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print(m["trace_every"], m["trace_seconds"])' "$T/b/meta.json")" "2 1" "meta.json: trace settings"
# The last round is at 6 s (it was at 5 s): the forced-GC heap of the end.
assert_eq "$(python3 -c '
import json, sys
hs = [json.loads(l) for l in open(sys.argv[1]) if "\"kind\":\"heap\"" in l]
print(hs[-1].get("gc") is True and hs[-1]["t"] >= 5.9)' "$T/b/index.jsonl")" "True" "the last heap sample at --duration"

# 2. --no-trace: none.
port=$(free_port)
PORT=$port run "$GMD" run --duration 3s --no-trace --no-html --quiet -o "$T/n" \
    --pprof "http://127.0.0.1:$port" -- "$T/heapleak"
assert_rc 0
[ ! -e "$T/n/trace" ] || fail "--no-trace recorded traces"; pass
! grep -q '"kind":"trace"' "$T/n/index.jsonl" || fail "--no-trace indexed traces"; pass
! grep -q '"trace_every"' "$T/n/meta.json" || fail "--no-trace: meta.json has trace settings"; pass

# 3. Memory mode (no --pprof): no traces, whatever --trace-every says.
PORT=0 run "$GMD" run --duration 3s --trace-every 1s --no-html --quiet -o "$T/m" -- "$T/heapleak"
assert_rc 0
[ ! -e "$T/m/trace" ] || fail "memory mode recorded traces"; pass

# 5. A trace still downloading when collection ends (Ctrl-C) is kept up to
# its last complete generation: indexed "partial":true, counted in the
# summary and meta.json, read by gmd trace and used by gmd report. The
# SIGINT waits (polling) until a heap sample at 6 s or later is indexed:
# the trace, asked for 60 s right after the first sample, has by then run
# for seconds, and the runtime ends a generation about every second.
port=$(free_port)
PORT=$port "$GMD" run --trace-every 1h --trace-seconds 60 --interval 0.5s --no-html --quiet -o "$T/p" \
    --pprof "http://127.0.0.1:$port" -- "$T/heapleak" >"$T/out" 2>"$T/err" &
G=$!
late_heap() { python3 - "$T/p/index.jsonl" <<'PY'
import json, sys
try:
    recs = [json.loads(l) for l in open(sys.argv[1]) if l.endswith("\n")]
except (OSError, ValueError):
    sys.exit(1)
sys.exit(0 if any(r["kind"] == "heap" and r["t"] >= 6 for r in recs) else 1)
PY
}
for i in $(seq 1200); do late_heap && break; sleep 0.1; done
late_heap || fail "no heap sample at 6 s after 120 s: $(tail -c 300 "$T/err")"
kill -INT $G
wait $G
RC=$?
assert_rc 0
assert_err_contains "1 execution trace recorded (1 partial: cut off when collection ended, kept up to the last complete generation)"
assert_eq "$(python3 - "$T/p" <<'PY'
import json, sys
b = sys.argv[1]
tr = [json.loads(l) for l in open(b + "/index.jsonl") if '"kind":"trace"' in l]
m = json.load(open(b + "/meta.json"))
print(len(tr), tr[0].get("partial"), list(tr[0])[-1], m.get("traces_partial"))
PY
)" "1 True partial 1" "partial trace: indexed with partial:true, meta traces_partial"
run "$GMD" trace summary "$T/p/trace/0001.trace"
assert_rc 0
assert_out_contains "trace cut off at byte"
run "$GMD" report --json --no-html "$T/p"
assert_rc 0
assert_eq "$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); w=j["traces"]["windows"]; print(len(w), w[0]["partial"], w[0]["events"] > 0)' "$T/out")" \
    "1 True True" "partial trace: used by the verdict as a cut trace"

# 6. The same when the program exits by itself while a trace downloads: the
# command kills the program once a heap sample at 6 s or later is indexed
# (polled, as above) and exits; the trace cut by the exit is kept.
cat >"$T/late.py" <<'PY'
import json, sys
try:
    recs = [json.loads(l) for l in open(sys.argv[1]) if l.endswith("\n")]
except (OSError, ValueError):
    sys.exit(1)
sys.exit(0 if any(r["kind"] == "heap" and r["t"] >= 6 for r in recs) else 1)
PY
port=$(free_port)
PORT=$port run timeout 300 "$GMD" run --trace-every 1h --trace-seconds 60 --interval 0.5s --no-html --quiet -o "$T/x" \
    --pprof "http://127.0.0.1:$port" -- sh -c "\"$T/heapleak\" & p=\$!; i=0; until python3 \"$T/late.py\" \"$T/x/index.jsonl\"; do sleep 0.1; i=\$((i+1)); [ \$i -lt 1200 ] || break; done; kill \$p; wait \$p; exit 0"
assert_rc 0
assert_err_contains "(1 partial: cut off when collection ended, kept up to the last complete generation)"
assert_eq "$(grep -c '"kind":"trace".*"partial":true' "$T/x/index.jsonl")" "1" "program exit: the cut trace indexed partial"
run "$GMD" trace summary "$T/x/trace/0001.trace"
assert_rc 0
assert_out_contains "trace cut off at byte"

# 4. The options are in --help.
run "$GMD" run --help
assert_out_contains "--trace-every"
assert_out_contains "--no-trace"
run "$GMD" watch --help
assert_out_contains "--trace-seconds"

done_ok
