#!/usr/bin/env python3
"""Write a synthetic heap profile (gzipped profile.proto) of a given size, for
the scaling tests and bench/scale: genprof.py OUT FUNCS DEPTH [SAMPLES].

FUNCS distinct functions (one location each, in packages of 1,000), stacks
DEPTH frames deep; sample i runs through functions i*DEPTH .. i*DEPTH+DEPTH-1
(mod FUNCS), so every function appears once SAMPLES*DEPTH >= FUNCS; the
default SAMPLES is just that. Values vary so that orders are stable."""
import gzip
import sys


def varint(n, out):
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)


def field_varint(num, v, out):
    varint(num << 3, out)
    varint(v, out)


def field_bytes(num, b, out):
    varint(num << 3 | 2, out)
    varint(len(b), out)
    out += b


def main():
    path, nfuncs, depth = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    nsamples = int(sys.argv[4]) if len(sys.argv) > 4 else max(1, -(-nfuncs // depth))
    strings = ["", "inuse_objects", "count", "inuse_space", "bytes", "space", "gen.go"]
    out = bytearray()
    for t, u in ((1, 2), (3, 4)):
        vt = bytearray()
        field_varint(1, t, vt)
        field_varint(2, u, vt)
        field_bytes(1, vt, out)
    for i in range(nsamples):
        s = bytearray()
        locs = bytearray()
        base = i * depth
        # leaf first, as in pprof
        for k in range(depth - 1, -1, -1):
            varint((base + k) % nfuncs + 1, locs)
        field_bytes(1, locs, s)
        vals = bytearray()
        varint(1 + i % 7, vals)
        varint(1024 * (1 + i % 13), vals)
        field_bytes(2, vals, s)
        field_bytes(2, s, out)
    for f in range(1, nfuncs + 1):
        line = bytearray()
        field_varint(1, f, line)
        field_varint(2, f % 1000 + 1, line)
        loc = bytearray()
        field_varint(1, f, loc)
        field_varint(3, 0x400000 + f * 16, loc)
        field_bytes(4, line, loc)
        field_bytes(4, loc, out)
    for f in range(1, nfuncs + 1):
        fn = bytearray()
        field_varint(1, f, fn)
        field_varint(2, len(strings), fn)
        field_varint(3, len(strings), fn)
        field_varint(4, 6, fn)
        strings.append("gen/p%d.f%d" % (f // 1000, f))
        field_bytes(5, fn, out)
    for s in strings:
        field_bytes(6, s.encode(), out)
    pt = bytearray()
    field_varint(1, 5, pt)
    field_varint(2, 4, pt)
    field_bytes(11, pt, out)
    field_varint(12, 524288, out)
    with open(path, "wb") as fh:
        fh.write(gzip.compress(bytes(out), 1))


main()
