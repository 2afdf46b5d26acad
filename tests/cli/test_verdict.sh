#!/usr/bin/env bash
# The verdict on recorded runs (tests/bundles, see its README): real bundles
# from the suite's own fixture programs, judged offline with gmd report, so
# the exact verdict can be asserted without depending on this machine's load.
# The same bundles cut to their first 10 s check what is decidable sooner.
. "$(dirname "$0")/lib.sh"
: "${SRCDIR:?SRCDIR must name the repo root}"
B="$SRCDIR/tests/bundles"

json_get() { python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

# judge DIR NAME: gmd report --json into $T/NAME.json
judge() {
    "$GMD" report --json --no-html "$1" >"$T/$2.json" 2>"$T/$2.err"
    RC=$?
    cp "$T/$2.err" "$T/err"
    assert_rc 0
}

# cut SRC DST SECONDS: the bundle as if the run had stopped at SECONDS.
cut() {
    python3 - "$1" "$2" "$3" <<'PY'
import json, os, sys, shutil
src, dst, secs = sys.argv[1], sys.argv[2], float(sys.argv[3])
shutil.copytree(src, dst)
keep = [l for l in open(os.path.join(src, "index.jsonl")) if json.loads(l)["t"] <= secs]
open(os.path.join(dst, "index.jsonl"), "w").writelines(keep)
PY
}

# A slow leak (64 KiB/s of 1 KiB objects, under 4 MiB a minute) at MemProfileRate 64 KiB.
judge "$B/slowleak" slowleak
assert_eq "$(json_get "$T/slowleak.json" 'j["verdict"], j["leak"]')" "('leak', True)" "slowleak: verdict"
assert_eq "$(json_get "$T/slowleak.json" '[s["site"] for s in j["suspects"]]')" "['main.recordAudit']" "slowleak: one suspect, the right one"
assert_eq "$(json_get "$T/slowleak.json" 'j["suspects"][0]["z"] >= 3 and j["memprofile_rate"] == 65536')" "True" "slowleak: significant under the sampling model"
assert_eq "$(json_get "$T/slowleak.json" 'any("standard deviations above sampling noise" in e for e in j["suspects"][0]["evidence"])')" "True" "slowleak: evidence says how sure"
assert_eq "$(json_get "$T/slowleak.json" 'any(n.startswith("resolution:") for n in j["notes"])')" "True" "slowleak: resolution noted"

# A cache that fills for 14 s, then holds: a warm-up, not a leak.
judge "$B/warmup" warmup
assert_eq "$(json_get "$T/warmup.json" 'j["verdict"], j["leak"], j["suspects"]')" "('no_leak', False, [])" "warmup: no leak"
assert_eq "$(json_get "$T/warmup.json" 'j["dismissed"][0]["site"]')" "main.(*cache).fill" "warmup: the cache was looked at"
assert_eq "$(json_get "$T/warmup.json" '"held flat" in j["dismissed"][0]["why"]')" "True" "warmup: why"

# Batches that build 8 MiB and drop it: a sawtooth, no leak.
judge "$B/sawtooth" sawtooth
assert_eq "$(json_get "$T/sawtooth.json" 'j["verdict"], j["suspects"]')" "('no_leak', [])" "sawtooth: no leak"

# Anonymous mmaps never unmapped: RSS +8 MiB/s, Go heap flat.
judge "$B/offheap" offheap
assert_eq "$(json_get "$T/offheap.json" 'j["verdict"]')" "leak" "offheap: verdict"
assert_eq "$(json_get "$T/offheap.json" '[(s["kind"], s["site"]) for s in j["suspects"]]')" "[('offheap', 'anonymous mappings')]" "offheap: named, and only it"
assert_eq "$(json_get "$T/offheap.json" '4e6 < j["suspects"][0]["growth_per_sec"] < 12e6')" "True" "offheap: about 8 MiB/s"
assert_eq "$(json_get "$T/offheap.json" 'any("anonymous mappings went from" in e for e in j["suspects"][0]["evidence"])')" "True" "offheap: mapping count in evidence"

# One leak reached from four handlers: one suspect, four paths with their shares.
judge "$B/fourpaths" fourpaths
assert_eq "$(json_get "$T/fourpaths.json" '[s["site"] for s in j["suspects"]]')" "['main.remember']" "fourpaths: one suspect"
assert_eq "$(json_get "$T/fourpaths.json" '[p["stack"][1] for p in j["suspects"][0]["paths"]]')" \
    "['main.handleLogin', 'main.handleSearch', 'main.handleUpload', 'main.handleStatus']" "fourpaths: paths by share"
assert_eq "$(json_get "$T/fourpaths.json" 'abs(sum(p["share"] for p in j["suspects"][0]["paths"]) - 1) < 1e-6')" "True" "fourpaths: shares sum to 1"
assert_eq "$(json_get "$T/fourpaths.json" 'j["suspects"][0]["line"] > 0')" "True" "fourpaths: the site's line"

# A steady service: a pool of sessions replaced now and then, workers that come and go.
judge "$B/steady" steady
assert_eq "$(json_get "$T/steady.json" 'j["verdict"], j["suspects"]')" "('no_leak', [])" "steady: no leak"

# A leak beside a site churning short-lived buffers whose in-use bytes rise with the heap
# (allocated while a longer and longer GC marks): the churn grew less than it allocates in one
# GC cycle, so it is dismissed, not named (it was, before the per-cycle rule).
judge "$B/churnleak" churnleak
assert_eq "$(json_get "$T/churnleak.json" 'j["verdict"], [s["site"] for s in j["suspects"]]')" "('leak', ['main.remember'])" "churnleak: only the leak"
assert_eq "$(json_get "$T/churnleak.json" '[d["site"] for d in j["dismissed"] if "it allocates in one GC cycle" in d["why"]]')" \
    "['main.handleRequest']" "churnleak: the churn dismissed, and why"

# The same runs stopped at 10 s.
for c in slowleak warmup sawtooth offheap fourpaths steady; do cut "$B/$c" "$T/$c-10s" 10.5; judge "$T/$c-10s" "$c-10s"; done
assert_eq "$(json_get "$T/slowleak-10s.json" 'j["verdict"]')" "inconclusive" "slowleak 10 s: not yet resolved"
assert_eq "$(json_get "$T/slowleak-10s.json" '"main.recordAudit grows steadily" in j["verdict_reason"]')" "True" "slowleak 10 s: reason"
assert_eq "$(json_get "$T/sawtooth-10s.json" 'j["verdict"]')" "no_leak" "sawtooth 10 s"
assert_eq "$(json_get "$T/steady-10s.json" 'j["verdict"]')" "no_leak" "steady 10 s"
assert_eq "$(json_get "$T/offheap-10s.json" '[s["kind"] for s in j["suspects"]]')" "['offheap']" "offheap 10 s"
assert_eq "$(json_get "$T/fourpaths-10s.json" '[s["site"] for s in j["suspects"]]')" "['main.remember']" "fourpaths 10 s"
# warmup at 10 s is still filling: indistinguishable from a leak, and called one.

# Too short a run, and no heap profile: inconclusive, with the reason.
cut "$B/fourpaths" "$T/short" 3.5
judge "$T/short" short
assert_eq "$(json_get "$T/short.json" 'j["verdict"], j["leak"]')" "('inconclusive', False)" "short: inconclusive"
assert_eq "$(json_get "$T/short.json" 'j["verdict_reason"].startswith("too short")')" "True" "short: reason"
cp -r "$B/steady" "$T/noheap"
grep -v '"kind":"heap"' "$B/steady/index.jsonl" >"$T/noheap/index.jsonl"
judge "$T/noheap" noheap
assert_eq "$(json_get "$T/noheap.json" 'j["verdict"], j["verdict_reason"].startswith("no heap profile")')" "('inconclusive', True)" "no heap profile: inconclusive"

# --fail-on-leak: exit status 3 on a leak, 0 otherwise.
run "$GMD" report --fail-on-leak --no-html "$B/fourpaths"
assert_rc 3
assert_out_contains "LEAK: heap allocated in main.remember"
assert_out_contains "one cause reached from 4 call paths"
run "$GMD" report --fail-on-leak --no-html "$B/warmup"
assert_rc 0
assert_out_contains "No leak found"
run "$GMD" report --no-html "$T/short"
assert_rc 0
assert_out_contains "INCONCLUSIVE"

# report.html at 900 px in headless Chromium (when installed): every chart drawn, no script error,
# the charts right after the verdict, the paths and the off-heap suspect on the page.
browser=""
for b in chromium chromium-browser google-chrome; do
    command -v "$b" >/dev/null && { browser=$b; break; }
done
if [ -n "$browser" ]; then
    for c in fourpaths offheap; do
        run "$GMD" report --html "$T/$c.html" "$B/$c"
        assert_rc 0
        timeout 90 "$browser" --headless --no-sandbox --disable-gpu --no-first-run --user-data-dir="$T/profile" \
            --window-size=900,2000 --virtual-time-budget=5000 --dump-dom "file://$T/$c.html" >"$T/$c.dom" 2>"$T/browser.err"
        [ -s "$T/$c.dom" ] || fail "chromium printed no DOM: $(tail -5 "$T/browser.err")"; pass
        assert_eq "$(grep -o '<body[^>]*>' "$T/$c.dom" | head -1)" '<body data-charts="4">' "$c: charts drawn, no script error"
        assert_eq "$(python3 -c 'import sys; d=open(sys.argv[1]).read(); print(d.index("Over time") < d.index("Suspects</h2>"))' "$T/$c.dom")" "True" "$c: charts first"
    done
    grep -q '4 call paths' "$T/fourpaths.dom" || fail "fourpaths: paths not on the page"; pass
    grep -q 'off-heap memory: anonymous mappings' "$T/offheap.dom" || fail "offheap: verdict not on the page"; pass
    "$browser" --headless --no-sandbox --disable-gpu --no-first-run --user-data-dir="$T/profile" --window-size=900,2000 \
        --virtual-time-budget=5000 --screenshot="$T/fourpaths.png" "file://$T/fourpaths.html" >/dev/null 2>&1
fi
done_ok
