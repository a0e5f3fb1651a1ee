#!/usr/bin/env python3
"""test_call_basic.py - SIP-to-ISUP calls through the gateway, end to end (issue 4).

SIPp -> gateway -> (wire tap) -> pstn-sim. The simulator's rules pick the outcome by called
number; each case checks what SIPp received (status, Reason), what crossed the M3UA link (decoded
by lib/sigtran.py: IAM digits, NAI, CPC, calling number, REL causes), the simulator's counters and
the gateway's counters:
  answered (BYE -> REL 16), busy (REL 17 -> 486 cause 17), unallocated at the PSTN (REL 1 -> 404)
  and in the route table (404, no IAM), no answer (ACM, T9 -> REL 19, 480 cause 19), CANCEL after
  180 (REL to the PSTN, 487), release from the PSTN after answer (REL 16 -> BYE cause 16)."""
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import gwtest  # noqa: E402
from sigtran import isup  # noqa: E402

RULES = ["--rule", "3321:answer:100",
         "--rule", "3322:reject:17",
         "--rule", "3323:reject:1",
         "--rule", "3324:ring",
         "--rule", "3325:ring",
         "--rule", "3326:answer:0:1500",
         "--rule", "default:reject:3",
         "--log-level", "3"]  # info: the simulator logs each IAM's called number and rule
ROUTES = [{"prefix": "33", "lines": ["name pstn", f"isup dpc {gwtest.SIM_PC} circuit-group g1"]}]
T9 = 3


def delta(before, after, key):
    return after.get(key, 0) - before.get(key, 0)


class Step:
    """Counters of the three parties before a case; diff() gives what the case changed."""

    def __init__(self, b):
        self.b = b
        self.t0 = __import__("time").monotonic()
        self.sim0 = b.sim.summary()
        self.gw0 = b.gw.counters()

    def sim(self, key):
        return delta(self.sim0, self.b.sim.summary(), key)

    def gw(self, key):
        now = self.b.gw.counters()
        return now[key] - self.gw0[key]

    def isup(self, name, direction):
        return self.b.tap.isup(name, direction, since=self.t0)


def sipp_ok(chk, what, rc, st, calls=1):
    chk.check(rc == 0 and st["successful"] == calls and st["failed"] == 0,
              f"{what}: SIPp {st['successful']}/{calls} calls as scripted, {st['failed']} failed"
              + ("" if st["failed"] == 0 else f"; errors: {st['errors'][-800:]}"))


def case_answered(chk, b):
    s = Step(b)
    rc, st = b.sipp_uac("call_uac_answer.xml", "+33211110001", extra=["-d", "300"])
    sipp_ok(chk, "answered", rc, st)
    chk.check("200" in st["received"], f"answered: SIPp received {st['received']}")
    b.sim.wait_counter("calls.completed", s.sim0.get("calls.completed", 0) + 1)
    iams = s.isup("IAM", "gw>sim")
    if chk.eq(len(iams), 1, "answered: IAMs on the wire"):
        iam = iams[0]
        chk.eq(iam["called"]["digits"], "33211110001", "answered: IAM called digits")
        chk.eq(iam["called"]["nai"], isup.NAI_INTERNATIONAL, "answered: IAM called NAI (+33...)")
        chk.eq(iam.get("calling", {}).get("digits"), "33140000001", "answered: IAM calling digits (PAI)")
        chk.eq(iam.get("calling", {}).get("nai"), isup.NAI_INTERNATIONAL, "answered: IAM calling NAI")
        chk.eq(iam.get("calling", {}).get("screening"), 3, "answered: calling screening network provided (trusted PAI)")
        chk.eq(iam["calling_category"], isup.CPC_PAYPHONE, "answered: IAM CPC (cpc=payphone)")
        chk.eq(iam["_label"]["opc"], gwtest.GW_PC_NUM, "answered: IAM OPC")
        chk.eq(iam["_label"]["dpc"], gwtest.SIM_PC_NUM, "answered: IAM DPC")
        cic = iam["cic"]
        rels = b.tap.isup("REL", "gw>sim", cic=cic, since=s.t0)
        chk.check(len(rels) == 1 and rels[0]["cause"]["value"] == 16,
                  f"answered: BYE -> REL cause 16 on CIC {cic}: {[r['cause'] for r in rels]}")
        try:
            gwtest.wait_until(lambda: b.tap.isup("RLC", "sim>gw", cic=cic, since=s.t0), 5, what="RLC")
        except TimeoutError:
            pass
        chk.eq(len(b.tap.isup("RLC", "sim>gw", cic=cic, since=s.t0)), 1, "answered: RLC from the PSTN")
    chk.check("IAM to 33211110001: answer" in b.sim.proc.log(),
              "answered: the simulator logged the IAM's called number and its answer rule")
    chk.eq(len(s.isup("ACM", "sim>gw")), 1, "answered: ACM on the wire")
    chk.eq(len(s.isup("ANM", "sim>gw")), 1, "answered: ANM on the wire")
    chk.eq(s.sim("calls.in"), 1, "answered: simulator calls.in")
    chk.eq(s.sim("rx.IAM"), 1, "answered: simulator rx.IAM")
    chk.eq(s.sim("calls.answered.in"), 1, "answered: simulator calls.answered.in")
    chk.eq(s.sim("calls.released.cause16"), 1, "answered: simulator calls.released.cause16")
    chk.eq(s.gw("calls:sip-in"), 1, "answered: gateway calls:sip-in")
    chk.eq(s.gw("calls:answered"), 1, "answered: gateway calls:answered")
    chk.eq(s.gw("release:by-sip"), 1, "answered: gateway release:by-sip")
    chk.eq(s.gw("calls:failed"), 0, "answered: gateway calls:failed")


def case_refused(chk, b, what, scenario, number, status, cause, sim_key, iam_expected=True,
                 gw_key=None):
    s = Step(b)
    rc, st = b.sipp_uac(scenario, number)
    sipp_ok(chk, what, rc, st)
    chk.check(str(status) in st["received"], f"{what}: SIPp received {st['received']}")
    finals = [m for m in st["messages"] if m["status"] == status]
    chk.check(finals and finals[0]["reason"] == cause,
              f"{what}: {status} carries Reason Q.850 cause {cause}: {[m['reason'] for m in finals]}")
    iams = s.isup("IAM", "gw>sim")
    if iam_expected:
        chk.eq(len(iams), 1, f"{what}: IAMs on the wire")
        rels = s.isup("REL", "sim>gw")
        chk.check(len(rels) == 1 and rels[0]["cause"]["value"] == cause,
                  f"{what}: REL cause {cause} from the PSTN: {[r['cause']['value'] for r in rels]}")
        gwtest.wait_until(lambda: s.isup("RLC", "gw>sim"), 5, what=f"{what}: RLC from the gateway")
        chk.eq(len(s.isup("RLC", "gw>sim")), 1, f"{what}: RLC from the gateway")
        chk.eq(s.sim(sim_key), 1, f"{what}: simulator {sim_key}")
    else:
        chk.eq(len(iams), 0, f"{what}: no IAM on the wire")
        chk.eq(s.sim("rx.IAM"), 0, f"{what}: simulator rx.IAM")
    chk.eq(s.gw("calls:failed"), 1, f"{what}: gateway calls:failed")
    chk.eq(s.gw("calls:answered"), 0, f"{what}: gateway calls:answered")
    if gw_key:
        chk.eq(s.gw(gw_key), 1, f"{what}: gateway {gw_key}")


def case_no_answer(chk, b):
    s = Step(b)
    rc, st = b.sipp_uac("call_uac_noanswer.xml", "+33241110001", timeout=T9 + 20)
    sipp_ok(chk, "no answer", rc, st)
    chk.check(st["received"].count("180") == 1 and "480" in st["received"],
              f"no answer: SIPp received {st['received']}")
    r480 = [m for m in st["messages"] if m["status"] == 480]
    chk.check(r480 and r480[0]["reason"] == 19, f"no answer: 480 Reason cause 19: {[m['reason'] for m in r480]}")
    b.sim.wait_counter("calls.abandoned.cause19", s.sim0.get("calls.abandoned.cause19", 0) + 1, 5)
    iams = s.isup("IAM", "gw>sim")
    acms = s.isup("ACM", "sim>gw")
    rels = s.isup("REL", "gw>sim")
    chk.eq(len(iams), 1, "no answer: IAMs")
    chk.eq(len(acms), 1, "no answer: ACM from the PSTN")
    if chk.check(len(rels) == 1 and rels[0]["cause"]["value"] == 19,
                 f"no answer: REL cause 19 to the PSTN: {[r['cause']['value'] for r in rels]}") and acms:
        waited = rels[0]["_t"] - acms[0]["_t"]
        chk.check(T9 - 0.5 <= waited <= T9 + 2.0, f"no answer: REL {waited:.2f}s after ACM (T9 {T9}s)")
    chk.eq(s.sim("calls.abandoned.cause19"), 1, "no answer: simulator calls.abandoned.cause19")
    chk.eq(s.gw("timer:t9"), 1, "no answer: gateway timer:t9")


def case_cancel(chk, b):
    s = Step(b)
    rc, st = b.sipp_uac("call_uac_cancel.xml", "+33251110001")
    sipp_ok(chk, "cancel", rc, st)
    chk.check("487" in st["received"], f"cancel: SIPp received {st['received']}")
    gwtest.wait_until(lambda: s.isup("RLC", "sim>gw"), 5, what="cancel: RLC")
    rels = s.isup("REL", "gw>sim")
    chk.check(len(rels) == 1 and rels[0]["cause"]["value"] == 16,
              f"cancel: CANCEL -> REL cause 16 to the PSTN: {[r['cause']['value'] for r in rels]}")
    chk.eq(len(s.isup("ANM", "sim>gw")), 0, "cancel: no ANM")
    chk.eq(s.sim("calls.abandoned"), 1, "cancel: simulator calls.abandoned")
    chk.eq(s.gw("release:by-sip"), 1, "cancel: gateway release:by-sip")
    chk.eq(s.gw("calls:answered"), 0, "cancel: gateway calls:answered")


def case_release_from_pstn(chk, b):
    s = Step(b)
    rc, st = b.sipp_uac("call_uac_bye_in.xml", "+33261110001", timeout=30)
    sipp_ok(chk, "PSTN release", rc, st)
    byes = [m for m in st["messages"] if m["method"] == "BYE"]
    chk.check(len(byes) == 1 and byes[0]["reason"] == 16,
              f"PSTN release: one BYE with Reason cause 16: {[m['reason'] for m in byes]}")
    rels = s.isup("REL", "sim>gw")
    chk.check(len(rels) == 1 and rels[0]["cause"]["value"] == 16,
              f"PSTN release: REL cause 16 from the PSTN: {[r['cause']['value'] for r in rels]}")
    gwtest.wait_until(lambda: s.isup("RLC", "gw>sim"), 5, what="PSTN release: RLC")
    chk.eq(len(s.isup("RLC", "gw>sim")), 1, "PSTN release: RLC from the gateway")
    chk.eq(s.sim("calls.answered.in"), 1, "PSTN release: simulator calls.answered.in")
    chk.eq(s.gw("release:by-isup"), 1, "PSTN release: gateway release:by-isup")
    chk.eq(s.gw("calls:answered"), 1, "PSTN release: gateway calls:answered")


def test(chk):
    with gwtest.Bench("basic", sim_args=RULES, routes=ROUTES, call_timers={"T9": T9}, chk=chk) as b:
        case_answered(chk, b)
        case_refused(chk, b, "busy", "call_uac_busy.xml", "+33221110001", 486, 17,
                     "calls.rejected.cause17")
        case_refused(chk, b, "unallocated (PSTN)", "call_uac_unallocated.xml", "+33231110001", 404,
                     1, "calls.rejected.cause1")
        case_refused(chk, b, "unallocated (no route)", "call_uac_unallocated.xml", "+44201110001",
                     404, 1, None, iam_expected=False, gw_key="calls:no-route")
        case_no_answer(chk, b)
        case_cancel(chk, b)
        case_release_from_pstn(chk, b)
        s = b.sim.summary()
        chk.eq(s.get("cics.busy"), 0, "end: no circuit left busy at the simulator")
        chk.eq(s.get("errors.unexpected", 0) + s.get("errors.isup_decode", 0), 0,
               "end: simulator saw no unexpected or undecodable ISUP")
        chk.eq(b.tap.errors, [], "end: everything on the M3UA link decoded")
        chk.check(b.gw.proc.alive(), "end: gateway still running")


if __name__ == "__main__":
    sys.exit(gwtest.run(test, "test_call_basic"))
