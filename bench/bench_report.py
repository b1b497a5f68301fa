"""The benchmark report: the Markdown tables and targets rendered from a run's results (the
dict run_bench.Suite.run returns, or its JSON), the rows missing a figure, the machine
description, and the generated block of docs/performance.md."""
import statistics
import datetime
import os
import platform
import subprocess

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def num(v, digits=0):
    if v is None or v != v:
        return "—"
    if isinstance(v, (int, float)) and abs(v) >= 1000 and digits == 0:
        return f"{v:,.0f}"
    return f"{v:,.{digits}f}"


def ratio(a, b):
    try:
        return a / b if a and b else None
    except TypeError:
        return None


def find_row(res, batch, adapters, order):
    for r in res["ingest"]:
        if (r["batch"], r["adapters"], r["order"]) == (batch, adapters, order):
            return r
    return None


def mib(kib):
    return kib / 1024 if kib else None


def report(res, suite):
    lines = ingest_tables(res) + query_table(res) + subscribe_table(res) + flood_table(res) + alternatives_table(res) + \
        scrape_memory_table(res, suite) + scale_table(res)
    lines += targets(res, suite)
    if res["errors"]:
        lines.append("\nSteps that failed: " + "; ".join(res["errors"]))
    return "\n".join(lines) + "\n"


def ingest_tables(res):
    """The ingest matrix against the ceiling, and ack latency at a fixed offered load."""
    lines = []
    add = lines.append
    add("### Ingest, end to end and durable (kpihubd) against the ceiling pipeline\n")
    add("| batch | adapters | keys | kpihub obs/s | kpihub batches/s | ack p50 ms | ack p99 ms "
        "| ceiling obs/s | ceiling p50 ms | kpihub / ceiling | CPU µs/obs kpihub / ceiling |")
    add("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in res["ingest"]:
        k, c = r["kpihub"], r["ceiling"]
        add(f"| {r['batch']} | {r['adapters']} | {r['order']} | {num(k.get('obs_per_s'))} | "
            f"{num(k.get('batches_per_s'))} | {num(k.get('p50_ms'), 2)} | {num(k.get('p99_ms'), 2)} | "
            f"{num(c.get('obs_per_s'))} | {num(c.get('p50_ms'), 2)} | {num(ratio(k.get('obs_per_s'), c.get('obs_per_s')), 2)} | "
            f"{num(k.get('cpu_us_per_obs'), 1)} / {num(c.get('cpu_us_per_obs'), 1)} |")
    if res.get("fixed_load"):
        add("\n### Ack latency at a fixed offered load (100-observation batches, 4 adapters)\n")
        add("Offered at half the batch rate kpihubd reached above with a full window, each batch sent "
            "at its due time; latency counts from that time (a sender falling behind shows as latency).\n")
        add("| keys | offered batches/s | kpihub obs/s | kpihub ack p50 / p99 ms | ceiling ack p50 / p99 ms |")
        add("|---|---:|---:|---:|---:|")
        for f in res["fixed_load"]:
            k, c = f.get("kpihub", {}), f.get("ceiling", {})
            add(f"| {f['order']} | {num(f.get('rate'))} | {num(k.get('obs_per_s'))} | "
                f"{num(k.get('p50_ms'), 2)} / {num(k.get('p99_ms'), 2)} | "
                f"{num(c.get('p50_ms'), 2)} / {num(c.get('p99_ms'), 2)} |")
    return lines


FLOOD_ROWS = (("wrong_key", "libzmq clients, wrong server key"),
              ("outside_allowlist", "libzmq clients from outside ingest_allow_from"),
              ("raw_wrong_key", "raw HELLO replay (attacker does no Curve work)"),
              ("raw_outside_allowlist", "raw HELLO replay from outside ingest_allow_from"))


def flood_table(res):
    """The adapter's throughput with and without a HELLO flood, and what the flood costs."""
    f = res.get("flood")
    if not f:
        return []
    lines = [f"\n### HELLO flood: one adapter (batches of 10, one in flight) against "
             f"{num(f.get('wrong_key', {}).get('clients'))} clients without credentials\n",
             f"Daemon and adapter on CPU {f['cpus'][0]}, the flood on CPU {f['cpus'][1]}; medians of "
             "alternating quiet and flooded windows (each pair's ratio in brackets).\n",
             "| flood | quiet batches/s | flooded batches/s | flooded / quiet | after | refused handshakes/s "
             "| daemon CPU µs per refused handshake | daemon CPU, quiet → flooded | raw flood's connections/s |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for key, label in FLOOD_ROWS:
        r = f.get(key)
        if not r:
            continue
        if r.get("error"):
            lines.append(f"| {label} | {r['error']} ||||||||")
            continue
        pairs = ", ".join(num(x, 2) for x in r.get("ratios", []))
        lines.append(f"| {label} | {num(r.get('quiet'))} | {num(r.get('flooded'))} | {num(r.get('ratio'), 2)} "
                     f"({pairs}) | {num(r.get('after'))} | {num(r.get('refused_per_s'))} | "
                     f"{num(r.get('cpu_us_per_refused'))} | {num(100 * (r.get('daemon_cpu_share_quiet') or 0))} % → "
                     f"{num(100 * (r.get('daemon_cpu_share_flooded') or 0))} % | {num(r.get('attempts_per_s'))} |")
    return lines


def alternatives_table(res):
    """kpihubd against the Pushgateway and PostgreSQL, same figures, same key order."""
    lines = []
    add = lines.append
    alt = res["alt"]
    main = find_row(res, 100, 4, "scattered") or {"kpihub": {}}
    main_c = find_row(res, 100, 4, "clustered") or {"kpihub": {}}
    push, pgs, pgc = alt.get("pushgateway", {}), alt.get("postgres-scattered", {}), alt.get("postgres-clustered", {})
    push_best = alt.get("pushgateway-nocheck", {})
    add("\n### The alternatives (100-observation batches, 4 adapters, same figures)\n")
    add("| system | kpihub keys | obs/s | p50 ms | p99 ms | server CPU µs/obs | kpihub obs/s | kpihub / system |")
    add("|---|---|---:|---:|---:|---:|---:|---:|")
    for name, r, ref in (("Pushgateway, default (in memory, no durable ack)", push, main),
                         ("Pushgateway, default", push, main_c),
                         ("Pushgateway, consistency check off", push_best, main),
                         ("Pushgateway, consistency check off", push_best, main_c),
                         ("PostgreSQL upsert, synchronous commit", pgs, main),
                         ("PostgreSQL upsert, synchronous commit", pgc, main_c)):
        keys = "scattered" if ref is main else "clustered"
        add(f"| {name} | {keys} | {num(r.get('obs_per_s'))} | {num(r.get('p50_ms'), 2)} | "
            f"{num(r.get('p99_ms'), 2)} | {num(r.get('cpu_us_per_obs'), 1)} | {num(ref['kpihub'].get('obs_per_s'))} | "
            f"{num(ratio(ref['kpihub'].get('obs_per_s'), r.get('obs_per_s')), 1)} |")
    add("\nPostgreSQL rows use the same key order as the kpihub row beside them; the Pushgateway's "
        "rate does not depend on key order (it is measured once, with scattered keys).")
    kq = alt.get("postgres-kpi", {})
    if kq:
        add(f"\nPostgreSQL KPI query over its {num(pgs.get('observations', 0) + pgc.get('observations', 0))} rows: "
            f"{num((kq.get('seconds') or 0) * 1000, 1)} ms for {kq.get('rows', '—')} rows "
            "(kpihub keeps the cells up to date at commit; its scrape is in the next table).")
    return lines


def query_table(res):
    """The exchange: one large query read whole (kpihub-query-bench)."""
    q = res.get("query", {})
    runs = ", ".join(num(x, 3) for x in q.get("seconds", [])) or "—"
    return ["\n### The exchange: one query read whole\n",
            "| rows | pages | median s | runs (s) |",
            "|---:|---:|---:|---|",
            f"| {num(q.get('rows'))} | {num(q.get('pages'))} | {num(q.get('median_s'), 3)} | {runs} |"]


def subscribe_table(res):
    """The exchange's subscriptions: ingest with and without subscribers, change latency."""
    sub = res.get("subscribe", {})
    lat = sub.get("latency", {})
    runs = lambda side: ", ".join(num(x) for x in sub.get(side, []) if x) or "—"
    offered = sub.get("offered", {})
    return ["\n### The exchange: subscribers\n",
            f"Daemon on CPU {sub.get('cpus', ['—'])[0]}; the adapters (100 x 4, scattered) and "
            f"{num(sub.get('readers'))} subscribers (each its own reading key and connection, enterprise "
            "level, one credit back per message) on the other.\n",
            "| | ingest obs/s (runs) | median |",
            "|---|---|---:|",
            f"| without subscribers | {runs('without')} | {num(statistics.median([x for x in sub.get('without', []) if x]) if any(sub.get('without', [])) else None)} |",
            f"| with {num(sub.get('readers'))} subscribers | {runs('with')} | {num(statistics.median([x for x in sub.get('with', []) if x]) if any(sub.get('with', [])) else None)} |",
            f"\nWith / without: **{num(sub.get('ratio'), 2)}**. At {num(offered.get('batches_per_s'))} offered "
            f"batches of 100 per second, {num(lat.get('rows'))} changed rows reached the subscribers, "
            f"{num(lat.get('p50_ms'))} ms after the daemon received their batch at the median, "
            f"{num(lat.get('p99_ms'))} ms at p99, {num(lat.get('max_ms'))} ms at most."]


def scrape_memory_table(res, suite):
    """/metrics time and size, RSS idle and under load, start-up time by stored size."""
    lines = []
    add = lines.append
    main = find_row(res, 100, 4, "scattered") or {"kpihub": {}}
    sc = res["scrape"]
    add("\n### Scrape, memory, start-up\n")
    add("| figure | value |")
    add("|---|---:|")
    demo, ent = sc.get("demo", {}), sc.get("enterprises", {})
    add(f"| /metrics, demo state: median / max ms | {num(demo.get('median_ms'), 2)} / {num(demo.get('max_ms'), 2)} |")
    add(f"| /metrics, demo state: bytes | {num(demo.get('bytes'))} |")
    add(f"| /metrics, {num(ent.get('observations'))} stored observations ({suite.plan['enterprises']:,} enterprises × 4 years): median / max ms "
        f"| {num(ent.get('median_ms'), 2)} / {num(ent.get('max_ms'), 2)} |")
    add(f"| /metrics, same state: bytes | {num(ent.get('bytes'))} |")
    rss = res["rss"]
    add(f"| RSS idle, demo state: total / heap (RssAnon) MiB | {num(mib(rss.get('demo_idle', {}).get('VmRSS')), 1)} / {num(mib(rss.get('demo_idle', {}).get('RssAnon')), 1)} |")
    ml = main.get("rss_load", {})
    add(f"| RSS under load (100 × 4 scattered): total / heap MiB | {num(mib(ml.get('VmRSS')), 1)} / {num(mib(ml.get('RssAnon')), 1)} |")
    ma = main.get("rss_after", {})
    add(f"| RSS after that load: total / heap MiB | {num(mib(ma.get('VmRSS')), 1)} / {num(mib(ma.get('RssAnon')), 1)} |")
    for s in res["scale"]:
        add(f"| start-up to ready, {num(s['stored'])} stored observations ({num(s['data_bytes'] / 2**20)} MiB data.mdb): s "
            f"| {num(s['startup_s'], 3)} |")
    return lines


def scale_table(res):
    """Ingest rate and cost per observation on top of ever more stored observations."""
    lines = []
    add = lines.append
    main = find_row(res, 100, 4, "scattered") or {"kpihub": {}}
    add("\n### Scale: 100-observation batches, 4 adapters, on top of stored observations (seeded in key order)\n")
    add("| stored | keys | obs/s | ack p50 ms | ack p99 ms | wall µs per obs | vs. empty store | daemon CPU µs per obs | heap under load MiB | RSS incl. page cache MiB |")
    add("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    main_c = find_row(res, 100, 4, "clustered") or {"kpihub": {}}
    rows = [{"stored": 0, "ingest": main["kpihub"], "clustered": main_c["kpihub"],
             "rss_load": main.get("rss_load", {})}] + res["scale"]
    for order, field in (("scattered", "ingest"), ("clustered", "clustered")):
        base = rows[0][field].get("obs_per_s")
        for s in rows:
            r = s.get(field, {})
            ops = r.get("obs_per_s")
            add(f"| {num(s['stored'])} | {order} | {num(ops)} | {num(r.get('p50_ms'), 2)} | {num(r.get('p99_ms'), 2)} | "
                f"{num(1e6 / ops if ops else None, 2)} | {num(ratio(base, ops), 2)}× cost | {num(r.get('cpu_us_per_obs'), 1)} | "
                f"{num(mib(s['rss_load'].get('RssAnon')), 1)} | {num(mib(s['rss_load'].get('VmRSS')), 1)} |")
    return lines


def ingest_target_rows(res):
    """The durable-ingest targets, for scattered and clustered keys."""
    alt = res["alt"]
    rows = []
    for order in ("scattered", "clustered"):
        main = find_row(res, 100, 4, order) or {"kpihub": {}, "ceiling": {}}
        k = main["kpihub"].get("obs_per_s")
        share = ratio(k, main["ceiling"].get("obs_per_s"))
        push = ratio(k, alt.get("pushgateway", {}).get("obs_per_s"))
        pg = ratio(k, alt.get(f"postgres-{order}", {}).get("obs_per_s"))
        rows += [
            (f"durable ingest, 100-obs batches, 4 adapters, {order} keys", f"{num(k)} obs/s", "≥ 1,000,000 obs/s",
             bool(k and k >= 1e6)),
            (f"… as a share of the ceiling, same run ({order})", num(share, 2), "≥ 0.6", (share or 0) >= 0.6),
            (f"… against Pushgateway's sample rate ({order} keys for kpihub)", num(push, 1) + "×", "≥ 50×", (push or 0) >= 50),
            (f"… against PostgreSQL's upsert rate, same keys ({order})", num(pg, 1) + "×", "≥ 5×", (pg or 0) >= 5),
        ]
    return rows


def targets(res, suite):
    single = [r for r in res["ingest"] if r["batch"] == 1]
    best_single = max((r["kpihub"].get("batches_per_s") or 0 for r in single), default=None)
    scale = {s["stored"]: s for s in res["scale"]}
    big = max(scale) if scale else None
    small = min(scale) if scale else None
    # The targets are judged from 1 to 10 million stored; a --long run's 50 million is shown
    # beside them, for information.
    ten = min(scale, key=lambda n: abs(n - 10_000_000)) if scale else None
    heap = [mib(r.get("rss_load", {}).get("RssAnon")) for r in res["ingest"]] + \
           [mib(s["rss_load"].get("RssAnon")) for s in res["scale"]]
    heap = max((h for h in heap if h), default=None)
    def growth_to(stored, field):
        return ratio(scale[small][field].get("obs_per_s"), scale[stored][field].get("obs_per_s")) if scale else None
    rows = ingest_target_rows(res)
    flood = res.get("flood", {}).get("wrong_key", {}).get("ratio")
    rows += [
        ("adapter throughput under a 1,000-client HELLO flood, share of quiet", num(flood, 2), "≥ 0.5",
         (flood or 0) >= 0.5),
        ("single-observation batches (best of 1 and 4 adapters)", f"{num(best_single)} batches/s", "≥ 20,000/s",
         (best_single or 0) >= 20000),
        (f"exchange query of {num(res.get('query', {}).get('rows'))} rows, median",
         f"{num(res.get('query', {}).get('median_s'), 3)} s", "< 1 s",
         (res.get("query", {}).get("median_s") or 1e9) < 1),
        (f"ingest with {num(res.get('subscribe', {}).get('readers'))} subscribers, share of without",
         num(res.get("subscribe", {}).get("ratio"), 2), "≥ 0.8",
         (res.get("subscribe", {}).get("ratio") or 0) >= 0.8),
        (f"change to {num(res.get('subscribe', {}).get('readers'))} subscribers, p99",
         f"{num(res.get('subscribe', {}).get('latency', {}).get('p99_ms'))} ms", "< 100 ms",
         0 <= (res.get("subscribe", {}).get("latency", {}).get("p99_ms") if res.get("subscribe", {}).get("latency", {}).get("p99_ms") is not None else 1e9) < 100),
        ("/metrics, demo state, median", f"{num(res['scrape'].get('demo', {}).get('median_ms'), 2)} ms", "< 10 ms",
         (res["scrape"].get("demo", {}).get("median_ms") or 1e9) < 10),
        (f"start-up to ready, {num(ten)} stored", f"{num(scale[ten]['startup_s'], 3) if ten else '—'} s", "< 1 s",
         ten is not None and scale[ten]["startup_s"] < 1),
        ("heap RSS (outside LMDB's page cache), any run", f"{num(heap, 1)} MiB", "< 100 MB",
         heap is not None and heap * 1.048576 < 100),
    ]
    for order, field in (("scattered", "ingest"), ("clustered", "clustered")):
        g = growth_to(ten, field)
        rows.append((f"cost per observation, {num(small)} → {num(ten)} stored ({order})", f"{num(g, 2)}×",
                     "≤ 1.5×", g is not None and g <= 1.5))
    out_info = []
    if big is not None and big != ten:
        out_info.append(f"\nBeyond the targets (long run): start-up with {num(big)} stored "
                        f"{num(scale[big]['startup_s'], 3)} s; cost per observation {num(small)} → {num(big)} "
                        f"stored {num(growth_to(big, 'ingest'), 2)}× scattered, "
                        f"{num(growth_to(big, 'clustered'), 2)}× clustered.")
    out = ["\n### Targets\n", "| target | measured | wanted | met |", "|---|---:|---:|:---:|"]
    for name, got, want, ok in rows:
        out.append(f"| {name} | {got} | {want} | {'yes' if ok else '**no**'} |")
    out += out_info
    if suite.mode == "smoke":
        out.append("\n(Smoke mode: tiny runs that check every row produces a figure; not a measurement.)")
    return out


def missing_figures(res):
    """Rows without a figure: the smoke test fails on any."""
    missing = list(res["errors"])
    for r in res["ingest"]:
        for side in ("kpihub", "ceiling"):
            d = r[side]
            if d.get("error") or not d.get("obs_per_s") or d.get("p99_ms") is None or d.get("rejected"):
                missing.append(f"ingest {r['batch']}x{r['adapters']} {r['order']} {side}: {d}")
    for f in res.get("fixed_load", []):
        for side in ("kpihub", "ceiling"):
            d = f.get(side, {})
            if f.get("error") or d.get("error") or d.get("p99_ms") is None:
                missing.append(f"fixed load {f['order']} {side}: {f.get('error') or d}")
    if not res.get("fixed_load"):
        missing.append("fixed load: no rows")
    for key, _ in FLOOD_ROWS:
        d = res.get("flood", {}).get(key, {})
        if d.get("error") or not d.get("quiet") or not d.get("flooded"):
            missing.append(f"hello flood {key}: {d}")
    if not res.get("flood", {}).get("wrong_key", {}).get("refused_per_s"):
        missing.append("hello flood wrong_key: no refused handshake counted")
    for name, d in res["alt"].items():
        if d.get("error") and "not installed" not in d["error"]:
            missing.append(f"{name}: {d['error']}")
        elif name != "postgres-kpi" and not d.get("error") and not d.get("obs_per_s"):
            missing.append(f"{name}: no figure")
    q = res.get("query", {})
    if q.get("error") or not q.get("median_s"):
        missing.append(f"exchange query: {q}")
    sub = res.get("subscribe", {})
    if not sub.get("ratio") or not sub.get("latency", {}).get("rows") or sub.get("latency", {}).get("ended"):
        missing.append(f"subscriptions: {sub}")
    for name in ("demo", "enterprises"):
        d = res["scrape"].get(name, {})
        if d.get("error") or not d.get("bytes"):
            missing.append(f"scrape {name}: {d}")
    for s in res["scale"]:
        for field in ("ingest", "clustered"):
            if s[field].get("error") or not s[field].get("obs_per_s"):
                missing.append(f"scale {s['stored']} {field}: {s[field]}")
    if not res["scale"]:
        missing.append("scale: no rows")
    return missing


def machine(suite):
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem = int(f.readline().split()[1]) / 2**20
    fs = subprocess.run(["df", "-T", suite.args.work_dir or suite.bin], capture_output=True, text=True).stdout.splitlines()[-1].split()[1]
    commit = subprocess.run(["git", "-C", REPO, "describe", "--always", "--dirty"], capture_output=True, text=True).stdout.strip()
    return (f"- {os.cpu_count()} × {cpu}, {mem:.0f} GiB RAM, {platform.system()} {platform.release()}, "
            f"state on {fs}\n- load average (1, 5, 15 min) before the run: "
            f"{', '.join(f'{x:.2f}' for x in suite.load_before)}; after: "
            f"{', '.join(f'{x:.2f}' for x in suite.load_after)}\n"
            f"- {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC, commit {commit}, mode {suite.mode}"
            f"{' + long' if suite.args.long else ''}")


# The generated block of docs/performance.md; everything outside it is written by hand.
RESULTS_BEGIN = "<!-- results: written by bench/run_bench.py, do not edit by hand -->"
RESULTS_END = "<!-- end of results -->"


def read_doc(path):
    """The document's text; exits if it has no results block to replace."""
    with open(path) as f:
        doc = f.read()
    if RESULTS_BEGIN not in doc or RESULTS_END not in doc:
        raise SystemExit(f"{path}: no results block ({RESULTS_BEGIN} ... {RESULTS_END})")
    return doc


def write_doc(path, table, suite, machine_text=None):
    """Replaces the results block of the document at `path` with this run's report."""
    doc = read_doc(path)
    head, rest = doc.split(RESULTS_BEGIN, 1)
    tail = rest.split(RESULTS_END, 1)[1]
    block = ("Machine:\n\n" + (machine_text or machine(suite)) + "\n\n" + table.rstrip() + "\n")
    with open(path, "w") as f:
        f.write(head + RESULTS_BEGIN + "\n\n" + block + "\n" + RESULTS_END + tail)
