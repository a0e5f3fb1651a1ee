"""kamailio_anchor.py - the anchor target: Debian's Kamailio as a minimal stateful proxy
(bench/kamailio.cfg: tm, sl, rr, record_route, t_relay) in front of a SIPp UAS, on loopback.

Kamailio runs with the TLSF allocator (-x tlsf; Debian's default build is about 4x slower per call
without it), one UDP and one TCP worker, and is pinned to its own core; SIPp (UAC and UAS) share
the other one. Its CPU is summed over all its processes (workers, timers, TCP main).
"""
import os
import shutil

import lib

CFG = os.path.join(lib.HERE, "kamailio.cfg")


class KamailioTarget:
    name = "kamailio"

    def __init__(self, workdir, shm_mb=1024, pkg_mb=16):
        self.workdir = os.path.join(workdir, "kamailio")
        os.makedirs(self.workdir, exist_ok=True)
        self.shm_mb = shm_mb
        self.pkg_mb = pkg_mb
        two = lib.cpu_count() >= 2
        self.element_cores = [1] if two else None
        self.sipp_cores = [0] if two else None
        self.uas = None
        self.element = None
        self.address = None

    @staticmethod
    def available():
        return shutil.which("kamailio") is not None and shutil.which("sipp") is not None

    def start(self, transport):
        uas_port = lib.free_port()
        port = lib.free_port()
        self.uas = lib.start_sipp_uas(self.workdir, uas_port, transport, cores=self.sipp_cores)
        rundir = os.path.join(self.workdir, f"run-{port}")
        os.makedirs(rundir, exist_ok=True)
        cmd = lib.pin(self.element_cores) + [
            "kamailio", "-f", CFG, "-x", "tlsf", "-m", str(self.shm_mb), "-M", str(self.pkg_mb),
            "-n", "1", "-N", "1", "-DD", "-E", "-Y", rundir, "-w", rundir,
            "-P", os.path.join(rundir, "kamailio.pid"), "-b", str(lib.SOCK_BUF),
            "-l", f"udp:127.0.0.1:{port}", "-l", f"tcp:127.0.0.1:{port}",
            "-A", f'UAS_URI="sip:127.0.0.1:{uas_port};transport={transport}"']
        proc = lib.start(cmd, os.path.join(self.workdir, f"kamailio-{port}.log"), cwd=rundir)
        self.element = lib.Element(proc, self.name)
        self.address = ("127.0.0.1", port)
        try:
            lib.wait_udp_listen(port, proc=proc)
            lib.procs.wait_port("127.0.0.1", port, proc=proc)
        except Exception:
            self.stop()
            raise
        self.command = " ".join(cmd)
        return self

    def stop(self):
        lib.stop_all(self.element, self.uas)
        self.element = self.uas = None
