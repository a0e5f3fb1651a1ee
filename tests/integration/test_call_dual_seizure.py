#!/usr/bin/env python3
"""test_call_dual_seizure.py - dual seizure (Q.764 2.10.1.4), end to end (issue 4).

pstn-sim cannot send an IAM on a chosen circuit at a chosen moment, so a scripted SG
(lib/peers.py M3uaServer, point code 2) plays the PSTN. Point code 2 > 1: the PSTN controls the
even circuits, the gateway the odd ones.
 A. The gateway seizes CIC 2 (even) for a SIP call; the PSTN sends its own IAM on CIC 2 before
    any ACM. The gateway must back off: its call hunts again and sends the IAM on CIC 3 with the
    same number, and the PSTN's call on CIC 2 is handled as an incoming call (here: no route for
    its number -> REL cause 1). The call on CIC 3 is answered and released normally.
 B. The gateway seizes CIC 5 (odd); the PSTN's IAM on CIC 5 must be ignored: no REL, no new IAM,
    no incoming call; the gateway's call goes on to answer on CIC 5."""
import os
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import gwtest  # noqa: E402
from sigtran import isup  # noqa: E402

GW, SG = gwtest.GW_PC_NUM, gwtest.SIM_PC_NUM
GROUPS = [{"name": "g1", "first": 2, "last": 3, "hunting": "ascending"},
          {"name": "g2", "first": 5, "last": 5}]
ROUTES = [{"prefix": "33", "lines": ["name even", f"isup dpc {gwtest.SIM_PC} circuit-group g1"]},
          {"prefix": "34", "lines": ["name odd", f"isup dpc {gwtest.SIM_PC} circuit-group g2"]}]


class Pstn:
    """The scripted PSTN: answers the gateway's circuit resets, keeps every ISUP message."""

    def __init__(self, sg):
        self.sg = sg
        self.seen = []

    def send(self, raw):
        self.sg.send_isup(SG, GW, raw)

    def pump(self, until, timeout, what):
        deadline = time.monotonic() + timeout
        while True:
            done = until(self.seen)
            if done:
                return done
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"{what}: not seen within {timeout}s; got "
                                   f"{[(m['type_name'], m['cic']) for m in self.seen]}")
            try:
                m = self.sg.recv_isup(timeout=min(left, 0.5))
            except TimeoutError:
                continue
            m["_t"] = time.monotonic()
            self.seen.append(m)
            if m["type_name"] == "GRS":
                self.send(isup.encode_gra(m["cic"], m["range_status"]["range"]))
            elif m["type_name"] == "RSC":
                self.send(isup.encode_rlc(m["cic"]))
            elif m["type_name"] == "REL":
                self.send(isup.encode_rlc(m["cic"]))

    def drain(self, secs):
        """Take in (and answer) whatever arrives for secs."""
        try:
            self.pump(lambda s: False, secs, "drain")
        except TimeoutError:
            pass

    def of(self, name, cic=None, since=0.0):
        return [m for m in self.seen if m["type_name"] == name and (cic is None or m["cic"] == cic)
                and m["_t"] >= since]


def sipp_in_thread(b, number, res):
    t = threading.Thread(target=lambda: res.setdefault(
        "r", b.sipp_uac("call_uac_answer.xml", number, extra=["-d", "300"], timeout=30)))
    t.start()
    return t


def case_a(chk, b, p):
    c0 = b.gw.counters()
    t0 = time.monotonic()
    res = {}
    t = sipp_in_thread(b, "+33212345678", res)
    iam = p.pump(lambda s: p.of("IAM", since=t0), 10, "IAM for the SIP call")[0]
    chk.eq(iam["cic"], 2, "A: gateway seized CIC 2 (ascending hunting)")
    # our IAM on the same circuit, before any backward message
    p.send(isup.encode_iam(iam["cic"], "4412345", called_nai=3, calling="140000001", calling_nai=3))
    again = p.pump(lambda s: p.of("IAM", cic=3, since=t0), 10, "IAM on CIC 3 after backing off")[0]
    chk.eq(again["called"]["digits"], iam["called"]["digits"], "A: the retried IAM has the same number")
    rel = p.pump(lambda s: p.of("REL", cic=2, since=t0), 10, "REL for the PSTN's call on CIC 2")[0]
    chk.eq(rel["cause"]["value"], 1, "A: the PSTN's call on CIC 2 (no route) released with cause 1")
    p.send(isup.encode_acm(3))
    p.send(isup.encode_anm(3))
    rel3 = p.pump(lambda s: p.of("REL", cic=3, since=t0), 15, "REL after the BYE")[0]
    chk.eq(rel3["cause"]["value"], 16, "A: BYE -> REL 16 on CIC 3")
    t.join(40)
    rc, st = res["r"]
    chk.check(rc == 0 and st["successful"] == 1, f"A: SIPp call answered and ended ({st['received']})")
    chk.eq(len(p.of("IAM", since=t0)), 2, "A: two IAMs from the gateway in all")
    c1 = b.gw.counters()
    chk.eq(c1["cic:lost"] - c0["cic:lost"], 1, "A: gateway cic:lost (dual seizure lost)")
    chk.eq(c1["calls:answered"] - c0["calls:answered"], 1, "A: gateway calls:answered")
    chk.eq(c1["calls:isup-in"] - c0["calls:isup-in"], 1, "A: gateway calls:isup-in (the PSTN's call)")


def case_b(chk, b, p):
    c0 = b.gw.counters()
    t0 = time.monotonic()
    res = {}
    t = sipp_in_thread(b, "+34212345678", res)
    iam = p.pump(lambda s: p.of("IAM", since=t0), 10, "IAM for the SIP call")[0]
    chk.eq(iam["cic"], 5, "B: gateway seized CIC 5")
    p.send(isup.encode_iam(5, "4412345", called_nai=3))
    p.drain(1.0)
    chk.eq([(m["type_name"], m["cic"]) for m in p.seen if m["_t"] > iam["_t"]], [],
           "B: the gateway (controlling CIC 5) ignores the PSTN's IAM: nothing sent")
    p.send(isup.encode_acm(5))
    p.send(isup.encode_anm(5))
    rel = p.pump(lambda s: p.of("REL", cic=5, since=t0), 15, "REL after the BYE")[0]
    chk.eq(rel["cause"]["value"], 16, "B: BYE -> REL 16 on CIC 5")
    t.join(40)
    rc, st = res["r"]
    chk.check(rc == 0 and st["successful"] == 1, f"B: SIPp call answered and ended ({st['received']})")
    c1 = b.gw.counters()
    chk.eq(c1["cic:lost"] - c0["cic:lost"], 0, "B: gateway cic:lost")
    chk.eq(c1["calls:isup-in"] - c0["calls:isup-in"], 0, "B: no incoming call from the ignored IAM")
    chk.eq(c1["calls:answered"] - c0["calls:answered"], 1, "B: gateway calls:answered")


def test(chk):
    with gwtest.Bench("dual-seizure", python_sg=True, groups=GROUPS, routes=ROUTES, chk=chk) as b:
        p = Pstn(b.sg)
        # answer the resets of the start, then let the circuits settle
        p.drain(1.5)
        case_a(chk, b, p)
        case_b(chk, b, p)
        chk.check(b.gw.proc.alive(), "gateway still running")


if __name__ == "__main__":
    sys.exit(gwtest.run(test, "test_call_dual_seizure"))
