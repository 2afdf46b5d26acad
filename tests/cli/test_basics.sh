#!/usr/bin/env bash
# The CLI's own conventions: help, version, usage errors.
. "$(dirname "$0")/lib.sh"

run "$GMD" --version;            assert_rc 0; assert_out_contains "gmd "
run "$GMD" --help;               assert_rc 0; assert_out_contains "pprof"
run "$GMD";                      assert_rc 2
run "$GMD" nosuchcommand;        assert_rc 2; assert_err_contains "unknown command"
run "$GMD" pprof --help;         assert_rc 0; assert_out_contains "top"
run "$GMD" pprof top --help;     assert_rc 0; assert_out_contains "usage: gmd pprof top"
run "$GMD" pprof nosuch;         assert_rc 2; assert_err_contains "unknown subcommand"
run "$GMD" pprof top;            assert_rc 2; assert_err_contains "missing argument"
run "$GMD" pprof top --bogus x;  assert_rc 2; assert_err_contains "unknown option"
run "$GMD" pprof top -n abc x;   assert_rc 2
done_ok
