#!/usr/bin/env python3
"""test_pstn_sim_faults.py - pstn-sim fault injection seen on the wire and in the summary.

beat off/on, DUNA/DAVA/SCON (and DAUD answered from that state), CGB/CGU blocking, GRS storm,
malformed messages, slow answers, drop and flap, a --fault-at schedule and the SIGUSR1 summary."""
import struct
import time

from m3ua_peer import (Asp, Sim, bits, check, expect_summary, isup, m3ua, run, wait_until)


def test_faults():
    sim = Sim(["--cics", "1-40", "--rule", "default:answer:0"])
    try:
        asp = Asp(sim.port)
        asp.up_active()

        # beat off: BEAT unanswered; beat on: answered again
        sim.command("beat off")
        asp.send(m3ua.beat(b"x1"))
        asp.silent("BEAT_ACK", 0.8)
        sim.command("beat on")
        asp.send(m3ua.beat(b"x2"))
        check(asp.expect("BEAT_ACK")["heartbeat_data"] == b"x2", "BEAT_ACK data")

        # SSNM on command; DAUD answered from the state the commands left
        pc = (1 << 11) | (2 << 3) | 3      # 1.2.3 in 3-8-3
        sim.command("duna 1.2.3")
        check(asp.expect("DUNA")["affected_pc"] == [{"mask": 0, "pc": pc}], "DUNA affected PC")
        asp.send(m3ua.daud([pc]))
        check(asp.expect("DUNA")["affected_pc"][0]["pc"] == pc, "DAUD not answered with DUNA")
        sim.command("dava 1.2.3")
        check(asp.expect("DAVA")["affected_pc"][0]["pc"] == pc, "DAVA affected PC")
        asp.send(m3ua.daud([pc]))
        asp.expect("DAVA")
        sim.command("scon 77 2")
        scon = asp.expect("SCON")
        check(scon["affected_pc"][0]["pc"] == 77 and scon["congestion_level"] == 2, "SCON %r" % scon)
        check(sim.control("scon 1.2").startswith("error"), "bad command accepted")

        # block 1-40: CGB 1 range 31 and CGB 33 range 7, every circuit marked
        sim.command("block 1 40")
        cgb1 = asp.recv_isup("CGB", 1)
        cgb2 = asp.recv_isup("CGB", 33)
        check(cgb1["range_status"] == {"range": 31, "status": [1] * 32} and cgb1["cgsmt"] == 0,
              "CGB %r" % cgb1)
        check(cgb2["range_status"] == {"range": 7, "status": [1] * 8}, "CGB %r" % cgb2)
        asp.send_isup(isup.encode_cgba(1, 31, [1] * 32))
        asp.send_isup(isup.encode_cgba(33, 7, [1] * 8))
        # an IAM on a circuit we blocked: blocking repeated, call refused
        asp.send_isup(isup.encode_iam(5, "4930"))
        asp.recv_isup("BLO", 5)
        check(asp.recv_isup("REL", 5)["cause"]["value"] == 41, "REL on a blocked circuit")
        asp.send_isup(isup.encode_rlc(5))
        check(wait_until(lambda: sim.summary()["cics.local_blocked"] == 40, 2), "40 circuits blocked")
        # GRS over blocked circuits: GRA reports them blocked (Q.764 2.9.3.2), blocking stays
        asp.send_isup(isup.encode_grs(38, 2))
        gra = asp.recv_isup("GRA", 38)
        check(gra["range_status"] == {"range": 2, "status": [1, 1, 1]}, "GRA status %r" % gra)
        check(sim.summary()["cics.local_blocked"] == 40, "GRS removed our blocking")
        sim.command("unblock")
        for cic, rng in ((1, 31), (33, 7)):
            m = asp.recv_isup("CGU", cic)
            check(m["range_status"] == {"range": rng, "status": [1] * (rng + 1)}, "CGU %r" % m)
            asp.send_isup(isup.encode_cgua(cic, rng, [1] * (rng + 1)))
        check(wait_until(lambda: sim.summary()["cics.local_blocked"] == 0, 2), "circuits unblocked")

        # GRS storm: 2 rounds x 2 groups, tearing down a call in progress
        asp.send_isup(isup.encode_iam(3, "4930"))
        asp.recv_isup("ANM", 3)
        sim.command("grs-storm 2")
        for _ in range(2):
            for cic, rng in ((1, 31), (33, 7)):
                g = asp.recv_isup("GRS", cic)
                check(g["range_status"] == {"range": rng, "status": None}, "GRS %r" % g)
                asp.send_isup(isup.encode_gra(cic, rng))

        # malformed: 3 bad ISUP in good DATA, one reserved class, one DATA with a bad length
        sim.command("malformed 5")
        frames = [asp.read_frame(time.monotonic() + 3) for _ in range(5)]
        check(all(frames), "malformed messages missing")
        bad_isup = []
        for f in frames[:3]:
            d = m3ua.decode(f)
            check(d.name == "DATA", "malformed ISUP not in DATA")
            bad_isup.append(d["protocol_data"]["data"])
        check([b[2] for b in bad_isup] == [0x01, 0x0c, 0x0c], "malformed ISUP types %r" % bad_isup)
        for b in bad_isup:
            try:
                isup.decode(b)
                check(False, "malformed ISUP %s decodes" % b.hex())
            except Exception as e:
                check(type(e).__name__ == "DecodeError", "unexpected %r" % e)
        check(frames[3][2] == 12, "reserved class message")
        check(frames[4][3] == 1 and struct.unpack("!H", frames[4][10:12])[0] > len(frames[4]) - 8,
              "DATA with an overlong parameter")
        try:
            m3ua.decode(frames[4])
            check(False, "overlong parameter decodes")
        except Exception as e:
            check(type(e).__name__ == "DecodeError", "unexpected %r" % e)

        # slow: every answer delayed
        sim.command("slow 400")
        t0 = time.monotonic()
        asp.send_isup(isup.encode_iam(7, "4930"))
        asp.recv_isup("ACM", 7, timeout=3)
        check(time.monotonic() - t0 >= 0.38, "slow 400: ACM too early")
        asp.recv_isup("ANM", 7, timeout=3)
        asp.send_isup(isup.encode_rel(7, 16))
        asp.recv_isup("RLC", 7, timeout=3)
        sim.command("slow 0")

        # the summary on SIGUSR1, on stdout
        expect_summary(sim.summary_usr1(), {
            "asp.beat_ignored": 1, "faults.beat": 2, "faults.duna": 1, "faults.dava": 1,
            "faults.scon": 1, "m3ua.tx.DUNA": 2, "m3ua.tx.DAVA": 2, "m3ua.tx.SCON": 1,
            "m3ua.rx.DAUD": 2, "faults.block": 2, "faults.unblock": 2, "tx.CGB": 2, "rx.CGBA": 2,
            "tx.CGU": 2, "rx.CGUA": 2, "calls.refused_blocked": 1, "tx.BLO": 1,
            "faults.grs": 4, "tx.GRS": 4, "rx.GRA": 4, "calls.reset": 1, "faults.malformed": 5,
            "faults.slow": 2, "control.bad": 1})

        # drop: the connection is closed; a new one comes up
        sim.command("drop")
        check(asp.wait_closed(3), "drop did not close the connection")
        asp.close()
        asp = Asp(sim.port)
        asp.up_active()

        # flap 3 x 300 ms: dropped three times, reconnecting in between
        sim.command("flap 3 300")
        drops = 0
        deadline = time.monotonic() + 5
        while drops < 3 and time.monotonic() < deadline:
            if asp.wait_closed(1.0):
                drops += 1
                asp.close()
                asp = Asp(sim.port)
                asp.up_active()
        check(drops == 3, "flap: %d drops seen" % drops)
        check(not asp.wait_closed(0.8), "dropped after the flap ended")
        s = sim.summary()
        expect_summary(s, {"faults.drop": 1, "faults.flap": 3, "asp.connected": 5,
                           "asp.disconnected": 4})
        asp.close()
        sim.stop()
    finally:
        sim.kill()


def test_schedule():
    sim = Sim(["--fault-at", "0.8:duna 300", "--fault-at", "1.2:beat off"], control=False)
    try:
        t0 = time.monotonic()
        asp = Asp(sim.port)
        asp.up_active()
        check(asp.expect("DUNA", timeout=3)["affected_pc"][0]["pc"] == 300, "scheduled DUNA")
        check(time.monotonic() - t0 >= 0.5, "scheduled DUNA too early")
        time.sleep(0.8)
        asp.send(m3ua.beat(b"late"))
        asp.silent("BEAT_ACK", 0.8)
        asp.close()
        expect_summary(sim.stop(), {"faults.duna": 1, "asp.beat_ignored": 1})
    finally:
        sim.kill()


def main():
    test_faults()
    test_schedule()


if __name__ == "__main__":
    run(main)
