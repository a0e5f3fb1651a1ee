"""peers.py - scripted M3UA peers over TCP on loopback (RFC 4666 ASP and SG sides) for the tests.

Each peer has one reader thread that decodes every message, records it with a timestamp, answers
what it is told to answer automatically (BEAT; on the SG side also ASPUP/ASPAC/ASPIA/ASPDN) and
queues the rest for the test. Every wait has a deadline; nothing loops forever.
"""
import queue
import socket
import threading
import time

from sigtran import DecodeError, M3uaFramer, M3uaMsg, isup, m3ua  # noqa: F401


class PeerClosed(ConnectionError):
    """The far end closed the connection (or it broke) while waiting."""


class _M3uaPeer:
    """Common part: socket, reader thread, records, queue for the test."""

    def __init__(self):
        self.sock = None
        self.auto_beat = True
        self.received = []   # (time.monotonic(), M3uaMsg) of everything received, in order
        self.sent = []       # (time.monotonic(), M3uaMsg or bytes) of everything sent
        self.errors = []     # exceptions the reader hit (decode errors, resets)
        self.handlers = {}   # (class, type) -> fn(peer, msg) -> bool (True = handled, not queued)
        self._q = queue.Queue()
        self._backlog = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._reader = None
        self.closed = threading.Event()

    def _start_reader(self, sock):
        self.sock = sock
        self.closed.clear()
        self._reader = threading.Thread(target=self._read_loop, args=(sock,), daemon=True)
        self._reader.start()

    def _read_loop(self, sock):
        framer = M3uaFramer()
        sock.settimeout(0.1)
        try:
            while not self._stop.is_set():
                try:
                    data = sock.recv(65536)
                except socket.timeout:
                    continue
                except OSError as e:
                    self.errors.append(e)
                    break
                if not data:
                    break
                for raw in framer.feed(data):
                    msg = m3ua.decode(raw)
                    with self._lock:
                        self.received.append((time.monotonic(), msg))
                    if not self._auto(msg):
                        self._q.put(msg)
        except Exception as e:  # decode error, or a reply that could not be sent
            self.errors.append(e)
            self._q.put(e)
        finally:
            self.closed.set()
            self._q.put(None)

    def _auto(self, msg):
        h = self.handlers.get((msg.msg_class, msg.msg_type))
        if h is not None:
            return h(self, msg)
        if msg.name == "BEAT" and self.auto_beat:
            self.send(m3ua.beat_ack(msg.get("heartbeat_data")))
            return True
        return False

    # --- test-facing API ----------------------------------------------------------------------
    def send(self, msg):
        """Send an M3uaMsg or raw bytes."""
        raw = msg.encode() if isinstance(msg, M3uaMsg) else bytes(msg)
        with self._lock:
            if self.sock is None:
                raise PeerClosed("not connected")
            self.sock.sendall(raw)
            self.sent.append((time.monotonic(), msg))

    def _next(self, deadline):
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no M3UA message in time")
            try:
                item = self._q.get(timeout=left)
            except queue.Empty:
                raise TimeoutError("no M3UA message in time") from None
            if item is None:
                self._q.put(None)  # stay closed for later waits
                raise PeerClosed("connection closed by the far end")
            if isinstance(item, Exception):
                raise item
            return item

    def recv(self, timeout=5.0):
        """Next message not answered automatically; raises TimeoutError or PeerClosed."""
        if self._backlog:
            return self._backlog.pop(0)
        return self._next(time.monotonic() + timeout)

    def try_recv(self, timeout=0.5):
        """Like recv, but None on timeout."""
        try:
            return self.recv(timeout)
        except TimeoutError:
            return None

    def expect(self, cls_or_name, msg_type=None, timeout=5.0):
        """Wait for a message by name ('ASPUP_ACK') or (class, type); others wait in a backlog
        for later recv() calls. Raises TimeoutError naming what was seen instead."""
        if isinstance(cls_or_name, str):
            cls, typ = m3ua.TYPES[cls_or_name]
        else:
            cls, typ = cls_or_name, msg_type
        for i, m in enumerate(self._backlog):
            if (m.msg_class, m.msg_type) == (cls, typ):
                return self._backlog.pop(i)
        deadline = time.monotonic() + timeout
        skipped = []
        try:
            while True:
                m = self._next(deadline)
                if (m.msg_class, m.msg_type) == (cls, typ):
                    return m
                skipped.append(m)
        except TimeoutError:
            raise TimeoutError(f"no {m3ua.NAMES.get((cls, typ), (cls, typ))} within {timeout}s; "
                               f"saw {[m.name for m in skipped]}") from None
        finally:
            self._backlog.extend(skipped)

    def send_isup(self, opc, dpc, isup_bytes, sls=0, si=5, ni=2, mp=0, rc=None):
        """Send an ISUP message in M3UA DATA (rc defaults to the one activated, if any)."""
        rc = rc if rc is not None else getattr(self, "rc", None)
        self.send(m3ua.data(opc, dpc, isup_bytes, si=si, ni=ni, mp=mp, sls=sls, rc=rc))

    def recv_isup(self, timeout=5.0):
        """Wait for DATA; return its ISUP decoded, plus 'label' (opc, dpc, si, ni, mp, sls),
        'raw' (ISUP octets) and 'm3ua' (the whole M3uaMsg)."""
        msg = self.expect("DATA", timeout=timeout)
        if "protocol_data" not in msg:
            raise DecodeError("m3ua DATA", 8, "no protocol data parameter")
        pd = msg["protocol_data"]
        d = isup.decode(pd["data"])
        d["label"] = {k: pd[k] for k in ("opc", "dpc", "si", "ni", "mp", "sls")}
        d["raw"] = pd["data"]
        d["m3ua"] = msg
        return d

    def ping(self, data=b"ping", timeout=5.0):
        """Send BEAT and wait for the BEAT_ACK; its heartbeat data must echo ours."""
        self.send(m3ua.beat(data))
        ack = self.expect("BEAT_ACK", timeout=timeout)
        if ack.get("heartbeat_data") != data:
            raise AssertionError(f"BEAT_ACK data {ack.get('heartbeat_data')!r} != {data!r}")
        return ack

    def records(self, name=None):
        """Received messages (with timestamps), optionally only those of one name."""
        with self._lock:
            return [(t, m) for t, m in self.received if name is None or m.name == name]

    def close(self):
        """Close the connection and stop the reader (bounded wait)."""
        self._stop.set()
        with self._lock:
            s, self.sock = self.sock, None
        if s is not None:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()
        if self._reader is not None:
            self._reader.join(timeout=2.0)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class M3uaClient(_M3uaPeer):
    """An ASP that connects to an SG (or to the product acting as SG) over TCP."""

    def __init__(self, host, port, timeout=5.0):
        super().__init__()
        self.rc = None
        sock = socket.create_connection((host, port), timeout=timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._start_reader(sock)

    def up_and_active(self, rc=None, traffic_mode=None, asp_id=None, timeout=5.0):
        """ASPUP -> ASPUP_ACK, ASPAC -> ASPAC_ACK. Returns the ASPAC_ACK. NTFYs that arrive stay
        queued for the test."""
        self.send(m3ua.aspup(asp_id=asp_id))
        self.expect("ASPUP_ACK", timeout=timeout)
        if rc is not None and isinstance(rc, int):
            rc = [rc]
        self.send(m3ua.aspac(traffic_mode=traffic_mode, rc=rc))
        ack = self.expect("ASPAC_ACK", timeout=timeout)
        self.rc = rc
        return ack


class M3uaServer(_M3uaPeer):
    """A scripted SG: listens on 127.0.0.1, accepts one ASP, acknowledges ASPUP/ASPAC/ASPIA/ASPDN
    (with NTFY AS-INACTIVE after ASPUP_ACK and AS-ACTIVE after ASPAC_ACK unless ntfy=False),
    answers BEAT unless auto_beat is False, and records everything."""

    def __init__(self, port=0, host="127.0.0.1", ntfy=True, auto_asp=True):
        super().__init__()
        self.ntfy = ntfy
        self.auto_asp = auto_asp
        self.active = threading.Event()
        self.aspac_msg = None
        self.rc = None
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind((host, port))
        self.listener.listen(1)
        self.port = self.listener.getsockname()[1]
        self.peer_addr = None
        self._acceptor = threading.Thread(target=self._accept_loop, daemon=True)
        self._connected = threading.Event()
        self._acceptor.start()

    def _accept_loop(self):
        self.listener.settimeout(0.1)
        while not self._stop.is_set():
            try:
                s, addr = self.listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.peer_addr = addr
            self._start_reader(s)
            self._connected.set()
            return

    def wait_connected(self, timeout=10.0):
        if not self._connected.wait(timeout):
            raise TimeoutError(f"no ASP connected to port {self.port} within {timeout}s")

    def wait_active(self, timeout=10.0):
        """Wait until the ASP was acknowledged active; returns its ASPAC."""
        if not self.active.wait(timeout):
            raise TimeoutError(f"ASP not active within {timeout}s; got {[m.name for _, m in self.records()]}")
        return self.aspac_msg

    def _auto(self, msg):
        if (msg.msg_class, msg.msg_type) in self.handlers or msg.name == "BEAT" or not self.auto_asp:
            return super()._auto(msg)
        rc = msg.get("routing_context")
        if msg.name == "ASPUP":
            self.send(m3ua.aspup_ack())
            if self.ntfy:
                self.send(m3ua.ntfy(m3ua.ST_AS_STATE_CHANGE, m3ua.AS_INACTIVE))
        elif msg.name == "ASPAC":
            self.send(m3ua.aspac_ack(msg.get("traffic_mode"), rc))
            if self.ntfy:
                self.send(m3ua.ntfy(m3ua.ST_AS_STATE_CHANGE, m3ua.AS_ACTIVE, rc=rc))
            self.rc = rc
            self.aspac_msg = msg
            self.active.set()
        elif msg.name == "ASPIA":
            self.active.clear()
            self.send(m3ua.aspia_ack(rc))
            if self.ntfy:
                self.send(m3ua.ntfy(m3ua.ST_AS_STATE_CHANGE, m3ua.AS_PENDING, rc=rc))
        elif msg.name == "ASPDN":
            self.active.clear()
            self.send(m3ua.aspdn_ack())
        else:
            return False
        return False  # acknowledged, but still queued so the test can see it

    def refuse(self, name, error_code=None):
        """From now on answer messages called name (e.g. 'ASPAC') with ERR(error_code) instead of
        acknowledging them; error_code None goes back to the normal answer. The refused message is
        still queued for the test."""
        key = m3ua.TYPES[name]
        if error_code is None:
            self.handlers.pop(key, None)
            return

        def answer(peer, msg):
            peer.send(m3ua.err(error_code, rc=msg.get("routing_context")))
            return False
        self.handlers[key] = answer

    def send_duna(self, pcs, rc=None):
        self.send(m3ua.duna(pcs, rc=rc if rc is not None else self.rc))

    def send_dava(self, pcs, rc=None):
        self.send(m3ua.dava(pcs, rc=rc if rc is not None else self.rc))

    def send_scon(self, pcs, level, concerned=None, rc=None):
        self.send(m3ua.scon(pcs, level=level, concerned=concerned, rc=rc if rc is not None else self.rc))

    def send_dupu(self, pcs, cause, user=5, rc=None):
        self.send(m3ua.dupu(pcs, cause, user, rc=rc if rc is not None else self.rc))

    def accept_again(self):
        """After drop() or the ASP's own close: accept the next connection on the same port
        (for reconnect tests). Records are kept; the queue starts empty."""
        if self._reader is not None:
            self._reader.join(timeout=2.0)
        self._q = queue.Queue()
        self._backlog = []
        self.active.clear()
        self._connected.clear()
        self._acceptor = threading.Thread(target=self._accept_loop, daemon=True)
        self._acceptor.start()

    def drop(self):
        """Close the ASP's connection; the listener stays open (see accept_again)."""
        with self._lock:
            s, self.sock = self.sock, None
        if s is not None:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def close(self):
        super().close()
        self.listener.close()
        self._acceptor.join(timeout=2.0)
