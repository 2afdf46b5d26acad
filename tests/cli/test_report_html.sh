#!/usr/bin/env bash
# report.html renders in a real browser: gmd run a leaking Go program briefly,
# then load the bundle's report in headless Chromium and check that every
# chart was drawn (the page sets body data-charts) and no script failed
# (the page records errors in body data-errors), with nothing from the network.
. "$(dirname "$0")/lib.sh"
: "${GO:?GO must name the go binary}"
: "${SRCDIR:?SRCDIR must name the repo root}"

browser=""
for b in chromium chromium-browser google-chrome; do
    command -v "$b" >/dev/null && { browser=$b; break; }
done
[ -n "$browser" ] || fail "no chromium to load report.html (scripts/install-deps.sh installs Debian's chromium)"

"$GO" build -o "$T/heapleak" "$SRCDIR/tests/run-fixtures/heapleak.go" || fail "go build heapleak"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
PORT=$port run "$GMD" run --duration 4s --interval 0.4s --out "$T/b" --pprof "http://127.0.0.1:$port" -- "$T/heapleak"
assert_rc 0
assert_out_contains "report: $T/b/report.html"
H="$T/b/report.html"
[ -s "$H" ] || fail "no report.html"; pass

# Self-contained: no external scripts, styles or images.
! grep -qE '(src|href)="https?:' "$H" || fail "report.html loads something from the network"; pass
grep -q 'uPlot' "$H" || fail "uPlot is not embedded"; pass
assert_eq "$(grep -c '<iframe class=flame' "$H")" "1" "diff flame graph embedded"

# gmd report --html FILE writes the same page elsewhere.
run "$GMD" report --html "$T/again.html" "$T/b"
assert_rc 0
[ -s "$T/again.html" ] || fail "report --html wrote nothing"; pass

dom="$T/dom.html"
timeout 90 "$browser" --headless --no-sandbox --disable-gpu --no-first-run --user-data-dir="$T/profile" \
    --virtual-time-budget=5000 --dump-dom "file://$H" >"$dom" 2>"$T/browser.err"
[ -s "$dom" ] || fail "chromium printed no DOM: $(tail -5 "$T/browser.err")"; pass
body=$(grep -o '<body[^>]*>' "$dom" | head -1)
case "$body" in
    *data-errors*) fail "script errors in report.html: $body" ;;
esac
pass
# Four charts (memory, suspects, goroutines, GC pauses), and two more from execution traces when the
# run took one (gmd run --pprof does at the start, when it can finish before --duration).
charts=4
grep -q '"kind":"trace"' "$T/b/index.jsonl" && charts=6
assert_eq "$body" "<body data-charts=\"$charts\">" "all $charts charts drawn"
n=$(grep -o 'class="uplot' "$dom" | wc -l)
assert_eq "$n" "$charts" "uPlot chart elements in the DOM"
grep -q '<canvas' "$dom" || fail "no canvas in the rendered page"; pass
grep -q 'main.rememberRequest' "$dom" || fail "the suspect is not on the page"; pass
done_ok
