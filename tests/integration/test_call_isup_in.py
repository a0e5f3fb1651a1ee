#!/usr/bin/env python3
"""test_call_isup_in.py - PSTN-to-SIP calls through the gateway, end to end (issue 4).

pstn-sim originates 4 calls (IAM to 612345678, calling 140000001, national, CPC ordinary); the
gateway routes them to a SIPp UAS, which answers 180/200. The simulator holds each answered call
500 ms and releases it (REL 16): the gateway must send BYE with Reason cause 16. Checked: the
INVITEs and BYEs SIPp received, ACM/ANM and RLC on the wire, the simulator's counts (calls out,
answered, ACM and ANM received, completed) and the gateway's counters."""
import os
import re
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import gwtest  # noqa: E402

N = 4


def test(chk):
    uas = None
    uas_port = gwtest.free_udp_port()
    routes = [{"prefix": "6", "lines": ["name sip-core", f"sip target 127.0.0.1 {uas_port}"]},
              {"prefix": "33", "lines": ["name pstn", f"isup dpc {gwtest.SIM_PC} circuit-group g1"]}]
    gwtest.need_tools()
    uas = gwtest.SippUas("call_uas_answer.xml", N, port=uas_port, timeout=60)
    sim_args = ["--originate", "2", "--count", str(N), "--called", "612345678",
                "--calling", "140000001", "--nai", "3", "--cpc", "10", "--hold", "500"]
    with gwtest.Bench("isup-in", sim_args=sim_args, routes=routes, chk=chk) as b:
        b.sim.wait_counter("calls.completed", N, timeout=30)
        rc, st = uas.result(timeout=60)
        chk.check(rc == 0 and st["successful"] == N and st["failed"] == 0,
                  f"SIPp UAS: {st['successful']}/{N} calls answered and released, {st['failed']} failed"
                  + (f"; errors: {st['errors'][-800:]}" if st["failed"] else ""))
        invites = [m for m in st["messages"] if m["method"] == "INVITE"]
        byes = [m for m in st["messages"] if m["method"] == "BYE"]
        chk.eq(len(invites), N, "INVITEs received by SIPp")
        chk.check(all(re.match(r"INVITE sip:(\+33|0)?612345678@", m["first"]) for m in invites),
                  f"Request-URI carries the called number: {[m['first'] for m in invites[:2]]}")
        chk.check(all(re.search(r"^P-Asserted-Identity:.*140000001", m["text"], re.M | re.I)
                      for m in invites), "P-Asserted-Identity carries the calling number")
        chk.eq(len(byes), N, "BYEs received by SIPp")
        chk.eq([m["reason"] for m in byes], [16] * N, "BYE Reason causes (REL 16 from the PSTN)")

        iams = b.tap.isup("IAM", "sim>gw")
        chk.eq(len(iams), N, "IAMs from the PSTN on the wire")
        chk.check(all(m["called"]["digits"].rstrip("F") == "612345678" and m["called"]["nai"] == 3
                      for m in iams), "IAM called number as configured")
        cics = sorted(m["cic"] for m in iams)
        for name in ("ACM", "ANM", "RLC"):
            got = sorted(m["cic"] for m in b.tap.isup(name, "gw>sim"))
            chk.eq(got, cics, f"{name} from the gateway on each call's CIC")
        chk.eq(len(b.tap.isup("REL", "gw>sim")), 0, "no REL from the gateway")
        acm = b.tap.isup("ACM", "gw>sim")
        chk.check(acm and all(m["backward_call"]["interworking"] == 1 for m in acm),
                  "ACM backward call indicators: interworking encountered")

        s = b.sim.summary()
        chk.eq(s.get("calls.out"), N, "simulator calls.out")
        chk.eq(s.get("calls.answered.out"), N, "simulator calls.answered.out")
        chk.eq(s.get("rx.ACM"), N, "simulator rx.ACM")
        chk.eq(s.get("rx.ANM"), N, "simulator rx.ANM")
        chk.eq(s.get("calls.completed"), N, "simulator calls.completed")
        chk.eq(s.get("calls.failed", 0) + s.get("calls.timeout", 0) + s.get("calls.reset", 0), 0,
               "simulator: no failed, timed-out or reset calls")
        c = b.gw.counters()
        chk.eq(c["calls:isup-in"], N, "gateway calls:isup-in")
        chk.eq(c["calls:answered"], N, "gateway calls:answered")
        chk.eq(c["release:by-isup"], N, "gateway release:by-isup")
        chk.eq(c["calls:failed"], 0, "gateway calls:failed")


if __name__ == "__main__":
    sys.exit(gwtest.run(test, "test_call_isup_in"))
