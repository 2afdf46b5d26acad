#!/usr/bin/env bash
# Bundles survive faults (issue 11 item 1):
#  - gmd report on a copy of a recorded bundle with a cut last line, a bad
#    proc line, a FIFO, a link to /dev/zero, a dangling link, a link out of
#    the bundle and an empty meta.json: the verdict from the rest, each skip
#    counted; nothing hangs or reads a device.
#  - a read-only bundle: report.html goes to a temp file, the verdict prints.
#  - gmd run into a place that fills up (a small tmpfs as root, and a
#    file-size limit, `ulimit -f`, for anyone): collection stops, the verdict
#    prints from what was saved and says the bundle is incomplete (exit 4),
#    the bundle has only whole lines and files, and gmd report reads it.
. "$(dirname "$0")/lib.sh"
: "${GO:?GO must name the go binary}"
: "${SRCDIR:?SRCDIR must name the repo root}"

json_get() { python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }
MOUNTS=()
cleanup() {
    for m in "${MOUNTS[@]}"; do umount "$m" 2>/dev/null; done
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM   # still unmount on ctest's timeout
# mount_small DIR SIZE: a tmpfs of SIZE on DIR (root only); fails quietly otherwise.
mount_small() {
    [ "$(id -u)" -eq 0 ] || return 1
    mount -t tmpfs -o "size=$2" tmpfs "$1" 2>/dev/null || return 1
    MOUNTS+=("$1")
}

# ---------------------------------------------------------------- reader
B="$T/b"
cp -r "$SRCDIR/tests/bundles/slowleak" "$B"
printf '{"t":99.5,"wall":1,"kind":"heap","fi' >>"$B/index.jsonl"       # cut by a full disk
sed -i '5s/.*/{"t":4.0,"wall":BROKEN/' "$B/proc.jsonl"                  # one bad /proc line
rm "$B/heap/0003.pb.gz" && mkfifo "$B/heap/0003.pb.gz"                  # would block a reader
rm "$B/heap/0004.pb.gz" && ln -s /dev/zero "$B/heap/0004.pb.gz"          # would read forever
rm "$B/heap/0005.pb.gz" && ln -s "$T/nowhere" "$B/heap/0005.pb.gz"       # dangling
mv "$B/heap/0006.pb.gz" "$T/outside.pb.gz" && ln -s ../../outside.pb.gz "$B/heap/0006.pb.gz"   # out of the bundle
: >"$B/meta.json"                                                       # left empty by a full disk
run timeout 120 "$GMD" report --json --no-html "$B"
assert_rc 0
cp "$T/out" "$T/faulty.json"
assert_eq "$(json_get "$T/faulty.json" 'j["verdict"], j["suspects"][0]["site"]')" "('leak', 'main.recordAudit')" "faulty bundle: verdict from the rest"
assert_eq "$(json_get "$T/faulty.json" 'j["snapshots"]["heap"], j["snapshots"]["proc"]')" "(15, 18)" "faulty bundle: 4 heap profiles and 1 /proc line skipped"
assert_err_contains "skipped 2 bad lines and 4 unreadable files"
assert_err_contains "heap/0003.pb.gz: not a regular file (skipped)"
assert_err_contains "heap/0004.pb.gz: a symbolic link (not followed) (skipped)"
assert_err_contains "index.jsonl: byte 9025: unterminated string (line skipped)"
assert_err_contains "proc.jsonl: byte 1230: unexpected 'B' (line skipped)"
assert_err_contains "meta.json: empty"

# A broken meta.json: defaults, a warning, the same verdict.
printf '{"format": "gmd-bundle-1", "tool": "run", "pid": 12' >"$B/meta.json"
run timeout 120 "$GMD" report --no-html "$B"
assert_rc 0
assert_out_contains "LEAK: heap allocated in main.recordAudit"
assert_err_contains "meta.json: byte 51: "

# A heap directory that is a link out of the bundle: every profile in it skipped.
C="$T/c"
cp -r "$SRCDIR/tests/bundles/slowleak" "$C"
mv "$C/heap" "$T/heapdir" && ln -s "$T/heapdir" "$C/heap"
run timeout 120 "$GMD" report --json --no-html "$C"
assert_rc 0
assert_eq "$(json_get "$T/out" 'j["snapshots"]["heap"]')" "0" "heap dir behind a link: not followed"
assert_err_contains "inside a symbolic link (not followed)"

# index.jsonl itself a FIFO: a one-line error, not a hang.
D="$T/d"
mkdir "$D" && mkfifo "$D/index.jsonl"
run timeout 120 "$GMD" report --no-html "$D"
assert_rc 1
assert_err_one_line
assert_err_contains "index.jsonl: not a regular file"

# report.html planted as a link to a file elsewhere: not written through.
E="$T/e"
cp -r "$SRCDIR/tests/bundles/slowleak" "$E"
echo keep >"$T/victim"
ln -s "$T/victim" "$E/report.html"
mkdir "$T/tmp3"
TMPDIR="$T/tmp3" run timeout 120 "$GMD" report "$E"
assert_rc 0
assert_eq "$(cat "$T/victim")" "keep" "report.html link: its target untouched"
assert_err_contains "$E/report.html: not a regular file; the HTML report is at $T/tmp3/gmd-report-"

# ------------------------------------------------------- read-only bundle
R="$T/ro"
mkdir "$R"
ro=""
if mount_small "$R" 4m; then
    cp -r "$SRCDIR/tests/bundles/slowleak/." "$R/" && mount -o remount,ro "$R" && ro=1
elif [ "$(id -u)" -ne 0 ]; then
    cp -r "$SRCDIR/tests/bundles/slowleak/." "$R/" && chmod -R a-w "$R" && ro=1
fi
if [ -n "$ro" ]; then
    mkdir "$T/tmp"
    TMPDIR="$T/tmp" run timeout 120 "$GMD" report "$R"
    assert_rc 0
    assert_out_contains "LEAK: heap allocated in main.recordAudit"
    assert_err_contains "$R/report.html: cannot write"
    html=$(ls "$T"/tmp/gmd-report-*.html 2>/dev/null | head -1)
    [ -n "$html" ] && [ -s "$html" ] || fail "read-only bundle: no report.html in TMPDIR"; pass
    assert_err_contains "the HTML report is at $html instead"
    assert_out_contains "(report: $html)"
    grep -q "main.recordAudit" "$html" || fail "read-only bundle: the fallback report lacks the suspect"; pass
    chmod -R u+w "$R" 2>/dev/null
else
    echo "note: read-only bundle case skipped (root without mount)"
fi

# --------------------------------------------------------- a full disk
"$GO" build -o "$T/heapleak" "$SRCDIR/tests/run-fixtures/heapleak.go" || fail "go build heapleak"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# check_bundle DIR: only whole lines and whole files; report reads it.
check_bundle() {
    python3 - "$1" <<'PY' || fail "$1: bundle has a partial line or file"
import json, os, sys
d = sys.argv[1]
for name in ("index.jsonl", "proc.jsonl"):
    p = os.path.join(d, name)
    if os.path.exists(p):
        data = open(p, "rb").read()
        assert data == b"" or data.endswith(b"\n"), name + ": ends in a partial line"
        for line in data.splitlines():
            json.loads(line)
m = os.path.join(d, "meta.json")
if os.path.exists(m):
    json.load(open(m))            # absent is fine; empty or cut is not
for root, dirs, files in os.walk(d):
    for f in files:
        assert not f.endswith(".tmp"), os.path.join(root, f) + ": a temp file left"
for line in open(os.path.join(d, "index.jsonl")):
    e = json.loads(line)
    if e["kind"] in ("heap", "goroutine"):
        assert os.path.getsize(os.path.join(d, e["file"])) > 0, e["file"] + ": empty"
PY
    pass
    run timeout 120 "$GMD" report --json --no-html "$1"
    assert_rc 0
    json_get "$T/out" 'j["verdict"]' >/dev/null || fail "$1: report gave no verdict"; pass
}

# No --duration: the program runs until gmd stops it, so collection ends
# only when the place is full (the timeout is a safety net, never reached).
F="$T/full"
mkdir "$F"
if mount_small "$F" 64k; then
    port=$(free_port)
    mkdir -p "$T/tmp2"
    TMPDIR="$T/tmp2" PORT=$port timeout 300 "$GMD" run --interval 0.25s --no-trace --json --out "$F/b" \
        --pprof "http://127.0.0.1:$port" -- "$T/heapleak" >"$T/full.json" 2>"$T/full.err"
    RC=$?
    cp "$T/full.err" "$T/err"
    assert_rc 4   # collection stopped early: not a plain success
    assert_err_contains "gmd run: disk full writing $F/b/"
    assert_err_contains "the verdict below uses what was saved"
    assert_err_contains "the HTML report is at $T/tmp2/gmd-report-"
    json_get "$T/full.json" 'j["verdict"]' >/dev/null || fail "full tmpfs: no verdict"; pass
    assert_eq "$(json_get "$T/full.json" 'j["bundle_incomplete"], j["incomplete_reason"].startswith("collection stopped at ")')" \
        "(True, True)" "full tmpfs: --json says the bundle is incomplete"
    json_get "$T/full.json" 'j["incomplete_reason"]' | grep -q "disk full writing $F/b/" || fail "full tmpfs: reason names the file"; pass
    html=$(ls "$T"/tmp2/gmd-report-*.html | head -1)
    grep -q "Incomplete bundle:" "$html" || fail "full tmpfs: report.html does not say the bundle is incomplete"; pass
    check_bundle "$F/b"
else
    echo "note: tmpfs case skipped (not root or no mount); the file-size limit case below covers it"
fi

# A file-size limit (ulimit -f, no privileges): writes fail with EFBIG; gmd
# must not die of SIGXFSZ. The output goes through pipes (cat runs without
# the limit); no HTML, which could not be written anywhere under the limit.
port=$(free_port)
( ulimit -f 16; PORT=$port exec timeout 300 "$GMD" run --interval 0.25s --no-trace --no-html --out "$T/lim" \
    --pprof "http://127.0.0.1:$port" -- "$T/heapleak" 2>&1 ) | cat >"$T/lim.out"
RC=${PIPESTATUS[0]}
cp "$T/lim.out" "$T/err"
assert_rc 4
assert_err_contains "gmd run: disk full writing $T/lim/"
assert_err_contains "the verdict below uses what was saved"
grep -qE "^(LEAK|No leak found|INCONCLUSIVE)" "$T/lim.out" || fail "file-size limit: no verdict: $(head -c 600 "$T/lim.out")"; pass
grep -qE "^INCOMPLETE BUNDLE: collection stopped at [0-9.]+ s: disk full writing $T/lim/.*; the verdict uses what was saved before$" "$T/lim.out" \
    || fail "file-size limit: the verdict does not say the bundle is incomplete"; pass
check_bundle "$T/lim"

done_ok
