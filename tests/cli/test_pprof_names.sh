#!/usr/bin/env bash
# Go names that pprof takes for demangled C++ (they have brackets: generics)
# lose their parameter lists in pprof's output, so gmd's rows must too:
# "slices.Backward[...,go.shape.func(main.Handler) main.Handler]" is shown as
# "slices.Backward[...,go.shape.func main.Handler]" (seen on Caddy's heap).
# Names pprof leaves alone (a method of a generic type, "]).") stay whole.
. "$(dirname "$0")/lib.sh"
: "${GO:?GO must name the go binary (ctest sets it)}"

names='slices.Backward[go.shape.[]main.Middleware,go.shape.func(main.Handler) main.Handler]
main.apply[go.shape.func(int) int].func1
main.pick[go.shape.interface { M() int }]
main.recv[go.shape.func() <-chan int]
main.(*Tree[go.shape.func(int) bool]).Walk
main.Map[go.shape.int,go.shape.string]
main.(*T).plain
main.cmp[go.shape.func(int, int) bool]'
{
    echo "heap profile: 8: 800 [8: 800] @ heap/1048576"
    i=1
    while IFS= read -r n; do
        printf '1: %d [1: %d] @ 0x%x001\n#\t0x%x000\t%s+0x10\t/src/x.go:%d\n\n' $((i * 100)) $((i * 100)) $i $i "$n" $i
        i=$((i + 1))
    done <<<"$names"
} >"$T/generic.txt"
run "$GMD" pprof convert "$T/generic.txt" -o "$T/generic.pb.gz"
assert_rc 0
run "$GMD" pprof top -n 0 "$T/generic.pb.gz"
assert_rc 0
cp "$T/out" "$T/gmd.top"
"$GO" tool pprof -top "$T/generic.pb.gz" >"$T/go.top" 2>"$T/go.err" || fail "go tool pprof: $(head -c 300 "$T/go.err")"
# the rows (after the header): every value and name, in order
tail -n 8 "$T/gmd.top" >"$T/g"
tail -n 8 "$T/go.top" >"$T/p"
diff -u "$T/p" "$T/g" >&2 || fail "top rows differ from go tool pprof's on generic names"
pass
assert_out_contains "slices.Backward[go.shape.[]main.Middleware,go.shape.func main.Handler]"
assert_out_contains "main.(*Tree[go.shape.func(int) bool]).Walk"
assert_out_contains "main.pick[go.shape.interface { M int }]"
# The same names straight from the text (no convert): the same rows.
run "$GMD" pprof top -n 0 "$T/generic.txt"
tail -n 8 "$T/out" >"$T/t"
diff -u "$T/g" "$T/t" >&2 || fail "text and converted profile name functions differently"
pass
done_ok
