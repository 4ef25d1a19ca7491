#!/usr/bin/env bash
# Whole-process start-up with ATT&CK data: from exec to a loaded, indexed knowledge base.
#
# Usage: benches/attack_startup.sh [BUNDLE]
# Default bundle: ../shared/attack/enterprise-attack.json.zst. Builds the release binary, runs
# `threatlens attack info` once to write the derived index into a temporary data folder, then
# times repeated runs with hyperfine (apt install hyperfine) and prints the peak memory of one.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
bundle="${1:-$root/../shared/attack/enterprise-attack.json.zst}"
target="${CARGO_TARGET_DIR:-$root/target}"
data="$(mktemp -d)"
trap 'rm -rf "$data"' EXIT

cargo build --release --quiet --manifest-path "$root/Cargo.toml"
binary="$target/release/threatlens"
export THREATLENS_DATA_DIR="$data"

echo "first run (parses the bundle, writes the index):"
/usr/bin/time -f "  %e s, peak %M KiB" "$binary" attack info --attack "$bundle" >/dev/null
echo "later runs (read the index):"
/usr/bin/time -f "  %e s, peak %M KiB" "$binary" attack info --attack "$bundle" >/dev/null
hyperfine --warmup 3 --runs 30 --style basic \
    "$binary attack info --attack $bundle" \
    "$binary actors T1110 T1046 T1041 --attack $bundle"
