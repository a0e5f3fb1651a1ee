#!/usr/bin/env python3
"""test_admission_emergency_shed.py - emergency calls a full site cannot admit go to a peer
that can, while ordinary ones are refused at once (issue 5: emergency calls that cannot be
admitted locally are shed before any ordinary call is).

Site b (4 MiB budget) is loaded with ordinary calls past its shed mark, so its OPTIONS answers
carry oc > 0: it sheds ordinary calls but still admits emergency ones. Site a (2 MiB budget,
`shed-mode emergency forward`, `shed-mode ordinary forward`) takes emergency calls (112) until its
own budget is spent; the emergency calls past that are forwarded to b and answered there. An
ordinary call offered to a then is refused at a (no peer with room for it: b reports oc > 0),
never sent to b."""
import os
import re
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import admtest  # noqa: E402
import gwtest  # noqa: E402
import procs  # noqa: E402

CICS = 300
N_B, N_EM, N_ORD = 260, 160, 10


def cfg(site, budget):
    return ["gateway", f" site-name site-{site}", f" ctrl-port {procs.free_port()}",
            "sip", " transaction-linger 2000",
            "admission", f" budget {budget}", " call-cost-estimate 16K", " sample-interval 100",
            " shed-mode ordinary forward", " shed-mode emergency forward"]


def adm(b, cls):
    return admtest.parse_show_admission(b.gw.cmd("show admission"))["class"][cls]


def sipc(b, name):
    return b.gw.counters().get(name, group="SIP front end", default=0)


def adm_state(b):
    return admtest.parse_show_admission(b.gw.cmd("show admission"))["state"]


def peer_line(b):
    m = re.search(r"^ site-b\s+\S+\s+(\S+)\s+oc\s+(\d+)%", b.gw.cmd("show peers"), re.M)
    return (m.group(1), int(m.group(2))) if m else (None, None)


def test(chk):
    benches = {}
    try:
        for site, budget in (("a", "2M"), ("b", "4M")):
            benches[site] = gwtest.Bench(
                f"adm-em-{site}", sim_args=["--rule", "33:answer:0", "--rule", "112:answer:0"],
                cics=f"1-{CICS}", groups=[{"name": "g1", "first": 1, "last": CICS}],
                gw_extra=cfg(site, budget), chk=chk)
        a, b = benches["a"], benches["b"]
        for x in (a, b):
            gwtest.wait_until(lambda: len(x.tap.isup("GRA", "sim>gw")) >= (CICS + 31) // 32, 20,
                              what="every start-up GRA")
        for line in ("configure terminal", "peer site-b", f"address 127.0.0.1 {b.sip_port}",
                     "probe-interval 200", "probe-timeout 150", "up-after 1", "end"):
            a.gw.cmd(line)

        # load b past its shed mark with its own ordinary traffic
        bj = admtest.Background(lambda: b.sipp_uac(
            "adm_uac_hold.xml", "+33212345678", calls=N_B, rate=100, extra=["-d", "40000"],
            limit=N_B, timeout=90))
        gwtest.wait_until(lambda: (lambda s: s[0] == "degraded" and s[1] > 0)(peer_line(a)), 20,
                          interval=0.2, what="site a sees site b degraded (oc > 0)")
        print(f"info: site b loaded: {adm(b, 'ordinary')['calls']} ordinary calls, site a sees "
              f"{peer_line(a)}")

        # emergency calls to a: its own budget first, then b
        emj = admtest.Background(lambda: a.sipp_uac(
            "adm_uac_hold.xml", "112", calls=N_EM, rate=40, extra=["-d", "20000"], limit=N_EM,
            timeout=90))
        gwtest.wait_until(lambda: (lambda e: e["admitted"] + e["shed:hard-limit"])(
            adm(a, "emergency")) >= N_EM, 20, interval=0.2, what="every emergency INVITE judged")
        time.sleep(1)
        ea, eb = adm(a, "emergency"), adm(b, "emergency")
        fwd_em = sipc(a, "forwarded")
        print(f"info: {N_EM} emergency calls to a: {ea['admitted']} admitted at a, {fwd_em} "
              f"forwarded, {eb['admitted']} admitted at b; site a {adm_state(a)}")
        chk.check(0 < ea["admitted"] < N_EM, f"site a admitted emergency calls up to its budget: "
                  f"{ea['admitted']}")
        chk.check(ea["shed:hard-limit"] > 0, f"site a shed emergency calls at its hard limit: "
                  f"{ea['shed:hard-limit']}")
        chk.eq(fwd_em, ea["shed:hard-limit"], "every emergency call a could not admit was forwarded")
        chk.eq(eb["admitted"], fwd_em, "site b admitted every forwarded emergency call")
        chk.eq(ea.get("refused:no-peer"), 0, "no emergency call refused at a")

        # ordinary calls to a, full of emergency calls, while b sheds ordinary: refused at a
        before_b = sipc(b, "rx:invite")
        rc_o, od = a.sipp_uac("adm_uac_hold.xml", "+33212345679", calls=N_ORD, rate=10,
                              extra=["-d", "1000"], limit=N_ORD, timeout=30)
        oa = adm(a, "ordinary")
        chk.eq(len(admtest.responses(od, 503)), N_ORD, "ordinary calls to a: all 503")
        chk.eq(oa["refused:no-peer"], N_ORD, "ordinary calls to a: refused, no peer with room")
        chk.eq(sipc(b, "rx:invite") - before_b, 0, "no ordinary call forwarded to the loaded peer")
        chk.eq(sipc(a, "forwarded"), fwd_em, "site a forwarded emergency calls only")
        print(f"info: {N_ORD} ordinary calls to a: {oa['admitted']} admitted, "
              f"{oa['refused:no-peer']} refused (no peer with room)")
        rc_e, em = emj.result(120)
        chk.eq(em["failed"], 0, "SIPp emergency: no failed call")
        chk.eq(len(admtest.responses(em, 200)) // 2, N_EM, "every emergency call answered")
        rc_b, bst = bj.result(120)
        chk.eq(bst["failed"], 0, "site b's own calls: no failed call")
    finally:
        failed = bool(chk.failures) or sys.exc_info()[0] is not None
        for x in benches.values():
            x.close(failed=failed)


if __name__ == "__main__":
    sys.exit(gwtest.run(test, "test_admission_emergency_shed"))
