"""m3ua_peer.py - pstn-sim test helpers on top of lib/sigtran.py (the independent M3UA/ISUP codec).

What lib/ lacks for these tests: a synchronous ASP client that can also hand back raw frames the
codec refuses (lib/peers.py's reader thread stops at the first undecodable message, and pstn-sim
sends some on purpose), a wrapper that runs pstn-sim and reads its stdout summary, and the
"pstn-sim: key value" summary parser."""
import os
import re
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(HERE, "lib"))

from sigtran import DecodeError, M3uaFramer, isup, m3ua  # noqa: E402
from procs import free_port  # noqa: E402


class TestFailure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise TestFailure(what)


def bits(value, n):
    """An integer bit mask as the list of n status bits lib/sigtran uses (bit i = cic + i)."""
    return [(value >> i) & 1 for i in range(n)]


class Asp:
    """One ASP connection over TCP: M3UA framed by its length field, read synchronously."""

    def __init__(self, port, opc=1, dpc=2, ni=2, rc=None, timeout=5.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.framer = M3uaFramer()
        self.frames = []
        self.opc, self.dpc, self.ni, self.rc = opc, dpc, ni, rc
        self.pending = []        # decoded messages received while waiting for something else
        self.raw_log = []        # every frame received, in order (for pcap cross-checks)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def send(self, msg):
        self.sock.sendall(msg.encode() if hasattr(msg, "encode") else bytes(msg))

    def read_frame(self, deadline):
        """One whole M3UA message as bytes, not decoded (for deliberately malformed ones)."""
        while not self.frames:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            r, _, _ = select.select([self.sock], [], [], left)
            if not r:
                return None
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed by peer")
            got = self.framer.feed(chunk)
            self.frames.extend(got)
            self.raw_log.extend(got)
        return self.frames.pop(0)

    def _read_one(self, deadline):
        frame = self.read_frame(deadline)
        return None if frame is None else m3ua.decode(frame)

    def wait_closed(self, timeout=3.0):
        """True if the peer closes the connection within timeout (data before is discarded)."""
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                r, _, _ = select.select([self.sock], [], [], max(0.0, deadline - time.monotonic()))
                if r and not self.sock.recv(65536):
                    return True
        except OSError:
            return True
        return False

    def expect(self, name, timeout=3.0):
        """The next message called name ('ASPUP_ACK'); others are kept for later."""
        for i, m in enumerate(self.pending):
            if m.name == name:
                return self.pending.pop(i)
        deadline = time.monotonic() + timeout
        while True:
            m = self._read_one(deadline)
            if m is None:
                raise TestFailure("timeout waiting for %s; pending %s" %
                                  (name, [p.name for p in self.pending]))
            if m.name == name:
                return m
            self.pending.append(m)

    def silent(self, name, wait):
        """Assert no message called name arrives within wait seconds."""
        try:
            self.expect(name, timeout=wait)
        except TestFailure:
            return
        raise TestFailure("unexpected %s" % name)

    def up_active(self):
        self.send(m3ua.aspup())
        self.expect("ASPUP_ACK")
        self.send(m3ua.aspac(traffic_mode=m3ua.TM_LOADSHARE))
        self.expect("ASPAC_ACK")

    # ISUP over DATA
    def send_isup(self, data, sls=0):
        self.send(m3ua.data(self.opc, self.dpc, data, ni=self.ni, sls=sls, rc=self.rc))

    def _isup_of(self, m):
        if m.name != "DATA" or "protocol_data" not in m:
            return None
        pd = m["protocol_data"]
        if pd["si"] != 5:
            return None
        d = isup.decode(pd["data"])
        d["label"] = {k: pd[k] for k in ("opc", "dpc", "si", "ni", "mp", "sls")}
        d["raw"] = pd["data"]
        d["m3ua"] = m
        return d

    def recv_isup(self, name=None, cic=None, timeout=3.0):
        """The next ISUP message (optionally of a type name and CIC); other DATA is kept."""
        deadline = time.monotonic() + timeout
        while True:
            for i, m in enumerate(self.pending):
                d = self._isup_of(m)
                if d and (name is None or d["type_name"] == name) and (cic is None or d["cic"] == cic):
                    self.pending.pop(i)
                    return d
            m = self._read_one(deadline)
            if m is None:
                raise TestFailure("timeout waiting for ISUP %s on cic %s" % (name, cic))
            self.pending.append(m)

    def no_isup(self, name, cic=None, wait=1.0):
        """Assert no ISUP message of name (on cic) arrives within wait seconds."""
        try:
            d = self.recv_isup(name, cic, timeout=wait)
        except TestFailure:
            return
        raise TestFailure("unexpected ISUP %s on cic %d" % (d["type_name"], d["cic"]))


def sim_binary():
    path = os.path.join(TOP, "tools", "pstn-sim", "pstn-sim")
    return path if os.access(path, os.X_OK) else None


class Sim:
    """pstn-sim on 127.0.0.1 (point code 2, gateway 1, unless a config file says otherwise) with
    the given arguments; stop() ends it by pid and returns its final summary."""

    def __init__(self, args, control=True, config=None):
        self.port = free_port()
        self.ctl_port = free_port(socket.SOCK_DGRAM) if control else None
        # a config file comes first and keeps its point codes; listen address and ports are ours
        cmd = [sim_binary()] + (["--config", config] if config else ["--local-pc", "2", "--remote-pc", "1"])
        cmd += ["--listen", "127.0.0.1", "--port", str(self.port)]
        if control:
            cmd += ["--control-port", str(self.ctl_port)]
        self.cmdline = cmd + list(args)
        # stderr (the log) goes to a file: a pipe nobody reads would stall the simulator when full
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(self.cmdline, stdout=subprocess.PIPE, stderr=self.log)
        self.out = b""
        line = self._readline(5.0)
        if not line.startswith("pstn-sim ready:"):
            self.kill()
            raise TestFailure("simulator did not start: %r %s" % (line, self.stderr()))

    def _readline(self, timeout):
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        while b"\n" not in self.out:
            left = deadline - time.monotonic()
            if left <= 0:
                return ""
            r, _, _ = select.select([fd], [], [], left)
            if not r:
                return ""
            chunk = os.read(fd, 65536)
            if not chunk:
                return ""
            self.out += chunk
        line, self.out = self.out.split(b"\n", 1)
        return line.decode(errors="replace")

    def stderr(self):
        """The last lines the simulator logged."""
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-2000:]

    def control(self, cmd, timeout=3.0):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            s.settimeout(timeout)
            s.sendto(cmd.encode(), ("127.0.0.1", self.ctl_port))
            data, _ = s.recvfrom(65536)
        finally:
            s.close()
        return data.decode()

    def command(self, cmd):
        reply = self.control(cmd).strip()
        check(reply == "ok", "command %r: %r" % (cmd, reply))

    def summary(self):
        """The summary over the control socket, as a dict."""
        return parse_summary(self.control("summary"))

    def summary_usr1(self, timeout=5.0):
        self.proc.send_signal(signal.SIGUSR1)
        return self._read_summary(timeout)

    def _read_summary(self, timeout):
        lines = []
        deadline = time.monotonic() + timeout
        while True:
            line = self._readline(max(0.0, deadline - time.monotonic()))
            if not line:
                raise TestFailure("no complete summary; got %r" % lines[-5:])
            lines.append(line)
            if line == "pstn-sim: end":
                return parse_summary("\n".join(lines))

    def stop(self, timeout=5.0):
        if self.proc.poll() is not None:
            raise TestFailure("simulator died early: rc %s %s" % (self.proc.returncode, self.stderr()))
        self.proc.send_signal(signal.SIGTERM)
        try:
            s = self._read_summary(timeout)
            self.proc.wait(timeout)
            check(self.proc.returncode == 0, "exit status %s; log: %s" % (self.proc.returncode, self.stderr()))
            return s
        finally:
            self.kill()

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)


SUMMARY_RE = re.compile(r"^pstn-sim: (\S+) (\d+)$")


def parse_summary(text):
    out = {}
    lines = text.strip().splitlines()
    check(lines and lines[-1] == "pstn-sim: end", "summary without its end line: %r" % lines[-3:])
    for line in lines[:-1]:
        m = SUMMARY_RE.match(line)
        if m:
            out[m.group(1)] = int(m.group(2))
    return out


def wait_until(pred, timeout, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(step)
    return pred()


def expect_summary(s, expect):
    bad = {k: (v, s.get(k)) for k, v in expect.items() if s.get(k) != v}
    check(not bad, "summary mismatch (expected, got): %r" % bad)


def run(test_fn):
    """Run a test: exit 0 passed, 1 failed, 77 skipped (reason printed last)."""
    import traceback
    if not sim_binary():
        print("skipped: tools/pstn-sim/pstn-sim is not built (run make first)")
        sys.exit(77)
    try:
        test_fn()
    except (TestFailure, DecodeError, ConnectionError, OSError, KeyError, AssertionError) as e:
        traceback.print_exc()
        print("FAILED: %s" % e)
        sys.exit(1)
    print("ok")
    sys.exit(0)
