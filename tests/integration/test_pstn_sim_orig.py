#!/usr/bin/env python3
"""test_pstn_sim_orig.py - pstn-sim originating calls towards a Python ASP on 127.0.0.1.

IAMs must arrive at the set count with the configured digits, category and nature of address;
answered calls are released after the hold time; the outstanding bound and T7 hold."""
from m3ua_peer import Asp, Sim, check, expect_summary, isup, run

COUNT = 10


def test_count_and_digits():
    sim = Sim(["--cics", "1-62", "--originate", "20", "--count", str(COUNT), "--called", "4930111",
               "--calling", "333", "--cpc", "15", "--nai", "4", "--hold", "200"])
    try:
        asp = Asp(sim.port)
        asp.up_active()
        for i in range(COUNT):
            iam = asp.recv_isup("IAM", timeout=3)
            # seized from the top of the range down, away from the gateway's usual end
            check(iam["cic"] == 62 - i, "IAM %d on cic %d, expected %d" % (i, iam["cic"], 62 - i))
            check(iam["called"]["digits"] == "4930111" and iam["calling"]["digits"] == "333",
                  "IAM digits %r %r" % (iam["called"], iam["calling"]))
            check(iam["calling_category"] == 15 and iam["called"]["nai"] == 4 and
                  iam["calling"]["nai"] == 4, "IAM category/NAI")
            check(iam["label"]["opc"] == 2 and iam["label"]["dpc"] == 1, "IAM routing label")
            cic = iam["cic"]
            check(1 <= cic <= 62, "IAM on cic %d outside 1-62" % cic)
            if i % 5 == 4:
                # refused by the gateway: counted as failed with cause 17
                asp.send_isup(isup.encode_rel(cic, 17))
                asp.recv_isup("RLC", cic)
                continue
            asp.send_isup(isup.encode_acm(cic))
            asp.send_isup(isup.encode_anm(cic))
            rel = asp.recv_isup("REL", cic, timeout=3)
            check(rel["cause"]["value"] == 16, "hold release cause %r" % rel["cause"])
            asp.send_isup(isup.encode_rlc(cic))
        asp.no_isup("IAM", wait=0.6)   # exactly COUNT, no more
        expect_summary(sim.summary(), {
            "calls.out": COUNT, "tx.IAM": COUNT, "calls.answered.out": 8, "calls.failed": 2,
            "calls.failed.cause17": 2, "calls.completed": 8, "orig.outstanding": 0, "rx.ACM": 8,
            "rx.ANM": 8, "tx.REL": 8, "rx.RLC": 8, "cics.busy": 0})
        asp.close()
        sim.stop()
    finally:
        sim.kill()


def test_bound_and_t7():
    sim = Sim(["--cics", "1-62", "--originate", "50", "--count", "100", "--called", "112",
               "--max-outstanding", "3", "--timer", "T7:800"])
    try:
        asp = Asp(sim.port)
        asp.up_active()
        first = [asp.recv_isup("IAM", timeout=2)["cic"] for _ in range(3)]
        check(len(set(first)) == 3, "three calls on three circuits")
        # nobody answers: the bound holds further IAMs back
        asp.no_isup("IAM", wait=0.4)
        # T7 (800 ms) clears them with cause 102; each is RLC'd, and new IAMs follow
        for _ in range(3):
            rel = asp.recv_isup("REL", timeout=3)
            check(rel["cic"] in first and rel["cause"]["value"] == 102, "T7 release %r" % rel)
            asp.send_isup(isup.encode_rlc(rel["cic"]))
        asp.recv_isup("IAM", timeout=2)
        s = sim.summary()
        check(s["calls.timeout"] >= 3, "calls.timeout %d" % s["calls.timeout"])
        check(s["orig.throttled"] > 0, "orig.throttled not counted")
        check(s["orig.outstanding"] <= 3, "outstanding %d above the bound" % s["orig.outstanding"])
        asp.close()
        sim.stop()
    finally:
        sim.kill()


def main():
    test_count_and_digits()
    test_bound_and_t7()


if __name__ == "__main__":
    run(main)
