#!/usr/bin/env python3
"""test_admission_cpu_guard.py - the CPU guard limits new calls, not emergency calls.

`cpu-limit 1`: any load takes the gateway's CPU over 1 %, so the guard must set a new-call
limit while SIPp offers 300 ordinary calls at 150 calls/s (each held 0.5 s), with 12 emergency
calls (112) placed at the same time. Checked: the guard limited (seen in `show admission`
sampled during the load); ordinary calls were refused with a stateless 503 carrying
Retry-After, RFC 7339 feedback asking for at least half the load off and Reason cause 42,
counted `refused:cpu`; every refusal is counted under one reason and every admitted call was
answered and released (SIPp, simulator, wire); every emergency call was admitted and answered.
The guard's arithmetic (the cut, the raise, the lift, the floor) is test_adm's; here the
daemon's wiring: the clocks read, the SIP thread's check, the counters and the answers."""
import os
import re
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import admtest  # noqa: E402
import gwtest  # noqa: E402

N, RATE, N_EM, CICS = 300, 150, 12, 400


def call_ids(msgs):
    return {re.search(r"^Call-ID\s*:\s*(\S+)", m["text"], re.I | re.M).group(1) for m in msgs}


def test(chk):
    cfg = ["admission", " cpu-limit 1", " sample-interval 100", " shed-mode ordinary reject"]
    with gwtest.Bench("adm-cpu", sim_args=["--rule", "33:answer:0", "--rule", "112:answer:0"],
                      cics=f"1-{CICS}", groups=[{"name": "g1", "first": 1, "last": CICS}],
                      gw_extra=cfg, chk=chk) as b:
        gwtest.wait_until(lambda: len(b.tap.isup("GRA", "sim>gw")) >= (CICS + 31) // 32, 20,
                          what="every start-up GRA")
        a0 = admtest.parse_show_admission(b.gw.cmd("show admission"))
        chk.eq(a0["cpu_limit_pct"], 1, "show admission: cpu limit 1 %")
        vty = admtest.Sampler(b.vty_port, interval=0.05)
        em = admtest.Background(lambda: b.sipp_uac(
            "adm_uac_hold.xml", "112", calls=N_EM, rate=6, extra=["-d", "500"], limit=N_EM,
            timeout=60))
        try:
            rc, st = b.sipp_uac("adm_uac_hold.xml", "+33212345678", calls=N, rate=RATE,
                                extra=["-d", "500"], limit=N, timeout=60)
            erc, est = em.result(90)
        finally:
            vty.stop()
        a = admtest.parse_show_admission(b.gw.cmd("show admission"))
        o, e = a["class"]["ordinary"], a["class"]["emergency"]
        limited = [x["cpu_limit_cps"] for x in vty.samples if x.get("cpu_limit_cps")]
        occ = max((x["cpu_occ"] or 0) for x in vty.samples) if vty.samples else None
        print(f"info: {len(vty.samples)} samples of show admission, {len(limited)} with a "
              f"new-call limit (lowest {min(limited) if limited else '-'} cps), highest "
              f"occupancy {occ} %")
        chk.check(limited, "show admission: the guard set a new-call limit during the load")

        ok = call_ids(admtest.responses(st, 200))
        refused_msgs = admtest.responses(st, 503)
        refused = call_ids(refused_msgs)
        answered = len(ok)
        print(f"info: {N} ordinary calls at {RATE}/s: {answered} answered, {len(refused)} "
              f"refused; ordinary counters {o}")
        chk.eq(rc, 0, "SIPp exit status (ordinary)")
        chk.eq(st["failed"], 0, "SIPp: no failed call")
        chk.eq(answered + len(refused), N, "answered + refused = offered")
        chk.check(o["refused:cpu"] > 0, f"admission: refused:cpu counted ({o['refused:cpu']})")
        chk.eq(o["admitted"], answered, "admission: ordinary admitted = answered at SIPp")
        by_reason = {k: v for k, v in o.items() if k.startswith(("shed:", "refused:"))}
        chk.eq(sum(by_reason.values()), len(refused), "admission: every refusal counted once")
        bad = []
        for m in refused_msgs:
            ra, oc = admtest.refusal_fields(m)
            reason = re.search(r"^Reason\s*:.*cause=(\d+)", m["text"], re.I | re.M)
            if ra is None or int(oc.get("oc", "0") or 0) < 50 or not reason \
                    or reason.group(1) != "42":
                bad.append((ra, oc, reason.group(1) if reason else None))
        chk.eq(bad[:3], [], "every 503: Retry-After, oc >= 50 on the Via, Reason cause 42")

        em_ok = call_ids(admtest.responses(est, 200))
        print(f"info: {N_EM} emergency calls: {len(em_ok)} answered; emergency counters {e}")
        chk.eq(erc, 0, "SIPp exit status (emergency)")
        chk.eq(len(em_ok), N_EM, "every emergency call answered")
        chk.eq(admtest.responses(est, 503), [], "no emergency call refused")
        chk.eq(e["admitted"], N_EM, "admission: emergency admitted")
        chk.eq(e.get("refused:cpu", 0), 0, "admission: no emergency call refused for CPU")

        total = answered + N_EM
        s = b.sim.wait_counter("calls.completed", total, timeout=20)
        chk.eq(s.get("calls.in"), total, "simulator calls.in = calls answered")
        t = b.tap.summary()
        for key in ("gw>sim IAM", "sim>gw ANM", "gw>sim REL", "sim>gw RLC"):
            chk.eq(t.get(key, 0), total, f"wire: {key}")
        time.sleep(0.2)
        chk.check(not vty.errors, f"VTY sampler errors: {vty.errors[:3]}")


if __name__ == "__main__":
    sys.exit(gwtest.run(test, "test_admission_cpu_guard"))
