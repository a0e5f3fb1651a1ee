"""sigtran.py - independent M3UA (RFC 4666) and ISUP (ITU-T Q.763) codec for the integration tests.

Written from the specifications only, so that it can check what the product's C codecs put on the
wire and play the far end. Standard library only. Decoders never trust a length or a pointer: any
inconsistency raises DecodeError naming the part that was bad and its offset.

Use:  from sigtran import m3ua, isup, DecodeError
"""
import struct
from dataclasses import dataclass, field


class DecodeError(ValueError):
    """A message could not be decoded; .part names what was bad, .offset where."""

    def __init__(self, part, offset, why):
        super().__init__(f"{part} at offset {offset}: {why}")
        self.part = part
        self.offset = offset
        self.why = why


def _need(buf, off, n, part):
    if off < 0 or off + n > len(buf):
        raise DecodeError(part, off, f"needs {n} octets, only {max(0, len(buf) - off)} left")


# ---------------------------------------------------------------------------------------------
# M3UA (RFC 4666)
# ---------------------------------------------------------------------------------------------

# Message classes and types (RFC 4666 section 3.1.2).
_M3UA_NAMES = {
    (0, 0): "ERR", (0, 1): "NTFY",
    (1, 1): "DATA",
    (2, 1): "DUNA", (2, 2): "DAVA", (2, 3): "DAUD", (2, 4): "SCON", (2, 5): "DUPU", (2, 6): "DRST",
    (3, 1): "ASPUP", (3, 2): "ASPDN", (3, 3): "BEAT", (3, 4): "ASPUP_ACK", (3, 5): "ASPDN_ACK",
    (3, 6): "BEAT_ACK",
    (4, 1): "ASPAC", (4, 2): "ASPIA", (4, 3): "ASPAC_ACK", (4, 4): "ASPIA_ACK",
    (9, 1): "REG_REQ", (9, 2): "REG_RSP", (9, 3): "DEREG_REQ", (9, 4): "DEREG_RSP",
}


def _m3ua_u32(v, part, off):
    if len(v) != 4:
        raise DecodeError(part, off, f"length {len(v)} != 4")
    return struct.unpack("!I", v)[0]


def _m3ua_u32_list(v, part, off):
    if not v or len(v) % 4:
        raise DecodeError(part, off, f"length {len(v)} is not a non-zero multiple of 4")
    return [struct.unpack_from("!I", v, i)[0] for i in range(0, len(v), 4)]


def _m3ua_dec_pd(v, part, off):
    if len(v) < 12:
        raise DecodeError(part, off, f"protocol data of {len(v)} octets is shorter than 12")
    opc, dpc, si, ni, mp, sls = struct.unpack_from("!IIBBBB", v, 0)
    return {"opc": opc, "dpc": dpc, "si": si, "ni": ni, "mp": mp, "sls": sls, "data": bytes(v[12:])}


def _m3ua_enc_pd(pd):
    return struct.pack("!IIBBBB", pd["opc"], pd["dpc"], pd.get("si", 5), pd.get("ni", 2),
                       pd.get("mp", 0), pd.get("sls", 0)) + bytes(pd.get("data", b""))


def _m3ua_dec_apc(v, part, off):
    return [{"mask": x >> 24, "pc": x & 0xFFFFFF} for x in _m3ua_u32_list(v, part, off)]


def _m3ua_enc_apc(lst):
    out = b""
    for x in lst:
        if isinstance(x, int):
            x = {"mask": 0, "pc": x}
        out += struct.pack("!I", (x.get("mask", 0) << 24) | (x["pc"] & 0xFFFFFF))
    return out


def _m3ua_dec_pair(names):
    def dec(v, part, off):
        if len(v) != 4:
            raise DecodeError(part, off, f"length {len(v)} != 4")
        a, b = struct.unpack("!HH", v)
        return {names[0]: a, names[1]: b}
    return dec


def _m3ua_enc_pair(names):
    return lambda d: struct.pack("!HH", d[names[0]], d[names[1]])


def _m3ua_dec_cong(v, part, off):
    return _m3ua_u32(v, part, off) & 0xFF


def _m3ua_dec_concerned(v, part, off):
    return _m3ua_u32(v, part, off) & 0xFFFFFF


def _m3ua_dec_text(v, part, off):
    try:
        return v.decode("utf-8")
    except UnicodeDecodeError as e:
        raise DecodeError(part, off, f"not UTF-8 text: {e}") from None


# name -> (tag, decode(value, part, offset), encode(python value) -> bytes)
_M3UA_PARAMS = {
    "info_string": (0x0004, _m3ua_dec_text, lambda s: s.encode("utf-8")),
    "routing_context": (0x0006, _m3ua_u32_list,
                        lambda l: b"".join(struct.pack("!I", x) for x in ([l] if isinstance(l, int) else l))),
    "diagnostic": (0x0007, lambda v, p, o: bytes(v), bytes),
    "heartbeat_data": (0x0009, lambda v, p, o: bytes(v), bytes),
    "traffic_mode": (0x000B, _m3ua_u32, lambda x: struct.pack("!I", x)),
    "error_code": (0x000C, _m3ua_u32, lambda x: struct.pack("!I", x)),
    "status": (0x000D, _m3ua_dec_pair(("type", "info")), _m3ua_enc_pair(("type", "info"))),
    "asp_id": (0x0011, _m3ua_u32, lambda x: struct.pack("!I", x)),
    "affected_pc": (0x0012, _m3ua_dec_apc, _m3ua_enc_apc),
    "correlation_id": (0x0013, _m3ua_u32, lambda x: struct.pack("!I", x)),
    "network_appearance": (0x0200, _m3ua_u32, lambda x: struct.pack("!I", x)),
    "user_cause": (0x0204, _m3ua_dec_pair(("cause", "user")), _m3ua_enc_pair(("cause", "user"))),
    "congestion_level": (0x0205, _m3ua_dec_cong, lambda x: struct.pack("!I", x & 0xFF)),
    "concerned_dest": (0x0206, _m3ua_dec_concerned, lambda x: struct.pack("!I", x & 0xFFFFFF)),
    "protocol_data": (0x0210, _m3ua_dec_pd, _m3ua_enc_pd),
}
_M3UA_BY_TAG = {v[0]: (k, v[1]) for k, v in _M3UA_PARAMS.items()}


@dataclass
class M3uaMsg:
    """One M3UA message. params maps a parameter name (see m3ua.PARAMS) or, for a tag this codec
    does not know, the integer tag, to its value; its order is the order on the wire."""
    msg_class: int
    msg_type: int
    params: dict = field(default_factory=dict)
    version: int = 1

    @property
    def name(self):
        return _M3UA_NAMES.get((self.msg_class, self.msg_type), f"M3UA_{self.msg_class}_{self.msg_type}")

    def get(self, key, default=None):
        return self.params.get(key, default)

    def __getitem__(self, key):
        return self.params[key]

    def __contains__(self, key):
        return key in self.params

    def encode(self):
        return m3ua.encode(self.msg_class, self.msg_type, self.params, version=self.version)


class m3ua:
    """M3UA codec namespace (RFC 4666)."""
    PORT = 2905
    PPID = 3
    NAMES = dict(_M3UA_NAMES)
    TYPES = {v: k for k, v in _M3UA_NAMES.items()}
    PARAMS = {k: v[0] for k, v in _M3UA_PARAMS.items()}
    # Traffic mode type (3.8.1 / 3.3.1.1)
    TM_OVERRIDE, TM_LOADSHARE, TM_BROADCAST = 1, 2, 3
    # Notify status type / info (3.8.2)
    ST_AS_STATE_CHANGE, ST_OTHER = 1, 2
    AS_INACTIVE, AS_ACTIVE, AS_PENDING = 2, 3, 4
    OTHER_INSUFF_ASP, OTHER_ALT_ASP_ACTIVE, OTHER_ASP_FAILURE = 1, 2, 3
    # Error codes (3.8.1)
    ERR_INVALID_VERSION = 0x01
    ERR_UNSUPP_MSG_CLASS = 0x03
    ERR_UNSUPP_MSG_TYPE = 0x04
    ERR_UNSUPP_TRAFFIC_MODE = 0x05
    ERR_UNEXPECTED_MSG = 0x06
    ERR_PROTOCOL_ERROR = 0x07
    ERR_INVALID_STREAM_ID = 0x09
    ERR_REFUSED_MGMT_BLOCKING = 0x0D
    ERR_ASP_ID_REQUIRED = 0x0E
    ERR_INVALID_ASP_ID = 0x0F
    ERR_INVALID_PARAM_VALUE = 0x11
    ERR_PARAM_FIELD_ERROR = 0x12
    ERR_UNEXPECTED_PARAM = 0x13
    ERR_DEST_STATUS_UNKNOWN = 0x14
    ERR_INVALID_NA = 0x15
    ERR_MISSING_PARAM = 0x16
    ERR_INVALID_RC = 0x19
    ERR_NO_CONFIGURED_AS = 0x1A
    # DUPU cause and user (3.4.5)
    CAUSE_UNKNOWN, CAUSE_UNEQUIPPED, CAUSE_INACCESSIBLE = 0, 1, 2
    USER_SCCP, USER_TUP, USER_ISUP = 3, 4, 5
    SI_ISUP = 5
    HEADER_LEN = 8
    MAX_LEN = 65536

    @staticmethod
    def encode(msg_class, msg_type, params=None, version=1):
        """Encode a message; params (dict) is encoded in its own order. Unknown keys must be integer
        tags with bytes values; known names take the python values decode() yields."""
        body = b""
        for key, val in (params or {}).items():
            if isinstance(key, int):
                tag, raw = key, bytes(val)
            else:
                if key not in _M3UA_PARAMS:
                    raise KeyError(f"unknown M3UA parameter name {key!r}")
                tag, _, enc = _M3UA_PARAMS[key]
                raw = enc(val)
            body += m3ua.param(tag, raw)
        return struct.pack("!BBBBI", version, 0, msg_class, msg_type, 8 + len(body)) + body

    @staticmethod
    def param(tag, value):
        """One TLV: tag, length (4 + value, padding excluded), value, zero padding to 4."""
        value = bytes(value)
        return struct.pack("!HH", tag, 4 + len(value)) + value + b"\0" * (-len(value) % 4)

    @staticmethod
    def decode(buf):
        """Decode one complete message (exactly len(buf) octets) -> M3uaMsg."""
        buf = bytes(buf)
        _need(buf, 0, 8, "m3ua header")
        version, _rsv, mclass, mtype, length = struct.unpack_from("!BBBBI", buf, 0)
        if version != 1:
            raise DecodeError("m3ua header version", 0, f"version {version} != 1")
        if length != len(buf):
            raise DecodeError("m3ua header length", 4, f"says {length}, buffer has {len(buf)}")
        msg = M3uaMsg(mclass, mtype, {}, version)
        off = 8
        while off < len(buf):
            _need(buf, off, 4, "m3ua parameter header")
            tag, plen = struct.unpack_from("!HH", buf, off)
            if plen < 4:
                raise DecodeError(f"m3ua parameter 0x{tag:04x} length", off + 2, f"{plen} < 4")
            _need(buf, off, plen, f"m3ua parameter 0x{tag:04x} value")
            value = buf[off + 4:off + plen]
            padded = plen + (-plen % 4)
            if off + padded > len(buf):
                raise DecodeError(f"m3ua parameter 0x{tag:04x} padding", off + plen,
                                  "message ends inside the padding")
            if buf[off + plen:off + padded].strip(b"\0"):
                raise DecodeError(f"m3ua parameter 0x{tag:04x} padding", off + plen, "padding not zero")
            if tag in _M3UA_BY_TAG:
                name, dec = _M3UA_BY_TAG[tag]
                val = dec(value, f"m3ua parameter {name}", off)
            else:
                name, val = tag, bytes(value)
            if name in msg.params:
                raise DecodeError(f"m3ua parameter {name}", off, "appears twice")
            msg.params[name] = val
            off += padded
        return msg

    # --- builders, parameters in the order RFC 4666 section 3 lists them ---------------------
    @staticmethod
    def _build(name, *pairs):
        cls, typ = m3ua.TYPES[name]
        return M3uaMsg(cls, typ, {k: v for k, v in pairs if v is not None})

    @staticmethod
    def aspup(asp_id=None, info=None):
        return m3ua._build("ASPUP", ("asp_id", asp_id), ("info_string", info))

    @staticmethod
    def aspup_ack(asp_id=None, info=None):
        return m3ua._build("ASPUP_ACK", ("asp_id", asp_id), ("info_string", info))

    @staticmethod
    def aspdn(info=None):
        return m3ua._build("ASPDN", ("info_string", info))

    @staticmethod
    def aspdn_ack(info=None):
        return m3ua._build("ASPDN_ACK", ("info_string", info))

    @staticmethod
    def beat(data=None):
        return m3ua._build("BEAT", ("heartbeat_data", data))

    @staticmethod
    def beat_ack(data=None):
        return m3ua._build("BEAT_ACK", ("heartbeat_data", data))

    @staticmethod
    def aspac(traffic_mode=None, rc=None, info=None):
        return m3ua._build("ASPAC", ("traffic_mode", traffic_mode), ("routing_context", rc),
                           ("info_string", info))

    @staticmethod
    def aspac_ack(traffic_mode=None, rc=None, info=None):
        return m3ua._build("ASPAC_ACK", ("traffic_mode", traffic_mode), ("routing_context", rc),
                           ("info_string", info))

    @staticmethod
    def aspia(rc=None, info=None):
        return m3ua._build("ASPIA", ("routing_context", rc), ("info_string", info))

    @staticmethod
    def aspia_ack(rc=None, info=None):
        return m3ua._build("ASPIA_ACK", ("routing_context", rc), ("info_string", info))

    @staticmethod
    def ntfy(status_type, status_info, asp_id=None, rc=None, info=None):
        return m3ua._build("NTFY", ("status", {"type": status_type, "info": status_info}),
                           ("asp_id", asp_id), ("routing_context", rc), ("info_string", info))

    @staticmethod
    def err(code, rc=None, na=None, apc=None, diagnostic=None):
        return m3ua._build("ERR", ("error_code", code), ("routing_context", rc),
                           ("network_appearance", na), ("affected_pc", apc), ("diagnostic", diagnostic))

    @staticmethod
    def data(opc, dpc, payload, si=5, ni=2, mp=0, sls=0, rc=None, na=None, correlation_id=None):
        pd = {"opc": opc, "dpc": dpc, "si": si, "ni": ni, "mp": mp, "sls": sls, "data": bytes(payload)}
        return m3ua._build("DATA", ("network_appearance", na), ("routing_context", rc),
                           ("protocol_data", pd), ("correlation_id", correlation_id))

    @staticmethod
    def _ssnm(name, apc, rc, na, info, *extra):
        if isinstance(apc, int):
            apc = [apc]
        return m3ua._build(name, ("network_appearance", na), ("routing_context", rc),
                           ("affected_pc", apc), *extra, ("info_string", info))

    @staticmethod
    def duna(apc, rc=None, na=None, info=None):
        return m3ua._ssnm("DUNA", apc, rc, na, info)

    @staticmethod
    def dava(apc, rc=None, na=None, info=None):
        return m3ua._ssnm("DAVA", apc, rc, na, info)

    @staticmethod
    def daud(apc, rc=None, na=None, info=None):
        return m3ua._ssnm("DAUD", apc, rc, na, info)

    @staticmethod
    def scon(apc, level=None, concerned=None, rc=None, na=None, info=None):
        return m3ua._ssnm("SCON", apc, rc, na, info, ("concerned_dest", concerned),
                          ("congestion_level", level))

    @staticmethod
    def dupu(apc, cause, user=5, rc=None, na=None, info=None):
        return m3ua._ssnm("DUPU", apc, rc, na, info, ("user_cause", {"cause": cause, "user": user}))


class M3uaFramer:
    """Splits a TCP byte stream into M3UA messages by the header's length field."""

    def __init__(self, max_len=m3ua.MAX_LEN):
        self.buf = b""
        self.max_len = max_len

    def feed(self, data):
        """Add bytes; return the list of complete raw messages now available."""
        self.buf += data
        out = []
        while len(self.buf) >= 8:
            length = struct.unpack_from("!I", self.buf, 4)[0]
            if length < 8 or length > self.max_len:
                raise DecodeError("m3ua header length", 4, f"{length} outside 8..{self.max_len}")
            if len(self.buf) < length:
                break
            out.append(self.buf[:length])
            self.buf = self.buf[length:]
        return out


def m3ua_read(sock, max_len=m3ua.MAX_LEN):
    """Blocking read of one message from a stream socket (honours the socket's timeout):
    the 8-octet header, then length-8 octets. Returns the raw bytes, or b'' on a clean EOF before
    the first header octet; raises ConnectionError on EOF inside a message."""
    def exact(n, what):
        got = b""
        while len(got) < n:
            chunk = sock.recv(n - len(got))
            if not chunk:
                if not got and what == "header":
                    return b""
                raise ConnectionError(f"connection closed inside the M3UA {what}")
            got += chunk
        return got
    hdr = exact(8, "header")
    if not hdr:
        return b""
    length = struct.unpack_from("!I", hdr, 4)[0]
    if length < 8 or length > max_len:
        raise DecodeError("m3ua header length", 4, f"{length} outside 8..{max_len}")
    return hdr + (exact(length - 8, "body") if length > 8 else b"")


# ---------------------------------------------------------------------------------------------
# ISUP (ITU-T Q.763)
# ---------------------------------------------------------------------------------------------

_ISUP_TYPES = {
    0x01: "IAM", 0x02: "SAM", 0x03: "INR", 0x04: "INF", 0x05: "COT", 0x06: "ACM", 0x07: "CON",
    0x08: "FOT", 0x09: "ANM", 0x0C: "REL", 0x0D: "SUS", 0x0E: "RES", 0x10: "RLC", 0x11: "CCR",
    0x12: "RSC", 0x13: "BLO", 0x14: "UBL", 0x15: "BLA", 0x16: "UBA", 0x17: "GRS", 0x18: "CGB",
    0x19: "CGU", 0x1A: "CGBA", 0x1B: "CGUA", 0x24: "LPA", 0x29: "GRA", 0x2A: "CQM", 0x2B: "CQR",
    0x2C: "CPG", 0x2D: "USR", 0x2E: "UCIC", 0x2F: "CFN", 0x30: "OLM", 0x33: "FAC",
}

# Message formats (Q.763 clause 4, tables 32 ff.): mandatory fixed [(name, octets)], mandatory
# variable [names], whether an optional part (and so its pointer) exists.
_ISUP_FORMATS = {
    "IAM": ([("nature_of_connection", 1), ("forward_call", 2), ("calling_category", 1),
             ("transmission_medium", 1)], ["called"], True),
    "SAM": ([], ["subsequent"], True),
    "ACM": ([("backward_call", 2)], [], True),
    "CON": ([("backward_call", 2)], [], True),
    "CPG": ([("event", 1)], [], True),
    "ANM": ([], [], True),
    "REL": ([], ["cause"], True),
    "RLC": ([], [], True),
    "SUS": ([("suspend_resume", 1)], [], True),
    "RES": ([("suspend_resume", 1)], [], True),
    "CFN": ([], ["cause"], True),
    "RSC": ([], [], False), "BLO": ([], [], False), "BLA": ([], [], False),
    "UBL": ([], [], False), "UBA": ([], [], False), "UCIC": ([], [], False),
    "CCR": ([], [], False), "LPA": ([], [], False),
    "GRS": ([], ["range_status"], False),
    "GRA": ([], ["range_status"], False),
    "CGB": ([("cgsmt", 1)], ["range_status"], False),
    "CGBA": ([("cgsmt", 1)], ["range_status"], False),
    "CGU": ([("cgsmt", 1)], ["range_status"], False),
    "CGUA": ([("cgsmt", 1)], ["range_status"], False),
}


def _bits(v, spec):
    """Split integer v into named fields; spec = [(name, shift, width)]."""
    return {n: (v >> s) & ((1 << w) - 1) for n, s, w in spec}


def _unbits(d, spec, part):
    v = 0
    for n, s, w in spec:
        x = d.get(n, 0) if isinstance(d, dict) else 0
        if x < 0 or x >= (1 << w):
            raise ValueError(f"{part}.{n} = {x} does not fit {w} bits")
        v |= x << s
    return v


def _bitfield(nbytes, spec):
    """Codec for a fixed-size little-endian bit field (octet 1 = bits 0..7)."""
    def dec(v, part, off):
        if len(v) != nbytes:
            raise DecodeError(part, off, f"length {len(v)} != {nbytes}")
        return _bits(int.from_bytes(v, "little"), spec)

    def enc(d, part):
        if isinstance(d, int):
            return d.to_bytes(nbytes, "little")
        unknown = set(d) - {n for n, _, _ in spec}
        if unknown:
            raise ValueError(f"{part}: unknown fields {sorted(unknown)}")
        return _unbits(d, spec, part).to_bytes(nbytes, "little")
    return dec, enc


def _octet():
    def dec(v, part, off):
        if len(v) != 1:
            raise DecodeError(part, off, f"length {len(v)} != 1")
        return v[0]

    def enc(x, part):
        if not 0 <= x <= 255:
            raise ValueError(f"{part} = {x} is not an octet")
        return bytes([x])
    return dec, enc


def _masked_octet(mask):
    def dec(v, part, off):
        if len(v) != 1:
            raise DecodeError(part, off, f"length {len(v)} != 1")
        return v[0] & mask

    def enc(x, part):
        if x & ~mask:
            raise ValueError(f"{part} = {x} outside mask 0x{mask:02x}")
        return bytes([x])
    return dec, enc


_DIGITS = "0123456789ABCDEF"
_DIGIT_ALIAS = {"*": "B", "#": "C"}


def _bcd_encode(digits, part):
    nib = []
    for ch in digits.upper():
        ch = _DIGIT_ALIAS.get(ch, ch)
        if ch not in _DIGITS:
            raise ValueError(f"{part}: {ch!r} is not an address signal")
        nib.append(_DIGITS.index(ch))
    if len(nib) % 2:
        nib.append(0)
    return bytes(nib[i] | (nib[i + 1] << 4) for i in range(0, len(nib), 2)), len(digits) % 2 == 1


def _bcd_decode(b, odd):
    s = "".join(_DIGITS[x & 0xF] + _DIGITS[x >> 4] for x in b)
    return s[:-1] if odd and s else s


# Number layouts (Q.763 3.9, 3.10, 3.17, 3.26, 3.30, 3.39, 3.44, 3.45, 3.51, 3.26 generic):
# octet 2 fields present in each.
_NUM_OCT2 = {
    "called": [("inn", 7, 1), ("npi", 4, 3)],
    "redirection_number": [("inn", 7, 1), ("npi", 4, 3)],
    "calling": [("ni", 7, 1), ("npi", 4, 3), ("apri", 2, 2), ("screening", 0, 2)],
    "location_number": [("inn", 7, 1), ("npi", 4, 3), ("apri", 2, 2), ("screening", 0, 2)],
    "generic_number": [("ni", 7, 1), ("npi", 4, 3), ("apri", 2, 2), ("screening", 0, 2)],
    "connected": [("npi", 4, 3), ("apri", 2, 2), ("screening", 0, 2)],
    "redirecting": [("npi", 4, 3), ("apri", 2, 2)],
    "original_called": [("npi", 4, 3), ("apri", 2, 2)],
}


def _number(kind):
    oct2 = _NUM_OCT2.get(kind)
    head = 1 if kind == "subsequent" else 2
    qual = 1 if kind == "generic_number" else 0
    names = {n for n, _, _ in (oct2 or [])} | {"digits"} | ({"nai"} if kind != "subsequent" else set()) \
        | ({"qualifier"} if qual else set())

    def dec(v, part, off):
        if len(v) < head + qual:
            raise DecodeError(part, off, f"length {len(v)} < {head + qual}")
        d = {}
        if qual:
            d["qualifier"] = v[0]
        o1 = v[qual]
        odd = bool(o1 & 0x80)
        if kind != "subsequent":
            d["nai"] = o1 & 0x7F
            d.update(_bits(v[qual + 1], oct2))
        digits = v[qual + head:]
        if odd and not digits:
            raise DecodeError(part, off, "odd indicator set but no address signals")
        d["digits"] = _bcd_decode(digits, odd)
        return d

    def enc(d, part):
        unknown = set(d) - names
        if unknown:
            raise ValueError(f"{part}: unknown fields {sorted(unknown)}")
        digits, odd = _bcd_encode(d.get("digits", ""), part)
        out = bytes([d.get("qualifier", 0)]) if qual else b""
        if kind == "subsequent":
            out += bytes([0x80 if odd else 0])
        else:
            nai = d.get("nai", 3)
            if not 0 <= nai <= 0x7F:
                raise ValueError(f"{part}.nai = {nai} does not fit 7 bits")
            out += bytes([(0x80 if odd else 0) | nai, _unbits(d, oct2, part)])
        return out + digits
    return dec, enc


def _cause():
    def dec(v, part, off):
        if len(v) < 2:
            raise DecodeError(part, off, f"length {len(v)} < 2")
        d = {"location": v[0] & 0x0F, "coding_standard": (v[0] >> 5) & 3}
        i = 1
        if not v[0] & 0x80:
            d["recommendation"] = v[1] & 0x7F
            i = 2
            if len(v) < 3:
                raise DecodeError(part, off, "octet 1a present but cause value octet missing")
            if not v[1] & 0x80:
                raise DecodeError(part, off + 1, "extension bit of octet 1a is 0")
        if not v[i] & 0x80:
            raise DecodeError(part, off + i, "extension bit of the cause value octet is 0")
        d["value"] = v[i] & 0x7F
        d["diagnostic"] = bytes(v[i + 1:])
        return d

    def enc(d, part):
        if isinstance(d, int):
            d = {"value": d}
        loc, cs, val = d.get("location", 0), d.get("coding_standard", 0), d["value"]
        if not (0 <= loc <= 15 and 0 <= cs <= 3 and 0 <= val <= 127):
            raise ValueError(f"{part}: field out of range in {d}")
        rec = d.get("recommendation")
        out = bytes([(0x80 if rec is None else 0) | cs << 5 | loc])
        if rec is not None:
            out += bytes([0x80 | rec])
        return out + bytes([0x80 | val]) + bytes(d.get("diagnostic", b""))
    return dec, enc


def _range_status():
    def dec(v, part, off):
        if len(v) < 1:
            raise DecodeError(part, off, "empty")
        rng = v[0]
        if len(v) == 1:
            return {"range": rng, "status": None}
        need = (rng + 1 + 7) // 8
        if len(v) - 1 != need:
            raise DecodeError(part, off, f"range {rng} needs {need} status octets, has {len(v) - 1}")
        bits = int.from_bytes(v[1:], "little")
        return {"range": rng, "status": [(bits >> i) & 1 for i in range(rng + 1)]}

    def enc(d, part):
        rng = d["range"]
        st = d.get("status")
        if st is None:
            return bytes([rng])
        if len(st) != rng + 1:
            raise ValueError(f"{part}: {len(st)} status bits for range {rng}")
        bits = sum((b & 1) << i for i, b in enumerate(st))
        return bytes([rng]) + bits.to_bytes((rng + 1 + 7) // 8, "little")
    return dec, enc


def _usi():
    """User service information (Q.763 3.57 -> Q.931 bearer capability octets 3 on): octets 3
    and 4 (and the rate multiplier for multirate) parsed, the layer 1 octet 5 if present, the rest
    kept raw in 'extra'. 'layer1_more' is set when octet 5's extension bit says 5a follows."""
    def dec(v, part, off):
        if len(v) < 2:
            raise DecodeError(part, off, f"length {len(v)} < 2")
        if not v[0] & 0x80:
            raise DecodeError(part, off, "octet 3 extension bit is 0 (octet 3a not supported)")
        if not v[1] & 0x80:
            raise DecodeError(part, off + 1, "octet 4 extension bit is 0 (octet 4a not supported)")
        d = {"coding_standard": (v[0] >> 5) & 3, "itc": v[0] & 0x1F,
             "transfer_mode": (v[1] >> 5) & 3, "rate": v[1] & 0x1F}
        i = 2
        if d["rate"] == 0x18:
            if len(v) < 3:
                raise DecodeError(part, off, "multirate without rate multiplier octet")
            d["multiplier"] = v[2] & 0x7F
            i = 3
        if i < len(v) and (v[i] >> 5) & 3 == 1:
            d["layer1"] = v[i] & 0x1F
            if not v[i] & 0x80:
                d["layer1_more"] = True
            i += 1
        if i < len(v):
            d["extra"] = bytes(v[i:])
        return d

    def enc(d, part):
        out = bytes([0x80 | d.get("coding_standard", 0) << 5 | d.get("itc", 0),
                     0x80 | d.get("transfer_mode", 0) << 5 | d.get("rate", 0x10)])
        if "multiplier" in d:
            out += bytes([0x80 | d["multiplier"]])
        if d.get("layer1") is not None:
            out += bytes([(0 if d.get("layer1_more") else 0x80) | 0x20 | d["layer1"]])
        return out + bytes(d.get("extra", b""))
    return dec, enc


_FCI = [("national_international", 0, 1), ("end_to_end_method", 1, 2), ("interworking", 3, 1),
        ("end_to_end_info", 4, 1), ("isup_indicator", 5, 1), ("isup_preference", 6, 2),
        ("isdn_access", 8, 1), ("sccp_method", 9, 2), ("ported_number_translation", 11, 1),
        ("qor_attempt", 12, 1), ("national", 13, 3)]
_BCI = [("charge", 0, 2), ("called_status", 2, 2), ("called_category", 4, 2),
        ("end_to_end_method", 6, 2), ("interworking", 8, 1), ("end_to_end_info", 9, 1),
        ("isup_indicator", 10, 1), ("holding", 11, 1), ("isdn_access", 12, 1),
        ("echo_control", 13, 1), ("sccp_method", 14, 2)]
_NCI = [("satellite", 0, 2), ("continuity_check", 2, 2), ("echo_control", 4, 1), ("spare", 5, 3)]
_OBCI = [("inband_info", 0, 1), ("call_diversion", 1, 1), ("simple_segmentation", 2, 1),
         ("mlpp_user", 3, 1), ("spare", 4, 4)]
_EVENT = [("event", 0, 7), ("presentation_restricted", 7, 1)]
_REDIR_INFO = [("redirecting_indicator", 0, 3), ("original_reason", 4, 4), ("counter", 8, 3),
               ("reason", 12, 4)]

# name -> (code, (decode, encode)); codes from Q.763 table 5.
_ISUP_PARAMS = {
    "transmission_medium": (0x02, _octet()),
    "called": (0x04, _number("called")),
    "subsequent": (0x05, _number("subsequent")),
    "nature_of_connection": (0x06, _bitfield(1, _NCI)),
    "forward_call": (0x07, _bitfield(2, _FCI)),
    "calling_category": (0x09, _octet()),
    "calling": (0x0A, _number("calling")),
    "redirecting": (0x0B, _number("redirecting")),
    "redirection_number": (0x0C, _number("redirection_number")),
    "backward_call": (0x11, _bitfield(2, _BCI)),
    "cause": (0x12, _cause()),
    "redirection_info": (0x13, _bitfield(2, _REDIR_INFO)),
    "cgsmt": (0x15, _masked_octet(0x03)),
    "range_status": (0x16, _range_status()),
    "user_service_info": (0x1D, _usi()),
    "connected": (0x21, _number("connected")),
    "suspend_resume": (0x22, _masked_octet(0x01)),
    "event": (0x24, _bitfield(1, _EVENT)),
    "acl": (0x27, _octet()),
    "original_called": (0x28, _number("original_called")),
    "optional_backward_call": (0x29, _bitfield(1, _OBCI)),
    "hop_counter": (0x3D, _masked_octet(0x1F)),
    "location_number": (0x3F, _number("location_number")),
    "generic_number": (0xC0, _number("generic_number")),
}
_ISUP_BY_CODE = {v[0]: k for k, v in _ISUP_PARAMS.items()}
# Parameters that may appear more than once in the optional part; their value is a list.
_ISUP_REPEATABLE = {"generic_number"}


def _isup_dec_param(name, v, off):
    return _ISUP_PARAMS[name][1][0](v, f"isup parameter {name}", off)


def _isup_enc_param(name, val):
    if isinstance(val, (bytes, bytearray)):
        return bytes(val)
    return _ISUP_PARAMS[name][1][1](val, f"isup parameter {name}")


class isup:
    """ISUP codec namespace (ITU-T Q.763). Messages are dicts: 'type', 'type_name', 'cic', then one
    key per parameter (names in isup.PARAMS), and 'unknown': [(code, bytes)] for optional
    parameters this codec does not parse (kept raw, re-encoded after the known ones)."""
    NAMES = dict(_ISUP_TYPES)
    TYPES = {v: k for k, v in _ISUP_TYPES.items()}
    PARAMS = {k: v[0] for k, v in _ISUP_PARAMS.items()}
    FORMATS = _ISUP_FORMATS
    # Nature of address indicator (3.9 c)
    NAI_SUBSCRIBER, NAI_UNKNOWN, NAI_NATIONAL, NAI_INTERNATIONAL = 1, 2, 3, 4
    NPI_ISDN = 1
    # Calling party's category (3.11)
    CPC_ORDINARY, CPC_PRIORITY, CPC_DATA, CPC_TEST, CPC_PAYPHONE = 0x0A, 0x0B, 0x0C, 0x0D, 0x0F
    # Event indicator (3.21)
    EV_ALERTING, EV_PROGRESS, EV_INBAND = 1, 2, 3
    # Cause location (Q.850)
    LOC_USER, LOC_LPN, LOC_LN, LOC_TN, LOC_RLN, LOC_RPN, LOC_INTL, LOC_BI = 0, 1, 2, 3, 4, 5, 7, 10

    @staticmethod
    def encode(msg_type, cic, unknown=(), **params):
        """Encode a message. msg_type: code or name. params: named parameters; those not in the
        message's fixed or variable part go into the optional part in the order given, then
        unknown [(code, bytes)]. A value may be raw bytes instead of its python form."""
        if isinstance(msg_type, str):
            msg_type = isup.TYPES[msg_type]
        name = _ISUP_TYPES.get(msg_type)
        if not 0 <= cic <= 0xFFF:
            raise ValueError(f"cic {cic} does not fit 12 bits")
        out = struct.pack("<HB", cic, msg_type)
        if name not in _ISUP_FORMATS:
            return out + bytes(params.pop("body", b""))
        fixed, var, has_opt = _ISUP_FORMATS[name]
        params = dict(params)
        for pname, size in fixed:
            if pname not in params:
                raise ValueError(f"{name}: mandatory fixed parameter {pname} missing")
            raw = _isup_enc_param(pname, params.pop(pname))
            if len(raw) != size:
                raise ValueError(f"{name}: {pname} encodes to {len(raw)} octets, needs {size}")
            out += raw
        var_raw = []
        for pname in var:
            if pname not in params:
                raise ValueError(f"{name}: mandatory variable parameter {pname} missing")
            raw = _isup_enc_param(pname, params.pop(pname))
            if not 1 <= len(raw) <= 255:
                raise ValueError(f"{name}: {pname} length {len(raw)} not in 1..255")
            var_raw.append(raw)
        opt = b""
        for pname, val in params.items():
            if pname not in _ISUP_PARAMS:
                raise KeyError(f"unknown ISUP parameter name {pname!r}")
            vals = val if pname in _ISUP_REPEATABLE and isinstance(val, list) else [val]
            for v in vals:
                raw = _isup_enc_param(pname, v)
                opt += bytes([_ISUP_PARAMS[pname][0], len(raw)]) + raw
        for code, raw in unknown:
            opt += bytes([code, len(raw)]) + bytes(raw)
        if opt and not has_opt:
            raise ValueError(f"{name} has no optional part")
        npointers = len(var) + (1 if has_opt else 0)
        pointers, body = b"", b""
        for i, raw in enumerate(var_raw):
            ptr = npointers - i + len(body)
            pointers += bytes([ptr])
            body += bytes([len(raw)]) + raw
        if has_opt:
            pointers += bytes([(1 + len(body)) if opt else 0])
            if opt:
                body += opt + b"\0"
        if any(p > 255 for p in pointers):
            raise ValueError(f"{name}: pointer overflow")
        return out + pointers + body

    @staticmethod
    def encode_msg(msg):
        """Encode a dict as decode() returns it."""
        d = {k: v for k, v in msg.items() if k not in ("type", "type_name", "cic", "cic_spare", "unknown")}
        return isup.encode(msg["type"], msg["cic"], unknown=msg.get("unknown", ()), **d)

    @staticmethod
    def decode(buf):
        """Decode one ISUP message (the MTP3 user part, CIC first) -> dict."""
        buf = bytes(buf)
        _need(buf, 0, 3, "isup cic and message type")
        cic_raw, mtype = struct.unpack_from("<HB", buf, 0)
        name = _ISUP_TYPES.get(mtype, f"0x{mtype:02x}")
        msg = {"type": mtype, "type_name": name, "cic": cic_raw & 0xFFF}
        if cic_raw >> 12:
            msg["cic_spare"] = cic_raw >> 12
        if name not in _ISUP_FORMATS:
            msg["body"] = buf[3:]
            return msg
        fixed, var, has_opt = _ISUP_FORMATS[name]
        off = 3
        for pname, size in fixed:
            _need(buf, off, size, f"isup {name} fixed parameter {pname}")
            msg[pname] = _isup_dec_param(pname, buf[off:off + size], off)
            off += size
        ptr_base = off
        _need(buf, off, len(var) + (1 if has_opt else 0), f"isup {name} pointers")
        end = off + len(var) + (1 if has_opt else 0)
        for i, pname in enumerate(var):
            p = ptr_base + i
            if buf[p] == 0:
                raise DecodeError(f"isup {name} pointer to {pname}", p, "is zero")
            start = p + buf[p]
            _need(buf, start, 1, f"isup {name} length of {pname}")
            ln = buf[start]
            if ln == 0:
                raise DecodeError(f"isup {name} length of {pname}", start, "is zero")
            _need(buf, start + 1, ln, f"isup {name} value of {pname}")
            msg[pname] = _isup_dec_param(pname, buf[start + 1:start + 1 + ln], start + 1)
            end = max(end, start + 1 + ln)
        unknown = []
        if has_opt:
            p = ptr_base + len(var)
            if buf[p]:
                o = p + buf[p]
                while True:
                    _need(buf, o, 1, f"isup {name} optional part (no end of optional parameters)")
                    code = buf[o]
                    if code == 0:
                        break
                    _need(buf, o + 1, 1, f"isup {name} optional parameter 0x{code:02x} length")
                    ln = buf[o + 1]
                    _need(buf, o + 2, ln, f"isup {name} optional parameter 0x{code:02x} value")
                    raw = buf[o + 2:o + 2 + ln]
                    pname = _ISUP_BY_CODE.get(code)
                    if pname is None:
                        unknown.append((code, raw))
                    elif pname in _ISUP_REPEATABLE:
                        msg.setdefault(pname, []).append(_isup_dec_param(pname, raw, o + 2))
                    elif pname in msg:
                        raise DecodeError(f"isup {name} optional parameter {pname}", o, "appears twice")
                    else:
                        msg[pname] = _isup_dec_param(pname, raw, o + 2)
                    o += 2 + ln
                end = max(end, o + 1)
        if end != len(buf):
            raise DecodeError(f"isup {name} end", end, f"{len(buf) - end} octets after the last parameter")
        msg["unknown"] = unknown
        return msg

    # --- builders ------------------------------------------------------------------------
    @staticmethod
    def encode_iam(cic, called, called_nai=3, called_npi=1, inn=0, calling=None, calling_nai=3,
                   calling_npi=1, apri=0, screening=3, ni=0, cpc=0x0A, nci=None, fci=None, tmr=0,
                   **optional):
        """IAM. nci/fci: dict or int (defaults: no satellite/no COT; ISUP all the way, ISUP
        preferred, originating access ISDN). calling=None leaves the calling party number out."""
        params = {
            "nature_of_connection": nci if nci is not None else {},
            "forward_call": fci if fci is not None else {"isup_indicator": 1, "isdn_access": 1},
            "calling_category": cpc,
            "transmission_medium": tmr,
            "called": {"nai": called_nai, "inn": inn, "npi": called_npi, "digits": called},
        }
        if calling is not None:
            params["calling"] = {"nai": calling_nai, "ni": ni, "npi": calling_npi, "apri": apri,
                                 "screening": screening, "digits": calling}
        params.update(optional)
        return isup.encode("IAM", cic, **params)

    @staticmethod
    def encode_sam(cic, digits, **optional):
        return isup.encode("SAM", cic, subsequent={"digits": digits}, **optional)

    @staticmethod
    def default_bci(**over):
        """Backward call indicators: charge, subscriber free, ordinary subscriber, ISUP all the
        way, terminating access ISDN; fields in over replace these."""
        d = {"charge": 2, "called_status": 1, "called_category": 1, "isup_indicator": 1,
             "isdn_access": 1}
        d.update(over)
        return d

    @staticmethod
    def encode_acm(cic, bci=None, **optional):
        return isup.encode("ACM", cic, backward_call=bci if bci is not None else isup.default_bci(),
                           **optional)

    @staticmethod
    def encode_con(cic, bci=None, **optional):
        return isup.encode("CON", cic, backward_call=bci if bci is not None else isup.default_bci(),
                           **optional)

    @staticmethod
    def encode_cpg(cic, event=1, presentation_restricted=0, **optional):
        return isup.encode("CPG", cic, event={"event": event,
                                              "presentation_restricted": presentation_restricted},
                           **optional)

    @staticmethod
    def encode_anm(cic, **optional):
        return isup.encode("ANM", cic, **optional)

    @staticmethod
    def cause(value, location=0, coding_standard=0, diagnostic=b""):
        return {"location": location, "coding_standard": coding_standard, "value": value,
                "diagnostic": bytes(diagnostic)}

    @staticmethod
    def encode_rel(cic, cause=16, location=0, diagnostic=b"", **optional):
        return isup.encode("REL", cic, cause=isup.cause(cause, location, 0, diagnostic), **optional)

    @staticmethod
    def encode_rlc(cic, **optional):
        return isup.encode("RLC", cic, **optional)

    @staticmethod
    def encode_cfn(cic, cause=97, location=0, diagnostic=b"", **optional):
        return isup.encode("CFN", cic, cause=isup.cause(cause, location, 0, diagnostic), **optional)

    @staticmethod
    def encode_sus(cic, network_initiated=0, **optional):
        return isup.encode("SUS", cic, suspend_resume=network_initiated, **optional)

    @staticmethod
    def encode_res(cic, network_initiated=0, **optional):
        return isup.encode("RES", cic, suspend_resume=network_initiated, **optional)

    @staticmethod
    def encode_simple(name, cic):
        """RSC, BLO, BLA, UBL, UBA, UCIC, CCR, LPA: CIC and message type only."""
        return isup.encode(name, cic)

    @staticmethod
    def encode_grs(cic, rng):
        return isup.encode("GRS", cic, range_status={"range": rng, "status": None})

    @staticmethod
    def encode_gra(cic, rng, status=None):
        """status: list of rng+1 bits (1 = locally blocked for maintenance); default all 0."""
        return isup.encode("GRA", cic, range_status={"range": rng,
                                                     "status": status or [0] * (rng + 1)})

    @staticmethod
    def encode_group(name, cic, rng, status, cgsmt=0):
        """CGB, CGBA, CGU, CGUA; cgsmt 0 maintenance, 1 hardware failure oriented."""
        return isup.encode(name, cic, cgsmt=cgsmt, range_status={"range": rng, "status": status})


for _n in ("RSC", "BLO", "BLA", "UBL", "UBA", "UCIC"):
    setattr(isup, "encode_" + _n.lower(), staticmethod(lambda cic, _n=_n: isup.encode(_n, cic)))
for _n in ("CGB", "CGBA", "CGU", "CGUA"):
    setattr(isup, "encode_" + _n.lower(),
            staticmethod(lambda cic, rng, status, cgsmt=0, _n=_n: isup.encode_group(_n, cic, rng, status, cgsmt)))
del _n


# ---------------------------------------------------------------------------------------------
# pcap output: IPv4 + SCTP DATA chunks carrying M3UA (PPID 3), for cross-checks with Wireshark
# ---------------------------------------------------------------------------------------------

def _crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 & -(crc & 1))
    return crc ^ 0xFFFFFFFF


def _ip_checksum(hdr):
    s = sum(struct.unpack(f"!{len(hdr) // 2}H", hdr))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def sctp_ipv4_packet(payload, src="127.0.0.1", dst="127.0.0.2", sport=2905, dport=2905, tsn=1,
                     stream=0, ssn=0, ppid=3, vtag=1):
    """An IPv4 packet holding one SCTP DATA chunk (B and E set) with the given payload."""
    chunk = struct.pack("!BBHIHHI", 0, 0x03, 16 + len(payload), tsn, stream, ssn, ppid) + payload
    chunk += b"\0" * (-len(chunk) % 4)
    common = struct.pack("!HHII", sport, dport, vtag, 0)
    crc = _crc32c(common + chunk)
    sctp = common[:8] + struct.pack("<I", crc) + chunk
    a = bytes(int(x) for x in src.split("."))
    b = bytes(int(x) for x in dst.split("."))
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(sctp), 0, 0x4000, 64, 132, 0, a, b)
    ip = ip[:10] + struct.pack("!H", _ip_checksum(ip)) + ip[12:]
    return ip + sctp


def write_pcap(path, packets, linktype=101):
    """Write raw IPv4 packets (LINKTYPE_RAW) to a classic pcap file, one per second."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, linktype))
        for i, p in enumerate(packets):
            f.write(struct.pack("<IIII", 1700000000 + i, 0, len(p), len(p)))
            f.write(p)
