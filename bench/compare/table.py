#!/usr/bin/env python3
"""Prints bench/compare/run.sh's results as one markdown table with keel/etcd ratios.

  table.py OUT_DIR   (reads OUT_DIR/results.jsonl, syncs.jsonl and machine.txt)

Each cell is the median over the repetitions; "spread" is the lowest and highest throughput.
CPU is utime+stime summed over the three members, per successful request.
"""
import json
import pathlib
import statistics
import sys


def load(path):
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def summarize(rows):
    tput = [r["bench"]["throughput"] for r in rows]
    ok = [r["bench"]["succeeded"] for r in rows]
    return {
        "tput": statistics.median(tput),
        "lo": min(tput),
        "hi": max(tput),
        "p50": statistics.median(r["bench"]["latency"]["p50_ms"] for r in rows),
        "p99": statistics.median(r["bench"]["latency"]["p99_ms"] for r in rows),
        "cpu_us": statistics.median(
            1e6 * r["cpu_seconds"] / max(1, r["bench"]["succeeded"]) for r in rows),
        "rss_mib": max(r["rss_kib"] for r in rows) / 1024,
        "failed": sum(r["bench"]["failed"] for r in rows),
        "reps": len(rows),
        "ok": sum(ok),
    }


def ratio(a, b):
    return f"{a / b:.2f}" if b else "-"


def main():
    out = pathlib.Path(sys.argv[1])
    rows = load(out / "results.jsonl")
    workloads = list(dict.fromkeys(r["workload"] for r in rows))
    cells = {}
    for w in workloads:
        for system in ("etcd", "keel"):
            mine = [r for r in rows if r["workload"] == w and r["system"] == system]
            if mine:
                cells[(w, system)] = summarize(mine)
    print("| workload | system | req/s (median) | spread | p50 ms | p99 ms | CPU µs/req "
          "| peak RSS MiB | failed |")
    print("|---|---|---:|---|---:|---:|---:|---:|---:|")
    for w in workloads:
        for system in ("etcd", "keel"):
            c = cells.get((w, system))
            if c:
                print(f"| {w} | {system} | {c['tput']:,.0f} | {c['lo']:,.0f}–{c['hi']:,.0f} "
                      f"| {c['p50']:.2f} | {c['p99']:.2f} | {c['cpu_us']:.0f} "
                      f"| {c['rss_mib']:.0f} | {c['failed']} |")
    print()
    print("| workload | throughput keel/etcd | p50 keel/etcd | p99 keel/etcd "
          "| CPU per req keel/etcd | peak RSS keel/etcd |")
    print("|---|---:|---:|---:|---:|---:|")
    for w in workloads:
        e, k = cells.get((w, "etcd")), cells.get((w, "keel"))
        if e and k:
            print(f"| {w} | {ratio(k['tput'], e['tput'])} | {ratio(k['p50'], e['p50'])} "
                  f"| {ratio(k['p99'], e['p99'])} | {ratio(k['cpu_us'], e['cpu_us'])} "
                  f"| {ratio(k['rss_mib'], e['rss_mib'])} |")
    watch = [r for r in rows if "watch" in r["bench"]]
    if watch:
        print()
        print("| watch workload | system | events/s (median) | delivered/expected "
              "| delivery p50 ms | delivery p99 ms |")
        print("|---|---|---:|---:|---:|---:|")
        for w in dict.fromkeys(r["workload"] for r in watch):
            for system in ("etcd", "keel"):
                mine = [r["bench"]["watch"] for r in watch
                        if r["workload"] == w and r["system"] == system]
                if mine:
                    got = sum(m["events"] for m in mine)
                    want = sum(m["events_expected"] for m in mine)
                    print(f"| {w} | {system} "
                          f"| {statistics.median(m['events_per_second'] for m in mine):,.0f} "
                          f"| {got}/{want} "
                          f"| {statistics.median(m['delivery']['p50_ms'] for m in mine):.2f} "
                          f"| {statistics.median(m['delivery']['p99_ms'] for m in mine):.2f} |")
    syncs = load(out / "syncs.jsonl")
    if syncs:
        print()
        for s in syncs:
            per = s["syncs"] / s["puts"] if s["puts"] else 0
            print(f"- {s['system']}: one member made {s['syncs']} fdatasync/fsync calls "
                  f"during {s['puts']} puts ({per:.2f} per put)")
    machine = out / "machine.txt"
    if machine.exists():
        print()
        print("```")
        print(machine.read_text().rstrip())
        print("```")


if __name__ == "__main__":
    main()
