#!/bin/bash
# Card-read benchmark: a private pcscd with zizhu-cardsim playing a synthetic 3.0 card, then
# zizhu-bench card-read, which times full Swift reads and pyscard replaying the same APDUs.
#
#   kiosk/bench/card-read.sh [ITERATIONS]     (as root, after kiosk/test.sh has installed packages)
set -euo pipefail
cd "$(dirname "$0")/../.."
source kiosk/lib/common.sh
zizhu_find_swift
swift build -c release --product zizhu-bench >/dev/null
swift build -c release --product zizhu-cardsim >/dev/null
bin=$(swift build -c release --show-bin-path)
work=$(mktemp -d /tmp/zizhu-bench-XXXXXX)
port=$((40000 + RANDOM % 20000))
pcscd=$(kiosk/lib/pcscd-env.sh "$work/pcscd" "$port" "Zizhu Bench Reader")
cp assets/cards/zhang-san-3.0.json "$work/card.json"
"$bin/zizhu-cardsim" --port "$port" --control "$work/cardsim.sock" --profile "$work/card.json" > "$work/cardsim.log" 2>&1 &
sim=$!
trap 'kill $sim $pcscd 2>/dev/null; wait $sim 2>/dev/null; rm -rf "$work"' EXIT
export PCSCLITE_CSOCK_NAME=$work/pcscd/run/pcscd.comm
for _ in $(seq 50); do
    PCSCLITE_CSOCK_NAME=$PCSCLITE_CSOCK_NAME "$bin/zizhu-bench" card-read --reader "Zizhu Bench Reader 00 00" --iterations 1 >/dev/null 2>&1 && break
    sleep 0.2
done
"$bin/zizhu-bench" card-read --reader "Zizhu Bench Reader 00 00" --iterations "${1:-300}"
