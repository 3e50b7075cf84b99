#!/usr/bin/env python3
"""order_file.py BINARY TRACE > ORDER: the functions of BINARY that ran, first run first.

TRACE is qemu-user's `-d in_asm,nochain` log of BINARY: one "IN:" block per translated block,
its first line the guest address. The load address comes from the block of `_start` (the
ELF entry point). Each address inside .text is mapped to the function symbol (nm) that holds
it; the output lists each function once, in the order its first block was translated, under a
comment header (lld's --symbol-ordering-file ignores text after '#')."""
import bisect
import re
import subprocess
import sys


def symbols(binary):
    out = subprocess.run(["nm", "-n", "-S", "--defined-only", binary],
                         capture_output=True, text=True, check=True).stdout
    syms = []
    for line in out.splitlines():
        parts = line.split(" ", 3)
        if len(parts) == 4 and parts[2] in "tTwW":
            syms.append((int(parts[0], 16), int(parts[1], 16), parts[3]))
    syms.sort()
    return syms


def entry(binary):
    out = subprocess.run(["readelf", "-hW", binary], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"Entry point address:\s+0x([0-9a-f]+)", out).group(1), 16)


def blocks(trace):
    """(label, first address) of each translated block, in order: qemu labels a block with the
    symbol it starts at when it knows one (the binary's own symbols)."""
    out, label = [], None
    with open(trace, errors="replace") as f:
        for line in f:
            if line.startswith("IN:"):
                label = line[3:].strip()
                continue
            if label is not None:
                m = re.match(r"^(0x[0-9a-f]+):", line)
                if m:
                    out.append((label, int(m.group(1), 16)))
                label = None
    return out


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: order_file.py BINARY TRACE")
    binary, trace = sys.argv[1], sys.argv[2]
    syms = symbols(binary)
    starts = [s[0] for s in syms]
    traced = blocks(trace)
    # The load address: the block qemu labels _start is the ELF entry point.
    base = next((address - entry(binary) for label, address in traced if label == "_start"), None)
    seen, order = set(), []
    for _, address in traced if base is not None else []:
        offset = address - base
        i = bisect.bisect_right(starts, offset) - 1
        if i < 0:
            continue
        start, size, name = syms[i]
        if offset >= start + max(size, 1) or name in seen:
            continue
        seen.add(name)
        order.append(name)
    if base is None or len(order) < 100:
        sys.exit(f"order_file.py: the trace does not show {binary} running (found {len(order)} functions)")
    print("# deploy/liaison.order: the functions `liaison serve` ran, first run first (scripts/order-file).")
    print("# lld places these first in .text (scripts/build-release); regenerate after large changes.")
    print("\n".join(order))
    size = sum(s[1] for s in syms if s[2] in seen)
    sys.stderr.write(f"order_file.py: {len(order)} functions, {size / 2**20:.2f} MB of code\n")


if __name__ == "__main__":
    main()
