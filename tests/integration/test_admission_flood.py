#!/usr/bin/env python3
"""test_admission_flood.py - a flood at several times capacity stays under control (issue 5,
test 3).

A 4 MiB budget (ceiling ~240 calls of ~16 KiB) and SIPp offering 3000 calls at 1000 calls/s,
each held 5 s: about 12 times what the budget carries. Every admitted call completes (SIPp:
no failed call; the simulator and the wire see IAM/ACM/ANM/REL/RLC for each), every other one
is refused with 503 and counted, and all along a second telnet session runs `show admission`
and a CTRL client reads the admission counter: each round trip is under 1 s (p50/p99/max are
printed). jemalloc's measured figure never exceeds the budget."""
import os
import re
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import admtest  # noqa: E402
import gwtest  # noqa: E402
import procs  # noqa: E402

N, RATE, HOLD_MS, CICS = 3000, 1000, 5000, 400
MAX_RTT = 1.0


class CtrlSampler(admtest.Background):
    """GET of the ordinary class's admitted counter over CTRL every interval s until stopped."""

    def __init__(self, port, interval=0.05):
        self.rtts, self.stop_flag = [], False
        self.ctrl = procs.Ctrl("127.0.0.1", port)

        def run():
            while not self.stop_flag:
                t0 = time.monotonic()
                self.ctrl.get("rate_ctr.abs.adm.2.call:admitted")
                self.rtts.append(time.monotonic() - t0)
                time.sleep(interval)
        super().__init__(run)

    def stop(self):
        self.stop_flag = True
        try:
            self.result(10)
        finally:
            self.ctrl.close()


def pct(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100.0 * (len(s) - 1))))] if s else None


def test(chk):
    ctrl_port = procs.free_port()
    cfg = ["gateway", f" ctrl-port {ctrl_port}",
           "sip", " transaction-linger 2000",
           "admission", " budget 4M", " call-cost-estimate 16K", " sample-interval 100",
           " shed-mode ordinary reject"]
    with gwtest.Bench("adm-flood", sim_args=["--rule", "33:answer:0"], cics=f"1-{CICS}",
                      groups=[{"name": "g1", "first": 1, "last": CICS}], gw_extra=cfg,
                      chk=chk) as b:
        # the gateway resets its circuits 32 at a time, paced: wait for every group's GRA
        gwtest.wait_until(lambda: len(b.tap.isup("GRA", "sim>gw")) >= (CICS + 31) // 32, 20,
                          what="every start-up GRA")
        vty = admtest.Sampler(b.vty_port, interval=0.05)
        ctrl = CtrlSampler(ctrl_port)
        t0 = time.monotonic()
        try:
            rc, st = b.sipp_uac("adm_uac_hold.xml", "+33212345678", calls=N, rate=RATE,
                                extra=["-d", str(HOLD_MS)], limit=N, timeout=60)
        finally:
            took = time.monotonic() - t0
            vty.stop()
            ctrl.stop()
        a = admtest.parse_show_admission(b.gw.cmd("show admission"))
        o = a["class"]["ordinary"]
        answered = len(admtest.responses(st, 200)) // 2
        # refused calls, not 503 responses: under load SIPp retransmits an INVITE before its 503
        # arrives (RFC 3261 timer A) and each retransmission gets its own stateless 503
        refused_msgs = admtest.responses(st, 503)
        refused = len({re.search(r"^Call-ID\s*:\s*(\S+)", m["text"], re.I | re.M).group(1)
                       for m in refused_msgs})
        print(f"info: {N} INVITEs at {RATE}/s held {HOLD_MS} ms, SIPp ran {took:.1f} s: "
              f"{answered} admitted, {refused} refused; ceiling {a['ceiling']} calls")
        chk.eq(rc, 0, "SIPp exit status")
        chk.eq(st["failed"], 0, "SIPp: no failed call" + (f"; {st['errors'][-600:]}"
                                                          if st["failed"] else ""))
        chk.eq(answered + refused, N, "admitted + refused = offered")
        chk.check(refused >= N // 2, f"the flood was mostly refused: {refused} of {N}")
        chk.eq(o["admitted"], answered, "admission: ordinary admitted = answered at SIPp")
        # every 503 is counted under exactly one of admission's reasons (the state may move
        # between shedding and full, or back, while the flood runs)
        by_reason = {k: v for k, v in o.items() if k.startswith(("shed:", "refused:"))}
        print(f"info: ordinary refusals by reason: {by_reason}")
        chk.eq(sum(by_reason.values()), refused, "admission: sheds + refusals = 503s at SIPp")
        sip = b.gw.counters()
        chk.eq(sip.get("tx:5xx", group="SIP front end"), len(refused_msgs),
               "SIP front end: tx:5xx = 503s SIPp received")
        chk.eq(sip.get("refused:queue-full", group="SIP front end"), 0,
               "SIP front end: refused:queue-full")
        s = b.sim.wait_counter("calls.completed", answered, timeout=20)
        chk.eq(s.get("calls.in"), answered, "simulator calls.in")
        chk.eq(s.get("calls.released.cause16"), answered, "simulator: every call released by BYE")
        t = b.tap.summary()
        for key in ("gw>sim IAM", "sim>gw ANM", "gw>sim REL", "sim>gw RLC"):
            chk.eq(t.get(key, 0), answered, f"wire: {key}")

        chk.check(not vty.errors, f"VTY sampler errors: {vty.errors[:3]}")
        for name, rtts in (("VTY show admission", vty.rtts), ("CTRL GET", ctrl.rtts)):
            chk.check(len(rtts) >= 20, f"{name}: {len(rtts)} round trips during the flood")
            chk.check(rtts and max(rtts) < MAX_RTT, f"{name}: every round trip < {MAX_RTT} s")
            if rtts:
                print(f"info: {name} during the flood: p50 {pct(rtts, 50) * 1000:.1f} ms, "
                      f"p99 {pct(rtts, 99) * 1000:.1f} ms, max {max(rtts) * 1000:.1f} ms "
                      f"over {len(rtts)} commands")
        meas = [x["measured"] for x in vty.samples if x["measured"] is not None]
        chk.check(meas and max(meas) <= a["budget"],
                  f"jemalloc measured <= budget: max {max(meas) if meas else None}")
        calls = max(x["class"]["ordinary"]["calls"] for x in vty.samples)
        print(f"info: max measured {max(meas)} of {a['budget']}, most calls at once {calls}")


if __name__ == "__main__":
    sys.exit(gwtest.run(test, "test_admission_flood"))
