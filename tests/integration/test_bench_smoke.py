#!/usr/bin/env python3
"""test_bench_smoke.py - runs `bench/run-all --smoke` (seconds, small rates) and checks that it
produced a well-formed result table: every Kamailio figure is a number, the gateway figures are
numbers too once the gateway and pstn-sim are built (else each says why it was not measured), and
results.json agrees with the table."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NUM = re.compile(r"^(>= )?-?[0-9][0-9,]*(\.[0-9]+)?( (cps|us|ms|B|MiB|%))?( \(search max\))?$")


def fail(msg):
    print(f"FAIL: {msg}")
    sys.exit(1)


def numbers_in(cell):
    """The figures of a cell ('1,234 cps', '0.81 / 11.89', '3 of 3'), or None if any is not one."""
    parts = [p.strip() for p in re.split(r" / | of ", cell)]
    if not parts or not all(NUM.match(p) for p in parts):
        return None
    return [float(re.sub(r"[^0-9.\-]", "", p.split(" (")[0])) for p in parts]


def main():
    for tool in ("sipp", "kamailio"):
        if shutil.which(tool) is None:
            print(f"{tool} is not installed (setup.sh deps installs it); the smoke run needs it")
            sys.exit(77)
    out = tempfile.mkdtemp(prefix="bench-smoke-")
    p = subprocess.run([sys.executable, os.path.join(TOP, "bench", "run-all"), "--smoke",
                        "--out", out], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=240, cwd=TOP)
    text = p.stdout.decode(errors="replace")
    err = p.stderr.decode(errors="replace")
    if p.returncode != 0:
        fail(f"run-all --smoke exited {p.returncode}\n{text}\n{err[-3000:]}")
    lines = [l for l in text.splitlines() if l.startswith("|")]
    if len(lines) < 4 or not lines[0].startswith("| measurement | transport | Kamailio"):
        fail(f"no result table in the output:\n{text}")
    if not re.match(r"^\|(---\|)+$", lines[1]):
        fail(f"second line is not a table rule: {lines[1]!r}")
    with open(os.path.join(out, "results.json")) as f:
        res = json.load(f)
    gw_built = "gateway" in res
    gw_why = res.get("gateway_why", "")
    if not gw_built and not gw_why:
        fail("the gateway side neither ran nor said why")
    checked = 0
    for line in lines[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) != 6:
            fail(f"row has {len(cells)} cells, not 6: {line!r}")
        what, transport, kam, gw = cells[0], cells[1], cells[2], cells[3]
        if transport not in ("UDP", "TCP"):
            fail(f"bad transport {transport!r} in {line!r}")
        for side, cell, built in (("Kamailio", kam, True), ("gateway", gw, gw_built)):
            if cell == "-" or (side == "gateway" and cell == "no call refused" and "overload" in what):
                continue
            if not built and cell.startswith("not measured"):
                continue
            vals = numbers_in(cell)
            if vals is None:
                fail(f"{side} cell of '{what}' is not a figure: {cell!r}")
            if any(v < 0 for v in vals):
                fail(f"{side} cell of '{what}' is negative: {cell!r}")
            checked += 1
    k = res["kamailio"]
    for tr in ("udp", "tcp"):
        cap = k[tr]["capacity"]["median"]
        cpu = k[tr]["cpu"]["median"]
        if not cap or cap < res["params"]["cap_start"]:
            fail(f"Kamailio {tr} capacity {cap} below the first step {res['params']['cap_start']}")
        if not cpu or not 1 <= cpu <= 100000:
            fail(f"Kamailio {tr} CPU per call {cpu} us is not plausible")
        run = k[tr]["cpu"]["runs"][0]
        if run["failed"] != 0 or run["successful"] != res["params"]["cpu_rate"] * res["params"]["cpu_seconds"]:
            fail(f"Kamailio {tr} CPU run did not complete every call: {run}")
    for share in ("50", "90"):
        lat = k["udp"][f"lat{share}"]
        if not (0 < lat["p50_180"] <= lat["p99_180"] and 0 < lat["p50_200"] <= lat["p99_200"]):
            fail(f"Kamailio latency at {share} % is not ordered: {lat}")
    if checked < 8:
        fail(f"only {checked} figures in the table")
    print(f"bench smoke: {len(lines) - 2} rows, {checked} figures checked; gateway "
          f"{'measured' if gw_built else 'not measured: ' + gw_why}")
    shutil.rmtree(out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
