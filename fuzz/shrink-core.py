#!/usr/bin/env python3
"""Shrink an ELF core without changing what it says: every PT_LOAD segment is
cut into runs of pages, and runs of all-zero pages keep their memsz but lose
their file bytes (filesz 0), which ELF reads back as zeros. gcore dumps Go's
reserved-but-unused address space (hundreds of MB of PROT_NONE zeros) this
way turns into a core of a few MB, small enough to rebuild for each fuzz run.

    shrink-core.py IN OUT
"""
import mmap
import struct
import sys

PAGE = 4096
MIN_ZERO_RUN = 4   # shorter zero runs stay in the data: fewer segments
PT_LOAD, PT_NOTE = 1, 4


def runs(mm, off, size):
    """(start, length, has_data) runs over [off, off+size), page-aligned."""
    zero = bytes(PAGE)
    out = []
    pos = 0
    while pos < size:
        n = min(PAGE, size - pos)
        data = mm[off + pos:off + pos + n] != zero[:n]
        if out and out[-1][2] == data:
            out[-1][1] += n
        else:
            out.append([pos, n, data])
        pos += n
    # Fold short zero runs between data into the data.
    merged = []
    for r in out:
        if merged and (merged[-1][2] and (r[2] or r[1] < MIN_ZERO_RUN * PAGE)):
            merged[-1][1] += r[1]
        else:
            merged.append(r)
    return merged


def main():
    src, dst = sys.argv[1], sys.argv[2]
    with open(src, "rb") as f:
        mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    if mm[:4] != b"\x7fELF" or mm[4] != 2 or mm[5] != 1:
        sys.exit("shrink-core: %s: not a 64-bit little-endian ELF" % src)
    ehdr = bytearray(mm[:64])
    phoff, = struct.unpack_from("<Q", ehdr, 32)
    phentsize, phnum = struct.unpack_from("<HH", ehdr, 54)
    phdrs = []   # (type, flags, data bytes or None, vaddr, filesz, memsz, align)
    for i in range(phnum):
        t, fl, off, va, pa, fs, ms, al = struct.unpack_from("<IIQQQQQQ", mm, phoff + i * phentsize)
        if t == PT_LOAD and fs:
            covered = 0
            for start, n, data in runs(mm, off, fs):
                phdrs.append((t, fl, (off + start, n) if data else None, va + start, n if data else 0, n, al))
                covered = start + n
            if ms > covered:   # the segment's own undumped tail
                phdrs.append((t, fl, None, va + covered, 0, ms - covered, al))
        else:
            phdrs.append((t, fl, (off, fs) if fs else None, va, fs, ms, al))
    if len(phdrs) >= 0xffff:
        sys.exit("shrink-core: %d segments: too many" % len(phdrs))
    struct.pack_into("<Q", ehdr, 32, 64)
    struct.pack_into("<HH", ehdr, 54, 56, len(phdrs))
    struct.pack_into("<QHHH", ehdr, 40, 0, 64, 0, 0)   # no sections
    pos = 64 + 56 * len(phdrs)
    table, blobs = bytearray(), []
    for t, fl, src_range, va, fs, ms, al in phdrs:
        if t == PT_LOAD and src_range:
            pos = (pos + PAGE - 1) // PAGE * PAGE
        off = pos if src_range else 0
        table += struct.pack("<IIQQQQQQ", t, fl, off, va, 0, fs, ms, al)
        if src_range:
            blobs.append((off, src_range))
            pos += src_range[1]
    with open(dst, "wb") as out:
        out.write(ehdr)
        out.write(table)
        for off, (o, n) in blobs:
            out.seek(off)
            out.write(mm[o:o + n])
    print("shrink-core: %s: %d -> %d bytes, %d segments" % (dst, len(mm), pos, len(phdrs)))


if __name__ == "__main__":
    main()
