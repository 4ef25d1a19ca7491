#!/usr/bin/env bash
# Smoke test of the real window: runs the release binary under Xvfb on the demo incident,
# takes a screenshot of the screen, and fails if the window shows no detections.
#
# Usage: packaging/smoke/xvfb_screenshot.sh [OUTPUT.png]   (default: target dir/smoke.png)
# Needs: xvfb, xauth, imagemagick (import), xdotool; see .ci/run for the apt packages.
# The demo's syslog files have no year, so the window opens on files copied with a 2026
# modification time (the year of the demo's Zeek log): ThreatLens takes the year from it.
set -euo pipefail
cd "$(dirname "$0")/../.."

target="${CARGO_TARGET_DIR:-target}"
output="${1:-$target/smoke.png}"
binary="$target/release/threatlens"
display_number="${SMOKE_DISPLAY:-:99}"
wait_secs="${SMOKE_WAIT_SECS:-20}"

cargo build --release --locked --quiet
for tool in Xvfb import xdotool; do
    command -v "$tool" >/dev/null || { echo "smoke: $tool is missing" >&2; exit 1; }
done

work="$(mktemp -d)"
cleanup() {
    [ -n "${app_pid:-}" ] && kill "$app_pid" 2>/dev/null || true
    [ -n "${xvfb_pid:-}" ] && kill "$xvfb_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

mkdir "$work/logs"
cp assets/samples/*.log "$work/logs/"
touch -d "2026-03-14 12:00:00 UTC" "$work"/logs/*.log

Xvfb "$display_number" -screen 0 1280x800x24 -nolisten tcp &
xvfb_pid=$!
sleep 1

# A fresh settings folder, so a saved theme or window size from a real run does not leak in.
export XDG_DATA_HOME="$work/data" XDG_CONFIG_HOME="$work/config"
DISPLAY="$display_number" "$binary" "$work/logs" >"$work/app.log" 2>&1 &
app_pid=$!

# Wait for the window, then for the scan to finish (the status bar reports the count).
window=""
for _ in $(seq "$wait_secs"); do
    window="$(DISPLAY="$display_number" xdotool search --name '^ThreatLens$' 2>/dev/null | head -n1 || true)"
    [ -n "$window" ] && break
    kill -0 "$app_pid" 2>/dev/null || { cat "$work/app.log" >&2; echo "smoke: the app exited" >&2; exit 1; }
    sleep 1
done
[ -n "$window" ] || { cat "$work/app.log" >&2; echo "smoke: no window appeared" >&2; exit 1; }
sleep 5
# Select the first row (the most severe detection) so the detail and guidance panes fill in.
DISPLAY="$display_number" xdotool mousemove --window "$window" 300 115 click 1
sleep 2
DISPLAY="$display_number" xdotool mousemove 1270 790
sleep 1
DISPLAY="$display_number" import -window root "$output"
echo "smoke: screenshot in $output"

# The severity colours of the table (src/ui/theme.rs) must be on screen: critical red and high
# orange, as antialiased text (hence the fuzz). A window without detections has neither.
count_colour() {
    convert "$output" -fuzz 12% -fill black +opaque "$1" -fill white -opaque "$1" \
        -format '%[fx:round(mean*w*h)]' info:
}
critical="$(count_colour 'rgb(214,39,40)')"
high="$(count_colour 'rgb(240,122,26)')"
echo "smoke: $critical critical-red and $high high-orange pixels"
if [ "$critical" -lt 20 ] || [ "$high" -lt 20 ]; then
    cat "$work/app.log" >&2
    echo "smoke: the window shows no detections" >&2
    exit 1
fi
