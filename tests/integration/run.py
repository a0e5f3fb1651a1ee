#!/usr/bin/env python3
"""run.py - run every integration test (tests/integration/test_*.py) and print the tally.

Each test is a script run on its own: exit 0 passed, 77 skipped (it prints why), anything else failed.
Each has a time limit; a test that overruns is killed and counted as failed."""
import glob
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
LIMIT = int(os.environ.get("INTEGRATION_TEST_LIMIT", "300"))


def main():
    only = sys.argv[1:]
    tests = sorted(glob.glob(os.path.join(HERE, "test_*.py")))
    if only:
        tests = [t for t in tests if any(o in os.path.basename(t) for o in only)]
    passed = failed = skipped = 0
    for t in tests:
        name = os.path.basename(t)
        start = time.monotonic()
        try:
            p = subprocess.run([sys.executable, t], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               timeout=LIMIT, cwd=os.path.dirname(HERE) + "/..")
            rc, out = p.returncode, p.stdout.decode(errors="replace")
        except subprocess.TimeoutExpired as e:
            rc, out = -1, (e.stdout or b"").decode(errors="replace") + f"\nkilled after {LIMIT}s\n"
        secs = time.monotonic() - start
        if rc == 0:
            passed += 1
            print(f"PASS {name} ({secs:.1f}s)")
        elif rc == 77:
            skipped += 1
            why = out.strip().splitlines()[-1] if out.strip() else "no reason given"
            print(f"SKIP {name}: {why}")
        else:
            failed += 1
            print(f"FAIL {name} (exit {rc}, {secs:.1f}s)")
            print("".join("    " + l + "\n" for l in out.splitlines()[-60:]), end="")
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
