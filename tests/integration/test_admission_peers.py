#!/usr/bin/env python3
"""test_admission_peers.py - three sites shed to each other, at most once (issue 5, test 2).

Three gateways on loopback (sites a, b, c), each with its own pstn-sim and a 4 MiB budget (about
200 ordinary calls below the shed mark), are each other's `peer`s (OPTIONS every 200 ms). Ordinary
calls are shed by stateless forward: SIPp does not follow a 302, and a forward keeps the caller's
transaction end to end, so SIPp sees the peer's answer as if site a had given it.

Phase 1 fills site a: every call still completes, those past a's shed mark through b and c.
Phase 2 offers site a far more than all three carry: b and c fill up too; then calls get 503.
No INVITE crosses more than one shed hop: b and c forward nothing (every INVITE they get from a
carries the x-gw-shed marker, and a full site refuses a marked call instead of shedding it again),
and the INVITEs that reach b and c are exactly those a forwarded. Peers' load is visible: a sees
b and c degraded (oc > 0 in their OPTIONS answers) while they are loaded."""
import os
import re
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import admtest  # noqa: E402
import gwtest  # noqa: E402
import procs  # noqa: E402

N1, N2, CICS = 300, 600, 400
SITES = ("a", "b", "c")


def site_cfg(name):
    return ["gateway", f" site-name site-{name}", f" ctrl-port {procs.free_port()}",
            "sip", " transaction-linger 2000",
            "admission", " budget 4M", " call-cost-estimate 16K", " sample-interval 100",
            " shed-mode ordinary forward", " shed-mode emergency forward"]


def add_peers(benches):
    for name, b in benches.items():
        lines = ["configure terminal"]
        for other, ob in benches.items():
            if other != name:
                lines += [f"peer site-{other}", f"address 127.0.0.1 {ob.sip_port}",
                          "probe-interval 200", "probe-timeout 150", "up-after 1", "down-after 3",
                          "exit"]
        for line in lines + ["end"]:
            out = b.gw.cmd(line)
            if out.strip().startswith("%"):
                raise RuntimeError(f"site {name}: {line!r}: {out.strip()}")


def peer_states(b):
    """show peers -> {name: (state, oc, selected)}"""
    out = {}
    for m in re.finditer(r"^ (\S+)\s+\S+\s+(\S+)\s+oc\s+(\d+)% weight \d+ selected (\d+)",
                         b.gw.cmd("show peers"), re.M):
        out[m.group(1)] = (m.group(2), int(m.group(3)), int(m.group(4)))
    return out


def sipc(b, name):
    return b.gw.counters().get(name, group="SIP front end", default=0)


def test(chk):
    benches = {}
    try:
        for n in SITES:
            benches[n] = gwtest.Bench(f"adm-peer-{n}", sim_args=["--rule", "33:answer:0"],
                                      cics=f"1-{CICS}",
                                      groups=[{"name": "g1", "first": 1, "last": CICS}],
                                      gw_extra=site_cfg(n), chk=chk)
        for b in benches.values():
            gwtest.wait_until(lambda: len(b.tap.isup("GRA", "sim>gw")) >= (CICS + 31) // 32, 20,
                              what="every start-up GRA")
        add_peers(benches)
        for n, b in benches.items():
            try:
                gwtest.wait_until(lambda: all(s[0] == "up" for s in peer_states(b).values())
                                  and len(peer_states(b)) == 2, 10, interval=0.2,
                                  what=f"site {n}: both peers UP")
            except TimeoutError:
                raise TimeoutError(f"site {n}: peers not UP: {b.gw.cmd('show peers')}")
        a, sb, sc = benches["a"], benches["b"], benches["c"]
        print(f"info: peers up; site a: {peer_states(a)}")

        # phase 1: fill site a; the calls past its shed mark complete through b and c
        t0 = time.monotonic()
        job = admtest.Background(lambda: a.sipp_uac(
            "adm_uac_hold.xml", "+33212345678", calls=N1, rate=100, extra=["-d", "60000"],
            limit=N1, timeout=120))
        gwtest.wait_until(lambda: sipc(a, "rx:invite") >= N1, 20, interval=0.2,
                          what="phase 1 INVITEs at site a")
        time.sleep(2)
        adm_a = admtest.parse_show_admission(a.gw.cmd("show admission"))["class"]["ordinary"]
        fw1 = sipc(a, "forwarded")
        calls_bc = {n: benches[n].b if False else
                    admtest.parse_show_admission(benches[n].gw.cmd("show admission"))
                    ["class"]["ordinary"]["calls"] for n in ("b", "c")}
        answered1 = adm_a["calls"] + sum(calls_bc.values())
        print(f"info: phase 1 after {time.monotonic() - t0:.1f} s: site a holds {adm_a['calls']}, "
              f"forwarded {fw1}; b holds {calls_bc['b']}, c holds {calls_bc['c']}")
        chk.check(0 < adm_a["admitted"] < N1, f"phase 1: site a admitted {adm_a['admitted']}")
        chk.eq(fw1, N1 - adm_a["admitted"], "phase 1: site a forwarded the rest")
        chk.check(calls_bc["b"] > 0 and calls_bc["c"] > 0, f"phase 1: both peers took calls: "
                  f"{calls_bc}")
        chk.eq(answered1, N1, "phase 1: every call in progress somewhere")
        peers_loaded = peer_states(a)
        print(f"info: site a's view of its peers: {peers_loaded}")

        # phase 2: far more than the three sites carry together
        rc2, st2 = a.sipp_uac("adm_uac_hold.xml", "+33212345678", calls=N2, rate=100,
                              extra=["-d", "5000"], limit=N2, timeout=120)
        rc1, st1 = job.result(150)
        chk.eq(st1["failed"], 0, "phase 1: SIPp no failed call")
        chk.eq(len(admtest.responses(st1, 200)) // 2, N1, "phase 1: every call answered")
        ans2 = len(admtest.responses(st2, 200)) // 2
        ref2 = admtest.responses(st2, 503)
        chk.eq(st2["failed"], 0, "phase 2: SIPp no failed call")
        chk.check(ref2, f"phase 2: calls refused once all sites are full: {len(ref2)}")
        chk.eq(ans2 + len(ref2), N2, "phase 2: answered + 503")
        print(f"info: phase 2: {ans2} answered, {len(ref2)} refused (503)")

        # at most one shed hop
        inv = {n: sipc(b, "rx:invite") for n, b in benches.items()}
        fwd = {n: sipc(b, "forwarded") for n, b in benches.items()}
        adm = {n: admtest.parse_show_admission(b.gw.cmd("show admission"))["class"]["ordinary"]
               for n, b in benches.items()}
        print(f"info: INVITEs received {inv}, forwarded {fwd}")
        print("info: ordinary admission per site: " + ", ".join(
            f"{n}: admitted {c['admitted']} shed {c['shed:memory'] + c['shed:hard-limit']} "
            f"already-shed {c['refused:already-shed']} no-peer {c['refused:no-peer']}"
            for n, c in adm.items()))
        chk.eq(inv["a"], N1 + N2, "site a received every INVITE SIPp sent")
        chk.eq(fwd["b"] + fwd["c"], 0, "sites b and c forwarded nothing (one shed hop at most)")
        chk.eq(inv["b"] + inv["c"], fwd["a"], "INVITEs at b and c = those site a forwarded")
        chk.eq(adm["b"]["shed:memory"] + adm["b"]["shed:hard-limit"]
               + adm["c"]["shed:memory"] + adm["c"]["shed:hard-limit"], 0,
               "b and c never shed a call (they refuse marked ones)")
        chk.eq(adm["a"]["admitted"] + adm["b"]["admitted"] + adm["c"]["admitted"],
               N1 + ans2, "admitted at the three sites = answered at SIPp")
        refused_sites = adm["a"]["refused:no-peer"] + adm["b"]["refused:already-shed"] + \
            adm["c"]["refused:already-shed"]
        chk.eq(refused_sites, len(ref2), "503s = a's no-peer + b's and c's already-shed refusals")
        # b and c report oc > 0 once they shed ordinary calls: a stops sending them any
        chk.check(adm["a"]["refused:no-peer"] > adm["b"]["refused:already-shed"]
                  + adm["c"]["refused:already-shed"],
                  f"most refusals at site a (no peer with room: {adm['a']['refused:no-peer']}), "
                  f"not after a wasted hop (b {adm['b']['refused:already-shed']}, "
                  f"c {adm['c']['refused:already-shed']})")
        bad = [m["text"][:300] for m in ref2 if admtest.refusal_fields(m)[0] is None]
        chk.check(not bad, "every 503 carries Retry-After" + (f": {bad[0]!r}" if bad else ""))
        for n, b in benches.items():
            s = b.sim.summary()
            chk.eq(s.get("calls.in"), adm[n]["admitted"], f"site {n}: IAMs at its simulator")
    finally:
        failed = bool(chk.failures) or sys.exc_info()[0] is not None
        for b in benches.values():
            b.close(failed=failed)


if __name__ == "__main__":
    sys.exit(gwtest.run(test, "test_admission_peers"))
