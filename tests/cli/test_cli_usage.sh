#!/usr/bin/env bash
# Usage errors of every command: one line naming the option as typed (plus the
# "Run 'gmd X --help'" hint), exit status 2. getopt's own message
# ("summary: invalid option -- 'x'") must not leak through before gmd's.
. "$(dirname "$0")/lib.sh"

usage_err() {   # EXPECTED-TEXT ARGS...: gmd ARGS fails with status 2, one error line + the hint
    local want=$1; shift
    run "$GMD" "$@"
    assert_rc 2
    assert_err_contains "$want"
    [ "$(grep -vc "^Run 'gmd" "$T/err")" -eq 1 ] || fail "gmd $*: more than one error line: $(head -c 600 "$T/err")"
    pass
    ! grep -q "invalid option --\|unrecognized option\|requires an argument" "$T/err" || fail "gmd $*: getopt's own message shown: $(cat "$T/err")"
    pass
}

for cmd in "pprof top" "gc" "run" "watch" "report" "attach" "core" "trace summary" "trace goroutines" "dump top"; do
    # shellcheck disable=SC2086
    usage_err "unknown option '-x'" $cmd -x somefile
    # shellcheck disable=SC2086
    usage_err "unknown option '--bogus'" $cmd --bogus somefile
done
usage_err "option '--top' needs a value" trace summary x.trace --top
usage_err "option '--binary' needs a value" attach 1 --binary
usage_err "option '--binary' needs a value" core core.1 --binary
usage_err "option '-n' needs a value" attach 1 -n
usage_err "option '-n' needs a value" trace goroutines x.trace -n
# -n is --top in gmd trace, as -n is the row count in gmd pprof and gmd attach
usage_err "--top wants a positive number, not 'many'" trace goroutines -n many x.trace
done_ok
