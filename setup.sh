#!/usr/bin/env bash
# setup.sh - install dependencies, build, and run the demo or the whole test suite.
#   ./setup.sh demo   install, build, run the gateway + PSTN simulator + SIPp demo
#   ./setup.sh test   install, build, run every test (unit, integration, sanitizers, fuzz)
#   ./setup.sh deps | build   the individual steps
# Runs as root, or uses sudo for apt-get.
set -euo pipefail
cd "$(dirname "$0")"
top=$PWD

PACKAGES=(build-essential autoconf automake pkg-config python3
	libosmocore-dev libsofia-sip-ua-dev libjemalloc-dev check libsctp-dev lksctp-tools
	libpcap-dev sip-tester tshark clang libclang-rt-14-dev procps psmisc sysstat time kamailio)

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

deps() {
	local missing=()
	for p in "${PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "== installing: ${missing[*]}"
	as_root apt-get update -q
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

build() {
	echo "== build"
	[ -x configure ] || autoreconf -fi
	[ -f Makefile ] || ./configure --enable-werror
	make -j"$(nproc)" -s
}

# Unit tests (Check) through automake; prints each suite's Check summary.
unit_tests() {
	echo "== unit tests (Check)"
	local rc=0
	make -j"$(nproc)" check || rc=$?
	grep -h -E '^(Running suite|[0-9]+%: Checks)' tests/unit/*.log || true
	return $rc
}

# A copy of the source tree (tracked and new files, not ignored ones) in $1/src, for a separate
# configuration: the main build is in-tree, so the sanitizer and fuzz builds get their own tree.
copy_tree() {
	mkdir -p "$1/src" || return 1
	git ls-files -z -co --exclude-standard | tar --null -T - -cf - | (cd "$1/src" && tar xf -) || return 1
}

# Unit tests again under AddressSanitizer + UndefinedBehaviorSanitizer, in build-asan/.
asan_tests() {
	echo "== unit tests under ASan+UBSan"
	copy_tree build-asan || return 1
	(cd build-asan/src \
	 && { [ -x configure ] || autoreconf -fi; } \
	 && { [ -f Makefile ] || ./configure -q --enable-werror --disable-jemalloc CC=clang \
		CFLAGS="-g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined"; } \
	 && make -j"$(nproc)" -s \
	 && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
		make -s -C tests check) || return 1
	grep -h -E '^[0-9]+%: Checks' build-asan/src/tests/unit/*.log || true
}

# Each libFuzzer target for a bounded time, seeded from tests/corpus/<name>/.
fuzz_tests() {
	local secs=${FUZZ_SECONDS:-30} f name
	FUZZ_RAN=0
	echo "== fuzz targets, ${secs}s each"
	copy_tree build-fuzz || return 1
	(cd build-fuzz/src \
	 && { [ -x configure ] || autoreconf -fi; } \
	 && { [ -f Makefile ] || ./configure -q --disable-jemalloc --enable-fuzz CC=clang CFLAGS="-g -O1"; } \
	 && make -j"$(nproc)" -s) || return 1
	for f in build-fuzz/src/tests/fuzz/fuzz_*; do
		[ -x "$f" ] || continue
		name=$(basename "$f"); name=${name#fuzz_}
		mkdir -p "build-fuzz/corpus-$name"
		echo "-- $name"
		"$f" -max_total_time="$secs" -print_final_stats=1 "build-fuzz/corpus-$name" \
			"tests/corpus/$name" 2>"build-fuzz/fuzz-$name.log" \
			|| { tail -40 "build-fuzz/fuzz-$name.log"; return 1; }
		grep -E 'stat::number_of_executed_units' "build-fuzz/fuzz-$name.log" || true
		FUZZ_RAN=$((FUZZ_RAN + 1))
	done
}

integration_tests() {
	echo "== integration tests"
	python3 tests/integration/run.py
}

# Tally of every stage, printed last: Check suites' test counts, integration tests, fuzz targets.
TALLY_PASS=0 TALLY_FAIL=0 TALLY_SKIP=0
tally_check_logs() {
	local line n f e
	while read -r line; do
		n=$(sed -E 's/.*Checks: ([0-9]+).*/\1/' <<<"$line")
		f=$(sed -E 's/.*Failures: ([0-9]+).*/\1/' <<<"$line")
		e=$(sed -E 's/.*Errors: ([0-9]+).*/\1/' <<<"$line")
		TALLY_PASS=$((TALLY_PASS + n - f - e)); TALLY_FAIL=$((TALLY_FAIL + f + e))
	done < <(grep -h -E '^[0-9]+%: Checks' "$@" 2>/dev/null)
}

case "${1:-}" in
deps)	deps ;;
build)	deps; build ;;
demo)	deps; build; exec ./demo/run-demo.sh ;;
test)
	deps; build
	rc=0
	unit_tests || rc=1
	tally_check_logs tests/unit/*.log
	integration_tests | tee build-integration.log || rc=1
	read -r p f s < <(sed -n -E 's/^([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped$/\1 \2 \3/p' build-integration.log | tail -1) || true
	TALLY_PASS=$((TALLY_PASS + ${p:-0})); TALLY_FAIL=$((TALLY_FAIL + ${f:-1})); TALLY_SKIP=$((TALLY_SKIP + ${s:-0}))
	asan_tests || { rc=1; TALLY_FAIL=$((TALLY_FAIL + 1)); }
	tally_check_logs build-asan/src/tests/unit/*.log
	if fuzz_tests; then TALLY_PASS=$((TALLY_PASS + FUZZ_RAN)); else rc=1; TALLY_FAIL=$((TALLY_FAIL + 1)); fi
	echo "== summary (Check tests plain and under ASan+UBSan, integration tests, fuzz targets)"
	echo "tests: $TALLY_PASS passed, $TALLY_FAIL failed, $TALLY_SKIP skipped"
	exit $rc ;;
*)	sed -n '2,6p' "$0"; exit 2 ;;
esac
