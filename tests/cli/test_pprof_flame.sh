#!/usr/bin/env bash
# gmd pprof flame: a well-formed, self-contained SVG naming the leak; the diff
# flame graph colours the growing function red; the script runs in a real
# browser (headless Chromium, when installed) without errors.
. "$(dirname "$0")/lib.sh"

H1=$FIXTURES/heap-1.pb.gz
H3=$FIXTURES/heap-3.pb.gz
LEAK='main.(*leakyCache).add'

# check_svg FILE: well-formed XML, with xmllint too when it is installed.
check_svg() {
    python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$1" || fail "$1 is not well-formed XML"
    pass
    if command -v xmllint >/dev/null; then xmllint --noout "$1" || fail "xmllint rejects $1"; pass; fi
}

# frame_fill FILE NAME: "r g b" of the frame whose tooltip starts with NAME.
frame_fill() {
    python3 - "$1" "$2" <<'EOF'
import re, sys, xml.etree.ElementTree as E
ns = '{http://www.w3.org/2000/svg}'
for g in E.parse(sys.argv[1]).getroot().iter(ns + 'g'):
    t = g.find(ns + 'title')
    if t is not None and t.text.split('\n')[0] == sys.argv[2]:
        print(*re.match(r'rgb\((\d+),(\d+),(\d+)\)', g.find(ns + 'rect').get('fill')).groups())
        break
EOF
}

run "$GMD" pprof flame --help; assert_rc 0; assert_out_contains "usage: gmd pprof flame"

# A flame graph of heap-3 to a file.
run "$GMD" pprof flame "$H3" -o "$T/h3.svg"; assert_rc 0
check_svg "$T/h3.svg"
grep -qF "<title>$LEAK" "$T/h3.svg" || fail "no frame for $LEAK"; pass
grep -qF "Flame graph: inuse_space" "$T/h3.svg" || fail "no default title"; pass
! grep -qE '(href|src)="https?:' "$T/h3.svg" || fail "external reference in the SVG"; pass

# To stdout when it is not a terminal; --title; -i picks the sample type.
run "$GMD" pprof flame --title "soak test <3h>" -i alloc_space "$H3"; assert_rc 0
assert_out_contains "soak test &lt;3h&gt;"
assert_out_contains "main.churn"
cp "$T/out" "$T/allocs.svg"; check_svg "$T/allocs.svg"

# Filters apply: --focus keeps only stacks through steadyBuffer.
run "$GMD" pprof flame --focus steadyBuffer "$H3"; assert_rc 0
assert_out_contains "main.steadyBuffer"
assert_out_lacks "$LEAK"

# Refuses to write SVG to a terminal (needs script(1) for a pty).
if command -v script >/dev/null; then
    script -qec "$GMD pprof flame $H3" /dev/null >"$T/tty" 2>&1; RC=$?
    assert_rc 2
    grep -q "use -o" "$T/tty" || fail "no hint about -o: $(cat "$T/tty")"; pass
fi

# Diff flame graph: heap-3 against heap-1.
run "$GMD" pprof flame --base "$H1" "$H3" -o "$T/diff.svg"; assert_rc 0
check_svg "$T/diff.svg"
grep -qF "Diff flame graph" "$T/diff.svg" || fail "no diff title"; pass
read -r r g b <<<"$(frame_fill "$T/diff.svg" "$LEAK")"
[ -n "$r" ] && [ "$r" -gt $((b + 60)) ] || fail "$LEAK is not red in the diff: rgb($r,$g,$b)"; pass
read -r r g b <<<"$(frame_fill "$T/diff.svg" main.steadyBuffer)"
[ -n "$r" ] && [ "$r" -eq "$b" ] || fail "unchanged main.steadyBuffer is not neutral: rgb($r,$g,$b)"; pass
grep -qF "change +1.95MB" "$T/diff.svg" || fail "no +1.95MB change in the tooltips"; pass

# Reversed, the leak shrank: blue.
run "$GMD" pprof flame --base "$H3" "$H1" -o "$T/rev.svg"; assert_rc 0
read -r r g b <<<"$(frame_fill "$T/rev.svg" "$LEAK")"
[ -n "$r" ] && [ "$b" -gt $((r + 30)) ] || fail "$LEAK is not blue when reversed: rgb($r,$g,$b)"; pass

# Errors: one line, non-zero.
run "$GMD" pprof flame "$T/nosuch.pb.gz" -o "$T/x.svg"; assert_rc 1; assert_err_one_line
run "$GMD" pprof flame --base "$T/nosuch.pb.gz" "$H3" -o "$T/x.svg"; assert_rc 1; assert_err_one_line
run "$GMD" pprof flame -i nosuchtype "$H3" -o "$T/x.svg"; assert_rc 1; assert_err_contains "nosuchtype"
run "$GMD" pprof flame --json "$H3"; assert_rc 2

# In a browser: the script loads without errors, hover fills the status
# line, click zooms (siblings hide, the frame spans the width), search
# highlights and reports the matched share, reset restores.
CHROME=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$CHROME" ]; then
    echo "skipping the browser check: chromium is not installed (apt-get install -y chromium)"
    done_ok
fi
cat >"$T/probe.js" <<'EOF'
window.addEventListener('load', function () {
  var d = document, out = [];
  function fr(name) {
    var gs = d.getElementById('frames').children;
    for (var i = 0; i < gs.length; i++)
      if (gs[i].getElementsByTagName('title')[0].textContent.split('\n')[0] === name) return gs[i];
    return null;
  }
  function rect(g) { return g.getElementsByTagName('rect')[0]; }
  try {
    var leak = fr('main.(*leakyCache).add'), fill = fr('main.fillCache'), steady = fr('main.steadyBuffer');
    rect(leak).dispatchEvent(new MouseEvent('mouseover', {bubbles: true}));
    out.push('hover:' + (d.getElementById('status').textContent.indexOf('leakyCache') >= 0));
    rect(fill).dispatchEvent(new MouseEvent('click', {bubbles: true}));
    out.push('zoom:' + (+rect(fill).getAttribute('width') > 1000 && steady.style.display === 'none'));
    var s = d.getElementById('search');
    s.value = 'leaky';
    s.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', bubbles: true}));
    out.push('search:' + /^Matched: [0-9.]+%$/.test(d.getElementById('matched').textContent));
    d.getElementById('reset').dispatchEvent(new MouseEvent('click', {bubbles: true}));
    out.push('reset:' + (steady.style.display === ''));
  } catch (e) { out.push('exception:' + e); }
  out.push('errors:' + window.__errs.length + ' ' + window.__errs.join('|'));
  var t = d.createElementNS('http://www.w3.org/2000/svg', 'text');
  t.setAttribute('id', 'probe-result');
  t.textContent = out.join(' ');
  d.documentElement.appendChild(t);
});
EOF
python3 - "$T/h3.svg" "$T/probe.svg" "$T/probe.js" <<'EOF'
import re, sys
s = open(sys.argv[1]).read()
catch = ('<script><![CDATA[window.__errs=[];window.addEventListener("error",'
         'function(e){window.__errs.push(String(e.message));});]]></script>\n')
s = re.sub(r'(<svg [^>]*>\n)', lambda m: m.group(1) + catch, s, count=1)
s = s.replace('</svg>', '<script><![CDATA[' + open(sys.argv[3]).read() + ']]></script>\n</svg>')
open(sys.argv[2], 'w').write(s)
EOF
PROFILE_DIR=$(mktemp -d "$T/chrome.XXXXXX")
timeout 60 "$CHROME" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --user-data-dir="$PROFILE_DIR" \
    --dump-dom "file://$T/probe.svg" >"$T/dom" 2>"$T/chrome.err"
result=$(grep -o 'id="probe-result">[^<]*' "$T/dom" | sed 's/.*>//')
[ -n "$result" ] || fail "the probe did not run in chromium: $(head -c 600 "$T/chrome.err")"; pass
assert_eq "$result" "hover:true zoom:true search:true reset:true errors:0 " "browser behaviour"
done_ok
