#!/usr/bin/env python3
"""test_pstn_sim_gateway.py - the demo pair: sipisup-gw against pstn-sim, each with its example
config (docs/examples/sipisup-gw.cfg, docs/examples/pstn-sim.cfg).

They must come up against each other without edits: the gateway's ASP active at the simulator,
its circuit group reset answered, calls originated by the simulator answered by the gateway (ACM
or REL) on the right circuits, and no protocol error counted by the simulator. The gateway binds
fixed ports (VTY 4250, CTRL 4251, SIP 5060), so the test runs in a network namespace of its own
(unshare -n, loopback only) and is skipped, with the reason, where that is not permitted."""
import os
import shutil
import subprocess
import sys
import tempfile
import time

from m3ua_peer import TOP, Sim, check, run, wait_until

GW = os.path.join(TOP, "gateway", "sipisup-gw")
GW_CFG = os.path.join(TOP, "docs", "examples", "sipisup-gw.cfg")
SIM_CFG = os.path.join(TOP, "docs", "examples", "pstn-sim.cfg")
NETNS_FLAG = "PSTN_SIM_TEST_NETNS"
CALLS = 4


def skip(why):
    print("skipped: " + why)
    sys.exit(77)


def enter_netns():
    """Re-run this script in a private network namespace with loopback up."""
    if os.environ.get(NETNS_FLAG):
        if subprocess.run(["ip", "link", "set", "lo", "up"]).returncode:
            skip("cannot bring up loopback in the private network namespace")
        return
    if not shutil.which("unshare") or not shutil.which("ip"):
        skip("unshare or ip (util-linux, iproute2) missing: no private network namespace")
    probe = subprocess.run(["unshare", "-n", "true"], stderr=subprocess.PIPE)
    if probe.returncode:
        skip("unshare -n not permitted here (%s)" % probe.stderr.decode(errors="replace").strip())
    env = dict(os.environ, **{NETNS_FLAG: "1"})
    os.execvpe("unshare", ["unshare", "-n", sys.executable, os.path.abspath(__file__)], env)


def gateway_config(port):
    with open(GW_CFG) as f:
        text = f.read()
    check("remote-port 2905" in text, "the gateway's example config no longer uses port 2905")
    fd, path = tempfile.mkstemp(prefix="pstn-sim-gw-", suffix=".cfg")
    with os.fdopen(fd, "w") as f:
        f.write(text.replace("remote-port 2905", "remote-port %d" % port))
    return path


def main():
    if not os.access(GW, os.X_OK):
        skip("gateway/sipisup-gw is not built")
    enter_netns()
    sim = Sim(["--originate", "2", "--count", str(CALLS), "--called", "3912345678",
               "--calling", "4930123", "--hold", "300"], config=SIM_CFG)
    cfg = gateway_config(sim.port)
    log = tempfile.TemporaryFile()
    gw = subprocess.Popen([GW, "-c", cfg], stdout=log, stderr=subprocess.STDOUT, cwd=TOP)
    try:
        check(wait_until(lambda: sim.summary()["asp.current_active"] == 1, 10), "gateway ASP not active")
        # the gateway resets its 62 circuits: two GRS, both answered
        check(wait_until(lambda: sim.summary()["tx.GRA"] >= 2, 10), "no GRA for the gateway's GRS")
        done = lambda s: s["calls.answered.out"] + s["calls.failed"] + s["calls.timeout"] >= CALLS
        check(wait_until(lambda: done(sim.summary()), 15), "originated calls not all handled")
        check(wait_until(lambda: sim.summary()["cics.busy"] == 0, 5), "a circuit stays busy")
        s = sim.summary()
        check(gw.poll() is None, "the gateway exited")
        check(s["calls.out"] == CALLS and s["calls.timeout"] == 0, "calls out %d, timeouts %d" %
              (s["calls.out"], s["calls.timeout"]))
        errors = {k: v for k, v in s.items() if k.startswith("errors.") and v}
        check(not errors, "protocol errors at the simulator: %r" % errors)
        print("gateway vs simulator: %d GRA, %d calls: %d answered, %d released before answer" %
              (s["tx.GRA"], s["calls.out"], s["calls.answered.out"], s["calls.failed"]))
        sim.stop()
    finally:
        if gw.poll() is None:
            gw.terminate()
            try:
                gw.wait(5)
            except subprocess.TimeoutExpired:
                gw.kill()
                gw.wait(5)
        log.seek(0)
        tail = log.read().decode(errors="replace").splitlines()[-15:]
        print("gateway log (last lines):\n  " + "\n  ".join(tail))
        os.unlink(cfg)
        sim.kill()


if __name__ == "__main__":
    run(main)
