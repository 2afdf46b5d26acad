#!/usr/bin/env bash
# Inputs: bad files give one clear line naming the file (and the byte offset
# where the reader knows it), exit status 1, and never a crash; standard
# input reads the same as the file.
. "$(dirname "$0")/lib.sh"

H1=$FIXTURES/heap-1.pb.gz
H3=$FIXTURES/heap-3.pb.gz

# bad_input FILE TEXT: `gmd pprof top FILE` fails with status 1 and one line
# "gmd: FILE: ...TEXT...".
bad_input() {
  run "$GMD" pprof top "$1"
  assert_rc 1
  assert_err_one_line
  assert_err_contains "gmd: $1: "
  [ -n "${2:-}" ] && assert_err_contains "$2"
  return 0
}

# Missing file, directory, empty file.
bad_input "$T/nope.pb.gz" "no such file or directory"
bad_input "$T" "is a directory"
: >"$T/empty.pb.gz"
bad_input "$T/empty.pb.gz" "empty"

# Unreadable file (root reads anything, so only as another user).
if [ "$(id -u)" != 0 ]; then
  cp "$H1" "$T/secret.pb.gz"; chmod 000 "$T/secret.pb.gz"
  bad_input "$T/secret.pb.gz" "permission denied"
fi

# A real profile cut in half: the gzip reader says where the data stops.
size=$(wc -c <"$H3")
half=$((size / 2))
head -c "$half" "$H3" >"$T/trunc.pb.gz"
bad_input "$T/trunc.pb.gz" "byte $half: gzip stream truncated"
# Cut inside the 8-byte trailer and inside the header.
head -c $((size - 3)) "$H3" >"$T/trunc-trailer.pb.gz"
bad_input "$T/trunc-trailer.pb.gz" "byte $((size - 3)): gzip stream truncated"
head -c 5 "$H3" >"$T/trunc-header.pb.gz"
bad_input "$T/trunc-header.pb.gz" "byte 5: gzip stream truncated"

# Corrupt gzip: a bad method byte, and a damaged checksum.
{ printf '\x1f\x8b\x07'; tail -c +4 "$H3"; } >"$T/method.pb.gz"
bad_input "$T/method.pb.gz" "byte 2: corrupt gzip"
{ head -c $((size - 8)) "$H3"; printf 'XXXX'; tail -c 4 "$H3"; } >"$T/crc.pb.gz"
bad_input "$T/crc.pb.gz" "byte $((size - 8)): corrupt gzip: checksum"

# A gzip bomb: 100 MB of zeros in about 100 KB is far over 256:1.
head -c 100M /dev/zero | gzip -c >"$T/bomb.gz"
bad_input "$T/bomb.gz" "cap of"
assert_err_contains "GMD_GZIP_RATIO"
# Raising the ratio lets it decompress; then the zeros are not a profile.
GMD_GZIP_RATIO=2000 run "$GMD" pprof top "$T/bomb.gz"
assert_rc 1; assert_err_one_line; assert_err_contains "not a pprof profile"

# An HTML page (what a wrong URL or a proxy returns), plain and gzipped.
printf '<!DOCTYPE html>\n<html><body>404 page not found</body></html>\n' >"$T/page.html"
bad_input "$T/page.html" "got HTML"
gzip -c "$T/page.html" >"$T/page.html.gz"
bad_input "$T/page.html.gz" "got HTML"

# A truncated protobuf (the decompressed profile cut short): a byte offset.
gzip -dc "$H3" >"$T/heap3.pb"
psize=$(wc -c <"$T/heap3.pb")
head -c $((psize * 2 / 3)) "$T/heap3.pb" >"$T/trunc.pb"
bad_input "$T/trunc.pb" "byte "
# The same, gzipped: the offset is in the decompressed data and says so.
gzip -c "$T/trunc.pb" >"$T/trunc-pb.gz"
bad_input "$T/trunc-pb.gz" "decompressed"

# Random bytes, raw and gzipped, with fixed seeds: never a crash or a hang.
RANDOM=4242
for i in $(seq 1 24); do
  n=$((RANDOM % 3000 + 1))
  esc=""
  for ((j = 0; j < n; j++)); do printf -v h '\\x%02x' $((RANDOM % 256)); esc+=$h; done
  printf '%b' "$esc" >"$T/random-$i.bin"
  # Every third one starts like a protobuf Profile (field 1, length-delimited)
  # to get past format detection into the proto reader.
  [ $((i % 3)) = 0 ] && { printf '\x0a\x04\x08\x01\x10\x02'; cat "$T/random-$i.bin"; } >"$T/r" && mv "$T/r" "$T/random-$i.bin"
  bad_input "$T/random-$i.bin"
  gzip -c "$T/random-$i.bin" >"$T/random-$i.gz"
  bad_input "$T/random-$i.gz"
done

# Standard input gives the same report as the file, from a redirect, a pipe
# and /dev/stdin.
run "$GMD" pprof top "$H3";     assert_rc 0; cp "$T/out" "$T/top-file"
assert_out_contains "main.(*leakyCache).add"
run "$GMD" pprof top - <"$H3";  assert_rc 0
assert_eq "$(cat "$T/out")" "$(cat "$T/top-file")" "top from stdin differs from top of the file"
cat "$H3" | "$GMD" pprof top - >"$T/top-pipe" 2>"$T/err"; RC=$?
assert_rc 0
assert_eq "$(cat "$T/top-pipe")" "$(cat "$T/top-file")" "top from a pipe differs"
cat "$H3" | "$GMD" pprof top /dev/stdin >"$T/top-devstdin" 2>"$T/err"; RC=$?
assert_rc 0
assert_eq "$(cat "$T/top-devstdin")" "$(cat "$T/top-file")" "top of /dev/stdin differs"
# The uncompressed form reads the same too.
run "$GMD" pprof top "$T/heap3.pb"; assert_rc 0
assert_eq "$(cat "$T/out")" "$(cat "$T/top-file")" "top of the raw protobuf differs"

# info names its source; apart from that, stdin and the file agree.
run "$GMD" pprof info "$H3";    assert_rc 0
sed "s#$H3#SRC#g" "$T/out" >"$T/info-file"
run "$GMD" pprof info - <"$H3"; assert_rc 0
sed 's#^-$#SRC#; s#\([: ]\)-$#\1SRC#' "$T/out" >"$T/info-stdin"
# Compare the lines that do not mention the source.
assert_eq "$(grep -v SRC "$T/info-stdin")" "$(grep -v SRC "$T/info-file")" "info from stdin differs"
assert_eq "$(grep -c SRC "$T/info-stdin")" "$(grep -c SRC "$T/info-file")" "info names its source differently"

# Empty standard input is an error like an empty file.
run "$GMD" pprof top - </dev/null
assert_rc 1; assert_err_one_line; assert_err_contains "gmd: -: "; assert_err_contains "empty"

done_ok
