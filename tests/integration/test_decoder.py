#!/usr/bin/env python3
"""test_decoder.py - tools/sigtran-decode against inputs built with the independent Python codec
(tests/integration/lib/sigtran.py) and with the product's own pcap writer: message names, CIC,
digits, causes, point codes, errors naming the bad part, and the exit codes (0, 1, 2)."""
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import traceback

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))

from sigtran import _crc32c, _ip_checksum, isup, m3ua, sctp_ipv4_packet, write_pcap  # noqa: E402

DECODER = os.environ.get("SIGTRAN_DECODE", "tools/sigtran-decode")  # another build, e.g. with sanitizers
TESTS = []
TMP = tempfile.mkdtemp(prefix="test_decoder.")


def test(fn):
    TESTS.append(fn)
    return fn


def run(args, stdin=None):
    p = subprocess.run([DECODER] + args, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=30)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def decode_hex(lines, *opts):
    path = os.path.join(TMP, "in.hex")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return run(list(opts) + [path])


def has(out, *needles):
    for n in needles:
        if n not in out:
            raise AssertionError(f"{n!r} not in output:\n{out}")


def lacks(out, *needles):
    for n in needles:
        if n in out:
            raise AssertionError(f"{n!r} unexpectedly in output:\n{out}")


def eq(got, want, what=""):
    if got != want:
        raise AssertionError(f"{what}: got {got!r}, want {want!r}")


def blocks(out):
    """The text of each '--- message N:' block, in order."""
    parts = out.split("--- message ")[1:]
    return [p.split("\n--- summary")[0] for p in parts]


def summary(out):
    return [l for l in out.splitlines() if l.startswith("--- summary")][-1]


# --- hex input: M3UA ------------------------------------------------------------------------

@test
def iam_in_data():
    iam = isup.encode_iam(17, "0612345678", calling="0145678901", calling_nai=4)
    rc, out, _ = decode_hex([m3ua.data(0x809, 0x811, iam, sls=3, rc=7, ni=2).encode().hex()])
    eq(rc, 0, "exit")
    has(out, "--- message 1: line 1", "M3UA DATA (class 1 Transfer, type 1), length ",
        "Routing Context (0x0006): 7", "OPC 1.1.1 (2057)", "DPC 1.2.1 (2065)",
        "SI 5 (ISUP), NI 2 (national), MP 0, SLS 3", "ISUP IAM (0x01), CIC 17",
        "called party number: 0612345678", "nature of address: 3 (national (significant) number)",
        "calling party number: 0145678901", "nature of address: 4 (international number)",
        "calling party's category: 10 (ordinary calling subscriber)",
        "transmission medium requirement: 0 (speech)", "screening: 3 (network provided)",
        "ISDN user part: 1 (ISDN user part used all the way)",
        "--- summary: 1 messages, 1 decoded, 0 failed")


@test
def rel_cause_and_separators():
    rel = m3ua.data(1, 2, isup.encode_rel(300, cause=34, location=isup.LOC_LN), rc=1).encode()
    line = rel.hex(":") + "   # REL with a colon-separated dump"
    rc, out, _ = decode_hex(["# captured on the STP", "", line, rel.hex(" ").upper()])
    eq(rc, 0, "exit")
    eq(len(blocks(out)), 2, "blocks")
    has(out, "--- message 1: line 3", "--- message 2: line 4", "ISUP REL (0x0c), CIC 300",
        "cause indicators: cause 34 (No circuit/channel available)",
        "location: 2 (LN, public network serving the local user)", "coding standard: 0 (ITU-T)")


@test
def management_messages():
    msgs = [
        m3ua.duna([0x809, 0x811], rc=5),
        m3ua.dava([{"mask": 2, "pc": 100}]),
        m3ua.scon([0x809], level=2, concerned=0x811),
        m3ua.dupu([0x10], m3ua.CAUSE_INACCESSIBLE, m3ua.USER_ISUP),
        m3ua.ntfy(m3ua.ST_AS_STATE_CHANGE, m3ua.AS_ACTIVE, rc=[9]),
        m3ua.ntfy(m3ua.ST_OTHER, m3ua.OTHER_ALT_ASP_ACTIVE),
        m3ua.err(m3ua.ERR_INVALID_RC),
        m3ua.aspup(asp_id=42, info="asp-a"),
        m3ua.aspac(traffic_mode=m3ua.TM_LOADSHARE, rc=[1, 2]),
        m3ua.beat(b"\x01\x02\x03"),
    ]
    rc, out, _ = decode_hex([m.encode().hex() for m in msgs])
    eq(rc, 0, "exit")
    b = blocks(out)
    eq(len(b), len(msgs), "blocks")
    has(b[0], "M3UA DUNA (class 2 SS7 Signalling Network Management, type 1)",
        "mask 0, PC 1.1.1 (2057)", "mask 0, PC 1.2.1 (2065)", "Routing Context (0x0006): 5")
    has(b[1], "M3UA DAVA", "mask 2, PC 0.12.4 (100)")
    has(b[2], "M3UA SCON", "Concerned Destination (0x0206): 1.2.1 (2065)",
        "Congestion Indications (0x0205): 2 (congestion level 2)")
    has(b[3], "M3UA DUPU", "User/Cause (0x0204): cause 2 (Inaccessible Remote User), user 5 (ISUP)")
    has(b[4], "M3UA NTFY", "Status (0x000d): type 1 (AS State Change), info 3 (AS-ACTIVE)",
        "Routing Context (0x0006): 9")
    has(b[5], "type 2 (Other), info 2 (Alternate ASP Active)")
    has(b[6], "M3UA ERR (class 0 Management, type 0)", "Error Code (0x000c): 0x19 (Invalid Routing Context)")
    has(b[7], "M3UA ASPUP (class 3 ASP State Maintenance, type 1)", "ASP Identifier (0x0011): 42",
        'INFO String (0x0004): "asp-a"')
    has(b[8], "M3UA ASPAC (class 4 ASP Traffic Maintenance, type 1)",
        "Traffic Mode Type (0x000b): 2 (Loadshare)", "Routing Context (0x0006): 1, 2")
    has(b[9], "M3UA BEAT", "Heartbeat Data (0x0009): 3 octets", "0000: 01 02 03")


@test
def data_with_other_si_and_unknown_parameter():
    sccp = m3ua.data(1, 2, b"\x09\x00\x03", si=3)
    raw = m3ua.encode(1, 1, {0x0777: b"\xaa\xbb", **sccp.params})
    rc, out, _ = decode_hex([raw.hex()])
    eq(rc, 0, "exit")
    has(out, "unknown parameter (0x0777): 2 octets", "SI 3 (SCCP)",
        "SCCP user data, not decoded: 3 octets", "0000: 09 00 03")
    lacks(out, "ISUP ")


@test
def m3ua_errors_name_the_part():
    good = m3ua.data(1, 2, isup.encode_rlc(5)).encode()
    bad_version = b"\x02" + good[1:]
    no_pdata = m3ua.encode(1, 1, {"routing_context": [1]})
    bad_len = bytearray(good)
    struct.pack_into("!H", bad_len, 10, 200)       # Protocol Data length beyond the message
    bad_class = m3ua.encode(7, 1, {})
    cut = good[:-6]
    lines = [bad_version.hex(), no_pdata.hex(), bytes(bad_len).hex(), bad_class.hex(), cut.hex(), good.hex()]
    rc, out, _ = decode_hex(lines)
    eq(rc, 1, "exit")
    b = blocks(out)
    eq(len(b), 6, "blocks")
    has(b[0], "error: M3UA: version at offset 0 [Invalid Version]")
    has(b[1], "error: M3UA: Protocol Data (parameter 0x0210 Protocol Data)", "[Missing Parameter]")
    has(b[2], "error: M3UA: parameter length beyond message (parameter 0x0210 Protocol Data) at offset 8",
        "[Parameter Field Error]")
    has(b[3], "error: M3UA: message class at offset 2 [Unsupported Message Class]")
    has(b[4], "M3UA header: version 1, class 1 (Transfer), type 1 (DATA), length %d" % len(good),
        "error: M3UA: message length: header says %d octets, %d received at offset 4 [Protocol Error]"
        % (len(good), len(cut)))
    has(b[5], "ISUP RLC (0x10), CIC 5")
    lacks(b[5], "error")
    has(summary(out), "6 messages, 1 decoded, 5 failed")


@test
def isup_error_inside_data_gives_both_offsets():
    iam = isup.encode_iam(33, "12345", calling="678")
    cut = iam[:-4]                      # calling party number runs past the end
    rc, out, _ = decode_hex([m3ua.data(1, 2, cut).encode().hex()])
    eq(rc, 1, "exit")
    has(out, "M3UA DATA", "error: ISUP IAM CIC 33: calling party number: parameter runs past end of message at offset ",
        "in the M3UA message)")


# --- hex input: bare ISUP -------------------------------------------------------------------

@test
def isup_mode_messages():
    msgs = [
        isup.encode_acm(1, isup.default_bci(called_status=1)),
        isup.encode_cpg(2, event=isup.EV_ALERTING),
        isup.encode_sam(3, "789F"),
        isup.encode_grs(100, 7),
        isup.encode_cgb(200, 3, [1, 0, 0, 1], cgsmt=1),
        isup.encode_rsc(4095),
        isup.encode_anm(6),
        isup.encode("REL", 7, cause=isup.cause(16, isup.LOC_TN, diagnostic=b"\x81"), unknown=[(0xfe, b"\x01\x02")]),
        isup.encode_gra(10, 2, [0, 1, 1]),
        isup.encode_iam(8, "0800", fci={"national_international": 1, "isup_indicator": 1, "isdn_access": 1}, tmr=3),
    ]
    rc, out, _ = decode_hex([m.hex() for m in msgs], "--isup")
    eq(rc, 0, "exit")
    b = blocks(out)
    eq(len(b), len(msgs), "blocks")
    lacks(out, "M3UA")
    has(b[0], "ISUP ACM (0x06), CIC 1", "backward call indicators:", "charge: 2 (charge)",
        "called party's status: 1 (subscriber free)", "called party's category: 1 (ordinary subscriber)")
    has(b[1], "ISUP CPG (0x2c), CIC 2", "event information: 1 (alerting)")
    has(b[2], "ISUP SAM (0x02), CIC 3", "subsequent number: 789F")
    has(b[3], "ISUP GRS (0x17), CIC 100", "range and status: range 7 (8 circuits, CIC 100..107)", "status: absent")
    has(b[4], "ISUP CGB (0x18), CIC 200",
        "circuit group supervision message type: 1 (hardware failure oriented)",
        "range 3 (4 circuits, CIC 200..203)", "status bits (first = CIC 200): 1001", "status set for CIC: 200 203")
    has(b[5], "ISUP RSC (0x12), CIC 4095")
    has(b[6], "ISUP ANM (0x09), CIC 6")
    has(b[7], "ISUP REL (0x0c), CIC 7", "cause 16 (Normal call clearing)", "location: 3 (TN, transit network)",
        "diagnostic: 1 octets", "parameter 0xfe (unrecognised parameter): 2 octets", "0000: 01 02")
    has(b[8], "ISUP GRA (0x29), CIC 10", "status bits (first = CIC 10): 011", "status set for CIC: 11 12")
    has(b[9], "ISUP IAM (0x01), CIC 8", "national/international call: 1 (international call)",
        "transmission medium requirement: 3 (3.1 kHz audio)", "called party number: 0800")


@test
def isup_mode_errors():
    iam = isup.encode_iam(21, "4711")
    lines = ["11", "1100", iam[:6].hex(), iam.hex()]
    rc, out, _ = decode_hex(lines, "--isup")
    eq(rc, 1, "exit")
    b = blocks(out)
    eq(len(b), 4, "blocks")
    has(b[0], "error: ISUP: message: shorter than CIC and message type at offset 0")
    has(b[1], "error: ISUP CIC 17: message: shorter than CIC and message type at offset 0")
    has(b[2], "error: ISUP IAM CIC 21: ", "at offset")
    has(b[3], "ISUP IAM (0x01), CIC 21", "called party number: 4711")


# --- hex syntax and bounds ------------------------------------------------------------------

@test
def hex_syntax_errors():
    good = m3ua.aspup().encode().hex()
    lines = ["01000301 0000000g", "0100030", "x" * 40000, "00" * 5000, good]
    rc, out, _ = decode_hex(lines)
    eq(rc, 1, "exit")
    b = blocks(out)
    eq(len(b), 5, "blocks")
    has(b[0], "line 1", "error: hex input: invalid character 'g' at column 17")
    has(b[1], "line 2", "error: hex input: odd number of hex digits (7)")
    has(b[2], "line 3", "error: hex input: line longer than 32768 characters, skipped")
    has(b[3], "line 4", "error: hex input: message longer than the maximum (4104 octets) at column 8210")
    has(b[4], "line 5", "M3UA ASPUP")
    has(summary(out), "5 messages, 1 decoded, 4 failed")


@test
def stdin_and_dash():
    data = (m3ua.beat().encode().hex() + "\n").encode()
    for args in ([], ["-"], ["--m3ua", "-"]):
        p = subprocess.run([DECODER] + args, input=data, stdout=subprocess.PIPE, timeout=30)
        eq(p.returncode, 0, f"exit {args}")
        has(p.stdout.decode(), "M3UA BEAT (class 3 ASP State Maintenance, type 3)")


@test
def exit_codes_and_help():
    rc, out, _ = run(["--help"])
    eq(rc, 0, "--help")
    has(out, "--pcap FILE", "--tcp-port PORT", "--isup", "Exit status")
    for args in (["/nonexistent/file.hex"], ["--bogus"], ["--tcp-port", "2905", "x.hex"],
                 ["--pcap", "/nonexistent.pcap"], ["--isup", "--pcap", "x"], ["--pcap"],
                 ["--pcap", "x", "--tcp-port", "70000"], ["a", "b"]):
        rc, _, err = run(args)
        eq(rc, 2, f"exit for {args}")
        if not err.strip():
            raise AssertionError(f"no message on stderr for {args}")
    notpcap = os.path.join(TMP, "not.pcap")
    with open(notpcap, "w") as f:
        f.write("hello\n")
    rc, _, err = run(["--pcap", notpcap])
    eq(rc, 2, "exit for a file that is no pcap")
    rc, out, _ = decode_hex(["# nothing but a comment"])
    eq(rc, 0, "exit for no messages")
    has(out, "--- summary: 0 messages, 0 decoded, 0 failed")


# --- pcap -----------------------------------------------------------------------------------

def sctp_multi(chunks, src="10.0.0.1", dst="10.0.0.2", sport=2905, dport=2905):
    """IPv4/SCTP packet with the given raw chunks."""
    body = b"".join(c + b"\0" * (-len(c) % 4) for c in chunks)
    common = struct.pack("!HHII", sport, dport, 7, 0)
    sctp = common[:8] + struct.pack("<I", _crc32c(common + body)) + body
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(sctp), 0, 0x4000, 64, 132, 0,
                     bytes(int(x) for x in src.split(".")), bytes(int(x) for x in dst.split(".")))
    return ip[:10] + struct.pack("!H", _ip_checksum(ip)) + ip[12:] + sctp


def data_chunk(payload, tsn, stream=0, ppid=3, flags=3):
    return struct.pack("!BBHIHHI", 0, flags, 16 + len(payload), tsn, stream, 0, ppid) + payload


def tcp_packet(payload, seq, src="10.0.0.1", dst="10.0.0.2", sport=40000, dport=2905, flags=0x18):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, flags, 65535, 0, 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0,
                     bytes(int(x) for x in src.split(".")), bytes(int(x) for x in dst.split(".")))
    return ip[:10] + struct.pack("!H", _ip_checksum(ip)) + ip[12:] + tcp


def pcap_path(name, packets, linktype=101):
    path = os.path.join(TMP, name)
    write_pcap(path, packets, linktype)
    return path


@test
def pcap_sctp_raw():
    iam = m3ua.data(0x809, 0x811, isup.encode_iam(42, "112", cpc=isup.CPC_ORDINARY), rc=3).encode()
    anm = m3ua.data(0x811, 0x809, isup.encode_anm(42)).encode()
    pkts = [sctp_ipv4_packet(iam, src="192.168.1.1", dst="192.168.1.2", sport=2905, dport=2906, tsn=11, stream=4),
            sctp_ipv4_packet(anm, src="192.168.1.2", dst="192.168.1.1", sport=2906, dport=2905, tsn=12, stream=4),
            sctp_ipv4_packet(b"\x00" * 8, ppid=46)]
    rc, out, _ = run(["--pcap", pcap_path("raw.pcap", pkts)])
    eq(rc, 0, "exit")
    b = blocks(out)
    eq(len(b), 2, "blocks")
    has(b[0], "1: frame 1, 2023-11-14 22:13:20.000000 UTC, 192.168.1.1:2905 -> 192.168.1.2:2906, SCTP stream 4 TSN 11",
        "ISUP IAM (0x01), CIC 42", "called party number: 112", "Routing Context (0x0006): 3")
    has(b[1], "2: frame 2, 2023-11-14 22:13:21.000000 UTC, 192.168.1.2:2906 -> 192.168.1.1:2905",
        "ISUP ANM (0x09), CIC 42")
    has(summary(out), "2 messages, 2 decoded, 0 failed; 3 frames read, 1 without M3UA")


@test
def pcap_several_chunks_and_link_types():
    rel = m3ua.data(1, 2, isup.encode_rel(9, cause=17)).encode()
    rlc = m3ua.data(2, 1, isup.encode_rlc(9)).encode()
    sack = struct.pack("!BBHIIHH", 3, 0, 16, 5, 1000, 0, 0)
    ip = sctp_multi([sack, data_chunk(rel, 20, stream=1), data_chunk(b"\x01\x02\x03", 21, ppid=0),
                     data_chunk(rlc, 22, stream=2)])
    eth = b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00"
    vlan = b"\x02" * 6 + b"\x04" * 6 + b"\x81\x00\x00\x64\x08\x00"
    sll = struct.pack("!HHH8sH", 0, 1, 6, b"\x02" * 6 + b"\0\0", 0x0800)
    sll2 = struct.pack("!HHIHBB8s", 0x0800, 0, 1, 1, 0, 6, b"\x02" * 6 + b"\0\0")
    for name, pkt, lt in (("raw", ip, 101), ("ipv4", ip, 228), ("eth", eth + ip, 1), ("vlan", vlan + ip, 1),
                          ("sll", sll + ip, 113), ("sll2", sll2 + ip, 276)):
        rc, out, err = run(["--pcap", pcap_path(name + ".pcap", [pkt], lt)])
        eq(rc, 0, f"exit ({name}) {err}")
        b = blocks(out)
        eq(len(b), 2, f"blocks ({name})")
        has(b[0], "frame 1,", "10.0.0.1:2905 -> 10.0.0.2:2905, SCTP stream 1 TSN 20",
            "ISUP REL (0x0c), CIC 9", "cause 17 (User busy)")
        has(b[1], "SCTP stream 2 TSN 22", "ISUP RLC (0x10), CIC 9")


@test
def pcap_frame_errors():
    good = m3ua.data(1, 2, isup.encode_rlc(1)).encode()
    bad_chunk = bytearray(sctp_multi([data_chunk(good, 1)]))
    struct.pack_into("!H", bad_chunk, 20 + 12 + 2, 400)         # chunk length beyond the packet
    frag = sctp_multi([data_chunk(good, 2, flags=2)])            # B only: first fragment
    ipfrag = bytearray(sctp_multi([data_chunk(good, 3)]))
    struct.pack_into("!H", ipfrag, 6, 0x2000)                    # IPv4 more-fragments
    truncated = sctp_multi([data_chunk(good, 4)])[:-10]          # IPv4 total length beyond the frame
    bad_m3ua = sctp_multi([data_chunk(b"\x01\x00\x01\x01\x00\x00\x00\x04", 5)])
    pkts = [bytes(bad_chunk), frag, bytes(ipfrag), truncated, bad_m3ua, sctp_multi([data_chunk(good, 6)])]
    rc, out, _ = run(["--pcap", pcap_path("errors.pcap", pkts)])
    eq(rc, 1, "exit")
    b = blocks(out)
    eq(len(b), 6, "blocks")
    has(b[0], "frame 1", "error: SCTP: chunk type 0 length 400 beyond the packet at frame offset 32")
    has(b[1], "frame 2", "error: SCTP: DATA chunk is a fragment (B=1 E=0), not reassembled")
    has(b[2], "frame 3", "error: IPv4: fragment (offset 0, more fragments 1), not reassembled")
    has(b[3], "frame 4", "error: IPv4: total length")
    has(b[4], "frame 5", "error: M3UA: message length below header at offset 4")
    has(b[5], "frame 6", "ISUP RLC (0x10), CIC 1")
    has(summary(out), "6 messages, 1 decoded, 5 failed")


@test
def pcap_tcp_reassembly():
    m1 = m3ua.data(0x809, 0x811, isup.encode_iam(77, "0612345678", calling="0145")).encode()
    m2 = m3ua.data(0x811, 0x809, isup.encode_acm(77)).encode()
    m3 = m3ua.beat(b"hb").encode()
    seq = 1000
    pkts = [tcp_packet(b"", seq, flags=0x02)]                    # SYN
    seq += 1
    pkts.append(tcp_packet(m1[:5], seq)); seq += 5               # header split
    pkts.append(tcp_packet(m1[5:30], seq)); seq += 25
    pkts.append(tcp_packet(m1[30:] + m2, seq))                   # end of m1 and all of m2
    pkts.append(tcp_packet(m1[30:] + m2, seq)); seq += len(m1) - 30 + len(m2)  # retransmission
    pkts.append(tcp_packet(m3, 5000, src="10.0.0.2", dst="10.0.0.1", sport=2905, dport=40000))
    pkts.append(tcp_packet(m3, 1, sport=40001, dport=3000))      # other port: ignored
    pkts.append(tcp_packet(b"", seq, flags=0x11))                # FIN
    path = pcap_path("tcp.pcap", pkts)
    rc, out, _ = run(["--pcap", path, "--tcp-port", "2905"])
    eq(rc, 0, "exit")
    b = blocks(out)
    eq(len(b), 3, "blocks")
    has(b[0], "frames 2-4, 2023-11-14 22:13:23.000000 UTC, 10.0.0.1:40000 -> 10.0.0.2:2905, TCP",
        "ISUP IAM (0x01), CIC 77", "called party number: 0612345678", "calling party number: 0145")
    has(b[1], "frame 4,", "ISUP ACM (0x06), CIC 77")
    has(b[2], "frame 6,", "10.0.0.2:2905 -> 10.0.0.1:40000, TCP", "M3UA BEAT", "Heartbeat Data (0x0009): 2 octets")
    # SYN, the retransmission, the other port's segment and the FIN carry no new M3UA
    has(summary(out), "3 messages, 3 decoded, 0 failed; 8 frames read, 4 without M3UA")
    # without --tcp-port the TCP frames are not looked at
    rc, out, _ = run(["--pcap", path])
    eq(rc, 0, "exit without --tcp-port")
    has(summary(out), "0 messages, 0 decoded, 0 failed; 8 frames read, 8 without M3UA")


@test
def pcap_tcp_loss_and_bad_framing():
    m1 = m3ua.data(1, 2, isup.encode_rlc(3)).encode()
    m2 = m3ua.data(1, 2, isup.encode_rlc(4)).encode()
    garbage = b"\x07" * 12
    pkts = [tcp_packet(m1[:10], 100),                            # capture starts mid-connection
            tcp_packet(m2, 100 + len(m1)),                       # the rest of m1 was not captured
            tcp_packet(garbage, 100 + len(m1) + len(m2)),        # not M3UA: framing lost
            tcp_packet(m1, 100 + len(m1) + len(m2) + len(garbage)),
            tcp_packet(m2[:20], 100 + 2 * len(m1) + len(m2) + len(garbage))]   # incomplete at the end
    rc, out, _ = run(["--pcap", pcap_path("tcploss.pcap", pkts), "--tcp-port", "2905"])
    eq(rc, 1, "exit")
    b = blocks(out)
    eq(len(b), 5, "blocks")
    has(b[0], "error: TCP: ", "octets missing before this segment (not captured), 10 buffered octets dropped")
    has(b[1], "frame 2,", "ISUP RLC (0x10), CIC 4")
    has(b[2], "frame 3,", "error: M3UA over TCP: version, framing lost, 12 buffered octets dropped at offset 0")
    has(b[3], "frame 4,", "ISUP RLC (0x10), CIC 3")
    has(b[4], "frame 5,", "error: M3UA over TCP: capture ended with 20 octets of an incomplete message")


@test
def pcap_tcp_flow_table_bound():
    msg = m3ua.beat().encode()
    pkts = [tcp_packet(msg[:4], 1, sport=20000 + i) for i in range(70)]
    rc, out, _ = run(["--pcap", pcap_path("flows.pcap", pkts), "--tcp-port", "2905"])
    eq(rc, 1, "exit")
    eq(out.count("error: TCP: flow table full (64 flows), segment not decoded"), 6, "refused flows")
    eq(out.count("capture ended with 4 octets of an incomplete message"), 64, "flows held")


@test
def pcap_from_product_trace_writer():
    """A capture written by sigtran/pcap_trace.c (the gateway's signalling trace)."""
    cc = shutil.which("cc") or shutil.which("gcc")
    if not cc:
        raise AssertionError("no C compiler to build the pcap_trace writer")
    iam = isup.encode_iam(55, "0987654321", calling="01234")
    msgs = [m3ua.data(0x809, 0x811, iam, rc=1).encode(), m3ua.data(0x811, 0x809, isup.encode_rel(55, 31)).encode()]
    src = os.path.join(TMP, "trace_writer.c")
    exe = os.path.join(TMP, "trace_writer")
    out_pcap = os.path.join(TMP, "trace.pcap")
    carr = ", ".join("{%s}" % ", ".join(str(x) for x in m) for m in msgs)
    lens = ", ".join(str(len(m)) for m in msgs)
    width = max(len(m) for m in msgs)
    with open(src, "w") as f:
        f.write(f"""/* writes two M3UA messages with pcap_trace, for test_decoder.py */
#include <stdio.h>
#include <sys/time.h>
#include <osmocom/core/talloc.h>
#include "sigtran/pcap_trace.h"
static const unsigned char msgs[][{width}] = {{ {carr} }};
static const size_t lens[] = {{ {lens} }};
int main(int argc, char **argv)
{{
	void *ctx = talloc_named_const(NULL, 0, "w");
	struct pcap_trace *t = pcap_trace_open(ctx, argv[1]);
	struct timeval tv = {{ 1700000100, 250000 }};
	unsigned i;
	if (!t)
		return 1;
	for (i = 0; i < 2; i++) {{
		if (pcap_trace_m3ua(t, &tv, 0x7f000001, 2905, 0x7f000002, 2906, 1, msgs[i], lens[i]) < 0)
			return 1;
		tv.tv_sec++;
	}}
	pcap_trace_close(t);
	talloc_free(ctx);
	return 0;
}}
""")
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "libosmocore", "talloc"],
                           stdout=subprocess.PIPE, check=True).stdout.decode().split()
    subprocess.run([cc, "-std=gnu11", "-I.", "-o", exe, src, "sigtran/libsigtran.a", "common/libcommon.a"] + flags,
                   check=True, timeout=120)
    subprocess.run([exe, out_pcap], check=True, timeout=30, stderr=subprocess.DEVNULL)
    rc, out, _ = run(["--pcap", out_pcap])
    eq(rc, 0, "exit")
    b = blocks(out)
    eq(len(b), 2, "blocks")
    has(b[0], "frame 1, 2023-11-14 22:15:00.250000 UTC, 127.0.0.1:2905 -> 127.0.0.2:2906, SCTP stream 1",
        "Routing Context (0x0006): 1", "OPC 1.1.1 (2057)", "ISUP IAM (0x01), CIC 55",
        "called party number: 0987654321", "calling party number: 01234")
    has(b[1], "frame 2, 2023-11-14 22:15:01.250000 UTC", "ISUP REL (0x0c), CIC 55",
        "cause 31 (Normal, unspecified)")


@test
def pcap_agrees_with_tshark_and_reads_pcapng():
    """Wireshark is the independent reading of the same capture; pcapng goes through libpcap."""
    tshark, editcap = shutil.which("tshark"), shutil.which("editcap")
    if not tshark or not editcap:
        raise AssertionError("tshark/editcap (Debian package tshark) not installed")
    msgs = [m3ua.data(0x809, 0x811, isup.encode_iam(42, "0612345678", calling="0145")).encode(),
            m3ua.data(0x811, 0x809, isup.encode_acm(42)).encode(),
            m3ua.data(0x809, 0x811, isup.encode_rel(42, cause=17, location=isup.LOC_LN)).encode(),
            m3ua.data(300, 400, isup.encode_rlc(42)).encode()]
    path = pcap_path("ws.pcap", [sctp_ipv4_packet(m, tsn=i + 1) for i, m in enumerate(msgs)])
    ws = subprocess.run([tshark, "-r", path, "-T", "fields", "-e", "frame.number", "-e", "isup.cic",
                         "-e", "isup.called", "-e", "isup.calling", "-e", "isup.cause_indicator",
                         "-e", "m3ua.protocol_data_opc", "-e", "m3ua.protocol_data_dpc"],
                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=120, check=True)
    rows = [l.split("\t") for l in ws.stdout.decode().splitlines() if l.strip()]
    eq(len(rows), len(msgs), "tshark rows")
    ng = os.path.join(TMP, "ws.pcapng")
    subprocess.run([editcap, "-F", "pcapng", path, ng], check=True, timeout=60)
    for f in (path, ng):
        rc, out, _ = run(["--pcap", f])
        eq(rc, 0, f"exit ({f})")
        b = blocks(out)
        eq(len(b), len(msgs), f"blocks ({f})")
        for blk, (frame, cic, called, calling, cause, opc, dpc) in zip(b, rows):
            has(blk, f"frame {frame},", f"CIC {cic}\n", f"OPC ", f"({opc})\n", f"({dpc})\n")
            if called:
                has(blk, f"called party number: {called}\n")
            if calling:
                has(blk, f"calling party number: {calling}\n")
            if cause:
                has(blk, f"cause indicators: cause {cause} (")


def main():
    if not os.access(DECODER, os.X_OK):
        print(f"{DECODER} not built (run make first)")
        return 1
    failed = 0
    try:
        for t in TESTS:
            try:
                t()
                print(f"ok   {t.__name__}")
            except Exception:
                failed += 1
                print(f"FAIL {t.__name__}")
                traceback.print_exc(file=sys.stdout)
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    print(f"{len(TESTS) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
