"""gateway_bench.py - the gateway side of bench/run-all: gateway/sipisup-gw between SIPp (SIP over
UDP/TCP) and tools/pstn-sim (M3UA over TCP, ISUP answered at once), on loopback.

Measures, with the same kit as the Kamailio anchor (lib.py, measure.py): capacity, CPU per call
and latency; memory per held call (slope of jemalloc's allocated bytes, read from `show admission`,
and of RSS); the overload curve (goodput, refusal latency, CPU per refusal, memory high-water,
emergency calls completed) and the `show admission` round trip over telnet during the 10x run.
The gateway is pinned to core 1; SIPp and pstn-sim share core 0.
"""
import os
import re
import threading
import time

import lib
import measure

# The binaries of this tree; BENCH_GW / BENCH_PSTN_SIM point elsewhere (another build).
GW = os.environ.get("BENCH_GW") or os.path.join(lib.TOP, "gateway", "sipisup-gw")
SIM = os.environ.get("BENCH_PSTN_SIM") or os.path.join(lib.TOP, "tools", "pstn-sim", "pstn-sim")
TEMPLATE = os.path.join(lib.HERE, "gateway.cfg.tmpl")
CICS_PER_SIM = 4000           # pstn-sim terminates at most 4096 circuits (12-bit CIC)
MAX_SIMS = 32                 # the gateway takes 32 AS (one per switch)
EMERGENCY_CICS = 200          # circuits of each group kept for emergency calls (5 %)
GW_PC = "0.2.1"
EMERGENCY = "112"
ALLOC_RE = re.compile(r"jemalloc: measured (\d+) bytes above baseline (\d+)")


def missing():
    """Why the gateway side cannot run in this tree, or None."""
    for path in (GW, SIM):
        if not os.access(path, os.X_OK):
            return f"{os.path.relpath(path, lib.TOP)} is not built in this tree"
    if not os.path.exists(TEMPLATE):
        return f"{os.path.relpath(TEMPLATE, lib.TOP)} is missing"
    return None


def sim_pc(i):
    """Point code of the i-th pstn-sim (ITU 3-8-3)."""
    return f"1.{10 + i}.2"


def held_prefix(i):
    """Called-number prefix routed to the i-th pstn-sim."""
    return f"4{i:02d}"


def render_config(sip_port, vty_port, sims, budget_mb, rate_global):
    """The gateway config from bench/gateway.cfg.tmpl: per pstn-sim an ASP, an AS, a circuit
    group, a route by prefix and a destination line."""
    with open(TEMPLATE) as f:
        tmpl = f.read()
    links, routes, dests = [], [], []
    for i, s in enumerate(sims):
        links.append(f"asp sg{i}\n transport tcp\n remote-ip 127.0.0.1\n remote-port {s['port']}\n"
                     f" send-queue 4096\n!\n"
                     f"as pstn{i}\n traffic-mode override\n routing-context {i + 1}\n asp sg{i}\n!\n"
                     f"circuit-group pstn{i}\n dpc {s['pc']}\n cic 1 {CICS_PER_SIM}\n"
                     f" hunting ascending\n emergency-reserve {EMERGENCY_CICS}\n"
                     f" grs-pacing 5\n grs-outstanding 16\n!\n")
        routes.append(f"route {held_prefix(i)}\n name pstn-{held_prefix(i)}\n"
                      f" isup dpc {s['pc']} circuit-group pstn{i}\n nai default subscriber\n")
        dests.append(f" destination {s['pc']} as pstn{i}\n")
    return tmpl.format(sip_port=sip_port, vty_port=vty_port, gw_pc=GW_PC, sim_pc=sims[0]["pc"],
                       links="".join(links), routes="".join(routes), dests="".join(dests),
                       budget_mb=budget_mb, rate_global=rate_global, emergency=EMERGENCY)


class GatewayTarget:
    name = "gateway"

    def __init__(self, workdir, budget_mb=1024, rate_global=0, sims=1):
        self.workdir = os.path.join(workdir, "gateway")
        os.makedirs(self.workdir, exist_ok=True)
        two = lib.cpu_count() >= 2
        self.element_cores = [1] if two else None
        self.sipp_cores = [0] if two else None
        self.budget_mb = budget_mb
        self.rate_global = rate_global
        self.n_sims = sims
        self.sims = []
        self.element = None
        self.address = None
        self.vty_port = None

    def start(self, transport, attempts=20):
        """Start pstn-sim and the gateway; retried while another gateway on this machine holds
        the CTRL port (fixed at 4251: libosmocore 1.7's CTRL bind takes no port)."""
        for i in range(attempts):
            try:
                return self._start(transport)
            except RuntimeError as e:
                if "cannot open the CTRL interface" not in str(e) or i == attempts - 1:
                    raise
                lib.log("CTRL port 4251 taken by another process; retrying in 3 s")
                time.sleep(3)

    def _start(self, transport):
        self.sims = []
        for i in range(self.n_sims):
            port = lib.free_port()
            cmd = lib.pin(self.sipp_cores) + [
                SIM, "--listen", "127.0.0.1", "--port", str(port), "--local-pc",
                sim_pc(i), "--remote-pc", GW_PC, "--routing-context", str(i + 1),
                "--cics", f"1-{CICS_PER_SIM}", "--rule", "default:answer:0", "--log-level", "7"]
            proc = lib.start(cmd, os.path.join(self.workdir, f"pstn-sim-{i}-{port}.log"))
            self.sims.append({"proc": proc, "port": port, "pc": sim_pc(i), "cmd": cmd})
        for s in self.sims:
            lib.procs.wait_port("127.0.0.1", s["port"], proc=s["proc"])
        sip_port = lib.free_port()
        self.vty_port = lib.free_port()
        cfg = os.path.join(self.workdir, f"gw-{sip_port}.cfg")
        with open(cfg, "w") as f:
            f.write(render_config(sip_port, self.vty_port, self.sims, self.budget_mb,
                                  self.rate_global))
        cmd = lib.pin(self.element_cores) + [GW, "-c", cfg]
        proc = lib.start(cmd, os.path.join(self.workdir, f"gw-{sip_port}.log"), cwd=self.workdir)
        self.element = lib.Element(proc, self.name)
        self.address = ("127.0.0.1", sip_port)
        self.command = " ".join(cmd) + f"  (config: bench/gateway.cfg.tmpl); pstn-sim: " \
            + " ".join(self.sims[0]["cmd"])
        try:
            lib.procs.wait_port("127.0.0.1", self.vty_port, proc=proc)
            if transport == "udp":
                lib.wait_udp_listen(sip_port, proc=proc)
            else:
                lib.procs.wait_port("127.0.0.1", sip_port, proc=proc)
            self._wait_ready()
            _circuits_ready(self)
        except Exception:
            self.stop()
            raise
        return self

    def _wait_ready(self, timeout=15.0):
        """Until one test call goes through (ASPs active, circuits reset), bounded."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            probe = lib.Probe(self.address, rate=10, service="2000000001")
            r = probe.run(0.15)
            if r["answered"]:
                return
            last = r
            time.sleep(0.5)
        raise RuntimeError(f"the gateway answered no call within {timeout}s ({last}); log:\n"
                           f"{self.element.proc.log()[-2000:]}")

    def vty(self):
        v = lib.procs.Vty("127.0.0.1", self.vty_port, timeout=5.0)
        v.enable()
        return v

    def allocated(self, vty=None):
        """jemalloc allocated bytes (measured + baseline) from `show admission`, or None."""
        own = vty is None
        vty = vty or self.vty()
        try:
            m = ALLOC_RE.search(vty.command("show admission"))
        finally:
            if own:
                vty.close()
        return int(m.group(1)) + int(m.group(2)) if m else None

    def stop(self):
        lib.stop_all(self.element, *[s["proc"] for s in self.sims])
        self.element = None
        self.sims = []


def _sample_interval_wait():
    time.sleep(0.4)   # the template samples jemalloc every 100 ms


def _circuits_ready(t, timeout=60.0):
    """Until no circuit group has a GRS queued or awaiting its GRA (start-up resets, paced 32
    circuits a tick), bounded: a held call must not land on a circuit still being reset."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = t.vty()
        try:
            out = v.command("show cic summary", timeout=10.0)
        finally:
            v.close()
        queued = sum(int(x) for x in re.findall(r"GRS queued (\d+) circuits", out))
        gra = sum(int(x) for x in re.findall(r"wait-gra (\d+)", out))
        if queued == 0 and gra == 0 and out.count("circuit-group") == t.n_sims:
            return
        time.sleep(1)
    raise RuntimeError(f"circuits still being reset after {timeout:.0f}s")


def held_calls(workdir, p):
    """Memory per held call: ramp to each of p['held'] held calls (long hold) spread over as many
    pstn-sims as their circuits need (3,800 each: 4,000 less the 200 kept for emergency calls;
    one AS and circuit group per simulator, routed
    by called-number prefix); 6 s after each step (INVITE transactions linger 5 s) read jemalloc
    allocated and RSS; slope from zero calls."""
    points = sorted(p["held"])
    usable = CICS_PER_SIM - EMERGENCY_CICS      # ordinary calls leave the emergency circuits
    n_sims = -(-points[-1] // usable)
    if n_sims > MAX_SIMS:
        raise RuntimeError(f"{points[-1]} held calls need {n_sims} pstn-sims; the gateway takes "
                           f"{MAX_SIMS} AS")
    # 3.3 KB a held call plus the INVITE transactions of the last 5 s: 16 KiB a call is ample
    t = GatewayTarget(workdir, budget_mb=max(1024, points[-1] * 16 // 1024), sims=n_sims)
    t.start("udp")
    runs = []
    res = {}
    try:
        time.sleep(1)
        _sample_interval_wait()
        a0 = t.allocated()
        r0, _ = t.element.memory()
        held = 0
        per_sim = [0] * n_sims
        for n in points:
            step_t0 = time.monotonic()
            # fill the simulators in turn, one SIPp per simulator and step, one at a time
            for i in range(n_sims):
                add = min(usable - per_sim[i], n - sum(per_sim))
                if add <= 0:
                    continue
                run = lib.SippRun(workdir, f"{t.address[0]}:{t.address[1]}", "udp",
                                  p["held_rate"], add, hold_ms=3600 * 1000, cores=t.sipp_cores,
                                  service=f"{held_prefix(i)}0000001", limit=add + 10,
                                  timeout=add / p["held_rate"] + 3600)
                run.start()
                runs.append(run)
                deadline = time.monotonic() + add / p["held_rate"] + 8
                while time.monotonic() < deadline and _current_calls(run) < add:
                    time.sleep(0.25)
                got = _current_calls(run)
                if got < 0.99 * add:
                    raise RuntimeError(f"only {got} of {add} calls held on pstn-sim {i} at "
                                       f"step {n}")
                per_sim[i] += got        # a call lost on the way is not held: count what is
            held = sum(per_sim)
            time.sleep(6)                  # INVITE server transactions linger 5 s after the ACK
            _sample_interval_wait()
            a = t.allocated()
            rss, _ = t.element.memory()
            res[str(n)] = {"held": held, "sims": sum(1 for x in per_sim if x),
                           "alloc_per_call": (a - a0) / held if a is not None and a0 is not None else None,
                           "rss_per_call": (rss - r0) * 1024 / held, "allocated": a, "rss_kib": rss,
                           "ramp_s": time.monotonic() - step_t0}
            lib.log(f"gateway held {n}: allocated {a} (+{res[str(n)]['alloc_per_call']} B/call), "
                    f"RSS {rss} KiB (+{res[str(n)]['rss_per_call']:.0f} B/call) over "
                    f"{res[str(n)]['sims']} pstn-sims")
    finally:
        lib.stop_all(*runs)
        t.stop()
    return res


def _current_calls(run):
    """SIPp's CurrentCall from the last -trace_stat row (written every -fd seconds)."""
    try:
        with open(os.path.join(run.workdir, "stat.csv"), errors="replace") as f:
            rows = [l.rstrip("\n").split(";") for l in f if l.strip()]
        head = rows[0]
        return int(rows[-1][head.index("CurrentCall")]) if len(rows) > 1 else 0
    except (OSError, ValueError, IndexError):
        return 0


class VtyProbe(threading.Thread):
    """`show admission` over telnet every interval s; round trips in ms and jemalloc high-water."""

    def __init__(self, target, interval):
        super().__init__(daemon=True)
        self.target = target
        self.interval = interval
        self.rtt = []
        self.errors = 0
        self.high_alloc = 0
        self.stop_ev = threading.Event()

    def run(self):
        try:
            v = self.target.vty()
        except Exception:
            self.errors += 1
            return
        try:
            while not self.stop_ev.is_set():
                t0 = time.perf_counter()
                try:
                    out = v.command("show admission", timeout=5.0)
                except Exception:
                    self.errors += 1
                    break
                self.rtt.append((time.perf_counter() - t0) * 1000)
                m = ALLOC_RE.search(out)
                if m:
                    self.high_alloc = max(self.high_alloc, int(m.group(1)) + int(m.group(2)))
                self.stop_ev.wait(self.interval)
        finally:
            v.close()


def overload(workdir, p, capacity, cpu_per_call):
    """Offered load at each multiple of capacity for p['ovl_seconds']: ordinary calls plus
    p['emergency_share'] of emergency calls (112) from a second SIPp; a probe times refusals."""
    out = {}
    vty = {}
    budget_mb = 2048
    for mult in p["overload"]:
        t = GatewayTarget(workdir, budget_mb=budget_mb, rate_global=int(capacity))
        t.start("udp")
        try:
            offered = capacity * mult
            em_rate = max(1, offered * p["emergency_share"])
            secs = p["ovl_seconds"]
            ordinary = lib.SippRun(workdir, f"{t.address[0]}:{t.address[1]}", "udp",
                                   offered - em_rate, int((offered - em_rate) * secs),
                                   cores=t.sipp_cores, service="2000000001",
                                   limit=int(offered * 5), timeout=secs + 5)
            emerg = lib.SippRun(workdir, f"{t.address[0]}:{t.address[1]}", "udp", em_rate,
                                int(em_rate * secs), cores=t.sipp_cores, service=EMERGENCY,
                                timeout=secs + 5)
            vp = VtyProbe(t, p["vty_interval"]) if mult == max(p["overload"]) else None
            mem = lib.MemWatch(t.element)
            cpu0 = t.element.cpu()
            cores0 = lib.core_times()
            if vp:
                vp.start()
            ordinary.start()
            emerg.start()
            probe = lib.Probe(t.address, rate=p["probe_rate"], service="2000000002")
            pr = probe.run(secs, until=ordinary.done, tick=mem.poll)
            ro = ordinary.wait(poll=mem.poll)
            re_ = emerg.wait(poll=mem.poll)
            busy = lib.core_busy(cores0, lib.core_times())
            cpu1 = measure.settle_cpu(t.element)
            if vp:
                vp.stop_ev.set()
                vp.join(10)
            answered = ro["answered"] + re_["answered"] + len(pr["answered"])
            refused = ro["refused"] + re_["refused"] + len(pr["refused"])
            cpu = cpu1 - cpu0
            # Offered rate as reached: SIPp on one core may fall behind the rate asked for.
            span = max(secs, ro["span_s"])
            r = {"offered_cps": (ro["created"] + re_["created"] + pr["placed"]) / span,
                 "asked_cps": offered + p["probe_rate"],
                 "goodput": answered / secs, "answered": answered, "refused": refused,
                 "failed": ro["failed"] + re_["failed"],
                 "refusal_p50": lib.percentile(pr["refused"], 50),
                 "refusal_p99": lib.percentile(pr["refused"], 99),
                 "cpu_s": cpu,
                 "high_rss_mib": mem.high_rss / 1024,
                 "high_alloc_mib": vp.high_alloc / 1048576 if vp and vp.high_alloc else None,
                 "budget_mib": budget_mb,
                 "emergency_offered": re_["created"], "emergency_completed": re_["answered"],
                 "core_busy": busy}
            out[str(mult)] = r
            lib.log(f"gateway overload {mult}x: {r}")
            if vp:
                vty = {"p50": lib.percentile(vp.rtt, 50), "p99": lib.percentile(vp.rtt, 99),
                       "samples": len(vp.rtt), "errors": vp.errors}
        finally:
            t.stop()
    return out, vty


def refusal_cost(workdir, p, rate):
    """CPU per refusal with every ordinary call refused (rate global 1) at `rate` offered: the
    cost of a refusal alone, which a mixed overload run cannot separate from answered calls."""
    t = GatewayTarget(workdir, budget_mb=512, rate_global=1)
    t.start("udp")
    try:
        secs = min(10, p["ovl_seconds"])
        r = measure.one_run(t, workdir, "udp", rate, secs, service="2000000001")
        out = {"rate": rate, "seconds": secs, "refused": r["refused"], "answered": r["answered"],
               "failed": r["failed"], "cpu_s": r["cpu_s"],
               "cpu_us_per_refusal": r["cpu_s"] * 1e6 / r["refused"] if r["refused"] else None}
        lib.log(f"gateway refusal cost at {rate} cps: {out}")
        return out
    finally:
        t.stop()


def run(workdir, p, run_side):
    """Every gateway measurement -> (results, command line)."""
    t = GatewayTarget(workdir)
    res = run_side(t, workdir, p, "gateway")
    command = getattr(t, "command", "")
    cap = res["udp"]["capacity"]["median"]
    cpu = res["udp"]["cpu"]["median"]
    # Each phase on its own: one that fails leaves its reason and the others' figures.
    try:
        res["held"] = held_calls(workdir, p)
    except Exception as e:
        res["held_why"] = str(e).splitlines()[0]
        lib.log(f"gateway held calls not measured: {e}")
    if not cap:
        res["overload_why"] = "no UDP capacity measured"
        return res, command
    try:
        res["overload"], res["vty"] = overload(workdir, p, cap, cpu)
        top = str(max(p["overload"]))
        res["refusal"] = refusal_cost(workdir, p, int(res["overload"][top]["offered_cps"]))
    except Exception as e:
        res["overload_why"] = str(e).splitlines()[0]
        lib.log(f"gateway overload not measured: {e}")
    return res, command
