"""gwtest.py - end-to-end fixture: the gateway daemon between SIPp and the PSTN simulator.

A Bench writes a gateway config and a pstn-sim command line into a temporary directory with free
ports, starts pstn-sim, then a wire tap (an M3UA TCP relay that decodes every message both ways
with lib/sigtran.py, independently of the C codecs), then the gateway pointed at the tap. It waits
until the ASP is ACTIVE (ASPAC_ACK seen on the wire, the simulator's asp.active counter, and the
gateway's own VTY) and the circuit resets of the start are answered, exposes VTY/CTRL clients, the
gateway's counters (`show rate-counters`), the simulator's summary counters and the tap's record,
and stops everything by pid. Logs are kept (and their tails printed) when a test fails.

    with gwtest.Bench("basic", sim_rules=["33:answer:0"]) as b:
        rc, st = b.sipp_uac("call_uac_answer.xml", service="+33212345678", calls=1)
        iams = b.tap.isup("IAM", "gw>sim")

Every wait is bounded; nothing is killed by name.
"""
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sigtran import DecodeError, M3uaFramer, isup, m3ua  # noqa: E402
import peers  # noqa: E402
import procs  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
SCEN = os.path.join(ROOT, "sipp-scenarios")
GW_BIN = os.environ.get("SIPISUP_GW", os.path.join(ROOT, "gateway", "sipisup-gw"))
SIM_BIN = os.environ.get("PSTN_SIM", os.path.join(ROOT, "tools", "pstn-sim", "pstn-sim"))

GW_PC = "0.0.1"      # the gateway's point code (1)
SIM_PC = "0.0.2"     # the simulator's point code (2): higher, it controls the even CICs
GW_PC_NUM, SIM_PC_NUM = 1, 2


# --- small helpers ----------------------------------------------------------------------------

def _die_with_parent():
    """In the child before exec: its own session (as procs.start does), and SIGTERM when the
    test process dies, so a test killed at its time limit leaves no daemon behind."""
    import ctypes
    os.setsid()
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG


def start(cmd, log_path, cwd=None):
    """procs.start with the child tied to this process's life -> procs.Proc."""
    with open(log_path, "wb") as log:
        p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             cwd=cwd, preexec_fn=_die_with_parent)
    return procs.Proc(p, log_path, cmd)


class Checker:
    """Collects results: check() prints ok/FAIL per assertion, finish() gives the exit code."""

    def __init__(self):
        self.failures = []

    def check(self, cond, what):
        print(("ok   " if cond else "FAIL ") + what, flush=True)
        if not cond:
            self.failures.append(what)
        return bool(cond)

    def eq(self, got, want, what):
        return self.check(got == want, f"{what}: {got!r} (want {want!r})")

    def ge(self, got, want, what):
        return self.check(got is not None and got >= want, f"{what}: {got!r} (want >= {want!r})")

    def finish(self):
        if self.failures:
            print(f"{len(self.failures)} check(s) failed:")
            for f in self.failures:
                print("  - " + f)
            return 1
        print("all checks passed")
        return 0


def skip(why):
    print(why)
    sys.exit(77)


def need_tools(gateway=True, sim=True):
    """Exit 77 (skipped, with the reason) when a program the test needs is not there."""
    if shutil.which("sipp") is None:
        skip("sipp (package sip-tester) is not installed")
    if sim and not os.access(SIM_BIN, os.X_OK):
        skip(f"{os.path.relpath(SIM_BIN, ROOT)} is not built")
    if gateway and not os.access(GW_BIN, os.X_OK):
        skip(f"{os.path.relpath(GW_BIN, ROOT)} is not built")


def wait_until(pred, timeout, interval=0.05, what="condition"):
    """Poll pred() until it returns a true value (returned) or timeout (TimeoutError)."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{what} not reached within {timeout}s")
        time.sleep(interval)


def wait_udp_listener(port, timeout=5.0):
    """Wait until something is bound to UDP 127.0.0.1:port (a SIPp UAS)."""
    def bound():
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                return True
            return False
    wait_until(bound, timeout, what=f"a UDP listener on port {port}")


def free_udp_port():
    return procs.free_port(socket.SOCK_DGRAM)


def free_port_both():
    """A port free for TCP and UDP alike (SIP listens on both)."""
    for _ in range(50):
        p = procs.free_port()
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            try:
                s.bind(("127.0.0.1", p))
            except OSError:
                continue
        return p
    raise RuntimeError("no port free for TCP and UDP")


# --- SIPp -------------------------------------------------------------------------------------

_MSG_SPLIT = re.compile(r"^-{20,} [^\n]*\n", re.M)
_REASON = re.compile(r"^Reason\s*:.*?Q\.850\s*;\s*cause\s*=\s*(\d+)", re.I | re.M)


def parse_sipp_messages(path):
    """SIPp -trace_msg log -> list of dicts for each message received: 'first' (start line),
    'status' (int, responses) or 'method', 'reason' (Q.850 cause or None), 'text'."""
    try:
        with open(path, errors="replace") as f:
            data = f.read()
    except OSError:
        return []
    out = []
    for block in _MSG_SPLIT.split(data):
        lines = block.split("\n", 1)
        if len(lines) < 2 or "message received" not in lines[0]:
            continue
        text = lines[1].lstrip("\n")
        first = text.split("\n", 1)[0].strip()
        d = {"first": first, "text": text, "status": None, "method": None}
        if first.startswith("SIP/2.0 "):
            try:
                d["status"] = int(first.split()[1])
            except (IndexError, ValueError):
                pass
        else:
            d["method"] = first.split(" ", 1)[0]
        m = _REASON.search(text.split("\n\n", 1)[0])
        d["reason"] = int(m.group(1)) if m else None
        out.append(d)
    return out


def _sipp_cmd(scenario, port, calls, rate, extra, service=None, remote=None, limit=None):
    cmd = ["-sf", os.path.join(SCEN, scenario), "-i", "127.0.0.1", "-p", str(port),
           "-r", str(rate), "-max_recv_loops", "1000",
           "-trace_msg", "-message_file", "messages.log", "-trace_err", "-error_file", "errors.log"]
    if calls is not None:  # None: a UAS that serves until its -timeout
        cmd += ["-m", str(calls), "-l", str(limit or calls)]
    if service is not None:
        cmd += ["-s", service]
    cmd += list(extra)
    if remote:
        cmd.append(remote)
    return cmd


def _sipp_result(rc, st, workdir):
    msgs = parse_sipp_messages(os.path.join(workdir, "messages.log"))
    st["messages"] = msgs
    st["received"] = [str(m["status"]) if m["status"] else m["method"] for m in msgs]
    st["reasons"] = [m["reason"] for m in msgs if m["reason"] is not None]
    st["workdir"] = workdir
    try:
        with open(os.path.join(workdir, "errors.log"), errors="replace") as f:
            st["errors"] = f.read()[-3000:]
    except OSError:
        st["errors"] = ""
    return rc, st


def sipp_uac(scenario, remote, service, calls=1, rate=10, extra=(), timeout=30, workdir=None,
             port=None, limit=None):
    """Run a UAC scenario against remote ("ip:port"); returns (rc, stats) as procs.sipp does,
    with 'received' (status codes / request methods received, in order), 'reasons' (Q.850
    causes of received Reason headers) and 'messages' added."""
    workdir = workdir or tempfile.mkdtemp(prefix="sipp-")
    port = port or free_udp_port()
    rc, st = procs.sipp(_sipp_cmd(scenario, port, calls, rate, extra, service, remote, limit),
                        timeout=timeout, workdir=workdir)
    return _sipp_result(rc, st, workdir)


class SippUas:
    """A SIPp UAS in the background (its own thread runs procs.sipp); result() joins it.
    calls=None serves every call until the timeout (seconds) ends SIPp."""

    def __init__(self, scenario, calls, port=None, timeout=60, extra=(), workdir=None):
        self.port = port or free_udp_port()
        self.workdir = workdir or tempfile.mkdtemp(prefix="sipp-uas-")
        self._res = None
        self._exc = None
        args = _sipp_cmd(scenario, self.port, calls, 10, extra)

        def run():
            try:
                self._res = _sipp_result(*procs.sipp(args, timeout=timeout, workdir=self.workdir),
                                         self.workdir)
            except Exception as e:  # reported by result()
                self._exc = e
        self._t = threading.Thread(target=run, daemon=True)
        self._t.start()
        wait_udp_listener(self.port)

    def result(self, timeout=90):
        self._t.join(timeout)
        if self._t.is_alive():
            raise TimeoutError("SIPp UAS still running")
        if self._exc:
            raise self._exc
        return self._res


# --- pstn-sim ---------------------------------------------------------------------------------

def parse_sim_summary(text):
    """'pstn-sim: key value' lines -> {key: int} (the last value of a key wins)."""
    d = {}
    for m in re.finditer(r"^pstn-sim: (\S+) (\d+)\s*$", text, re.M):
        d[m.group(1)] = int(m.group(2))
    return d


class Sim:
    """pstn-sim with a UDP control port; cmd() runs a control command, summary() reads its
    counters live, stop() ends it by pid and keeps the final summary it prints."""

    def __init__(self, workdir, args, name="pstn-sim"):
        """args: pstn-sim options ('--rule', '33:answer:0', ...), written with the link settings
        into WORKDIR/pstn-sim.cfg ('option value' lines) which the simulator reads."""
        self.port = procs.free_port()
        self.control_port = free_udp_port()
        self.log_path = os.path.join(workdir, f"{name}.log")
        opts = ["--listen", "127.0.0.1", "--port", str(self.port), "--local-pc", SIM_PC,
                "--remote-pc", GW_PC, "--control-port", str(self.control_port)] + list(args)
        if len(opts) % 2 or not all(o.startswith("--") for o in opts[::2]):
            raise ValueError(f"pstn-sim options must be '--option value' pairs: {args}")
        self.cfg_path = os.path.join(workdir, f"{name}.cfg")
        pairs = list(zip(opts[::2], opts[1::2]))
        with open(self.cfg_path, "w") as f:  # --timer is a command-line option only
            f.write("# written by tests/integration/lib/gwtest.py\n")
            f.writelines(f"{o[2:]} {v}\n" for o, v in pairs if o != "--timer")
        cmd = [SIM_BIN, "-c", self.cfg_path] + [x for o, v in pairs if o == "--timer" for x in (o, v)]
        self.cmdline = cmd
        self.proc = start(cmd, self.log_path)
        wait_until(lambda: "pstn-sim ready" in self.proc.log() or not self.proc.alive(), 10,
                   what="pstn-sim ready")
        if not self.proc.alive():
            raise RuntimeError(f"pstn-sim exited {self.proc.returncode}: {self.proc.log()[-2000:]}")
        self.final = None

    def cmd(self, line, timeout=3.0):
        """One control command; returns the reply text ('ok', 'error: ...', or summary lines)."""
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(timeout)
            s.sendto(line.encode(), ("127.0.0.1", self.control_port))
            data, _ = s.recvfrom(65536)
        return data.decode(errors="replace")

    def must(self, line):
        r = self.cmd(line).strip()
        if r != "ok":
            raise RuntimeError(f"pstn-sim refused {line!r}: {r}")

    def summary(self):
        return parse_sim_summary(self.cmd("summary"))

    def wait_counter(self, key, value, timeout=10.0):
        """Wait until summary()[key] >= value; returns the last summary."""
        last = {}

        def reached():
            nonlocal last
            last = self.summary()
            return last.get(key, 0) >= value
        try:
            wait_until(reached, timeout, interval=0.1, what=f"pstn-sim {key} >= {value}")
        except TimeoutError:
            raise TimeoutError(f"pstn-sim {key} = {last.get(key)} after {timeout}s, want >= {value}")
        return last

    def stop(self):
        if self.proc.alive():
            self.proc.stop(timeout=5)
        self.final = parse_sim_summary(self.proc.log())
        return self.final


# --- wire tap ---------------------------------------------------------------------------------

class WireTap:
    """An M3UA-over-TCP relay between the gateway (ASP, connects here) and the simulator (SG).
    Every message is forwarded unchanged and also decoded by lib/sigtran.py; records are dicts
    {t, dir ('gw>sim' or 'sim>gw'), m3ua (name), isup (decoded dict or None), error}. When either
    side closes, the other is closed too and the next connection from the gateway is relayed
    again (the association-loss tests)."""

    def __init__(self, upstream_port):
        self.upstream = ("127.0.0.1", upstream_port)
        self.records = []
        self.errors = []
        self.sessions = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._pair = None
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(4)
        self.listener.settimeout(0.1)
        self.port = self.listener.getsockname()[1]
        self._acceptor = threading.Thread(target=self._accept_loop, daemon=True)
        self._acceptor.start()

    def _accept_loop(self):
        while not self._stop.is_set():
            try:
                down, _ = self.listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            try:
                up = socket.create_connection(self.upstream, timeout=2.0)
            except OSError as e:
                self.errors.append(f"upstream connect: {e}")
                down.close()
                continue
            for s in (down, up):
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                s.settimeout(0.1)
            with self._lock:
                self.sessions += 1
                self._pair = (down, up)
            done = threading.Event()
            a = threading.Thread(target=self._pump, args=(down, up, "gw>sim", done), daemon=True)
            b = threading.Thread(target=self._pump, args=(up, down, "sim>gw", done), daemon=True)
            a.start()
            b.start()
            while not done.is_set() and not self._stop.is_set():
                done.wait(0.1)
            for s in (down, up):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            a.join(2)
            b.join(2)
            for s in (down, up):
                s.close()
            with self._lock:
                self._pair = None

    def _pump(self, src, dst, direction, done):
        framer = M3uaFramer()
        try:
            while not done.is_set() and not self._stop.is_set():
                try:
                    data = src.recv(65536)
                except socket.timeout:
                    continue
                if not data:
                    break
                dst.sendall(data)
                try:
                    frames = framer.feed(data)
                except DecodeError as e:
                    self.errors.append(f"{direction} framing: {e}")
                    framer = M3uaFramer()
                    continue
                for raw in frames:
                    self._record(direction, raw)
        except OSError as e:
            if not done.is_set():
                self.errors.append(f"{direction}: {e}")
        finally:
            done.set()

    def _record(self, direction, raw):
        rec = {"t": time.monotonic(), "dir": direction, "m3ua": None, "isup": None, "error": None}
        try:
            msg = m3ua.decode(raw)
            rec["m3ua"] = msg.name
            if msg.name == "DATA" and "protocol_data" in msg:
                pd = msg["protocol_data"]
                rec["label"] = {k: pd[k] for k in ("opc", "dpc", "si", "ni", "sls")}
                if pd["si"] == 5:
                    rec["isup"] = isup.decode(pd["data"])
        except (DecodeError, KeyError, ValueError) as e:
            rec["error"] = str(e)
            self.errors.append(f"{direction} decode: {e}")
        with self._lock:
            self.records.append(rec)

    # --- queries ---------------------------------------------------------------------------
    def isup(self, type_name=None, direction=None, cic=None, since=0.0):
        """Decoded ISUP messages (dicts, with '_t' and '_dir' added), filtered."""
        with self._lock:
            recs = list(self.records)
        out = []
        for r in recs:
            m = r["isup"]
            if m is None or r["t"] < since:
                continue
            if type_name and m["type_name"] != type_name:
                continue
            if direction and r["dir"] != direction:
                continue
            if cic is not None and m["cic"] != cic:
                continue
            out.append(dict(m, _t=r["t"], _dir=r["dir"], _label=r.get("label")))
        return out

    def m3ua(self, name=None, direction=None, since=0.0):
        with self._lock:
            recs = list(self.records)
        return [r for r in recs if r["m3ua"] and r["t"] >= since and (name is None or r["m3ua"] == name)
                and (direction is None or r["dir"] == direction)]

    def wait_isup(self, type_name, direction, count, timeout=10.0, since=0.0):
        """Wait until at least count such ISUP messages were seen; returns them."""
        try:
            return wait_until(lambda: (lambda l: l if len(l) >= count else None)(
                self.isup(type_name, direction, since=since)), timeout,
                what=f"{count} x {type_name} {direction}")
        except TimeoutError:
            got = len(self.isup(type_name, direction, since=since))
            raise TimeoutError(f"{type_name} {direction}: {got} seen within {timeout}s, want {count}")

    def summary(self, since=0.0):
        """{'gw>sim IAM': n, ...} counts of ISUP by direction and type, and M3UA by name."""
        c = {}
        with self._lock:
            recs = list(self.records)
        for r in recs:
            if r["t"] < since:
                continue
            key = f"{r['dir']} {r['isup']['type_name'] if r['isup'] else r['m3ua']}"
            c[key] = c.get(key, 0) + 1
        return c

    def close(self):
        self._stop.set()
        self._acceptor.join(3)
        self.listener.close()


# --- the gateway ------------------------------------------------------------------------------

def gateway_config(b):
    """The gateway's VTY config for a bench (the syntax of docs/examples/sipisup-gw.cfg)."""
    lines = [
        "log stderr",
        " logging filter all 1",
        " logging color 0",
        " logging print category 1",
        " logging print extended-timestamp 1",
        f" logging level set-all {b.log_level}",
        "line vty",
        f" bind 127.0.0.1 {b.vty_port}",
        "gateway",
        f" point-code {GW_PC}",
        " network-indicator national",
        f" ctrl-port {b.ctrl_port}",
    ]
    lines += [f" timer call {k} {v}" for k, v in b.call_timers.items()]
    lines += [
        "asp pstn-1",
        " transport tcp",
        " remote-ip 127.0.0.1",
        f" remote-port {b.m3ua_port}",
        " timer reconnect-min 200",
        " timer reconnect-max 1000",
        "as pstn",
        " traffic-mode override",
        " asp pstn-1",
    ]
    for g in b.groups:
        lines += [f"circuit-group {g['name']}", f" dpc {g.get('dpc', SIM_PC)}",
                  f" cic {g['first']} {g['last']}", f" hunting {g.get('hunting', 'ascending')}"]
        lines += [" " + x for x in g.get("extra", [])]
    lines += ["sip", f" listen udp 127.0.0.1 {b.sip_port}", " trusted 127.0.0.0/8"]
    lines += ["admission", " budget 256M", " rate global 0"]
    for r in b.routes:
        lines += [f"route {r['prefix']}"] + [" " + x for x in r["lines"]]
    lines += b.gw_extra
    return "\n".join(lines) + "\n"


def parse_rate_counters(text):
    """`show rate-counters` -> {group description: {counter name: value}}."""
    groups = {}
    cur = None
    for line in text.splitlines():
        if not line.strip():
            continue
        m = re.match(r"^\s*(.+?):\s+(\d+)(?:\s|$)", line)
        if m and cur is not None:
            groups[cur][m.group(1).strip()] = int(m.group(2))
            continue
        if line.rstrip().endswith(":"):
            cur = line.strip()[:-1]
            groups.setdefault(cur, {})
    return groups


class Counters:
    """The gateway's rate counters by name; get('calls:answered') raises if the name is in
    several groups (then give group=)."""

    def __init__(self, groups):
        self.groups = groups

    def get(self, name, group=None, default=None):
        if group is not None:
            for g, ctrs in self.groups.items():
                if g.startswith(group) and name in ctrs:
                    return ctrs[name]
            return default
        found = [(g, c[name]) for g, c in self.groups.items() if name in c]
        if not found:
            return default
        if len({v for _, v in found}) > 1:
            raise KeyError(f"counter {name} is in several groups: {found}")
        return found[0][1]

    def __getitem__(self, name):
        v = self.get(name)
        if v is None:
            raise KeyError(f"no gateway counter {name}; groups: {list(self.groups)}")
        return v


class Gateway:
    def __init__(self, bench):
        self.b = bench
        self.cfg_path = os.path.join(bench.workdir, "sipisup-gw.cfg")
        with open(self.cfg_path, "w") as f:
            f.write(gateway_config(bench))
        self.log_path = os.path.join(bench.workdir, "sipisup-gw.log")
        self.proc = start([GW_BIN, "-c", self.cfg_path], self.log_path, cwd=bench.workdir)
        procs.wait_port("127.0.0.1", bench.vty_port, timeout=10, proc=self.proc)
        self.vty = procs.Vty("127.0.0.1", bench.vty_port)
        self.vty.enable()

    def cmd(self, line, check=False):
        return self.vty.command(line, check=check)

    def counters(self):
        return Counters(parse_rate_counters(self.cmd("show rate-counters")))

    def ctrl(self):
        """A CTRL client on the bench's port ('gateway' / 'ctrl-port'). Counters read as
        rate_ctr.abs.call.0.calls:answered."""
        return procs.Ctrl("127.0.0.1", self.b.ctrl_port)

    def log(self):
        return self.proc.log()

    def stop(self):
        try:
            self.vty.close()
        except OSError:
            pass
        return self.proc.stop(timeout=5)


# --- the bench --------------------------------------------------------------------------------

class Bench:
    """pstn-sim + wire tap + gateway. sim_args: extra pstn-sim options (rules, origination);
    groups: circuit groups [{'name','first','last'}]; routes: [{'prefix', 'lines'}] (default: one
    group of CICs 1-31 and `route default` to it); call_timers: {'T9': 3}; tap=False connects
    the gateway straight to the simulator; python_sg=True puts a scripted SG (peers.M3uaServer,
    as .sg) in place of the simulator, for exchanges the simulator cannot produce on demand."""

    def __init__(self, name, sim_args=(), groups=None, routes=None, call_timers=None,
                 gw_extra=(), cics="1-31", tap=True, log_level=os.environ.get("GWTEST_LOG_LEVEL", "notice"), keep=False, chk=None,
                 python_sg=False):
        need_tools(sim=not python_sg)
        self.name = name
        self.chk = chk
        self.workdir = tempfile.mkdtemp(prefix=f"e2e-{name}-")
        self.keep = keep
        self.log_level = log_level
        self.sip_port = free_port_both()
        self.vty_port = procs.free_port()
        self.ctrl_port = procs.free_port()
        self.groups = groups or [{"name": "g1", "first": 1, "last": 31}]
        self.routes = routes or [{"prefix": "default", "lines": ["name pstn",
                                                                 f"isup dpc {SIM_PC} circuit-group g1"]}]
        self.call_timers = call_timers or {}
        self.gw_extra = list(gw_extra)
        self.sim = self.tap = self.gw = self.sg = None
        self.started = time.monotonic()
        try:
            if python_sg:
                self.sg = peers.M3uaServer()
                self.m3ua_port = self.sg.port
                self.gw = Gateway(self)
                self.sg.wait_active(15)
                wait_until(self.gw_says_active, 15, interval=0.2, what="gateway VTY: ASP ACTIVE")
                return
            self.sim = Sim(self.workdir, ["--cics", cics] + list(sim_args))
            self.tap = WireTap(self.sim.port) if tap else None
            self.m3ua_port = self.tap.port if tap else self.sim.port
            self.gw = Gateway(self)
            self.wait_ready()
        except BaseException:
            self.close(failed=True)
            raise

    @property
    def sip_remote(self):
        return f"127.0.0.1:{self.sip_port}"

    def asp_active_on_wire(self, since=0.0):
        return bool(self.tap.m3ua("ASPAC_ACK", "sim>gw", since=since)) if self.tap else True

    def wait_ready(self, timeout=15.0, since=0.0, actives=1):
        """ASP active (on the wire, at the simulator, in the gateway's VTY) and every GRS the
        gateway sent answered with a GRA."""
        self.sim.wait_counter("asp.active", actives, timeout)
        wait_until(lambda: self.asp_active_on_wire(since), timeout, what="ASPAC_ACK on the wire")
        wait_until(self.gw_says_active, timeout, interval=0.2, what="gateway VTY: ASP ACTIVE")
        if self.tap:
            def resets_done():
                grs = len(self.tap.isup("GRS", "gw>sim", since=since))
                gra = len(self.tap.isup("GRA", "sim>gw", since=since))
                return gra >= grs
            wait_until(resets_done, timeout, what="GRA for every GRS of the start")
        time.sleep(0.3)

    def gw_says_active(self):
        out = self.gw.cmd("show asp")
        if out.startswith("%"):
            raise RuntimeError(f"gateway VTY 'show asp' failed: {out}")
        return re.search(r"\bACTIVE\b", out) is not None

    def sipp_uac(self, scenario, service, calls=1, rate=10, extra=(), timeout=60, limit=None):
        return sipp_uac(scenario, self.sip_remote, service, calls, rate, extra, timeout,
                        workdir=tempfile.mkdtemp(prefix="sipp-", dir=self.workdir), limit=limit)

    def sipp_uas(self, scenario, calls, timeout=60, extra=(), port=None):
        return SippUas(scenario, calls, port=port, timeout=timeout, extra=extra,
                       workdir=tempfile.mkdtemp(prefix="sipp-uas-", dir=self.workdir))

    def close(self, failed=False):
        if self.gw:
            self.gw.stop()
        if self.tap:
            self.tap.close()
        if self.sg:
            self.sg.close()
        if self.sim:
            self.sim.stop()
        if failed:
            for name in ("sipisup-gw.log", "pstn-sim.log"):
                p = os.path.join(self.workdir, name)
                if os.path.exists(p):
                    with open(p, errors="replace") as f:
                        tail = f.read()[-4000:]
                    print(f"---- {name} (tail; kept in {self.workdir}) ----\n{tail}")
            if self.tap and self.tap.errors:
                print("---- wire tap errors ----\n" + "\n".join(self.tap.errors[:20]))
        elif not self.keep:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        self.close(failed=exc_type is not None or bool(self.chk and self.chk.failures))
        return False


def run(test_fn, name):
    """Run test_fn(chk) with a Checker; a Bench it opens must be closed by the test (with). The
    Checker's failures, or an exception, fail the test; logs are printed by the Bench."""
    chk = Checker()
    try:
        test_fn(chk)
    except Exception as e:
        import traceback
        traceback.print_exc()
        chk.failures.append(f"{name}: {type(e).__name__}: {e}")
    return chk.finish()
