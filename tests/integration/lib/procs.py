"""procs.py - helpers for tests that run real processes: start/stop by pid, ports, a libosmocore
VTY telnet client, a libosmocore CTRL client (IPA framing, OSMO extension 0x04) and a SIPp runner.

Every wait is bounded; processes are stopped by their own pid (and the process group they lead).
"""
import csv
import os
import re
import signal
import socket
import subprocess
import tempfile
import time


# --- processes --------------------------------------------------------------------------------

class Proc:
    """A started process in its own process group, its output going to log_path."""

    def __init__(self, popen, log_path, cmd):
        self.popen = popen
        self.pid = popen.pid
        self.log_path = log_path
        self.cmd = cmd

    def alive(self):
        return self.popen.poll() is None

    @property
    def returncode(self):
        return self.popen.poll()

    def wait(self, timeout):
        """Wait for exit; returns the exit code or raises subprocess.TimeoutExpired."""
        return self.popen.wait(timeout=timeout)

    def log(self):
        """The output so far."""
        try:
            with open(self.log_path, "r", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def stop(self, timeout=5.0):
        """SIGTERM to the pid, wait up to timeout, then SIGKILL to it and the group it leads.
        Returns the exit code."""
        if self.alive():
            try:
                os.kill(self.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                try:
                    os.kill(self.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.popen.wait(timeout=timeout)
        try:
            os.killpg(self.pid, signal.SIGKILL)  # leftovers of the group this process led
        except (ProcessLookupError, PermissionError):
            pass
        return self.popen.returncode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def start(cmd, log_path, env=None, cwd=None):
    """Start cmd (list) in a new session/process group, stdout+stderr to log_path -> Proc."""
    log = open(log_path, "wb")
    try:
        p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             env=env, cwd=cwd, start_new_session=True)
    finally:
        log.close()
    return Proc(p, log_path, cmd)


def free_port(kind=socket.SOCK_STREAM):
    """A port that was free on 127.0.0.1 a moment ago (TCP by default, SOCK_DGRAM for UDP)."""
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(host, port, timeout=10.0, proc=None):
    """Wait until a TCP connect to host:port succeeds. Raises TimeoutError, or RuntimeError at
    once if proc (a Proc) exits meanwhile."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            pass
        if proc is not None and not proc.alive():
            raise RuntimeError(f"process {proc.pid} exited with {proc.returncode} before "
                               f"{host}:{port} opened; log tail:\n{proc.log()[-2000:]}")
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{host}:{port} not accepting connections after {timeout}s")
        time.sleep(0.05)


# --- libosmocore VTY (telnet) ----------------------------------------------------------------

IAC, SB, SE = 255, 250, 240


def strip_telnet(buf):
    """Remove telnet negotiation from buf. Returns (text, rest) where rest is an incomplete
    sequence at the end that must be kept for the next read."""
    out = bytearray()
    i = 0
    n = len(buf)
    while i < n:
        b = buf[i]
        if b != IAC:
            out.append(b)
            i += 1
            continue
        if i + 1 >= n:
            return bytes(out), buf[i:]
        c = buf[i + 1]
        if c == IAC:
            out.append(IAC)
            i += 2
        elif 251 <= c <= 254:          # WILL WONT DO DONT <option>
            if i + 2 >= n:
                return bytes(out), buf[i:]
            i += 3
        elif c == SB:                  # sub-negotiation up to IAC SE
            end = buf.find(bytes([IAC, SE]), i + 2)
            if end < 0:
                return bytes(out), buf[i:]
            i = end + 2
        else:                          # two-octet command (NOP, GA, ...)
            i += 2
    return bytes(out), b""


class VtyError(RuntimeError):
    pass


_PROMPT = re.compile(rb"(?:^|\n)([A-Za-z0-9_.\-]+(?:\([A-Za-z0-9_.\- -]+\))?)([>#]) $")


class Vty:
    """A small telnet client for a libosmocore VTY."""

    def __init__(self, host, port, timeout=5.0):
        self.timeout = timeout
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self._raw = b""
        self._text = b""
        self.node_name = None
        self.mode = None
        self.banner = self._read_prompt(timeout)

    def _read_prompt(self, timeout):
        deadline = time.monotonic() + timeout
        while True:
            m = _PROMPT.search(self._text)
            if m:
                out = self._text[:m.start()].decode(errors="replace")
                self.node_name, self.mode = m.group(1).decode(), m.group(2).decode()
                self._text = b""
                return out
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"VTY prompt not seen within {timeout}s; got {self._text[-200:]!r}")
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(4096)
            except socket.timeout:
                continue
            if not chunk:
                raise ConnectionError(f"VTY closed; got {self._text[-200:]!r}")
            text, self._raw = strip_telnet(self._raw + chunk)
            self._text += text.replace(b"\r", b"")

    def command(self, cmd, timeout=None, check=False):
        """Run one command; return its output (the echoed command line removed). Ends the line
        with LF only: the VTY executes on CR and on LF alike, so CR LF would run it twice.
        check=True raises VtyError when the VTY answers with a '% ...' error line."""
        self.sock.sendall(cmd.encode() + b"\n")
        out = self._read_prompt(timeout or self.timeout)
        lines = out.split("\n")
        if lines and lines[0].strip().endswith(cmd.strip()):
            lines = lines[1:]
        text = "\n".join(lines).strip("\n")
        if check:
            errors = [ln for ln in lines if ln.startswith("%")]
            if errors:
                raise VtyError(f"{cmd!r}: {' '.join(errors)}")
        return text

    def enable(self):
        out = self.command("enable")
        if self.mode != "#":
            raise RuntimeError(f"enable failed: {out!r}")
        return out

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# --- libosmocore CTRL (IPA framed) ----------------------------------------------------------

IPA_PROTO_OSMO, IPA_PROTO_IPACCESS = 0xEE, 0xFE
IPA_EXT_CTRL = 0x00     # IPAC_PROTO_EXT_CTRL of libosmocore (0x04 is OML router control)
IPA_PING, IPA_PONG = 0x00, 0x01


class CtrlError(RuntimeError):
    pass


def ipa_frame(proto, payload):
    """IPA header: 2-octet length of what follows the protocol octet, the protocol octet."""
    if len(payload) > 0xFFFF:
        raise ValueError("IPA payload too long")
    return len(payload).to_bytes(2, "big") + bytes([proto]) + payload


def ctrl_frame(text):
    return ipa_frame(IPA_PROTO_OSMO, bytes([IPA_EXT_CTRL]) + text.encode())


class Ctrl:
    """libosmocore CTRL client. get()/set() wait for the reply with their id; TRAPs that arrive
    meanwhile are kept in .traps as (var, value)."""

    def __init__(self, host, port, timeout=5.0):
        self.timeout = timeout
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self._buf = b""
        self._id = 0
        self.traps = []

    def _read_frame(self, deadline):
        while True:
            if len(self._buf) >= 3:
                ln = int.from_bytes(self._buf[:2], "big")
                if len(self._buf) >= 3 + ln:
                    proto, payload = self._buf[2], self._buf[3:3 + ln]
                    self._buf = self._buf[3 + ln:]
                    return proto, payload
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no CTRL reply in time")
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(4096)
            except socket.timeout:
                continue
            if not chunk:
                raise ConnectionError("CTRL connection closed")
            self._buf += chunk

    def _recv_msg(self, deadline):
        """Next CTRL text message (answering IPA PING on the way)."""
        while True:
            proto, payload = self._read_frame(deadline)
            if proto == IPA_PROTO_IPACCESS and payload[:1] == bytes([IPA_PING]):
                self.sock.sendall(ipa_frame(IPA_PROTO_IPACCESS, bytes([IPA_PONG])))
                continue
            if proto == IPA_PROTO_OSMO and payload[:1] == bytes([IPA_EXT_CTRL]):
                return payload[1:].decode(errors="replace")

    def _transact(self, verb, var, value=None, timeout=None):
        self._id += 1
        cid = str(self._id)
        text = f"{verb} {cid} {var}" + (f" {value}" if value is not None else "")
        self.sock.sendall(ctrl_frame(text))
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            msg = self._recv_msg(deadline)
            parts = msg.split(" ", 3)
            kind = parts[0]
            if kind == "TRAP" and len(parts) >= 3:
                self.traps.append((parts[2], parts[3] if len(parts) > 3 else ""))
                continue
            if kind == "ERROR" and len(parts) >= 2 and parts[1] == "err":
                raise CtrlError(f"{verb} {var}: {msg}")  # the server could not parse our id
            if len(parts) < 2 or parts[1] != cid:
                continue
            if kind == "ERROR":
                raise CtrlError(f"{verb} {var}: {msg.split(' ', 2)[2] if msg.count(' ') >= 2 else msg}")
            if kind == f"{verb}_REPLY" and len(parts) >= 3:
                return parts[3] if len(parts) > 3 else ""
            raise CtrlError(f"unexpected CTRL answer {msg!r}")

    def get(self, var, timeout=None):
        return self._transact("GET", var, timeout=timeout)

    def set(self, var, value, timeout=None):
        return self._transact("SET", var, value, timeout=timeout)

    def wait_trap(self, var, timeout=5.0):
        """Wait for a TRAP on var; returns its value."""
        deadline = time.monotonic() + timeout
        while True:
            for i, (v, val) in enumerate(self.traps):
                if v == var:
                    del self.traps[i]
                    return val
            msg = self._recv_msg(deadline)
            parts = msg.split(" ", 3)
            if parts[0] == "TRAP" and len(parts) >= 3:
                self.traps.append((parts[2], parts[3] if len(parts) > 3 else ""))

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# --- SIPp ---------------------------------------------------------------------------------

def parse_sipp_stat_csv(path):
    """Last row of a SIPp -trace_stat CSV as a dict; adds 'successful' and 'failed' (cumulative
    SuccessfulCall(C) / FailedCall(C)) as ints."""
    with open(path, newline="", errors="replace") as f:
        rows = [r for r in csv.reader(f, delimiter=";") if r]
    if len(rows) < 2:
        raise ValueError(f"{path}: no statistics rows")
    head, last = rows[0], rows[-1]
    d = dict(zip(head, last))
    d["successful"] = int(d["SuccessfulCall(C)"])
    d["failed"] = int(d["FailedCall(C)"])
    return d


def parse_sipp_screen(text):
    """Successful/failed cumulative counts from a SIPp screen dump (last occurrence wins)."""
    def last(label):
        vals = re.findall(rf"^\s*{label}\s*\|\s*\d+\s*\|\s*(\d+)", text, re.M)
        if not vals:
            raise ValueError(f"no '{label}' line in the SIPp screen")
        return int(vals[-1])
    return {"successful": last("Successful call"), "failed": last("Failed call")}


def sipp(args, timeout=30, workdir=None, stat=True):
    """Run sipp with args (list), bounded by -timeout and the Popen timeout. Uses -trace_stat
    -stf FILE (stat=True) or -trace_screen -screen_file FILE. Returns (rc, stats) where stats is a
    dict with at least 'successful' and 'failed', plus 'log' (sipp's output); rc is -9 if sipp
    had to be killed."""
    workdir = workdir or tempfile.mkdtemp(prefix="sipp-")
    statf = os.path.join(workdir, "stat.csv")
    screenf = os.path.join(workdir, "screen.log")
    cmd = ["sipp"] + list(args) + ["-nostdin", "-timeout", f"{int(timeout)}s"]
    if stat:
        cmd += ["-trace_stat", "-stf", statf, "-fd", "1"]
    else:
        cmd += ["-trace_screen", "-screen_file", screenf]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL, cwd=workdir, start_new_session=True)
    try:
        out, _ = p.communicate(timeout=timeout + 10)
    except subprocess.TimeoutExpired:
        os.kill(p.pid, signal.SIGKILL)
        out, _ = p.communicate(timeout=10)
    log = out.decode(errors="replace")
    try:
        if stat:
            stats = parse_sipp_stat_csv(statf)
        else:
            with open(screenf, errors="replace") as f:
                stats = parse_sipp_screen(f.read())
    except (OSError, ValueError, KeyError) as e:
        raise RuntimeError(f"sipp (exit {p.returncode}) left no usable statistics ({e}); output:\n"
                           f"{log[-2000:]}") from None
    stats["log"] = log
    return p.returncode, stats
