#!/usr/bin/env bash
# The README's test command: installs what is missing, builds keel twice (a normal
# RelWithDebInfo build and an ASan+UBSan build) and runs every test.
#   normal build: every CTest label (unit, sim, e2e, lint)
#   sanitizer build: the unit and sim labels
# Usage: scripts/test.sh [--fast]   (--fast skips the sanitizer build)
set -euo pipefail
cd "$(dirname "$0")/.."

jobs=$(nproc)
fast=0
if [ "${1:-}" = "--fast" ]; then
    fast=1
fi

scripts/setup.sh

start=$(date +%s)
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build -j"$jobs"
ctest --test-dir build --output-on-failure -j"$jobs"

if [ "$fast" -eq 0 ]; then
    cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKEEL_SANITIZE=ON >/dev/null
    ninja -C build-asan -j"$jobs"
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
        ctest --test-dir build-asan --output-on-failure -j"$jobs" -L 'unit|sim'
fi
echo "test.sh: all suites passed in $(( $(date +%s) - start ))s"
