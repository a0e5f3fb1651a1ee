#!/usr/bin/env python3
"""test_admission_isup.py - an IAM refused by admission gets REL cause 42 with the automatic
congestion level (Q.763 3.4, Q.764 2.11), asserted on the wire between the gateway and pstn-sim.

Phase 1: a budget smaller than one call's cost: every IAM is at the hard limit -> REL 42, ACL 2.
Phase 2: budget 256M and a per-source rate of 1 call/s (burst 1) for the simulator's OPC:
calls over the rate are refused while memory is plentiful -> REL 42, ACL 1. The gateway has no
SIP route, so the admitted ones are released with cause 1 and carry no ACL."""
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import admtest  # noqa: E402
import gwtest  # noqa: E402
import procs  # noqa: E402

N1, N2 = 10, 20


def run(chk, name, count, adm_lines):
    """pstn-sim originates count calls at 5/s once the ASP is up (the first 200 ms
    after it, when the start-up circuit reset is long done); returns (bench summary,
    REL from the gateway, show admission) after every REL is seen."""
    cfg = ["gateway", f" ctrl-port {procs.free_port()}", "admission"] + adm_lines
    with gwtest.Bench(name, sim_args=["--originate", "5", "--count", str(count), "--called",
                                      "4000", "--hold", "0"], gw_extra=cfg, chk=chk) as b:
        # pstn-sim originates as soon as the ASP is active, while the gateway's start-up GRS is
        # still out: an IAM on a circuit in reset is discarded (Q.764 2.10.3), not judged
        gwtest.wait_until(lambda: len(b.tap.isup("IAM", "sim>gw")) >= count, 20, what="IAMs")
        gra = b.tap.isup("GRA", "sim>gw")
        early = [m for m in b.tap.isup("IAM", "sim>gw") if not gra or m["_t"] < gra[-1]["_t"]]
        if early:
            print(f"info: {len(early)} IAM(s) arrived during the start-up reset (discarded)")
        got = b.tap.wait_isup("REL", "gw>sim", count - len(early), timeout=20)
        adm = admtest.parse_show_admission(b.gw.cmd("show admission"))
        rlc = len(b.tap.isup("RLC", "sim>gw"))
        refused = b.gw.counters().get("refused:admission", group="call interworking")
        return got, adm, rlc, refused


def test(chk):
    # phase 1: one call costs more than the budget: hard limit, level 2
    got, a, rlc, refused = run(chk, "adm-isup-full", N1, [" budget 64K", " call-cost-estimate 1M"])
    n = len(got)
    chk.check(n >= N1 - 2, f"hard limit: {n} IAMs judged of {N1}")
    chk.eq([m["cause"]["value"] for m in got], [42] * n, "hard limit: REL causes")
    chk.eq([m.get("acl") for m in got], [2] * n, "hard limit: automatic congestion level 2")
    chk.eq(rlc, n, "hard limit: RLC for each REL")
    chk.eq(a["class"]["ordinary"]["shed:hard-limit"], n, "admission: ordinary shed:hard-limit")
    chk.eq(a["class"]["ordinary"]["admitted"], 0, "admission: nothing admitted")
    chk.eq(refused, n, "gateway counter refused:admission")

    # phase 2: memory plentiful, one call per second from the OPC: rate refusals, level 1
    got, a, rlc, refused = run(chk, "adm-isup-rate", N2, [" budget 256M", " rate per-source 1 1"])
    by_cause = {}
    for m in got:
        by_cause.setdefault(m["cause"]["value"], []).append(m.get("acl"))
    print(f"info: rate limit: REL causes -> ACLs: {by_cause}")
    n42 = len(by_cause.get(42, []))
    chk.check(N2 // 2 <= n42 < len(got), f"rate limit: refusals (cause 42): {n42} of {N2}")
    chk.check(all(x == 1 for x in by_cause.get(42, [])), "rate limit: ACL 1 on every refusal")
    chk.check(all(x is None for c, xs in by_cause.items() if c != 42 for x in xs),
              "rate limit: no ACL on releases of other causes")
    chk.eq(a["class"]["ordinary"]["refused:rate-source"], n42,
           "admission: ordinary refused:rate-source = REL 42 on the wire")
    chk.eq(refused, n42, "gateway counter refused:admission")


if __name__ == "__main__":
    sys.exit(gwtest.run(test, "test_admission_isup"))
