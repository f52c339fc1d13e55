#!/usr/bin/env bash
# Side-by-side: the same keel-bench workloads against a three-member etcd and a three-member
# keeld on loopback, back to back, with each server's CPU time and peak memory. Prints one table
# with keel/etcd ratios (bench/compare/table.py). Not a test: see docs/benchmarks.md.
#
#   bench/compare/run.sh [--reps N] [--quick] [--out DIR] [--no-build] [--only etcd|keel]
#                        [--workloads put-1c,put-100c,...] [--no-sync-check]
#
# Equivalent settings: fsync on for both (etcd always syncs its WAL; keeld syncs every Ready
# with entries), 100 ms heartbeat and 1 s election timeout, etcd's --snapshot-count=100000 (its
# 3.4 default); keeld has no snapshots yet, so its WAL keeps every entry (at most one run's worth).
# Everything this script starts is stopped by PID (SIGTERM, then SIGKILL) on exit.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
reps=3
quick=0
build=1
only=""
selected=""
sync_check=1
out="$root/build/compare-$(date -u +%Y%m%dT%H%M%SZ)"
while [ $# -gt 0 ]; do
    case "$1" in
        --reps) reps=$2; shift 2 ;;
        --quick) quick=1; shift ;;
        --out) out=$2; shift 2 ;;
        --no-build) build=0; shift ;;
        --only) only=$2; shift 2 ;;
        --workloads) selected=$2; shift 2 ;;
        --no-sync-check) sync_check=0; shift ;;
        *) echo "usage: $0 [--reps N] [--quick] [--out DIR] [--no-build] [--only etcd|keel]" \
                "[--workloads NAME,...] [--no-sync-check]" >&2
           exit 2 ;;
    esac
done

"$root/scripts/setup.sh"
if [ "$build" = 1 ]; then
    cmake -S "$root" -B "$root/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    nice ninja -C "$root/build" -j2 keeld keel-bench
fi
keeld="${KEELD:-$root/build/tools/keeld/keeld}"  # KEELD=path compares another build
bench="$root/build/tools/keel-bench/keel-bench"
mkdir -p "$out"
results="$out/results.jsonl"
: > "$results"

# Seconds per workload; --quick is for trying the script, not for numbers.
if [ "$quick" = 1 ]; then d_short=1; d_long=2; else d_short=5; d_long=8; fi

# name clients conns seconds keel-bench-arguments
workloads=(
    "put-1c 1 1 $d_short put"
    "put-100c 100 10 $d_long put"
    "put-1000c 1000 100 $d_long put"
    "range-lin-100c 100 10 $d_short range --consistency=l"
    "range-ser-100c 100 10 $d_short range --consistency=s"
    "txn-cas-100c 100 10 $d_short txn"
    "watch-100w 10 10 $d_short watch --watchers=100 --rate=500"
)
if [ -n "$selected" ]; then  # keep only the named rows, in the table's order
    kept=()
    for w in "${workloads[@]}"; do
        case ",$selected," in *",${w%% *},"*) kept+=("$w") ;; esac
    done
    workloads=("${kept[@]}")
fi
common=(--key-size=8 --val-size=256 --key-space=100000 --key-order=random --threads=2 --json)

pids=()
stop_all() {
    for pid in "${pids[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        for _ in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    pids=()
}
trap stop_all EXIT

# Ports below the ephemeral range, so tests that pick free ports cannot take them.
start_cluster() {  # system -> fills pids and endpoints
    local system=$1 base data cluster="" i
    if [ "$system" = etcd ]; then base=23379; else base=24379; fi
    data="$out/data-$system"
    rm -rf "$data"
    mkdir -p "$data"
    endpoints=""
    for i in 1 2 3; do
        cluster+="${cluster:+,}m$i=http://127.0.0.1:$((base + 10 * i + 1))"
        endpoints+="${endpoints:+,}127.0.0.1:$((base + 10 * i))"
    done
    for i in 1 2 3; do
        local client="http://127.0.0.1:$((base + 10 * i))" peer="http://127.0.0.1:$((base + 10 * i + 1))"
        if [ "$system" = etcd ]; then
            etcd --name "m$i" --data-dir "$data/m$i" \
                --listen-client-urls "$client" --advertise-client-urls "$client" \
                --listen-peer-urls "$peer" --initial-advertise-peer-urls "$peer" \
                --initial-cluster "$cluster" --initial-cluster-state new \
                --initial-cluster-token keel-compare --snapshot-count 100000 \
                --heartbeat-interval 100 --election-timeout 1000 \
                --logger zap --log-level warn >"$data/m$i.log" 2>&1 &
        else
            "$keeld" --name "m$i" --data-dir "$data/m$i" \
                --listen-client-urls "$client" --listen-peer-urls "$peer" \
                --initial-cluster "$cluster" --tick-ms 100 --election-ticks 10 \
                --log-level warn >"$data/m$i.log" 2>&1 &
        fi
        pids+=($!)
    done
    for _ in $(seq 100); do
        if "$bench" put --endpoints="$endpoints" --total=1 --key-size=8 --key-space=1 \
               --json >/dev/null 2>&1; then
            return 0
        fi
        sleep 0.2
    done
    echo "compare: $system did not elect a leader; logs in $data" >&2
    exit 1
}

cpu_ticks() {  # sum of utime+stime over the cluster's members
    local total=0 pid
    for pid in "${pids[@]}"; do
        total=$(( total + $(awk '{print $14 + $15}' "/proc/$pid/stat") ))
    done
    echo "$total"
}

peak_rss_kib() {  # the largest VmHWM among the members
    local peak=0 pid v
    for pid in "${pids[@]}"; do
        v=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status")
        [ "$v" -gt "$peak" ] && peak=$v
    done
    echo "$peak"
}

run_system() {  # rep system
    local rep=$1 system=$2 w name clients conns seconds args before after report
    start_cluster "$system"
    for w in "${workloads[@]}"; do
        read -r name clients conns seconds args <<<"$w"
        before=$(cpu_ticks)
        # shellcheck disable=SC2086  # args is a word list on purpose
        report=$("$bench" $args --endpoints="$endpoints" --clients="$clients" --conns="$conns" \
                     --duration="$seconds" --target=leader "${common[@]}" || true)
        after=$(cpu_ticks)
        if [ -z "$report" ]; then
            echo "compare: $system $name produced no report" >&2
            continue
        fi
        printf '{"rep":%d,"system":"%s","workload":"%s","cpu_seconds":%s,"rss_kib":%d,"bench":%s}\n' \
            "$rep" "$system" "$name" \
            "$(awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" 'BEGIN {print t / hz}')" \
            "$(peak_rss_kib)" "$report" >>"$results"
        echo "compare: rep $rep $system $name done" >&2
    done
    stop_all
}

# How many fdatasync/fsync calls one member makes during a short put run: proof that the
# server really syncs (strace -c counts the calls of every thread).
count_syncs() {  # system
    local system=$1 strace_pid report puts calls
    start_cluster "$system"
    strace -f -c -e trace=fdatasync,fsync -o "$out/strace-$system.txt" -p "${pids[0]}" &
    strace_pid=$!
    sleep 1
    report=$("$bench" put --endpoints="$endpoints" --clients=10 --conns=2 --duration=2 \
                 --target=all "${common[@]}" || true)
    kill -INT "$strace_pid"
    wait "$strace_pid" || true
    puts=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["succeeded"])' "$report")
    calls=$(awk '$NF ~ /^f(data)?sync$/ {s += $4} END {print s + 0}' "$out/strace-$system.txt")
    printf '{"system":"%s","syncs":%d,"puts":%d}\n' "$system" "$calls" "$puts" >>"$out/syncs.jsonl"
    stop_all
}

# sed, not head: head closes the pipe early, etcd dies of SIGPIPE, and pipefail ended the script.
{ echo "date: $(date -u)"; echo "uptime: $(uptime)"; nproc; uname -r; etcd --version | sed -n 1p
  git -C "$root" log --oneline -1; } >"$out/machine.txt"
for rep in $(seq "$reps"); do
    for system in etcd keel; do
        if [ -z "$only" ] || [ "$only" = "$system" ]; then
            echo "compare: rep $rep $system (load: $(cut -d' ' -f1-3 /proc/loadavg))" >&2
            run_system "$rep" "$system"
        fi
    done
done
: >"$out/syncs.jsonl"
for system in etcd keel; do
    if [ "$sync_check" = 1 ] && { [ -z "$only" ] || [ "$only" = "$system" ]; }; then
        count_syncs "$system"
    fi
done
echo "uptime after: $(uptime)" >>"$out/machine.txt"
python3 "$root/bench/compare/table.py" "$out"
