#!/usr/bin/env python3
"""Peers for scripts/bench-parse: parse a folder of messages the way `liaison-bench bench parse` does.

    bench_peers.py python DIR     Python's email package (policy=default)
    bench_peers.py rust DIR       fast-mail-parser (a Rust parser behind PyO3)
    bench_peers.py table LIAISON.json PYTHON.json RUST.json

Files are streamed exactly as `liaison-bench bench parse` streams them: each file is read (not timed),
parsed and touched (timed with a monotonic clock), then dropped. Prints one JSON object.
"""
import email
import email.policy
import json
import os
import sys
import time


def files_of(folder):
    names = sorted(n for n in os.listdir(folder) if not n.startswith("."))
    return [p for p in (os.path.join(folder, n) for n in names) if os.path.isfile(p)]


def peak_rss_kib():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def parse_python(data):
    """Returns True when the message carries defects. Raises on failure."""
    msg = email.message_from_bytes(data, policy=email.policy.default)
    n = 0
    for name in ("subject", "from", "to", "cc", "date"):
        value = msg[name]
        if value is None:
            continue
        if name in ("from", "to", "cc"):
            n += sum(len(a.addr_spec) for a in value.addresses)
        elif name == "date":
            n += value.datetime.toordinal() if value.datetime else 0
        else:
            n += len(str(value))
    defects = bool(msg.defects)
    for part in msg.walk():
        if part.defects:
            defects = True
        if part.get_content_maintype() == "text":
            n += len(part.get_content())
    return defects


def parse_rust(data, fmp):
    """Returns True when the parser reported warnings. Raises (ParseError) on failure."""
    m = fmp.parse_email(data)   # default mode="full": bodies and attachments decoded
    return touch_rust(m)


def touch_rust(m):
    # Outside the failure count's reach: an error here is a bug of this script, not the peer's.
    def addr(a):
        return len(a.address or "") + len(a.display_name or "") if a is not None else 0
    n = len(m.subject or "") + addr(m.from_) + sum(map(addr, m.to)) + sum(map(addr, m.cc)) + len(str(m.date))
    n += sum(len(t) for t in m.text_plain) + sum(len(t) for t in m.text_html)
    n += sum(len(a.content) + len(a.filename or "") for a in m.attachments)
    return bool(m.warnings)


def run(kind, folder):
    if kind == "python":
        parse, label = parse_python, f"Python {sys.version.split()[0]} email (policy=default)"
        touch = bool
    else:
        import fast_mail_parser as fmp
        try:
            from importlib.metadata import version
            v = version("fast-mail-parser")
        except Exception:
            v = "?"
        parse, label = (lambda d: fmp.parse_email(d)), f"fast-mail-parser {v} (Rust)"
        touch = touch_rust
    files = files_of(folder)
    wall_start = time.perf_counter_ns()
    parse_ns = 0
    messages = total = failures = flagged = 0
    for path in files:
        with open(path, "rb") as f:
            data = f.read()
        start = time.perf_counter_ns()
        try:
            result = parse(data)
        except Exception:
            failures += 1
        else:
            if touch(result):
                flagged += 1
        parse_ns += time.perf_counter_ns() - start
        messages += 1
        total += len(data)
        del data
    wall = (time.perf_counter_ns() - wall_start) / 1e9
    secs = max(parse_ns / 1e9, 1e-9)
    print(json.dumps({
        "peer": label, "messages": messages, "bytes": total, "parseSeconds": parse_ns / 1e9,
        "wallSeconds": wall, "messagesPerSecond": messages / secs, "megabytesPerSecond": total / 1e6 / secs,
        "failures": failures, "flagged": flagged, "peakRSSKiB": peak_rss_kib(),
    }, sort_keys=True))


def table(liaison_path, python_path, rust_path):
    def load(path):
        try:
            with open(path) as f:
                return json.loads(f.read())
        except (OSError, ValueError):
            return None
    lia, py, rs = load(liaison_path), load(python_path), load(rust_path)
    rows = []
    if lia:
        rows.append(("Liaison (MessageParser, release)", lia["messagesPerSecond"], lia["megabytesPerSecond"],
                     lia.get("unreadableFiles", 0), f'{lia["messagesWithIssues"]} with issues', lia.get("peakRSSKiB"),
                     lia["parseSeconds"], lia["wallSeconds"]))
    for peer, what in ((py, "with defects"), (rs, "with warnings")):
        if peer:
            rows.append((peer["peer"], peer["messagesPerSecond"], peer["megabytesPerSecond"], peer["failures"],
                         f'{peer["flagged"]} {what}', peer.get("peakRSSKiB"), peer["parseSeconds"], peer["wallSeconds"]))
    head = ("peer", "messages/s", "MB/s", "failures", "flagged", "peak RSS", "parse s", "wall s")
    widths = [max(len(head[0]), *(len(r[0]) for r in rows)), 11, 8, 9, 22, 10, 8, 8]
    print("  ".join(h.ljust(w) if i in (0, 4) else h.rjust(w) for i, (h, w) in enumerate(zip(head, widths))))
    for r in rows:
        rss = f"{r[5] / 1024:.0f} MiB" if r[5] else "?"
        cells = (r[0], f"{r[1]:.0f}", f"{r[2]:.2f}", str(r[3]), r[4], rss, f"{r[6]:.2f}", f"{r[7]:.2f}")
        print("  ".join(c.ljust(w) if i in (0, 4) else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths))))
    if lia and py:
        print(f"Liaison/Python: {lia['messagesPerSecond'] / py['messagesPerSecond']:.2f}x messages/s")
    if lia and rs:
        print(f"Liaison/Rust:   {lia['messagesPerSecond'] / rs['messagesPerSecond']:.2f}x messages/s")
    if lia and (py or rs):
        same = all(p is None or p["bytes"] == lia["bytes"] for p in (py, rs))
        print("(same files and bytes for every peer)" if same else "WARNING: the peers did not read the same bytes")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] in ("python", "rust"):
        run(sys.argv[1], sys.argv[2])
    elif len(sys.argv) == 5 and sys.argv[1] == "table":
        table(*sys.argv[2:])
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
