#!/usr/bin/env bash
# run-demo.sh - the demo: pstn-sim + the gateway + a SIPp load on 127.0.0.1, then a summary.
#   Starts tools/pstn-sim/pstn-sim with docs/examples/pstn-sim.cfg and gateway/sipisup-gw with
#   docs/examples/sipisup-gw.cfg, waits for the M3UA ASP to be active, runs SIPp (answered calls,
#   then a few busy and unallocated numbers), prints what SIPp, the simulator and the gateway
#   counted, and stops both daemons by their pids. Bounded: every step has a time limit.
# Environment: DEMO_CALLS (300), DEMO_RATE (30), DEMO_HOLD_MS (1000), DEMO_KEEP=1 keeps the logs;
# SIPISUP_GW, PSTN_SIM, DEMO_GW_CFG, DEMO_SIM_CFG replace the programs and configs.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD

GW_BIN=${SIPISUP_GW:-$top/gateway/sipisup-gw}
SIM_BIN=${PSTN_SIM:-$top/tools/pstn-sim/pstn-sim}
GW_CFG=${DEMO_GW_CFG:-$top/docs/examples/sipisup-gw.cfg}
SIM_CFG=${DEMO_SIM_CFG:-$top/docs/examples/pstn-sim.cfg}
SCEN=$top/sipp-scenarios
CALLS=${DEMO_CALLS:-300}
RATE=${DEMO_RATE:-30}
HOLD_MS=${DEMO_HOLD_MS:-1000}	# 30 calls/s x ~1.3 s < the 62 circuits of the example
# The demo's numbers, as docs/examples/pstn-sim.cfg treats them (the gateway sends national
# numbers without their prefix 0). The simulator also gets these rules on its command line (they
# add to the file's, the longest prefix wins): the demo does not hang on that file's rules, and
# its answered calls ring only 200 ms so that 30 calls/s fit the example's 62 circuits.
ANSWER_NUMBER=+33212345678	# answered after 200 ms
BUSY_NUMBER=0401700017		# 4017: REL cause 17 -> 486
UNALLOC_NUMBER=0400100001	# 4001: REL cause 1 -> 404
SIM_RULES=(--rule 3321234:answer:200 --rule 4017:reject:17 --rule 4001:reject:1)
FEW=5
# Where the example config puts the gateway's SIP and VTY (overridable)
SIP_PORT=${DEMO_SIP_PORT:-5060}
VTY_PORT=${DEMO_VTY_PORT:-4250}
SIM_CTL_PORT=${DEMO_SIM_CONTROL_PORT:-2906}

for f in "$GW_BIN" "$SIM_BIN"; do
	[ -x "$f" ] || { echo "demo: $f is not built (run ./setup.sh build)" >&2; exit 1; }
done
for f in "$GW_CFG" "$SIM_CFG"; do
	[ -r "$f" ] || { echo "demo: $f is missing" >&2; exit 1; }
done
command -v sipp >/dev/null || { echo "demo: sipp (package sip-tester) is not installed" >&2; exit 1; }

work=$(mktemp -d /tmp/sipisup-demo.XXXXXX)
sim_pid= gw_pid=
stop_pid() {	# pid name: SIGTERM, wait up to 5 s, then SIGKILL
	local pid=$1 i
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$pid" 2>/dev/null && { echo "demo: $2 did not stop, killing it"; kill -KILL "$pid" 2>/dev/null || true; }
	wait "$pid" 2>/dev/null || true
}
cleanup() {
	stop_pid "$gw_pid" sipisup-gw
	stop_pid "$sim_pid" pstn-sim
	if [ "${DEMO_KEEP:-0}" = 1 ] || [ "${demo_ok:-0}" != 1 ]; then
		echo "demo: logs kept in $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Small helpers in Python on top of the integration tests' library (VTY client, SIPp runner).
py() { PYTHONDONTWRITEBYTECODE=1 PYTHONPATH=$top/tests/integration/lib python3 - "$@"; }
vty() {	# one or more VTY commands, output printed
	py "$VTY_PORT" "$@" <<'EOF'
import sys, procs
v = procs.Vty("127.0.0.1", int(sys.argv[1]))
v.enable()
for c in sys.argv[2:]:
    print(v.command(c))
EOF
}
sim_ctl() {	# one pstn-sim control command, reply printed
	py "$SIM_CTL_PORT" "$1" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
s.sendto(sys.argv[2].encode(), ("127.0.0.1", int(sys.argv[1])))
print(s.recvfrom(65536)[0].decode(), end="")
EOF
}
wait_for() {	# seconds what command...: poll until the command succeeds (or a daemon died)
	local secs=$1 what=$2 i; shift 2
	for i in $(seq $((secs * 5))); do
		"$@" >/dev/null 2>&1 && return 0
		for p in $sim_pid $gw_pid; do
			kill -0 "$p" 2>/dev/null || { echo "demo: a daemon exited while waiting for: $what" >&2; return 1; }
		done
		sleep 0.2
	done
	echo "demo: $what not reached within ${secs}s" >&2
	return 1
}
asp_active() { vty "show asp" | grep -qw ACTIVE; }
sim_active() { sim_ctl summary | grep -Eq '^pstn-sim: asp.active [1-9]'; }

echo "== starting pstn-sim ($SIM_CFG) and the gateway ($GW_CFG); logs in $work"
"$SIM_BIN" -c "$SIM_CFG" --control-port "$SIM_CTL_PORT" "${SIM_RULES[@]}" >"$work/pstn-sim.log" 2>&1 &
sim_pid=$!
wait_for 10 "pstn-sim ready" grep -q "pstn-sim ready" "$work/pstn-sim.log" \
	|| { tail -20 "$work/pstn-sim.log"; exit 1; }
port_free() { py "$1" <<<'import socket, sys; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", int(sys.argv[1])))'; }
# the gateway's CTRL port is fixed: another gateway on this machine must end first
wait_for 30 "the gateway's CTRL port 4251 free" port_free 4251 || exit 1
"$GW_BIN" -c "$GW_CFG" >"$work/sipisup-gw.log" 2>&1 &
gw_pid=$!
wait_for 20 "ASP active at the simulator" sim_active || { tail -20 "$work/sipisup-gw.log"; exit 1; }
wait_for 20 "ASP active in the gateway (show asp)" asp_active || { tail -20 "$work/sipisup-gw.log"; exit 1; }
sleep 1	# the circuit group resets of the start are answered
vty "show asp" | sed 's/^/  /'

run_sipp() {	# label scenario number calls rate [extra...]
	local label=$1 scen=$2 number=$3 calls=$4 rate=$5; shift 5
	local dir=$work/sipp-$label port
	mkdir -p "$dir"
	port=$(py <<<'import socket, procs; print(procs.free_port(socket.SOCK_DGRAM))')
	(cd "$dir" && timeout 100 sipp -sf "$SCEN/$scen" -i 127.0.0.1 -p "$port" -s "$number" \
		-m "$calls" -r "$rate" -l 400 -nostdin -timeout 90s -max_recv_loops 1000 \
		-trace_stat -stf stat.csv -fd 1 -trace_err -error_file errors.log "$@" \
		"127.0.0.1:$SIP_PORT" >sipp.out 2>&1) || true
	py "$dir/stat.csv" "$label" "$calls" <<'EOF'
import sys, procs
try:
    d = procs.parse_sipp_stat_csv(sys.argv[1])
    print(f"  SIPp {sys.argv[2]:<12} offered {sys.argv[3]:>4}  as expected {d['successful']:>4}  failed {d['failed']:>4}")
except Exception as e:
    print(f"  SIPp {sys.argv[2]}: no statistics ({e})")
EOF
}

echo "== SIPp: $CALLS answered calls at $RATE calls/s (hold ${HOLD_MS} ms), $FEW busy, $FEW unallocated"
start=$(date +%s)
run_sipp answered call_uac_answer.xml "$ANSWER_NUMBER" "$CALLS" "$RATE" -d "$HOLD_MS" >"$work/sipp-a.txt" &
sipp_a=$!
run_sipp busy call_uac_busy.xml "$BUSY_NUMBER" "$FEW" 5 >"$work/sipp-b.txt"
run_sipp unallocated call_uac_unallocated.xml "$UNALLOC_NUMBER" "$FEW" 5 >"$work/sipp-u.txt"
wait "$sipp_a" || true
echo "   (SIPp ran $(( $(date +%s) - start )) s)"

echo
echo "== summary"
echo "-- SIPp (calls offered; 'as expected' = answered, or refused with the expected status and Reason)"
cat "$work/sipp-a.txt" "$work/sipp-b.txt" "$work/sipp-u.txt"
echo "-- PSTN simulator"
sim_ctl summary >"$work/sim-summary.txt"
py "$work/sim-summary.txt" <<'EOF'
import sys, gwtest
d = gwtest.parse_sim_summary(open(sys.argv[1]).read())
print(f"  IAMs received {d.get('rx.IAM', 0)}, answered {d.get('calls.answered.in', 0)}, "
      f"completed {d.get('calls.completed', 0)}, rejected {d.get('calls.rejected', 0)}, "
      f"abandoned {d.get('calls.abandoned', 0)}")
causes = {k: v for k, v in d.items() if ".cause" in k}
print("  causes: " + (", ".join(f"{k} {v}" for k, v in sorted(causes.items())) or "none"))
print(f"  circuits idle {d.get('cics.idle', 0)}, busy {d.get('cics.busy', 0)}; "
      f"errors: unexpected {d.get('errors.unexpected', 0)}, decode {d.get('errors.isup_decode', 0)}")
EOF
echo "-- gateway"
vty "show rate-counters" >"$work/gw-counters.txt"
py "$work/gw-counters.txt" <<'EOF'
import sys, gwtest
g = gwtest.parse_rate_counters(open(sys.argv[1]).read())
calls = next((c for name, c in g.items() if "calls:answered" in c), {})
keys = ["calls:sip-in", "calls:isup-in", "calls:answered", "calls:failed", "release:by-sip",
        "release:by-isup", "calls:no-route", "route:advance", "refused:admission"]
print("  " + ", ".join(f"{k} {calls[k]}" for k in keys if k in calls))
EOF
vty "show admission" | sed 's/^/  /'
if grep -Eq 'failed +[1-9]|no statistics' "$work"/sipp-[abu].txt; then
	echo "== demo: some calls did not go as expected (logs kept); stopping the gateway and the simulator"
	exit 1
fi
demo_ok=1
echo "== demo: every call went as expected; stopping the gateway and the simulator"
