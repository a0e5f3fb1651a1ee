#!/usr/bin/env python3
"""test_sip_fe.py - the SIP front end (tests/sip_fe_harness) against SIPp on loopback.

Asserts SIPp's call counts (its scenarios check status codes and header contents with ereg
check_it) and the harness's counters, printed as `name value` lines on SIGUSR1."""
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
HARNESS = os.path.join(ROOT, "tests", "sip_fe_harness")
SCEN = os.path.join(ROOT, "sipp-scenarios")
PORT = 15060
UAS_PORT = 15062
OUT_PORT = 15064
FWD_PORT = 15066
SIPP_PORT = 15070

failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


class Harness:
    def __init__(self, port, args):
        self.err = open(os.devnull if not os.environ.get("SIP_FE_HARNESS_LOG") else
                        os.environ["SIP_FE_HARNESS_LOG"] + ".%d" % port, "w")
        self.p = subprocess.Popen([HARNESS, "-p", str(port)] + args, stdout=subprocess.PIPE,
                                  stderr=self.err, text=True)
        line = self.p.stdout.readline()
        if line.strip() != "ready":
            self.stop()
            raise RuntimeError("harness did not start: %r" % line)

    def counters(self):
        self.p.send_signal(signal.SIGUSR1)
        return self._read_block()

    def _read_block(self):
        c = {}
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            line = self.p.stdout.readline()
            if not line or line.strip() == "--":
                break
            name, _, val = line.strip().rpartition(" ")
            c[name] = int(val)
        return c

    def wait_for(self, name, value, timeout=10.0):
        deadline = time.monotonic() + timeout
        while True:
            c = self.counters()
            if c.get(name, 0) >= value or time.monotonic() > deadline:
                return c
            time.sleep(0.2)

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                out = self.p.communicate(timeout=10)[0]
            except subprocess.TimeoutExpired:
                self.p.kill()
                out = self.p.communicate()[0]
            # a clean stop frees everything; sanitizer builds fail the exit code otherwise
            check(self.p.returncode == 0, "harness stopped cleanly (exit %s)" % self.p.returncode)
            self.err.close()
            return out
        return ""


def sipp(scenario, service=None, calls=1, rate=10, limit=None, local_ip="127.0.0.1", timeout=20,
         remote=PORT, extra=()):
    cmd = ["sipp", "-sf", os.path.join(SCEN, scenario), "-i", local_ip, "-p", str(SIPP_PORT),
           "-m", str(calls), "-l", str(limit or calls), "-r", str(rate), "-timeout", "%ds" % timeout,
           "-timeout_error", "-nostdin", "-max_recv_loops", "1000"]
    if service:
        cmd += ["-s", str(service)]
    cmd += list(extra)
    if remote:
        cmd.append("127.0.0.1:%d" % remote)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout + 15)
    ok = re.search(r"Successful call\s*\|\s*\d+\s*\|\s*(\d+)", p.stdout)
    bad = re.search(r"Failed call\s*\|\s*\d+\s*\|\s*(\d+)", p.stdout)
    return p.returncode, int(ok.group(1)) if ok else -1, int(bad.group(1)) if bad else -1, p.stdout


def run_uac(name, scenario, service, calls=2, **kw):
    rc, ok, bad, out = sipp(scenario, service, calls, **kw)
    check(rc == 0 and ok == calls and bad == 0, "%s: sipp rc=%d successful=%d failed=%d" % (name, rc, ok, bad))
    if rc != 0:
        print(out[-1500:])


def raw_udp(port, payload):
    """send payload (with {port} = our own port, for the Via) and return the answer"""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    s.bind(("127.0.0.1", 0))
    s.sendto(payload.replace("{port}", str(s.getsockname()[1])).encode(), ("127.0.0.1", port))
    try:
        return s.recv(4096).decode(errors="replace")
    except socket.timeout:
        return ""
    finally:
        s.close()


def main():
    if not shutil.which("sipp"):
        print("skipped: sipp (sip-tester) is not installed")
        return 77
    if not os.access(HARNESS, os.X_OK):
        print("skipped: %s not built (run make first)" % HARNESS)
        return 77

    h = Harness(PORT, ["-t", "127.0.0.1/32", "-m", "2", "-a", "20", "-b", "200",
                       "-F", "sip:127.0.0.1:%d" % FWD_PORT])
    try:
        c0 = h.counters()
        run_uac("answered call", "uac_basic.xml", 1000)
        run_uac("answered call over TCP", "uac_basic.xml", 1000, extra=("-t", "t1"))
        run_uac("486 with Reason Q.850 cause 17", "uac_busy.xml", 2000)
        run_uac("admission 503 with Retry-After and oc on the Via", "uac_refused.xml", 3000)
        run_uac("CANCEL before answer -> 487", "uac_cancel.xml", 5000)
        run_uac("BYE from the gateway", "uac_bye_from_gw.xml", 4000)
        run_uac("OPTIONS 200 with oc on the Via", "uac_options.xml", None)
        run_uac("100rel when required (reliable 180, PRACK)", "uac_100rel.xml", 1000)
        run_uac("Session-Expires below Min-SE -> 422", "uac_session_small.xml", 1000)
        run_uac("untrusted source -> 403", "uac_untrusted.xml", 1000, local_ip="127.0.0.2")
        run_uac("session refresh by UPDATE and re-INVITE keeps the call", "uac_refresh.xml", 1000, timeout=15)
        run_uac("session timer expiry releases the call", "uac_session_timer.xml", 1000, timeout=15)

        run_uac("shed by 302, Contact marked x-gw-shed", "uac_redirect.xml", 6000)
        run_uac("call layer redirects an admitted call: 302 with its Contact", "uac_redirect_call.xml", 8000)
        fwd = subprocess.Popen(["sipp", "-sf", os.path.join(SCEN, "uas_forwarded.xml"), "-i", "127.0.0.1", "-p",
                                str(FWD_PORT), "-m", "2", "-timeout", "15s", "-timeout_error", "-nostdin"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        time.sleep(0.5)
        run_uac("shed by stateless forward: call completes through the peer", "uac_basic.xml", 7000)
        try:
            out = fwd.communicate(timeout=20)[0]
        except subprocess.TimeoutExpired:
            fwd.kill()
            out = fwd.communicate()[0]
        ok = re.search(r"Successful call\s*\|\s*\d+\s*\|\s*(\d+)", out)
        check(fwd.returncode == 0 and ok and int(ok.group(1)) == 2,
              "peer behind the forward saw x-gw-shed on the Request-URI and Max-Forwards 69: rc=%s" % fwd.returncode)

        # malformed requests (a bad CSeq; no CSeq at all) get a stateless 400
        for i, cseq in enumerate(("CSeq: abc INVITE\r\n", "")):
            resp = raw_udp(PORT, "INVITE sip:1000@127.0.0.1 SIP/2.0\r\n"
                           "Via: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bKbad%d\r\n"
                           "From: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:1000@127.0.0.1>\r\nCall-ID: bad%d\r\n"
                           "%sContent-Length: 0\r\n\r\n" % (i, i, cseq))
            check(resp.startswith("SIP/2.0 400"), "malformed INVITE -> 400 (%r)" % resp[:30])

        c = h.wait_for("dialogs:freed", c0.get("dialogs:freed", 0) + 16)
        time.sleep(0.6)
        c = h.counters()
        d = {k: v - c0.get(k, 0) for k, v in c.items()}
        print(" ".join("%s=%d" % kv for kv in sorted(d.items()) if kv[1]))
        check(d["ev:invite"] == 18, "INVITE events: 2 each for basic UDP and TCP, 486, CANCEL, BYE-from-us, 100rel, "
              "refresh, timer, redirected by the call layer (%d)" % d["ev:invite"])
        check(d["rx:invite"] == 30, "INVITEs received: 18 + 2 re-INVITEs + 2 refused + 2 untrusted + 2 too small "
              "+ 2 redirected + 2 forwarded (%d)" % d["rx:invite"])
        check(d["redirected"] == 2 and d["forwarded"] == 2, "redirected == 2, forwarded == 2")
        check(d["rx:update"] == 2, "UPDATE refreshes received == 2")
        check(d["refused:admission"] == 2, "refused:admission == 2")
        check(d["refused:untrusted"] >= 2, "refused:untrusted >= 2")
        check(d["ev:cancel"] == 2, "CANCEL events == 2")
        check(d["harness:bye-sent"] == 2 and d["ev:bye"] == 8, "BYE sent by the call layer 2, BYE events 8 (basic UDP/TCP, 100rel, refresh)")
        check(d["ev:session-expired"] == 2 and d["session:expired"] == 2, "session timer expiries == 2")
        check(d["rx:prack"] == 2, "PRACK received == 2")
        check(d["rx:options"] == 2, "OPTIONS received == 2")
        check(d["malformed"] == 2, "malformed == 2 (%d)" % d["malformed"])
        check(c["gauge:dialogs"] == 0 and c["harness:calls"] == 0, "no dialog left: gauge %d, call layer %d"
              % (c["gauge:dialogs"], c["harness:calls"]))
        check(d["dialogs:created"] == d["dialogs:freed"] == d["ev:terminated"],
              "created == freed == TERMINATED events (%d)" % d["dialogs:created"])
        check(c["harness:unknown-ref"] == 0, "no event for an unknown ref")

        # load: 2000 calls at 200 cps, zero failed
        c0 = h.counters()
        rc, ok, bad, out = sipp("uac_basic.xml", 1000, calls=2000, rate=200, limit=400, timeout=60)
        check(rc == 0 and ok == 2000 and bad == 0, "load 2000 calls at 200 cps: successful=%d failed=%d" % (ok, bad))
        if rc != 0:
            print(out[-2000:])
        c = h.wait_for("dialogs:freed", c0["dialogs:freed"] + 2000, timeout=15)
        check(c["gauge:dialogs"] == 0, "after load no dialog left (%d)" % c["gauge:dialogs"])
        check(c["dialogs:freed"] - c0["dialogs:freed"] == 2000, "2000 dialogs freed")
        check(c["refused:queue-full"] == 0 and c["evq:overflow"] == 0, "no queue overflow under load")
    finally:
        h.stop()

    # outgoing calls (ISUP -> SIP direction) to a SIPp UAS, and an OPTIONS probe of ourselves
    uas = subprocess.Popen(["sipp", "-sf", os.path.join(SCEN, "uas_basic.xml"), "-i", "127.0.0.1", "-p",
                            str(UAS_PORT), "-m", "3", "-timeout", "20s", "-timeout_error", "-nostdin"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    time.sleep(0.5)
    h = Harness(OUT_PORT, ["-o", "sip:2000@127.0.0.1:%d" % UAS_PORT, "-n", "3", "-H", "200",
                           "-P", "sip:127.0.0.1:%d" % OUT_PORT])
    try:
        try:
            out = uas.communicate(timeout=25)[0]
        except subprocess.TimeoutExpired:
            uas.kill()
            out = uas.communicate()[0]
        ok = re.search(r"Successful call\s*\|\s*\d+\s*\|\s*(\d+)", out)
        check(uas.returncode == 0 and ok and int(ok.group(1)) == 3,
              "outgoing calls to SIPp UAS: rc=%s successful=%s" % (uas.returncode, ok and ok.group(1)))
        c = h.wait_for("ev:terminated", 3)
        check(c["ev:answer"] == 3 and c["ev:progress"] == 3, "3 answers, 3 progress events")
        check(c["harness:bye-sent"] == 3 and c["ev:terminated"] == 3 and c["gauge:dialogs"] == 0,
              "3 BYEs from us, 3 TERMINATED, no dialog left")
        check(c["options:status"] == 200 and c["options:oc"] == 10, "OPTIONS probe result 200, oc=10 read from the Via")
    finally:
        h.stop()
        if uas.poll() is None:
            uas.kill()
            uas.wait()

    # outgoing calls given up before the answer: CANCEL with Reason, 487, FAILURE then TERMINATED
    uas = subprocess.Popen(["sipp", "-sf", os.path.join(SCEN, "uas_cancel.xml"), "-i", "127.0.0.1", "-p",
                            str(UAS_PORT), "-m", "2", "-timeout", "20s", "-timeout_error", "-nostdin"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    time.sleep(0.5)
    h = Harness(OUT_PORT, ["-o", "sip:2000@127.0.0.1:%d" % UAS_PORT, "-n", "2", "-C", "300"])
    try:
        try:
            out = uas.communicate(timeout=25)[0]
        except subprocess.TimeoutExpired:
            uas.kill()
            out = uas.communicate()[0]
        ok = re.search(r"Successful call\s*\|\s*\d+\s*\|\s*(\d+)", out)
        check(uas.returncode == 0 and ok and int(ok.group(1)) == 2,
              "outgoing calls cancelled at the SIPp UAS: rc=%s successful=%s" % (uas.returncode, ok and ok.group(1)))
        c = h.wait_for("ev:terminated", 2)
        check(c["ev:failure"] == 2 and c["failure:status"] == 487 and c["ev:answer"] == 0,
              "2 FAILURE events with 487, no answer")
        check(c["ev:terminated"] == 2 and c["gauge:dialogs"] == 0, "2 TERMINATED, no dialog left")
    finally:
        h.stop()
        if uas.poll() is None:
            uas.kill()
            uas.wait()

    if failures:
        print("%d check(s) failed" % len(failures))
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
