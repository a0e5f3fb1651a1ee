#!/usr/bin/env python3
"""test_m3ua_sctp.py - M3UA over kernel SCTP (RFC 4666 1.3.1), PPID 3.

Runs the SCTP transport test binary (built by `make check`). Where the kernel lacks SCTP that binary
checks that the transport refuses with -EPROTONOSUPPORT and exits 77; this script then reports the
skip with its reason as the last line. With SCTP, the binary's own result is the result."""
import errno
import os
import socket
import subprocess
import sys

BIN = os.path.join("tests", "unit", "test_m3ua_sctp")


def main():
    if not os.access(BIN, os.X_OK):
        print(f"{BIN} not built (run make check first)")
        return 1
    try:
        socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_SCTP).close()
        have_sctp = True
    except OSError as e:
        if e.errno != errno.EPROTONOSUPPORT:
            raise
        have_sctp = False
    p = subprocess.run([BIN], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
    out = p.stdout.decode(errors="replace")
    sys.stdout.write(out)
    if not have_sctp:
        if p.returncode != 77 or "refuses cleanly with -EPROTONOSUPPORT" not in out:
            print(f"expected a clean -EPROTONOSUPPORT refusal and exit 77, got {p.returncode}")
            return 1
        print("skipped: kernel lacks SCTP (EPROTONOSUPPORT)")
        return 77
    return p.returncode


if __name__ == "__main__":
    sys.exit(main())
