#!/usr/bin/env python3
"""test_call_emergency_circuits.py - circuits kept for emergency calls (circuit-group
emergency-reserve, trunk reservation).

One circuit group of 6 circuits with `emergency-reserve 2`. Four ordinary calls are answered and
held; a fifth ordinary call finds only the 2 kept circuits and is refused with 503 and Reason
cause 34 (no circuit) without an IAM, counted `hunt:reserved`; two emergency calls (112) then
take the 2 kept circuits and are answered. Checked on the wire (IAMs and their CICs), in SIPp's
messages and in the gateway's counters."""
import os
import re
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import admtest  # noqa: E402
import gwtest  # noqa: E402

ORDINARY, HOLD_MS = "+33212345678", 8000


def test(chk):
    groups = [{"name": "g1", "first": 1, "last": 6, "extra": ["emergency-reserve 2"]}]
    with gwtest.Bench("emerg-cics", sim_args=["--rule", "33:answer:0", "--rule", "112:answer:0"],
                      cics="1-6", groups=groups, chk=chk) as b:
        held = admtest.Background(lambda: b.sipp_uac(
            "adm_uac_hold.xml", ORDINARY, calls=4, rate=20, extra=["-d", str(HOLD_MS)], limit=4,
            timeout=40))
        b.sim.wait_counter("calls.in", 4, timeout=10)
        rc5, st5 = b.sipp_uac("adm_uac_hold.xml", ORDINARY, calls=1, rate=1, extra=["-d", "100"],
                              limit=1, timeout=20)
        refused = admtest.responses(st5, 503)
        chk.eq(len(refused), 1, "fifth ordinary call: 503")
        reason = re.search(r"^Reason\s*:.*cause=(\d+)", refused[0]["text"], re.I | re.M) \
            if refused else None
        chk.eq(reason.group(1) if reason else None, "34", "fifth ordinary call: Reason cause 34")
        chk.eq(len(b.tap.isup("IAM", "gw>sim")), 4, "wire: no IAM for the refused call")
        rce, ste = b.sipp_uac("adm_uac_hold.xml", "112", calls=2, rate=10, extra=["-d", "500"],
                              limit=2, timeout=20)
        chk.eq(rce, 0, "SIPp exit status (emergency)")
        chk.eq(len(admtest.responses(ste, 503)), 0, "no emergency call refused")
        chk.eq(ste["failed"], 0, "emergency calls: none failed")
        iams = b.tap.isup("IAM", "gw>sim")
        chk.eq(len(iams), 6, "wire: 6 IAMs (4 ordinary, 2 emergency)")
        chk.eq(sorted(m["cic"] for m in iams[:4]), [1, 2, 3, 4], "wire: ordinary calls on CICs 1-4")
        chk.eq(sorted(m["cic"] for m in iams[4:]), [5, 6], "wire: emergency calls on the kept CICs 5-6")
        rc, st = held.result(60)
        chk.eq(rc, 0, "SIPp exit status (held ordinary calls)")
        chk.eq(st["failed"], 0, "held ordinary calls: none failed")
        ctr = b.gw.counters()
        chk.eq(ctr.get("hunt:reserved"), 1, "counter hunt:reserved")
        s = b.sim.wait_counter("calls.completed", 6, timeout=20)
        chk.eq(s.get("calls.in"), 6, "simulator: 6 calls in")


if __name__ == "__main__":
    sys.exit(gwtest.run(test, "test_call_emergency_circuits"))
