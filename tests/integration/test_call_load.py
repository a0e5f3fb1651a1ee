#!/usr/bin/env python3
"""test_call_load.py - a short SIPp load through the gateway with no failed call (issue 4).

500 answered calls at 50 calls per second, each held 1 s, against pstn-sim answering at once.
Zero failed calls at SIPp; the simulator and the gateway must count exactly 500 of each step."""
import os
import re
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import gwtest  # noqa: E402

N, RATE = 500, 50


def test(chk):
    with gwtest.Bench("load", sim_args=["--rule", "33:answer:0"], cics="1-200",
                      groups=[{"name": "g1", "first": 1, "last": 200}], chk=chk) as b:
        rc, st = b.sipp_uac("call_uac_answer.xml", "+33212345678", calls=N, rate=RATE,
                            extra=["-d", "1000"], limit=200, timeout=N // RATE + 60)
        chk.check(rc == 0 and st["successful"] == N and st["failed"] == 0,
                  f"SIPp: {st['successful']}/{N} calls, {st['failed']} failed (rc {rc})"
                  + (f"; errors: {st['errors'][-800:]}" if st["failed"] else ""))
        s = b.sim.wait_counter("calls.completed", N, timeout=20)
        chk.eq(s.get("calls.in"), N, "simulator calls.in")
        chk.eq(s.get("calls.answered.in"), N, "simulator calls.answered.in")
        chk.eq(s.get("calls.released.cause16"), N, "simulator calls.released.cause16")
        chk.eq(s.get("cics.busy"), 0, "simulator: every circuit idle at the end")
        keys = ("gw>sim IAM", "sim>gw ACM", "sim>gw ANM", "gw>sim REL", "sim>gw RLC")
        try:  # the last RLC may still be on its way through the tap
            gwtest.wait_until(lambda: all(b.tap.summary().get(k, 0) >= N for k in keys), 5, what="wire")
        except TimeoutError:
            pass
        t = b.tap.summary()
        for key in keys:
            chk.eq(t.get(key, 0), N, f"wire: {key}")
        c = b.gw.counters()
        chk.eq(c["calls:sip-in"], N, "gateway calls:sip-in")
        chk.eq(c["calls:answered"], N, "gateway calls:answered")
        chk.eq(c["calls:failed"], 0, "gateway calls:failed")
        try:
            gwtest.wait_until(lambda: b.gw.cmd("show calls").startswith("0 calls in progress"), 5,
                              what="no call left")
        except TimeoutError:
            pass
        chk.check(b.gw.cmd("show calls").startswith("0 calls in progress"),
                  "gateway: no call left in progress after the load")
        adm = b.gw.cmd("show admission")
        chk.check(re.search(r"ordinary\s*: 0 calls, 0 bytes", adm) is not None,
                  "admission: nothing left charged to ordinary calls")
        chk.check(re.search(r"admitted 500\b", adm) is not None, "admission: 500 ordinary calls admitted")
        print("info: show admission\n" + adm)


if __name__ == "__main__":
    sys.exit(gwtest.run(test, "test_call_load"))
