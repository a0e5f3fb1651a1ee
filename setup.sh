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
	libpcap-dev sip-tester tshark clang libclang-rt-14-dev procps psmisc sysstat time)

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
	make -j"$(nproc)"
}

# Unit tests (Check) through automake; prints each suite's Check summary.
unit_tests() {
	echo "== unit tests (Check)"
	local rc=0
	make -j"$(nproc)" check || rc=$?
	grep -h -E '^(Running suite|[0-9]+%: Checks)' tests/unit/*.log || true
	return $rc
}

# Unit tests again under AddressSanitizer + UndefinedBehaviorSanitizer, in build-asan/.
asan_tests() {
	echo "== unit tests under ASan+UBSan"
	mkdir -p build-asan
	(cd build-asan
	 [ -f Makefile ] || ../configure -q --disable-jemalloc CC=clang \
		CFLAGS="-g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined"
	 make -j"$(nproc)" -s
	 ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
		make -s -C tests check)
	grep -h -E '^[0-9]+%: Checks' build-asan/tests/unit/*.log || true
}

# Each libFuzzer target for a bounded time, seeded from tests/corpus/.
fuzz_tests() {
	local secs=${FUZZ_SECONDS:-30} f name
	echo "== fuzz targets, ${secs}s each"
	mkdir -p build-fuzz
	(cd build-fuzz
	 [ -f Makefile ] || ../configure -q --disable-jemalloc --enable-fuzz CC=clang CFLAGS="-g -O1"
	 make -j"$(nproc)" -s)
	for f in build-fuzz/tests/fuzz/fuzz_*; do
		[ -x "$f" ] || continue
		name=$(basename "$f"); name=${name#fuzz_}
		mkdir -p "build-fuzz/corpus-$name"
		echo "-- $name"
		"$f" -max_total_time="$secs" -print_final_stats=1 "build-fuzz/corpus-$name" \
			"tests/corpus/$name" 2>"build-fuzz/fuzz-$name.log" \
			|| { tail -40 "build-fuzz/fuzz-$name.log"; return 1; }
		grep -E 'stat::number_of_executed_units' "build-fuzz/fuzz-$name.log" || true
	done
}

integration_tests() {
	echo "== integration tests"
	python3 tests/integration/run.py
}

case "${1:-}" in
deps)	deps ;;
build)	deps; build ;;
demo)	deps; build; exec ./demo/run-demo.sh ;;
test)
	deps; build
	rc=0
	unit_tests || rc=1
	integration_tests || rc=1
	asan_tests || rc=1
	fuzz_tests || rc=1
	[ $rc = 0 ] && echo "== all test stages passed" || echo "== a test stage FAILED"
	exit $rc ;;
*)	sed -n '2,6p' "$0"; exit 2 ;;
esac
