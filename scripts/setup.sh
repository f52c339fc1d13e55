#!/usr/bin/env bash
# Installs the Debian packages keel builds, tests and benchmarks with. Idempotent: does nothing
# when every package is already installed; otherwise runs apt-get update once and installs the
# missing ones.
set -euo pipefail

packages=(
    build-essential cmake ninja-build pkg-config git python3
    libgtest-dev libgmock-dev libbenchmark-dev
    libabsl-dev librocksdb-dev libzstd-dev libisal-dev
    libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc
    libspdlog-dev libcli11-dev nlohmann-json3-dev libcpp-httplib-dev
    etcd-client etcd-server strace
)

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "setup: all ${#packages[@]} packages present"
    exit 0
fi

echo "setup: installing ${missing[*]}"
sudo_cmd=""
if [ "$(id -u)" -ne 0 ]; then
    sudo_cmd="sudo"
fi
$sudo_cmd apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q --no-install-recommends "${missing[@]}"
