#!/usr/bin/env python3
"""test_admission_budget.py - the memory budget holds under long calls (issue 5, test 1).

A 4 MiB budget with a 16 KiB call-cost estimate (ceiling ~256 calls, shed mark 80 %, emergency
reserve 10 %). SIPp holds ordinary calls until the shed mark: the rest get a stateless 503 with
Retry-After in [retry-after min, max] and RFC 7339 oc parameters on the Via, counted as
shed:memory. Emergency calls (112) are then still admitted, from the reserve, until it is spent
(shed:hard-limit, refused:no-peer since there are no peers). An ordinary call meanwhile gets 503.
A second telnet session samples `show admission` every 100 ms throughout: jemalloc's measured
figure never exceeds the budget. When the calls have ended, the tickets are back to 0 and the
measured memory returns to near its level before the calls."""
import os
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import admtest  # noqa: E402
import gwtest  # noqa: E402
import procs  # noqa: E402

N_ORD, N_EMERG, N_LATE = 400, 100, 5
RETRY_MIN, RETRY_MAX = 5, 30


def judged(b, cls):
    """INVITEs of the class admission has decided on so far (admitted or shed)."""
    c = admtest.parse_show_admission(b.gw.cmd("show admission"))["class"][cls]
    return c["admitted"] + c["shed:memory"] + c["shed:hard-limit"]


def test(chk):
    adm_cfg = ["gateway", f" ctrl-port {procs.free_port()}",
               "sip", " transaction-linger 2000",
               "admission", " budget 4M", " call-cost-estimate 16K", " sample-interval 100",
               " shed-mode ordinary reject", f" retry-after {RETRY_MIN} {RETRY_MAX}"]
    with gwtest.Bench("adm-budget", sim_args=["--rule", "33:answer:0", "--rule", "112:answer:0"],
                      cics="1-600", groups=[{"name": "g1", "first": 1, "last": 600}],
                      gw_extra=adm_cfg, chk=chk) as b:
        a0 = admtest.parse_show_admission(b.gw.cmd("show admission"))
        budget = a0["budget"]
        chk.eq(budget, 4 << 20, "budget")
        chk.check("ceiling of" in b.gw.log() and "admission: budget 4194304 bytes" in b.gw.log(),
                  "start-up log names the call ceiling")
        print(f"info: before the calls: measured {a0['measured']} bytes above baseline "
              f"{a0['baseline']}, ceiling {a0['ceiling']} calls")
        sampler = admtest.Sampler(b.vty_port, interval=0.1)
        try:
            # 1. ordinary calls held 25 s, 100 per second: the budget fills up
            ordj = admtest.Background(lambda: b.sipp_uac(
                "adm_uac_hold.xml", "+33212345678", calls=N_ORD, rate=100, extra=["-d", "25000"],
                limit=N_ORD, timeout=90))
            gwtest.wait_until(lambda: judged(b, "ordinary") >= N_ORD, 20, interval=0.2,
                              what="every ordinary INVITE judged")
            a1 = admtest.parse_show_admission(b.gw.cmd("show admission"))
            print(f"info: full of ordinary calls: state {a1['state']}, used {a1['used']}, "
                  f"measured {a1['measured']}, cost {a1['cost']}, "
                  f"{a1['class']['ordinary']['calls']} calls")
            chk.check(a1["state"] in ("shedding", "full"), f"state after the fill: {a1['state']}")

            # 2. emergency calls on top: admitted from the reserve until it is spent
            emj = admtest.Background(lambda: b.sipp_uac(
                "adm_uac_hold.xml", "112", calls=N_EMERG, rate=50, extra=["-d", "12000"],
                limit=N_EMERG, timeout=60))
            gwtest.wait_until(lambda: judged(b, "emergency") >= N_EMERG, 20, interval=0.2,
                              what="every emergency INVITE judged")
            # 3. an ordinary call while the reserve is in use: refused
            rc, late = b.sipp_uac("adm_uac_hold.xml", "+33212345679", calls=N_LATE, rate=10,
                                  extra=["-d", "1000"], limit=N_LATE, timeout=30)
            a2 = admtest.parse_show_admission(b.gw.cmd("show admission"))
            rc_o, ordst = ordj.result(120)
            rc_e, emst = emj.result(120)
        finally:
            sampler.stop()

        # --- ordinary: admitted up to the shed mark, the rest 503 with Retry-After and oc
        o = a2["class"]["ordinary"]
        adm_ord = len(admtest.responses(ordst, 200)) // 2   # 200 to INVITE and to BYE
        r503 = admtest.responses(ordst, 503)
        chk.eq(rc_o, 0, "SIPp ordinary run: exit status")
        chk.eq(ordst["successful"], N_ORD, "SIPp ordinary: every call ended as scripted")
        chk.check(0 < adm_ord < N_ORD, f"ordinary calls answered: {adm_ord} of {N_ORD}")
        chk.eq(adm_ord + len(r503), N_ORD, "ordinary: answered + 503")
        chk.eq(o["admitted"], adm_ord + 0, "gateway ordinary admitted = answered at SIPp")
        chk.eq(o["shed:memory"] + o["shed:hard-limit"] + o.get("refused:no-peer", 0),
               len(r503) + N_LATE, "gateway ordinary shed = 503s at SIPp (fill + late calls)")
        ras, ocs, bad = [], [], []
        for m in r503:
            ra, via = admtest.refusal_fields(m)
            ras.append(ra)
            if ra is None or not RETRY_MIN <= ra <= RETRY_MAX or "oc" not in via \
                    or "oc-validity" not in via or "oc-seq" not in via or via.get("oc-algo") != "loss" \
                    or m["reason"] != 42:
                bad.append(m["text"][:400])
            else:
                ocs.append(int(via["oc"]))
        chk.check(not bad, f"every 503 has Retry-After in [{RETRY_MIN},{RETRY_MAX}], Via oc, "
                  f"oc-validity, oc-seq, oc-algo=loss and Reason cause 42"
                  + (f"; first bad: {bad[0]!r}" if bad else ""))
        distinct = len({r for r in ras if r is not None})
        chk.check(distinct >= 5, f"Retry-After is jittered: {distinct} distinct values")
        chk.check(ocs and min(ocs) >= 10, f"oc of the refusals >= 10: {min(ocs) if ocs else None}"
                  f"..{max(ocs) if ocs else None}")
        ceiling_calls = (a1["shed_mark"]) // max(1, a1["cost"])
        print(f"info: ordinary admitted {adm_ord}, shed {len(r503)}; shed mark / cost per call = "
              f"{ceiling_calls}; Retry-After {min(ras)}..{max(ras)} s, oc {min(ocs)}..{max(ocs)}")

        # --- emergency: admitted from the reserve, then refused at the hard limit
        e = a2["class"]["emergency"]
        adm_em = len(admtest.responses(emst, 200)) // 2
        chk.eq(emst["successful"], N_EMERG, "SIPp emergency: every call ended as scripted")
        chk.check(adm_em > 0, f"emergency calls admitted while ordinary ones are shed: {adm_em}")
        chk.eq(e["admitted"], adm_em, "gateway emergency admitted = answered at SIPp")
        chk.check(e["shed:hard-limit"] > 0 and e["shed:memory"] == 0,
                  f"emergency refused only once the reserve is spent: hard-limit "
                  f"{e['shed:hard-limit']}, memory {e['shed:memory']}")
        chk.eq(e.get("refused:no-peer"), e["shed:hard-limit"],
               "emergency shed with no peer configured: refused no-peer")
        chk.eq(adm_em + len(admtest.responses(emst, 503)), N_EMERG, "emergency: answered + 503")
        chk.eq(len(admtest.responses(late, 503)), N_LATE, "ordinary calls during the reserve: 503")
        print(f"info: emergency admitted {adm_em} on top of {adm_ord} ordinary calls, "
              f"{e['shed:hard-limit']} refused at the hard limit")

        # --- jemalloc's figure never exceeded the budget
        meas = [s["measured"] for s in sampler.samples if s["measured"] is not None]
        used = [s["used"] for s in sampler.samples]
        chk.check(len(meas) >= 50, f"samples of show admission: {len(meas)}")
        chk.check(meas and max(meas) <= budget, f"jemalloc measured <= budget: max {max(meas)} "
                  f"of {budget}")
        chk.check(max(used) <= budget, f"used <= budget: max {max(used)}")
        chk.check(not sampler.errors, f"sampler errors: {sampler.errors[:3]}")
        print(f"info: max measured {max(meas)} ({100 * max(meas) // budget} % of the budget), "
              f"max used {max(used)}; show admission RTT p50 {sampler.percentile(50) * 1000:.1f} ms "
              f"p99 {sampler.percentile(99) * 1000:.1f} ms over {len(sampler.rtts)} commands")

        # --- back to the baseline once the calls are gone
        def settled():
            a = admtest.parse_show_admission(b.gw.cmd("show admission"))
            ok = a["charged"] == 0 and all(c["calls"] == 0 for c in a["class"].values()) \
                and a["measured"] <= a0["measured"] + budget // 10
            return a if ok else None
        try:
            a3 = gwtest.wait_until(settled, 30, interval=0.5, what="admission back to baseline")
            print(f"info: after the calls: measured {a3['measured']} (before: {a0['measured']}), "
                  f"state {a3['state']}")
            chk.check(a3["state"] == "normal", f"state after the calls: {a3['state']}")
        except TimeoutError as ex:
            chk.check(False, f"{ex}: {b.gw.cmd('show admission')}")
        c = b.gw.counters()
        chk.eq(c["calls:sip-in"], adm_ord + adm_em, "gateway calls:sip-in = admitted calls")


if __name__ == "__main__":
    sys.exit(gwtest.run(test, "test_admission_budget"))
