#!/usr/bin/env python3
"""Write small synthetic Go-like ELF executables as seeds for fuzz/fuzz_gobin.c
(a real Go binary is over 1 MB, too big for the fuzzer to mutate well).
Each has a Go 1.20+ pclntab with three functions, one with an inlined call,
build info, and moduledata in .go.module.
  usage: make-fuzz-seeds.py OUTDIR"""
import struct, sys, os

BASE = 0x400000

def uv(v):
    out = bytearray()
    while v >= 0x80:
        out.append(v & 0x7f | 0x80); v >>= 7
    out.append(v)
    return bytes(out)

def zig(d):
    return uv(d << 1 if d >= 0 else ((-d - 1) << 1) | 1)

def table(pairs):   # [(value delta, pc delta)], then the terminating 0
    return b"".join(zig(d) + uv(p) for d, p in pairs) + b"\0"

def pclntab(addr, text, text_in_header):
    names = b"main.a\0main.b\0runtime.goexit\0main.inl\0"
    n_a, n_b, n_goexit, n_inl = 0, 7, 14, 29
    filetab = b"a.go\0asm.s\0"
    cutab = struct.pack("<2I", 0, 5)
    pctab = bytearray(b"\0")
    def add(t):
        off = len(pctab); pctab.extend(t); return off
    sp = add(table([(8, 0x10), (8, 0x30)]))
    file0 = add(table([(1, 0x40)]))
    file1 = add(table([(2, 0x20)]))
    line_a = add(table([(11, 0x20), (2, 0x20)]))
    line_b = add(table([(21, 0x10), (-15, 0x10), (15, 0x20)]))
    inl = add(table([(0, 0x10), (1, 0x10), (-1, 0x20)]))
    hdr_len = 72
    o_names = hdr_len
    o_cu = o_names + len(names)
    o_file = o_cu + len(cutab)
    o_pc = o_file + len(filetab)
    o_ft = o_pc + len(pctab)
    o_ft += (-o_ft) % 8
    pad = (o_ft - (o_pc + len(pctab)))
    # functab: 3 pairs + end, then _func records
    funcs = [  # entryoff, nameoff, pcsp, pcfile, pcln, startline, flag, pcdata, funcdata
        (0x00, n_a, sp, file0, line_a, 10, 0, [], []),
        (0x40, n_b, sp, file0, line_b, 20, 0, [0, 0, inl], [0xffffffff, 0xffffffff, 0xffffffff, 0]),
        (0x80, n_goexit, 0, file1, line_a, 1, 1, [], []),
    ]
    ft = bytearray(8 * 3 + 4)
    recs = bytearray()
    rec_base = len(ft) + (-len(ft)) % 8
    for i, (e, n, s, f, l, st, fl, pcd, fd) in enumerate(funcs):
        off = rec_base + len(recs)
        struct.pack_into("<II", ft, 8 * i, e, off)
        r = struct.pack("<IiiIIIIIIiBBBB", e, n, 0, 0, s, f, l, len(pcd), 0, st, 0, fl, 0, len(fd))
        r += b"".join(struct.pack("<I", x) for x in pcd + fd)
        r += b"\0" * ((-len(r)) % 8)
        recs += r
    struct.pack_into("<I", ft, 8 * 3, 0xa0)
    ft += b"\0" * (rec_base - len(ft))
    functab = bytes(ft + recs)
    gofunc_off = o_ft + len(functab)
    gofunc = struct.pack("<B3xiii", 0, n_inl, 0x30, 5)
    hdr = struct.pack("<IBBBBQQQQQQQQ", 0xfffffff1, 0, 0, 1, 8, 3, 2, text if text_in_header else 0,
                      o_names, o_cu, o_file, o_pc, o_ft)
    body = hdr + names + cutab + filetab + bytes(pctab) + b"\0" * pad + functab
    return body + gofunc, addr + o_names, addr + gofunc_off, addr + len(body)

def elf(with_sections, text_in_header):
    text = BASE + 0x1000
    pcln_addr = BASE + 0x2000
    pcln, names_addr, gofunc, pcln_end = pclntab(pcln_addr, text, text_in_header)
    bi = b"\xff Go buildinf:\x08\x02" + b"\0" * 16
    bi += uv(8) + b"go1.26.8" + uv(4) + b"mod\n"
    md = bytearray(8 * 48)
    for w, v in ((0, pcln_addr), (1, names_addr), (22, text), (23, text + 0xa0), (40, gofunc)):
        struct.pack_into("<Q", md, 8 * w, v)
    img = bytearray(0x4000)
    img[0x1000:0x10a0] = b"\xcc" * 0xa0
    img[0x2000:0x2000 + len(pcln)] = pcln
    img[0x3000:0x3000 + len(bi)] = bi
    img[0x3100:0x3100 + len(md)] = md
    shstr = b"\0.text\0.gopclntab\0.go.buildinfo\0.go.module\0.shstrtab\0"
    shoff = len(img) + len(shstr)
    img += shstr
    secs = [(0, 0, 0, 0, 0, 0), (1, 1, 6, text, 0x1000, 0xa0), (7, 1, 2, pcln_addr, 0x2000, len(pcln)),
            (18, 1, 3, BASE + 0x3000, 0x3000, len(bi)), (32, 1, 3, BASE + 0x3100, 0x3100, len(md)),
            (43, 3, 0, 0, 0x4000, len(shstr))]
    if with_sections:
        for (nm, ty, fl, ad, of, sz) in secs:
            img += struct.pack("<IIQQQQIIQQ", nm, ty, fl, ad, of, sz, 0, 0, 8, 0)
    phs = [(1, 5, 0x0, BASE, 0x2000), (1, 4, 0x2000, BASE + 0x2000, 0x1000), (1, 6, 0x3000, BASE + 0x3000, 0x1000)]
    eh = b"\x7fELF\x02\x01\x01" + b"\0" * 9
    eh += struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, text, 0x40, shoff if with_sections else 0, 0, 64, 56, len(phs),
                      64 if with_sections else 0, len(secs) if with_sections else 0, 5 if with_sections else 0)
    img[0:64] = eh
    for i, (ty, fl, of, va, sz) in enumerate(phs):
        img[0x40 + 56 * i:0x40 + 56 * (i + 1)] = struct.pack("<IIQQQQQQ", ty, fl, of, va, va, sz, sz, 0x1000)
    return bytes(img)

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
for name, ws, th in (("synthetic-sections", True, True), ("synthetic-no-sections", False, True),
                     ("synthetic-go126-text0", True, False)):
    with open(os.path.join(out, name), "wb") as f:
        f.write(elf(ws, th))
