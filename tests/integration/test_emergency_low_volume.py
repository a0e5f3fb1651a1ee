#!/usr/bin/env python3
"""test_emergency_low_volume.py - issue 7, test 3: ordinary traffic failing raises no emergency
alarm; emergency traffic at low volume does, on consecutive failures.

The simulator refuses every number with REL cause 34. Ordinary calls to 33... (route `pstn`,
with a fallback `pstn-alt` that fails too) fail in bulk: 20 calls, 40 refused IAMs, and the
emergency supervision must not see them (no TRAP, no alarm, no supervised number or route, its
counters at zero). Then three emergency calls to 112, 3 s apart, on a chain whose every route
fails (psap-primary, then psap-10d): far below the success-ratio alarm's 10 outcomes, the
`consecutive-failures 3` alarms must be raised: on the number once three failed attempts have
been seen (a call failing on both routes is two attempts, so after the second call), on each
route at the third call, and not before."""
import os
import re
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import emerg  # noqa: E402
import gwtest  # noqa: E402

PC = "0.0.2"
SIMS = [{"name": "sg1", "pc": PC, "rules": ["default:reject:34"]}]
GROUPS = [{"name": "g1", "first": 1, "last": 15, "dpc": PC},
          {"name": "g2", "first": 16, "last": 31, "dpc": PC}]
ROUTES = [{"prefix": "33", "lines": ["name pstn", f"isup dpc {PC} circuit-group g1", "fallback pstn-alt"]},
          {"prefix": "339", "lines": ["name pstn-alt", f"isup dpc {PC} circuit-group g2"]},
          {"prefix": "112", "lines": ["name psap-primary", f"isup dpc {PC} circuit-group g1",
                                      "fallback psap-10d", "emergency"]},
          {"prefix": "1129", "lines": ["name psap-10d", f"isup dpc {PC} circuit-group g2",
                                       "translate 112 0145678901 exact", "nai national-prefix 0",
                                       "emergency"]}]
ALARMS = ["consecutive-failures 3", "success-ratio-threshold 80 min-attempts 10", "clear-after 60"]
ORDINARY_CALLS = 20
SPACING = 3.0


def test(chk):
    with emerg.EmergBench("low-volume", SIMS, GROUPS, ROUTES, alarms=ALARMS, chk=chk) as b:
        tap = b.taps["sg1"]
        rc, st = b.sipp_uac("emerg_uac_fail.xml", "+33212345678", calls=ORDINARY_CALLS, rate=10)
        chk.check(st["failed"] == 0 and st["received"].count("503") == ORDINARY_CALLS,
                  f"ordinary: {ORDINARY_CALLS} calls refused with 503 ({st['received'].count('503')}, "
                  f"{st['failed']} SIPp failures)")
        chk.check(st["reasons"] == [34] * ORDINARY_CALLS, f"ordinary: Reason cause 34 on each: {set(st['reasons'])}")
        s = b.sims["sg1"].wait_counter("calls.rejected", 2 * ORDINARY_CALLS)
        chk.eq(s.get("rx.IAM"), 2 * ORDINARY_CALLS, "simulator rx.IAM (primary and fallback per call)")
        chk.eq(s.get("calls.rejected.cause34"), 2 * ORDINARY_CALLS, "simulator calls.rejected.cause34")
        time.sleep(2.5)  # two ticks of the supervision's 1 s timer
        chk.eq(b.traps.alarms(), [], "ordinary failures: no alarm TRAP")
        al = b.alarms()
        chk.check(al["header"].startswith("Alarms active 0/") and "raised 0" in al["header"],
                  f"ordinary failures: show emergency alarms: {al['header']}")
        es = b.cmd("show emergency")
        chk.check("Numbers 0/" in es and "Routes 0/" in es, "ordinary failures: nothing supervised in show emergency")
        c = b.counters()
        chk.eq(c.get("calls:failed"), ORDINARY_CALLS, "gateway calls:failed")
        chk.eq(c.get("route:advance"), ORDINARY_CALLS, "gateway route:advance")
        chk.eq(c.get("emergency:attempt"), 0, "gateway emergency:attempt")
        chk.eq(c.get("emergency:failure"), 0, "gateway emergency:failure")
        chk.eq(c.get("alarm:raised"), 0, "gateway alarm:raised")

        # three emergency calls, spaced
        t_emerg = time.monotonic()
        seen = []
        for i in range(3):
            if i:
                time.sleep(SPACING)
            rc, st = b.sipp_uac("emerg_uac_fail.xml", "112", calls=1)
            chk.check(st["failed"] == 0 and "503" in st["received"] and st["reasons"] == [34],
                      f"emergency call {i + 1}: 503 cause 34 after the whole chain {st['received']} {st['reasons']}")
            time.sleep(0.5)
            seen.append({(a["kind"], a["subject"]) for a in b.traps.alarms(since=t_emerg) if a.get("event") == "raised"})
        iams = tap.isup("IAM", "gw>sim", since=t_emerg)
        chk.eq([m["called"]["digits"] for m in iams], ["112", "145678901"] * 3,
               "emergency: each call tried 112, then the ten-digit number")
        num, r1, r2 = (("consecutive-failures", "112"), ("consecutive-failures", "psap-primary"),
                       ("consecutive-failures", "psap-10d"))
        chk.eq(seen[0], set(), "after call 1 (2 failed attempts): no alarm")
        chk.eq(seen[1], {num}, "after call 2 (4 failed attempts on the number): the number's alarm")
        chk.eq(seen[2], {num, r1, r2}, "after call 3: the number's and both routes' alarms")
        traps = {(a["kind"], a["subject"]): a for a in b.traps.alarms(since=t_emerg)}
        chk.check(all(traps[k]["severity"] == "critical" for k in (num, r1, r2) if k in traps),
                  "consecutive-failures alarms are critical")
        chk.check(not [k for k in traps if k[0] == "success-ratio"], "no success-ratio alarm at this volume")
        al = b.alarms()
        got = sorted((a["kind"], a["on"], a["subject"], a["state"]) for a in al["active"])
        chk.eq(got, [("consecutive-failures", "number", "112", "raised"),
                     ("consecutive-failures", "route", "psap-10d", "raised"),
                     ("consecutive-failures", "route", "psap-primary", "raised")],
               "show emergency alarms: the three alarms raised")
        es = b.cmd("show emergency")
        chk.check(re.search(r"^ 112 +attempts 6 success 0 failure 6 refused 0 ratio 0% consecutive 6", es, re.M),
                  "show emergency: 112 with 6 failed attempts in a row")
        chk.check(not re.search(r"^ (pstn|pstn-alt|33\S*) ", es, re.M), "show emergency: no ordinary route")
        c = b.counters()
        chk.eq(c.get("emergency:attempt"), 6, "gateway emergency:attempt")
        chk.eq(c.get("emergency:failure"), 6, "gateway emergency:failure")
        chk.eq(c.get("alarm:raised"), 3, "gateway alarm:raised")
        chk.check(not b.traps.error, f"CTRL TRAP connection: {b.traps.error}")


if __name__ == "__main__":
    sys.exit(gwtest.run(test, "test_emergency_low_volume"))
