#!/usr/bin/env python3
"""test_call_isup_in.py - PSTN-to-SIP calls through the gateway, end to end (issue 4).

pstn-sim originates 5 calls (IAM to 612345678, calling 140000001, national, CPC ordinary); the
gateway routes them to a SIPp UAS, which answers 180/200. The simulator holds each answered call
500 ms and releases it (REL 16): the gateway must send BYE with Reason cause 16. Checked: the
INVITEs and BYEs SIPp received, ACM/ANM and RLC on the wire, the simulator's counts (calls out,
answered, ACM and ANM received, completed) and the gateway's counters.

The simulator starts originating the moment its ASP is active, while the gateway resets its
circuits (GRS) at the same moment: an IAM sent before the simulator answered that GRS crosses it
and is reset at both ends (Q.764 2.10.3). Such calls are identified on the wire (IAM before the
GRA) and must be exactly the simulator's calls.reset, with no INVITE; every other call must be
answered and completed, and at least 4 must be."""
import os
import re
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import gwtest  # noqa: E402

N = 5
AT_LEAST = 4


def test(chk):
    uas_port = gwtest.free_udp_port()
    routes = [{"prefix": "6", "lines": ["name sip-core", f"sip target 127.0.0.1 {uas_port}"]},
              {"prefix": "33", "lines": ["name pstn", f"isup dpc {gwtest.SIM_PC} circuit-group g1"]}]
    gwtest.need_tools()
    uas = gwtest.SippUas("call_uas_answer.xml", None, port=uas_port, timeout=20)
    sim_args = ["--originate", "2", "--count", str(N), "--called", "612345678",
                "--calling", "140000001", "--nai", "3", "--cpc", "10", "--hold", "500"]
    with gwtest.Bench("isup-in", sim_args=sim_args, routes=routes, chk=chk) as b:
        def settled():
            s = b.sim.summary()
            return s.get("calls.completed", 0) + s.get("calls.reset", 0) >= N
        gwtest.wait_until(settled, 30, interval=0.2, what="every originated call completed or reset")
        iams = b.tap.isup("IAM", "sim>gw")
        gra = b.tap.isup("GRA", "sim>gw")
        t_reset = gra[0]["_t"] if gra else 0.0
        crossed = [m for m in iams if m["_t"] < t_reset]
        after = [m for m in iams if m["_t"] >= t_reset]
        print(f"info: {len(crossed)} IAM(s) crossed the start-up GRS, {len(after)} after it")
        chk.eq(len(iams), N, "IAMs from the PSTN on the wire")
        chk.ge(len(after), AT_LEAST, "calls originated after the start-up reset")
        n = len(after)
        rc, st = uas.result(timeout=60)
        chk.check(st["successful"] == n and st["failed"] == 0,
                  f"SIPp UAS: {st['successful']}/{n} calls answered and released, {st['failed']} failed"
                  + (f"; errors: {st['errors'][-800:]}" if st["failed"] else ""))
        invites = [m for m in st["messages"] if m["method"] == "INVITE"]
        byes = [m for m in st["messages"] if m["method"] == "BYE"]
        chk.eq(len(invites), n, "INVITEs received by SIPp")
        chk.check(invites and all(re.match(r"INVITE sip:(\+33|0)?612345678@", m["first"]) for m in invites),
                  f"Request-URI carries the called number: {[m['first'] for m in invites[:2]]}")
        chk.check(invites and all(re.search(r"^P-Asserted-Identity:.*140000001", m["text"], re.M | re.I)
                                  for m in invites), "P-Asserted-Identity carries the calling number")
        chk.eq(len(byes), n, "BYEs received by SIPp")
        chk.eq([m["reason"] for m in byes], [16] * n, "BYE Reason causes (REL 16 from the PSTN)")

        chk.check(all(m["called"]["digits"].rstrip("F") == "612345678" and m["called"]["nai"] == 3
                      and m["calling_category"] == 10 for m in iams), "IAM called number and CPC as configured")
        cics = sorted(m["cic"] for m in after)
        for name in ("ACM", "ANM", "RLC"):
            got = sorted(m["cic"] for m in b.tap.isup(name, "gw>sim"))
            chk.eq(got, cics, f"{name} from the gateway on each answered call's CIC")
        chk.eq(len(b.tap.isup("REL", "gw>sim")), 0, "no REL from the gateway")
        acm = b.tap.isup("ACM", "gw>sim")
        chk.check(acm and all(m["backward_call"]["interworking"] == 1 for m in acm),
                  "ACM backward call indicators: interworking encountered")

        s = b.sim.summary()
        chk.eq(s.get("calls.out"), N, "simulator calls.out")
        chk.eq(s.get("calls.reset", 0), len(crossed), "simulator calls.reset = IAMs that crossed the GRS")
        chk.eq(s.get("calls.answered.out"), n, "simulator calls.answered.out")
        chk.eq(s.get("rx.ACM"), n, "simulator rx.ACM")
        chk.eq(s.get("rx.ANM"), n, "simulator rx.ANM")
        chk.eq(s.get("calls.completed"), n, "simulator calls.completed")
        chk.eq(s.get("calls.failed", 0) + s.get("calls.timeout", 0), 0, "simulator: no failed or timed-out calls")
        c = b.gw.counters()
        chk.eq(c["calls:isup-in"], n, "gateway calls:isup-in")
        chk.eq(c["calls:answered"], n, "gateway calls:answered")
        chk.eq(c["release:by-isup"], n, "gateway release:by-isup")
        chk.eq(c["calls:failed"], 0, "gateway calls:failed")


if __name__ == "__main__":
    sys.exit(gwtest.run(test, "test_call_isup_in"))
