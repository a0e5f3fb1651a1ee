#!/usr/bin/env python3
"""test_emergency_sg_loss.py - issue 7, test 2: the association to the primary signalling gateway
drops; emergency calls go to the alternate, the route-unavailable alarm is raised and the
escalation command receives it.

Two simulators, each behind its own association and `as`: sg1 (point code 0.0.2) carries the
primary route `psap-primary`, sg2 (0.0.3) the alternate `psap-alt`, assigned with
`destination PC as NAME`. Both answer 112. The escalation command appends its standard input to
a file in the test's directory. After a first call answered through sg1, sg1 first sends DUNA
for 0.0.2: the alarm is raised, calls go to sg2; DAVA clears it (`clear-after 2`) and calls use sg1
again. Then sg1 is stopped (by pid):
the gateway's association to it is lost for good, MTP-PAUSE marks psap-primary down and the
route-unavailable alarm must be raised (TRAP, `show emergency alarms`, the escalation command's
JSON). Emergency calls must then be answered through sg2, with no attempt on the dead route, and
psap-alt, carried by the other AS, must stay available."""
import json
import os
import re
import shutil
import sys
import tempfile
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import emerg  # noqa: E402
import gwtest  # noqa: E402

PC1, PC2 = "0.0.2", "0.0.3"
SIMS = [{"name": "sg1", "pc": PC1, "rules": ["112:answer:0", "default:reject:1"]},
        {"name": "sg2", "pc": PC2, "rules": ["112:answer:0", "default:reject:1"]}]
GROUPS = [{"name": "g1", "first": 1, "last": 31, "dpc": PC1},
          {"name": "g2", "first": 1, "last": 31, "dpc": PC2}]
ROUTES = [{"prefix": "112", "lines": ["name psap-primary", f"isup dpc {PC1} circuit-group g1",
                                      "fallback psap-alt", "emergency"]},
          {"prefix": "1129", "lines": ["name psap-alt", f"isup dpc {PC2} circuit-group g2", "emergency"]}]
RAISE_BOUND = 10.0


def test(chk):
    # the escalation command is part of the config, so its file's directory exists first
    esc_dir = tempfile.mkdtemp(prefix="emerg-esc-")
    esc_file = os.path.join(esc_dir, "escalation.jsonl")
    alarms = ["consecutive-failures 3", "clear-after 2", "escalation-timeout 5",
              f"escalation-command cat >> {esc_file}"]
    try:
        with emerg.EmergBench("sg-loss", SIMS, GROUPS, ROUTES, alarms=alarms, chk=chk) as b:
            run(chk, b, esc_file)
    finally:
        if chk.failures:
            print(f"escalation file kept in {esc_dir}")
        else:
            shutil.rmtree(esc_dir, ignore_errors=True)


def escalations(path):
    try:
        with open(path) as f:
            return [json.loads(line) for line in f if line.strip()]
    except FileNotFoundError:
        return []


def run(chk, b, esc_file):
    rc, st = b.sipp_uac("call_uac_answer.xml", "112", calls=1, extra=["-d", "200"])
    chk.check(rc == 0 and st["successful"] == 1, f"before the loss: 112 answered {st['received']}")
    b.sims["sg1"].wait_counter("calls.completed", 1)
    chk.eq(len(b.taps["sg1"].isup("IAM", "gw>sim")), 1, "before the loss: the IAM went to sg1")
    chk.eq(len(b.taps["sg2"].isup("IAM", "gw>sim")), 0, "before the loss: nothing to sg2")

    # first the SG only reports the destination unavailable (DUNA), then available (DAVA)
    t_duna = time.monotonic()
    b.sims["sg1"].must(f"duna {PC1}")
    duna = b.traps.wait_alarm("raised", "route-unavailable", "psap-primary", RAISE_BOUND, since=t_duna)
    if chk.check(duna is not None, "DUNA: TRAP alarm raised route-unavailable route:psap-primary"):
        print(f"measured: route-unavailable raised {duna['t'] - t_duna:.3f} s after the DUNA was asked for")
    rc, st = b.sipp_uac("call_uac_answer.xml", "112", calls=2, rate=2, extra=["-d", "200"])
    chk.check(rc == 0 and st["successful"] == 2, f"DUNA: 2 calls to 112 answered {st['received']}")
    b.sims["sg2"].wait_counter("calls.completed", 2)
    chk.eq(len(b.taps["sg2"].isup("IAM", "gw>sim", since=t_duna)), 2, "DUNA: the IAMs went to sg2")
    chk.eq(len(b.taps["sg1"].isup("IAM", "gw>sim", since=t_duna)), 0, "DUNA: nothing to sg1")
    chk.check(re.search(r"^112 +psap-primary +down ", b.cmd("show routes"), re.M), "DUNA: show routes: psap-primary down")
    t_dava = time.monotonic()
    b.sims["sg1"].must(f"dava {PC1}")
    cleared = b.traps.wait_alarm("cleared", "route-unavailable", "psap-primary", 8, since=t_dava)
    if chk.check(cleared is not None and duna and cleared["id"] == duna["id"], "DAVA: the alarm cleared"):
        print(f"measured: route-unavailable cleared {cleared['t'] - t_dava:.3f} s after the DAVA (clear-after 2)")
    rc, st = b.sipp_uac("call_uac_answer.xml", "112", calls=1, extra=["-d", "200"])
    chk.check(rc == 0 and st["successful"] == 1, f"DAVA: 112 answered {st['received']}")
    chk.eq(len(b.taps["sg1"].isup("IAM", "gw>sim", since=t_dava)), 1, "DAVA: the IAM went to sg1 again")
    b.sims["sg1"].wait_counter("calls.completed", 2)

    t_loss = time.monotonic()
    final = b.stop_sim("sg1")
    chk.eq(final.get("calls.in"), 2, "sg1 final summary: calls.in")
    raised = b.traps.wait_alarm("raised", "route-unavailable", "psap-primary", RAISE_BOUND, since=t_loss)
    if chk.check(raised is not None, "TRAP alarm raised route-unavailable route:psap-primary"):
        print(f"measured: route-unavailable raised {raised['t'] - t_loss:.3f} s after sg1 was stopped")
        chk.check(raised["t"] - t_loss <= RAISE_BOUND, f"raised within {RAISE_BOUND} s of the loss")
        chk.eq((raised["subject_type"], raised["severity"]), ("route", "major"), "TRAP subject type, severity")
    chk.check(b.asp_states().get("sg1") != "ACTIVE", f"gateway: asp-sg1 not active: {b.asp_states()}")
    chk.eq(b.asp_states().get("sg2"), "ACTIVE", "gateway: asp-sg2 still active")

    t_calls = time.monotonic()
    rc, st = b.sipp_uac("call_uac_answer.xml", "112", calls=3, rate=2, extra=["-d", "200"])
    chk.check(rc == 0 and st["successful"] == 3 and st["failed"] == 0,
              f"after the loss: 3 calls to 112 answered ({st['successful']} ok, {st['failed']} failed) {st['received']}")
    s2 = b.sims["sg2"].wait_counter("calls.completed", 5)
    chk.eq(s2.get("rx.IAM"), 5, "sg2 rx.IAM (2 during the DUNA, 3 after the loss)")
    chk.eq(s2.get("calls.answered.in"), 5, "sg2 calls.answered.in")
    iams = b.taps["sg2"].isup("IAM", "gw>sim", since=t_calls)
    chk.eq([m["called"]["digits"] for m in iams], ["112"] * 3, "sg2: called 112 on each IAM")
    chk.check(all(m["_label"]["dpc"] == 3 and m["_label"]["opc"] == 1 for m in iams),
              f"sg2: IAMs carry DPC 0.0.3, OPC 0.0.1: {[m['_label'] for m in iams]}")
    chk.eq(len(b.taps["sg1"].isup("IAM", "gw>sim", since=t_loss)), 0, "no IAM towards the lost SG")

    es = b.cmd("show emergency")
    chk.check("psap-primary attempts 2 success 2 failure 0" in es and "UNAVAILABLE" in es,
              "show emergency: psap-primary unavailable, not attempted after the loss")
    chk.check(re.search(r"^ psap-alt +attempts 5 success 5 failure 0 .* available$", es, re.M),
              "show emergency: psap-alt 5 successes, available")
    al = b.alarms()
    ru = [a for a in al["active"] if a["kind"] == "route-unavailable"]
    chk.check([(a["subject"], a["state"]) for a in ru] == [("psap-primary", "raised")],
              f"show emergency alarms: route-unavailable raised on psap-primary only: {al['active']}")
    chk.check(not [a for a in al["active"] if a["subject"] in ("psap-alt", "112")],
              "no alarm on psap-alt (another AS) nor on the number")
    chk.check(b.traps.wait_alarm("raised", "route-unavailable", "psap-alt", 0) is None,
              "no route-unavailable TRAP for psap-alt")

    # the escalation command: one JSON line on its stdin, appended to the file
    def got():
        return [e for e in escalations(esc_file) if e.get("kind") == "route-unavailable"]
    try:
        gwtest.wait_until(lambda: len(got()) >= 3, 10, interval=0.2, what="escalation JSON x 3")
    except TimeoutError as e:
        chk.check(False, str(e))
    ev = got()
    chk.eq([(e.get("event"), e.get("subject")) for e in ev],
           [("raised", "psap-primary"), ("cleared", "psap-primary"), ("raised", "psap-primary")],
           "escalation: raised and cleared for the DUNA, raised for the loss")
    if len(ev) == 3:
        chk.check(duna and ev[0]["id"] == ev[1]["id"] == duna["id"] and isinstance(ev[1].get("cleared_at"), int)
                  and ev[1]["cleared_at"] >= ev[1]["raised_at"], f"escalation: the DUNA alarm's clear: {ev[1]}")
        e = ev[2]
        chk.eq((e.get("event"), e.get("subject_type"), e.get("subject"), e.get("severity")),
               ("raised", "route", "psap-primary", "major"), "escalation JSON: event, subject, severity")
        chk.eq(e.get("id"), raised["id"] if raised else None, "escalation JSON id = TRAP id")
        chk.check(e.get("cleared_at") is None and isinstance(e.get("raised_at"), int)
                  and abs(e["raised_at"] - time.time()) < 60 and isinstance(e.get("onset_at"), int)
                  and e["onset_at"] <= e["raised_at"], f"escalation JSON times: {e}")
        chk.check(isinstance(e.get("detail"), str) and "unavailable" in e["detail"], f"escalation detail: {e.get('detail')}")
    gwtest.wait_until(lambda: "running 0/" in b.alarms()["escalation"], 10, interval=0.2,
                      what="escalation command reaped")
    esc_line = b.alarms()["escalation"]
    chk.check(f"cat >> {esc_file}" in esc_line and "failed 0" in esc_line and "killed 0" in esc_line
              and "dropped 0" in esc_line, f"show emergency alarms: {esc_line}")
    c = b.counters()
    chk.eq(c.get("escalation:exit:ok"), 3, "gateway escalation:exit:ok")
    chk.eq(c.get("escalation:exit:failed"), 0, "gateway escalation:exit:failed")
    chk.eq(c.get("emergency:route:down"), 2, "gateway emergency:route:down (DUNA, loss)")
    chk.eq(c.get("emergency:failure"), 0, "gateway emergency:failure (the down route was skipped)")
    chk.check(not b.traps.error, f"CTRL TRAP connection: {b.traps.error}")


if __name__ == "__main__":
    sys.exit(gwtest.run(test, "test_emergency_sg_loss"))
