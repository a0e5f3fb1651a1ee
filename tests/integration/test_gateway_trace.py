#!/usr/bin/env python3
"""test_gateway_trace.py - the daemon's signalling trace, read by our decoder and by Wireshark.

The real gateway, pstn-sim and SIPp on 127.0.0.1: three answered calls and one busy call. The
gateway writes every M3UA message to a pcap ('trace-pcap'); tools/sigtran-decode and tshark must
both find the ISUP of those calls in it, with the dialled digits, the circuits and the causes."""
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lib"))
import procs  # noqa: E402

TOP = os.path.abspath(os.path.join(HERE, "..", ".."))
GW = os.path.join(TOP, "gateway", "sipisup-gw")
SIM = os.path.join(TOP, "tools", "pstn-sim", "pstn-sim")
DECODE = os.path.join(TOP, "tools", "sigtran-decode")
SCEN = os.path.join(TOP, "sipp-scenarios")

failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


def gateway_config(tmp, m3ua_port, sip_port, vty_port, ctrl_port, trace):
    cfg = open(os.path.join(TOP, "docs", "examples", "sipisup-gw.cfg")).read()
    cfg = cfg.replace(" bind 127.0.0.1\n", f" bind 127.0.0.1 {vty_port}\n", 1)
    cfg = cfg.replace("remote-port 2905", f"remote-port {m3ua_port}")
    cfg = re.sub(r"listen (udp|tcp) 127\.0\.0\.1 5060", rf"listen \1 127.0.0.1 {sip_port}", cfg)
    cfg = cfg.replace(" media-gateway 127.0.0.1 20000\n",
                      f" media-gateway 127.0.0.1 20000\n ctrl-port {ctrl_port}\n trace-pcap {trace}\n")
    path = os.path.join(tmp, "gw.cfg")
    open(path, "w").write(cfg)
    return path


def main():
    tmp = tempfile.mkdtemp(prefix="gwtrace-")
    m3ua_port, sip_port = procs.free_port(), procs.free_port(kind=socket.SOCK_DGRAM)
    vty_port, ctrl_port = procs.free_port(), procs.free_port()
    trace = os.path.join(tmp, "trace.pcap")
    cfg = gateway_config(tmp, m3ua_port, sip_port, vty_port, ctrl_port, trace)

    sim = procs.start([SIM, "--config", os.path.join(TOP, "docs", "examples", "pstn-sim.cfg"),
                       "--port", str(m3ua_port), "--rule", "4017:reject:17"], os.path.join(tmp, "sim.log"))
    gw = None
    try:
        procs.wait_port("127.0.0.1", m3ua_port, timeout=10, proc=sim)
        gw = procs.start([GW, "-c", cfg], os.path.join(tmp, "gw.log"))
        procs.wait_port("127.0.0.1", vty_port, timeout=10, proc=gw)
        vty = procs.Vty("127.0.0.1", vty_port)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and "ACTIVE" not in vty.command("show asp"):
            time.sleep(0.2)
        check("ACTIVE" in vty.command("show asp"), "ASP active towards pstn-sim")
        time.sleep(1.0)  # the circuit reset of the start (GRS/GRA) completes

        rc, st = procs.sipp(["-sf", os.path.join(SCEN, "uac_basic.xml"), "-s", "0123456789",
                             f"127.0.0.1:{sip_port}", "-i", "127.0.0.1", "-p", str(procs.free_port(
                                 kind=socket.SOCK_DGRAM)), "-m", "3", "-r", "10"], timeout=20)
        check(rc == 0 and st["successful"] == 3, f"3 answered calls (rc={rc}, successful={st['successful']})")
        rc, st = procs.sipp(["-sf", os.path.join(SCEN, "uac_busy.xml"), "-s", "04017",
                             f"127.0.0.1:{sip_port}", "-i", "127.0.0.1", "-p", str(procs.free_port(
                                 kind=socket.SOCK_DGRAM)), "-m", "1"], timeout=20)
        check(rc == 0 and st["successful"] == 1, f"busy call: 486 with Reason Q.850 cause 17 (rc={rc})")
    finally:
        if gw:
            gw.stop()
        sim.stop()
    check(gw.returncode == 0, f"gateway stopped cleanly (exit {gw.returncode})")

    # our decoder
    p = subprocess.run([DECODE, "--pcap", trace], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=30)
    out = p.stdout
    check(p.returncode == 0, f"sigtran-decode read the whole trace (exit {p.returncode})")
    check(len(re.findall(r"\bIAM\b", out)) >= 4, "sigtran-decode: 4 IAMs")
    check("123456789" in out and "4017" in out, "sigtran-decode: the dialled digits (national prefix stripped)")
    check(re.search(r"ASPUP\b", out) is not None and re.search(r"ASPAC\b", out) is not None,
          "sigtran-decode: the ASP's management messages")

    # Wireshark
    p = subprocess.run(["tshark", "-r", trace, "-Y", "isup", "-T", "fields", "-e", "isup.message_type",
                        "-e", "isup.cic", "-e", "isup.called", "-e", "isup.cause_indicator",
                        "-e", "m3ua.protocol_data_opc", "-e", "m3ua.protocol_data_dpc"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60,
                       env=dict(os.environ, HOME=tmp))
    check(p.returncode == 0, f"tshark read the trace (exit {p.returncode}) {p.stderr.strip()[:200]}")
    rows = [line.split("\t") for line in p.stdout.splitlines() if line.strip()]
    iams = [r for r in rows if r[0] == "1"]
    rels = [r for r in rows if r[0] == "12"]
    print("tshark ISUP rows:", len(rows), "IAM:", [(r[1], r[2]) for r in iams])
    check(len(iams) == 4, f"tshark: 4 IAMs ({len(iams)})")
    check(sorted(r[2] for r in iams) == ["123456789"] * 3 + ["4017"],
          "tshark: called numbers 123456789 x3 and 4017")
    check(all(r[4] == "17" and r[5] == "18" for r in iams), "tshark: IAMs from OPC 0.2.1 (17) to DPC 0.2.2 (18)")
    check(any(r[3] == "17" for r in rels), "tshark: REL cause 17 from the simulator")
    check(any(r[3] == "16" for r in rels), "tshark: REL cause 16 for the BYE")
    check(not subprocess.run(["tshark", "-r", trace, "-Y", "_ws.malformed"], stdout=subprocess.PIPE,
                             text=True, env=dict(os.environ, HOME=tmp)).stdout.strip(),
          "tshark: no malformed frame")
    if failures:
        print(f"{len(failures)} check(s) failed; logs in {tmp}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
