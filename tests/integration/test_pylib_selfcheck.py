#!/usr/bin/env python3
"""test_pylib_selfcheck.py - checks the test toolkit itself: M3UA/ISUP codec round trips and
hand-built vectors (RFC 4666, Q.763), a Wireshark cross-check through a written pcap, the scripted
M3UA peers against each other, and the process/VTY/CTRL/SIPp helpers against local counterparts."""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))

from sigtran import DecodeError, M3uaFramer, isup, m3ua, m3ua_read, sctp_ipv4_packet, write_pcap  # noqa: E402
import peers  # noqa: E402
import procs  # noqa: E402

TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


def eq(got, want, what=""):
    if got != want:
        raise AssertionError(f"{what}: got {got!r}, want {want!r}")


def raises(exc, fn, *a, **kw):
    try:
        fn(*a, **kw)
    except exc as e:
        return e
    raise AssertionError(f"{fn.__name__}{a} did not raise {exc.__name__}")


H = bytes.fromhex

# --------------------------------------------------------------------------------------------
# M3UA
# --------------------------------------------------------------------------------------------

# Hand-built from RFC 4666 3.1 (header), 3.2 (TLV), 3.3.1, 3.4, 3.5, 3.7, 3.8.
M3UA_VECTORS = [
    (m3ua.aspup(), "0100030100000008"),
    (m3ua.aspup(asp_id=0x11223344), "0100030100000010" "0011000811223344"),
    (m3ua.aspup_ack(), "0100030400000008"),
    (m3ua.aspdn(), "0100030200000008"),
    (m3ua.aspdn_ack(), "0100030500000008"),
    (m3ua.beat(b"abc"), "0100030300000010" "0009000761626300"),
    (m3ua.beat_ack(b"abcd"), "0100030600000010" "0009000861626364"),
    (m3ua.aspac(traffic_mode=2, rc=[1]), "0100040100000018" "000b000800000002" "0006000800000001"),
    (m3ua.aspac_ack(traffic_mode=1, rc=[1, 2]),
     "010004030000001c" "000b000800000001" "0006000c0000000100000002"),
    (m3ua.aspia(), "0100040200000008"),
    (m3ua.aspia_ack(rc=[9]), "0100040400000010" "0006000800000009"),
    (m3ua.ntfy(1, 3), "0100000100000010" "000d000800010003"),
    (m3ua.ntfy(2, 3, asp_id=5, rc=[1], info="x"),
     "0100000100000028" "000d000800020003" "0011000800000005" "0006000800000001" "0004000578000000"),
    (m3ua.err(0x19, diagnostic=b"\x01\x00"), "0100000000000018" "000c000800000019" "0007000601000000"),
    (m3ua.duna([0x1234]), "0100020100000010" "0012000800001234"),
    (m3ua.dava([{"mask": 3, "pc": 0x1234}], rc=[4]), "0100020200000018" "0006000800000004" "0012000803001234"),
    (m3ua.daud([100, 200], na=8),
     "010002030000001c" "0200000800000008" "0012000c00000064000000c8"),
    (m3ua.scon([0x10], level=2, concerned=0x20),
     "0100020400000020" "0012000800000010" "0206000800000020" "0205000800000002"),
    (m3ua.dupu([0x10], cause=2, user=5), "0100020500000018" "0012000800000010" "0204000800020005"),
    (m3ua.data(opc=0x0102, dpc=0x0304, payload=b"\x01\x02\x03", si=5, ni=2, mp=0, sls=7, rc=[1]),
     "0100010100000024" "0006000800000001" "0210001300000102000003040502000701020300"),
]


@test
def m3ua_vectors_encode_and_decode():
    for msg, hexs in M3UA_VECTORS:
        raw = msg.encode()
        eq(raw.hex(), hexs, f"encode {msg.name}")
        back = m3ua.decode(H(hexs))
        eq((back.msg_class, back.msg_type), (msg.msg_class, msg.msg_type), f"class/type {msg.name}")
        eq(back.name, msg.name, "name")
        eq(back.encode().hex(), hexs, f"re-encode {msg.name}")
        if msg.name == "DATA":
            pd = back["protocol_data"]
            eq((pd["opc"], pd["dpc"], pd["si"], pd["ni"], pd["mp"], pd["sls"], pd["data"]),
               (0x102, 0x304, 5, 2, 0, 7, b"\x01\x02\x03"), "protocol data")


@test
def m3ua_every_message_round_trips():
    names = set()
    for msg, _ in M3UA_VECTORS:
        names.add(msg.name)
        back = m3ua.decode(msg.encode())
        eq(back.params, {k: ([v] if k == "routing_context" and isinstance(v, int) else v)
                         for k, v in _normalise(msg.params).items()}, f"params {msg.name}")
    want = {"ASPUP", "ASPUP_ACK", "ASPDN", "ASPDN_ACK", "BEAT", "BEAT_ACK", "ASPAC", "ASPAC_ACK",
            "ASPIA", "ASPIA_ACK", "NTFY", "ERR", "DATA", "DUNA", "DAVA", "DAUD", "SCON", "DUPU"}
    eq(want - names, set(), "messages without a vector")


def _normalise(params):
    out = {}
    for k, v in params.items():
        if k == "affected_pc":
            v = [x if isinstance(x, dict) else {"mask": 0, "pc": x} for x in v]
        out[k] = v
    return out


@test
def m3ua_unknown_param_kept_raw():
    raw = H("0100000100000018" "000d000800010003" "7777000601020000")
    msg = m3ua.decode(raw)
    eq(msg[0x7777], b"\x01\x02", "unknown tag value")
    eq(msg.encode(), raw, "re-encode keeps unknown")


@test
def m3ua_hostile_input_rejected():
    bad = {
        "short header": "01000301000000",
        "version": "0200030100000008",
        "length mismatch": "0100030100000010",
        "param length < 4": "010003030000000c" "00090002",
        "param overruns": "010003030000000c" "00090010",
        "padding missing": "010003030000000f" "00090007616263",
        "padding not zero": "0100030300000010" "0009000761626301",
        "rc not multiple of 4": "0100040100000010" "0006000700000100",
        "status too short": "010000010000000c" "000d0004",
        "protocol data < 12": "0100010100000010" "0210000800000001",
        "duplicate param": "0100030300000018" "0009000861626364" "0009000861626364",
    }
    for what, hexs in bad.items():
        e = raises(DecodeError, m3ua.decode, H(hexs))
        if not e.part.startswith("m3ua"):
            raise AssertionError(f"{what}: error does not name the part: {e}")


@test
def m3ua_framer_splits_stream():
    a, b = m3ua.aspup().encode(), m3ua.beat(b"hello").encode()
    stream = a + b + a
    f = M3uaFramer()
    got = []
    for i in range(0, len(stream), 3):
        got += f.feed(stream[i:i + 3])
    eq(got, [a, b, a], "framed messages")
    eq(f.buf, b"", "leftover")
    raises(DecodeError, M3uaFramer().feed, H("0100030100000004"))
    raises(DecodeError, M3uaFramer(max_len=100).feed, H("0100030100010000"))


@test
def m3ua_read_from_socket():
    a, b = socket.socketpair()
    try:
        b.settimeout(2)
        m1, m2 = m3ua.beat(b"x").encode(), m3ua.aspup().encode()
        a.sendall(m1 + m2 + m1[:5])
        eq(m3ua_read(b), m1, "first")
        eq(m3ua_read(b), m2, "second (header only)")
        a.shutdown(socket.SHUT_WR)
        raises(ConnectionError, m3ua_read, b)
    finally:
        a.close()
        b.close()
    a, b = socket.socketpair()
    a.close()
    eq(m3ua_read(b), b"", "clean EOF")
    b.close()


# --------------------------------------------------------------------------------------------
# ISUP
# --------------------------------------------------------------------------------------------

# Hand-built from Q.763 clause 1.3 (pointers), table 5 (codes), clause 3 (parameters) and the
# message tables of clause 4.
ISUP_VECTORS = [
    # IAM: CIC 1; NCI 00; FCI 20 01 (ISUP all the way, ISDN access); CPC 0a; TMR 00;
    # pointer 02 -> called, pointer 09 -> optional part; called: even, NAI 3, INN 0 NPI 1,
    # 0123456789; calling (0a): even, NAI 3, NI 0 NPI 1 APRI 0 SI 3, 0612345678; end 00.
    (lambda: isup.encode_iam(cic=1, called="0123456789", called_nai=3, calling="0612345678",
                             calling_nai=3, apri=0, cpc=0x0a),
     "010001" "00" "2001" "0a" "00" "02" "09" "07031010325476 98".replace(" ", "")
     + "0a0703136021436587" "00"),
    # IAM with odd called number ending in ST (F), international, no calling, hop counter 0x1a.
    (lambda: isup.encode_iam(cic=0x123, called="331234F", called_nai=4, cpc=0x0b, tmr=3,
                             nci={"satellite": 1, "continuity_check": 0, "echo_control": 1},
                             hop_counter=0x1a),
     "2301" "01" "11" "2001" "0b" "03" "02" "08" "06" "84" "10" "33" "21" "43" "0f" "3d011a" "00"),
    # SAM: pointer 02 -> subsequent number (even, "45"), no optional part.
    (lambda: isup.encode_sam(5, "45"), "050002" "02" "00" "02" "00" "54"),
    # ACM: BCI charge(2) free(1) ordinary(1) -> 0x16; ISUP(K) + ISDN access(M) -> 0x14.
    (lambda: isup.encode_acm(5), "050006" "1614" "00"),
    # ACM with optional backward call indicators (in-band info available).
    (lambda: isup.encode_acm(5, optional_backward_call={"inband_info": 1}),
     "050006" "1614" "01" "290101" "00"),
    (lambda: isup.encode_con(5), "050007" "1614" "00"),
    # CPG: event ALERTING, OBCI in-band.
    (lambda: isup.encode_cpg(5, event=1, optional_backward_call={"inband_info": 1}),
     "05002c" "01" "01" "290101" "00"),
    (lambda: isup.encode_anm(5), "050009" "00"),
    # REL: pointer 02 -> cause, optional pointer 00; cause: 82 (ext, ITU, loc 2), 90 (16).
    (lambda: isup.encode_rel(5, cause=16, location=2), "05000c" "02" "00" "02" "8290"),
    # REL with diagnostic and automatic congestion level.
    (lambda: isup.encode_rel(5, cause=34, location=3, diagnostic=b"\x01", acl=1),
     "05000c" "02" "05" "03" "83a201" "270101" "00"),
    (lambda: isup.encode_rlc(5), "050010" "00"),
    (lambda: isup.encode_sus(5, 1), "05000d" "01" "00"),
    (lambda: isup.encode_res(5, 0), "05000e" "00" "00"),
    (lambda: isup.encode_rsc(7), "070012"),
    (lambda: isup.encode_blo(7), "070013"),
    (lambda: isup.encode_bla(7), "070015"),
    (lambda: isup.encode_ubl(7), "070014"),
    (lambda: isup.encode_uba(7), "070016"),
    (lambda: isup.encode_ucic(7), "07002e"),
    # GRS range 29 (30 circuits), no status.
    (lambda: isup.encode_grs(1, 29), "010017" "01" "01" "1d"),
    # GRA range 9: 10 status bits, circuit 1 and 10 blocked -> 01 02.
    (lambda: isup.encode_gra(1, 9, [1, 0, 0, 0, 0, 0, 0, 0, 0, 1]), "010029" "01" "03" "09" "0102"),
    # CGB maintenance, range 7, all 8 blocked.
    (lambda: isup.encode_cgb(1, 7, [1] * 8), "010018" "00" "01" "02" "07ff"),
    (lambda: isup.encode_cgba(1, 7, [1] * 8), "01001a" "00" "01" "02" "07ff"),
    (lambda: isup.encode_cgu(1, 3, [1, 1, 0, 0], cgsmt=1), "010019" "01" "01" "02" "0303"),
    (lambda: isup.encode_cgua(1, 3, [1, 1, 0, 0], cgsmt=1), "01001b" "01" "01" "02" "0303"),
    # CFN: cause 97 (message type non-existent), diagnostic = the message type 0xff.
    (lambda: isup.encode_cfn(5, cause=97, location=2, diagnostic=b"\xff"), "05002f" "02" "00" "03" "82e1ff"),
]


@test
def isup_vectors_encode():
    for mk, hexs in ISUP_VECTORS:
        eq(mk().hex(), hexs, f"encode {hexs[4:6]}")


@test
def isup_vectors_decode_and_round_trip():
    types = set()
    for mk, hexs in ISUP_VECTORS:
        d = isup.decode(H(hexs))
        types.add(d["type_name"])
        eq(isup.encode_msg(d).hex(), hexs, f"re-encode {d['type_name']}")
    want = {"IAM", "SAM", "ACM", "CPG", "ANM", "CON", "REL", "RLC", "SUS", "RES", "RSC", "GRS",
            "GRA", "BLO", "BLA", "UBL", "UBA", "CGB", "CGBA", "CGU", "CGUA", "CFN", "UCIC"}
    eq(want - types, set(), "message types without a vector")


@test
def isup_decoded_fields():
    d = isup.decode(ISUP_VECTORS[0][0]())
    eq((d["type"], d["type_name"], d["cic"]), (1, "IAM", 1), "IAM header")
    eq(d["called"], {"nai": 3, "inn": 0, "npi": 1, "digits": "0123456789"}, "called")
    eq(d["calling"], {"nai": 3, "ni": 0, "npi": 1, "apri": 0, "screening": 3, "digits": "0612345678"},
       "calling")
    eq(d["calling_category"], 0x0a, "cpc")
    eq(d["forward_call"]["isup_indicator"], 1, "fci isup indicator")
    d = isup.decode(ISUP_VECTORS[1][0]())
    eq((d["cic"], d["called"]["digits"], d["called"]["nai"], d["hop_counter"]), (0x123, "331234F", 4, 0x1a),
       "IAM 2")
    eq(d["nature_of_connection"], {"satellite": 1, "continuity_check": 0, "echo_control": 1, "spare": 0},
       "nci")
    d = isup.decode(H("05000c" "02" "05" "03" "83a201" "270101" "00"))
    eq(d["cause"], {"location": 3, "coding_standard": 0, "value": 34, "diagnostic": b"\x01"}, "cause")
    eq(d["acl"], 1, "acl")
    d = isup.decode(H("010029" "01" "03" "09" "0102"))
    eq(d["range_status"], {"range": 9, "status": [1, 0, 0, 0, 0, 0, 0, 0, 0, 1]}, "range and status")


@test
def isup_all_optional_params_round_trip():
    opt = dict(
        redirection_info={"redirecting_indicator": 3, "original_reason": 1, "counter": 2, "reason": 2},
        user_service_info={"coding_standard": 0, "itc": 0, "transfer_mode": 0, "rate": 0x10, "layer1": 3},
        generic_number=[{"qualifier": 6, "nai": 3, "ni": 0, "npi": 1, "apri": 0, "screening": 0,
                         "digits": "0611111111"},
                        {"qualifier": 5, "nai": 4, "ni": 1, "npi": 1, "apri": 1, "screening": 3,
                         "digits": "331"}],
        hop_counter=31, acl=2,
        redirecting={"nai": 3, "npi": 1, "apri": 1, "digits": "0122"},
        original_called={"nai": 3, "npi": 1, "apri": 0, "digits": "0133"},
        location_number={"nai": 3, "inn": 1, "npi": 1, "apri": 0, "screening": 3, "digits": "012"},
    )
    raw = isup.encode_iam(cic=9, called="112", unknown=[(0x99, b"\x01\x02")], **opt)
    d = isup.decode(raw)
    for k, v in opt.items():
        eq(d[k], v, k)
    eq(d["unknown"], [(0x99, b"\x01\x02")], "unknown kept raw")
    eq(isup.encode_msg(d), raw, "byte-exact re-encode")
    # USI speech, A-law: 80 90 a3 (Q.931 4.5.5)
    usi = isup.decode(isup.encode_anm(1, user_service_info={"itc": 0, "rate": 0x10, "layer1": 3}))
    eq(isup.encode_anm(1, user_service_info=H("8090a3")).hex(), "050009".replace("05", "01") + "01" + "1d03" "8090a3" + "00",
       "usi bytes")
    eq(usi["user_service_info"]["layer1"], 3, "usi layer 1")
    d = isup.decode(isup.encode_con(3, connected={"nai": 3, "npi": 1, "apri": 0, "screening": 3, "digits": "01"},
                                    optional_backward_call={"call_diversion": 1}))
    eq(d["connected"]["digits"], "01", "connected number")
    eq(d["optional_backward_call"]["call_diversion"], 1, "obci")


@test
def isup_hostile_input_rejected():
    bad = {
        "too short": "0100",
        "IAM fixed part truncated": "0100010020",
        "pointer beyond end": "010001" "00" "2001" "0a" "00" "30" "00",
        "zero pointer": "05000c" "00" "00",
        "variable length beyond end": "05000c" "02" "00" "09" "8290",
        "optional part without end": "050006" "1614" "01" "290101",
        "optional length beyond end": "050006" "1614" "01" "2905" "01",
        "ACM fixed missing": "050006" "16",
        "cause ext bit": "05000c" "02" "00" "02" "8210",
        "range status length": "010029" "01" "03" "09" "01",
        "odd with no digits": "050002" "02" "00" "01" "80",
        "bci length": "050006" "1614" "01" "110101" "00",
        "twice": "050006" "1614" "01" "290101" "290101" "00",
        "trailing after RSC": "070012" "00",
        "trailing after optional part": "050006" "1614" "01" "290101" "00" "00",
        "trailing after variable part": "05000c" "02" "00" "02" "8290" "ff",
    }
    for what, hexs in bad.items():
        try:
            isup.decode(H(hexs))
        except DecodeError as e:
            if not e.part.startswith("isup"):
                raise AssertionError(f"{what}: error does not name the part: {e}")
            continue
        except Exception as e:
            raise AssertionError(f"{what}: raised {type(e).__name__} {e}, not DecodeError")
        raise AssertionError(f"{what}: decoded without error")


@test
def isup_encoder_refuses_bad_values():
    raises(ValueError, isup.encode_rsc, 0x1000)
    raises(ValueError, isup.encode_iam, 1, "12x")
    raises(ValueError, isup.encode, "RSC", 1, hop_counter=3)
    raises(ValueError, isup.encode, "REL", 1)
    raises(ValueError, isup.encode_gra, 1, 3, [1, 0])


@test
def decoders_survive_mutated_input():
    """Seeded random truncation and octet flips of every vector: each decode either succeeds or
    raises DecodeError, never another exception (no reads past the buffer)."""
    import random
    rnd = random.Random(4666)
    seeds = [("isup", mk()) for mk, _ in ISUP_VECTORS] + [("m3ua", m.encode()) for m, _ in M3UA_VECTORS]
    counts = {"ok": 0, "rejected": 0}
    for _ in range(40):
        for kind, raw in seeds:
            b = bytearray(raw)
            for _ in range(rnd.randint(1, 3)):
                b[rnd.randrange(len(b))] = rnd.randrange(256)
            if rnd.random() < 0.3:
                b = b[:rnd.randrange(len(b) + 1)]
            dec = isup.decode if kind == "isup" else m3ua.decode
            try:
                d = dec(bytes(b))
                counts["ok"] += 1
                if kind == "isup" and d["type_name"] in isup.FORMATS:
                    isup.decode(isup.encode_msg(d))
            except DecodeError:
                counts["rejected"] += 1
    if not counts["ok"] or not counts["rejected"]:
        raise AssertionError(f"mutation mix not exercised: {counts}")


# --------------------------------------------------------------------------------------------
# Wireshark cross-check
# --------------------------------------------------------------------------------------------

def _num(s):
    """tshark prints some integers in hex (0x0a): compare numbers as numbers."""
    try:
        return int(s, 0)
    except ValueError:
        return s


@test
def wireshark_decodes_what_we_encode():
    tshark = shutil.which("tshark")
    if not tshark:
        raise AssertionError("tshark is not installed (apt-get install tshark): cross-check not run")
    iam = isup.encode_iam(cic=17, called="0123456789", called_nai=3, calling="0612345678",
                          calling_nai=3, apri=1, cpc=0x0a)
    acm = isup.encode_acm(17)
    rel = isup.encode_rel(17, cause=16, location=2)
    cases = [
        (m3ua.data(opc=1001, dpc=2002, payload=iam, sls=3, rc=[5]),
         {"m3ua.message_class": "1", "m3ua.message_type": "1", "m3ua.protocol_data_opc": "1001",
          "m3ua.protocol_data_dpc": "2002", "m3ua.protocol_data_si": "5", "m3ua.protocol_data_sls": "3",
          "m3ua.routing_context": "5", "isup.message_type": "1", "isup.cic": "17",
          "isup.called": "0123456789", "isup.calling": "0612345678",
          "isup.called_party_nature_of_address_indicator": "3", "isup.calling_partys_category": "10",
          "isup.address_presentation_restricted_indicator": "1", "isup.screening_indicator": "3"}),
        (m3ua.data(opc=2002, dpc=1001, payload=acm, sls=4),
         {"m3ua.protocol_data_opc": "2002", "m3ua.protocol_data_dpc": "1001", "m3ua.protocol_data_sls": "4",
          "isup.message_type": "6", "isup.cic": "17", "isup.charge_indicator": "2",
          "isup.called_partys_status_indicator": "1"}),
        (m3ua.data(opc=2002, dpc=1001, payload=rel, sls=5),
         {"isup.message_type": "12", "isup.cic": "17", "isup.cause_indicator": "16",
          "q931.cause_location": "2", "q931.coding_standard": "0"}),
        (m3ua.aspup(asp_id=42), {"m3ua.message_class": "3", "m3ua.message_type": "1",
                                 "m3ua.asp_identifier": "42"}),
        (m3ua.beat(b"\xde\xad\xbe\xef"), {"m3ua.message_class": "3", "m3ua.message_type": "3",
                                         "m3ua.heartbeat_data": "deadbeef"}),
        (m3ua.duna([0x1234, 0x2345], rc=[7]),
         {"m3ua.message_class": "2", "m3ua.message_type": "1", "m3ua.routing_context": "7",
          "m3ua.affected_point_code_pc": "4660,9029"}),
        (m3ua.data(1, 2, isup.encode_iam(cic=0x123, called="331234F", called_nai=4, hop_counter=5)),
         {"isup.cic": str(0x123), "isup.called": "331234F",
          "isup.called_party_nature_of_address_indicator": "4", "isup.hop_counter": "5"}),
        (m3ua.data(1, 2, isup.encode_cpg(3, event=1, optional_backward_call={"inband_info": 1})),
         {"isup.message_type": "44", "isup.event_ind": "1", "isup.inband_information_ind": "1"}),
        (m3ua.data(1, 2, isup.encode_cgb(1, 7, [1, 0, 1, 0, 0, 0, 0, 1], cgsmt=1)),
         {"isup.message_type": "24", "isup.range_indicator": "8", "isup.cgs_message_type": "1"}),
        (m3ua.data(1, 2, isup.encode_grs(1, 29)), {"isup.message_type": "23", "isup.range_indicator": "30"}),
        (m3ua.data(1, 2, isup.encode_sus(1, 1)), {"isup.message_type": "13",
                                                  "isup.suspend_resume_indicator": "1"}),
        (m3ua.data(1, 2, isup.encode_sam(1, "45")), {"isup.message_type": "2", "isup.subsequent_number": "45"}),
        (m3ua.data(1, 2, isup.encode_cfn(1, cause=97, location=2, diagnostic=b"\xff")),
         {"isup.message_type": "47", "isup.cause_indicator": "97"}),
        (m3ua.data(1, 2, isup.encode_rel(1, cause=34, location=3, acl=1, redirection_number={
            "nai": 3, "inn": 0, "npi": 1, "digits": "0144"})),
         {"isup.automatic_congestion_level": "1", "isup.redirection_number": "0144"}),
        (m3ua.data(1, 2, isup.encode_iam(
            2, "12", redirecting={"nai": 3, "npi": 1, "apri": 1, "digits": "0122"},
            original_called={"nai": 4, "npi": 1, "apri": 0, "digits": "3312"},
            location_number={"nai": 3, "inn": 1, "npi": 1, "apri": 0, "screening": 3, "digits": "012"},
            generic_number=[{"qualifier": 6, "nai": 3, "npi": 1, "digits": "0611"}],
            redirection_info={"redirecting_indicator": 3, "original_reason": 1, "counter": 2, "reason": 2},
            user_service_info={"itc": 0, "rate": 0x10, "layer1": 3})),
         {"isup.redirecting": "0122", "isup.original_called_number": "3312", "isup.location_number": "012",
          "isup.generic_number": "0611", "isup.number_qualifier_indicator": "6", "isup.redirecting_ind": "3",
          "isup.redirection_counter": "2", "isup.user_service_information": "8090a3"}),
        (m3ua.data(1, 2, isup.encode_anm(3, connected={"nai": 3, "npi": 1, "apri": 1, "screening": 3,
                                                       "digits": "0155"})),
         {"isup.message_type": "9", "isup.connected_number": "0155"}),
        (m3ua.ntfy(1, 3, rc=[4]), {"m3ua.status_type": "1", "m3ua.status_info": "3",
                                   "m3ua.routing_context": "4"}),
        (m3ua.aspac(2, [4]), {"m3ua.message_class": "4", "m3ua.traffic_mode_type": "2"}),
        (m3ua.scon([5], level=2, concerned=9), {"m3ua.congestion_level": "2", "m3ua.concerned_dpc": "9",
                                                "m3ua.affected_point_code_pc": "5"}),
        (m3ua.dupu([5], 2, 5), {"m3ua.unavailability_cause": "2", "m3ua.user_identity": "5"}),
        (m3ua.err(0x19), {"m3ua.message_class": "0", "m3ua.error_code": "25"}),
        (m3ua.daud([5], na=3), {"m3ua.message_type": "3", "m3ua.network_appearance": "3"}),
    ]
    tmp = tempfile.mkdtemp(prefix="pylib-")
    path = os.path.join(tmp, "m3ua.pcap")
    write_pcap(path, [sctp_ipv4_packet(m.encode(), tsn=i + 1, ssn=i) for i, (m, _) in enumerate(cases)])
    fields = ["frame.number", "_ws.malformed"] + sorted({k for _, w in cases for k in w})
    cmd = [tshark, "-r", path, "-T", "fields", "-E", "separator=|", "-E", "occurrence=a"]
    for f in fields:
        cmd += ["-e", f]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    if p.returncode:
        raise AssertionError(f"tshark failed: {p.stderr.decode(errors='replace')}")
    rows = [dict(zip(fields, line.split("|"))) for line in p.stdout.decode().splitlines()]
    eq(len(rows), len(cases), "frames")
    want = [w for _, w in cases]
    for i, (row, w) in enumerate(zip(rows, want)):
        for k, v in w.items():
            eq(_num(row[k]), _num(v), f"frame {i + 1} {k}")
        eq(row["_ws.malformed"], "", f"frame {i + 1} malformed")
    shutil.rmtree(tmp)


# --------------------------------------------------------------------------------------------
# Peers
# --------------------------------------------------------------------------------------------

@test
def peers_client_and_server_talk():
    with peers.M3uaServer() as sg:
        with peers.M3uaClient("127.0.0.1", sg.port) as asp:
            ack = asp.up_and_active(rc=7, traffic_mode=m3ua.TM_LOADSHARE)
            eq((ack["traffic_mode"], ack["routing_context"]), (2, [7]), "ASPAC_ACK params")
            eq(sg.wait_active(2)["routing_context"], [7], "SG saw ASPAC")
            n1 = asp.expect("NTFY", timeout=2)
            n2 = asp.expect("NTFY", timeout=2)
            eq([n1["status"]["info"], n2["status"]["info"]], [m3ua.AS_INACTIVE, m3ua.AS_ACTIVE], "NTFYs")
            # SG -> ASP BEAT answered automatically by the client
            sg.send(m3ua.beat(b"hb1"))
            eq(sg.expect("BEAT_ACK", timeout=2)["heartbeat_data"], b"hb1", "client BEAT_ACK")
            # ASP -> SG BEAT answered by the SG, then switched off
            asp.send(m3ua.beat(b"hb2"))
            eq(asp.expect("BEAT_ACK", timeout=2)["heartbeat_data"], b"hb2", "SG BEAT_ACK")
            sg.auto_beat = False
            asp.send(m3ua.beat(b"hb3"))
            eq(sg.expect("BEAT", timeout=2)["heartbeat_data"], b"hb3", "SG queued BEAT")
            eq(asp.try_recv(0.3), None, "no BEAT_ACK when switched off")
            # ISUP both ways
            asp.send_isup(1001, 2002, isup.encode_iam(3, "123", calling="456"), sls=9)
            got = sg.recv_isup(timeout=2)
            eq((got["type_name"], got["cic"], got["called"]["digits"]), ("IAM", 3, "123"), "IAM at SG")
            eq(got["label"], {"opc": 1001, "dpc": 2002, "si": 5, "ni": 2, "mp": 0, "sls": 9}, "label")
            eq(got["m3ua"]["routing_context"], [7], "rc in DATA")
            sg.send_isup(2002, 1001, isup.encode_acm(3))
            eq(asp.recv_isup(timeout=2)["type_name"], "ACM", "ACM at ASP")
            sg.send_duna([1001])
            sg.send_scon([1001], level=2)
            sg.send_dava([1001])
            eq([asp.recv(2).name for _ in range(3)], ["DUNA", "SCON", "DAVA"], "SSNM order")
            raises(TimeoutError, asp.expect, "DUPU", timeout=0.2)
            # timestamps are recorded in order
            ts = [t for t, _ in sg.records()]
            eq(ts, sorted(ts), "record timestamps ordered")
            eq([m.name for _, m in sg.records("BEAT")], ["BEAT", "BEAT"], "SG records")
            # SG drops, the ASP sees it, reconnects
            sg.drop()
            raises(peers.PeerClosed, asp.recv, 2)
            sg.accept_again()
        with peers.M3uaClient("127.0.0.1", sg.port) as asp2:
            asp2.up_and_active()
            sg.wait_active(2)


@test
def peers_report_garbage_and_deadlines():
    with peers.M3uaServer() as sg:
        with peers.M3uaClient("127.0.0.1", sg.port) as asp:
            sg.wait_connected(2)
            t0 = time.monotonic()
            raises(TimeoutError, asp.recv, 0.3)
            if not 0.25 <= time.monotonic() - t0 < 2:
                raise AssertionError("recv deadline not honoured")
            sg.send(H("0100030300000010" "0009000761626301"))   # padding not zero
            e = raises(DecodeError, asp.recv, 2)
            eq(e.part, "m3ua parameter 0x0009 padding", "part named")
            raises(peers.PeerClosed, asp.recv, 1)   # reader stopped after the bad frame
            eq(len(asp.errors), 1, "error recorded")


@test
def peers_server_refuses_on_request():
    with peers.M3uaServer(ntfy=False) as sg:
        sg.refuse("ASPAC", m3ua.ERR_INVALID_RC)
        with peers.M3uaClient("127.0.0.1", sg.port) as asp:
            asp.send(m3ua.aspup())
            asp.expect("ASPUP_ACK", timeout=2)
            asp.send(m3ua.aspac(rc=[99]))
            err = asp.expect("ERR", timeout=2)
            eq((err["error_code"], err["routing_context"]), (m3ua.ERR_INVALID_RC, [99]), "ERR")
            eq(sg.expect("ASPAC", timeout=2)["routing_context"], [99], "refused ASPAC queued")
            eq(sg.active.is_set(), False, "not active after refusal")
            sg.refuse("ASPAC")
            asp.send(m3ua.aspac(rc=[1]))
            eq(asp.expect("ASPAC_ACK", timeout=2)["routing_context"], [1], "accepted after")
            eq(asp.try_recv(0.2), None, "no NTFY when ntfy=False")
            asp.ping(b"\x00\x01")
            asp.send(m3ua.aspdn())
            asp.expect("ASPDN_ACK", timeout=2)


# --------------------------------------------------------------------------------------------
# Processes, VTY, CTRL, SIPp
# --------------------------------------------------------------------------------------------

@test
def procs_start_stop_ports():
    tmp = tempfile.mkdtemp(prefix="pylib-")
    with procs.start(["sleep", "30"], os.path.join(tmp, "sleep.log")) as p:
        if not p.alive():
            raise AssertionError("sleep not running")
    eq(p.returncode, -15, "SIGTERM ended sleep")
    stubborn = procs.start([sys.executable, "-c",
                            "import signal,time;signal.signal(signal.SIGTERM,signal.SIG_IGN);"
                            "print('ready',flush=True);time.sleep(30)"], os.path.join(tmp, "s.log"))
    deadline = time.monotonic() + 5
    while "ready" not in stubborn.log() and time.monotonic() < deadline:
        time.sleep(0.05)
    t0 = time.monotonic()
    eq(stubborn.stop(timeout=0.5), -9, "SIGKILL after timeout")
    if time.monotonic() - t0 > 3:
        raise AssertionError("stop took too long")
    port = procs.free_port()
    raises(TimeoutError, procs.wait_port, "127.0.0.1", port, 0.3)
    srv = procs.start([sys.executable, "-c",
                       f"import socket,time;s=socket.socket();s.bind(('127.0.0.1',{port}));"
                       "s.listen(1);time.sleep(30)"], os.path.join(tmp, "l.log"))
    try:
        eq(procs.wait_port("127.0.0.1", port, 5, proc=srv), True, "port open")
    finally:
        srv.stop()
    dead = procs.start(["false"], os.path.join(tmp, "f.log"))
    raises(RuntimeError, procs.wait_port, "127.0.0.1", procs.free_port(), 5, dead)
    shutil.rmtree(tmp)


def _fake_vty(listener):
    """A libosmocore-like VTY: telnet negotiation, banner, 'gw> ', enable -> 'gw# ', echo."""
    c, _ = listener.accept()
    c.settimeout(5)
    c.sendall(bytes([255, 251, 1, 255, 251, 3, 255, 253, 34]) + b"Welcome to the gateway\r\n"
              + bytes([255, 250, 24, 1, 255, 240]) + b"gw> ")
    mode = ">"
    buf = b""
    while True:
        data = c.recv(1024)
        if not data:
            break
        buf += data
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            line = line.strip().decode()
            out = line + "\r\n"
            if line == "enable":
                mode = "#"
            elif line == "show calls":
                out += "calls: 3 active\r\n" + "emergency: 1\r\n"
            elif line == "configure terminal":
                mode = "(config)#"
            elif line == "bogus":
                out += "% Unknown command.\r\n"
            c.sendall(out.encode() + bytes([255, 255]) * 0 + f"gw{mode} ".encode())
    c.close()


@test
def procs_vty_against_fake():
    eq(procs.strip_telnet(bytes([65, 255, 251]))[1], bytes([255, 251]), "partial IAC kept")
    eq(procs.strip_telnet(bytes([65, 255, 255, 66, 255, 241, 67])), (b"A\xffBC", b""), "IAC IAC, NOP")
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    t = threading.Thread(target=_fake_vty, args=(ls,), daemon=True)
    t.start()
    with procs.Vty("127.0.0.1", ls.getsockname()[1]) as v:
        if "Welcome" not in v.banner:
            raise AssertionError(f"banner {v.banner!r}")
        eq((v.node_name, v.mode), ("gw", ">"), "view prompt")
        v.enable()
        eq(v.mode, "#", "enable prompt")
        eq(v.command("show calls"), "calls: 3 active\nemergency: 1", "command output")
        eq(v.command("bogus"), "% Unknown command.", "error text returned")
        raises(procs.VtyError, v.command, "bogus", check=True)
        v.command("configure terminal", check=True)
        eq((v.node_name, v.mode), ("gw(config)", "#"), "config prompt")
    t.join(5)
    ls.close()


def _fake_ctrl(listener):
    c, _ = listener.accept()
    c.settimeout(5)
    c.sendall(procs.ipa_frame(0xFE, b"\x00"))  # PING first
    c.sendall(procs.ctrl_frame("TRAP 0 alarm.emergency_route lost"))
    buf = b""
    values = {"calls.active": "3"}
    answered = 0
    while answered < 3:
        data = c.recv(1024)
        if not data:
            break
        buf += data
        while len(buf) >= 3 and len(buf) >= 3 + int.from_bytes(buf[:2], "big"):
            n = int.from_bytes(buf[:2], "big")
            proto, payload = buf[2], buf[3:3 + n]
            buf = buf[3 + n:]
            if proto == 0xFE:
                values["pong"] = "1"
                continue
            verb, cid, var, *rest = payload[1:].decode().split(" ", 3)
            if var not in values and verb == "GET":
                c.sendall(procs.ctrl_frame(f"ERROR {cid} Command not found"))
            elif verb == "GET":
                c.sendall(procs.ctrl_frame(f"GET_REPLY {cid} {var} {values[var]}"))
            else:
                values[var] = rest[0]
                c.sendall(procs.ctrl_frame(f"SET_REPLY {cid} {var} {rest[0]}"))
            answered += 1
    c.sendall(procs.ctrl_frame("TRAP 0 admission.state shedding"))
    c.close()


@test
def procs_ctrl_against_fake():
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    t = threading.Thread(target=_fake_ctrl, args=(ls,), daemon=True)
    t.start()
    with procs.Ctrl("127.0.0.1", ls.getsockname()[1]) as c:
        eq(c.get("calls.active"), "3", "GET")
        eq(c.traps, [("alarm.emergency_route", "lost")], "trap kept")
        e = raises(procs.CtrlError, c.get, "no.such")
        if "Command not found" not in str(e):
            raise AssertionError(f"error text {e}")
        eq(c.set("admission.budget", "1000"), "1000", "SET")
        eq(c.wait_trap("admission.state", 5), "shedding", "wait_trap")
    t.join(5)
    ls.close()


@test
def procs_sipp_against_sipp():
    if not shutil.which("sipp"):
        raise AssertionError("sipp is not installed: SIPp helper not checked")
    tmp = tempfile.mkdtemp(prefix="pylib-")
    uas_port, uac_port = procs.free_port(socket.SOCK_DGRAM), procs.free_port(socket.SOCK_DGRAM)
    uas = procs.start(["sipp", "-sn", "uas", "-i", "127.0.0.1", "-p", str(uas_port), "-m", "3",
                       "-nostdin", "-timeout", "30s"], os.path.join(tmp, "uas.log"), cwd=tmp)
    try:
        time.sleep(0.5)
        rc, st = procs.sipp(["-sn", "uac", f"127.0.0.1:{uas_port}", "-i", "127.0.0.1",
                             "-p", str(uac_port), "-m", "3", "-r", "10", "-d", "100"], timeout=20,
                            workdir=tmp)
        eq((rc, st["successful"], st["failed"]), (0, 3, 0), f"uac result, log: {st['log'][-500:]}")
        # Nobody listens: calls fail, counted as failed (screen file parser).
        dead = procs.free_port(socket.SOCK_DGRAM)
        rc, st = procs.sipp(["-sn", "uac", f"127.0.0.1:{dead}", "-i", "127.0.0.1", "-m", "1",
                             "-recv_timeout", "1000"], timeout=10, workdir=tmp, stat=False)
        eq((st["successful"], st["failed"]), (0, 1), "failed call counted")
        if rc == 0:
            raise AssertionError("sipp exit code 0 for a failed call")
    finally:
        uas.stop()
    shutil.rmtree(tmp)


def main():
    passed = failed = 0
    for fn in TESTS:
        t0 = time.monotonic()
        try:
            fn()
            passed += 1
            print(f"ok   {fn.__name__} ({time.monotonic() - t0:.2f}s)")
        except Exception:
            failed += 1
            print(f"FAIL {fn.__name__}")
            traceback.print_exc(file=sys.stdout)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
