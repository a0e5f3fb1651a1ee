#!/usr/bin/env python3
"""test_pstn_sim_tshark.py - what pstn-sim puts on the wire, decoded by Wireshark.

Every M3UA message the simulator sends in a short session (ASP acks, NTFY, BEAT_ACK, DUNA, SCON,
ACM, CPG, ANM, REL, RLC, GRA, CGBA and an originated IAM) is written to a pcap in IPv4/SCTP
framing and decoded by tshark, the independent check of our wire format: no frame may be
malformed, and the fields that matter must read as intended."""
import os
import shutil
import subprocess
import sys
import tempfile

from m3ua_peer import Asp, Sim, check, isup, m3ua, run
from sigtran import sctp_ipv4_packet, write_pcap

PC_GW, PC_SIM = 1, 2


def num(s):
    try:
        return int(s, 0)
    except ValueError:
        return s


def session():
    sim = Sim(["--cics", "1-31", "--rule", "17:reject:17", "--rule", "7:cpg:50",
               "--rule", "default:answer:0", "--originate", "5", "--count", "1",
               "--called", "4930111", "--calling", "333"])
    try:
        asp = Asp(sim.port, opc=PC_GW, dpc=PC_SIM)
        asp.up_active()
        orig = asp.recv_isup("IAM")
        asp.send_isup(isup.encode_rel(orig["cic"], 31))
        asp.recv_isup("RLC", orig["cic"])
        asp.send(m3ua.beat(b"\xde\xad\xbe\xef"))
        asp.expect("BEAT_ACK")
        asp.send_isup(isup.encode_iam(1, "1799", calling="4930123"))
        asp.recv_isup("REL", 1)
        asp.send_isup(isup.encode_rlc(1))
        asp.send_isup(isup.encode_iam(2, "777"))
        asp.recv_isup("ACM", 2)
        asp.recv_isup("CPG", 2)
        asp.recv_isup("ANM", 2)
        asp.send_isup(isup.encode_rel(2, 16))
        asp.recv_isup("RLC", 2)
        asp.send_isup(isup.encode_grs(1, 7))
        asp.recv_isup("GRA", 1)
        asp.send_isup(isup.encode_cgb(1, 3, [1, 0, 0, 1]))
        asp.recv_isup("CGBA", 1)
        sim.command("duna 1.2.3")
        asp.expect("DUNA")
        sim.command("scon 77 2")
        asp.expect("SCON")
        asp.close()
        sim.stop()
        return asp.raw_log
    finally:
        sim.kill()


def expectation(raw):
    """What tshark must show for one frame, from our own decode of it."""
    m = m3ua.decode(raw)
    want = {"m3ua.message_class": m.msg_class, "m3ua.message_type": m.msg_type}
    if m.name == "DATA":
        pd = m["protocol_data"]
        want.update({"m3ua.protocol_data_opc": PC_SIM, "m3ua.protocol_data_dpc": PC_GW,
                     "m3ua.protocol_data_si": 5})
        d = isup.decode(pd["data"])
        want.update({"isup.message_type": d["type"], "isup.cic": d["cic"]})
        name = d["type_name"]
        if name == "IAM":
            want.update({"isup.called": "4930111", "isup.calling": "333",
                         "isup.called_party_nature_of_address_indicator": 3,
                         "isup.calling_partys_category": 10})
        elif name == "REL":
            want.update({"isup.cause_indicator": d["cause"]["value"], "q931.cause_location": 2})
            check(d["cause"]["value"] in (17, 16), "REL cause %r" % d["cause"])
        elif name == "ACM":
            # the only ACM of the session is the cpg rule's: "no indication", alerting in CPG
            want.update({"isup.charge_indicator": 2, "isup.called_partys_status_indicator": 0})
        elif name == "CPG":
            want.update({"isup.event_ind": 1})
        elif name in ("GRA", "CGBA"):
            want.update({"isup.range_indicator": d["range_status"]["range"] + 1})
        return name, want
    if m.name == "BEAT_ACK":
        want["m3ua.heartbeat_data"] = "deadbeef"
    elif m.name == "NTFY":
        want.update({"m3ua.status_type": 1, "m3ua.status_info": 3})
    elif m.name == "DUNA":
        want["m3ua.affected_point_code_pc"] = (1 << 11) | (2 << 3) | 3
    elif m.name == "SCON":
        want.update({"m3ua.affected_point_code_pc": 77, "m3ua.congestion_level": 2})
    return m.name, want


def main():
    tshark = shutil.which("tshark")
    if not tshark:
        print("skipped: tshark is not installed (apt-get install tshark)")
        sys.exit(77)
    frames = session()
    cases = [expectation(f) for f in frames]
    names = [n for n, _ in cases]
    for n in ("ASPUP_ACK", "ASPAC_ACK", "NTFY", "BEAT_ACK", "IAM", "RLC", "REL", "ACM", "CPG", "ANM",
              "GRA", "CGBA", "DUNA", "SCON"):
        check(n in names, "no %s among the frames: %r" % (n, names))
    tmp = tempfile.mkdtemp(prefix="pstn-sim-")
    try:
        path = os.path.join(tmp, "sim.pcap")
        write_pcap(path, [sctp_ipv4_packet(f, src="127.0.0.2", dst="127.0.0.1", tsn=i + 1, ssn=i)
                          for i, f in enumerate(frames)])
        fields = ["frame.number", "_ws.malformed", "_ws.expert.severity"] + \
            sorted({k for _, w in cases for k in w})
        cmd = [tshark, "-r", path, "-T", "fields", "-E", "separator=|", "-E", "occurrence=a"]
        for f in fields:
            cmd += ["-e", f]
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        check(p.returncode == 0, "tshark failed: %s" % p.stderr.decode(errors="replace"))
        rows = [dict(zip(fields, line.split("|"))) for line in p.stdout.decode().splitlines()]
        check(len(rows) == len(frames), "tshark shows %d frames of %d" % (len(rows), len(frames)))
        for i, (row, (name, want)) in enumerate(zip(rows, cases)):
            check(row["_ws.malformed"] == "", "frame %d (%s) malformed for Wireshark" % (i + 1, name))
            for k, v in want.items():
                check(num(row[k]) == num(str(v)),
                      "frame %d (%s): %s is %r, expected %r" % (i + 1, name, k, row[k], v))
        print("%d frames decoded by tshark: %s" % (len(frames), " ".join(names)))
    finally:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    run(main)
