#!/usr/bin/env python3
"""test_call_link_loss.py - M3UA association lost and back with calls up, end to end (issue 4).

Four answered SIP-to-ISUP calls hold for 10 s. The simulator drops the association ('drop'); the
gateway reconnects and brings the ASP active again. The calls must survive: no GRS or REL sent
for them on the way, then SIPp's BYEs at the end of the hold give REL 16 on their circuits, the
simulator counts them completed, and SIPp sees every call end normally. The circuit group is
configured 'no reset-on-resume': its circuits are not in doubt once the start-up GRS is answered,
so the return of the association must not reset them (with the default 'reset-on-resume' the
gateway resets the group at every MTP-RESUME, clearing the calls by design)."""
import os
import re
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import gwtest  # noqa: E402

N = 4
HOLD_MS = 10000
RULES = ["--rule", "33:answer:0"]


def test(chk):
    groups = [{"name": "g1", "first": 1, "last": 31, "extra": ["no reset-on-resume"]}]
    with gwtest.Bench("link-loss", sim_args=RULES, groups=groups, chk=chk) as b:
        res = {}
        t = threading.Thread(target=lambda: res.setdefault(
            "r", b.sipp_uac("call_uac_answer.xml", "+33212345678", calls=N, rate=10,
                            extra=["-d", str(HOLD_MS)], timeout=60)))
        t.start()
        b.sim.wait_counter("calls.answered.in", N, timeout=20)
        cics = sorted(m["cic"] for m in b.tap.isup("IAM", "gw>sim"))
        time.sleep(0.5)
        t_drop = time.monotonic()
        b.sim.must("drop")
        # the gateway notices, reconnects, and the ASP is active again
        b.wait_ready(timeout=15, since=t_drop, actives=2)
        t_back = time.monotonic()
        chk.check(t_back - t_drop < HOLD_MS / 1000 - 2,
                  f"ASP active again {t_back - t_drop:.1f}s after the drop, before the hold ends")
        chk.ge(b.tap.sessions, 2, "wire tap relayed a second association")
        calls_seen = b.gw.cmd("show calls")
        print("info: show calls after the reconnection:\n" + calls_seen)
        chk.eq(len(re.findall(r"^ c\d+ .* ACTIVE ", calls_seen, re.M)), N,
               "show calls: the calls are still ACTIVE after the reconnection")
        t.join(HOLD_MS / 1000 + 60)
        rc, st = res["r"]
        chk.check(rc == 0 and st["successful"] == N and st["failed"] == 0,
                  f"SIPp: {st['successful']}/{N} calls ended normally with BYE/200, {st['failed']} failed"
                  + (f"; errors: {st['errors'][-800:]}" if st["failed"] else ""))
        b.sim.wait_counter("calls.completed", N, timeout=10)
        rels = b.tap.isup("REL", "gw>sim", since=t_drop)
        chk.eq(sorted(m["cic"] for m in rels), cics, "REL after the reconnection on each call's CIC")
        chk.check(all(m["cause"]["value"] == 16 for m in rels), f"REL causes: {[m['cause']['value'] for m in rels]}")
        chk.eq(len(b.tap.isup("GRS", "gw>sim", since=t_drop)) + len(b.tap.isup("RSC", "gw>sim", since=t_drop)), 0,
               "no circuit reset of the calls' circuits after the reconnection")
        s = b.sim.summary()
        chk.eq(s.get("calls.completed"), N, "simulator calls.completed")
        chk.eq(s.get("calls.released.cause16"), N, "simulator calls.released.cause16")
        chk.eq(s.get("calls.reset", 0), 0, "simulator calls.reset")
        chk.eq(s.get("asp.active"), 2, "simulator asp.active (before and after the drop)")
        c = b.gw.counters()
        chk.eq(c["calls:answered"], N, "gateway calls:answered")
        chk.eq(c["release:by-sip"], N, "gateway release:by-sip")
        chk.eq(c["cic:lost"], 0, "gateway cic:lost")


if __name__ == "__main__":
    sys.exit(gwtest.run(test, "test_call_link_loss"))
