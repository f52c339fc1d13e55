#!/usr/bin/env bash
# The README's "start a local three-node cluster" command.
#
#   scripts/cluster.sh         builds keeld and keelctl if needed (cmake + ninja into
#                              build/), starts three members on 127.0.0.1 with their data
#                              under data/, and prints the endpoints and an etcdctl example
#   scripts/cluster.sh stop    stops them (SIGTERM by the PIDs in data/*.pid, then SIGKILL
#                              whatever has not exited after 10 s)
#
# KEEL_BUILD_DIR chooses another build directory (default: build).
# Ports: clients 2379/22379/32379, peers 2380/22380/32380 (etcd's local-cluster convention);
# HTTP /metrics, /health and /version on 2381/22381/32381.
# The members keep their data across stop/start; remove data/ for a fresh cluster.
set -euo pipefail
cd "$(dirname "$0")/.."

names=(k1 k2 k3)
client_ports=(2379 22379 32379)
peer_ports=(2380 22380 32380)
metrics_ports=(2381 22381 32381)
data=data
build_dir=${KEEL_BUILD_DIR:-build}

stop() {
    local pidfile pid
    for pidfile in "$data"/*.pid; do
        [ -e "$pidfile" ] || continue
        pid=$(cat "$pidfile")
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid"
            for _ in $(seq 1 100); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.1
            done
            if kill -0 "$pid" 2>/dev/null; then
                echo "member $(basename "$pidfile" .pid) (pid $pid) did not stop; killing it"
                kill -KILL "$pid"
            fi
        fi
        rm -f "$pidfile"
    done
    echo "cluster stopped"
}

if [ "${1:-}" = "stop" ]; then
    stop
    exit 0
fi

for pidfile in "$data"/*.pid; do
    if [ -e "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
        echo "already running (see $data/*.pid); run: scripts/cluster.sh stop" >&2
        exit 1
    fi
done

scripts/setup.sh
if [ ! -f "$build_dir/build.ninja" ]; then
    cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
ninja -C "$build_dir" -j"$(nproc)" keeld keelctl

initial_cluster=""
for i in 0 1 2; do
    initial_cluster+="${initial_cluster:+,}${names[$i]}=http://127.0.0.1:${peer_ports[$i]}"
done

mkdir -p "$data"
endpoints=""
metrics=""
for i in 0 1 2; do
    name=${names[$i]}
    nohup "$build_dir/tools/keeld/keeld" \
        --name="$name" \
        --data-dir="$data/$name" \
        --listen-client-urls="http://127.0.0.1:${client_ports[$i]}" \
        --listen-peer-urls="http://127.0.0.1:${peer_ports[$i]}" \
        --listen-metrics-urls="http://127.0.0.1:${metrics_ports[$i]}" \
        --initial-cluster="$initial_cluster" \
        >>"$data/$name.log" 2>&1 &
    echo $! >"$data/$name.pid"
    endpoints+="${endpoints:+,}http://127.0.0.1:${client_ports[$i]}"
    metrics+="${metrics:+ }http://127.0.0.1:${metrics_ports[$i]}"
done

sleep 1
for i in 0 1 2; do
    if ! kill -0 "$(cat "$data/${names[$i]}.pid")" 2>/dev/null; then
        echo "member ${names[$i]} exited; its log:" >&2
        tail -n 20 "$data/${names[$i]}.log" >&2
        stop
        exit 1
    fi
done

cat <<MSG
keel: three members running (logs and PIDs in $data/)
  endpoints: $endpoints
  metrics:   $metrics  (/metrics, /health, /version)

  export ETCDCTL_API=3 ENDPOINTS=$endpoints
  etcdctl --endpoints=\$ENDPOINTS put greeting hello
  etcdctl --endpoints=\$ENDPOINTS get greeting
  etcdctl --endpoints=\$ENDPOINTS endpoint status -w table
  curl http://127.0.0.1:${metrics_ports[0]}/health

  stop with: scripts/cluster.sh stop
MSG
