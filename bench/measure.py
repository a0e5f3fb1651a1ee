"""measure.py - the measurements of bench/ applied to any element under test (a "target"):
capacity search, CPU per call at a fixed rate, latency at a share of capacity. Each is run
`runs` times and reported as the median, with every run's figure kept.

A target has: name, element (lib.Element), address (host, port) for the UAC, start(transport),
stop(), and sipp_cores (the cores the load tools run on).
"""
import time

import lib


def settle_cpu(element, quiet_ticks=2, max_wait=8.0, step=0.5):
    """Wait until the element's CPU stops moving (timers that clean up finished transactions have
    run), bounded by max_wait. Returns the CPU seconds at the end."""
    last = element.cpu()
    still = 0
    deadline = time.monotonic() + max_wait
    while time.monotonic() < deadline:
        time.sleep(step)
        now = element.cpu()
        still = still + 1 if now - last < quiet_ticks / lib.CLK_TCK else 0
        last = now
        if still >= 2:
            break
    return last


def one_run(target, workdir, transport, rate, seconds, hold_ms=100, settle=True, probe=None,
            service="1000", grace=5):
    """SIPp at rate for seconds against the target; CPU of the element over the run (and the
    clean-up after it when settle). Returns SIPp's results plus cpu_s, cpu_us_per_call, high-water
    memory, and the probe's results if a probe (lib.Probe) ran next to the load."""
    calls = max(1, int(rate * seconds))
    run = lib.SippRun(workdir, f"{target.address[0]}:{target.address[1]}", transport, rate, calls,
                      hold_ms=hold_ms, cores=target.sipp_cores, service=service,
                      timeout=seconds + hold_ms / 1000 + grace)
    mem = lib.MemWatch(target.element)
    cpu0 = target.element.cpu()
    cores0 = lib.core_times()
    run.start()
    pr = None
    if probe is not None:
        pr = probe.run(seconds, until=run.done, tick=mem.poll)
    r = run.wait(poll=mem.poll)
    r["core_busy"] = lib.core_busy(cores0, lib.core_times())
    cpu1 = settle_cpu(target.element) if settle else target.element.cpu()
    mem.poll()
    r["cpu_s"] = cpu1 - cpu0
    # Per answered call: a refusal costs far less and would flatter the figure.
    r["cpu_us_per_call"] = r["cpu_s"] * 1e6 / r["answered"] if r["answered"] else None
    r["rate"] = rate
    r["seconds"] = seconds
    r["high_rss_kib"] = mem.high_rss
    r["high_pss_kib"] = mem.high_pss
    r["probe"] = pr
    if not target.element.alive():
        raise RuntimeError(f"{target.name} died during the run:\n{target.element.proc.log()[-2000:]}")
    return r


def capacity(target, workdir, transport, p):
    """Capacity search p['runs'] times; the median of the knees. Each step runs p['cap_seconds']."""
    knees, all_steps = [], []
    for i in range(p["runs"]):
        def run_at(rate):
            # A step that is more than a second late has failed: SIPp is stopped soon after.
            r = one_run(target, workdir, transport, rate, p["cap_seconds"], settle=False, grace=2)
            ok = lib.passes(r, duration=p["cap_seconds"] + 0.2, slack=1.0)
            lib.log(f"{target.name} {transport} capacity run {i + 1}: {rate} cps -> "
                    f"{r['answered']} answered {r['refused']} refused {r['failed']} failed "
                    f"{r['retrans']} retrans in "
                    f"{r['elapsed']:.1f}s, cores busy {r['core_busy']} {'pass' if ok else 'FAIL'}")
            if not ok:
                # Transactions of the overloaded run keep retransmitting to the UAS for up to
                # 32 s and would weigh on the next step: start afresh.
                target.stop()
                target.start(transport)
            time.sleep(p["cap_pause"])
            return ok, {k: r[k] for k in ("successful", "answered", "refused", "failed", "retrans",
                                          "elapsed",
                                          "cpu_us_per_call", "core_busy")}
        knee, steps = lib.capacity_search(run_at, p["cap_start"], p["cap_max"], p["cap_resolution"],
                                          max_steps=p["cap_steps"])
        knees.append(knee)
        all_steps.append([(rate, ok, info) for rate, ok, info in steps])
    at_max = all(k >= p["cap_max"] for k in knees)
    return {"median": lib.median(knees), "runs": knees, "steps": all_steps,
            "limited_by_search_max": at_max}


def cpu_per_call(target, workdir, transport, p):
    """CPU per completed call at p['cpu_rate'] for p['cpu_seconds'], p['runs'] times."""
    vals, runs = [], []
    for i in range(p["runs"]):
        r = one_run(target, workdir, transport, p["cpu_rate"], p["cpu_seconds"])
        lib.log(f"{target.name} {transport} cpu run {i + 1}: {r['answered']} calls answered, "
                f"{r['refused']} refused, {r['failed']} failed, {r['cpu_s']:.2f}s cpu -> {lib.fmt(r['cpu_us_per_call'], ' us')}")
        if r["failed"] == 0 and r["refused"] == 0 and r["answered"]:
            vals.append(r["cpu_us_per_call"])
        runs.append({k: r[k] for k in ("successful", "answered", "refused", "failed", "cpu_s",
                                       "cpu_us_per_call",
                                       "high_rss_kib", "high_pss_kib", "elapsed")})
    return {"median": lib.median(vals), "runs": runs, "rate": p["cpu_rate"],
            "seconds": p["cpu_seconds"]}


def latency(target, workdir, transport, rate, p):
    """INVITE->180 and INVITE->200 at `rate` with a microsecond probe next to the SIPp load;
    p50/p99 of each run, medians over runs. SIPp's own RTD percentiles (ms ticks) are kept too."""
    out = {"rate": rate, "runs": []}
    for i in range(p["runs"]):
        probe = lib.Probe(target.address, rate=p["probe_rate"])
        r = one_run(target, workdir, transport, rate, p["lat_seconds"], settle=False, probe=probe)
        pr = r["probe"]
        run = {"failed": r["failed"], "successful": r["successful"], "probe_lost": pr["lost"],
               "probe_calls": len(pr["answered"]),
               "p50_180": lib.percentile(pr["ringing"], 50), "p99_180": lib.percentile(pr["ringing"], 99),
               "p50_200": lib.percentile(pr["answered"], 50), "p99_200": lib.percentile(pr["answered"], 99),
               "sipp_p50_180": lib.percentile(r["rtd"][1], 50), "sipp_p99_180": lib.percentile(r["rtd"][1], 99),
               "sipp_p50_200": lib.percentile(r["rtd"][2], 50), "sipp_p99_200": lib.percentile(r["rtd"][2], 99)}
        lib.log(f"{target.name} {transport} latency run {i + 1} at {rate} cps: "
                f"180 p50 {lib.fmt(run['p50_180'], ' ms', 3)} p99 {lib.fmt(run['p99_180'], ' ms', 3)}, "
                f"200 p50 {lib.fmt(run['p50_200'], ' ms', 3)} p99 {lib.fmt(run['p99_200'], ' ms', 3)} "
                f"({run['probe_calls']} probe calls, {r['failed']} SIPp failures)")
        out["runs"].append(run)
        time.sleep(p["cap_pause"])
    for k in ("p50_180", "p99_180", "p50_200", "p99_200", "sipp_p50_180", "sipp_p99_180",
              "sipp_p50_200", "sipp_p99_200"):
        out[k] = lib.median([x[k] for x in out["runs"]])
    return out
