"""emerg.py - bench for the emergency supervision tests: the gateway in front of one or more
pstn-sim switches, each behind its own signalling gateway association and `as`.

Built on gwtest.py (Sim, WireTap, SIPp runners, Checker). What it adds:
- several simulators, each its own ASP/AS in the gateway, `destination PC as NAME` lines so that
  each DPC is carried by the AS of its simulator, and a wire tap in front of each;
- every port of the gateway free (VTY, CTRL via `ctrl-port`, SIP, M3UA), so runs can overlap;
- an `alarms` node and the call timers in the generated config;
- a TrapListener: its own CTRL connection that records every TRAP with its arrival time;
- helpers to read `show emergency alarms` and the esup/alarm counters;
- restart of a simulator on the same port (the far end recovering).

Every wait is bounded; processes are stopped by pid.
"""
import calendar
import os
import re
import shutil
import socket
import tempfile
import threading
import time

import gwtest
import procs

GW_PC = gwtest.GW_PC


class TrapListener:
    """A CTRL connection of its own, read by a thread: every TRAP as (monotonic time, var, value)."""

    def __init__(self, port):
        self.ctrl = procs.Ctrl("127.0.0.1", port)
        self.traps = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.error = None
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                msg = self.ctrl._recv_msg(time.monotonic() + 0.2)
            except TimeoutError:
                continue
            except OSError as e:
                if not self._stop.is_set():
                    self.error = str(e)
                return
            except ConnectionError as e:
                self.error = str(e)
                return
            parts = msg.split(" ", 3)
            if parts[0] == "TRAP" and len(parts) >= 3:
                with self._lock:
                    self.traps.append((time.monotonic(), parts[2], parts[3] if len(parts) > 3 else ""))

    def alarms(self, since=0.0):
        """TRAPs `alarm` as dicts {t, id, event, kind, subject_type, subject, severity}."""
        out = []
        with self._lock:
            traps = list(self.traps)
        for t, var, val in traps:
            if var != "alarm" or t < since:
                continue
            f = val.split()
            if len(f) != 5 or ":" not in f[3]:
                out.append({"t": t, "bad": val})
                continue
            st, subj = f[3].split(":", 1)
            out.append({"t": t, "id": int(f[0]), "event": f[1], "kind": f[2], "subject_type": st,
                        "subject": subj, "severity": f[4]})
        return out

    def wait_alarm(self, event, kind, subject, timeout, since=0.0):
        """The first TRAP alarm matching (event, kind, subject), waiting at most timeout s; None."""
        deadline = time.monotonic() + timeout
        while True:
            for a in self.alarms(since):
                if a.get("event") == event and a.get("kind") == kind and a.get("subject") == subject:
                    return a
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.05)

    def close(self):
        self._stop.set()
        self._t.join(2)
        self.ctrl.close()


def parse_alarms(text):
    """`show emergency alarms` -> {'active': [...], 'history': [...], 'header': str,
    'escalation': str}; rows are dicts id, state, severity, kind, on, subject, raised_at (epoch
    seconds, from the RAISED (UTC) column; None if not raised)."""
    res = {"active": [], "history": [], "header": "", "escalation": ""}
    part = None
    row = re.compile(r"^\s*(\d+)\s+(pending|raised|clearing|cleared)\s+(\S+)\s+(\S+)\s+(number|route)\s+(\S+)")
    for line in text.splitlines():
        if line.startswith("Alarms active"):
            res["header"] = line
            part = "active"
            continue
        if line.startswith("History"):
            part = "history"
            continue
        if line.startswith("Escalation"):
            res["escalation"] = line
            part = None
            continue
        m = row.match(line)
        if m and part:
            times = [calendar.timegm(time.strptime(t, "%Y-%m-%d %H:%M:%S"))
                     for t in re.findall(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", line)]
            res[part].append({"id": int(m.group(1)), "state": m.group(2), "severity": m.group(3),
                              "kind": m.group(4), "on": m.group(5), "subject": m.group(6),
                              "raised_at": times[0] if times else None, "line": line})
    return res


class EmergBench:
    """sims: [{'name': 'sg1', 'pc': '0.0.2', 'rules': ['112:reject:34', ...], 'cics': '1-31'}];
    groups: [{'name', 'first', 'last', 'dpc'}]; routes: [{'prefix', 'lines'}];
    alarms: lines of the `alarms` node; emergency: lines of the `emergency` node (None: default);
    call_timers: {'T7': 2, 'X3': 5}."""

    def __init__(self, name, sims, groups, routes, alarms=(), call_timers=None, emergency=None,
                 gw_extra=(), chk=None, log_level=os.environ.get("GWTEST_LOG_LEVEL", "info")):
        gwtest.need_tools()
        self.name = name
        self.chk = chk
        self.workdir = tempfile.mkdtemp(prefix=f"emerg-{name}-")
        self.log_level = log_level
        self.sim_specs = sims
        self.groups = groups
        self.routes = routes
        self.alarm_lines = list(alarms)
        self.emergency = emergency
        self.call_timers = call_timers or {}
        self.gw_extra = list(gw_extra)
        self.sip_port = gwtest.free_port_both()
        self.vty_port = procs.free_port()
        self.ctrl_port = procs.free_port()
        self.sims = {}
        self.taps = {}
        self.gw = None
        self.vty = None
        self.traps = None
        try:
            for s in sims:
                self._start_sim(s, port=None)
                self.taps[s["name"]] = gwtest.WireTap(self.sims[s["name"]].port)
            self._start_gw()
            self.wait_ready()
            self.traps = TrapListener(self.ctrl_port)
        except BaseException:
            self.close(failed=True)
            raise

    # --- simulators -----------------------------------------------------------------------
    def _start_sim(self, spec, port, rules=None):
        args = ["--cics", spec.get("cics", "1-31"), "--local-pc", spec["pc"]]
        for r in (rules if rules is not None else spec.get("rules", [])):
            args += ["--rule", r]
        if port is not None:
            args += ["--port", str(port)]
        n = sum(1 for f in os.listdir(self.workdir) if f.startswith(spec["name"]))
        sim = gwtest.Sim(self.workdir, args, name=f"{spec['name']}-{n}")
        self.sims[spec["name"]] = sim
        return sim

    def stop_sim(self, name):
        """Stop a simulator by pid (its association drops for good); its final summary."""
        return self.sims[name].stop()

    def restart_sim(self, name, rules):
        """Start the simulator again on the same port with other rules (the far end recovering)."""
        old = self.sims[name]
        if old.proc.alive():
            old.stop()
        spec = next(s for s in self.sim_specs if s["name"] == name)
        port = old.port
        gwtest.wait_until(lambda: _tcp_port_free(port), 10, interval=0.1, what=f"port {port} free")
        return self._start_sim(spec, port=port, rules=rules)

    # --- gateway --------------------------------------------------------------------------
    def config(self):
        lines = [
            "log stderr",
            " logging filter all 1",
            " logging color 0",
            " logging print category 1",
            " logging print extended-timestamp 1",
            f" logging level set-all {self.log_level}",
            "line vty",
            f" bind 127.0.0.1 {self.vty_port}",
        ]
        if self.emergency is not None:
            lines += ["emergency"] + [" " + x for x in self.emergency]
        lines += ["alarms"] + [" " + x for x in self.alarm_lines]
        for s in self.sim_specs:
            lines += [f"asp asp-{s['name']}", " transport tcp", " remote-ip 127.0.0.1",
                      f" remote-port {self.taps[s['name']].port}",
                      " timer reconnect-min 200", " timer reconnect-max 1000",
                      f"as as-{s['name']}", " traffic-mode override", f" asp asp-{s['name']}"]
        for g in self.groups:
            lines += [f"circuit-group {g['name']}", f" dpc {g['dpc']}",
                      f" cic {g['first']} {g['last']}", " hunting ascending"]
        for r in self.routes:
            lines += [f"route {r['prefix']}"] + [" " + x for x in r["lines"]]
        lines += ["gateway", f" point-code {GW_PC}", " network-indicator national",
                  f" ctrl-port {self.ctrl_port}", " sos-number 112"]
        lines += [f" destination {s['pc']} as as-{s['name']}" for s in self.sim_specs]
        lines += [f" timer call {k} {v}" for k, v in self.call_timers.items()]
        lines += ["sip", f" listen udp 127.0.0.1 {self.sip_port}", " trusted 127.0.0.0/8"]
        lines += ["admission", " budget 256M", " rate global 0"]
        lines += self.gw_extra
        return "\n".join(lines) + "\n"

    def _start_gw(self):
        self.cfg_path = os.path.join(self.workdir, "sipisup-gw.cfg")
        with open(self.cfg_path, "w") as f:
            f.write(self.config())
        self.gw_log = os.path.join(self.workdir, "sipisup-gw.log")
        self.gw = procs.start([gwtest.GW_BIN, "-c", self.cfg_path], self.gw_log, cwd=self.workdir)
        procs.wait_port("127.0.0.1", self.vty_port, timeout=10, proc=self.gw)
        self.vty = procs.Vty("127.0.0.1", self.vty_port)
        self.vty.enable()

    def cmd(self, line):
        out = self.vty.command(line)
        if out.lstrip().startswith("%"):
            raise RuntimeError(f"gateway VTY {line!r}: {out.strip()}")
        return out

    def asp_states(self):
        """{asp name: state} from `show asp`."""
        out = self.cmd("show asp")
        res = {}
        for s in self.sim_specs:
            m = re.search(rf"asp-{re.escape(s['name'])}\b.*?\b(ACTIVE|INACTIVE|DOWN|[A-Z_]+)\b", out)
            res[s["name"]] = m.group(1) if m else None
        return res

    def wait_ready(self, timeout=15.0, names=None):
        names = names or [s["name"] for s in self.sim_specs]
        for n in names:
            self.sims[n].wait_counter("asp.active", 1, timeout)
        gwtest.wait_until(lambda: all(self.asp_states().get(n) == "ACTIVE" for n in names), timeout,
                          interval=0.2, what="gateway VTY: every ASP ACTIVE")

        def resets_done():
            for n in names:
                tap = self.taps[n]
                if len(tap.isup("GRA", "sim>gw")) < len(tap.isup("GRS", "gw>sim")):
                    return False
            return True
        gwtest.wait_until(resets_done, timeout, what="GRA for every GRS of the start")
        time.sleep(0.3)

    def counters(self):
        return gwtest.Counters(gwtest.parse_rate_counters(self.cmd("show rate-counters")))

    def alarms(self):
        return parse_alarms(self.cmd("show emergency alarms"))

    def sipp_uac(self, scenario, service, calls=1, rate=10, extra=(), timeout=60):
        return gwtest.sipp_uac(scenario, f"127.0.0.1:{self.sip_port}", service, calls, rate, extra,
                               timeout, workdir=tempfile.mkdtemp(prefix="sipp-", dir=self.workdir))

    def close(self, failed=False):
        if self.traps:
            self.traps.close()
        if self.vty:
            try:
                self.vty.close()
            except OSError:
                pass
        if self.gw:
            self.gw.stop(timeout=5)
        for tap in self.taps.values():
            tap.close()
        for sim in self.sims.values():
            sim.stop()
        if failed:
            for f in sorted(os.listdir(self.workdir)):
                if f.endswith(".log") and not f.startswith("sipp"):
                    with open(os.path.join(self.workdir, f), errors="replace") as fh:
                        tail = fh.read()[-4000:]
                    print(f"---- {f} (tail; kept in {self.workdir}) ----\n{tail}")
        else:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        self.close(failed=exc_type is not None or bool(self.chk and self.chk.failures))
        return False


def _tcp_port_free(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True
