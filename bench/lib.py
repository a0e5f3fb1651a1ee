"""lib.py - the measuring kit of bench/: processes, /proc CPU and memory sampling, SIPp runs and
their statistics, a SIP latency probe (RFC 3261 UAC over UDP), capacity search, medians.

Standard library only. Every process is started in its own process group and stopped by its pid;
every wait is bounded. CPU per call is the element's user+sys time (/proc/PID/stat, summed over
its process group) over the calls completed in the same interval.
"""
import csv
import glob
import os
import random
import re
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(TOP, "tests", "integration", "lib"))
import procs  # noqa: E402  (Vty, Ctrl: the project's own VTY/CTRL clients)

CLK_TCK = os.sysconf("SC_CLK_TCK")
SOCK_BUF = 4 * 1024 * 1024      # every UDP socket gets 4 MiB: kernel defaults drop bursts
SCENARIOS = os.path.join(HERE, "sipp")
NICE = -10
T1 = 0.5                        # RFC 3261 timer T1, seconds


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --- statistics -------------------------------------------------------------------------------

def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def percentile(values, p):
    """Nearest-rank percentile (p in 0..100) of a list; None for an empty list."""
    if not values:
        return None
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(-(-p * len(s) // 100)) - 1))
    return s[k]


# --- processes --------------------------------------------------------------------------------

def cpu_count():
    return os.cpu_count() or 1


def pin(cores):
    """Prefix for a command under test: pinned to cores (taskset) and, when we may, at nice -10
    so that other work on the machine (builds, tests) disturbs the measurement less."""
    pre = []
    if os.geteuid() == 0 and shutil.which("nice"):
        pre = ["nice", "-n", str(NICE)]
    if cores is None or shutil.which("taskset") is None:
        return pre
    avail = os.sched_getaffinity(0)
    cores = [c for c in cores if c in avail]
    return pre + (["taskset", "-c", ",".join(map(str, cores))] if cores else [])


def start(cmd, log_path, cwd=None, env=None):
    """Start cmd in a new process group, output to log_path -> procs.Proc (stop() by its pid)."""
    return procs.start(cmd, log_path, env=env, cwd=cwd)


def _stat_fields(pid):
    with open(f"/proc/{pid}/stat", "rb") as f:
        raw = f.read().decode(errors="replace")
    return raw[raw.rindex(")") + 2:].split()   # fields from 'state' (field 3) on


def group_pids(pgid):
    """Every live pid whose process group is pgid (a daemon and the children it forked)."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            if int(_stat_fields(int(d))[2]) == pgid:
                out.append(int(d))
        except (OSError, ValueError, IndexError):
            continue
    return out


def cpu_seconds(pids):
    """user+sys seconds consumed so far by pids (children that exited are not counted)."""
    total = 0
    for pid in pids:
        try:
            f = _stat_fields(pid)
            total += int(f[11]) + int(f[12])
        except (OSError, ValueError, IndexError):
            continue
    return total / CLK_TCK


def memory_kib(pids):
    """(rss, pss) in KiB summed over pids. PSS shares pages among the processes that map them,
    so a multi-process element's shared memory is counted once."""
    rss = pss = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1])
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1])
        except (OSError, ValueError):
            continue
    return rss, pss


class Element:
    """The process under test: a Proc plus CPU/memory readings over its whole process group."""

    def __init__(self, proc, name):
        self.proc = proc
        self.name = name
        self.peak_rss = 0

    def pids(self):
        return group_pids(self.proc.pid) or [self.proc.pid]

    def cpu(self):
        return cpu_seconds(self.pids())

    def memory(self):
        rss, pss = memory_kib(self.pids())
        self.peak_rss = max(self.peak_rss, rss)
        return rss, pss

    def alive(self):
        return self.proc.alive()

    def stop(self):
        return self.proc.stop()


class MemWatch:
    """Samples an element's memory every interval seconds while running; keeps the high-water."""

    def __init__(self, element, interval=0.2):
        self.element = element
        self.interval = interval
        self.high_rss = 0
        self.high_pss = 0
        self._next = 0.0

    def poll(self):
        now = time.monotonic()
        if now >= self._next:
            self._next = now + self.interval
            rss, pss = self.element.memory()
            self.high_rss = max(self.high_rss, rss)
            self.high_pss = max(self.high_pss, pss)


def core_times():
    """{core: (busy, total)} jiffies from /proc/stat, to see which core a run saturated."""
    out = {}
    with open("/proc/stat") as f:
        for line in f:
            m = re.match(r"cpu(\d+) (.*)", line)
            if m:
                v = [int(x) for x in m.group(2).split()]
                idle = v[3] + (v[4] if len(v) > 4 else 0)
                out[int(m.group(1))] = (sum(v[:8]) - idle, sum(v[:8]))
    return out


def core_busy(before, after):
    """{core: busy fraction} between two core_times() readings."""
    out = {}
    for c, (b1, t1) in after.items():
        b0, t0 = before.get(c, (b1, t1))
        out[c] = round((b1 - b0) / (t1 - t0), 3) if t1 > t0 else None
    return out


def wait_udp_listen(port, timeout=10.0, proc=None):
    """Wait until something is bound to UDP 127.0.0.1:port (read from /proc/net/udp)."""
    want = f"0100007F:{port:04X}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open("/proc/net/udp") as f:
            if any(want in line.split()[1:2] for line in f):
                return True
        if proc is not None and not proc.alive():
            raise RuntimeError(f"process {proc.pid} exited before UDP {port} was bound:\n"
                               f"{proc.log()[-2000:]}")
        time.sleep(0.05)
    raise TimeoutError(f"nothing bound to UDP 127.0.0.1:{port} after {timeout}s")


def free_port():
    """A port free on 127.0.0.1 for both UDP and TCP a moment ago."""
    for _ in range(50):
        p = procs.free_port(socket.SOCK_DGRAM)
        try:
            with socket.socket() as s:
                s.bind(("127.0.0.1", p))
            return p
        except OSError:
            continue
    raise RuntimeError("no free port")


# --- SIPp ---------------------------------------------------------------------------------------

def sipp_transport(transport):
    return {"udp": "u1", "tcp": "t1"}[transport]


def start_sipp_uas(workdir, port, transport, cores=None, scenario="uas.xml"):
    """A SIPp UAS on 127.0.0.1:port answering every INVITE (180, 200), for the whole measurement."""
    os.makedirs(workdir, exist_ok=True)
    cmd = pin(cores) + ["sipp", "-sf", os.path.join(SCENARIOS, scenario), "-i", "127.0.0.1",
                        "-p", str(port), "-t", sipp_transport(transport), "-nostdin",
                        "-buff_size", str(SOCK_BUF), "-max_recv_loops", "10000",
                        "-max_sched_loops", "10000", "-skip_rlimit"]
    p = start(cmd, os.path.join(workdir, f"uas-{port}.log"), cwd=workdir)
    if transport == "udp":
        wait_udp_listen(port, proc=p)
    else:
        procs.wait_port("127.0.0.1", port, proc=p)
    return p


class SippRun:
    """One SIPp UAC run (uac.xml unless told): rate calls/s, calls in total, hold ms. Results after
    wait(): successful, failed, retrans, elapsed (s), rtd {1: [ms...], 2: [...], 3: [...]}."""

    def __init__(self, workdir, target, transport, rate, calls, hold_ms=100, service="1000",
                 cores=None, scenario="uac.xml", limit=None, timeout=None, extra=()):
        self.workdir = tempfile.mkdtemp(prefix="uac-", dir=workdir)
        self.rate = rate
        self.calls = calls
        self.timeout = timeout or (calls / max(rate, 1) + hold_ms / 1000 + 15)
        self.lport = free_port()
        limit = limit or max(200, int(rate * 3))
        self.cmd = pin(cores) + [
            "sipp", "-sf", os.path.join(SCENARIOS, scenario), target, "-i", "127.0.0.1",
            "-p", str(self.lport), "-t", sipp_transport(transport), "-s", service,
            "-r", str(rate), "-m", str(calls), "-l", str(limit), "-d", str(hold_ms),
            "-buff_size", str(SOCK_BUF), "-nostdin", "-skip_rlimit",
            "-max_recv_loops", "10000", "-max_sched_loops", "10000",
            "-timeout", f"{int(self.timeout)}s", "-trace_stat", "-stf", "stat.csv", "-fd", "1",
            "-trace_rtt", "-rtt_freq", "1"] + list(extra)
        self.proc = None
        self.t0 = None
        self.elapsed = None

    def start(self):
        self.t0 = time.monotonic()
        self.proc = start(self.cmd, os.path.join(self.workdir, "sipp.log"), cwd=self.workdir)
        return self

    def done(self):
        if self.proc.alive():
            return False
        if self.elapsed is None:
            self.elapsed = time.monotonic() - self.t0
        return True

    def wait(self, poll=None):
        """Wait for SIPp to end (bounded by its -timeout plus 10 s); poll() is called meanwhile."""
        deadline = self.t0 + self.timeout + 1.5
        while not self.done():
            if time.monotonic() > deadline:
                self.proc.stop()
                break
            if poll:
                poll()
            time.sleep(0.05)
        if self.elapsed is None:
            self.elapsed = time.monotonic() - self.t0
        return self.results()

    def stop(self):
        if self.proc is not None:
            self.proc.stop()

    def results(self):
        statf = os.path.join(self.workdir, "stat.csv")
        try:
            with open(statf, newline="", errors="replace") as f:
                rows = [r for r in csv.reader(f, delimiter=";") if r]
            d = dict(zip(rows[0], rows[-1]))
            ok, failed = int(d["SuccessfulCall(C)"]), int(d["FailedCall(C)"])
            retrans = int(d.get("Retransmissions(C)", 0) or 0)
            created = int(d.get("OutgoingCall(C)", 0) or 0)
        except (OSError, IndexError, KeyError, ValueError) as e:
            raise RuntimeError(f"SIPp left no statistics ({e}); log:\n{self.proc.log()[-2000:]}")
        rtd = {1: [], 2: [], 3: []}
        span_ms = 0.0
        for path in glob.glob(os.path.join(self.workdir, "*_rtt.csv")):
            with open(path, errors="replace") as f:
                next(f, None)
                for line in f:
                    parts = line.strip().split(";")
                    if len(parts) == 3:
                        try:
                            rtd.setdefault(int(parts[2]), []).append(float(parts[1]))
                            span_ms = max(span_ms, float(parts[0]))
                        except ValueError:
                            continue
        return {"successful": ok, "failed": failed, "retrans": retrans,
                "elapsed": self.elapsed, "answered": len(rtd[2]), "refused": len(rtd[3]),
                "rtd": rtd, "attempted": self.calls, "created": created,
                "span_s": span_ms / 1000}


# --- latency probe ------------------------------------------------------------------------------

class Probe:
    """A small RFC 3261 UAC over UDP that places calls at a low rate next to the SIPp load and times
    INVITE->180 and INVITE->200 (or ->final refusal) with a microsecond clock; SIPp's own RTD
    figures come in steps of its internal clock tick (4 ms here), too coarse for loopback."""

    def __init__(self, target, rate=20.0, hold_ms=100, service="1000", timeout=8.0):
        self.target = target
        self.period = 1.0 / rate
        self.hold = hold_ms / 1000
        self.service = service
        self.timeout = timeout
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, SOCK_BUF)
        self.sock.bind(("127.0.0.1", 0))
        self.lport = self.sock.getsockname()[1]
        self.calls = {}
        self.n = 0
        self.ringing, self.answered, self.refused = [], [], []
        self.lost = 0
        self.tag = f"p{random.randrange(1 << 30)}"

    def _send(self, text):
        self.sock.sendto(text.replace("\n", "\r\n").encode(), self.target)

    def _invite(self, now):
        self.n += 1
        cid = f"{self.tag}-{self.n}@bench"
        c = {"cid": cid, "t0": now, "branch": f"z9hG4bK{self.tag}i{self.n}", "state": "inv",
             "rtx_at": now + T1, "rtx_gap": T1}
        self.calls[cid] = c
        self._send_invite(c)

    def _send_invite(self, c):
        cid = c["cid"]
        sdp = ("v=0\no=probe 1 1 IN IP4 127.0.0.1\ns=-\nc=IN IP4 127.0.0.1\nt=0 0\n"
               "m=audio 6000 RTP/AVP 8\n")
        self._send(f"INVITE sip:{self.service}@{self.target[0]}:{self.target[1]} SIP/2.0\n"
                   f"Via: SIP/2.0/UDP 127.0.0.1:{self.lport};branch={c['branch']}\n"
                   f"From: <sip:probe@127.0.0.1:{self.lport}>;tag={self.tag}\n"
                   f"To: <sip:{self.service}@{self.target[0]}:{self.target[1]}>\n"
                   f"Call-ID: {cid}\nCSeq: 1 INVITE\n"
                   f"Contact: <sip:probe@127.0.0.1:{self.lport}>\nMax-Forwards: 70\n"
                   f"Content-Type: application/sdp\nContent-Length: {len(sdp.replace(chr(10), chr(13) + chr(10)))}\n\n"
                   + sdp)

    def _in_dialog(self, c, method, cseq, branch):
        routes = "".join(f"Route: {r}\n" for r in c["routes"])
        self._send(f"{method} {c['ruri']} SIP/2.0\n"
                   f"Via: SIP/2.0/UDP 127.0.0.1:{self.lport};branch={branch}\n"
                   f"From: <sip:probe@127.0.0.1:{self.lport}>;tag={self.tag}\n"
                   f"To: {c['to']}\nCall-ID: {c['cid']}\nCSeq: {cseq} {method}\n{routes}"
                   f"Max-Forwards: 70\nContent-Length: 0\n\n")

    @staticmethod
    def _headers(msg):
        head = msg.split("\r\n\r\n", 1)[0].split("\r\n")
        status = head[0]
        hdrs = {}
        for line in head[1:]:
            if ":" in line:
                k, v = line.split(":", 1)
                hdrs.setdefault(k.strip().lower(), []).append(v.strip())
        return status, hdrs

    def _rx(self, data, now):
        status, h = self._headers(data.decode(errors="replace"))
        m = re.match(r"SIP/2.0 (\d{3})", status)
        cid = (h.get("call-id") or h.get("i") or [""])[0]
        c = self.calls.get(cid)
        if not m or c is None:
            return
        code = int(m.group(1))
        c["rtx_at"] = None              # any answer ends INVITE retransmission (RFC 3261 17.1.1.2)
        cseq = (h.get("cseq") or [""])[0]
        if cseq.endswith("BYE"):
            if code >= 200:
                self.calls.pop(cid, None)
            return
        if code in (180, 183) and "t180" not in c:
            c["t180"] = now
            self.ringing.append((now - c["t0"]) * 1000)
        elif 200 <= code < 300:
            if c["state"] != "inv":
                return                       # a retransmitted 200: the ACK went already
            self.answered.append((now - c["t0"]) * 1000)
            contact = (h.get("contact") or h.get("m") or [f"<sip:{self.service}@x>"])[0]
            c["ruri"] = contact[contact.find("<") + 1:contact.find(">")] if "<" in contact else contact
            c["to"] = (h.get("to") or h.get("t") or [""])[0]
            rr = []
            for v in h.get("record-route", []):
                rr += [x.strip() for x in v.split(",")]
            c["routes"] = list(reversed(rr))
            # branch: a token (RFC 3261 25.1), so not the Call-ID, whose "@" a strict parser
            # (Sofia's) refuses, dropping the request
            self._in_dialog(c, "ACK", 1, f"z9hG4bK{c['branch'][7:]}a")
            c["state"] = "held"
            c["bye_at"] = now + self.hold
        elif code >= 300 and c["state"] == "inv":
            self.refused.append((now - c["t0"]) * 1000)
            c["to"] = (h.get("to") or [""])[0]
            self._send(f"ACK sip:{self.service}@{self.target[0]}:{self.target[1]} SIP/2.0\n"
                       f"Via: SIP/2.0/UDP 127.0.0.1:{self.lport};branch={c['branch']}\n"
                       f"From: <sip:probe@127.0.0.1:{self.lport}>;tag={self.tag}\n"
                       f"To: {c['to']}\nCall-ID: {cid}\nCSeq: 1 ACK\nMax-Forwards: 70\n"
                       f"Content-Length: 0\n\n")
            self.calls.pop(cid, None)

    def run(self, seconds, until=None, tick=None):
        """Place calls for `seconds` (or until until() says stop), then finish the ones open;
        tick() is called on every turn of the loop (memory sampling)."""
        t_end = time.monotonic() + seconds
        t_next = time.monotonic()
        while True:
            now = time.monotonic()
            placing = now < t_end and not (until and until())
            if placing and now >= t_next:
                self._invite(now)
                t_next += self.period
            for c in list(self.calls.values()):
                if c["state"] == "inv" and c["rtx_at"] is not None and now >= c["rtx_at"]:
                    self._send_invite(c)       # timer A: T1, 2*T1, 4*T1 ...
                    c["rtx_gap"] *= 2
                    c["rtx_at"] = now + c["rtx_gap"]
                if c["state"] == "held" and now >= c["bye_at"]:
                    self._in_dialog(c, "BYE", 2, f"z9hG4bK{c['branch'][7:]}b")
                    c["state"] = "bye"
                if now - c["t0"] > self.timeout:
                    self.lost += 1
                    self.calls.pop(c["cid"], None)
            if tick:
                tick()
            if not placing and not self.calls:
                break
            wait = max(0.0, min(t_next - now if placing else 0.05, 0.05))
            r, _, _ = select.select([self.sock], [], [], wait)
            if r:
                data, _ = self.sock.recvfrom(65535)
                self._rx(data, time.monotonic())
        self.sock.close()
        return {"ringing": self.ringing, "answered": self.answered, "refused": self.refused,
                "lost": self.lost, "placed": self.n}


# --- capacity search ----------------------------------------------------------------------------

def passes(r, max_fail=0.001, duration=None, slack=2.5):
    """A run passes when every call ran to its end, failed or refused calls are at most max_fail,
    and the rate was sustained (the run did not take much longer than planned)."""
    total = r["successful"] + r["failed"]
    # A refused call (503, 486 ...) ends the SIPp scenario normally but is no completed call.
    bad = r["failed"] + r["refused"]
    if total < r["attempted"] or bad > max_fail * r["attempted"]:
        return False
    if duration is not None and r["elapsed"] > duration + slack:
        return False
    return True


def capacity_search(run_at, start_rate, max_rate, resolution, max_steps=12):
    """Highest rate at which run_at(rate) -> (ok, info) passes. Doubles from start_rate until a
    failure (or max_rate), then bisects down to `resolution`; at most max_steps runs.
    Returns (best_rate or 0, [(rate, ok, info), ...])."""
    steps = []
    lo, hi = 0, None
    rate = start_rate
    while len(steps) < max_steps:
        ok, info = run_at(rate)
        steps.append((rate, ok, info))
        if ok:
            lo = rate
            if hi is None:
                if rate >= max_rate:
                    break
                rate = min(rate * 2, max_rate)
                continue
        else:
            hi = rate
        if hi is not None and hi - lo <= resolution:
            break
        rate = (lo + hi) // 2 if lo else max(resolution, hi // 2)
        if lo == 0 and rate < resolution:
            break
        rate = int(round(rate / resolution) * resolution) or resolution
        if rate in (lo, hi):
            break
    return lo, steps


def fmt(v, unit="", nd=0):
    if v is None:
        return "not measured"
    return f"{v:,.{nd}f}{unit}"


def stop_all(*things):
    for t in things:
        try:
            if t is not None:
                t.stop()
        except Exception as e:   # cleanup goes on for the others
            log(f"stop failed: {e}")


def kill_pid(pid):
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
