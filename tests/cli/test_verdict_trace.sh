#!/usr/bin/env bash
# Execution traces in the verdict, on a recorded bundle (tests/bundles/goleak:
# a goroutine leak, three 1 s traces fetched during the run; see its README):
# the goroutine suspect carries the traces' evidence for its site, with the
# numbers `gmd trace goroutines` gives on the same files; JSON has it;
# report.html draws the trace chart. Traces cut off or unreadable are used
# as far as they go, never fatal; a trace in which the site's goroutines end
# lowers the confidence; without traces the output is what it was.
. "$(dirname "$0")/lib.sh"
: "${SRCDIR:?SRCDIR must name the repo root}"
: "${GO:?GO must name the go binary}"
B="$SRCDIR/tests/bundles/goleak"

json_get() { python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

# judge DIR NAME: gmd report --json into $T/NAME.json
judge() {
    "$GMD" report --json --no-html "$1" >"$T/$2.json" 2>"$T/$2.err"
    RC=$?
    cp "$T/$2.err" "$T/err"
    assert_rc 0
}

judge "$B" goleak
assert_eq "$(json_get "$T/goleak.json" 'j["verdict"], j["suspects"][0]["kind"], j["suspects"][0]["site"]')" \
    "('leak', 'goroutine', 'main.waitForUpdate')" "goleak: the goroutine suspect"
assert_eq "$(json_get "$T/goleak.json" '[(w["t"] < w["t_end"], w["partial"]) for w in j["traces"]["windows"]], j["traces"]["unread"]')" \
    "([(True, False), (True, False), (True, False)], 0)" "goleak: three trace windows read whole"
TR='j["suspects"][0]["trace"]'
assert_eq "$(json_get "$T/goleak.json" "$TR[\"windows\"], $TR[\"start_function\"], $TR[\"created_by\"], $TR[\"against_leak\"]")" \
    "(3, 'main.waitForUpdate', 'main.startWatcher', False)" "goleak: trace evidence for the right site"
assert_eq "$(json_get "$T/goleak.json" "[(f[\"function\"], f[\"line\"]) for f in $TR[\"creation_stack\"]]")" \
    "[('main.startWatcher', 27), ('main.main', 55)]" "goleak: the go statement's stack (goleak.go:27)"
assert_eq "$(json_get "$T/goleak.json" "$TR[\"created\"] > 0 and $TR[\"ended\"] == 0 and $TR[\"created_alive\"] == $TR[\"created\"]")" \
    "True" "goleak: created, none ended"

# The same numbers from gmd trace goroutines, window by window: the sites that
# run main.waitForUpdate, created by main.startWatcher or there before the trace.
for i in 1 2 3; do
    "$GMD" trace goroutines --json "$B/trace/000$i.trace" >"$T/g$i.json" 2>"$T/err" || fail "gmd trace goroutines trace $i"
done
expect=$(python3 - "$T" <<'PY'
import json, sys
rows, secs = [], 0
for i in (1, 2, 3):
    g = json.load(open(f"{sys.argv[1]}/g{i}.json"))
    sites = [s for s in g["sites"] if s["start_function"] == "main.waitForUpdate" and s["created_by"] in ("main.startWatcher", "")]
    rows.append((sum(s["created"] for s in sites), sum(s["ended"] for s in sites), sum(s["created_and_alive"] for s in sites)))
    secs += g["duration_ns"] / 1e9
print((rows, round(sum(r[0] for r in rows) / secs, 6)))
PY
)
assert_eq "$(json_get "$T/goleak.json" "[(w[\"created\"], w[\"ended\"], w[\"created_alive\"]) for w in $TR[\"per_window\"]], round($TR[\"created_per_sec\"], 6)")" \
    "$expect" "goleak: per-window counts and rate agree with gmd trace goroutines"
assert_eq "$(json_get "$T/goleak.json" 'sum(e.startswith("trace (3 windows, 3.0 s): ") and "created/s, 0.0 ended/s at this site" in e and "created at main.startWatcher (goleak.go:27) <- main.main (goleak.go:55)" in e for e in j["suspects"][0]["evidence"])')" \
    "1" "goleak: one trace evidence line"
assert_eq "$(json_get "$T/goleak.json" 'all("trace" not in s for s in j["suspects"] if s["kind"] != "goroutine")')" "True" \
    "trace evidence only on goroutine suspects"

run "$GMD" report --no-html "$B"
assert_rc 0
assert_out_contains "3 execution traces (3.0 s)"
assert_out_contains "     - trace (3 windows, 3.0 s): "

# Without its traces, the bundle reads exactly as before: the traces only add.
cp -r "$B" "$T/notrace"
grep -v '"kind":"trace"' "$B/index.jsonl" >"$T/notrace/index.jsonl"
rm -r "$T/notrace/trace"
judge "$T/notrace" notrace
assert_eq "$(python3 - "$T/goleak.json" "$T/notrace.json" <<'PY'
import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
a.pop("traces")
for s in a["suspects"]:
    s.pop("trace", None)
    s["evidence"] = [e for e in s["evidence"] if not e.startswith("trace (")]
a["bundle"] = b["bundle"]
print(a == b and "traces" not in b and all("trace" not in s for s in b["suspects"]))
PY
)" "True" "no traces: the same verdict, numbers and evidence, no trace keys"
run "$GMD" report --no-html "$T/notrace"
assert_out_lacks "execution trace"

# Traces cut off or unreadable: the first cut inside its first generation (nothing
# complete), the second in its last generation (the first one used), the third
# not a trace. Never fatal; counted in notes and JSON.
cp -r "$B" "$T/bad"
python3 - "$T/bad/trace" <<'PY'
import os, sys
d = sys.argv[1]
for name, frac in (("0001.trace", 0.5), ("0002.trace", 0.9)):
    p = os.path.join(d, name)
    data = open(p, "rb").read()
    open(p, "wb").write(data[:int(len(data) * frac)])
open(os.path.join(d, "0003.trace"), "wb").write(b"garbage, not a trace\n")
PY
judge "$T/bad" bad
assert_eq "$(json_get "$T/bad.json" 'j["verdict"], j["suspects"][0]["site"]')" "('leak', 'main.waitForUpdate')" "bad traces: same verdict"
assert_eq "$(json_get "$T/bad.json" '[w["partial"] for w in j["traces"]["windows"]], j["traces"]["unread"], j["suspects"][0]["trace"]["windows"]')" \
    "([True], 2, 1)" "bad traces: one used in part, two left out"
assert_eq "$(json_get "$T/bad.json" 'sum("could not be read at all" in n or "cut off or corrupt part way" in n for n in j["notes"])')" "2" "bad traces: noted"
assert_err_contains "0003.trace: byte 0: not a Go execution trace"

# A trace in which the site's goroutines end as fast as they start (goends: the
# same functions, every goroutine sent its update): evidence against a leak.
"$GO" build -o "$T/goends" "$SRCDIR/tests/trace-fixtures/goends/main.go" || fail "go build goends"
cp -r "$B" "$T/ends"
"$T/goends" "$T/ends/trace/0001.trace" || fail "goends"
grep -v '"file":"trace/000[23].trace"' "$B/index.jsonl" >"$T/ends/index.jsonl"
judge "$T/ends" ends
"$GMD" trace goroutines --json "$T/ends/trace/0001.trace" >"$T/ge.json" || fail "gmd trace goroutines goends"
W='[s for s in j["suspects"] if s["site"] == "main.waitForUpdate"][0]'
assert_eq "$(json_get "$T/ends.json" "(lambda t: (t['created'], t['ended'], t['against_leak']))($W['trace'])")" \
    "$(json_get "$T/ge.json" '(lambda s: (s["created"], s["ended"], True))([s for s in j["sites"] if s["start_function"] == "main.waitForUpdate"][0])')" \
    "goends: the site's goroutines end"
assert_eq "$(json_get "$T/ends.json" "j['verdict'], $W['kind']")" "('leak', 'goroutine')" \
    "goends: still a suspect: the profiles' growth decides the verdict"
assert_eq "$(python3 -c 'import json,sys; a=json.load(open(sys.argv[1]))["suspects"][0]; b=[s for s in json.load(open(sys.argv[2]))["suspects"] if s["site"] == "main.waitForUpdate"][0]; print(abs(b["confidence"] - a["confidence"] / 2) < 1e-9, any("evidence against a leak" in e for e in b["evidence"]))' "$T/goleak.json" "$T/ends.json")" \
    "True True" "goends: confidence halved, and said"

# A clean trace: only the tracer's own goroutines (started by the capture) are
# created and never end; they are listed apart, not named as the leak signal.
run "$GMD" trace summary "$T/ends/trace/0001.trace"
assert_rc 0
assert_out_lacks "most created-and-never-ended"
assert_out_contains "3 created-and-never-ended goroutines of the tracer itself"
run "$GMD" trace goroutines "$T/ends/trace/0001.trace"
assert_rc 0
assert_out_lacks "leak signal"
assert_out_contains "runtime.traceStartReadCPU.func1 created by runtime.traceStartReadCPU [the trace's own]"
assert_eq "$(json_get "$T/ge.json" 'sorted(s["start_function"] for s in j["sites"] if s["tracer_own"])')" \
    "['runtime.(*traceAdvancerState).start.func1', 'runtime.traceStartReadCPU.func1', 'runtime/trace.(*traceMultiplexer).startLocked.func1']" \
    "goends: the tracer's own sites marked"

# report.html: the trace charts' data on the run clock, and (with Chromium) every chart drawn.
run "$GMD" report --html "$T/goleak.html" "$B"
assert_rc 0
python3 - "$T/goleak.html" >"$T/html.out" <<'PY'
import json, re, sys
h = open(sys.argv[1]).read()
d = json.loads(re.search(r'<script id=gmd-data type="application/json">(.*?)</script>', h, re.S).group(1))
w = d["trace_windows"]
inside = lambda t: any(a - 1e-6 <= t <= b + 1e-6 for a, b in w)
ok = [len(w) == 3, "Goroutines by state, from the execution traces" in h, "Heap from the execution traces" in h]
for k in ("trace_waiting", "trace_running", "trace_heap", "trace_goal"):
    ok.append(len(d[k]["t"]) > 0 and all(inside(t) for t in d[k]["t"]))
print(all(ok), ok)
PY
assert_eq "$(head -c 4 "$T/html.out")" "True" "report.html: trace charts, points inside the trace windows ($(cat "$T/html.out"))"
browser=""
for b in chromium chromium-browser google-chrome; do
    command -v "$b" >/dev/null && { browser=$b; break; }
done
if [ -n "$browser" ]; then
    timeout 90 "$browser" --headless --no-sandbox --disable-gpu --no-first-run --user-data-dir="$T/profile" \
        --window-size=900,2000 --virtual-time-budget=5000 --dump-dom "file://$T/goleak.html" >"$T/goleak.dom" 2>"$T/browser.err"
    [ -s "$T/goleak.dom" ] || fail "chromium printed no DOM: $(tail -5 "$T/browser.err")"; pass
    assert_eq "$(grep -o '<body[^>]*>' "$T/goleak.dom" | head -1)" '<body data-charts="6">' "goleak: six charts drawn (two from traces), no script error"
fi
done_ok
