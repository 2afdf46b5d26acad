#!/usr/bin/env bash
# Reading a Go program from its memory (pid:PID, core:FILE, gmd attach, gmd
# core): the fixture liveprog (tests/target-fixtures) parks known goroutines
# and keeps known allocations; what gmd reads from its memory must agree with
# what the program says about itself through net/http/pprof at the same time.
# Every build variant is read: default, PIE, -w (no DWARF: the layout table),
# Go 1.22 (when its toolchain could be fetched), stripped (a clear error).
. "$(dirname "$0")/lib.sh"

TF=$FIXTURES/target
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  rm -rf "$T"
}
trap cleanup EXIT
g() { timeout 60 "$GMD" "$@"; }

# start BIN [ARGS]: run it (stdin /dev/null: it never ends by itself; cleanup
# kills it) and wait for its first line ("port N" or "ready", written only once
# every goroutine is parked).
start() {
  local out=$T/$(basename "$1").out
  "$@" >"$out" 2>"$T/$(basename "$1").err" </dev/null &
  STARTED=$!
  PIDS+=("$STARTED")
  local waited=0
  until [ -s "$out" ]; do
    sleep 0.1; waited=$((waited + 1))
    kill -0 "$STARTED" 2>/dev/null || fail "$1 exited: $(cat "$T/$(basename "$1").err")"
    [ $waited -lt 300 ] || fail "$1 did not get ready within 30 s: $(cat "$T/$(basename "$1").err")"
  done
  LINE=$(head -1 "$out")
}

# groups JSON -> "count|state|created_by|first frame" lines, sorted; only the
# fixture's own goroutines (the HTTP server's come and go with requests).
groups() {
  python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
rows = []
for g in d["groups"]:
    stack = [f["function"] for f in g["stack"]]
    if not any(f.startswith("main.") for f in stack) or any(f.startswith("net/http") for f in stack):
        continue
    st = ",".join(sorted("%s=%d" % (s["state"], s["count"]) for s in g["states"]))
    cb = (g["created_by"] or {}).get("function", "")
    rows.append("%d|%s|%s|%s" % (g["count"], st, cb, stack[-1] if stack else ""))
print("\n".join(sorted(rows)))' "$1"
}

# --- the default build, compared with its own /debug/pprof ------------------
start "$TF/liveprog"
P=$STARTED
PORT=${LINE#port }
BASE=http://127.0.0.1:$PORT/debug/pprof

run g pprof goroutines --json "pid:$P"
assert_rc 0
cp "$T/out" "$T/mem.json"
curl -sf "$BASE/goroutine?debug=2" -o "$T/g2.txt" || fail "fetching goroutine?debug=2"
run g pprof goroutines --json "$T/g2.txt"
assert_rc 0
cp "$T/out" "$T/own.json"
assert_eq "$(groups "$T/mem.json")" "$(groups "$T/own.json")" "goroutine groups read from memory vs the program's own debug=2"
# The layouts from DWARF (GMD_LAYOUT=dwarf) read the same goroutines as gmd's table (the default).
run env GMD_LAYOUT=dwarf timeout 60 "$GMD" pprof goroutines --json "pid:$P"
assert_rc 0
cp "$T/out" "$T/mem-dwarf.json"
assert_eq "$(groups "$T/mem-dwarf.json")" "$(groups "$T/mem.json")" "goroutine groups: DWARF layouts vs the table"
run env GMD_LAYOUT=dwarf timeout 60 "$GMD" attach --json "$P"
assert_rc 0
assert_eq "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["layout"])' "$T/out")" "dwarf" "GMD_LAYOUT=dwarf"
# Facts the fixture guarantees, read from memory:
run g pprof goroutines "pid:$P"
assert_rc 0
assert_out_contains "(read from memory)"
assert_out_contains "10 goroutines: 10 chan receive"
assert_out_contains "created by main.startReceivers at "
assert_out_contains "5 goroutines: 5 select"
assert_out_contains "4 goroutines: 4 sync.Mutex.Lock"
assert_out_contains "1 goroutine: 1 sleep"
assert_out_lacks "gowrap"

# The heap profile: the same rows as the program's own /debug/pprof/heap for
# the fixture's retained sites (they never change once the program is ready;
# other rows may move if the HTTP server's requests trigger a GC in between).
curl -sf "$BASE/heap" -o "$T/heap.pb.gz" || fail "fetching heap"
run g pprof top -n 0 "pid:$P"
assert_rc 0
grep -E 'main\.alloc(Retained|Map)$' "$T/out" >"$T/mem.rows"
run g pprof top -n 0 "$T/heap.pb.gz"
assert_rc 0
grep -E 'main\.alloc(Retained|Map)$' "$T/out" >"$T/own.rows"
assert_eq "$(wc -l <"$T/mem.rows")" "2" "both retained sites are in the heap read from memory"
assert_eq "$(awk '{print $1, $4, $6}' "$T/mem.rows")" "$(awk '{print $1, $4, $6}' "$T/own.rows")" "heap rows: memory vs /debug/pprof/heap"
# Every pprof command works on it, and convert writes it for go tool pprof.
run g pprof convert "pid:$P" -o "$T/conv.pb.gz"
assert_rc 0
run "$GO" tool pprof -top "$T/conv.pb.gz"
assert_rc 0
assert_out_contains "main.allocRetained"
run g pprof traces --focus allocMap "pid:$P"
assert_rc 0
assert_out_contains "main.allocMap"
run g pprof goroutines "pid:$P#heap"
assert_rc 1

# The process is only read: no ptrace, no signal, no write into it, ever.
if command -v strace >/dev/null; then
  # LeakSanitizer (the sanitizer build) cannot run under a tracer: off for this one run.
  run env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -f -qq -o "$T/strace" -e trace=ptrace,kill,tkill,tgkill,rt_sigqueueinfo,rt_tgsigqueueinfo,pidfd_send_signal,process_vm_writev "$GMD" attach "$P"
  assert_rc 0
  assert_eq "$(grep -cE '^[0-9]+ +(ptrace|kill|tkill|tgkill|rt_sigqueueinfo|rt_tgsigqueueinfo|pidfd_send_signal|process_vm_writev)\(' "$T/strace")" "0" \
      "gmd attach made a ptrace, signal or write syscall: $(head -3 "$T/strace")"
else
  echo "SKIPPED the no-ptrace/no-signal check: strace is not installed" >&2
fi

# gmd attach: one page, and its numbers against the program's own MemStats
# (the debug=1 heap profile's trailer). NumGC and the heap's span bytes do not
# move while the program idles; allow 20% for HeapInuse anyway.
run g attach -n 0 "$P"
assert_rc 0
assert_out_contains "without stopping it"
assert_out_contains "Go heap in use"
assert_out_contains "created by main.startReceivers"
assert_out_contains "main.allocRetained"
run g attach --json "$P"
assert_rc 0
cp "$T/out" "$T/attach.json"
curl -sf "$BASE/heap?debug=1" -o "$T/heap1.txt" || fail "fetching heap?debug=1"
python3 - "$T/attach.json" "$T/heap1.txt" <<'EOF' || fail "attach --json vs the program's MemStats"
import json, re, sys
a = json.load(open(sys.argv[1]))
own = dict(re.findall(r"^# (\w+) = (\d+)", open(sys.argv[2]).read(), re.M))   # "Stack = inuse / sys": inuse
m = a["memstats"]
assert a["goroutines"]["total"] >= 21, a["goroutines"]
assert m["numgc"] == int(own["NumGC"]), (m["numgc"], own["NumGC"])
for ours, theirs in (("heap_inuse", "HeapInuse"), ("heap_sys", "HeapSys"), ("stack_inuse", "Stack"), ("sys", "Sys"),
                     ("heap_alloc", "HeapAlloc")):
    o, t = m[ours], int(own[theirs])
    assert abs(o - t) <= 0.2 * t + 65536, (ours, o, theirs, t)
assert m["memprofile_rate"] == 1, m
assert a["heap"]["sites"][0]["function"] == "main.allocRetained", a["heap"]["sites"][0]
assert a["rss"] > 0 and a["rss_breakdown"], a
EOF
pass

# A core of the same process (gcore stops it for the copy; gmd never does):
# the same goroutines and heap rows, read from the file.
if command -v gcore >/dev/null; then
  timeout 120 gcore -o "$T/core" "$P" >/dev/null 2>&1 || fail "gcore failed"
  CORE=$T/core.$P
  run g pprof top -n 0 "core:$CORE"
  assert_rc 0
  assert_eq "$(grep -E 'main\.alloc(Retained|Map)$' "$T/out" | awk '{print $1, $4, $6}')" \
            "$(awk '{print $1, $4, $6}' "$T/own.rows")" "heap rows: core vs /debug/pprof/heap"
  run g pprof goroutines --json "core:$CORE"
  assert_rc 0
  cp "$T/out" "$T/core.json"
  assert_eq "$(groups "$T/core.json")" "$(groups "$T/own.json")" "goroutine groups: core vs debug=2"
  run g core "$CORE"
  assert_rc 0
  assert_out_contains "from the core file"
  assert_out_contains "created by main.startSelectors"
  run g core --binary "$FIXTURES/heapprog" "$CORE"
  assert_rc 1
  assert_err_one_line
else
  echo "SKIPPED core-file checks: gcore (gdb) is not installed" >&2
fi

# --- other builds: PIE, no DWARF (layout table), Go 1.22 --------------------
for v in liveprog-pie liveprog-w liveprog-go122 liveprog-go122-w liveprog-go122-stripped; do
  if [ ! -x "$TF/$v" ]; then
    echo "SKIPPED $v: not built (see $TF/*.log)" >&2
    continue
  fi
  start "$TF/$v" -nohttp
  run g pprof goroutines "pid:$STARTED"
  assert_rc 0
  assert_out_contains "10 goroutines: 10 chan receive"
  assert_out_contains "created by main.startLockers at "
  run g pprof top "pid:$STARTED"
  assert_rc 0
  assert_out_contains "main.allocRetained"
  assert_out_contains "main.allocMap"
  case $v in
    *-w) run g attach --json "$STARTED"; assert_rc 0
         python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["layout"].startswith("table go1."), d["layout"]' "$T/out" \
           || fail "$v: layout should come from the table"; pass ;;
  esac
  kill "$STARTED"
done

# --- stripped (-s -w): no symbols, no DWARF; variables found by their shape --
start "$TF/liveprog-stripped"
SP=$STARTED
SBASE=http://127.0.0.1:${LINE#port }/debug/pprof
run g attach --json "$SP"
assert_rc 0
cp "$T/out" "$T/stripped.json"
curl -sf "$SBASE/heap?debug=1" -o "$T/sheap1.txt" || fail "fetching the stripped program's heap?debug=1"
python3 - "$T/stripped.json" "$T/sheap1.txt" <<'EOF2' || fail "stripped: attach --json vs the program's MemStats"
import json, re, sys
a = json.load(open(sys.argv[1]))
own = dict(re.findall(r"^# (\w+) = (\d+)", open(sys.argv[2]).read(), re.M))
assert "found by shape" in a["layout"], a["layout"]
m = a["memstats"]
assert m["numgc"] == int(own["NumGC"]), (m["numgc"], own["NumGC"])
for ours, theirs in (("heap_inuse", "HeapInuse"), ("sys", "Sys"), ("stack_inuse", "Stack"), ("heap_alloc", "HeapAlloc")):
    o, t = m[ours], int(own[theirs])
    assert abs(o - t) <= 0.2 * t + 65536, (ours, o, theirs, t)
assert m["memprofile_rate"] == 1, m
assert a["goroutines"]["total"] >= 21, a["goroutines"]
assert a["heap"]["sites"][0]["function"] == "main.allocRetained", a["heap"]["sites"][0]
EOF2
pass
run g pprof goroutines "pid:$SP"
assert_rc 0
assert_out_contains "10 goroutines: 10 chan receive"
assert_out_contains "created by main.startReceivers at "
curl -sf "$SBASE/heap" -o "$T/sheap.pb.gz" || fail "fetching the stripped program's heap"
run g pprof top -n 0 "pid:$SP"
assert_rc 0
grep -E 'main\.alloc(Retained|Map)$' "$T/out" | awk '{print $1, $4, $6}' >"$T/smem.rows"
run g pprof top -n 0 "$T/sheap.pb.gz"
assert_rc 0
assert_eq "$(cat "$T/smem.rows")" "$(grep -E 'main\.alloc(Retained|Map)$' "$T/out" | awk '{print $1, $4, $6}')" \
    "stripped: heap rows, memory vs /debug/pprof/heap"

# --- errors ----------------------------------------------------------------
run g attach 999999999
assert_rc 1; assert_err_one_line; assert_err_contains "no such process"
run g attach abc
assert_rc 2
sleep 600 </dev/null >/dev/null 2>&1 & SLEEPER=$!; PIDS+=("$SLEEPER")
run g attach "$SLEEPER"
assert_rc 1; assert_err_one_line
run g attach 4194304
assert_rc 1; assert_err_one_line
done_ok
