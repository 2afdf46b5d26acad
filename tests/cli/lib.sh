# Helpers for CLI tests. Each test script sources this, runs gmd, and calls
# the assertions; the first failed assertion ends the script with status 1.
set -uo pipefail
: "${GMD:?GMD must name the gmd binary (ctest sets it)}"
: "${FIXTURES:?FIXTURES must name the fixtures directory (ctest sets it)}"
T=$(mktemp -d "${TMPDIR:-/tmp}/gmdtest.XXXXXX")
trap 'rm -rf "$T"' EXIT
PASSED=0

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { PASSED=$((PASSED + 1)); }

# run CMD...: runs it, keeps stdout in $T/out, stderr in $T/err, status in $RC.
run() { "$@" >"$T/out" 2>"$T/err"; RC=$?; }
assert_rc() { [ "$RC" -eq "$1" ] || fail "expected exit $1, got $RC: $(head -c 600 "$T/err")"; pass; }
assert_out_contains() { grep -qF -- "$1" "$T/out" || fail "stdout lacks '$1': $(head -c 600 "$T/out")"; pass; }
assert_out_lacks() { ! grep -qF -- "$1" "$T/out" || fail "stdout has '$1'"; pass; }
assert_err_contains() { grep -qF -- "$1" "$T/err" || fail "stderr lacks '$1': $(head -c 600 "$T/err")"; pass; }
assert_err_one_line() { [ "$(wc -l <"$T/err")" -eq 1 ] || fail "stderr is not one line: $(head -c 600 "$T/err")"; pass; }
assert_eq() { [ "$1" == "$2" ] || fail "${3:-values differ}: '$1' != '$2'"; pass; }
done_ok() { echo "ok: $PASSED assertions"; exit 0; }
