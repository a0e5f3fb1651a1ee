"""admtest.py - helpers of the admission tests: `show admission` parsed, SIPp in the background,
a VTY sampler that records the admission figures and the command's round-trip time.

    adm = admtest.parse_show_admission(b.gw.cmd("show admission"))
    adm["used"], adm["measured"], adm["budget"], adm["class"]["ordinary"]["shed:memory"]
"""
import os
import re
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gwtest  # noqa: E402
import procs  # noqa: E402


def parse_show_admission(text):
    """`show admission` -> dict: state, budget, shed_mark, full_mark, reserve, used, charged,
    unattributed, measured, baseline, samples, cost, ceiling, cpu_occ, cpu_limit_pct,
    cpu_limit_cps (0: the CPU guard is not limiting), and class -> {calls, bytes,
    shed_mode, <counter>: n}."""
    d = {"class": {}}
    m = re.search(r"Admission: state (\S+)", text)
    if not m:
        raise ValueError(f"not a 'show admission' answer: {text[:200]!r}")
    d["state"] = m.group(1)
    m = re.search(r"budget (\d+) bytes: shed mark (\d+), full mark (\d+) \(reserve (\d+)\)", text)
    d["budget"], d["shed_mark"], d["full_mark"], d["reserve"] = map(int, m.groups())
    m = re.search(r"used (\d+) bytes = charged (\d+) \+ unattributed (\d+)", text)
    d["used"], d["charged"], d["unattributed"] = map(int, m.groups())
    m = re.search(r"jemalloc: measured (\d+) bytes above baseline (\d+) \((\d+) samples\)", text)
    d["measured"], d["baseline"], d["samples"] = map(int, m.groups()) if m else (None, None, 0)
    m = re.search(r"cost per call (\d+) bytes .*implied ceiling (\d+) calls", text)
    d["cost"], d["ceiling"] = int(m.group(1)), int(m.group(2))
    m = re.search(r"cpu: occupancy (\d+) % \(limit (\d+) %\), (?:new calls limited to (\d+) a "
                  r"second|not limiting)", text)
    d["cpu_occ"], d["cpu_limit_pct"] = (int(m.group(1)), int(m.group(2))) if m else (None, None)
    d["cpu_limit_cps"] = int(m.group(3)) if m and m.group(3) else 0
    for m in re.finditer(r"^ (emergency|priority|ordinary)\s*: (\d+) calls, (\d+) bytes, "
                         r"shed-mode (\S+)\s*\n\s+(.*)$", text, re.M):
        c = {"calls": int(m.group(2)), "bytes": int(m.group(3)), "shed_mode": m.group(4)}
        toks = m.group(5).split()
        for k, v in zip(toks[0::2], toks[1::2]):
            c[k] = int(v)
        d["class"][m.group(1)] = c
    return d


class Background:
    """fn() in a thread; result() joins it and returns its value or raises its exception."""

    def __init__(self, fn):
        self._res = None
        self._exc = None

        def run():
            try:
                self._res = fn()
            except BaseException as e:  # reported by result()
                self._exc = e
        self._t = threading.Thread(target=run, daemon=True)
        self._t.start()

    def done(self):
        return not self._t.is_alive()

    def result(self, timeout=120):
        self._t.join(timeout)
        if self._t.is_alive():
            raise TimeoutError("background job still running")
        if self._exc:
            raise self._exc
        return self._res


class Sampler:
    """Its own telnet session to the gateway's VTY: runs `show admission` every interval s,
    keeps each parsed answer and the round-trip time of each command (s). stop() ends it."""

    def __init__(self, vty_port, interval=0.1, cmd="show admission", timeout=5.0):
        self.samples = []
        self.rtts = []
        self.errors = []
        self._stop = threading.Event()
        self._vty = procs.Vty("127.0.0.1", vty_port, timeout=timeout)
        self._vty.enable()
        self._cmd = cmd
        self._interval = interval
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    def _run(self):
        while not self._stop.is_set():
            t0 = time.monotonic()
            try:
                out = self._vty.command(self._cmd)
            except Exception as e:  # a timeout is a result: recorded
                self.errors.append(f"{type(e).__name__}: {e}")
                return
            self.rtts.append(time.monotonic() - t0)
            try:
                self.samples.append(parse_show_admission(out))
            except (ValueError, AttributeError) as e:
                self.errors.append(f"parse: {e}")
            self._stop.wait(self._interval)

    def stop(self):
        self._stop.set()
        self._t.join(10)
        try:
            self._vty.close()
        except OSError:
            pass

    def percentile(self, p):
        if not self.rtts:
            return None
        s = sorted(self.rtts)
        return s[min(len(s) - 1, int(round(p / 100.0 * (len(s) - 1))))]


def responses(st, code):
    """The received SIP responses with status code from a gwtest.sipp_uac result."""
    return [m for m in st["messages"] if m["status"] == code]


_VIA_OC = re.compile(r"^Via\s*:.*;oc=(\d+).*$", re.I | re.M)


def refusal_fields(msg):
    """(retry_after or None, {oc params of the top Via}) of a received 503."""
    head = msg["text"].split("\n\n", 1)[0]
    ra = re.search(r"^Retry-After\s*:\s*(\d+)", head, re.I | re.M)
    via = re.search(r"^(?:Via|v)\s*:(.*)$", head, re.I | re.M)
    params = {}
    if via:
        for p in via.group(1).split(";")[1:]:
            k, _, v = p.strip().partition("=")
            params[k.lower()] = v.strip('"')
    return (int(ra.group(1)) if ra else None), params
