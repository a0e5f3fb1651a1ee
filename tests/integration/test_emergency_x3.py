#!/usr/bin/env python3
"""test_emergency_x3.py - issue 7, test 4: with every route of an emergency number silent, the
caller gets an answer within X3 and the attempts are bounded.

Route 112 `psap-a` has five fallbacks, all on the simulator, which answers nothing (`never`):
each attempt ends at T7. Phase 1, T7 2 s and X3 5 s: IAMs at 0, 2 and 4 s, then X3 ends the
set-up: SIPp gets 504 with Reason cause 102 about 5 s after its INVITE, the third circuit is
released with REL cause 102, no fourth IAM follows. Phase 2, set at run time over the VTY, T7
1 s and X3 30 s: the bound is X2 (4 IAMs per call): exactly four IAMs, on the first four routes of the
chain in order, then 504 cause 102 about 4 s after the INVITE. Every attempt is a failure with
cause 102 in the emergency supervision; the X3 and T7 counters say which timer ended what."""
import os
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import emerg  # noqa: E402
import gwtest  # noqa: E402

PC = "0.0.2"
SIMS = [{"name": "sg1", "pc": PC, "rules": ["default:never"]}]
GROUPS = [{"name": "g1", "first": 1, "last": 31, "dpc": PC}]
CHAIN = ["psap-a", "psap-b", "psap-c", "psap-d", "psap-e", "psap-f"]
ROUTES = [{"prefix": "112", "lines": ["name psap-a", f"isup dpc {PC} circuit-group g1"]
           + [f"fallback {n}" for n in CHAIN[1:]] + ["emergency"]}]
ROUTES += [{"prefix": f"11290{i}", "lines": [f"name {n}", f"isup dpc {PC} circuit-group g1", "emergency"]}
           for i, n in enumerate(CHAIN[1:], 1)]
ALARMS = ["consecutive-failures 0", "success-ratio-threshold 0 min-attempts 10"]


def one_call(chk, b, label, t7, x3, want_iams, want_end):
    t0 = time.monotonic()
    rc, st = b.sipp_uac("emerg_uac_fail.xml", "112", calls=1, timeout=x3 + 20)
    took = time.monotonic() - t0
    chk.check(st["failed"] == 0 and "504" in st["received"] and st["reasons"] == [102],
              f"{label}: SIPp got 504 cause 102 {st['received']} {st['reasons']}")
    print(f"measured: {label}: final response {took:.2f} s after the INVITE (T7 {t7}, X3 {x3})")
    chk.check(want_end - 0.5 <= took <= want_end + 1.5, f"{label}: answer after {took:.2f} s (want about {want_end} s)")
    chk.check(took <= x3 + 1.5, f"{label}: answer within X3 ({x3} s)")
    time.sleep(1.0)  # nothing more may follow: the call is over
    tap = b.taps["sg1"]
    iams = tap.isup("IAM", "gw>sim", since=t0)
    chk.eq(len(iams), want_iams, f"{label}: IAMs at the simulator")
    gaps = [round(b_["_t"] - a["_t"], 1) for a, b_ in zip(iams, iams[1:])]
    chk.check(all(t7 - 0.3 <= g <= t7 + 0.5 for g in gaps), f"{label}: IAMs T7 ({t7} s) apart: {gaps}")
    rels = tap.isup("REL", "gw>sim", since=t0)
    chk.check(sorted(r["cic"] for r in rels) == sorted(m["cic"] for m in iams)
              and all(r["cause"]["value"] == 102 for r in rels),
              f"{label}: every circuit released with cause 102: {[(r['cic'], r['cause']['value']) for r in rels]}")
    chk.eq(len(tap.isup("RLC", "sim>gw", since=t0)), want_iams, f"{label}: RLC for each REL")
    return iams


def test(chk):
    with emerg.EmergBench("x3", SIMS, GROUPS, ROUTES, alarms=ALARMS, call_timers={"T7": 2, "X3": 5},
                          chk=chk) as b:
        one_call(chk, b, "T7 2 X3 5", 2, 5, 3, 5.0)
        c = b.counters()
        chk.eq(c.get("timer:x3"), 1, "gateway timer:x3")
        chk.eq(c.get("timer:t7"), 2, "gateway timer:t7")
        chk.eq(c.get("emergency:attempt"), 3, "gateway emergency:attempt")
        chk.eq(c.get("emergency:failure"), 3, "gateway emergency:failure")
        s = b.sims["sg1"].summary()
        chk.eq(s.get("rx.IAM"), 3, "simulator rx.IAM")
        chk.eq(s.get("calls.abandoned.cause102", 0), 3, "simulator calls.abandoned.cause102")

        for line in ("configure terminal", "gateway", "timer call T7 1", "timer call X3 30", "end"):
            b.cmd(line)
        timers = b.cmd("show timer")
        chk.check("T7 = 1 s" in timers and "X3 = 30 s" in timers and "X2 = 4" in timers,
                  "show timer: T7 1 s, X3 30 s, X2 4")
        iams = one_call(chk, b, "T7 1 X3 30", 1, 30, 4, 4.0)
        c = b.counters()
        chk.eq(c.get("timer:x3"), 1, "gateway timer:x3 (not fired again)")
        chk.eq(c.get("timer:t7"), 6, "gateway timer:t7")
        chk.eq(c.get("emergency:attempt"), 7, "gateway emergency:attempt")
        es = b.cmd("show emergency")
        for n in CHAIN[:4]:
            chk.check(f" {n} " in es, f"show emergency: {n} attempted")
        chk.check(" psap-e " not in es and " psap-f " not in es, "show emergency: psap-e, psap-f never tried")
        chk.eq([m["called"]["digits"] for m in iams], ["112"] * 4, "called number on each IAM")


if __name__ == "__main__":
    sys.exit(gwtest.run(test, "test_emergency_x3"))
