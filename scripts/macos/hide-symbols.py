#!/usr/bin/env python3
"""Applies an exported-symbols list to a Mach-O relocatable object.

    hide-symbols.py OBJECT LIST

Every symbol OBJECT defines as external and LIST does not name becomes a
private external (N_PEXT): still one symbol across everything linked into
the image, but not exported from it. This is what Apple's linker does with
-exported_symbols_list; zig's linker accepts the option and ignores it, so
scripts/macos/zig-cc.sh links the inputs into one object (`-r`), runs this
on it, and links the dylib from that object. LIST holds one name a line,
with Mach-O's leading underscore, as rustc writes it. OBJECT is rewritten in
place. Exits non-zero, leaving OBJECT unchanged, if it is not a 64-bit
little-endian Mach-O object or does not define every listed symbol.
"""

import struct
import sys

MH_MAGIC_64 = 0xFEEDFACF
MH_OBJECT = 0x1
LC_SYMTAB = 0x2
N_STAB = 0xE0
N_PEXT = 0x10
N_TYPE = 0x0E
N_EXT = 0x01
N_UNDF = 0x0
NLIST_64_SIZE = 16


def main(argv):
    if len(argv) != 3:
        sys.exit("usage: hide-symbols.py OBJECT LIST")
    path, list_path = argv[1], argv[2]
    with open(list_path, encoding="utf-8") as lines:
        exported = {line.strip() for line in lines if line.strip()}
    with open(path, "rb") as obj:
        data = bytearray(obj.read())

    if len(data) < 32:
        sys.exit(f"hide-symbols: {path}: not a Mach-O object")
    magic, _cpu, _sub, filetype, ncmds, _size, _flags, _res = struct.unpack_from("<IiiIIIII", data, 0)
    if magic != MH_MAGIC_64 or filetype != MH_OBJECT:
        sys.exit(f"hide-symbols: {path}: not a 64-bit Mach-O relocatable object")

    symtab = None
    offset = 32
    for _ in range(ncmds):
        cmd, cmdsize = struct.unpack_from("<II", data, offset)
        if cmd == LC_SYMTAB:
            symtab = struct.unpack_from("<IIII", data, offset + 8)
        offset += cmdsize
    if symtab is None:
        sys.exit(f"hide-symbols: {path}: no symbol table")
    symoff, nsyms, stroff, strsize = symtab

    found = set()
    for index in range(nsyms):
        entry = symoff + index * NLIST_64_SIZE
        strx, n_type = struct.unpack_from("<IB", data, entry)
        if n_type & N_STAB or not n_type & N_EXT or n_type & N_TYPE == N_UNDF:
            continue
        if strx >= strsize:
            sys.exit(f"hide-symbols: {path}: symbol {index} has a bad name offset")
        end = data.index(0, stroff + strx)
        name = data[stroff + strx : end].decode("utf-8", "replace")
        if name in exported:
            found.add(name)
        elif not n_type & N_PEXT:
            data[entry + 4] = n_type | N_PEXT

    missing = sorted(exported - found)
    if missing:
        sys.exit(f"hide-symbols: {path} does not define: {' '.join(missing)}")
    with open(path, "wb") as obj:
        obj.write(data)


if __name__ == "__main__":
    main(sys.argv)
