#!/usr/bin/env python3
"""test_call_route_advance.py - route advance to the fallback route, end to end (issue 4).

Route 33 (circuit group g1, CICs 1-15) has the fallback route 'alt' (group g2, CICs 16-31) whose
translation rewrites 33... to 44.... The simulator refuses 33... with REL cause 34 (no circuit, a
route-advance cause) and answers 44.... One INVITE must give two IAMs: the first on g1 with the
dialled number, the second on g2 with the translated number, then ACM/ANM and a 200 to SIPp."""
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import gwtest  # noqa: E402

GROUPS = [{"name": "g1", "first": 1, "last": 15}, {"name": "g2", "first": 16, "last": 31}]
ROUTES = [{"prefix": "33", "lines": ["name primary", f"isup dpc {gwtest.SIM_PC} circuit-group g1",
                                     "fallback alt"]},
          {"prefix": "99", "lines": ["name alt", f"isup dpc {gwtest.SIM_PC} circuit-group g2",
                                     "translate 33 44"]}]
RULES = ["--rule", "33:reject:34", "--rule", "44:answer:0", "--rule", "default:reject:1",
         "--log-level", "3"]  # info: the simulator logs each IAM's called number and rule


def test(chk):
    with gwtest.Bench("route-advance", sim_args=RULES, groups=GROUPS, routes=ROUTES, chk=chk) as b:
        rc, st = b.sipp_uac("call_uac_answer.xml", "+33212345678", extra=["-d", "200"])
        chk.check(rc == 0 and st["successful"] == 1 and st["failed"] == 0,
                  f"SIPp: call answered through the fallback ({st['successful']} ok, {st['failed']} failed)"
                  + (f"; errors: {st['errors'][-800:]}" if st["failed"] else ""))
        chk.check("200" in st["received"] and "404" not in st["received"], f"SIPp received {st['received']}")
        b.sim.wait_counter("calls.completed", 1)
        iams = b.tap.isup("IAM", "gw>sim")
        if chk.eq(len(iams), 2, "IAMs on the wire (primary, then fallback)"):
            first, second = iams
            chk.eq(first["called"]["digits"], "33212345678", "first IAM: dialled number")
            chk.check(1 <= first["cic"] <= 15, f"first IAM on group g1: CIC {first['cic']}")
            chk.eq(second["called"]["digits"], "44212345678", "second IAM: translated number")
            chk.check(16 <= second["cic"] <= 31, f"second IAM on group g2: CIC {second['cic']}")
            rel = b.tap.isup("REL", "sim>gw", cic=first["cic"])
            chk.check(len(rel) == 1 and rel[0]["cause"]["value"] == 34,
                      f"REL cause 34 on the first CIC: {[r['cause']['value'] for r in rel]}")
            rlc = b.tap.isup("RLC", "gw>sim", cic=first["cic"])
            chk.check(len(rlc) == 1 and rel and rlc[0]["_t"] >= rel[0]["_t"], "RLC for the refused attempt")
            chk.check(rel and second["_t"] >= rel[0]["_t"], "second IAM only after the REL")
            chk.eq(len(b.tap.isup("ANM", "sim>gw", cic=second["cic"])), 1, "ANM on the fallback CIC")
            rel2 = b.tap.isup("REL", "gw>sim", cic=second["cic"])
            chk.check(len(rel2) == 1 and rel2[0]["cause"]["value"] == 16, "BYE -> REL 16 on the fallback CIC")
        log = b.sim.proc.log()
        chk.check("IAM to 33212345678: reject" in log and "IAM to 44212345678: answer" in log,
                  "the simulator logged the dialled number refused and the translated one answered")
        s = b.sim.summary()
        chk.eq(s.get("calls.in"), 2, "simulator calls.in (two attempts)")
        chk.eq(s.get("rx.IAM"), 2, "simulator rx.IAM")
        chk.eq(s.get("calls.rejected.cause34"), 1, "simulator calls.rejected.cause34")
        chk.eq(s.get("calls.answered.in"), 1, "simulator calls.answered.in")
        c = b.gw.counters()
        chk.eq(c["route:advance"], 1, "gateway route:advance")
        chk.eq(c["calls:answered"], 1, "gateway calls:answered")
        chk.eq(c["calls:failed"], 0, "gateway calls:failed")


if __name__ == "__main__":
    sys.exit(gwtest.run(test, "test_call_route_advance"))
