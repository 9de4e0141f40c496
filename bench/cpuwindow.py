#!/usr/bin/env python3
"""Client CPU per server-counted message, over a steady window.

    bench/cpuwindow.py --stats URL --count FIELD --ready-field FIELD --ready N
                       [--settle S] [--window S] [--log FILE] -- COMMAND ...

Starts COMMAND (a load generator), waits until the counter READY-FIELD in
the server's GET /stats has grown by N since COMMAND started (every
client connected), waits SETTLE seconds
more, then for WINDOW seconds measures
  - the CPU (user + system) of COMMAND's process and all its descendants,
    read from /proc/PID/stat (every thread of a process is in its line);
  - the messages the server counted in COUNT-FIELD over the same window.
Then it waits for COMMAND to end and prints one JSON line:
  {"messages", "window_seconds", "cpu_seconds", "messages_per_s",
   "cpu_us_per_message", "messages_per_cpu_second", "ready_after_seconds",
   "exit_code"}
Counting on the server makes the figure the same for every load generator,
whatever it reports itself. FIELD is a dotted path into the stats JSON
(a key with a dot in it, like a namespace "/", is written as is: "connections./").
Exit status 1 when the command ended before the window closed or the
clients never connected.
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

TCK = os.sysconf("SC_CLK_TCK")


def stats(url):
    with urllib.request.urlopen(url, timeout=5) as r:
        return json.load(r)


def field(doc, path):
    # Greedy: try the longest key first so "connections./" works.
    parts = path.split(".")
    cur = doc
    i = 0
    while i < len(parts):
        for j in range(len(parts), i, -1):
            key = ".".join(parts[i:j])
            if isinstance(cur, dict) and key in cur:
                cur = cur[key]
                i = j
                break
        else:
            return 0
    return cur or 0


def tree_cpu(root):
    """CPU seconds of root and every live descendant."""
    procs = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                s = f.read()
        except OSError:
            continue
        rest = s[s.rindex(")") + 2:].split()
        # rest[0] is field 3 (state): ppid is field 4, utime 14, stime 15.
        procs[int(name)] = (int(rest[1]), int(rest[11]) + int(rest[12]))
    keep, total, changed = {root}, 0, True
    while changed:
        changed = False
        for pid, (ppid, _) in procs.items():
            if ppid in keep and pid not in keep:
                keep.add(pid)
                changed = True
    for pid in keep:
        if pid in procs:
            total += procs[pid][1]
    return total / TCK


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--stats", required=True)
    ap.add_argument("--count", required=True)
    ap.add_argument("--ready-field", required=True)
    ap.add_argument("--ready", type=int, required=True)
    ap.add_argument("--settle", type=float, default=1.0)
    ap.add_argument("--window", type=float, default=10.0)
    ap.add_argument("--ready-timeout", type=float, default=60.0)
    ap.add_argument("--log", default=os.devnull)
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    if not cmd:
        ap.error("no command")

    with open(a.log, "wb") as log:
        base = field(stats(a.stats), a.ready_field)
        t_start = time.monotonic()
        p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = t_start + a.ready_timeout
            while field(stats(a.stats), a.ready_field) - base < a.ready:
                if p.poll() is not None or time.monotonic() > deadline:
                    print(f"cpuwindow: {cmd[0]}: clients not connected "
                          f"({field(stats(a.stats), a.ready_field) - base} of {a.ready}); see {a.log}", file=sys.stderr)
                    return 1
                time.sleep(0.05)
            ready = time.monotonic() - t_start
            time.sleep(a.settle)
            c0, n0, t0 = tree_cpu(p.pid), field(stats(a.stats), a.count), time.monotonic()
            time.sleep(a.window)
            c1, n1, t1 = tree_cpu(p.pid), field(stats(a.stats), a.count), time.monotonic()
            if p.poll() is not None:
                print(f"cpuwindow: {cmd[0]} ended inside the window; give it a longer run", file=sys.stderr)
                return 1
            rc = p.wait(timeout=600)
        finally:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
    n, cpu, secs = n1 - n0, c1 - c0, t1 - t0
    print(json.dumps({
        "messages": n,
        "window_seconds": round(secs, 3),
        "cpu_seconds": round(cpu, 3),
        "messages_per_s": n / secs,
        "cpu_us_per_message": cpu * 1e6 / max(n, 1),
        "messages_per_cpu_second": n / cpu if cpu > 0 else 0,
        "ready_after_seconds": round(ready, 3),
        "exit_code": rc,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
