#!/usr/bin/env python3
"""Helpers for scripts/bench-serve (stdlib only).

  bench_serve.py proxy PORTFILE UPSTREAM_HOST UPSTREAM_PORT CERT KEY CA
      An IMAPS proxy on 127.0.0.1 (an ephemeral port, written to PORTFILE) that forwards to the
      rig and removes IDLE from every CAPABILITY list it passes on (RFC 3501 section 7.2.1, the
      untagged response and the [CAPABILITY ...] response code): a server without IDLE
      (RFC 2177), so that `liaison serve` polls only. Nothing else is changed.
  bench_serve.py sample OUT.json SECONDS EVERY NAME=PID...
      Samples each process's VmRSS (/proc/PID/status) and utime+stime (/proc/PID/stat) every
      EVERY seconds for SECONDS; at the end VmHWM. Writes a JSON summary per process.
  RIG_PASSWORD=... bench_serve.py deliver OUT.tsv HOST PORT CA USER COUNT PACE_MS RUN
      APPENDs COUNT distinct generated messages (RFC 3501 section 6.3.11) on one IMAPS
      connection, one every PACE_MS on a fixed schedule; writes "uid message-id t_start t_done"
      per message (t_done: the tagged OK received, Unix time; the UID from APPENDUID, RFC 4315).
  bench_serve.py latency OUT.json APPENDS.tsv KIND LOG
      Matches each append to its filing: KIND liaison reads `liaison serve`'s stderr log
      ("<time> info liaison.poller: message ... uid=N"); KIND mda reads "<unix time> <Message-ID>"
      lines. Writes the latencies' summary (nearest-rank percentiles).
  bench_serve.py report IDLE.json LATENCY.json... (each latency file named NAME.latency.json)
      Prints the tables, the ratios against the peers and the verdicts against issue 7's goals.
"""
import asyncio
import datetime
import email.utils
from email.header import Header
import imaplib
import json
import math
import os
import re
import ssl
import sys
import time

# --- proxy -------------------------------------------------------------------------------------

CAPABILITY_LINE = re.compile(rb"^(\*|[A-Za-z0-9.]+) (?:(?:OK|NO|BAD|PREAUTH) \[)?CAPABILITY ", re.I)
IDLE_TOKEN = re.compile(rb" IDLE(?=[ \]\r\n])", re.I)


def without_idle(line: bytes) -> bytes:
    """The line with IDLE removed when it is a capability list; any other line as it is."""
    return IDLE_TOKEN.sub(b"", line) if CAPABILITY_LINE.match(line) else line


def proxy(portfile: str, host: str, port: int, cert: str, key: str, ca: str) -> None:
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(cert, key)
    client_ctx = ssl.create_default_context(cafile=ca)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_r, up_w = await asyncio.open_connection(host, port, ssl=client_ctx, server_hostname=host,
                                                       limit=64 * 1024 * 1024)
        except OSError:
            writer.close()
            return

        async def to_server() -> None:
            while data := await reader.read(65536):
                up_w.write(data)
                await up_w.drain()
            up_w.close()

        async def to_client() -> None:
            # Whole lines only, so a capability list is never split; IMAP responses end in CRLF.
            while line := await up_r.readline():
                writer.write(without_idle(line))
                await writer.drain()
            writer.close()

        try:
            await asyncio.gather(to_server(), to_client())
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ssl.SSLError):
            pass
        finally:
            writer.close()
            up_w.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=server_ctx)
        with open(portfile + ".tmp", "w") as f:
            f.write(str(server.sockets[0].getsockname()[1]))
        os.rename(portfile + ".tmp", portfile)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


# --- sample ------------------------------------------------------------------------------------

TICKS = os.sysconf("SC_CLK_TCK")


def status_kb(pid: int, field: str) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def cpu_seconds(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # After "pid (comm)": state is field 3, utime 14 and stime 15 (proc(5)).
    return (int(fields[11]) + int(fields[12])) / TICKS


def memory_detail(pid: int) -> dict:
    """Where the resident memory is: private anonymous vs file-backed pages (/proc/PID/status),
    the proportional share (Pss, smaps_rollup), and the five mappings holding the most."""
    detail = {"anon_kb": status_kb(pid, "RssAnon"), "file_kb": status_kb(pid, "RssFile"), "pss_kb": None, "top": []}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    detail["pss_kb"] = int(line.split()[1])
        by_name: dict[str, int] = {}
        name = "[anon]"
        with open(f"/proc/{pid}/smaps") as f:
            for line in f:
                head = line.split()
                if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
                    name = os.path.basename(head[5]) if len(head) > 5 else "[anon]"
                elif head and head[0] == "Rss:":
                    by_name[name] = by_name.get(name, 0) + int(head[1])
        detail["top"] = sorted(by_name.items(), key=lambda kv: -kv[1])[:5]
    except OSError:
        pass
    return detail


def sample(out: str, seconds: float, every: float, procs: list[str]) -> None:
    pids = {name: int(pid) for name, pid in (p.split("=", 1) for p in procs)}
    rows = {name: {"rss_kb": [], "start_cpu": cpu_seconds(pid), "end_cpu": None, "alive": True}
            for name, pid in pids.items()}
    start = time.monotonic()
    while True:
        for name, pid in pids.items():
            rss = status_kb(pid, "VmRSS")
            if rss is None:
                rows[name]["alive"] = False
            elif rows[name]["alive"]:
                rows[name]["rss_kb"].append(rss)
                rows[name]["end_cpu"] = cpu_seconds(pid)
        elapsed = time.monotonic() - start
        if elapsed >= seconds:
            break
        time.sleep(min(every, seconds - elapsed))
    wall = time.monotonic() - start
    summary = {"wall_s": wall, "every_s": every, "procs": {}}
    for name, pid in pids.items():
        r = rows[name]
        rss = r["rss_kb"] or [0]
        cpu = (r["end_cpu"] or 0) - (r["start_cpu"] or 0)
        summary["procs"][name] = {
            "pid": pid, "alive": r["alive"], "samples": len(r["rss_kb"]),
            "rss_start_kb": rss[0], "rss_end_kb": rss[-1], "rss_peak_kb": max(rss),
            "hwm_kb": status_kb(pid, "VmHWM"), "cpu_s": cpu, "cpu_pct": 100 * cpu / wall,
            **memory_detail(pid),
        }
    with open(out, "w") as f:
        json.dump(summary, f, indent=1)


# --- deliver -----------------------------------------------------------------------------------

STAFF = ["zhang.wei@corp.example", "wang.fang@corp.example", "zhao.qiang@corp.example"]
SUBJECTS = ["投诉:第{n}批货物延迟发货", "Re: 报价单 Q{n} 的交期", "設備故障 #{n} 請盡快處理", "Order {n}: wrong part delivered"]


def message(run: str, i: int) -> tuple[str, bytes]:
    """A distinct message from an outside sender to a staff member, CC the tracking address."""
    msgid = f"<bench-{run}-{i:05d}@client{i % 7}.example>"
    subject = SUBJECTS[i % len(SUBJECTS)].format(n=1000 + i)
    text = (f"您好,\n\n这是第 {i} 封测试邮件 (run {run})。请在 24 小时内回复处理方案。\n\n"
            f"Customer {i % 50}\n")
    headers = [
        f"From: Customer {i % 50} <customer{i % 50}@client{i % 7}.example>",
        f"To: {STAFF[i % len(STAFF)]}",
        "Cc: track@corp.example",
        f"Subject: {subject if subject.isascii() else Header(subject, 'utf-8').encode()}",
        f"Date: {email.utils.formatdate(localtime=False)}",
        f"Message-ID: {msgid}",
        "MIME-Version: 1.0",
        'Content-Type: text/plain; charset="utf-8"',
        "Content-Transfer-Encoding: 8bit",
    ]
    return msgid, ("\r\n".join(headers) + "\r\n\r\n" + text.replace("\n", "\r\n")).encode()


def deliver(out: str, host: str, port: int, ca: str, user: str, count: int, pace_ms: int, run: str) -> None:
    context = ssl.create_default_context(cafile=ca)
    with imaplib.IMAP4_SSL(host, port, ssl_context=context, timeout=30) as imap, open(out, "w") as f:
        imap.login(user, os.environ["RIG_PASSWORD"])
        begin = time.monotonic()
        for i in range(count):
            delay = begin + i * pace_ms / 1000 - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            msgid, data = message(run, i)
            t_start = time.time()
            status, answer = imap.append("INBOX", None, None, data)
            t_done = time.time()
            found = re.search(rb"APPENDUID \d+ (\d+)", answer[0] or b"")
            if status != "OK" or not found:
                raise SystemExit(f"bench-serve: APPEND {i} answered {status} {answer!r}")
            f.write(f"{found.group(1).decode()} {msgid} {t_start:.6f} {t_done:.6f}\n")
            f.flush()
        imap.logout()


# --- latency -----------------------------------------------------------------------------------

LIAISON_LINE = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?)Z \w+ liaison\.poller: message .*\buid=(\d+)\b")


def parse_utc(text: str) -> float:
    fmt = "%Y-%m-%dT%H:%M:%S.%f" if "." in text else "%Y-%m-%dT%H:%M:%S"
    return datetime.datetime.strptime(text, fmt).replace(tzinfo=datetime.timezone.utc).timestamp()


def percentile(values: list[float], p: float) -> float:
    """Nearest rank: the smallest value with at least p% of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def latency(out: str, appends_path: str, kind: str, log: str) -> None:
    appends = [line.split() for line in open(appends_path) if line.strip()]
    filed: dict[str, float] = {}
    resolution = 0.001
    with open(log, errors="replace") as f:
        for line in f:
            if kind == "liaison":
                m = LIAISON_LINE.match(line)
                if m:
                    if "." not in m.group(1):
                        resolution = 1.0
                    filed.setdefault(m.group(2), parse_utc(m.group(1)))
            else:
                parts = line.split(None, 1)
                if len(parts) == 2:
                    filed.setdefault(parts[1].strip().split()[-1], float(parts[0]))
    key = 0 if kind == "liaison" else 1
    values = [filed[a[key]] - float(a[3]) for a in appends if a[key] in filed]
    summary = {"delivered": len(appends), "filed": len(values), "resolution_s": resolution}
    if values:
        summary.update({f"p{p}": percentile(values, p) for p in (50, 95, 99)})
        summary.update({"min": min(values), "max": max(values), "mean": sum(values) / len(values)})
    with open(out, "w") as f:
        json.dump(summary, f, indent=1)


# --- report ------------------------------------------------------------------------------------

RSS_GOAL_MB, CPU_GOAL_PCT, P99_GOAL_S = 30.0, 0.5, 2.0


def report(idle_path: str, latency_paths: list[str]) -> None:
    idle = json.load(open(idle_path))
    procs = idle["procs"]
    print(f"\nIdle cost over {idle['wall_s']:.0f} s, empty mailbox (VmRSS sampled every {idle['every_s']:g} s; "
          "CPU = utime+stime of the process itself):")
    print(f"  {'process':26} {'RSS start':>10} {'RSS end':>10} {'RSS peak':>10} {'VmHWM':>10} {'CPU s':>8} {'% of a core':>12}")
    for name, p in procs.items():
        mb = lambda kb: f"{(kb or 0) / 1024:7.1f} MB"
        dead = "" if p["alive"] else "  (exited during the window!)"
        print(f"  {name:26} {mb(p['rss_start_kb']):>10} {mb(p['rss_end_kb']):>10} {mb(p['rss_peak_kb']):>10} "
              f"{mb(p['hwm_kb']):>10} {p['cpu_s']:8.2f} {p['cpu_pct']:11.3f}%{dead}")
    print("  resident memory at the end, private anonymous + file-backed (shared libraries, the binary); "
          "Pss = the share when pages are shared with other processes (the three serves here share theirs):")
    for name, p in procs.items():
        if p.get("anon_kb") is not None:
            top = ", ".join(f"{n} {kb / 1024:.1f}" for n, kb in p["top"])
            print(f"  {name:26} anon {p['anon_kb'] / 1024:5.1f} MB  file {p['file_kb'] / 1024:5.1f} MB  "
                  f"Pss {(p['pss_kb'] or 0) / 1024:5.1f} MB   largest (MB): {top}")
    ours = procs.get("liaison-idle")
    peer = procs.get("fetchmail-idle")
    if ours and peer:
        tick = 1 / TICKS
        cpu = (f"{ours['cpu_s'] / peer['cpu_s']:.2f}x the CPU time" if peer["cpu_s"] >= tick else
               f"at least {ours['cpu_s'] / tick:.0f}x the CPU time (fetchmail used less than one {tick * 1000:.0f} ms clock tick)")
        print(f"  liaison (IDLE) vs fetchmail (IDLE): {ours['rss_peak_kb'] / max(peer['rss_peak_kb'], 1):.2f}x the RSS, {cpu}")
        if ours.get("pss_kb") and peer.get("pss_kb"):
            print(f"  liaison (IDLE) vs fetchmail (IDLE): Pss {ours['pss_kb'] / 1024:.1f} MB vs {peer['pss_kb'] / 1024:.1f} MB = "
                  f"{ours['pss_kb'] / peer['pss_kb']:.2f}x (liaison's Pss is low here: the three serves share the binary's pages)")
    for name in ("liaison-poll30", "liaison-poll5"):
        if ours and name in procs:
            print(f"  {name} vs liaison-idle: {procs[name]['cpu_s'] / max(ours['cpu_s'], 0.01):.2f}x the CPU time")

    runs = {os.path.basename(p).removesuffix(".latency.json"): json.load(open(p)) for p in latency_paths}
    if runs:
        print("\nDelivery-to-filed latency (APPEND answered -> filing logged), nearest-rank percentiles:")
        print(f"  {'run':26} {'filed':>9} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8}")
        for name, r in runs.items():
            cells = "".join(f" {r[k]:7.3f}s" if k in r else "        -" for k in ("p50", "p95", "p99", "max"))
            print(f"  {name:26} {r['filed']:>4}/{r['delivered']:<4}{cells}")
        base = runs.get("liaison-idle")
        for name, r in runs.items():
            if base and name != "liaison-idle" and "p99" in r and "p99" in base:
                print(f"  {name} vs liaison-idle: p50 {r['p50'] / max(base['p50'], 1e-3):.1f}x, "
                      f"p99 {r['p99'] / max(base['p99'], 1e-3):.1f}x (higher = liaison with IDLE is faster)")
        if base and base.get("resolution_s", 0) >= 1:
            print("  (the serve log has whole-second timestamps: latencies are +-1 s)")

    print("\nVerdicts against issue 7:")
    if ours:
        rss_mb = max(ours["rss_peak_kb"], ours["rss_end_kb"]) / 1024
        print(f"  idle RSS   {'MET ' if rss_mb < RSS_GOAL_MB else 'MISSED'}: peak {rss_mb:.1f} MB over the window "
              f"(goal < {RSS_GOAL_MB:g} MB; lifetime VmHWM {ours['hwm_kb'] / 1024:.1f} MB; "
              f"of it private anonymous {(ours.get('anon_kb') or 0) / 1024:.1f} MB, file-backed {(ours.get('file_kb') or 0) / 1024:.1f} MB)")
        print(f"  idle CPU   {'MET ' if ours['cpu_pct'] < CPU_GOAL_PCT else 'MISSED'}: {ours['cpu_pct']:.3f}% of one core "
              f"over {idle['wall_s']:.0f} s (goal < {CPU_GOAL_PCT:g}%)")
    base = runs.get("liaison-idle")
    if base and "p99" in base:
        complete = base["filed"] == base["delivered"]
        ok = complete and base["p99"] < P99_GOAL_S
        print(f"  IDLE p99   {'MET ' if ok else 'MISSED'}: {base['p99']:.3f} s over {base['filed']}/{base['delivered']} "
              f"messages (goal < {P99_GOAL_S:g} s)")


def main(argv: list[str]) -> int:
    cmd = argv[1] if len(argv) > 1 else ""
    a = argv[2:]
    if cmd == "proxy" and len(a) == 6:
        proxy(a[0], a[1], int(a[2]), a[3], a[4], a[5])
    elif cmd == "sample" and len(a) >= 4:
        sample(a[0], float(a[1]), float(a[2]), a[3:])
    elif cmd == "deliver" and len(a) == 8:
        deliver(a[0], a[1], int(a[2]), a[3], a[4], int(a[5]), int(a[6]), a[7])
    elif cmd == "latency" and len(a) == 4:
        latency(a[0], a[1], a[2], a[3])
    elif cmd == "report" and len(a) >= 1:
        report(a[0], a[1:])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
