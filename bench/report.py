"""report.py - turns the results of bench/run-all (a dict, also saved as JSON) into the markdown
table of docs/benchmarks.md, and puts it between the markers of that file."""
import re

import lib

BEGIN = "<!-- bench:table:begin (written by bench/run-all; edit the script, not this block) -->"
END = "<!-- bench:table:end -->"
NO_REFUSAL = "no call refused"


def _num(v, nd=0, unit=""):
    return lib.fmt(v, unit, nd) if v is not None else None


def _get(d, *path):
    for k in path:
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    return d


def _pct(busy, core):
    """A core's busy share from core_busy (keys may have become strings in JSON)."""
    v = busy.get(core, busy.get(str(core)))
    return "-" if v is None else f"{v * 100:.0f} %"


def _cell(res, why, *path, nd=0, unit=""):
    """The median at path in res, or 'not measured' with the reason."""
    if res is None:
        return "not measured"
    v = _get(res, *path)
    if v is None:
        return "not measured (no passing run)"
    return _num(v, nd, unit)


def _runs(res, *path, key=None, nd=0):
    v = _get(res, *path)
    if not isinstance(v, list):
        return ""
    vals = [x.get(key) if key else x for x in v]
    return " / ".join("-" if x is None else f"{x:,.{nd}f}" for x in vals)


def rows(results):
    """Rows (measurement, transport, kamailio, gateway, target, verdict)."""
    k = results.get("kamailio")
    g = results.get("gateway")
    kwhy = results.get("kamailio_why", "")
    gwhy = results.get("gateway_why", "")
    p = results["params"]
    out = []
    for tr in ("udp", "tcp"):
        kc = _cell(k, kwhy, tr, "capacity", "median", unit=" cps")
        gc = _cell(g, gwhy, tr, "capacity", "median", unit=" cps")
        if k and _get(k, tr, "capacity", "limited_by_search_max"):
            kc = ">= " + kc + " (search max)"
        if g and _get(g, tr, "capacity", "limited_by_search_max"):
            gc = ">= " + gc + " (search max)"
        out.append((f"capacity, highest rate with <= 0.1 % failed calls "
                     f"({p['cap_seconds']} s steps; runs: {_runs(k, tr, 'capacity', 'runs')})",
                     tr.upper(), kc, gc, "gateway > Kamailio", _verdict_gt(g, k, tr)))
    for tr in ("udp", "tcp"):
        out.append((f"CPU per call at {p['cpu_rate']} cps for {p['cpu_seconds']} s, user+sys "
                    f"(runs: {_runs(k, tr, 'cpu', 'runs', key='cpu_us_per_call')})",
                    tr.upper(), _cell(k, kwhy, tr, "cpu", "median", unit=" us"),
                    _cell(g, gwhy, tr, "cpu", "median", unit=" us"),
                    "gateway <= 1/2 of Kamailio", _verdict_half(g, k, tr)))
    for share in ("50", "90"):
        for what, key in (("INVITE->180", "180"), ("INVITE->200", "200")):
            kc = _pair(k, kwhy, "udp", f"lat{share}", f"p50_{key}", f"p99_{key}", nd=2)
            gc = _pair(g, gwhy, "udp", f"lat{share}", f"p50_{key}", f"p99_{key}", nd=2)
            krate = _get(k, "udp", f"lat{share}", "rate")
            grate = _get(g, "udp", f"lat{share}", "rate")
            out.append((f"{what} p50 / p99 (ms) at {share} % of capacity "
                        f"(Kamailio {krate or '-'} cps, gateway {grate or '-'} cps)", "UDP",
                        kc, gc, "-", "-"))
    for n in results.get("held_points", []):
        out.append((f"memory per held call at {n:,} held calls (jemalloc allocated / RSS slope)",
                    "UDP", "-",
                    _pair(g, gwhy, "held", str(n), "alloc_per_call", "rss_per_call", unit=" B"),
                    "<= 4096 B", _verdict_le(g, 4096, "held", str(n), "alloc_per_call")))
    for mult in results.get("overload_multiples", []):
        m = str(mult)
        out.append((f"overload {mult}x capacity for {p['ovl_seconds']} s: offered rate reached "
                     f"(asked {lib.fmt(_get(g, 'overload', m, 'asked_cps'), ' cps')})", "UDP", "-",
                     _cell(g, gwhy, "overload", m, "offered_cps", unit=" cps"), "-", "-"))
        busy = _get(g, "overload", m, "core_busy") or {}
        if busy:
            out.append((f"overload {mult}x: cores busy, gateway (core 1) / SIPp and pstn-sim (core 0)",
                        "UDP", "-", f"{_pct(busy, 1)} / {_pct(busy, 0)}", "-", "-"))
        failed = _get(g, "overload", m, "failed")
        if failed is not None:
            out.append((f"overload {mult}x: calls SIPp counted failed (timeouts, its own losses)",
                        "UDP", "-", lib.fmt(failed), "-", "-"))
        out.append((f"overload {mult}x: goodput (answered calls/s)",
                    "UDP", "-", _cell(g, gwhy, "overload", m, "goodput", unit=" cps"),
                    ">= 95 % of capacity" if mult == 10 else "-",
                    _verdict_goodput(g, m) if mult == 10 else "-"))
        none = _get(g, "overload", m, "refused") == 0
        out.append((f"overload {mult}x: refusal latency p50 / p99 (ms)", "UDP", "-",
                    NO_REFUSAL if none else
                    _pair(g, gwhy, "overload", m, "refusal_p50", "refusal_p99", nd=2), "-", "-"))
        out.append((f"overload {mult}x: memory high-water (RSS)", "UDP", "-",
                    _cell(g, gwhy, "overload", m, "high_rss_mib", nd=1, unit=" MiB"),
                    "under the budget" if mult == 10 else "-",
                    _verdict_budget(g, m) if mult == 10 else "-"))
        out.append((f"overload {mult}x: emergency calls completed (1 % of the offered load)",
                    "UDP", "-", _emerg(g, gwhy, m), "all" if mult == 10 else "-",
                    _verdict_emerg(g, m) if mult == 10 else "-"))
    if results.get("overload_multiples"):
        out.append((f"CPU per refusal, every ordinary call refused (rate global 1) at the "
                    f"{max(results['overload_multiples'])}x offered rate "
                    f"({lib.fmt(_get(g, 'refusal', 'rate'), ' cps')})", "UDP", "-",
                    _cell(g, gwhy, "refusal", "cpu_us_per_refusal", nd=1, unit=" us"),
                    "< 10 % of CPU per call", _verdict_refusal(g)))
        out.append(("`show admission` round trip p50 / p99 (ms) over telnet during the 10x run",
                    "TCP", "-", _pair(g, gwhy, "vty", None, "p50", "p99", nd=2), "p99 < 50 ms",
                    _verdict_le(g, 50, "vty", "p99")))
    return out


def _pair(res, why, a, b, k1, k2, nd=0, unit=""):
    base = [a] + ([b] if b is not None else [])
    x = _cell(res, why, *base, k1, nd=nd, unit=unit)
    y = _cell(res, why, *base, k2, nd=nd, unit=unit)
    return x if x.startswith("not measured") else f"{x} / {y}"


def _emerg(g, why, m):
    if g is None:
        return "not measured"
    done = _get(g, "overload", m, "emergency_completed")
    sent = _get(g, "overload", m, "emergency_offered")
    if done is None or sent is None:
        return "not measured (no passing run)"
    return f"{done:,} of {sent:,}"


def _verdict_gt(g, k, tr):
    a, b = _get(g, tr, "capacity", "median"), _get(k, tr, "capacity", "median")
    return "-" if a is None or b is None else ("met" if a > b else "not met")


def _verdict_half(g, k, tr):
    a, b = _get(g, tr, "cpu", "median"), _get(k, tr, "cpu", "median")
    return "-" if a is None or b is None else (f"{'met' if a <= b / 2 else 'not met'} "
                                               f"(ratio {a / b:.2f})")


def _verdict_le(g, limit, *path):
    v = _get(g, *path)
    return "-" if v is None else ("met" if v <= limit else "not met")


def _verdict_goodput(g, m):
    v, cap = _get(g, "overload", m, "goodput"), _get(g, "udp", "capacity", "median")
    return "-" if v is None or not cap else ("met" if v >= 0.95 * cap else "not met")


def _verdict_refusal(g):
    v, c = _get(g, "refusal", "cpu_us_per_refusal"), _get(g, "udp", "cpu", "median")
    return "-" if v is None or not c else ("met" if v < 0.1 * c else "not met")


def _verdict_budget(g, m):
    v, b = _get(g, "overload", m, "high_alloc_mib"), _get(g, "overload", m, "budget_mib")
    return "-" if v is None or b is None else ("met" if v <= b else "not met")


def _verdict_emerg(g, m):
    d, s = _get(g, "overload", m, "emergency_completed"), _get(g, "overload", m, "emergency_offered")
    return "-" if d is None or not s else ("met" if d == s else "not met")


def table(results):
    lines = ["| measurement | transport | Kamailio (anchor) | gateway | target | verdict |",
             "|---|---|---|---|---|---|"]
    for r in rows(results):
        lines.append("| " + " | ".join(str(c).replace("|", "/") for c in r) + " |")
    for side in ("kamailio", "gateway"):
        if results.get(f"{side}_why"):
            lines.append(f"\nNot measured, {side}: {results[side + '_why']}.")
    g = results.get("gateway") or {}
    for phase in ("held", "overload"):
        if g.get(f"{phase}_why"):
            lines.append(f"\nNot measured, gateway {phase}: {g[phase + '_why']}.")
    return "\n".join(lines)


def _tidy(cmd, results):
    """A command line without this run's scratch directory and this checkout's path."""
    cmd = cmd.replace(results.get("out", "\0"), "$OUT").replace(lib.TOP + "/", "")
    return re.sub(r"\$OUT/(kamailio|gateway)/(run-|gw-)\d+", r"$OUT/\1/\2N", cmd)


def block(results):
    h = results["host"]
    return "\n".join([
        BEGIN, "",
        f"Run {results['date']} on {h['cpus']} cores ({h['cpu_model']}), kernel {h['kernel']}, "
        f"{results['tools']}; load average before/after {h['load_before']} / {h['load_after']}; "
        f"{results['params']['runs']} runs per figure, medians shown; "
        f"run-all took {results['wall_s']:.0f} s.", "",
        f"Command: `{results['command']}`", "",
        table(results), "",
        f"Kamailio: `{_tidy(results.get('kamailio_command', '-'), results)}`", "",
        f"Gateway: `{_tidy(results.get('gateway_command', '-'), results)}`", "",
        END])


def write_docs(path, results):
    """Replace the block between the markers of path (appended when the markers are missing)."""
    with open(path) as f:
        text = f.read()
    new = block(results)
    if BEGIN in text and END in text:
        text = re.sub(re.escape(BEGIN) + r".*?" + re.escape(END), lambda _: new, text, flags=re.S)
    else:
        text = text.rstrip("\n") + "\n\n" + new + "\n"
    with open(path, "w") as f:
        f.write(text)
