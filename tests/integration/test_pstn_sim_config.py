#!/usr/bin/env python3
"""test_pstn_sim_config.py - pstn-sim driven by the demo config file docs/examples/pstn-sim.cfg.

The shipped config must load and behave as it says: its point codes and CIC range, the busy
(cause 17), unallocated (cause 1) and never-answer prefixes and the default answer; and a broken
config file is refused with its file name and line."""
import os
import subprocess
import time

from m3ua_peer import TOP, Asp, Sim, check, expect_summary, isup, m3ua, run, sim_binary

CFG = os.path.join(TOP, "docs", "examples", "pstn-sim.cfg")
GW_PC = (2 << 3) | 1      # 0.2.1
SIM_PC = (2 << 3) | 2     # 0.2.2
RC = 1


def test_bad_config():
    path = "/tmp/pstn-sim-test-%d.cfg" % os.getpid()
    try:
        with open(path, "w") as f:
            f.write("# fine\ncics 1-62\nrule 12:answer\n")
        p = subprocess.run([sim_binary(), "--config", path], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=10)
        check(p.returncode == 2 and (path + ":3:").encode() in p.stderr,
              "broken config: rc %d, %r" % (p.returncode, p.stderr))
    finally:
        os.unlink(path)


def test_demo_config():
    sim = Sim([], config=CFG)
    try:
        asp = Asp(sim.port, opc=GW_PC, dpc=SIM_PC, rc=RC)
        asp.send(m3ua.aspup())
        asp.expect("ASPUP_ACK")
        asp.send(m3ua.aspac(traffic_mode=m3ua.TM_OVERRIDE, rc=[RC + 1]))
        check(asp.expect("ERR")["error_code"] == m3ua.ERR_INVALID_RC, "wrong routing context accepted")
        asp.send(m3ua.aspac(traffic_mode=m3ua.TM_OVERRIDE, rc=[RC]))
        check(asp.expect("ASPAC_ACK")["routing_context"] == [RC], "ASPAC_ACK routing context")

        asp.send_isup(isup.encode_iam(1, "4017555", calling="4930123"))
        rel = asp.recv_isup("REL", 1)
        check(rel["cause"]["value"] == 17, "busy prefix cause %r" % rel["cause"])
        check(rel["label"]["opc"] == SIM_PC and rel["label"]["dpc"] == GW_PC, "point codes of the config")
        check(rel["m3ua"]["routing_context"] == [RC], "DATA without the routing context")
        asp.send_isup(isup.encode_rlc(1))

        asp.send_isup(isup.encode_iam(2, "4001999"))
        check(asp.recv_isup("REL", 2)["cause"]["value"] == 1, "unallocated prefix")
        asp.send_isup(isup.encode_rlc(2))

        asp.send_isup(isup.encode_iam(3, "4099000"))
        t0 = time.monotonic()
        asp.send_isup(isup.encode_iam(62, "3930555"))
        asp.recv_isup("ACM", 62)
        asp.recv_isup("ANM", 62, timeout=4)
        check(time.monotonic() - t0 >= 1.9, "default rule answers after 2 s")
        asp.send_isup(isup.encode_rel(62, 16))
        asp.recv_isup("RLC", 62)
        asp.no_isup("ACM", 3, wait=0.2)   # the never prefix stayed silent all along
        asp.send_isup(isup.encode_rel(3, 102))
        asp.recv_isup("RLC", 3)

        asp.send_isup(isup.encode_iam(63, "3930555"))   # outside the configured 1-62
        asp.recv_isup("UCIC", 63)
        asp.close()
        expect_summary(sim.stop(), {"calls.in": 4, "calls.rejected.cause17": 1, "calls.rejected.cause1": 1,
                                    "calls.abandoned.cause102": 1, "calls.answered": 1,
                                    "cics.idle": 62, "errors.unknown_cic": 1})
    finally:
        sim.kill()


def main():
    test_bad_config()
    test_demo_config()


if __name__ == "__main__":
    run(main)
