#!/usr/bin/env python3
"""test_call_grs.py - circuit group reset from the PSTN with calls up, end to end (issue 4).

Four answered SIP-to-ISUP calls hold (SIPp waits for the gateway's BYE). The simulator sends GRS
for its circuits 1-31 (control command 'grs-storm 1'): the gateway must answer GRA for the same
range, clear the four calls towards SIP with BYE (no REL: the reset replaces the release), and
carry new calls afterwards."""
import os
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import gwtest  # noqa: E402

N = 4
RULES = ["--rule", "33:answer:0"]


def test(chk):
    with gwtest.Bench("grs", sim_args=RULES, chk=chk) as b:
        res = {}
        t = threading.Thread(target=lambda: res.setdefault(
            "r", b.sipp_uac("call_uac_bye_in.xml", "+33212345678", calls=N, rate=10, timeout=60)))
        t.start()
        b.sim.wait_counter("calls.answered.in", N, timeout=20)
        time.sleep(0.5)  # the ACKs reach the gateway: the calls are ACTIVE
        t_reset = time.monotonic()
        b.sim.must("grs-storm 1")
        t.join(70)
        rc, st = res["r"]
        chk.check(rc == 0 and st["successful"] == N and st["failed"] == 0,
                  f"SIPp: {st['successful']}/{N} calls cleared by the gateway's BYE, {st['failed']} failed"
                  + (f"; errors: {st['errors'][-800:]}" if st["failed"] else ""))
        byes = [m for m in st["messages"] if m["method"] == "BYE"]
        chk.eq(len(byes), N, "BYEs received by SIPp")
        chk.eq([m["reason"] for m in byes], [41] * N,
               "BYE Reason: the circuit layer's cause for a reset circuit (41, sigtran/cic.h)")
        grs = b.tap.isup("GRS", "sim>gw", since=t_reset)
        gra = gwtest.wait_until(lambda: b.tap.isup("GRA", "gw>sim", since=t_reset), 5, what="GRA")
        if chk.eq(len(grs), 1, "GRS from the PSTN"):
            chk.eq((grs[0]["cic"], grs[0]["range_status"]["range"]), (1, 30), "GRS covers CICs 1-31")
            chk.eq((gra[0]["cic"], gra[0]["range_status"]["range"]), (1, 30), "GRA answers the same range")
        chk.eq(len(b.tap.isup("REL", "gw>sim", since=t_reset)), 0, "no REL for the reset circuits")
        s = b.sim.summary()
        chk.eq(s.get("calls.reset"), N, "simulator calls.reset")
        chk.eq(s.get("faults.grs"), 1, "simulator faults.grs")
        c = b.gw.counters()
        chk.eq(c["cic:lost"], N, "gateway cic:lost")
        chk.eq(c["calls:answered"], N, "gateway calls:answered before the reset")

        # new calls still work on the reset circuits
        t_new = time.monotonic()
        rc, st = b.sipp_uac("call_uac_answer.xml", "+33212345678", calls=3, rate=10, extra=["-d", "200"])
        chk.check(rc == 0 and st["successful"] == 3 and st["failed"] == 0,
                  f"after the reset: SIPp {st['successful']}/3 calls answered, {st['failed']} failed")
        b.sim.wait_counter("calls.completed", 3)
        chk.eq(len(b.tap.isup("IAM", "gw>sim", since=t_new)), 3, "after the reset: IAMs")
        chk.eq(b.sim.summary().get("calls.answered.in"), N + 3, "simulator calls.answered.in")
        chk.eq(b.gw.counters()["calls:answered"], N + 3, "gateway calls:answered")


if __name__ == "__main__":
    sys.exit(gwtest.run(test, "test_call_grs"))
