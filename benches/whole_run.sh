#!/usr/bin/env bash
# Whole-run benchmark: `threatlens scan` against `rg -c` over the same gigabyte of real log lines.
#
# Usage: benches/whole_run.sh [OUTPUT_DIR]      (default: bench-out/ in the repository)
#
# 1. Builds (once; reused while the generator and sizes are unchanged) OUTPUT_DIR/mixed/ from the
#    real corpus (../shared/corpus, or $CORPUS): auth.log ~400 MiB of sshd/CRON lines, ufw.log
#    ~400 MiB of UFW BLOCK lines, conn.log ~300 MiB of Zeek conn rows. See
#    benches/make_whole_run_input.py.
# 2. Builds threatlens in release mode ($CARGO_TARGET_DIR, default target/).
# 3. Reads the files once to warm the page cache, then runs, each under /usr/bin/time -v:
#      rg -c "$PATTERN" <files>
#      threatlens scan <dir> --format json --year 2022 > /dev/null
#    and prints wall time, MB/s and peak RSS for each, and scan's share of ripgrep's speed.
#
# Needs: ripgrep (`apt-get install -y ripgrep` or `cargo install ripgrep`), GNU time
# (`apt-get install -y time`), python3. Sizes can be changed with AUTH_MIB, UFW_MIB, CONN_MIB.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$repo/bench-out}"
corpus="${CORPUS:-$repo/../shared/corpus}"
target_dir="${CARGO_TARGET_DIR:-$repo/target}"
auth_mib="${AUTH_MIB:-400}"
ufw_mib="${UFW_MIB:-400}"
conn_mib="${CONN_MIB:-300}"
# What an analyst greps these logs for first: failed logins, firewall blocks, refused connections.
pattern='Failed password|authentication failure|Invalid user|UFW BLOCK|\tREJ\t|\tS0\t'

missing=0
if ! command -v rg >/dev/null; then
    echo "error: ripgrep (rg) is not installed; install it with 'apt-get install -y ripgrep'" \
        "or 'cargo install ripgrep'" >&2
    missing=1
fi
if [[ ! -x /usr/bin/time ]]; then
    echo "error: GNU time (/usr/bin/time) is not installed; install it with" \
        "'apt-get install -y time'" >&2
    missing=1
fi
if ! command -v python3 >/dev/null; then
    echo "error: python3 is needed to build the input" >&2
    missing=1
fi
if [[ ! -d "$corpus" ]]; then
    echo "error: corpus not found at $corpus (set CORPUS=...)" >&2
    missing=1
fi
((missing == 0)) || exit 1

# ---------------------------------------------------------------- input, cached
data="$out/mixed"
stamp="$out/mixed.stamp"
generator_hash="$(sha256sum "$repo/benches/make_whole_run_input.py" | cut -c1-16)"
want_stamp="$generator_hash $auth_mib $ufw_mib $conn_mib"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want_stamp" && -s "$data/conn.log" ]]; then
    echo "input: reusing $data"
else
    echo "input: building $data (about a minute)"
    rm -rf "$data" "$stamp"
    python3 "$repo/benches/make_whole_run_input.py" "$corpus" "$data" \
        "$auth_mib" "$ufw_mib" "$conn_mib"
    echo "$want_stamp" >"$stamp"
fi
files=("$data/auth.log" "$data/ufw.log" "$data/conn.log")
total_bytes=$(cat "${files[@]}" | wc -c)
total_lines=$(cat "${files[@]}" | wc -l)
echo "input: ${#files[@]} files, $total_bytes bytes, $total_lines lines"

# ---------------------------------------------------------------- binary
echo "build: cargo build --release (CARGO_TARGET_DIR=$target_dir)"
(cd "$repo" && CARGO_TARGET_DIR="$target_dir" cargo build --release --quiet)
threatlens="$target_dir/release/threatlens"

# ---------------------------------------------------------------- runs
cat "${files[@]}" >/dev/null # warm the page cache so both tools read from memory

# Runs a command under GNU time; sets wall_secs (from the clock, to the millisecond), peak_kib
# (from GNU time) and status.
measure() {
    local name="$1"
    shift
    local timing="$out/$name.time" stdout="$out/$name.stdout" stderr="$out/$name.stderr"
    local started finished
    started=$(date +%s.%N)
    set +e
    /usr/bin/time -v -o "$timing" "$@" >"$stdout" 2>"$stderr"
    status=$?
    set -e
    finished=$(date +%s.%N)
    wall_secs=$(awk -v a="$started" -v b="$finished" 'BEGIN { printf "%.3f", b - a }')
    peak_kib=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$timing")
}

# ripgrep takes a fraction of a second, so it runs several times and the median counts.
rg_runs="${RG_RUNS:-5}"
rg_times=()
rg_kib=0
for ((run = 1; run <= rg_runs; run++)); do
    measure rg rg -c "$pattern" "${files[@]}"
    rg_times+=("$wall_secs")
    if ((peak_kib > rg_kib)); then rg_kib=$peak_kib; fi
done
rg_status=$status
rg_secs=$(printf '%s\n' "${rg_times[@]}" | sort -n |
    awk '{ t[NR] = $1 } END { print t[int((NR + 1) / 2)] }')
echo "rg -c: exit $rg_status, wall seconds of $rg_runs runs: ${rg_times[*]}; matching lines:"
sed 's/^/    /' "$out/rg.stdout"

measure scan "$threatlens" scan "$data" --format json --year 2022
scan_status=$status scan_secs=$wall_secs scan_kib=$peak_kib
echo "threatlens scan: exit $scan_status, $(wc -c <"$out/scan.stdout") bytes of JSON" \
    "(kept in $out/scan.stdout)"
if ((scan_status == 0)) && ! grep -q '"detections"' "$out/scan.stdout"; then
    echo "error: threatlens scan wrote no JSON report (is the scan command implemented?)" >&2
    scan_status=1
fi
if ((scan_status != 0)); then
    echo "threatlens scan failed; its stderr:" >&2
    tail -n 20 "$out/scan.stderr" >&2
fi

# ---------------------------------------------------------------- report
RG_PATTERN="$pattern" awk -v bytes="$total_bytes" \
    -v rg_s="$rg_secs" -v rg_k="$rg_kib" -v scan_s="$scan_secs" -v scan_k="$scan_kib" 'BEGIN {
    rg_rate = bytes / 1e6 / rg_s; scan_rate = bytes / 1e6 / scan_s
    printf "\n%-34s %10s %10s %14s\n", "command", "wall s", "MB/s", "peak RSS MB"
    printf "%-34s %10.2f %10.1f %14.1f\n", "rg -c (median, pattern below)", rg_s, rg_rate,
        rg_k / 1024
    printf "%-34s %10.2f %10.1f %14.1f\n", "threatlens scan --format json", scan_s, scan_rate,
        scan_k / 1024
    printf "\nscan/rg throughput ratio: %.3f (goal >= 0.25); scan peak RSS %.0f MB (goal < 300)\n",
        scan_rate / rg_rate, scan_k / 1024
    printf "rg pattern: %s\n", ENVIRON["RG_PATTERN"]
    printf "(rg maps the files into memory, so its peak RSS counts pages of the input)\n"
}'
exit "$scan_status"
