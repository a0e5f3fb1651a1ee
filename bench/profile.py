#!/usr/bin/env python3
"""profile.py - where the gateway's CPU per call goes: the gateway and pstn-sim as in
bench/run-all (bench/gateway.cfg.tmpl, pinned the same way), SIPp at a fixed rate, and the
gateway's process recorded by perf or counted by strace while it runs.

  bench/profile.py perf   [--rate 1000] [--seconds 10] [--transport udp]   # perf record -g
  bench/profile.py strace [--rate 500]  [--seconds 10]                     # strace -c -f

perf writes OUT/perf.data and prints the busiest symbols (`perf report --no-children`) and the
share of samples per thread; strace prints its table and the system calls per answered call.
strace slows the gateway down: take its counts per call, not its times. Needs perf (Debian's
linux-perf) or strace; the tree built."""
import argparse
import collections
import os
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gateway_bench  # noqa: E402
import lib  # noqa: E402
import measure  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("tool", choices=("perf", "strace"))
    ap.add_argument("--rate", type=int)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--transport", choices=("udp", "tcp"), default="udp")
    ap.add_argument("--out")
    a = ap.parse_args()
    rate = a.rate or (1000 if a.tool == "perf" else 500)
    out = a.out or tempfile.mkdtemp(prefix="bench-profile-")
    why = gateway_bench.missing()
    if why:
        print(f"profile: {why}")
        return 1
    t = gateway_bench.GatewayTarget(out)
    t.start(a.transport)
    tool = None
    try:
        measure.one_run(t, out, a.transport, rate, 2, settle=False)       # warm-up
        pid = str(t.element.proc.pid)
        data = os.path.join(out, "perf.data" if a.tool == "perf" else "strace.txt")
        cmd = (["perf", "record", "-F", "2000", "-g", "-o", data, "-p", pid] if a.tool == "perf"
               else ["strace", "-c", "-f", "-o", data, "-p", pid])
        tool = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)
        r = measure.one_run(t, out, a.transport, rate, a.seconds)
        tool.send_signal(2)
        tool.wait(30)
        tool = None
        print(f"profile: {r['answered']} calls answered at {rate} calls/s over {a.transport}, "
              f"{r['failed']} failed, gateway CPU {r['cpu_s']:.2f} s")
        if a.tool == "perf":
            rep = subprocess.run(["perf", "report", "-i", data, "--no-children", "--sort",
                                  "dso,symbol", "--stdio", "-g", "none", "--percent-limit", "1"],
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            print("\n".join(l for l in rep.stdout.splitlines() if l.strip() and not l.startswith("#")))
            dso = subprocess.run(["perf", "report", "-i", data, "--no-children", "--sort", "dso",
                                  "--stdio", "-g", "none", "--percent-limit", "1"],
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            print("by object:")
            print("\n".join(l for l in dso.stdout.splitlines() if l.strip() and not l.startswith("#")))
            tids = subprocess.run(["perf", "script", "-i", data, "-F", "tid"], stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, text=True).stdout.split()
            n = collections.Counter(tids)
            total = sum(n.values()) or 1
            for tid, c in n.most_common():
                print(f"thread {tid}: {c * 100 / total:.0f} % of the samples")
        else:
            with open(data) as f:
                text = f.read()
            print(text)
            for line in text.splitlines():
                parts = line.split()
                if len(parts) >= 5 and parts[-1] not in ("syscall", "total") and parts[0][0].isdigit() \
                        and r["answered"]:
                    print(f"  {parts[-1]}: {int(parts[3]) / r['answered']:.1f} per call")
        print(f"profile: results in {out}")
    finally:
        if tool:
            tool.kill()
        t.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
