#!/usr/bin/env python3
"""test_pstn_sim_calls.py - pstn-sim terminating calls and circuit supervision, checked on the wire.

A Python ASP (lib/sigtran.py codec, independent of ours) drives the simulator over TCP on
127.0.0.1: ASP up/active with NTFY, BEAT, every rule action, REL/RLC both ways, RSC, GRS, BLO,
CGB, CGU, unknown CIC, bad input; then the summary counters are checked against what was sent."""
import subprocess
import time

from m3ua_peer import (Asp, Sim, bits, check, expect_summary, isup, m3ua, run, sim_binary)

RULES = ["--cics", "1-62",
         "--rule", "default:answer:100",
         "--rule", "33:answer:0:300",
         "--rule", "17:reject:17",
         "--rule", "170:reject:1",        # longer prefix wins over 17
         "--rule", "5:ring",
         "--rule", "6:never",
         "--rule", "7:cpg:150",
         "--rule", "8:slow:300"]


def test_help():
    out = subprocess.run([sim_binary(), "--help"], stdout=subprocess.PIPE, timeout=10).stdout.decode()
    for opt in ("--config", "--listen", "--port", "--transport", "--local-pc", "--remote-pc", "--ni",
                "--routing-context", "--cics", "--rule", "--timer", "--originate", "--called",
                "--calling", "--cpc", "--nai", "--hold", "--count", "--max-outstanding",
                "--control-port", "--fault-at", "--log-level", "grs-storm", "malformed", "scon"):
        check(opt in out, "--help does not document %s" % opt)
    bad = subprocess.run([sim_binary(), "--rule", "12:explode"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, timeout=10)
    check(bad.returncode == 2 and b"unknown action" in bad.stderr, "bad rule accepted")


def asp_up(sim):
    asp = Asp(sim.port)
    asp.send(m3ua.aspup())
    asp.expect("ASPUP_ACK")
    asp.send(m3ua.aspac(traffic_mode=m3ua.TM_LOADSHARE))
    check(asp.expect("ASPAC_ACK")["traffic_mode"] == m3ua.TM_LOADSHARE, "ASPAC_ACK traffic mode")
    st = asp.expect("NTFY")["status"]
    check(st == {"type": m3ua.ST_AS_STATE_CHANGE, "info": m3ua.AS_ACTIVE}, "NTFY after ASPAC %r" % st)
    return asp


def call(asp, cic, called):
    asp.send_isup(isup.encode_iam(cic, called, calling="4930123"))


def release_by_gw(asp, cic, cause=16):
    asp.send_isup(isup.encode_rel(cic, cause))
    asp.recv_isup("RLC", cic)


def test_calls(sim, asp):
    # BEAT echoed with its data
    asp.send(m3ua.beat(b"hello-beat"))
    check(asp.expect("BEAT_ACK")["heartbeat_data"] == b"hello-beat", "BEAT data not echoed")

    # default: ACM at once, ANM after 100 ms, on the right CIC, from our point codes
    t0 = time.monotonic()
    call(asp, 1, "4930555")
    acm = asp.recv_isup("ACM", 1)
    check(acm["label"]["opc"] == 2 and acm["label"]["dpc"] == 1 and acm["label"]["ni"] == 2,
          "ACM routing label %r" % acm["label"])
    check(acm["backward_call"]["called_status"] == 1, "ACM not 'subscriber free'")
    asp.recv_isup("ANM", 1)
    check(time.monotonic() - t0 >= 0.09, "ANM before the answer delay")
    release_by_gw(asp, 1)

    # answer:0:300: the simulator releases after the hold with cause 16 and gets our RLC
    call(asp, 2, "3312")
    asp.recv_isup("ACM", 2)
    asp.recv_isup("ANM", 2)
    rel = asp.recv_isup("REL", 2, timeout=3)
    check(rel["cause"]["value"] == 16, "hold release cause %r" % rel["cause"])
    asp.send_isup(isup.encode_rlc(2))

    # reject: REL cause 17 without ACM; the cause octets themselves checked
    call(asp, 3, "1799")
    rel = asp.recv_isup("REL", 3)
    raw = rel["raw"]
    ptr = 3 + raw[3]
    check(raw[ptr:ptr + 3] == bytes([2, 0x80 | 2, 0x80 | 17]),
          "REL cause octets %s, expected 028291 (ITU, local network, cause 17)" % raw[ptr:ptr + 3].hex())
    asp.send_isup(isup.encode_rlc(3))
    call(asp, 4, "17012")
    check(asp.recv_isup("REL", 4)["cause"]["value"] == 1, "longest prefix 170 did not win")
    asp.send_isup(isup.encode_rlc(4))

    # ring: ACM, then nothing; the gateway releases
    call(asp, 5, "555")
    asp.recv_isup("ACM", 5)
    asp.no_isup("ANM", 5, wait=0.8)
    release_by_gw(asp, 5)

    # never: no ACM at all; the gateway gives up (its T7) with cause 102
    call(asp, 6, "666")
    asp.no_isup("ACM", 6, wait=1.0)
    release_by_gw(asp, 6, 102)

    # cpg: ACM (no indication), CPG alerting, ANM
    call(asp, 7, "777")
    acm = asp.recv_isup("ACM", 7)
    check(acm["backward_call"]["called_status"] == 0, "cpg rule: ACM should say 'no indication'")
    cpg = asp.recv_isup("CPG", 7)
    check(cpg["event"]["event"] == isup.EV_ALERTING, "CPG event %r" % cpg["event"])
    asp.recv_isup("ANM", 7)
    release_by_gw(asp, 7)

    # slow: ACM only after 300 ms
    t0 = time.monotonic()
    call(asp, 8, "888")
    asp.recv_isup("ACM", 8, timeout=3)
    check(time.monotonic() - t0 >= 0.28, "slow rule: ACM too early")
    asp.recv_isup("ANM", 8, timeout=3)
    release_by_gw(asp, 8)

    # RSC on a busy circuit: RLC, circuit idle again
    call(asp, 9, "555")
    asp.recv_isup("ACM", 9)
    asp.send_isup(isup.encode_rsc(9))
    asp.recv_isup("RLC", 9)

    # GRS 10..17 (range 7) with a call on 10: GRA with the same range, no circuit blocked
    call(asp, 10, "555")
    asp.recv_isup("ACM", 10)
    asp.send_isup(isup.encode_grs(10, 7))
    gra = asp.recv_isup("GRA", 10)
    check(gra["range_status"] == {"range": 7, "status": [0] * 8}, "GRA %r" % gra["range_status"])

    # BLO -> BLA, UBL -> UBA
    asp.send_isup(isup.encode_blo(20))
    asp.recv_isup("BLA", 20)
    asp.send_isup(isup.encode_ubl(20))
    asp.recv_isup("UBA", 20)

    # CGB 30..45 with circuits 30, 31, 45 marked -> CGBA acknowledging exactly those
    status = bits((1 << 0) | (1 << 1) | (1 << 15), 16)
    asp.send_isup(isup.encode_cgb(30, 15, status))
    cgba = asp.recv_isup("CGBA", 30)
    check(cgba["range_status"] == {"range": 15, "status": status} and cgba["cgsmt"] == 0, "CGBA %r" % cgba)
    check(sim.summary()["cics.remote_blocked"] == 3, "3 circuits remotely blocked")
    # a call from the blocking side on a circuit it blocked removes that blocking (Q.764 2.8.2.3)
    call(asp, 45, "4930555")
    asp.recv_isup("ACM", 45)
    asp.recv_isup("ANM", 45)
    release_by_gw(asp, 45)
    check(sim.summary()["cics.remote_blocked"] == 2, "IAM did not unblock circuit 45")
    asp.send_isup(isup.encode_cgu(30, 15, status))
    check(asp.recv_isup("CGUA", 30)["range_status"]["status"] == status, "CGUA status")

    # a CIC we do not have: UCIC
    call(asp, 99, "555")
    asp.recv_isup("UCIC", 99)

    # DATA from another point code, to another point code, or for another user part: dropped
    asp.send(m3ua.data(7, 2, isup.encode_iam(13, "555")))
    asp.send(m3ua.data(1, 7, isup.encode_iam(13, "555")))
    asp.send(m3ua.data(1, 2, isup.encode_iam(13, "555"), si=3))
    asp.no_isup("ACM", 13, wait=0.5)

    # a malformed ISUP message (IAM cut short) is counted, not answered, and the association stays up
    asp.send_isup(bytes([11, 0, 0x01, 0]))
    # DATA before ASPAC on a second ASP: ERR unexpected message
    asp2 = Asp(sim.port)
    asp2.send(m3ua.aspup())
    asp2.expect("ASPUP_ACK")
    asp2.send_isup(isup.encode_iam(12, "555"))
    check(asp2.expect("ERR")["error_code"] == m3ua.ERR_UNEXPECTED_MSG, "ERR code")
    asp2.close()

    s = sim.summary()
    expect_summary(s, {
        "calls.in": 11, "calls.answered": 5, "calls.answered.in": 5, "calls.rejected": 2,
        "calls.rejected.cause17": 1, "calls.rejected.cause1": 1, "calls.abandoned": 2,
        "calls.abandoned.cause16": 1, "calls.abandoned.cause102": 1, "calls.completed": 5,
        "calls.released.cause16": 4, "calls.reset": 2,
        "rx.IAM": 13, "tx.ACM": 8, "tx.ANM": 5, "tx.CPG": 1, "tx.REL": 3, "rx.REL": 6,
        "rx.RLC": 3, "tx.RLC": 7, "rx.RSC": 1, "rx.GRS": 1, "tx.GRA": 1, "rx.BLO": 1, "tx.BLA": 1,
        "rx.UBL": 1, "tx.UBA": 1, "rx.CGB": 1, "tx.CGBA": 1, "rx.CGU": 1, "tx.CGUA": 1,
        "tx.UCIC": 1, "errors.unknown_cic": 1, "errors.isup_decode": 1, "asp.up": 2,
        "asp.active": 1, "m3ua.rx.BEAT": 1, "m3ua.tx.BEAT_ACK": 1, "m3ua.tx.NTFY": 1,
        "m3ua.tx.ERR": 1, "cics.busy": 0, "cics.remote_blocked": 0,
        "errors.wrong_opc": 1, "errors.wrong_dpc": 1, "errors.not_isup": 1,
        # 14 IAM (one on the inactive ASP), 6 REL, 3 RLC, RSC, GRS, BLO, UBL, CGB, CGU, 1 bad,
        # 3 misaddressed
        "m3ua.rx.DATA": 32,
        # 8 ACM, 5 ANM, CPG, 3 REL, 7 RLC, GRA, BLA, UBA, CGBA, CGUA, UCIC
        "m3ua.tx.DATA": 30,
    })


def main():
    test_help()
    sim = Sim(RULES)
    try:
        asp = asp_up(sim)
        test_calls(sim, asp)
        asp.close()
        final = sim.stop()
        check(final["calls.in"] == 11, "final summary calls.in %r" % final.get("calls.in"))
        check("cpu_us_per_call" in final, "no cpu_us_per_call in the summary")
    finally:
        sim.kill()


if __name__ == "__main__":
    run(main)
