#!/bin/bash
# Printing benchmark (release build): certificate render times, and submit-to-completed through
# libcups beside `lp -o raw` of the same bytes, against a private cupsd whose receipt queue goes
# through zizhu-escpos to zizhu-printersim. Figures in BENCHMARKS.md.
#
#   kiosk/bench/print.sh [ITERATIONS]
set -euo pipefail
cd "$(dirname "$0")/../.."
source kiosk/lib/common.sh
zizhu_find_swift
iterations=${1:-50}
swift build -c release --product zizhu-bench >/dev/null
swift build -c release --product zizhu-escpos >/dev/null
swift build -c release --product zizhu-printersim >/dev/null
bin=$(swift build -c release --show-bin-path)
dir=$(mktemp -d /tmp/zizhu-bench-print.XXXXXX)
# cupsd runs the backend as user lp, who must be able to reach it (mktemp makes the folder 0700).
chmod 0755 "$dir"
port=$(( 20000 + RANDOM % 20000 ))
mkdir -p "$dir/printer"
"$bin/zizhu-printersim" --port "$port" --output "$dir/printer" > "$dir/printer.log" 2>&1 &
sim=$!
cupsd_pid=$(kiosk/lib/cups-env.sh "$dir/cups" "$port" "$bin/zizhu-escpos" | tail -n 1)
stop() {
    kill "$sim" "$cupsd_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$cupsd_pid" 2>/dev/null || break; sleep 0.1; done
    rm -rf "$dir"
}
trap stop EXIT
# The same printer through CUPS's stock socket backend, which cannot see the paper sensor.
CUPS_SERVER=$dir/cups/cups.sock lpadmin -p zizhu-receipt-socket -E -v "socket://127.0.0.1:$port"
"$bin/zizhu-bench" print --cups-server "$dir/cups/cups.sock" --iterations "$iterations" --socket-queue zizhu-receipt-socket
