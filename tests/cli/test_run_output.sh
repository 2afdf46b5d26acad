#!/usr/bin/env bash
# gmd run passes the program's own output through, including lines that only
# start like the runtime's gctrace forms ("gc 3 @", "GC forced", "scan: "),
# and a program that cannot be started leaves no empty bundle behind.
. "$(dirname "$0")/lib.sh"

# 1. Look-alike lines reach stderr; the runtime's exact "GC forced" line is
# gctrace (kept in the bundle's gctrace.log, not passed through).
run "$GMD" run --duration 1s --no-memory --no-html --quiet -o "$T/b" -- sh -c \
    'echo "gc 3 @ the office" >&2; echo "GC forced by admin" >&2; echo "scan: 12 files" >&2; echo "GC forced" >&2; echo "to stdout"; sleep 3'
assert_rc 0
assert_err_contains "gc 3 @ the office"
assert_err_contains "GC forced by admin"
assert_err_contains "scan: 12 files"
assert_out_contains "to stdout"
[ "$(grep -cx 'GC forced' "$T/err")" -eq 0 ] || fail "the runtime's 'GC forced' line was passed through"
pass

# 2. A program that cannot be started: an error, and no bundle directory.
mkdir "$T/cwd"
(cd "$T/cwd" && "$GMD" run -- /nonexistent/prog >"$T/out" 2>"$T/err"); RC=$?
[ "$RC" -ne 0 ] || fail "run of a missing program exited 0"
pass
assert_err_contains "cannot run '/nonexistent/prog'"
[ -z "$(ls -A "$T/cwd")" ] || fail "a failed start left: $(ls -A "$T/cwd")"
pass
run "$GMD" run -o "$T/named/b" -- /nonexistent/prog
[ ! -e "$T/named/b" ] || fail "a failed start left $T/named/b"
pass
# ... but a directory the user made stays.
mkdir "$T/mine"
run "$GMD" run -o "$T/mine" -- /nonexistent/prog
[ -d "$T/mine" ] && [ -z "$(ls -A "$T/mine")" ] || fail "the user's empty directory was removed or left with files"
pass
done_ok
