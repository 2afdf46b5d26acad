#!/usr/bin/env bash
# Nothing blocks the collection loop (issue 11): a pprof endpoint that
# accepts and never answers, or trickles its body, delays neither
# --duration nor Ctrl-C, the program's output still passes through, and the
# verdict still prints; --gctrace on /dev/zero, /dev/urandom or a FIFO
# without a writer honours --duration and SIGTERM without spinning a CPU; a
# FIFO's lines are read as they come; a regular log is followed across
# truncation and rotation.
# Bounds are wide (a CPU hog must not fail them): before the fix a hung
# endpoint held the loop 10 s per request (>= 20 s for a round), and the
# gctrace cases never ended.
. "$(dirname "$0")/lib.sh"

HOSTILE=()
trap 'for p in "${HOSTILE[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$T"' EXIT

# hostile MODE: a server that accepts and then hangs (MODE=hang) or sends
# headers and one body byte every 0.5 s (MODE=trickle); sets URL.
hostile() {
    rm -f "$T/port"
    python3 - "$1" "$T/port" <<'EOF' &
import socket, sys, threading, time, os
mode, portfile = sys.argv[1], sys.argv[2]
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(64)
with open(portfile + ".tmp", "w") as f:
    f.write(str(s.getsockname()[1]))
os.rename(portfile + ".tmp", portfile)
held = []
def trickle(c):
    try:
        c.recv(65536)
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n")
        while True:
            c.sendall(b"x")
            time.sleep(0.5)
    except OSError:
        pass
while True:
    c, _ = s.accept()
    held.append(c)
    if mode == "trickle":
        threading.Thread(target=trickle, args=(c,), daemon=True).start()
EOF
    HOSTILE+=($!)
    local tries=200
    until [ -s "$T/port" ]; do
        tries=$((tries - 1))
        [ "$tries" -gt 0 ] || fail "the hostile server did not start"
        sleep 0.1
    done
    URL="http://127.0.0.1:$(cat "$T/port")"
}

now() { date +%s.%N; }
# took START MAX WHAT: fails unless less than MAX seconds passed since START.
took() { python3 -c 'import sys; sys.exit(0 if float(sys.argv[2]) - float(sys.argv[1]) < float(sys.argv[3]) else 1)' "$1" "$(now)" "$2" ||
    fail "$3 took more than $2 s"; pass; }
# wait_gone PID SECS WHAT: poll until PID has exited; then $RC is its status.
wait_gone() {
    local tries=$(($2 * 10))
    while kill -0 "$1" 2>/dev/null; do
        tries=$((tries - 1))
        if [ "$tries" -le 0 ]; then
            kill -KILL "$1" 2>/dev/null
            fail "$3: still running $2 s later"
        fi
        sleep 0.1
    done
    wait "$1"
    RC=$?
}

# 1. A hung endpoint and a trickling one: --duration holds, the verdict prints,
# and the request left hanging is named.
for mode in hang trickle; do
    hostile $mode
    start=$(now)
    # --pid $$: /proc samples of this shell, so there is something to judge;
    # --force: the port is not this shell's.
    run timeout 60 "$GMD" watch --pid $$ --force --pprof "$URL" --duration 2s --interval 0.5s --no-html \
        --quiet -o "$T/$mode.bundle"
    took "$start" 15 "watch --duration 2s on a $mode endpoint"
    assert_rc 0
    assert_out_contains "Snapshots:"
    assert_err_contains "abandoned when collection ended"
    assert_err_contains "samples took no profiles"
    # The verdict blames the endpoint, not a missing --pprof.
    assert_out_contains "no heap profile: none was received from"
    [ -s "$T/$mode.bundle/meta.json" ] || fail "$mode: no meta.json"; pass
done

# 1b. run: the command itself serves a hung endpoint and writes a line every
# 0.1 s; its output is passed through meanwhile, and it is stopped on time.
cat >"$T/hungserver.py" <<'EOF'
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(64)
s.setblocking(False)
held, i = [], 0
while True:
    try:
        held.append(s.accept()[0])
    except BlockingIOError:
        pass
    print("line", i, flush=True)
    i += 1
    time.sleep(0.1)
EOF
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
start=$(now)
run timeout 60 "$GMD" run --duration 2s --interval 0.5s --no-html --quiet -o "$T/run.bundle" \
    --pprof "http://127.0.0.1:$port" -- python3 "$T/hungserver.py" "$port"
took "$start" 20 "run --duration 2s with a hung endpoint"
assert_rc 0
assert_out_contains "Snapshots:"
assert_err_contains "abandoned when collection ended"
# 2 s at 10 lines/s: at least a few lines even on a loaded machine.
[ "$(grep -c '^line ' "$T/out")" -ge 5 ] || fail "the program's output was not passed through: $(head -c 300 "$T/out")"; pass

# 2. Ctrl-C while a fetch hangs: ends at once and still judges.
hostile hang
"$GMD" watch --pid $$ --force --pprof "$URL" --interval 0.5s --no-html --quiet -o "$T/int.bundle" \
    >"$T/out" 2>"$T/err" &
G=$!
sleep 2
start=$(now)
kill -INT $G
wait_gone $G 30 "watch after SIGINT with a hung endpoint"
took "$start" 10 "watch after SIGINT with a hung endpoint"
assert_rc 0
assert_out_contains "Snapshots:"

# 3. --gctrace on endless or silent sources: --duration holds and the CPU
# rests (spinning would use about the whole 2 s).
mkfifo "$T/fifo"
for src in /dev/zero /dev/urandom "$T/fifo"; do
    start=$(now)
    TIMEFORMAT=%U+%S
    cpu=$( { time timeout 60 "$GMD" watch --gctrace "$src" --duration 2s --no-html --quiet -o "$T/gc$RANDOM" \
        >"$T/out" 2>"$T/err"; } 2>&1)
    took "$start" 15 "watch --gctrace $src --duration 2s"
    grep -q "Snapshots:" "$T/out" || fail "watch --gctrace $src: no verdict: $(head -c 300 "$T/err")"; pass
    python3 -c 'import sys; sys.exit(0 if eval(sys.argv[1]) < 1.0 else 1)' "$cpu" || fail "watch --gctrace $src used $cpu s of CPU in 2 s"; pass
done
grep -q "lines longer than 64 KiB dropped" <(timeout 60 "$GMD" watch --gctrace /dev/zero --duration 1s --no-html \
    --quiet -o "$T/gcz" 2>&1 >/dev/null) || fail "/dev/zero: the overlong line is not counted"; pass

# 4. SIGTERM ends following /dev/zero (no --duration).
"$GMD" watch --gctrace /dev/zero --no-html --quiet -o "$T/term.bundle" >"$T/out" 2>"$T/err" &
G=$!
sleep 1
start=$(now)
kill -TERM $G
wait_gone $G 30 "watch --gctrace /dev/zero after SIGTERM"
took "$start" 10 "watch --gctrace /dev/zero after SIGTERM"
assert_rc 0

# 5. A FIFO with a writer: its gctrace lines arrive as written, nothing else is kept.
line='gc 1 @0.011s 1%: 0.010+0.20+0.003 ms clock, 0.040+0.10/0.15/0.30+0.012 ms cpu, 4->4->0 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 4 P'
"$GMD" watch --gctrace "$T/fifo" --duration 3s --no-html --quiet -o "$T/fifo.bundle" >"$T/out" 2>"$T/err" &
G=$!
{ echo "some other log line"; echo "$line"; sleep 1; } >"$T/fifo"
wait_gone $G 30 "watch --gctrace FIFO"
assert_rc 0
assert_eq "$(cat "$T/fifo.bundle/gctrace.log")" "$line" "the FIFO's gctrace line"

# 6. A regular log followed across truncation and rotation (as tail -F).
LOG="$T/svc.log"
: >"$LOG"
gl() { echo "gc $1 @$1.000s 1%: 0.010+0.20+0.003 ms clock, 0.040+0.10/0.15/0.30+0.012 ms cpu, 4->4->0 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 4 P"; }
has() { grep -q "^gc $1 @" "$T/rot.bundle/gctrace.log" 2>/dev/null; }
wait_has() {
    local tries=300
    until has "$1"; do
        tries=$((tries - 1))
        [ "$tries" -gt 0 ] || fail "--gctrace: cycle $1 never read ($2)"
        sleep 0.1
    done
    pass
}
"$GMD" watch --gctrace "$LOG" --no-html --quiet -o "$T/rot.bundle" >"$T/out" 2>"$T/err" &
G=$!
# It follows from the end: append cycle 1 (two lines in one write, so the
# offset read is at least two lines) until it is seen.
tries=300
until has 1; do
    printf '%s\n%s\n' "$(gl 1)" "$(gl 1)" >>"$LOG"
    tries=$((tries - 1))
    [ "$tries" -gt 0 ] || fail "--gctrace: the appended lines are never read"
    sleep 0.1
done
: >"$LOG"                       # truncated in place, then one line: shorter than what was read
gl 2 >>"$LOG"
wait_has 2 "after truncation"
mv "$LOG" "$LOG.1"              # rotated: the old file gets a last line, then a new one starts
gl 3 >>"$LOG.1"
gl 4 >"$LOG"
wait_has 3 "the rotated file's last line"
wait_has 4 "the new file after rotation"
kill -INT $G
wait_gone $G 30 "watch --gctrace LOG after SIGINT"
assert_rc 0

done_ok
