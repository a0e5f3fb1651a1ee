#!/usr/bin/env python3
"""test_pstn_sim_load.py - pstn-sim under a bounded call load: every call completes, no circuit
is left busy, and the simulator's own CPU per call (cpu_us_per_call, from /proc/self/stat) stays
small enough that it is never the bottleneck of a gateway load test.

Prints the measured figure; docs/pstn-sim.md quotes it with this command:
    python3 tests/integration/test_pstn_sim_load.py"""
import time

from m3ua_peer import Asp, Sim, check, expect_summary, isup, run

WINDOW = 60        # calls in flight, one per circuit
ROUNDS = 200
CALLS = WINDOW * ROUNDS
CPU_US_PER_CALL_MAX = 1000


def main():
    sim = Sim(["--cics", "1-%d" % WINDOW, "--rule", "default:answer:0"])
    try:
        asp = Asp(sim.port)
        asp.up_active()
        blocks = sim.summary()["mem.talloc_blocks"]
        t0 = time.monotonic()
        for _ in range(ROUNDS):
            for cic in range(1, WINDOW + 1):
                asp.send_isup(isup.encode_iam(cic, "4930555", calling="4930123"), sls=cic & 15)
            for cic in range(1, WINDOW + 1):
                asp.recv_isup("ACM", cic, timeout=5)
                asp.recv_isup("ANM", cic, timeout=5)
                asp.send_isup(isup.encode_rel(cic, 16), sls=cic & 15)
            for cic in range(1, WINDOW + 1):
                asp.recv_isup("RLC", cic, timeout=5)
        secs = time.monotonic() - t0
        after = sim.summary()["mem.talloc_blocks"]
        check(after == blocks, "talloc blocks %d before the calls, %d after" % (blocks, after))
        asp.close()
        s = sim.stop()
        expect_summary(s, {"calls.in": CALLS, "calls.answered": CALLS, "calls.completed": CALLS,
                           "tx.ACM": CALLS, "tx.ANM": CALLS, "tx.RLC": CALLS, "cics.busy": 0,
                           "errors.unexpected": 0, "errors.isup_decode": 0})
        print("%d calls in %.1f s (%.0f calls/s, limited by the Python peer); simulator cpu_us %d, "
              "cpu_us_per_call %d" % (CALLS, secs, CALLS / secs, s["cpu_us"], s["cpu_us_per_call"]))
        check(s["cpu_us_per_call"] < CPU_US_PER_CALL_MAX,
              "cpu_us_per_call %d >= %d" % (s["cpu_us_per_call"], CPU_US_PER_CALL_MAX))
    finally:
        sim.kill()


if __name__ == "__main__":
    run(main)
