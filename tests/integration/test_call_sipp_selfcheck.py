#!/usr/bin/env python3
"""test_call_sipp_selfcheck.py - the end-to-end SIPp scenarios (sipp-scenarios/call_*.xml) checked
SIPp against SIPp on 127.0.0.1, before any gateway is involved.

Each UAC scenario the call tests use runs against a SIPp UAS playing the gateway's expected answer
(call_mimic_*.xml, or call_uas_answer.xml for the answered call); every call must succeed on both
sides. Then mismatched pairs (a busy UAC against a 404, an answered UAC whose peer hangs up first
a 486 with the wrong Reason cause) must fail: the scenarios really check status codes and headers."""
import os
import sys
import tempfile
import threading

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import gwtest  # noqa: E402
import procs  # noqa: E402

PAIRS = [  # (uac, uas, calls, uac extra args)
    ("call_uac_answer.xml", "call_uas_answer.xml", 5, ["-d", "100"]),
    ("call_uac_busy.xml", "call_mimic_busy.xml", 3, []),
    ("call_uac_unallocated.xml", "call_mimic_unallocated.xml", 3, []),
    ("call_uac_noanswer.xml", "call_mimic_noanswer.xml", 2, []),
    ("call_uac_cancel.xml", "call_mimic_cancel.xml", 3, []),
    ("call_uac_bye_in.xml", "call_mimic_bye.xml", 3, []),
]
MISMATCHED = [
    ("call_uac_busy.xml", "call_mimic_unallocated.xml", []),   # 404 where 486 is needed
    ("call_uac_answer.xml", "call_mimic_bye.xml", ["-d", "2000"]),  # BYE arrives during the hold
    ("call_uac_unallocated.xml", "call_mimic_busy.xml", []),   # 486 where 404 is needed
]


def run_pair(uac, uas, calls, extra, work):
    uas_port = procs.free_port(__import__("socket").SOCK_DGRAM)
    uas_res = {}

    def serve():
        uas_res["r"] = procs.sipp(["-sf", os.path.join(gwtest.SCEN, uas), "-i", "127.0.0.1",
                                   "-p", str(uas_port), "-m", str(calls)], timeout=30,
                                  workdir=tempfile.mkdtemp(dir=work))
    t = threading.Thread(target=serve)
    t.start()
    gwtest.wait_udp_listener(uas_port)
    rc, st = gwtest.sipp_uac(uac, f"127.0.0.1:{uas_port}", service="0212345678", calls=calls,
                             rate=10, extra=extra, timeout=25, workdir=tempfile.mkdtemp(dir=work))
    t.join(45)
    return (rc, st), uas_res.get("r", (None, None))


def main():
    gwtest.need_tools(gateway=False, sim=False)
    chk = gwtest.Checker()
    with tempfile.TemporaryDirectory(prefix="sipp-selfcheck-") as work:
        for uac, uas, n, extra in PAIRS:
            (rc, st), (urc, ust) = run_pair(uac, uas, n, extra, work)
            chk.check(rc == 0 and st["successful"] == n and st["failed"] == 0,
                      f"{uac} vs {uas}: UAC {st['successful']}/{n} ok, {st['failed']} failed (rc {rc})")
            chk.check(ust is not None and ust["successful"] == n and ust["failed"] == 0,
                      f"{uac} vs {uas}: UAS {ust and ust['successful']}/{n} ok (rc {urc})")
            if uac == "call_uac_busy.xml":
                codes = st["received"]
                chk.check(codes.count("486") == n, f"UAC saw {codes.count('486')} x 486 of {n}")
                chk.check(st["reasons"].count(17) == n, f"Reason cause 17 on each 486: {st['reasons']}")
        for uac, uas, extra in MISMATCHED:
            (rc, st), _ = run_pair(uac, uas, 1, extra, work)
            chk.check(st["successful"] == 0 and st["failed"] == 1,
                      f"{uac} vs {uas} must fail: {st['successful']} ok, {st['failed']} failed")
    return chk.finish()


if __name__ == "__main__":
    sys.exit(main())
